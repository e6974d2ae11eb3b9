/*
 * versions.c - an app's migration history: which blueprint versions get a
 * migration and the plan of each (see ag_plan_versions in plan.h).
 */
#include "appgen/plan.h"
#include <string.h>

/* The first error of `from` as one line, for a skipped version's warning. */
static const char *first_error(const ag_diags *from)
{
	for (size_t i = 0; i < from->count; i++)
		if (from->items[i].severity == AG_SEV_ERROR)
			return from->items[i].message;
	return "it does not validate";
}

static void skipped(ag_diags *d, const ag_ir *head, const char *label, unsigned k, const char *why)
{
	ag_diags_add(d, AG_SEV_WARNING, AG_D_VERSION_SKIPPED, head->file, (ag_span){ 0, 0, 0 }, NULL, 0,
		"a later version's migration covers its changes",
		"version %u (%s) has no migration of its own: %s", k, label ? label : "?", why);
}

static cJSON *entry(unsigned number, const char *name, const char *label, unsigned blueprint_version)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "version", number);
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "label", label ? label : "");
	cJSON_AddNumberToObject(e, "blueprintVersion", blueprint_version);
	return e;
}

int ag_plan_versions(cJSON **out, unsigned *version, ag_ir *const *irs, const char *const *texts,
	const size_t *lens, const char *const *labels, size_t n, ag_diags *d)
{
	cJSON *list = NULL;
	const ag_ir *last = NULL, *head = n ? irs[n - 1] : NULL;
	unsigned count = 0;
	int error = 0;

	*out = NULL;
	*version = 0;
	if (!head)
		return ag_error_set(AG_ERROR, "ag_plan_versions: the head version must be valid");
	for (size_t k = 0; k < n && !error; k++) {
		const ag_ir *ir = irs[k];
		ag_plan plan;
		ag_diags mine;
		cJSON *e;
		int e_plan;

		if (!ir) {
			skipped(d, head, labels[k], (unsigned)k + 1, "it does not validate");
			continue;
		}
		if (!last || strcmp(last->db_schema, ir->db_schema) != 0) {
			/* the first version, or a new schema: its 0001 creates everything */
			cJSON_Delete(list);
			list = cJSON_CreateArray();
			e = entry(1, "init", labels[k], ir->version);
			cJSON_AddItemToObject(e, "app", ag_ir_to_json(ir));
			cJSON_AddItemToArray(list, e);
			count = 1;
			last = ir;
			continue;
		}
		ag_diags_init(&mine);
		e_plan = ag_plan_diff(&plan, last, ir, texts[k], lens[k], &mine);
		if (e_plan == AG_EINVALID && k + 1 < n) {
			skipped(d, head, labels[k], (unsigned)k + 1, first_error(&mine));
		} else if (e_plan == AG_EINVALID) {
			/* the head's refusal is the app's error */
			for (size_t i = 0; i < mine.count; i++) {
				const ag_diag *x = &mine.items[i];
				ag_diags_add(d, x->severity, x->code, x->file, x->span, x->source,
					x->source ? strlen(x->source) : 0, x->hint, "%s", x->message);
			}
			error = AG_EINVALID;
		} else if (e_plan < 0) {
			error = e_plan;
		} else {
			e = entry(++count, plan.name, labels[k], ir->version);
			cJSON_AddItemToObject(e, "steps", plan.steps);
			plan.steps = NULL;
			cJSON_AddItemToArray(list, e);
			last = ir;
		}
		ag_plan_dispose(&plan);
		ag_diags_dispose(&mine);
	}
	if (!error && (!list || d->oom))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	if (error) {
		cJSON_Delete(list);
		return error;
	}
	*version = count;
	if (count > 1)
		*out = list;
	else
		cJSON_Delete(list);
	return 0;
}
