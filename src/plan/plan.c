/*
 * plan.c - migration planning: the steps between two IRs of one app
 * (see plan.h for the contract: matching, step order, refusals).
 *
 * The plan is built in three parts. Tables and columns are matched by
 * name, then by renamedFrom. Column attributes of matched columns are
 * compared one by one (type, default, nullability). Everything derived
 * from the IR (constraints, indexes, foreign keys, policies, the _users
 * role check) becomes an "object" with its SQL name and a definition
 * string written in terms of the NEW version's names: an old object's
 * table and columns are translated through the matching, so an object is
 * kept only when the same name would be created with the same meaning on
 * the same (possibly renamed) column. The rest is dropped and created.
 * Steps go into one bucket per phase; the buckets are joined in order.
 */
#include "appgen/plan.h"
#include "appgen/buf.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum phase {
	P_DROP_POLICY, P_DROP_FK, P_DROP_CONSTRAINT, P_DROP_ROLE_CHECK, P_DROP_INDEX, P_DROP_TABLE,
	P_RENAME_TABLE, P_RENAME_CONSTRAINT, P_DROP_COLUMN, P_RENAME_COLUMN, P_CREATE_TABLE, P_CREATE_USERS,
	P_ADD_COLUMN, P_DROP_DEFAULT, P_ALTER_TYPE, P_SET_DEFAULT, P_FILL_NULLS, P_SET_NOT_NULL,
	P_DROP_NOT_NULL, P_DELETE_USERS, P_ADD_CONSTRAINT, P_CREATE_INDEX, P_ADD_FK, P_ADD_ROLE_CHECK,
	P_CREATE_POLICY, P__COUNT
};

#define USERS "_users"
#define GONE "\x01" /* the name of a table or column the new version does not have */

typedef enum { K_FK, K_CONSTRAINT, K_ROLE_CHECK, K_INDEX, K_POLICY } obj_kind;

/* A derived object of one version. */
typedef struct obj {
	obj_kind kind;
	const char *table; /* its table's name in its own version */
	const char *name;
	const char *def;   /* what it means, in the new version's names */
	const char *sub;   /* K_CONSTRAINT: unique, checkEnum, ...; K_POLICY: role, open, users */
	size_t t, c, i;    /* table and column (or relationship / policy) indices in its version */
	bool skip;         /* dropped or created together with its table */
	bool same;         /* present, unchanged, in the other version */
} obj;

typedef struct objs {
	obj *items;
	size_t count, cap;
} objs;

typedef struct planner {
	const ag_ir *o, *n;
	int *t_new;      /* [old table] -> new table, or -1 */
	int *t_old;      /* [new table] -> old table, or -1 */
	int **c_new;     /* [old table][old column] -> new column, or -1 */
	int **c_old;     /* [new table][new column] -> old column, or -1 */
	cJSON *phase[P__COUNT];
	objs old_objs, new_objs;
	ag_arena a;
	ag_buf tmp;
	const char *text;
	size_t len;
	ag_diags *d;
	size_t destructive;
	bool refused;
	const char *name;
} planner;

/* ---- small helpers --------------------------------------------------------- */

static cJSON *step(planner *p, enum phase ph, const char *op)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "op", op);
	cJSON_AddItemToArray(p->phase[ph], s);
	return s;
}

static void add_str(cJSON *o, const char *key, const char *value)
{
	if (value)
		cJSON_AddStringToObject(o, key, value);
	else
		cJSON_AddNullToObject(o, key);
}

static const char *printf_a(planner *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *printf_a(planner *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ag_buf_clear(&p->tmp);
	ag_buf_vprintf(&p->tmp, fmt, ap);
	va_end(ap);
	return ag_arena_strdup(&p->a, p->tmp.ptr);
}

/* The source line `line` of the new version's text (for the caret). */
static const char *source_line(const planner *p, uint32_t line, size_t *len)
{
	const char *s = p->text, *end = p->text ? p->text + p->len : NULL;

	*len = 0;
	if (!s || line == 0)
		return NULL;
	for (uint32_t l = 1; l < line && s < end; l++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			return NULL;
		s = nl + 1;
	}
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	*len = nl ? (size_t)(nl - s) : (size_t)(end - s);
	return s;
}

static void report(planner *p, ag_diag_code code, ag_span span, const char *hint, const char *msg)
{
	size_t len;
	const char *src = source_line(p, span.line, &len);
	ag_diags_add(p->d, AG_SEV_ERROR, code, p->n->file, span, src, len, hint, "%s", msg);
	p->refused = true;
}

/*
 * A destructive step: allowed when the new version lists `entry` under
 * migrations.allowDestructive, else refused (E230) at `span`.
 */
static void destructive(planner *p, ag_span span, const char *entry, const char *what)
{
	for (size_t i = 0; i < p->n->n_allow_destructive; i++)
		if (strcmp(p->n->allow_destructive[i], entry) == 0) {
			p->destructive++;
			return;
		}
	report(p, AG_D_DESTRUCTIVE, span,
		printf_a(p, "if that is intended, add \"%s\" to migrations.allowDestructive", entry),
		printf_a(p, "this version would %s; migrations refuse destructive steps unless allowed", what));
}

static bool has_default(const ag_column *c)
{
	return c->default_kind != AG_DEFAULT_NONE &&
		!(c->default_kind == AG_DEFAULT_VALUE && (!c->default_json || strcmp(c->default_json, "null") == 0));
}

static bool not_null(const ag_column *c)
{
	return c->required || c->primary_key;
}

/* The default as a comparable string ("" = none). */
static const char *default_def(planner *p, const ag_column *c)
{
	if (!has_default(c))
		return "";
	return printf_a(p, "%d|%s|%s", (int)c->default_kind, c->default_json ? c->default_json : "",
		ag_type_name(c->type));
}

/* A type change that keeps every value: int -> float, date -> timestamptz, anything -> text or jsonb. */
static bool widening(ag_type from, ag_type to)
{
	return from == to || to == AG_TYPE_TEXT || to == AG_TYPE_JSONB ||
		(from == AG_TYPE_INT && to == AG_TYPE_FLOAT) || (from == AG_TYPE_DATE && to == AG_TYPE_TIMESTAMPTZ);
}

/* ---- matching ---------------------------------------------------------------- */

static int match_tables(planner *p)
{
	const ag_ir *o = p->o, *n = p->n;

	p->t_new = ag_arena_calloc(&p->a, o->n_tables + 1, sizeof(int));
	p->t_old = ag_arena_calloc(&p->a, n->n_tables + 1, sizeof(int));
	p->c_new = ag_arena_calloc(&p->a, o->n_tables + 1, sizeof(int *));
	p->c_old = ag_arena_calloc(&p->a, n->n_tables + 1, sizeof(int *));
	if (!p->t_new || !p->t_old || !p->c_new || !p->c_old)
		return AG_ENOMEM;
	for (size_t i = 0; i < o->n_tables; i++)
		p->t_new[i] = -1;
	for (size_t i = 0; i < n->n_tables; i++)
		p->t_old[i] = ag_ir_table(o, n->tables[i].name);
	for (size_t i = 0; i < n->n_tables; i++)
		if (p->t_old[i] >= 0)
			p->t_new[p->t_old[i]] = (int)i;
	for (size_t i = 0; i < n->n_tables; i++) {
		int j;
		if (p->t_old[i] >= 0 || !n->tables[i].renamed_from)
			continue;
		if ((j = ag_ir_table(o, n->tables[i].renamed_from)) >= 0 && p->t_new[j] < 0) {
			p->t_old[i] = j;
			p->t_new[j] = (int)i;
		}
	}
	for (size_t i = 0; i < o->n_tables; i++) {
		const ag_table *ot = &o->tables[i];
		if (!(p->c_new[i] = ag_arena_calloc(&p->a, ot->n_columns + 1, sizeof(int))))
			return AG_ENOMEM;
		for (size_t c = 0; c < ot->n_columns; c++)
			p->c_new[i][c] = -1;
	}
	for (size_t i = 0; i < n->n_tables; i++) {
		const ag_table *nt = &n->tables[i];
		int j = p->t_old[i];
		if (!(p->c_old[i] = ag_arena_calloc(&p->a, nt->n_columns + 1, sizeof(int))))
			return AG_ENOMEM;
		for (size_t c = 0; c < nt->n_columns; c++)
			p->c_old[i][c] = j < 0 ? -1 : ag_ir_column(&o->tables[j], nt->columns[c].name);
		if (j < 0)
			continue;
		for (size_t c = 0; c < nt->n_columns; c++)
			if (p->c_old[i][c] >= 0)
				p->c_new[j][p->c_old[i][c]] = (int)c;
		for (size_t c = 0; c < nt->n_columns; c++) {
			int k;
			if (p->c_old[i][c] >= 0 || !nt->columns[c].renamed_from)
				continue;
			if ((k = ag_ir_column(&o->tables[j], nt->columns[c].renamed_from)) >= 0 && p->c_new[j][k] < 0) {
				p->c_old[i][c] = k;
				p->c_new[j][k] = (int)c;
			}
		}
	}
	return 0;
}

/* ---- derived objects ----------------------------------------------------------- */

/* A version seen through the matching: old names become the new ones. */
typedef struct view {
	planner *p;
	const ag_ir *ir;
	bool old;
} view;

static const char *v_table(const view *v, size_t t)
{
	int k;
	if (!v->old)
		return v->ir->tables[t].name;
	k = v->p->t_new[t];
	return k < 0 ? GONE : v->p->n->tables[k].name;
}

static const char *v_column(const view *v, size_t t, size_t c)
{
	int kt, kc;
	if (!v->old)
		return v->ir->tables[t].columns[c].name;
	kt = v->p->t_new[t];
	kc = v->p->c_new[t][c];
	return kt < 0 || kc < 0 ? GONE : v->p->n->tables[kt].columns[kc].name;
}

/* "table.column:type", the identity of a column in a definition. */
static void put_column(ag_buf *b, const view *v, size_t t, size_t c)
{
	ag_buf_printf(b, "%s.%s:%s", v_table(v, t), v_column(v, t, c), ag_type_name(v->ir->tables[t].columns[c].type));
}

static void put_filter_column(ag_buf *b, const view *v, size_t t, const char *name)
{
	int c = ag_ir_column(&v->ir->tables[t], name);
	if (c < 0)
		ag_buf_printf(b, GONE "%s", name);
	else
		put_column(b, v, t, (size_t)c);
}

static void put_operand(ag_buf *b, const view *v, size_t t, const ag_operand *op)
{
	switch (op->kind) {
	case AG_OPND_COLUMN:
		ag_buf_puts(b, "c:");
		put_filter_column(b, v, t, op->column);
		break;
	case AG_OPND_LITERAL:
		ag_buf_printf(b, "l:%s:%s", op->literal, ag_type_name(op->type));
		break;
	default:
		ag_buf_printf(b, "v%d:%s", (int)op->kind, ag_type_name(op->type));
	}
}

static void put_filter(ag_buf *b, const view *v, size_t t, const ag_filter *f)
{
	switch (f->op) {
	case AG_F_EQUALS:
		ag_buf_puts(b, "(= ");
		put_operand(b, v, t, &f->a);
		ag_buf_putc(b, ' ');
		put_operand(b, v, t, &f->b);
		break;
	case AG_F_IN:
		ag_buf_puts(b, "(in ");
		put_filter_column(b, v, t, f->a.column);
		for (size_t i = 0; i < f->n_values; i++)
			ag_buf_printf(b, " %s", f->values[i]);
		break;
	default:
		ag_buf_puts(b, f->op == AG_F_AND ? "(and" : "(or");
		for (size_t i = 0; i < f->n_children; i++) {
			ag_buf_putc(b, ' ');
			put_filter(b, v, t, f->children[i]);
		}
	}
	ag_buf_putc(b, ')');
}

static obj *add_obj(view *v, objs *list, obj_kind kind, size_t t, const char *table, const char *name,
	const char *sub)
{
	obj *x;
	if (list->count == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 64;
		obj *items = realloc(list->items, cap * sizeof(*items));
		if (!items) {
			v->p->a.oom = true;
			return NULL;
		}
		list->items = items;
		list->cap = cap;
	}
	x = &list->items[list->count++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->t = t;
	x->table = table;
	x->name = name;
	x->sub = sub;
	ag_buf_clear(&v->p->tmp);
	ag_buf_printf(&v->p->tmp, "%d|%s|", (int)kind, sub ? sub : "");
	return x;
}

/* Finish the definition built in p->tmp. */
static void end_obj(view *v, obj *x)
{
	if (x)
		x->def = ag_arena_strdup(&v->p->a, v->p->tmp.ptr);
}

static void column_objects(view *v, objs *list, size_t t)
{
	const ag_table *tb = &v->ir->tables[t];
	ag_buf *b = &v->p->tmp;
	obj *x;

	for (size_t c = 0; c < tb->n_columns; c++) {
		const ag_column *col = &tb->columns[c];
		const struct {
			const char *name, *sub;
		} cons[] = {
			{ col->unique_name, "unique" }, { col->check_enum, "checkEnum" }, { col->check_min, "checkMin" },
			{ col->check_max, "checkMax" }, { col->check_length, "checkMaxLength" },
		};
		if (col->primary_key)
			continue;
		for (size_t k = 0; k < sizeof(cons) / sizeof(cons[0]); k++) {
			if (!cons[k].name || (k == 0 && !col->unique))
				continue;
			if (!(x = add_obj(v, list, K_CONSTRAINT, t, tb->name, cons[k].name, cons[k].sub)))
				return;
			x->c = c;
			put_column(b, v, t, c);
			if (k == 1)
				for (size_t e = 0; e < col->n_enum; e++)
					ag_buf_printf(b, "|%s", col->enum_values[e]);
			else if (k == 2)
				ag_buf_printf(b, "|%.17g", col->min);
			else if (k == 3)
				ag_buf_printf(b, "|%.17g", col->max);
			else if (k == 4)
				ag_buf_printf(b, "|%u", col->max_length);
			end_obj(v, x);
		}
		if (col->indexed && col->index_name) {
			if (!(x = add_obj(v, list, K_INDEX, t, tb->name, col->index_name, NULL)))
				return;
			x->c = c;
			put_column(b, v, t, c);
			end_obj(v, x);
		}
	}
}

static void users_objects(view *v, objs *list)
{
	const ag_ir *ir = v->ir;
	ag_buf *b = &v->p->tmp;
	obj *x;
	static const char *const fixed[] = { "users_self_select", "users_self_update", "users_login" };

	if ((x = add_obj(v, list, K_ROLE_CHECK, 0, USERS, USERS "_role_check", NULL))) {
		for (size_t r = 0; r < ir->n_roles; r++)
			ag_buf_printf(b, "%s\x1f", ir->roles[r]);
		end_obj(v, x);
	}
	if ((x = add_obj(v, list, K_POLICY, 0, USERS, "users_admin", "users"))) {
		ag_buf_puts(b, ir->roles[0]);
		end_obj(v, x);
	}
	for (size_t k = 0; k < 3; k++)
		end_obj(v, add_obj(v, list, K_POLICY, 0, USERS, fixed[k], "users"));
	if (ir->signup_role && (x = add_obj(v, list, K_POLICY, 0, USERS, "users_signup", "users"))) {
		ag_buf_puts(b, ir->signup_role);
		end_obj(v, x);
	}
}

/* Every derived object of one version, in the order of its IR. */
static void collect(view *v, objs *list)
{
	const ag_ir *ir = v->ir;
	ag_buf *b = &v->p->tmp;
	obj *x;

	for (size_t t = 0; t < ir->n_tables; t++)
		column_objects(v, list, t);
	for (size_t r = 0; r < ir->n_relationships; r++) {
		const ag_relationship *rel = &ir->relationships[r];
		if (!(x = add_obj(v, list, K_FK, rel->fk_table, ir->tables[rel->fk_table].name, rel->constraint_name, NULL)))
			return;
		x->i = r;
		put_column(b, v, rel->fk_table, rel->fk_column);
		ag_buf_puts(b, "->");
		put_column(b, v, rel->ref_table, rel->ref_column);
		ag_buf_printf(b, "|%s", ag_on_delete_name(rel->on_delete));
		end_obj(v, x);
	}
	if (!ir->auth_enabled) {
		for (size_t t = 0; t < ir->n_tables; t++) {
			const char *name = ag_arena_printf(&v->p->a, "p_%s_open", ir->tables[t].name);
			if (!(x = add_obj(v, list, K_POLICY, t, ir->tables[t].name, name, "open")))
				return;
			ag_buf_puts(b, v_table(v, t));
			end_obj(v, x);
		}
		return;
	}
	users_objects(v, list);
	for (size_t i = 0; i < ir->n_policies; i++) {
		const ag_policy *pol = &ir->policies[i];
		const ag_filter *f = ir->filters ? ir->filters[pol->role * ir->n_tables + pol->table] : NULL;
		if (!(x = add_obj(v, list, K_POLICY, pol->table, ir->tables[pol->table].name, pol->name, "role")))
			return;
		x->i = i;
		ag_buf_printf(b, "%s|%s|%s|", v_table(v, pol->table), ag_command_name(pol->command), ir->roles[pol->role]);
		if (f)
			put_filter(b, v, pol->table, f);
		end_obj(v, x);
	}
}

static int obj_cmp(const void *a, const void *b)
{
	const obj *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->def, y->def);
}

/* Mark the objects present, unchanged, in both versions. */
static void pair_objects(planner *p)
{
	objs *o = &p->old_objs, *n = &p->new_objs;
	obj *so, *sn;
	size_t i = 0, j = 0;

	/* Sorted copies for the merge; the lists keep their IR order for the steps. */
	so = malloc((o->count + 1) * sizeof(*so));
	sn = malloc((n->count + 1) * sizeof(*sn));
	if (!so || !sn) {
		p->a.oom = true;
		free(so);
		free(sn);
		return;
	}
	for (size_t k = 0; k < o->count; k++) {
		so[k] = o->items[k];
		so[k].i = k; /* back-reference */
	}
	for (size_t k = 0; k < n->count; k++) {
		sn[k] = n->items[k];
		sn[k].i = k;
	}
	qsort(so, o->count, sizeof(*so), obj_cmp);
	qsort(sn, n->count, sizeof(*sn), obj_cmp);
	while (i < o->count && j < n->count) {
		int c = obj_cmp(&so[i], &sn[j]);
		if (c < 0)
			i++;
		else if (c > 0)
			j++;
		else {
			o->items[so[i++].i].same = true;
			n->items[sn[j++].i].same = true;
		}
	}
	free(so);
	free(sn);
}

/* ---- steps ------------------------------------------------------------------------- */

static void drop_objects(planner *p)
{
	for (size_t k = 0; k < p->old_objs.count; k++) {
		const obj *x = &p->old_objs.items[k];
		cJSON *s;
		if (x->same || x->skip)
			continue;
		switch (x->kind) {
		case K_POLICY:
			s = step(p, P_DROP_POLICY, "drop_policy");
			break;
		case K_FK:
			s = step(p, P_DROP_FK, "drop_constraint");
			break;
		case K_CONSTRAINT:
			s = step(p, P_DROP_CONSTRAINT, "drop_constraint");
			break;
		case K_ROLE_CHECK:
			s = step(p, P_DROP_ROLE_CHECK, "drop_constraint");
			break;
		default:
			s = step(p, P_DROP_INDEX, "drop_index");
		}
		cJSON_AddStringToObject(s, "table", x->table);
		cJSON_AddStringToObject(s, "name", x->name);
	}
}

static void create_objects(planner *p)
{
	const ag_ir *n = p->n;

	for (size_t k = 0; k < p->new_objs.count; k++) {
		const obj *x = &p->new_objs.items[k];
		cJSON *s;
		if (x->same || x->skip)
			continue;
		switch (x->kind) {
		case K_CONSTRAINT:
			s = step(p, P_ADD_CONSTRAINT, "add_constraint");
			cJSON_AddStringToObject(s, "table", x->table);
			cJSON_AddStringToObject(s, "name", x->name);
			cJSON_AddStringToObject(s, "kind", x->sub);
			cJSON_AddItemToObject(s, "column", ag_ir_column_json(&n->tables[x->t].columns[x->c]));
			break;
		case K_INDEX:
			s = step(p, P_CREATE_INDEX, "create_index");
			cJSON_AddStringToObject(s, "table", x->table);
			cJSON_AddStringToObject(s, "name", x->name);
			cJSON_AddStringToObject(s, "column", n->tables[x->t].columns[x->c].name);
			break;
		case K_FK: {
			const ag_relationship *r = &n->relationships[x->i];
			s = step(p, P_ADD_FK, "add_foreign_key");
			cJSON_AddStringToObject(s, "constraint", r->constraint_name);
			cJSON_AddStringToObject(s, "fkTable", n->tables[r->fk_table].name);
			cJSON_AddStringToObject(s, "fkColumn", n->tables[r->fk_table].columns[r->fk_column].name);
			cJSON_AddStringToObject(s, "refTable", n->tables[r->ref_table].name);
			cJSON_AddStringToObject(s, "refColumn", n->tables[r->ref_table].columns[r->ref_column].name);
			cJSON_AddStringToObject(s, "onDelete", ag_on_delete_name(r->on_delete));
			break;
		}
		case K_ROLE_CHECK: {
			cJSON *roles;
			s = step(p, P_ADD_ROLE_CHECK, "add_role_check");
			roles = cJSON_AddArrayToObject(s, "roles");
			for (size_t r = 0; r < n->n_roles; r++)
				cJSON_AddItemToArray(roles, cJSON_CreateString(n->roles[r]));
			break;
		}
		case K_POLICY:
			s = step(p, P_CREATE_POLICY, "create_policy");
			cJSON_AddStringToObject(s, "table", x->table);
			cJSON_AddStringToObject(s, "name", x->name);
			cJSON_AddStringToObject(s, "kind", x->sub);
			if (strcmp(x->sub, "role") == 0) {
				const ag_policy *pol = &n->policies[x->i];
				const ag_filter *f = n->filters ? n->filters[pol->role * n->n_tables + pol->table] : NULL;
				cJSON_AddStringToObject(s, "role", n->roles[pol->role]);
				cJSON_AddStringToObject(s, "command", ag_command_name(pol->command));
				if (f)
					cJSON_AddItemToObject(s, "filter", ag_ir_filter_json(f));
			} else if (strcmp(x->name, "users_admin") == 0)
				cJSON_AddStringToObject(s, "role", n->roles[0]);
			else if (strcmp(x->name, "users_signup") == 0)
				cJSON_AddStringToObject(s, "role", n->signup_role);
			break;
		}
	}
}

static cJSON *roles_json(const ag_ir *ir)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t r = 0; r < ir->n_roles; r++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ir->roles[r]));
	return a;
}

static void auth_steps(planner *p)
{
	const ag_ir *o = p->o, *n = p->n;
	cJSON *s, *gone = NULL;

	if (o->auth_enabled && !n->auth_enabled) {
		destructive(p, n->auth_span, "disable auth", "turn authentication off and drop every user with the _users table");
		cJSON_AddStringToObject(step(p, P_DROP_TABLE, "drop_table"), "table", USERS);
	} else if (!o->auth_enabled && n->auth_enabled) {
		s = step(p, P_CREATE_USERS, "create_users");
		cJSON_AddItemToObject(s, "roles", roles_json(n));
		cJSON_AddStringToObject(s, "adminRole", n->roles[0]);
		add_str(s, "signupRole", n->signup_role);
	} else if (o->auth_enabled) {
		for (size_t r = 0; r < o->n_roles; r++) {
			bool kept = false;
			for (size_t k = 0; k < n->n_roles && !kept; k++)
				kept = strcmp(o->roles[r], n->roles[k]) == 0;
			if (kept)
				continue;
			destructive(p, n->roles_span, printf_a(p, "drop role %s", o->roles[r]),
				printf_a(p, "remove role \"%s\" and delete its users", o->roles[r]));
			if (!gone) {
				s = step(p, P_DELETE_USERS, "delete_users");
				gone = cJSON_AddArrayToObject(s, "roles");
			}
			cJSON_AddItemToArray(gone, cJSON_CreateString(o->roles[r]));
		}
	}
}

static void column_steps(planner *p, size_t nt_i)
{
	const ag_table *nt = &p->n->tables[nt_i], *ot = &p->o->tables[p->t_old[nt_i]];
	const char *T = nt->name;
	cJSON *s;

	for (size_t c = 0; c < nt->n_columns; c++) {
		const ag_column *nc = &nt->columns[c], *oc;
		if (p->c_old[nt_i][c] < 0) {
			s = step(p, P_ADD_COLUMN, "add_column");
			cJSON_AddStringToObject(s, "table", T);
			cJSON_AddItemToObject(s, "column", ag_ir_column_json(nc));
			if (not_null(nc) && !has_default(nc))
				report(p, AG_D_UNSAFE_STEP, nc->name_span,
					"give it a default (rows that exist get it) or leave it optional",
					printf_a(p, "new required column %s.%s has no default: a table that has rows cannot take it", T,
						nc->name));
			continue;
		}
		oc = &ot->columns[p->c_old[nt_i][c]];
		if (strcmp(oc->name, nc->name) != 0) {
			s = step(p, P_RENAME_COLUMN, "rename_column");
			cJSON_AddStringToObject(s, "table", T);
			cJSON_AddStringToObject(s, "from", oc->name);
			cJSON_AddStringToObject(s, "to", nc->name);
		}
		if (oc->type != nc->type || strcmp(default_def(p, oc), default_def(p, nc)) != 0) {
			if (has_default(oc)) {
				s = step(p, P_DROP_DEFAULT, "drop_default");
				cJSON_AddStringToObject(s, "table", T);
				cJSON_AddStringToObject(s, "column", nc->name);
			}
			if (has_default(nc)) {
				s = step(p, P_SET_DEFAULT, "set_default");
				cJSON_AddStringToObject(s, "table", T);
				cJSON_AddItemToObject(s, "column", ag_ir_column_json(nc));
			}
		}
		if (oc->type != nc->type) {
			s = step(p, P_ALTER_TYPE, "alter_type");
			cJSON_AddStringToObject(s, "table", T);
			cJSON_AddStringToObject(s, "column", nc->name);
			cJSON_AddStringToObject(s, "from", ag_type_name(oc->type));
			cJSON_AddStringToObject(s, "to", ag_type_name(nc->type));
			if (!widening(oc->type, nc->type))
				destructive(p, nc->name_span, printf_a(p, "alter column %s.%s type", T, nc->name),
					printf_a(p, "change %s.%s from %s to %s, which may not keep every value", T, nc->name,
						ag_type_name(oc->type), ag_type_name(nc->type)));
		}
		if (!not_null(oc) && not_null(nc)) {
			if (!has_default(nc))
				report(p, AG_D_UNSAFE_STEP, nc->name_span,
					"give it a default (empty values get it) or leave it optional",
					printf_a(p, "column %s.%s becomes required but has no default: rows where it is empty would "
						"fail the migration", T, nc->name));
			else {
				s = step(p, P_FILL_NULLS, "fill_nulls");
				cJSON_AddStringToObject(s, "table", T);
				cJSON_AddItemToObject(s, "column", ag_ir_column_json(nc));
			}
			s = step(p, P_SET_NOT_NULL, "set_not_null");
			cJSON_AddStringToObject(s, "table", T);
			cJSON_AddStringToObject(s, "column", nc->name);
		} else if (not_null(oc) && !not_null(nc)) {
			s = step(p, P_DROP_NOT_NULL, "drop_not_null");
			cJSON_AddStringToObject(s, "table", T);
			cJSON_AddStringToObject(s, "column", nc->name);
		}
	}
	for (size_t c = 0; c < ot->n_columns; c++) {
		if (p->c_new[p->t_old[nt_i]][c] >= 0)
			continue;
		destructive(p, nt->name_span, printf_a(p, "drop column %s.%s", T, ot->columns[c].name),
			printf_a(p, "drop column %s.%s and its data", T, ot->columns[c].name));
		s = step(p, P_DROP_COLUMN, "drop_column");
		cJSON_AddStringToObject(s, "table", T);
		cJSON_AddStringToObject(s, "column", ot->columns[c].name);
	}
}

static void table_steps(planner *p)
{
	const ag_ir *o = p->o, *n = p->n;
	cJSON *s;

	for (size_t i = 0; i < o->n_tables; i++) {
		if (p->t_new[i] >= 0)
			continue;
		destructive(p, n->tables_span, printf_a(p, "drop table %s", o->tables[i].name),
			printf_a(p, "drop table %s and its rows", o->tables[i].name));
		cJSON_AddStringToObject(step(p, P_DROP_TABLE, "drop_table"), "table", o->tables[i].name);
	}
	/* creation order, so a reader of the plan sees referenced tables first */
	for (size_t k = 0; k < n->n_tables; k++) {
		size_t i = n->table_order[k];
		const ag_table *nt = &n->tables[i], *ot;
		if (p->t_old[i] < 0) {
			s = step(p, P_CREATE_TABLE, "create_table");
			cJSON_AddItemToObject(s, "table", ag_ir_table_json(nt));
			continue;
		}
		ot = &o->tables[p->t_old[i]];
		if (strcmp(ot->name, nt->name) != 0) {
			s = step(p, P_RENAME_TABLE, "rename_table");
			cJSON_AddStringToObject(s, "from", ot->name);
			cJSON_AddStringToObject(s, "to", nt->name);
		}
		if (strcmp(ot->pk_name, nt->pk_name) != 0) {
			s = step(p, P_RENAME_CONSTRAINT, "rename_constraint");
			cJSON_AddStringToObject(s, "table", nt->name);
			cJSON_AddStringToObject(s, "from", ot->pk_name);
			cJSON_AddStringToObject(s, "to", nt->pk_name);
		}
		column_steps(p, i);
	}
}

/* Objects that go or come with their table are not steps of their own. */
static void mark_skipped(planner *p)
{
	for (size_t k = 0; k < p->old_objs.count; k++) {
		obj *x = &p->old_objs.items[k];
		/* foreign keys always go first: two dropped tables may reference each other */
		if (strcmp(x->table, USERS) == 0 && x->kind != K_FK)
			x->skip = !p->n->auth_enabled;
		else
			x->skip = p->t_new[x->t] < 0 && x->kind != K_FK;
	}
	for (size_t k = 0; k < p->new_objs.count; k++) {
		obj *x = &p->new_objs.items[k];
		if (strcmp(x->table, USERS) == 0 && x->kind != K_FK)
			x->skip = !p->o->auth_enabled;
		else
			x->skip = p->t_old[x->t] < 0 && (x->kind == K_CONSTRAINT || x->kind == K_INDEX);
	}
}

/* A file name for the migration from its most telling step: "add_deals_notes", "and_more" when there are more. */
static const char *plan_name(planner *p, const cJSON *steps)
{
	ag_buf *b = &p->tmp;
	size_t telling = 0;
	bool security = false, constraints = false;

	ag_buf_clear(b);
	for (const cJSON *s = steps->child; s; s = s->next) {
		const char *op = cJSON_GetObjectItem(s, "op")->valuestring;
		const cJSON *t = cJSON_GetObjectItem(s, "table");
		const char *table = cJSON_IsString(t) ? t->valuestring : cJSON_IsObject(t) ?
			cJSON_GetObjectItem(t, "name")->valuestring : NULL;
		const cJSON *col = cJSON_GetObjectItem(s, "column");
		const char *column = cJSON_IsString(col) ? col->valuestring : cJSON_IsObject(col) ?
			cJSON_GetObjectItem(col, "name")->valuestring : NULL;
		size_t before = b->len;
		if (strcmp(op, "create_table") == 0)
			ag_buf_printf(b, "add_%s", table);
		else if (strcmp(op, "drop_table") == 0 && strcmp(table, USERS) == 0)
			ag_buf_puts(b, "disable_auth");
		else if (strcmp(op, "drop_table") == 0)
			ag_buf_printf(b, "drop_%s", table);
		else if (strcmp(op, "rename_table") == 0 || strcmp(op, "rename_column") == 0)
			ag_buf_printf(b, "rename_%s", cJSON_GetObjectItem(s, "to")->valuestring);
		else if (strcmp(op, "add_column") == 0)
			ag_buf_printf(b, "add_%s_%s", table, column);
		else if (strcmp(op, "drop_column") == 0)
			ag_buf_printf(b, "drop_%s_%s", table, column);
		else if (strcmp(op, "alter_type") == 0 || strcmp(op, "set_not_null") == 0 ||
			strcmp(op, "drop_not_null") == 0 || strcmp(op, "set_default") == 0)
			ag_buf_printf(b, "alter_%s_%s", table, column);
		else if (strcmp(op, "create_users") == 0)
			ag_buf_puts(b, "enable_auth");
		else {
			security |= strstr(op, "polic") || strstr(op, "role") || strstr(op, "users");
			constraints |= !strstr(op, "polic") && !strstr(op, "role") && !strstr(op, "users");
			continue;
		}
		if (telling++ == 0)
			continue;
		ag_buf_truncate(b, before);
	}
	if (telling == 0 && security)
		ag_buf_puts(b, constraints ? "security_and_constraints" : "security");
	else if (telling == 0 && constraints)
		ag_buf_puts(b, "constraints");
	else if (telling == 0)
		ag_buf_puts(b, "no_schema_change");
	else if (telling > 1 || security || constraints)
		ag_buf_puts(b, "_and_more");
	/* a file name: lowercase letters, digits and '_' (identifiers are), at most 60 bytes */
	if (b->len > AG_PLAN_NAME_MAX) {
		size_t cut = 51;
		while (cut > 0 && b->ptr[cut] != '_')
			cut--;
		ag_buf_truncate(b, cut ? cut : 51);
		ag_buf_puts(b, "_and_more");
	}
	for (size_t i = 0; i < b->len; i++)
		if (!((b->ptr[i] >= 'a' && b->ptr[i] <= 'z') || (b->ptr[i] >= '0' && b->ptr[i] <= '9')))
			b->ptr[i] = '_';
	return ag_arena_strdup(&p->a, b->ptr);
}

/* ---- entry points ------------------------------------------------------------------- */

static void planner_dispose(planner *p)
{
	for (int k = 0; k < P__COUNT; k++)
		cJSON_Delete(p->phase[k]);
	free(p->old_objs.items);
	free(p->new_objs.items);
	ag_buf_dispose(&p->tmp);
	ag_arena_dispose(&p->a);
}

int ag_plan_diff(ag_plan *out, const ag_ir *old_ir, const ag_ir *new_ir, const char *text, size_t len,
	ag_diags *d)
{
	planner p;
	view vo, vn;
	int error = 0;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	ag_arena_init(&p.a);
	ag_buf_init(&p.tmp);
	p.o = old_ir;
	p.n = new_ir;
	p.text = text;
	p.len = len;
	p.d = d;
	for (int k = 0; k < P__COUNT; k++)
		if (!(p.phase[k] = cJSON_CreateArray()))
			p.a.oom = true;
	if (p.a.oom || (error = match_tables(&p)) < 0)
		goto done;
	vo = (view){ &p, old_ir, true };
	vn = (view){ &p, new_ir, false };
	collect(&vo, &p.old_objs);
	collect(&vn, &p.new_objs);
	if (p.a.oom || ag_buf_oom(&p.tmp))
		goto done;
	pair_objects(&p);
	mark_skipped(&p);
	drop_objects(&p);
	table_steps(&p);
	auth_steps(&p);
	create_objects(&p);
	if (!(out->steps = cJSON_CreateArray()))
		goto done;
	for (int k = 0; k < P__COUNT; k++)
		while (p.phase[k]->child)
			cJSON_AddItemToArray(out->steps, cJSON_DetachItemViaPointer(p.phase[k], p.phase[k]->child));
	out->destructive = p.destructive;
	snprintf(out->name, sizeof(out->name), "%s", plan_name(&p, out->steps));
done:
	if (!error && (p.a.oom || ag_buf_oom(&p.tmp) || d->oom || !out->steps || !out->name[0]))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	if (!error && p.refused)
		error = AG_EINVALID;
	planner_dispose(&p);
	return error;
}

void ag_plan_dispose(ag_plan *p)
{
	cJSON_Delete(p->steps);
	memset(p, 0, sizeof(*p));
}
