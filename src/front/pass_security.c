/* pass_security.c - auth, roles, permissions and the row-filter language. */
#include "passes.h"

#define FILTER_MAX_DEPTH 16

static const char *const actions[] = { "list", "read", "create", "update", "delete", NULL };
static const char *const variables[] = { "$user.id", "$user.role", "$user.email", NULL };

static int find_role(const ag_ir *ir, const char *s)
{
	for (size_t i = 0; i < ir->n_roles; i++)
		if (strcmp(ir->roles[i], s) == 0)
			return (int)i;
	return -1;
}

/* The role and resource of a permission or row filter, resolved. */
static bool rule_target(vctx *v, const cJSON *n, int *role, int *table)
{
	const cJSON *m;
	const char *s;

	*role = *table = -1;
	if ((m = vc_get(n, "role")) && (s = vc_want_str(v, m, "role"))) {
		if ((*role = find_role(v->ir, s)) < 0)
			vc_error(v, AG_D_UNKNOWN_ROLE, vc_val_span(v, m),
				v->ir->n_roles ? vc_suggest(v, s, v->ir->roles, v->ir->n_roles) : "declare it in security.roles",
				"role \"%s\" is not declared in security.roles", s);
	}
	if ((m = vc_get(n, "resource")) && (s = vc_want_str(v, m, "resource"))) {
		if ((*table = ag_ir_table(v->ir, s)) < 0)
			vc_error(v, AG_D_UNKNOWN_TABLE, vc_val_span(v, m),
				vc_suggest(v, s, ag_table_names(v), v->ir->n_tables),
				"resource \"%s\" is not a table of this app", s);
	}
	return *role >= 0 && *table >= 0;
}

static ag_type var_type(ag_operand_kind k)
{
	return k == AG_OPND_USER_ID ? AG_TYPE_UUID : AG_TYPE_TEXT;
}

/* Reads one operand of equals. */
static bool read_operand(vctx *v, const cJSON *n, const ag_table *t, ag_operand *o)
{
	memset(o, 0, sizeof(*o));
	if (cJSON_IsString(n)) {
		const char *s = n->valuestring;
		int c;
		if (s[0] == '$') {
			for (int i = 0; variables[i]; i++)
				if (strcmp(s, variables[i]) == 0) {
					o->kind = (ag_operand_kind)(AG_OPND_USER_ID + i);
					o->type = var_type(o->kind);
					return true;
				}
			vc_error(v, AG_D_UNKNOWN_VARIABLE, vc_val_span(v, n),
				vc_suggest(v, s, variables, 3) ? vc_suggest(v, s, variables, 3)
							       : "variables are $user.id, $user.role and $user.email",
				"unknown variable \"%s\"", s);
			return false;
		}
		if ((c = ag_ir_column(t, s)) >= 0) {
			o->kind = AG_OPND_COLUMN;
			o->column = t->columns[c].name;
			o->type = t->columns[c].type;
			return true;
		}
	} else if (cJSON_IsArray(n) || cJSON_IsObject(n)) {
		vc_error(v, AG_D_BAD_FILTER, vc_val_span(v, n),
			"an operand is a column name, a literal, or $user.id / $user.role / $user.email",
			"an operand of \"equals\" cannot be %s", vc_kind(n));
		return false;
	}
	o->kind = AG_OPND_LITERAL;
	o->literal = vc_json_text(v, n);
	o->type = AG_TYPE__COUNT; /* fits whatever the other side needs; checked below */
	return true;
}

static const ag_column *operand_column(const ag_table *t, const ag_operand *o)
{
	return o->kind == AG_OPND_COLUMN ? &t->columns[ag_ir_column(t, o->column)] : NULL;
}

/* A string operand that looks like a misspelt column, for the hint. */
static const char *column_hint(vctx *v, const cJSON *a, const cJSON *b, const ag_table *t)
{
	const char **names = ag_column_names(v, t);
	const cJSON *ops[2] = { a, b };

	for (int i = 0; i < 2; i++)
		if (cJSON_IsString(ops[i]) && ops[i]->valuestring[0] != '$') {
			const char *h = vc_suggest(v, ops[i]->valuestring, names, t->n_columns);
			if (h)
				return h;
		}
	return ag_arena_printf(v->a, "one side must name a column of \"%s\"", t->name);
}

static ag_filter *check_filter(vctx *v, const cJSON *n, const ag_table *t, int depth);

static ag_filter *check_equals(vctx *v, const cJSON *arg, const ag_table *t, ag_filter *f)
{
	const cJSON *a, *b;
	const char *why;

	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 2) {
		vc_error(v, AG_D_BAD_FILTER, vc_val_span(v, arg), "write {\"equals\": [COLUMN, VALUE]}",
			"\"equals\" takes an array of exactly two operands");
		return NULL;
	}
	a = arg->child;
	b = a->next;
	bool a_ok = read_operand(v, a, t, &f->a);
	bool b_ok = read_operand(v, b, t, &f->b);
	if (!a_ok || !b_ok)
		return NULL;
	if (f->a.kind != AG_OPND_COLUMN && f->b.kind == AG_OPND_COLUMN) {
		ag_operand tmp = f->a;
		const cJSON *tn = a;
		f->a = f->b;
		f->b = tmp;
		a = b;
		b = tn;
	}
	if (f->a.kind != AG_OPND_COLUMN) {
		vc_error(v, AG_D_FILTER_NO_COLUMN, vc_val_span(v, arg), column_hint(v, a, b, t),
			"this comparison names no column of \"%s\"", t->name);
		return NULL;
	}
	if (f->b.kind == AG_OPND_LITERAL) {
		if (cJSON_IsNull(b)) {
			f->b.type = f->a.type;
			return f;
		}
		if (!ag_value_fits(v, operand_column(t, &f->a), b, &why)) {
			vc_error(v, AG_D_FILTER_TYPE, vc_val_span(v, b), why,
				"%s cannot equal column \"%s\" (%s)", vc_json_text(v, b), f->a.column,
				ag_type_name(f->a.type));
			return NULL;
		}
		f->b.type = f->a.type;
		return f;
	}
	if (f->a.type != f->b.type && f->a.type < AG_TYPE__COUNT && f->b.type < AG_TYPE__COUNT) {
		vc_error(v, AG_D_FILTER_TYPE, vc_val_span(v, arg),
			f->b.kind == AG_OPND_USER_ID ? "$user.id is a uuid; compare it with a uuid column such as owner_id"
			: f->b.kind != AG_OPND_COLUMN ? "$user.role and $user.email are text; compare them with a text column"
			: NULL,
			"column \"%s\" (%s) cannot be compared with %s%s (%s)", f->a.column, ag_type_name(f->a.type),
			f->b.kind == AG_OPND_COLUMN ? "column " : "",
			f->b.kind == AG_OPND_COLUMN ? f->b.column : variables[f->b.kind - AG_OPND_USER_ID],
			ag_type_name(f->b.type));
		return NULL;
	}
	return f;
}

static ag_filter *check_in(vctx *v, const cJSON *arg, const ag_table *t, ag_filter *f)
{
	const cJSON *col, *list;
	const ag_column *c;
	size_t n = 0;
	bool ok = true;

	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 2 || !cJSON_IsArray(arg->child->next)) {
		vc_error(v, AG_D_BAD_FILTER, vc_val_span(v, arg), "write {\"in\": [COLUMN, [VALUE, ...]]}",
			"\"in\" takes a column and an array of values");
		return NULL;
	}
	col = arg->child;
	list = col->next;
	if (!cJSON_IsString(col) || ag_ir_column(t, col->valuestring) < 0) {
		vc_error(v, AG_D_FILTER_NO_COLUMN, vc_val_span(v, col),
			cJSON_IsString(col) ? column_hint(v, col, NULL, t) : NULL,
			"the first operand of \"in\" must be a column of \"%s\"", t->name);
		return NULL;
	}
	c = &t->columns[ag_ir_column(t, col->valuestring)];
	f->a.kind = AG_OPND_COLUMN;
	f->a.column = c->name;
	f->a.type = c->type;
	if (!list->child) {
		vc_error(v, AG_D_EMPTY_LIST, vc_val_span(v, list), "a row filter that matches nothing hides every row; remove the permission instead",
			"the value list of \"in\" must not be empty");
		return NULL;
	}
	for (const cJSON *e = list->child; e; e = e->next)
		n++;
	f->values = ag_arena_calloc(v->a, n, sizeof(char *));
	n = 0;
	for (const cJSON *e = list->child; e; e = e->next) {
		const char *why;
		if (cJSON_IsObject(e) || cJSON_IsArray(e) || cJSON_IsNull(e) ||
		    (cJSON_IsString(e) && e->valuestring[0] == '$')) {
			vc_error(v, AG_D_BAD_FILTER, vc_val_span(v, e), NULL, "the values of \"in\" are literals, not %s",
				cJSON_IsString(e) ? "variables" : vc_kind(e));
			ok = false;
		} else if (!ag_value_fits(v, c, e, &why)) {
			vc_error(v, AG_D_FILTER_TYPE, vc_val_span(v, e), why, "%s cannot be a value of column \"%s\" (%s)",
				vc_json_text(v, e), c->name, ag_type_name(c->type));
			ok = false;
		} else if (f->values) {
			f->values[n++] = vc_json_text(v, e);
		}
	}
	f->n_values = n;
	return ok ? f : NULL;
}

static ag_filter *check_filter(vctx *v, const cJSON *n, const ag_table *t, int depth)
{
	static const char *const ops[] = { "equals", "in", "and", "or", NULL };
	ag_filter *f;
	const cJSON *arg;
	int op;

	if (!cJSON_IsObject(n) || !n->child || n->child->next) {
		vc_error(v, AG_D_BAD_FILTER, vc_val_span(v, n),
			"a filter is one of {\"equals\": [A, B]}, {\"in\": [COLUMN, [...]]}, {\"and\": [...]}, {\"or\": [...]}",
			cJSON_IsObject(n) ? "a filter object must have exactly one operator key"
					  : "a filter must be an object, not %s", vc_kind(n));
		return NULL;
	}
	if (depth > FILTER_MAX_DEPTH) {
		vc_error(v, AG_D_BAD_FILTER, vc_val_span(v, n), NULL, "row filter nested deeper than %d levels",
			FILTER_MAX_DEPTH);
		return NULL;
	}
	arg = n->child;
	for (op = 0; ops[op] && strcmp(ops[op], arg->string); op++)
		;
	if (!ops[op]) {
		const char *h = vc_suggest(v, arg->string, ops, 4);
		if (!h && (strcmp(arg->string, "eq") == 0 || strcmp(arg->string, "=") == 0))
			h = "did you mean \"equals\"?";
		vc_error(v, AG_D_BAD_FILTER, vc_key_span(v, arg), h ? h : "operators are equals, in, and, or",
			"unknown row-filter operator \"%s\"", arg->string);
		return NULL;
	}
	if (!(f = ag_arena_alloc(v->a, sizeof(*f))))
		return NULL;
	f->op = (ag_filter_op)op;
	if (f->op == AG_F_EQUALS)
		return check_equals(v, arg, t, f);
	if (f->op == AG_F_IN)
		return check_in(v, arg, t, f);
	if (!cJSON_IsArray(arg) || !arg->child) {
		vc_error(v, AG_D_BAD_FILTER, vc_val_span(v, arg), NULL, "\"%s\" takes a non-empty array of filters",
			arg->string);
		return NULL;
	}
	size_t k = 0, count = (size_t)cJSON_GetArraySize(arg);
	bool ok = true;
	f->children = ag_arena_calloc(v->a, count, sizeof(ag_filter *));
	for (const cJSON *c = arg->child; c; c = c->next) {
		ag_filter *child = check_filter(v, c, t, depth + 1);
		if (!child)
			ok = false;
		else if (f->children)
			f->children[k++] = child;
	}
	f->n_children = k;
	return ok ? f : NULL;
}

static void check_roles(vctx *v, const cJSON *roles)
{
	size_t n = 0;

	if (!vc_array(v, roles, "security.roles", false))
		return;
	v->ir->roles = ag_arena_calloc(v->a, (size_t)cJSON_GetArraySize(roles) + 1, sizeof(char *));
	if (!v->ir->roles)
		return;
	for (const cJSON *r = roles->child; r; r = r->next) {
		const char *s = vc_want_str(v, r, "a role");
		if (!s)
			continue;
		if (!vc_is_role(s))
			vc_error(v, AG_D_BAD_ROLE_NAME, vc_val_span(v, r),
				"roles start with a letter, then letters, digits or '_' (at most 31)",
				"\"%s\" is not a valid role name", s);
		/* registered even when invalid, so its uses do not cascade */
		if (find_role(v->ir, s) >= 0) {
			vc_error(v, AG_D_DUPLICATE_NAME, vc_val_span(v, r), NULL, "role \"%s\" is declared twice", s);
			continue;
		}
		v->ir->roles[n++] = s;
		v->ir->n_roles = n;
	}
}

static void check_permissions(vctx *v, const cJSON *perms)
{
	static const char *const keys[] = { "*role", "*resource", "*actions", NULL };
	const ag_ir *ir = v->ir;

	if (!vc_array(v, perms, "security.permissions", false))
		return;
	for (const cJSON *p = perms->child; p; p = p->next) {
		const cJSON *acts;
		int role, table;
		uint8_t bits = 0;

		if (!vc_object(v, p, "a permission", keys))
			continue;
		bool ok = rule_target(v, p, &role, &table);
		if ((acts = vc_get(p, "actions")) && vc_object(v, acts, "actions", (const char *const[]){
			"list", "read", "create", "update", "delete", NULL })) {
			for (int i = 0; actions[i]; i++)
				if (vc_bool(v, acts, actions[i], false, actions[i]))
					bits |= (uint8_t)(1u << i);
		}
		if (!ok || !ir->perms)
			continue;
		size_t idx = (size_t)role * ir->n_tables + (size_t)table;
		if (ir->perms[idx] & 0x80) {
			vc_error(v, AG_D_DUPLICATE_RULE, vc_val_span(v, p), "merge the two into one permission",
				"a second permission for role \"%s\" on \"%s\"", ir->roles[role], ir->tables[table].name);
			continue;
		}
		ir->perms[idx] = bits | 0x80; /* high bit: seen; cleared in normalize */
	}
}

static void check_row_filters(vctx *v, const cJSON *rfs)
{
	static const char *const keys[] = { "*role", "*resource", "*filter", NULL };
	const ag_ir *ir = v->ir;

	if (!vc_array(v, rfs, "security.rowFilters", false))
		return;
	if (!ir->auth_enabled && rfs->child) {
		vc_error(v, AG_D_AUTH_REQUIRED, vc_key_span(v, rfs),
			"row filters need a signed-in user; enable security.auth or remove them",
			"row filters are not allowed when authentication is disabled");
		return;
	}
	for (const cJSON *rf = rfs->child; rf; rf = rf->next) {
		int role, table;
		const cJSON *fn;
		ag_filter *f;

		if (!vc_object(v, rf, "a row filter", keys))
			continue;
		bool ok = rule_target(v, rf, &role, &table);
		if (!(fn = vc_get(rf, "filter")) || table < 0 || !ir->tables[table].n_columns)
			continue;
		f = check_filter(v, fn, &ir->tables[table], 0);
		if (!ok || !f || !ir->filters)
			continue;
		size_t idx = (size_t)role * ir->n_tables + (size_t)table;
		if (ir->filters[idx]) {
			vc_error(v, AG_D_DUPLICATE_RULE, vc_val_span(v, rf), "combine them with {\"and\": [...]} or {\"or\": [...]}",
				"a second row filter for role \"%s\" on \"%s\"", ir->roles[role], ir->tables[table].name);
			continue;
		}
		ir->filters[idx] = f;
		if (ir->perms && !(ir->perms[idx] & AG_ACT_ALL))
			vc_warning(v, AG_D_NO_EFFECT, vc_val_span(v, rf),
				"a role with no permission on a table gets nothing; give it permissions or remove the filter",
				"this row filter has no effect: role \"%s\" has no permission on \"%s\"",
				ir->roles[role], ir->tables[table].name);
	}
}

void ag_pass_security(vctx *v, const cJSON *sec)
{
	static const char *const keys[] = { "auth", "roles", "permissions", "rowFilters", NULL };
	static const char *const auth_keys[] = { "enabled", "accessTokenExpiryMinutes", "signupRole", NULL };
	ag_ir *ir = v->ir;
	const cJSON *auth = NULL, *m;

	ir->auth_enabled = true;
	ir->token_minutes = 30;
	if (sec && !vc_object(v, sec, "security", keys))
		sec = NULL;
	if (sec)
		ir->roles_span = ir->auth_span = vc_key_span(v, sec);
	if ((auth = vc_get(sec, "auth")))
		ir->auth_span = vc_key_span(v, auth);
	if (auth && vc_object(v, auth, "security.auth", auth_keys)) {
		ir->auth_enabled = vc_bool(v, auth, "enabled", true, "enabled");
		if ((m = vc_get(auth, "accessTokenExpiryMinutes"))) {
			if (!ag_json_is_integer(m))
				vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, m), NULL,
					"accessTokenExpiryMinutes must be a whole number, not %s", vc_kind(m));
			else if (m->valuedouble < 1 || m->valuedouble > 525600)
				vc_error(v, AG_D_OUT_OF_RANGE, vc_val_span(v, m), "between 1 minute and 1 year (525600)",
					"accessTokenExpiryMinutes is out of range");
			else
				ir->token_minutes = (uint32_t)m->valuedouble;
		}
	}
	if ((m = vc_get(sec, "roles"))) {
		ir->roles_span = vc_key_span(v, m);
		check_roles(v, m);
	}
	if (ir->auth_enabled && ir->n_roles == 0)
		vc_error(v, AG_D_NO_ROLES, m ? vc_val_span(v, m) : sec ? vc_val_span(v, sec) : (ag_span){ 1, 1, 1 },
			"declare security.roles, e.g. [\"Admin\", \"User\"]; the first role is the app's admin",
			"authentication is enabled but no role is declared");
	if (auth && (m = vc_get(auth, "signupRole"))) {
		const char *s = vc_want_str(v, m, "signupRole");
		int r = s ? find_role(ir, s) : -1;
		if (s && !ir->auth_enabled)
			vc_error(v, AG_D_AUTH_REQUIRED, vc_val_span(v, m), NULL,
				"signupRole needs authentication, which is disabled");
		else if (s && r < 0)
			vc_error(v, AG_D_UNKNOWN_ROLE, vc_val_span(v, m), vc_suggest(v, s, ir->roles, ir->n_roles),
				"signupRole \"%s\" is not declared in security.roles", s);
		else if (s && r == 0)
			vc_error(v, AG_D_BAD_VALUE, vc_val_span(v, m),
				"the first role is the admin role; anyone could sign up as admin. Add a role such as \"User\"",
				"signupRole cannot be the admin role \"%s\"", s);
		else if (s)
			ir->signup_role = s;
	}
	if (ir->n_roles && ir->n_tables) {
		ir->perms = ag_arena_calloc(v->a, ir->n_roles * ir->n_tables, 1);
		ir->filters = ag_arena_calloc(v->a, ir->n_roles * ir->n_tables, sizeof(ag_filter *));
	}
	if ((m = vc_get(sec, "permissions"))) {
		check_permissions(v, m);
		if (!ir->auth_enabled && m->child)
			vc_warning(v, AG_D_NO_EFFECT, vc_key_span(v, m), "with authentication disabled every table is open to everyone",
				"permissions have no effect when authentication is disabled");
	}
	if ((m = vc_get(sec, "rowFilters")))
		check_row_filters(v, m);
}
