/* ir.c - IR lookups, names, and the IR as canonical JSON. */
#include "appgen/ir.h"
#include "appgen/buf.h"
#include "appgen/hash.h"

static const char *const type_names[] = {
	"uuid", "text", "int", "float", "bool", "date", "timestamptz", "jsonb"
};

const char *ag_type_name(ag_type t)
{
	return t < AG_TYPE__COUNT ? type_names[t] : "unknown";
}

const char *ag_type_article(ag_type t)
{
	static const char *const names[] = {
		"a uuid", "a text", "an int", "a float", "a bool", "a date", "a timestamptz", "a jsonb"
	};
	return t < AG_TYPE__COUNT ? names[t] : "an unknown";
}

const char *ag_format_name(ag_format f)
{
	static const char *const n[] = { NULL, "email", "url", "image" };
	return n[f];
}

const char *ag_on_delete_name(ag_on_delete o)
{
	static const char *const n[] = { "restrict", "cascade", "set_null" };
	return n[o];
}

const char *ag_command_name(ag_command c)
{
	static const char *const n[] = { "select", "insert", "update", "delete" };
	return n[c];
}

void ag_ir_free(ag_ir *ir)
{
	if (!ir)
		return;
	cJSON_Delete(ir->ui);
	cJSON_Delete(ir->versions);
	ag_arena_dispose(&ir->arena);
	free(ir);
}

int ag_ir_table(const ag_ir *ir, const char *name)
{
	for (size_t i = 0; i < ir->n_tables; i++)
		if (ir->tables[i].name && strcmp(ir->tables[i].name, name) == 0)
			return (int)i;
	return -1;
}

int ag_ir_column(const ag_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_columns; i++)
		if (t->columns[i].name && strcmp(t->columns[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *ag_ir_name(ag_arena *a, const char *prefix, const char *p1, const char *p2, const char *p3)
{
	ag_buf b = AG_BUF_INIT;
	const char *parts[] = { prefix, p1, p2, p3 };
	const char *out;

	for (size_t i = 0; i < 4; i++)
		if (parts[i])
			ag_buf_printf(&b, "%s%s", b.len ? "_" : "", parts[i]);
	if (b.len > AG_NAME_MAX) {
		uint32_t h = ag_hash_fnv32(b.ptr);
		ag_buf_truncate(&b, AG_NAME_MAX - 9);
		ag_buf_printf(&b, "_%08x", h);
	}
	out = ag_buf_oom(&b) ? NULL : ag_arena_strdup(a, b.ptr);
	ag_buf_dispose(&b);
	return out;
}

/* ---- IR -> JSON -------------------------------------------------------- */

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

static cJSON *parse_literal(const char *json)
{
	cJSON *v = cJSON_Parse(json);
	return v ? v : cJSON_CreateNull();
}

cJSON *ag_ir_column_json(const ag_column *c)
{
	cJSON *o = cJSON_CreateObject();

	add_str(o, "name", c->name);
	add_str(o, "label", c->label);
	add_str(o, "type", ag_type_name(c->type));
	cJSON_AddBoolToObject(o, "system", c->system);
	cJSON_AddBoolToObject(o, "primaryKey", c->primary_key);
	cJSON_AddBoolToObject(o, "required", c->required);
	cJSON_AddBoolToObject(o, "unique", c->unique);
	cJSON_AddBoolToObject(o, "indexed", c->indexed);
	if (c->default_kind != AG_DEFAULT_NONE) {
		cJSON *d = cJSON_AddObjectToObject(o, "default");
		static const char *const kinds[] = { NULL, "value", "now", "uuid" };
		cJSON_AddStringToObject(d, "kind", kinds[c->default_kind]);
		if (c->default_kind == AG_DEFAULT_VALUE)
			cJSON_AddItemToObject(d, "value", parse_literal(c->default_json));
	}
	if (c->n_enum) {
		cJSON *e = cJSON_AddArrayToObject(o, "enum");
		for (size_t i = 0; i < c->n_enum; i++)
			cJSON_AddItemToArray(e, cJSON_CreateString(c->enum_values[i]));
	}
	if (c->has_min)
		cJSON_AddNumberToObject(o, "min", c->min);
	if (c->has_max)
		cJSON_AddNumberToObject(o, "max", c->max);
	if (c->max_length)
		cJSON_AddNumberToObject(o, "maxLength", c->max_length);
	if (c->format)
		add_str(o, "format", ag_format_name(c->format));
	add_str(o, "renamedFrom", c->renamed_from);
	if (c->unique_name || c->index_name || c->check_enum || c->check_min || c->check_max || c->check_length) {
		cJSON *n = cJSON_AddObjectToObject(o, "sqlNames");
		add_str(n, "unique", c->unique_name);
		add_str(n, "index", c->index_name);
		add_str(n, "checkEnum", c->check_enum);
		add_str(n, "checkMin", c->check_min);
		add_str(n, "checkMax", c->check_max);
		add_str(n, "checkMaxLength", c->check_length);
	}
	return o;
}

static cJSON *operand_json(const ag_operand *op)
{
	static const char *const vars[] = { "user.id", "user.role", "user.email" };
	cJSON *o = cJSON_CreateObject();

	if (op->kind == AG_OPND_COLUMN)
		cJSON_AddStringToObject(o, "column", op->column);
	else if (op->kind == AG_OPND_LITERAL)
		cJSON_AddItemToObject(o, "value", parse_literal(op->literal));
	else
		cJSON_AddStringToObject(o, "variable", vars[op->kind - AG_OPND_USER_ID]);
	cJSON_AddStringToObject(o, "type", ag_type_name(op->type));
	return o;
}

cJSON *ag_ir_filter_json(const ag_filter *f)
{
	static const char *const ops[] = { "equals", "in", "and", "or" };
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(o, "op", ops[f->op]);
	switch (f->op) {
	case AG_F_EQUALS:
		cJSON_AddItemToObject(o, "left", operand_json(&f->a));
		cJSON_AddItemToObject(o, "right", operand_json(&f->b));
		break;
	case AG_F_IN:
		cJSON_AddStringToObject(o, "column", f->a.column);
		cJSON_AddStringToObject(o, "type", ag_type_name(f->a.type));
		a = cJSON_AddArrayToObject(o, "values");
		for (size_t i = 0; i < f->n_values; i++)
			cJSON_AddItemToArray(a, parse_literal(f->values[i]));
		break;
	default:
		a = cJSON_AddArrayToObject(o, "args");
		for (size_t i = 0; i < f->n_children; i++)
			cJSON_AddItemToArray(a, ag_ir_filter_json(f->children[i]));
	}
	return o;
}

cJSON *ag_ir_table_json(const ag_table *t)
{
	cJSON *o = cJSON_CreateObject(), *cols;

	add_str(o, "name", t->name);
	add_str(o, "label", t->label);
	add_str(o, "renamedFrom", t->renamed_from);
	add_str(o, "primaryKeyName", t->pk_name);
	cols = cJSON_AddArrayToObject(o, "columns");
	for (size_t c = 0; c < t->n_columns; c++)
		cJSON_AddItemToArray(cols, ag_ir_column_json(&t->columns[c]));
	return o;
}

cJSON *ag_ir_to_json(const ag_ir *ir)
{
	static const char *const acts[] = { "list", "read", "create", "update", "delete" };
	cJSON *root = cJSON_CreateObject(), *app, *theme, *data, *arr, *sec, *auth, *o;

	cJSON_AddStringToObject(root, "format", "appgen-ir/1");
	app = cJSON_AddObjectToObject(root, "app");
	add_str(app, "name", ir->name);
	add_str(app, "slug", ir->slug);
	add_str(app, "source", ir->file);
	cJSON_AddNumberToObject(app, "version", ir->version);
	add_str(app, "description", ir->description);
	add_str(app, "status", ir->stopped ? "stopped" : "running");
	add_str(app, "dbSchema", ir->db_schema);
	theme = cJSON_AddObjectToObject(app, "theme");
	add_str(theme, "primaryColor", ir->primary_color);
	add_str(theme, "mode", ir->theme_mode);

	data = cJSON_AddObjectToObject(root, "data");
	arr = cJSON_AddArrayToObject(data, "tables");
	for (size_t i = 0; i < ir->n_tables; i++) {
		cJSON_AddItemToArray(arr, ag_ir_table_json(&ir->tables[i]));
	}
	arr = cJSON_AddArrayToObject(data, "tableOrder");
	for (size_t i = 0; i < ir->n_tables; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ir->tables[ir->table_order[i]].name));
	arr = cJSON_AddArrayToObject(data, "relationships");
	for (size_t i = 0; i < ir->n_relationships; i++) {
		const ag_relationship *r = &ir->relationships[i];
		o = cJSON_CreateObject();
		add_str(o, "type", r->type == AG_REL_MANY_TO_ONE ? "many_to_one" : "one_to_many");
		add_str(o, "fromTable", r->from_table);
		add_str(o, "fromColumn", r->from_column);
		add_str(o, "toTable", r->to_table);
		add_str(o, "toColumn", r->to_column);
		add_str(o, "fkTable", ir->tables[r->fk_table].name);
		add_str(o, "fkColumn", ir->tables[r->fk_table].columns[r->fk_column].name);
		add_str(o, "refTable", ir->tables[r->ref_table].name);
		add_str(o, "refColumn", ir->tables[r->ref_table].columns[r->ref_column].name);
		add_str(o, "onDelete", ag_on_delete_name(r->on_delete));
		add_str(o, "lookupLabelColumn", r->lookup_label_column);
		add_str(o, "constraint", r->constraint_name);
		cJSON_AddItemToArray(arr, o);
	}

	sec = cJSON_AddObjectToObject(root, "security");
	auth = cJSON_AddObjectToObject(sec, "auth");
	cJSON_AddBoolToObject(auth, "enabled", ir->auth_enabled);
	cJSON_AddNumberToObject(auth, "accessTokenExpiryMinutes", ir->token_minutes);
	add_str(auth, "signupRole", ir->signup_role);
	arr = cJSON_AddArrayToObject(sec, "roles");
	for (size_t r = 0; r < ir->n_roles; r++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ir->roles[r]));
	if (ir->n_roles)
		add_str(sec, "adminRole", ir->roles[0]);
	arr = cJSON_AddArrayToObject(sec, "permissions");
	for (size_t r = 0; r < ir->n_roles && ir->perms; r++)
		for (size_t t = 0; t < ir->n_tables; t++) {
			cJSON *a;
			o = cJSON_CreateObject();
			add_str(o, "role", ir->roles[r]);
			add_str(o, "resource", ir->tables[t].name);
			a = cJSON_AddObjectToObject(o, "actions");
			for (int k = 0; k < 5; k++)
				cJSON_AddBoolToObject(a, acts[k], (ir->perms[r * ir->n_tables + t] >> k) & 1);
			cJSON_AddItemToArray(arr, o);
		}
	arr = cJSON_AddArrayToObject(sec, "rowFilters");
	for (size_t r = 0; r < ir->n_roles && ir->filters; r++)
		for (size_t t = 0; t < ir->n_tables; t++) {
			const ag_filter *f = ir->filters[r * ir->n_tables + t];
			if (!f)
				continue;
			o = cJSON_CreateObject();
			add_str(o, "role", ir->roles[r]);
			add_str(o, "resource", ir->tables[t].name);
			cJSON_AddItemToObject(o, "filter", ag_ir_filter_json(f));
			cJSON_AddItemToArray(arr, o);
		}
	arr = cJSON_AddArrayToObject(sec, "policies");
	for (size_t i = 0; i < ir->n_policies; i++) {
		const ag_policy *p = &ir->policies[i];
		o = cJSON_CreateObject();
		add_str(o, "name", p->name);
		add_str(o, "table", ir->tables[p->table].name);
		add_str(o, "role", ir->roles[p->role]);
		add_str(o, "command", ag_command_name(p->command));
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddItemToObject(root, "ui", ir->ui ? cJSON_Duplicate(ir->ui, true) : cJSON_CreateObject());
	o = cJSON_AddObjectToObject(root, "migrations");
	arr = cJSON_AddArrayToObject(o, "allowDestructive");
	for (size_t i = 0; i < ir->n_allow_destructive; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ir->allow_destructive[i]));
	return root;
}
