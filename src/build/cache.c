/* cache.c - the build cache: inputs per app, in <out>/.appgen/cache.json. */
#include "appgen/cache.h"
#include "appgen/buf.h"
#include "appgen/front.h"
#include "appgen/fs.h"
#include "appgen/write.h"
#include <cjson/cJSON.h>
#include <sys/stat.h>

#define CACHE_FORMAT 1

/* The inputs in the order they are checked and stored. */
static const char *const input_names[] = { "appgen", "emitters", "config", "blueprint", "history" };
static const char *const input_changed[] = {
	"appgen changed", "emitters or templates changed", "appgen.json changed",
	"blueprint changed", "version history changed",
};

static const char *input_of(const ag_cache_inputs *in, size_t k)
{
	const char *v[] = { in->appgen, in->emitters, in->config, in->blueprint, in->history };
	return v[k] ? v[k] : "";
}

static char **field_of(ag_cache_app *a, size_t k)
{
	char **f[] = { &a->appgen, &a->emitters, &a->config, &a->blueprint, &a->history };
	return f[k];
}

static void app_dispose(ag_cache_app *a)
{
	free(a->file);
	free(a->slug);
	free(a->db_schema);
	for (size_t k = 0; k < AG_ARRAY_SIZE(input_names); k++)
		free(*field_of(a, k));
	memset(a, 0, sizeof(*a));
}

/* Index of `file`, or where it would go (*found false). */
static size_t find(const ag_cache *c, const char *file, bool *found)
{
	size_t lo = 0, hi = c->count;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->apps[mid].file, file);
		if (cmp == 0) {
			*found = true;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const ag_cache_app *ag_cache_get(const ag_cache *c, const char *file)
{
	bool found;
	size_t i = find(c, file, &found);

	return found ? &c->apps[i] : NULL;
}

int ag_cache_put(ag_cache *c, const char *file, const ag_cache_inputs *in, const ag_cache_built *b)
{
	ag_cache_app a;
	bool found, oom;
	size_t i = find(c, file, &found);

	memset(&a, 0, sizeof(a));
	a.file = strdup(file);
	a.slug = strdup(b->slug);
	a.db_schema = strdup(b->db_schema);
	oom = !a.file || !a.slug || !a.db_schema;
	for (size_t k = 0; k < AG_ARRAY_SIZE(input_names); k++)
		oom |= !(*field_of(&a, k) = strdup(input_of(in, k)));
	if (oom) {
		app_dispose(&a);
		return ag_error_set(AG_ENOMEM, "out of memory");
	}
	a.version = b->version;
	a.files = b->files;
	a.bytes = b->bytes;
	if (b->artifact && strlen(b->artifact) == 40)
		memcpy(a.artifact, b->artifact, 41);
	if (found) {
		app_dispose(&c->apps[i]);
		c->apps[i] = a;
		return 0;
	}
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		ag_cache_app *p = realloc(c->apps, cap * sizeof(*p));
		if (!p) {
			app_dispose(&a);
			return ag_error_set(AG_ENOMEM, "out of memory");
		}
		c->apps = p;
		c->cap = cap;
	}
	memmove(&c->apps[i + 1], &c->apps[i], (c->count - i) * sizeof(*c->apps));
	c->apps[i] = a;
	c->count++;
	return 0;
}

void ag_cache_remove(ag_cache *c, const char *file)
{
	bool found;
	size_t i = find(c, file, &found);

	if (!found)
		return;
	app_dispose(&c->apps[i]);
	memmove(&c->apps[i], &c->apps[i + 1], (c->count - i - 1) * sizeof(*c->apps));
	c->count--;
}

void ag_cache_dispose(ag_cache *c)
{
	for (size_t i = 0; i < c->count; i++)
		app_dispose(&c->apps[i]);
	free(c->apps);
	memset(c, 0, sizeof(*c));
}

const char *ag_cache_why(const ag_cache *c, const char *out, const char *file,
	const ag_cache_inputs *now)
{
	const ag_cache_app *a = ag_cache_get(c, file);
	ag_buf dir = AG_BUF_INIT;
	struct stat st;
	bool present;

	if (!a)
		return "not built before";
	for (size_t k = 0; k < AG_ARRAY_SIZE(input_names); k++)
		if (strcmp(*field_of((ag_cache_app *)a, k), input_of(now, k)) != 0)
			return input_changed[k];
	ag_buf_printf(&dir, "%s/apps/%s", out, a->slug);
	present = !ag_buf_oom(&dir) && lstat(dir.ptr, &st) == 0 && S_ISDIR(st.st_mode);
	ag_buf_dispose(&dir);
	return present ? NULL : "output missing";
}

static void cache_path(ag_buf *b, const char *out)
{
	ag_buf_printf(b, "%s/.appgen/cache.json", out);
}

/* One app's record from its JSON object; false when malformed. */
static bool load_app(ag_cache *c, const cJSON *o, int *error)
{
	ag_cache_inputs in;
	const char *v[AG_ARRAY_SIZE(input_names)];
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(o, "version");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(o, "files");
	const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(o, "bytes");
	const cJSON *slug = cJSON_GetObjectItemCaseSensitive(o, "slug");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(o, "dbSchema");
	const cJSON *artifact = cJSON_GetObjectItemCaseSensitive(o, "artifact");

	if (!cJSON_IsObject(o) || !o->string || !cJSON_IsNumber(version) || !cJSON_IsNumber(files) ||
		!cJSON_IsNumber(bytes) || !cJSON_IsString(slug) || !cJSON_IsString(schema))
		return false;
	for (size_t k = 0; k < AG_ARRAY_SIZE(input_names); k++) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, input_names[k]);
		if (!cJSON_IsString(s))
			return false;
		v[k] = s->valuestring;
	}
	in = (ag_cache_inputs){ v[0], v[1], v[2], v[3], v[4] };
	*error = ag_cache_put(c, o->string, &in, &(ag_cache_built){ slug->valuestring, schema->valuestring,
		(unsigned)version->valuedouble, (size_t)files->valuedouble, (size_t)bytes->valuedouble,
		cJSON_IsString(artifact) ? artifact->valuestring : NULL });
	return *error == 0;
}

int ag_cache_load(ag_cache *c, const char *out)
{
	ag_buf path = AG_BUF_INIT, text = AG_BUF_INIT;
	cJSON *root = NULL;
	const cJSON *apps, *o;
	size_t size;
	int error = 0;

	memset(c, 0, sizeof(*c));
	cache_path(&path, out);
	if (ag_buf_oom(&path)) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	if (ag_fs_read(&text, path.ptr, (size_t)64 << 20, &size) < 0) {
		ag_error_clear(); /* no cache yet */
		goto done;
	}
	root = cJSON_ParseWithLength(text.ptr ? text.ptr : "", text.len);
	apps = cJSON_GetObjectItemCaseSensitive(root, "apps");
	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "format")) ||
		cJSON_GetObjectItemCaseSensitive(root, "format")->valuedouble != CACHE_FORMAT ||
		!cJSON_IsObject(apps))
		goto done;
	cJSON_ArrayForEach(o, apps) {
		if (!load_app(c, o, &error)) {
			/* A damaged record: trust none of the file. */
			ag_cache_dispose(c);
			goto done;
		}
	}
done:
	cJSON_Delete(root);
	ag_buf_dispose(&path);
	ag_buf_dispose(&text);
	return error;
}

int ag_cache_save(const ag_cache *c, const char *out)
{
	cJSON *root = cJSON_CreateObject(), *apps;
	ag_buf path = AG_BUF_INIT, dir = AG_BUF_INIT, text = AG_BUF_INIT;
	int error = 0;

	cJSON_AddNumberToObject(root, "format", CACHE_FORMAT);
	apps = cJSON_AddObjectToObject(root, "apps");
	for (size_t i = 0; i < c->count; i++) {
		ag_cache_app *a = &c->apps[i];
		cJSON *o = cJSON_AddObjectToObject(apps, a->file);
		cJSON_AddStringToObject(o, "slug", a->slug);
		cJSON_AddStringToObject(o, "dbSchema", a->db_schema);
		for (size_t k = 0; k < AG_ARRAY_SIZE(input_names); k++)
			cJSON_AddStringToObject(o, input_names[k], *field_of(a, k));
		cJSON_AddNumberToObject(o, "version", a->version);
		cJSON_AddNumberToObject(o, "files", (double)a->files);
		cJSON_AddNumberToObject(o, "bytes", (double)a->bytes);
		if (a->artifact[0])
			cJSON_AddStringToObject(o, "artifact", a->artifact);
	}
	ag_json_write(&text, root);
	ag_buf_putc(&text, '\n');
	cache_path(&path, out);
	ag_buf_printf(&dir, "%s/.appgen", out);
	if (!root || ag_buf_oom(&text) || ag_buf_oom(&path) || ag_buf_oom(&dir))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	else if ((error = ag_write_mkdirs(dir.ptr)) == 0)
		error = ag_write_file(path.ptr, text.ptr, text.len, 0644, NULL);
	cJSON_Delete(root);
	ag_buf_dispose(&path);
	ag_buf_dispose(&dir);
	ag_buf_dispose(&text);
	return error;
}
