/* pass_data.c - tables, columns and relationships. */
#include "passes.h"
#include <math.h>

static const char *const type_names[] = {
	"uuid", "text", "int", "float", "bool", "date", "timestamptz", "jsonb", NULL
};
static const char *const format_names[] = { "email", "url", "image", NULL };
static const char *const system_columns[] = { "id", "created_at", "updated_at", "created_by" };

/* What people write for our types in other systems. */
static const struct { const char *alias, *type; } type_aliases[] = {
	{ "string", "text" }, { "varchar", "text" }, { "char", "text" }, { "str", "text" },
	{ "integer", "int" }, { "bigint", "int" }, { "smallint", "int" }, { "int4", "int" },
	{ "int8", "int" }, { "number", "float" }, { "double", "float" }, { "decimal", "float" },
	{ "numeric", "float" }, { "real", "float" }, { "boolean", "bool" },
	{ "datetime", "timestamptz" }, { "timestamp", "timestamptz" }, { "time", "timestamptz" },
	{ "json", "jsonb" }, { "object", "jsonb" },
};

const char **ag_column_names(vctx *v, const ag_table *t)
{
	const char **names = ag_arena_calloc(v->a, t->n_columns + 1, sizeof(*names));
	for (size_t i = 0; names && i < t->n_columns; i++)
		names[i] = t->columns[i].name;
	return names;
}

const char **ag_table_names(vctx *v)
{
	const char **names = ag_arena_calloc(v->a, v->ir->n_tables + 1, sizeof(*names));
	for (size_t i = 0; names && i < v->ir->n_tables; i++)
		names[i] = v->ir->tables[i].name;
	return names;
}

bool ag_value_fits(vctx *v, const ag_column *c, const cJSON *val, const char **why)
{
	*why = NULL;
	switch (c->type) {
	case AG_TYPE_TEXT:
		if (!cJSON_IsString(val))
			break;
		if (c->n_enum) {
			for (size_t i = 0; i < c->n_enum; i++)
				if (strcmp(c->enum_values[i], val->valuestring) == 0)
					return true;
			const char *s = ag_did_you_mean(val->valuestring, c->enum_values, c->n_enum);
			*why = s ? ag_arena_printf(v->a, "\"%s\" is not one of the column's enum values; did you mean \"%s\"?",
					val->valuestring, s)
				 : ag_arena_printf(v->a, "\"%s\" is not one of the column's enum values", val->valuestring);
			return false;
		}
		if (c->max_length) {
			size_t cps = 0;
			for (const char *p = val->valuestring; *p; p++)
				cps += (*p & 0xC0) != 0x80;
			if (cps > c->max_length) {
				*why = ag_arena_printf(v->a, "it is %zu characters long; maxLength is %u", cps, c->max_length);
				return false;
			}
		}
		return true;
	case AG_TYPE_INT:
	case AG_TYPE_FLOAT:
		if (!cJSON_IsNumber(val))
			break;
		if (c->type == AG_TYPE_INT && !ag_json_is_integer(val)) {
			*why = "an int column takes whole numbers";
			return false;
		}
		if (c->type == AG_TYPE_INT && fabs(val->valuedouble) > 9007199254740991.0) {
			*why = "the number is too large to be stored exactly";
			return false;
		}
		if ((c->has_min && val->valuedouble < c->min) || (c->has_max && val->valuedouble > c->max)) {
			*why = "the value is outside the column's min/max";
			return false;
		}
		return true;
	case AG_TYPE_BOOL:
		if (cJSON_IsBool(val))
			return true;
		break;
	case AG_TYPE_UUID:
		if (!cJSON_IsString(val))
			break;
		if (vc_is_uuid(val->valuestring))
			return true;
		*why = "write a uuid like \"123e4567-e89b-12d3-a456-426614174000\"";
		return false;
	case AG_TYPE_DATE:
		if (!cJSON_IsString(val))
			break;
		if (vc_is_date(val->valuestring))
			return true;
		*why = "write a real date as \"YYYY-MM-DD\"";
		return false;
	case AG_TYPE_TIMESTAMPTZ:
		if (!cJSON_IsString(val))
			break;
		if (vc_is_timestamp(val->valuestring))
			return true;
		*why = "write a timestamp as \"YYYY-MM-DDTHH:MM:SSZ\" (with Z or an offset like +02:00)";
		return false;
	case AG_TYPE_JSONB:
		return true;
	default:
		return true; /* unknown type: reported already */
	}
	*why = ag_arena_printf(v->a, "%s column takes %s, not %s", ag_type_article(c->type),
		c->type == AG_TYPE_BOOL ? "true or false" :
		c->type == AG_TYPE_INT || c->type == AG_TYPE_FLOAT ? "a number" : "a string", vc_kind(val));
	return false;
}

static void check_type_alias_hint(vctx *v, const cJSON *n)
{
	const char *s = n->valuestring, *hint = NULL;

	for (size_t i = 0; i < AG_ARRAY_SIZE(type_aliases); i++)
		if (strcasecmp(s, type_aliases[i].alias) == 0)
			hint = ag_arena_printf(v->a, "appgen calls this type \"%s\"", type_aliases[i].type);
	if (!hint)
		hint = vc_suggest(v, s, type_names, AG_TYPE__COUNT);
	if (!hint)
		hint = "column types: uuid, text, int, float, bool, date, timestamptz, jsonb";
	vc_error(v, AG_D_BAD_VALUE, vc_val_span(v, n), hint, "unknown column type \"%s\"", s);
}

static void set_system(ag_column *c, const char *name, ag_type type, ag_default_kind def,
	const char *label)
{
	c->name = name;
	c->label = label;
	c->type = type;
	c->system = true;
	c->default_kind = def;
}

/* A bound (min / max) on a numeric column. */
static bool read_bound(vctx *v, const cJSON *col, const char *key, ag_column *c, double *out)
{
	const cJSON *n = vc_get(col, key);

	if (!n)
		return false;
	if (!cJSON_IsNumber(n)) {
		vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, n), NULL, "%s must be a number, not %s", key, vc_kind(n));
		return false;
	}
	if (c->type != AG_TYPE_INT && c->type != AG_TYPE_FLOAT) {
		if (c->type < AG_TYPE__COUNT)
			vc_error(v, AG_D_OPTION_FOR_TYPE, vc_key_span(v, n), "min and max apply to int and float columns",
				"\"%s\" does not apply to %s column", key, ag_type_article(c->type));
		return false;
	}
	if (c->type == AG_TYPE_INT && !ag_json_is_integer(n)) {
		vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, n), NULL, "%s of an int column must be a whole number", key);
		return false;
	}
	*out = n->valuedouble;
	return true;
}

static void check_enum(vctx *v, const cJSON *n, ag_column *c)
{
	size_t count = 0, i = 0;

	if (c->type != AG_TYPE_TEXT) {
		if (c->type < AG_TYPE__COUNT)
			vc_error(v, AG_D_OPTION_FOR_TYPE, vc_key_span(v, n), "enum applies to text columns",
				"\"enum\" does not apply to %s column", ag_type_article(c->type));
		return;
	}
	if (!vc_array(v, n, "enum", true))
		return;
	for (const cJSON *e = n->child; e; e = e->next)
		count++;
	c->enum_values = ag_arena_calloc(v->a, count + 1, sizeof(char *));
	if (!c->enum_values)
		return;
	for (const cJSON *e = n->child; e; e = e->next) {
		const char *s = vc_want_str(v, e, "an enum value");
		if (!s)
			continue;
		if (!*s) {
			vc_error(v, AG_D_BAD_VALUE, vc_val_span(v, e), NULL, "enum values must not be empty");
			continue;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(c->enum_values[k], s) == 0) {
				vc_error(v, AG_D_BAD_BOUNDS, vc_val_span(v, e), "remove the repeated value",
					"enum value \"%s\" appears twice", s);
				s = NULL;
				break;
			}
		if (s)
			c->enum_values[i++] = s;
	}
	c->n_enum = i;
}

static void check_column(vctx *v, const cJSON *n, ag_table *t, ag_column *c)
{
	static const char *const keys[] = { "*name", "*type", "required", "unique", "indexed", "default",
		"label", "enum", "min", "max", "maxLength", "format", "renamedFrom", NULL };
	const cJSON *m;
	const char *s;
	int f;

	c->type = AG_TYPE__COUNT; /* unknown until read */
	c->span = vc_val_span(v, n);
	if (!vc_object(v, n, "a column", keys))
		return;
	c->name_span = c->span;
	if ((m = vc_get(n, "name")))
		c->name_span = vc_val_span(v, m);
	if (m && (c->name = vc_ident(v, m, "column name"))) {
		for (size_t i = 0; i < AG_ARRAY_SIZE(system_columns); i++)
			if (strcmp(c->name, system_columns[i]) == 0) {
				vc_error(v, AG_D_SYSTEM_COLUMN, vc_val_span(v, m),
					"id, created_at, updated_at and created_by are added to every table; remove this column",
					"\"%s\" is a system column of table \"%s\"", c->name, t->name ? t->name : "?");
				c->name = NULL;
				break;
			}
	}
	if ((m = vc_get(n, "type")) && (s = vc_want_str(v, m, "column type"))) {
		for (f = 0; type_names[f] && strcmp(type_names[f], s); f++)
			;
		if (type_names[f])
			c->type = (ag_type)f;
		else
			check_type_alias_hint(v, m);
	}
	c->required = vc_bool(v, n, "required", false, "required");
	c->unique = vc_bool(v, n, "unique", false, "unique");
	c->indexed = vc_bool(v, n, "indexed", false, "indexed");
	c->label = vc_label(v, n, "label", "column label");
	if ((m = vc_get(n, "renamedFrom")))
		c->renamed_from = vc_ident(v, m, "renamedFrom");
	if ((m = vc_get(n, "enum")))
		check_enum(v, m, c);
	c->has_min = read_bound(v, n, "min", c, &c->min);
	c->has_max = read_bound(v, n, "max", c, &c->max);
	if (c->has_min && c->has_max && c->min > c->max)
		vc_error(v, AG_D_BAD_BOUNDS, vc_key_span(v, vc_get(n, "min")), NULL,
			"min (%g) is greater than max (%g)", c->min, c->max);
	if ((m = vc_get(n, "maxLength"))) {
		if (!cJSON_IsNumber(m) || !ag_json_is_integer(m))
			vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, m), NULL, "maxLength must be a whole number, not %s",
				cJSON_IsNumber(m) ? "a fraction" : vc_kind(m));
		else if (m->valuedouble < 1 || m->valuedouble > 10485760)
			vc_error(v, AG_D_OUT_OF_RANGE, vc_val_span(v, m), NULL, "maxLength must be between 1 and 10485760");
		else if (c->type != AG_TYPE_TEXT) {
			if (c->type < AG_TYPE__COUNT)
				vc_error(v, AG_D_OPTION_FOR_TYPE, vc_key_span(v, m), "maxLength applies to text columns",
					"\"maxLength\" does not apply to %s column", ag_type_article(c->type));
		} else
			c->max_length = (uint32_t)m->valuedouble;
	}
	if ((m = vc_get(n, "format"))) {
		f = vc_enum(v, n, "format", format_names, -1, "format");
		if (f >= 0 && c->type != AG_TYPE_TEXT && c->type < AG_TYPE__COUNT)
			vc_error(v, AG_D_OPTION_FOR_TYPE, vc_key_span(v, m), "format applies to text columns",
				"\"format\" does not apply to %s column", ag_type_article(c->type));
		else if (f >= 0)
			c->format = (ag_format)(f + 1);
	}
	if ((m = vc_get(n, "default")) && c->type < AG_TYPE__COUNT) {
		const char *why;
		if (cJSON_IsNull(m))
			vc_error(v, AG_D_BAD_DEFAULT, vc_val_span(v, m), "remove \"default\": a column without one starts empty",
				"a default cannot be null");
		else if (cJSON_IsString(m) && strcmp(m->valuestring, "now") == 0 &&
			 (c->type == AG_TYPE_DATE || c->type == AG_TYPE_TIMESTAMPTZ))
			c->default_kind = AG_DEFAULT_NOW;
		else if (!ag_value_fits(v, c, m, &why))
			vc_error(v, AG_D_BAD_DEFAULT, vc_val_span(v, m), why, "default %s does not fit column \"%s\"",
				vc_json_text(v, m), c->name ? c->name : "?");
		else {
			c->default_kind = AG_DEFAULT_VALUE;
			c->default_json = vc_json_text(v, m);
		}
	}
	if (c->unique && c->type == AG_TYPE_JSONB)
		vc_error(v, AG_D_OPTION_FOR_TYPE, vc_key_span(v, vc_get(n, "unique")), NULL,
			"a jsonb column cannot be unique");
}

void ag_pass_tables(vctx *v, const cJSON *tables)
{
	size_t nt = 0, ti = 0;

	if (!vc_array(v, tables, "data.tables", true))
		return;
	for (const cJSON *t = tables->child; t; t = t->next)
		nt++;
	v->ir->tables = ag_arena_calloc(v->a, nt, sizeof(ag_table));
	if (!v->ir->tables)
		return;
	for (const cJSON *tn = tables->child; tn; tn = tn->next) {
		static const char *const keys[] = { "*name", "label", "primaryKey", "renamedFrom", "*columns", NULL };
		ag_table *t = &v->ir->tables[ti];
		const cJSON *m, *cols;
		size_t nc = 0, ci = 0;

		t->span = vc_val_span(v, tn);
		if (!vc_object(v, tn, "a table", keys))
			continue;
		t->name_span = t->span;
		if ((m = vc_get(tn, "name")))
			t->name_span = vc_val_span(v, m);
		if (m && (t->name = vc_ident(v, m, "table name"))) {
			for (size_t k = 0; k < ti; k++)
				if (v->ir->tables[k].name && strcmp(v->ir->tables[k].name, t->name) == 0) {
					vc_error(v, AG_D_DUPLICATE_NAME, vc_val_span(v, m),
						ag_arena_printf(v->a, "the first one is at line %u", v->ir->tables[k].span.line),
						"table \"%s\" is defined twice", t->name);
					t->name = NULL;
					break;
				}
		}
		t->label = vc_label(v, tn, "label", "table label");
		if ((m = vc_get(tn, "renamedFrom")))
			t->renamed_from = vc_ident(v, m, "renamedFrom");
		if ((m = vc_get(tn, "primaryKey"))) {
			const char *pk = vc_want_str(v, m, "primaryKey");
			if (pk && strcmp(pk, "id"))
				vc_error(v, AG_D_BAD_PRIMARY_KEY, vc_val_span(v, m),
					"every table's key is the system column \"id\" (uuid); make this column unique instead",
					"primaryKey must be \"id\", not \"%s\"", pk);
		}
		ti++;
		cols = vc_get(tn, "columns");
		if (!cols || !vc_array(v, cols, "columns", true))
			continue;
		for (const cJSON *c = cols->child; c; c = c->next)
			nc++;
		t->columns = ag_arena_calloc(v->a, nc + 4, sizeof(ag_column));
		if (!t->columns)
			continue;
		set_system(&t->columns[ci++], "id", AG_TYPE_UUID, AG_DEFAULT_UUID, "ID");
		t->columns[0].primary_key = t->columns[0].required = true;
		for (const cJSON *cn = cols->child; cn; cn = cn->next) {
			ag_column *c = &t->columns[ci];
			check_column(v, cn, t, c);
			if (!c->name)
				continue;
			for (size_t k = 1; k < ci; k++)
				if (strcmp(t->columns[k].name, c->name) == 0) {
					vc_error(v, AG_D_DUPLICATE_NAME, vc_val_span(v, vc_get(cn, "name")),
						ag_arena_printf(v->a, "the first one is at line %u", t->columns[k].span.line),
						"column \"%s\" is defined twice in table \"%s\"", c->name,
						t->name ? t->name : "?");
					c->name = NULL;
					break;
				}
			if (c->name)
				ci++;
			else
				memset(c, 0, sizeof(*c));
		}
		set_system(&t->columns[ci++], "created_at", AG_TYPE_TIMESTAMPTZ, AG_DEFAULT_NOW, "Created at");
		set_system(&t->columns[ci++], "updated_at", AG_TYPE_TIMESTAMPTZ, AG_DEFAULT_NOW, "Updated at");
		set_system(&t->columns[ci++], "created_by", AG_TYPE_UUID, AG_DEFAULT_NONE, "Created by");
		t->columns[ci - 2].required = t->columns[ci - 3].required = true;
		t->n_columns = ci;
	}
	v->ir->n_tables = ti;
}

/* Resolve "table"/"column" members of a relationship. */
static int rel_table(vctx *v, const cJSON *rel, const char *key)
{
	const cJSON *m = vc_get(rel, key);
	const char *s;
	int t;

	if (!m || !(s = vc_want_str(v, m, key)))
		return -1;
	if ((t = ag_ir_table(v->ir, s)) < 0)
		vc_error(v, AG_D_UNKNOWN_TABLE, vc_val_span(v, m),
			vc_suggest(v, s, ag_table_names(v), v->ir->n_tables), "%s \"%s\" is not a table of this app", key, s);
	return t;
}

static int rel_column(vctx *v, const cJSON *rel, const char *key, int t)
{
	const cJSON *m = vc_get(rel, key);
	const ag_table *tb;
	const char *s;
	int c;

	if (!m || !(s = vc_want_str(v, m, key)) || t < 0)
		return -1;
	tb = &v->ir->tables[t];
	if (!tb->n_columns)
		return -1; /* the table's columns are in error already */
	if ((c = ag_ir_column(tb, s)) < 0)
		vc_error(v, AG_D_UNKNOWN_COLUMN, vc_val_span(v, m),
			vc_suggest(v, s, ag_column_names(v, tb), tb->n_columns),
			"%s \"%s\" is not a column of table \"%s\"", key, s, tb->name);
	return c;
}

/* The column to show when a row is picked from a lookup: the first
 * unique text column, else the first text column, else id. */
static const char *best_label(const ag_table *t)
{
	for (size_t i = 0; i < t->n_columns; i++)
		if (t->columns[i].type == AG_TYPE_TEXT && t->columns[i].unique && !t->columns[i].system)
			return t->columns[i].name;
	for (size_t i = 0; i < t->n_columns; i++)
		if (t->columns[i].type == AG_TYPE_TEXT && !t->columns[i].system)
			return t->columns[i].name;
	return "id";
}

void ag_pass_relationships(vctx *v, const cJSON *rels)
{
	static const char *const keys[] = { "*type", "*fromTable", "*fromColumn", "*toTable", "*toColumn",
		"onDelete", "ui", NULL };
	static const char *const types[] = { "many_to_one", "one_to_many", NULL };
	static const char *const on_delete[] = { "restrict", "cascade", "set_null", NULL };
	size_t n = 0, ri = 0;

	if (!rels || !vc_array(v, rels, "data.relationships", false))
		return;
	for (const cJSON *r = rels->child; r; r = r->next)
		n++;
	v->ir->relationships = ag_arena_calloc(v->a, n + 1, sizeof(ag_relationship));
	if (!v->ir->relationships)
		return;
	for (const cJSON *rn = rels->child; rn; rn = rn->next) {
		ag_relationship *r = &v->ir->relationships[ri];
		int type, od, ft, fc, tt, tc;
		const cJSON *ui, *fk_node, *ref_node;
		const ag_column *fkc, *refc;

		r->span = vc_val_span(v, rn);
		if (!vc_object(v, rn, "a relationship", keys))
			continue;
		type = vc_enum(v, rn, "type", types, -1, "relationship type");
		od = vc_enum(v, rn, "onDelete", on_delete, 0, "onDelete action");
		ft = rel_table(v, rn, "fromTable");
		fc = rel_column(v, rn, "fromColumn", ft);
		tt = rel_table(v, rn, "toTable");
		tc = rel_column(v, rn, "toColumn", tt);
		ui = vc_get(rn, "ui");
		if (ui) {
			static const char *const uikeys[] = { "lookupLabelColumn", NULL };
			vc_object(v, ui, "relationship ui", uikeys);
		}
		if (type < 0 || fc < 0 || tc < 0)
			continue;
		r->type = (ag_rel_type)type;
		r->on_delete = od < 0 ? AG_ON_DELETE_RESTRICT : (ag_on_delete)od;
		r->from_table = v->ir->tables[ft].name;
		r->from_column = v->ir->tables[ft].columns[fc].name;
		r->to_table = v->ir->tables[tt].name;
		r->to_column = v->ir->tables[tt].columns[tc].name;
		if (r->type == AG_REL_MANY_TO_ONE) {
			r->fk_table = (size_t)ft; r->fk_column = (size_t)fc;
			r->ref_table = (size_t)tt; r->ref_column = (size_t)tc;
			fk_node = vc_get(rn, "fromColumn");
			ref_node = vc_get(rn, "toColumn");
		} else {
			r->fk_table = (size_t)tt; r->fk_column = (size_t)tc;
			r->ref_table = (size_t)ft; r->ref_column = (size_t)fc;
			fk_node = vc_get(rn, "toColumn");
			ref_node = vc_get(rn, "fromColumn");
		}
		fkc = &v->ir->tables[r->fk_table].columns[r->fk_column];
		refc = &v->ir->tables[r->ref_table].columns[r->ref_column];
		if (fkc->system) {
			vc_error(v, AG_D_BAD_VALUE, vc_val_span(v, fk_node),
				r->type == AG_REL_MANY_TO_ONE ? "in many_to_one the foreign key is fromTable.fromColumn; add a column such as \"<name>_id\""
							       : "in one_to_many the foreign key is toTable.toColumn; add a column such as \"<name>_id\"",
				"the foreign key cannot be the system column \"%s\"", fkc->name);
			continue;
		}
		if (!refc->primary_key && !refc->unique)
			vc_error(v, AG_D_REF_NOT_UNIQUE, vc_val_span(v, ref_node),
				"reference \"id\", or mark the column \"unique\": true",
				"%s.%s is referenced by a foreign key but is neither id nor unique",
				v->ir->tables[r->ref_table].name, refc->name);
		if (fkc->type != refc->type && fkc->type < AG_TYPE__COUNT && refc->type < AG_TYPE__COUNT)
			vc_error(v, AG_D_TYPE_MISMATCH, vc_val_span(v, fk_node),
				ag_arena_printf(v->a, "make %s.%s a %s column", v->ir->tables[r->fk_table].name,
					fkc->name, ag_type_name(refc->type)),
				"foreign key %s.%s is %s but %s.%s is %s", v->ir->tables[r->fk_table].name, fkc->name,
				ag_type_name(fkc->type), v->ir->tables[r->ref_table].name, refc->name,
				ag_type_name(refc->type));
		if (r->on_delete == AG_ON_DELETE_SET_NULL && fkc->required)
			vc_error(v, AG_D_SET_NULL_REQUIRED, vc_val_span(v, vc_get(rn, "onDelete")),
				"use \"cascade\" or \"restrict\", or make the column optional",
				"onDelete set_null cannot empty the required column %s.%s",
				v->ir->tables[r->fk_table].name, fkc->name);
		for (size_t k = 0; k < ri; k++) {
			const ag_relationship *o = &v->ir->relationships[k];
			if (o->fk_table == r->fk_table && o->fk_column == r->fk_column) {
				vc_error(v, AG_D_DUPLICATE_FK, r->span,
					ag_arena_printf(v->a, "the first one is at line %u", o->span.line),
					"foreign key %s.%s is declared by two relationships",
					v->ir->tables[r->fk_table].name, fkc->name);
				break;
			}
		}
		if (ui && vc_get(ui, "lookupLabelColumn")) {
			const cJSON *m = vc_get(ui, "lookupLabelColumn");
			const ag_table *rt = &v->ir->tables[r->ref_table];
			const char *s = vc_want_str(v, m, "lookupLabelColumn");
			if (s && ag_ir_column(rt, s) < 0)
				vc_error(v, AG_D_UNKNOWN_COLUMN, vc_val_span(v, m),
					vc_suggest(v, s, ag_column_names(v, rt), rt->n_columns),
					"lookupLabelColumn \"%s\" is not a column of the referenced table \"%s\"", s, rt->name);
			else if (s)
				r->lookup_label_column = s;
		}
		if (!r->lookup_label_column)
			r->lookup_label_column = best_label(&v->ir->tables[r->ref_table]);
		ri++;
	}
	v->ir->n_relationships = ri;
}
