/* test_front.c - the front end as a whole: valid in, IR out; invalid in,
 * every problem reported. */
#include "test.h"
#include "appgen/front.h"

void test_front_valid_minimal(void);
void test_front_system_columns(void);
void test_front_reports_all(void);
void test_front_spec1(void);
void test_front_creation_order(void);
void test_front_dates(void);

static ag_ir *compile(const char *text, ag_diags *d)
{
	ag_ir *ir = NULL;
	ag_front_compile(&ir, "t.json", text, strlen(text), d);
	return ir;
}

static bool has(const ag_diags *d, ag_diag_code code, uint32_t line)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->items[i].code == code && (!line || d->items[i].span.line == line))
			return true;
	return false;
}

void test_front_valid_minimal(void)
{
	ag_diags d;
	ag_ir *ir;

	ag_diags_init(&d);
	ir = compile("{\"version\": 2, \"app\": {\"name\": \"N\", \"slug\": \"my-app\"},"
		     " \"data\": {\"tables\": [{\"name\": \"notes\", \"columns\": [{\"name\": \"body\", \"type\": \"text\"}]}]},"
		     " \"security\": {\"roles\": [\"Admin\"], \"permissions\": [{\"role\": \"Admin\", \"resource\": \"notes\","
		     " \"actions\": {\"list\": true, \"read\": true}}]}}", &d);
	CHECK(ir != NULL);
	CHECK_INT(d.errors, 0);
	if (ir) {
		CHECK_STR(ir->db_schema, "app_my_app");
		CHECK_INT(ir->n_tables, 1);
		CHECK_STR(ir->tables[0].label, "Notes");
		CHECK_INT(ir->perms[0], AG_ACT_LIST | AG_ACT_READ);
		CHECK_INT(ir->n_policies, 1);
		CHECK_STR(ir->policies[0].name, "p_notes_Admin_select");
		CHECK_INT(strlen(ir->blob), 40);
		/* a default page and navigation are derived */
		CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(ir->ui, "pages")) == 1);
		CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(ir->ui, "navigation")) == 1);
	}
	ag_ir_free(ir);
	ag_diags_dispose(&d);
}

void test_front_system_columns(void)
{
	ag_diags d;
	ag_ir *ir;
	const ag_table *t;

	ag_diags_init(&d);
	ir = compile("{\"version\": 2, \"app\": {\"name\": \"N\", \"slug\": \"ab\"}, \"security\": {\"auth\": {\"enabled\": false}},"
		     " \"data\": {\"tables\": [{\"name\": \"order\", \"columns\": [{\"name\": \"from\", \"type\": \"int\", \"min\": 1}]}]}}", &d);
	CHECK(ir != NULL);
	if (!ir)
		return;
	t = &ir->tables[0];
	CHECK_INT(t->n_columns, 5);
	CHECK_STR(t->columns[0].name, "id");
	CHECK(t->columns[0].primary_key && t->columns[0].default_kind == AG_DEFAULT_UUID);
	CHECK_STR(t->columns[1].name, "from");
	CHECK_STR(t->columns[1].check_min, "ck_order_from_min");
	CHECK_STR(t->columns[2].name, "created_at");
	CHECK_STR(t->columns[3].name, "updated_at");
	CHECK_STR(t->columns[4].name, "created_by");
	CHECK(!t->columns[4].required);
	CHECK(!ir->auth_enabled);
	ag_ir_free(ir);
	ag_diags_dispose(&d);
}

void test_front_reports_all(void)
{
	ag_diags d;
	ag_ir *ir;

	ag_diags_init(&d);
	ir = compile("{\"version\": 2,\n"
		     "\"app\": {\"name\": \"N\", \"slug\": \"Bad\"},\n"
		     "\"data\": {\"tables\": [{\"name\": \"t1\", \"columns\": [\n"
		     "  {\"name\": \"a\", \"type\": \"text\"},\n"
		     "  {\"name\": \"bb\", \"type\": \"txt\"},\n"
		     "  {\"name\": \"cc\", \"type\": \"int\", \"enum\": [\"x\"]}]}]},\n"
		     "\"security\": {\"roles\": [\"Admin\"]}}", &d);
	CHECK(ir == NULL);
	CHECK(has(&d, AG_D_BAD_SLUG, 2));
	CHECK(has(&d, AG_D_BAD_IDENT, 4));
	CHECK(has(&d, AG_D_BAD_VALUE, 5));
	CHECK(has(&d, AG_D_OPTION_FOR_TYPE, 6));
	CHECK_INT(d.errors, 4);
	ag_diags_dispose(&d);
}

void test_front_spec1(void)
{
	ag_diags d;
	ag_ir *ir;

	ag_diags_init(&d);
	ir = compile("{\"spec_version\": \"1.0\", \"project_name\": \"blog_api\", \"entities\": ["
		     "{\"name\": \"Post\", \"table_name\": \"posts\", \"crud\": true, \"fields\": ["
		     "{\"name\": \"id\", \"type\": \"uuid\", \"primary_key\": true},"
		     "{\"name\": \"title\", \"type\": \"string\", \"nullable\": false}]}]}", &d);
	CHECK(ir != NULL);
	if (ir) {
		CHECK_STR(ir->slug, "blog-api");
		CHECK_INT(ir->n_roles, 2);
		CHECK_STR(ir->roles[0], "Admin");
		CHECK(ir->tables[0].columns[1].required);
		CHECK_INT(ir->tables[0].columns[1].type, AG_TYPE_TEXT);
		CHECK_INT(ir->perms[1], AG_ACT_ALL);
	}
	ag_ir_free(ir);
	/* A spec error points into the spec file. */
	ir = compile("{\"spec_version\": \"1.0\", \"project_name\": \"x_y\", \"entities\": [\n"
		     "{\"name\": \"P\", \"fields\": [{\"name\": \"n\", \"type\": \"money\"}]}]}", &d);
	CHECK(ir == NULL);
	CHECK(has(&d, AG_D_SPEC1_TYPE, 2));
	ag_diags_dispose(&d);
}

void test_front_creation_order(void)
{
	ag_diags d;
	ag_ir *ir;

	ag_diags_init(&d);
	/* c -> b -> a, and a cycle between d and e */
	ir = compile("{\"version\": 2, \"app\": {\"name\": \"N\", \"slug\": \"ab\"}, \"security\": {\"auth\": {\"enabled\": false}},"
		     "\"data\": {\"tables\": ["
		     "{\"name\": \"cc\", \"columns\": [{\"name\": \"b_id\", \"type\": \"uuid\"}]},"
		     "{\"name\": \"bb\", \"columns\": [{\"name\": \"a_id\", \"type\": \"uuid\"}]},"
		     "{\"name\": \"aa\", \"columns\": [{\"name\": \"xx\", \"type\": \"text\"}]},"
		     "{\"name\": \"dd\", \"columns\": [{\"name\": \"e_id\", \"type\": \"uuid\"}]},"
		     "{\"name\": \"ee\", \"columns\": [{\"name\": \"d_id\", \"type\": \"uuid\"}]}],"
		     "\"relationships\": ["
		     "{\"type\": \"many_to_one\", \"fromTable\": \"cc\", \"fromColumn\": \"b_id\", \"toTable\": \"bb\", \"toColumn\": \"id\"},"
		     "{\"type\": \"one_to_many\", \"fromTable\": \"aa\", \"fromColumn\": \"id\", \"toTable\": \"bb\", \"toColumn\": \"a_id\"},"
		     "{\"type\": \"many_to_one\", \"fromTable\": \"dd\", \"fromColumn\": \"e_id\", \"toTable\": \"ee\", \"toColumn\": \"id\"},"
		     "{\"type\": \"many_to_one\", \"fromTable\": \"ee\", \"fromColumn\": \"d_id\", \"toTable\": \"dd\", \"toColumn\": \"id\"}]}}",
		&d);
	CHECK(ir != NULL);
	if (ir) {
		CHECK_STR(ir->tables[ir->table_order[0]].name, "aa");
		CHECK_STR(ir->tables[ir->table_order[1]].name, "bb");
		CHECK_STR(ir->tables[ir->table_order[2]].name, "cc");
		CHECK_STR(ir->tables[ir->table_order[3]].name, "dd");
		CHECK_STR(ir->tables[ir->table_order[4]].name, "ee");
		/* one_to_many: the foreign key is toTable.toColumn */
		CHECK_STR(ir->tables[ir->relationships[1].fk_table].name, "bb");
		CHECK(ir->tables[1].columns[1].indexed);
		CHECK_STR(ir->relationships[1].constraint_name, "fk_bb_a_id");
	}
	ag_ir_free(ir);
	ag_diags_dispose(&d);
}

void test_front_dates(void)
{
	static const struct {
		const char *type, *value;
		bool ok;
	} cases[] = {
		{ "date", "\"2024-02-29\"", true }, { "date", "\"2023-02-29\"", false },
		{ "date", "\"2024-13-01\"", false }, { "date", "\"now\"", true },
		{ "timestamptz", "\"2024-01-01T10:00:00Z\"", true },
		{ "timestamptz", "\"2024-01-01T10:00:00.123+02:00\"", true },
		{ "timestamptz", "\"2024-01-01T10:00:00\"", false },
		{ "uuid", "\"123e4567-e89b-12d3-a456-426614174000\"", true }, { "uuid", "\"123\"", false },
		{ "int", "3", true }, { "int", "3.5", false }, { "float", "3.5", true }, { "bool", "1", false },
		{ "jsonb", "{\"a\": [1]}", true }, { "text", "null", false },
	};
	for (size_t i = 0; i < AG_ARRAY_SIZE(cases); i++) {
		ag_buf b = AG_BUF_INIT;
		ag_diags d;
		ag_ir *ir;

		ag_diags_init(&d);
		ag_buf_printf(&b, "{\"version\": 2, \"app\": {\"name\": \"N\", \"slug\": \"ab\"}, \"security\": {\"auth\": {\"enabled\": false}},"
			"\"data\": {\"tables\": [{\"name\": \"tt\", \"columns\": [{\"name\": \"vv\", \"type\": \"%s\", \"default\": %s}]}]}}",
			cases[i].type, cases[i].value);
		ir = compile(b.ptr, &d);
		if ((ir != NULL) != cases[i].ok) {
			fprintf(stderr, "  default %s for %s: expected %s\n", cases[i].value, cases[i].type,
				cases[i].ok ? "valid" : "invalid");
			test_failures++;
		}
		ag_ir_free(ir);
		ag_diags_dispose(&d);
		ag_buf_dispose(&b);
	}
}
