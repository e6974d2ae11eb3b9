/* report.c - merging the build reports of shards (report.h). */
#include "appgen/report.h"
#include "appgen/front.h"
#include <cjson/cJSON.h>

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int by_file(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(str_of(x, "file"), str_of(y, "file"));
}

/* Add app entry `e` (of report `name`) to the list, or settle a clash. */
static int take(cJSON **apps, size_t *n, const cJSON *e, const char *name)
{
	const char *file = str_of(e, "file"), *status = str_of(e, "status");

	if (!file || !status)
		return ag_error_set(AG_EINVALID, "%s: an app entry without file or status", name);
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(str_of(apps[i], "file"), file) != 0)
			continue;
		if (strcmp(status, "skipped") == 0)
			return 0; /* the other shard has it */
		if (strcmp(str_of(apps[i], "status"), "skipped") != 0)
			return ag_error_set(AG_EINVALID, "%s: %s was built by two shards", name, file);
		cJSON_Delete(apps[i]);
		return (apps[i] = cJSON_Duplicate(e, true)) ? 0 : ag_error_set(AG_ENOMEM, "out of memory");
	}
	return (apps[(*n)++] = cJSON_Duplicate(e, true)) ? 0 : ag_error_set(AG_ENOMEM, "out of memory");
}

int ag_report_merge(ag_buf *out, const char *const *texts, const size_t *lens, const char *const *names,
	size_t n)
{
	cJSON **docs = calloc(n + 1, sizeof(*docs)), **apps = NULL, *root = NULL, *list, *t;
	size_t n_apps = 0, cap = 0;
	const char *commit = NULL, *appgen = NULL;
	double totals[6] = { 0 }; /* apps, succeeded, failed, skipped, cached, deleted */
	static const char *const keys[] = { "apps", "succeeded", "failed", "skipped", "cached", "deleted" };
	int error = 0;

	if (!docs)
		return ag_error_set(AG_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !error; i++) {
		const cJSON *a;
		if (!(docs[i] = cJSON_ParseWithLength(texts[i], lens[i])) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(docs[i], "apps")) ||
			!str_of(docs[i], "sourceCommit") || !str_of(docs[i], "appgen")) {
			error = ag_error_set(AG_EINVALID, "%s is not a build report (build.json)", names[i]);
			break;
		}
		if (!commit) {
			commit = str_of(docs[i], "sourceCommit");
			appgen = str_of(docs[i], "appgen");
		} else if (strcmp(commit, str_of(docs[i], "sourceCommit")) || strcmp(appgen, str_of(docs[i], "appgen"))) {
			error = ag_error_set(AG_EINVALID, "%s comes from commit %.12s, not %.12s: only the shards of one "
				"build can be merged", names[i], str_of(docs[i], "sourceCommit"), commit);
			break;
		}
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(docs[i], "apps")) {
			if (n_apps == cap) {
				size_t c2 = cap ? cap * 2 : 64;
				cJSON **p = realloc(apps, c2 * sizeof(*p));
				if (!p) {
					error = ag_error_set(AG_ENOMEM, "out of memory");
					break;
				}
				apps = p;
				cap = c2;
			}
			if ((error = take(apps, &n_apps, a, names[i])) < 0)
				break;
		}
	}
	if (error)
		goto done;
	qsort(apps, n_apps, sizeof(*apps), by_file);
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "appgen", appgen ? appgen : "");
	cJSON_AddStringToObject(root, "sourceCommit", commit ? commit : "");
	cJSON_AddStringToObject(root, "sourceSummary", n ? (str_of(docs[0], "sourceSummary") ? str_of(docs[0], "sourceSummary") : "") : "");
	list = cJSON_AddArrayToObject(root, "apps");
	for (size_t i = 0; i < n_apps; i++) {
		const char *st = str_of(apps[i], "status");
		const cJSON *cached = cJSON_GetObjectItemCaseSensitive(apps[i], "cached");
		totals[0]++;
		totals[1] += strcmp(st, "succeeded") == 0;
		totals[2] += strcmp(st, "failed") == 0;
		totals[3] += strcmp(st, "skipped") == 0;
		totals[4] += cJSON_IsTrue(cached);
		totals[5] += strcmp(st, "deleted") == 0;
		cJSON_AddItemToArray(list, apps[i]);
		apps[i] = NULL;
	}
	t = cJSON_AddObjectToObject(root, "totals");
	for (size_t k = 0; k < AG_ARRAY_SIZE(keys); k++)
		cJSON_AddNumberToObject(t, keys[k], totals[k]);
	cJSON_AddNumberToObject(t, "shards", (double)n);
	ag_json_write(out, root);
	ag_buf_putc(out, '\n');
	if (ag_buf_oom(out))
		error = ag_error_set(AG_ENOMEM, "out of memory");
done:
	for (size_t i = 0; i < n_apps; i++)
		cJSON_Delete(apps[i]);
	free(apps);
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(docs[i]);
	free(docs);
	cJSON_Delete(root);
	return error;
}
