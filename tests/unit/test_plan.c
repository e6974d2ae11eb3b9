/* test_plan.c - the migration planner: steps, their order, refusals,
 * rename matching and the version list. (tests/e2e/migrate_test.sh applies
 * plans on PostgreSQL.) */
#include "appgen/front.h"
#include "appgen/plan.h"
#include "test.h"

void test_plan_identical(void);
void test_plan_order(void);
void test_plan_refusals(void);
void test_plan_renames(void);
void test_plan_versions(void);

/* A blueprint with one table "items" whose columns are `cols` (JSON), plus `extra` top-level members. */
static char *blueprint(const char *tables, const char *extra)
{
	ag_buf b = AG_BUF_INIT;
	ag_buf_printf(&b,
		"{\n  \"version\": 2,\n  \"app\": {\"name\": \"P\", \"slug\": \"plan-app\"},\n"
		"  \"data\": {\"tables\": [%s]},\n"
		"  \"security\": {\"auth\": {\"enabled\": true}, \"roles\": [\"Admin\", \"Staff\"],\n"
		"    \"permissions\": [{\"role\": \"Staff\", \"resource\": \"items\", \"actions\": {\"list\": true, \"read\": true,"
		" \"create\": false, \"update\": false, \"delete\": false}}]}%s%s\n}\n",
		tables, extra ? ",\n  " : "", extra ? extra : "");
	return ag_buf_detach(&b);
}

static ag_ir *compile(const char *text)
{
	ag_ir *ir = NULL;
	ag_diags d;
	ag_diags_init(&d);
	CHECK_INT(ag_front_compile(&ir, "blueprints/plan-app.json", text, strlen(text), &d), 0);
	for (size_t i = 0; i < d.count; i++)
		if (d.items[i].severity == AG_SEV_ERROR)
			fprintf(stderr, "  [%s] %s\n", ag_diag_code_id(d.items[i].code), d.items[i].message);
	ag_diags_dispose(&d);
	return ir;
}

/* One planning a -> b and what it gave: the return code, the plan, its
 * diagnostics, and the steps' ops joined by ' '. */
typedef struct planned {
	int rc;
	char *ops;
	ag_plan p;
	ag_diags d;
} planned;

static void plan(planned *r, const char *a, const char *b)
{
	ag_ir *x = compile(a), *y = compile(b);
	ag_buf o = AG_BUF_INIT;

	memset(r, 0, sizeof(*r));
	ag_diags_init(&r->d);
	r->rc = -1;
	if (x && y) {
		r->rc = ag_plan_diff(&r->p, x, y, b, strlen(b), &r->d);
		for (const cJSON *s = r->p.steps ? r->p.steps->child : NULL; s; s = s->next)
			ag_buf_printf(&o, "%s%s", o.len ? " " : "", cJSON_GetObjectItem(s, "op")->valuestring);
	}
	r->ops = ag_buf_detach(&o);
	ag_ir_free(x);
	ag_ir_free(y);
}

static void planned_dispose(planned *r)
{
	ag_plan_dispose(&r->p);
	ag_diags_dispose(&r->d);
	free(r->ops);
}

#define ITEMS(cols) "{\"name\": \"items\", \"columns\": [" cols "]}"

void test_plan_identical(void)
{
	char *a = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\", \"unique\": true}"), NULL);
	planned r;

	plan(&r, a, a);
	CHECK_INT(r.rc, 0);
	CHECK_STR(r.ops, "");
	CHECK_STR(r.p.name, "no_schema_change");
	CHECK_INT(r.d.count, 0);
	planned_dispose(&r);
	free(a);
}

void test_plan_order(void)
{
	/* a type change with a default, a new unique column, a new table with
	 * a foreign key to items, a role's permission gone */
	char *a = blueprint(ITEMS("{\"name\": \"qty\", \"type\": \"int\", \"default\": 1, \"min\": 0}"), NULL);
	char *b = blueprint(ITEMS("{\"name\": \"qty\", \"type\": \"float\", \"default\": 1.5, \"min\": 0},"
		"{\"name\": \"code\", \"type\": \"text\", \"unique\": true}") ", {\"name\": \"parts\", \"columns\": "
		"[{\"name\": \"item_id\", \"type\": \"uuid\"}]}",
		"\"ui\": {}");
	char *fk;
	planned r;

	/* give b a relationship: parts.item_id -> items.id */
	fk = strstr(b, "]},\n  \"security\"");
	CHECK(fk != NULL);
	if (fk) {
		ag_buf nb = AG_BUF_INIT;
		ag_buf_put(&nb, b, (size_t)(fk - b) + 1);
		ag_buf_puts(&nb, ", \"relationships\": [{\"type\": \"many_to_one\", \"fromTable\": \"parts\", \"fromColumn\":"
			" \"item_id\", \"toTable\": \"items\", \"toColumn\": \"id\", \"onDelete\": \"cascade\"}]");
		ag_buf_puts(&nb, fk + 1);
		free(b);
		b = ag_buf_detach(&nb);
	}
	plan(&r, a, b);
	CHECK_INT(r.rc, 0);
	/* the CHECK on qty is recreated around the type change; create_table (with the index of
	 * its FK column) before add_column; the FK after both */
	CHECK_STR(r.ops, "drop_constraint create_table add_column drop_default alter_type set_default "
		"add_constraint add_constraint add_foreign_key");
	CHECK_STR(r.p.name, "add_parts_and_more");
	CHECK_INT(r.p.destructive, 0);
	planned_dispose(&r);
	free(a);
	free(b);
}

void test_plan_refusals(void)
{
	char *a = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\"}, {\"name\": \"note\", \"type\": \"text\"}"),
		NULL);
	char *b = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\"}"), NULL);
	char *c = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\"}"),
		"\"migrations\": {\"allowDestructive\": [\"drop column items.note\"]}");
	char *e = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\"}, {\"name\": \"note\", \"type\": \"text\"},"
		"{\"name\": \"num\", \"type\": \"int\", \"required\": true}"), NULL);
	planned r;

	plan(&r, a, b);
	CHECK_INT(r.rc, AG_EINVALID);
	CHECK_INT(r.d.errors, 1);
	if (r.d.count) {
		CHECK_INT(r.d.items[0].code, AG_D_DESTRUCTIVE);
		CHECK_INT(r.d.items[0].span.line, 4); /* "items" on the data line */
		CHECK(strstr(r.d.items[0].hint, "\"drop column items.note\"") != NULL);
		CHECK(r.d.items[0].source && strstr(r.d.items[0].source, "\"items\""));
	}
	CHECK_STR(r.ops, "drop_column"); /* the plan is whole even when refused */
	planned_dispose(&r);

	plan(&r, a, c);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.p.destructive, 1);
	CHECK_STR(r.p.name, "drop_items_note");
	planned_dispose(&r);

	plan(&r, a, e);
	CHECK_INT(r.rc, AG_EINVALID);
	CHECK(r.d.count == 1 && r.d.items[0].code == AG_D_UNSAFE_STEP);
	planned_dispose(&r);
	free(a);
	free(b);
	free(c);
	free(e);
}

void test_plan_renames(void)
{
	char *a = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\", \"unique\": true}"), NULL);
	/* title -> name: the column (and its unique constraint's name) follow */
	char *b = blueprint(ITEMS("{\"name\": \"name\", \"type\": \"text\", \"unique\": true, \"renamedFrom\": \"title\"}"),
		NULL);
	/* a hint naming a column that a same-named column keeps is ignored: add, not rename */
	char *c = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\", \"unique\": true},"
		"{\"name\": \"other\", \"type\": \"text\", \"renamedFrom\": \"title\"}"), NULL);
	planned r;

	plan(&r, a, b);
	CHECK_INT(r.rc, 0);
	CHECK_STR(r.ops, "drop_constraint rename_column add_constraint");
	CHECK_STR(r.p.name, "rename_name_and_more");
	CHECK_INT(r.d.count, 0);
	planned_dispose(&r);
	plan(&r, a, c);
	CHECK_INT(r.rc, 0);
	CHECK_STR(r.ops, "add_column");
	CHECK_INT(r.d.count, 0);
	planned_dispose(&r);
	free(a);
	free(b);
	free(c);
}

void test_plan_versions(void)
{
	char *t[3];
	ag_ir *irs[3];
	const char *texts[3], *labels[3] = { "one", "two", "three" };
	size_t lens[3];
	cJSON *list = NULL;
	unsigned n = 0;
	ag_diags d;

	t[0] = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\"}"), NULL);
	t[1] = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\"}, {\"name\": \"aa\", \"type\": \"int\"}"), NULL);
	t[2] = blueprint(ITEMS("{\"name\": \"title\", \"type\": \"text\"}, {\"name\": \"aa\", \"type\": \"int\"},"
		"{\"name\": \"bb\", \"type\": \"bool\"}"), NULL);
	for (int k = 0; k < 3; k++) {
		irs[k] = compile(t[k]);
		if (irs[k])
			irs[k]->version = (unsigned)k + 1;
		texts[k] = t[k];
		lens[k] = strlen(t[k]);
	}
	/* version 2 does not validate: skipped, 3 is planned from 1 */
	ag_ir_free(irs[1]);
	irs[1] = NULL;
	ag_diags_init(&d);
	CHECK_INT(ag_plan_versions(&list, &n, irs, texts, lens, labels, 3, &d), 0);
	CHECK_INT(n, 2);
	CHECK(d.count == 1 && d.items[0].code == AG_D_VERSION_SKIPPED && strstr(d.items[0].message, "version 2 (two)"));
	CHECK_INT(cJSON_GetArraySize(list), 2);
	if (cJSON_GetArraySize(list) == 2) {
		const cJSON *v1 = cJSON_GetArrayItem(list, 0), *v2 = cJSON_GetArrayItem(list, 1);
		CHECK_STR(cJSON_GetObjectItem(v1, "name")->valuestring, "init");
		CHECK(cJSON_IsObject(cJSON_GetObjectItem(v1, "app")));
		CHECK_STR(cJSON_GetObjectItem(v2, "name")->valuestring, "add_items_aa_and_more");
		CHECK_INT(cJSON_GetObjectItem(v2, "blueprintVersion")->valuedouble, 3);
		CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(v2, "steps")), 2);
	}
	cJSON_Delete(list);
	ag_diags_dispose(&d);
	/* one version: no list */
	ag_diags_init(&d);
	CHECK_INT(ag_plan_versions(&list, &n, irs + 2, texts + 2, lens + 2, labels + 2, 1, &d), 0);
	CHECK(list == NULL && n == 1);
	ag_diags_dispose(&d);
	for (int k = 0; k < 3; k++) {
		ag_ir_free(irs[k]);
		free(t[k]);
	}
}
