/* pass_ui.c - pages, navigation, modals and blocks -> normalized ui tree. */
#include "passes.h"

/* What a column named by a block must be. */
enum {
	NEED_ANY = 0,
	NEED_NUMERIC = 1,  /* int or float */
	NEED_DATE = 2,     /* date or timestamptz */
	NEED_TEXT = 4,
	NEED_ENUM = 8,     /* text with enum */
	NEED_IMAGE = 16,   /* text with format image or url */
	NEED_SELF_FK = 32, /* a many_to_one foreign key to its own table */
	NEED_WRITABLE = 64 /* not a system column */
};

typedef enum { F_STR, F_COLUMN, F_COLUMNS, F_PAGESIZE, F_CHOICE, F_SORT, F_Y } fkind;

typedef struct field {
	const char *key;
	fkind kind;
	bool required;
	unsigned need;
	const char *const *choices;
} field;

typedef struct blockspec {
	const char *type;
	field fields[7];
} blockspec;

static const char *const metrics[] = { "count", "sum", "avg", "min", "max", NULL };
static const char *const chart_types[] = { "bar", "line", "pie", NULL };
static const char *const form_modes[] = { "create", "edit", NULL };
static const char *const orders[] = { "asc", "desc", NULL };
static const char *const layouts[] = { "single", "split", "grid", "tabs", NULL };
static const char *const sizes[] = { "small", "medium", "large", NULL };
static const char *const action_types[] = { "navigate", "openModal", "create", "edit", "delete", NULL };

static const blockspec blocks[] = {
	{ "TABLE", { { "columns", F_COLUMNS, false, 0, NULL }, { "pageSize", F_PAGESIZE, false, 0, NULL },
		     { "filters", F_COLUMNS, false, 0, NULL }, { "sort", F_SORT, false, 0, NULL } } },
	{ "FORM", { { "mode", F_CHOICE, false, 0, form_modes },
		    { "fields", F_COLUMNS, false, NEED_WRITABLE, NULL } } },
	{ "DETAIL", { { "fields", F_COLUMNS, false, 0, NULL } } },
	{ "STAT-CARD", { { "metric", F_CHOICE, true, 0, metrics }, { "column", F_COLUMN, false, NEED_NUMERIC, NULL },
			 { "label", F_STR, false, 0, NULL } } },
	{ "CHART", { { "chartType", F_CHOICE, true, 0, chart_types }, { "x", F_COLUMN, true, 0, NULL },
		     { "y", F_Y, false, 0, NULL } } },
	{ "KANBAN", { { "groupBy", F_COLUMN, true, NEED_ENUM, NULL }, { "titleColumn", F_COLUMN, true, 0, NULL },
		      { "cardColumns", F_COLUMNS, false, 0, NULL } } },
	{ "CALENDAR", { { "dateColumn", F_COLUMN, true, NEED_DATE, NULL },
			{ "endDateColumn", F_COLUMN, false, NEED_DATE, NULL },
			{ "titleColumn", F_COLUMN, true, 0, NULL } } },
	{ "TIMELINE", { { "dateColumn", F_COLUMN, true, NEED_DATE, NULL }, { "titleColumn", F_COLUMN, true, 0, NULL },
			{ "descriptionColumn", F_COLUMN, false, 0, NULL } } },
	{ "CHAT", { { "textColumn", F_COLUMN, true, NEED_TEXT, NULL }, { "authorColumn", F_COLUMN, false, 0, NULL },
		    { "timeColumn", F_COLUMN, false, NEED_DATE, NULL } } },
	{ "GALLERY", { { "imageColumn", F_COLUMN, true, NEED_IMAGE, NULL },
		       { "titleColumn", F_COLUMN, false, 0, NULL } } },
	{ "TREE", { { "parentColumn", F_COLUMN, true, NEED_SELF_FK, NULL },
		    { "labelColumn", F_COLUMN, true, 0, NULL } } },
};

typedef struct uictx {
	vctx *v;
	const char **pages; /* page ids, in order */
	size_t n_pages;
	const char **modals;
	size_t n_modals;
} uictx;

static bool in_list(const char *s, const char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] && strcmp(list[i], s) == 0)
			return true;
	return false;
}

static bool column_suits(vctx *v, const ag_table *t, size_t ti, const ag_column *c, unsigned need,
	const char **why)
{
	*why = NULL;
	if (c->type >= AG_TYPE__COUNT)
		return true; /* its type is already reported as unknown */
	if ((need & NEED_NUMERIC) && c->type != AG_TYPE_INT && c->type != AG_TYPE_FLOAT)
		*why = "an int or float column";
	else if ((need & NEED_DATE) && c->type != AG_TYPE_DATE && c->type != AG_TYPE_TIMESTAMPTZ)
		*why = "a date or timestamptz column";
	else if ((need & NEED_TEXT) && c->type != AG_TYPE_TEXT)
		*why = "a text column";
	else if ((need & NEED_ENUM) && (c->type != AG_TYPE_TEXT || !c->n_enum))
		*why = "a text column with \"enum\" values";
	else if ((need & NEED_IMAGE) && (c->type != AG_TYPE_TEXT ||
					 (c->format != AG_FORMAT_IMAGE && c->format != AG_FORMAT_URL)))
		*why = "a text column with \"format\": \"image\" or \"url\"";
	else if ((need & NEED_WRITABLE) && c->system)
		*why = "a column users can write (not a system column)";
	else if (need & NEED_SELF_FK) {
		bool found = false;
		for (size_t i = 0; i < v->ir->n_relationships; i++) {
			const ag_relationship *r = &v->ir->relationships[i];
			if (r->fk_table == ti && r->ref_table == ti &&
			    strcmp(t->columns[r->fk_column].name, c->name) == 0)
				found = true;
		}
		if (!found)
			*why = "a foreign key to its own table (declare a relationship from it to this table's id)";
	}
	return *why == NULL;
}

/* A column named by a block: exists, and suits the block. */
static const char *block_column(vctx *v, const cJSON *n, const ag_table *t, size_t ti, const char *what,
	unsigned need)
{
	const char *s = vc_want_str(v, n, what), *why;
	int c;

	if (!s || !t)
		return NULL;
	if ((c = ag_ir_column(t, s)) < 0) {
		vc_error(v, AG_D_UNKNOWN_COLUMN, vc_val_span(v, n), vc_suggest(v, s, ag_column_names(v, t), t->n_columns),
			"%s \"%s\" is not a column of table \"%s\"", what, s, t->name);
		return NULL;
	}
	if (!column_suits(v, t, ti, &t->columns[c], need, &why)) {
		vc_error(v, AG_D_COLUMN_KIND, vc_val_span(v, n), NULL, "%s \"%s\" must be %s", what, s, why);
		return NULL;
	}
	return s;
}

static cJSON *block_columns(vctx *v, const cJSON *n, const ag_table *t, size_t ti, const char *what,
	unsigned need)
{
	cJSON *out = cJSON_CreateArray();

	if (!vc_array(v, n, what, false))
		return out;
	for (const cJSON *e = n->child; e; e = e->next) {
		const char *s = block_column(v, e, t, ti, ag_arena_printf(v->a, "%s entry", what), need);
		if (s)
			cJSON_AddItemToArray(out, cJSON_CreateString(s));
	}
	return out;
}

static cJSON *default_columns(const ag_table *t, bool with_system)
{
	cJSON *out = cJSON_CreateArray();
	for (size_t i = 0; t && i < t->n_columns; i++)
		if (!t->columns[i].system || (with_system && t->columns[i].primary_key == false &&
					      strcmp(t->columns[i].name, "created_by")))
			cJSON_AddItemToArray(out, cJSON_CreateString(t->columns[i].name));
	return out;
}

static const char *table_title(vctx *v, const ag_table *t)
{
	return t->label ? t->label : vc_humanize(v->a, t->name);
}

static void check_actions(uictx *u, const cJSON *n, cJSON *out)
{
	static const char *const keys[] = { "*label", "*type", "target", NULL };
	vctx *v = u->v;
	cJSON *arr = cJSON_AddArrayToObject(out, "actions");

	if (!n || !vc_array(v, n, "actions", false))
		return;
	for (const cJSON *a = n->child; a; a = a->next) {
		const cJSON *tn;
		const char *label, *target = NULL;
		int type;

		if (!vc_object(v, a, "an action", keys))
			continue;
		label = vc_label(v, a, "label", "action label");
		type = vc_enum(v, a, "type", action_types, -1, "action type");
		if ((tn = vc_get(a, "target")))
			target = vc_want_str(v, tn, "target");
		if (type < 0)
			continue;
		if (type == 0 || type == 1) {
			bool page = type == 0;
			if (!tn) {
				vc_error(v, AG_D_MISSING_TARGET, vc_val_span(v, a), NULL, "an action of type %s needs a \"target\" (%s)",
					action_types[type], page ? "a page id" : "a modal id");
				continue;
			}
			if (!target)
				continue;
			if (page && !in_list(target, u->pages, u->n_pages)) {
				vc_error(v, AG_D_UNKNOWN_PAGE, vc_val_span(v, tn), vc_suggest(v, target, u->pages, u->n_pages),
					"target \"%s\" is not a page id", target);
				continue;
			}
			if (!page && !in_list(target, u->modals, u->n_modals)) {
				vc_error(v, AG_D_UNKNOWN_MODAL, vc_val_span(v, tn),
					u->n_modals ? vc_suggest(v, target, u->modals, u->n_modals) : "declare it in ui.modals",
					"target \"%s\" is not a modal id", target);
				continue;
			}
		} else if (tn) {
			vc_error(v, AG_D_MISSING_TARGET, vc_key_span(v, tn), "only navigate and openModal actions have a target",
				"an action of type %s takes no \"target\"", action_types[type]);
			continue;
		}
		if (!label)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "label", label);
		cJSON_AddStringToObject(o, "type", action_types[type]);
		if (target)
			cJSON_AddStringToObject(o, "target", target);
		cJSON_AddItemToArray(arr, o);
	}
}

static cJSON *check_block(uictx *u, const cJSON *n)
{
	vctx *v = u->v;
	const blockspec *spec = NULL;
	const char *keys[16], *type, *title;
	const ag_table *t = NULL;
	size_t k = 0, ti = 0;
	const cJSON *m;
	cJSON *out;
	int metric = 0;

	if (!cJSON_IsObject(n)) {
		vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, n), NULL, "a block must be an object, not %s", vc_kind(n));
		return NULL;
	}
	if (!vc_get(n, "type")) {
		vc_error(v, AG_D_MISSING_KEY, vc_val_span(v, n), NULL, "a block is missing the required key \"type\"");
		return NULL;
	}
	if (!(m = vc_get(n, "type")) || !(type = vc_want_str(v, m, "block type")))
		return NULL;
	for (size_t i = 0; i < AG_ARRAY_SIZE(blocks); i++)
		if (strcmp(blocks[i].type, type) == 0)
			spec = &blocks[i];
	if (!spec) {
		const char *names[AG_ARRAY_SIZE(blocks)];
		for (size_t i = 0; i < AG_ARRAY_SIZE(blocks); i++)
			names[i] = blocks[i].type;
		const char *h = vc_suggest(v, type, names, AG_ARRAY_SIZE(blocks));
		vc_error(v, AG_D_BAD_VALUE, vc_val_span(v, m),
			h ? h : "block types: TABLE, FORM, DETAIL, STAT-CARD, CHART, KANBAN, CALENDAR, TIMELINE, CHAT, GALLERY, TREE",
			"unknown block type \"%s\"", type);
		return NULL;
	}
	/* The exact keys of this block type. */
	keys[k++] = "*type";
	keys[k++] = "title";
	keys[k++] = "actions";
	keys[k++] = "*table";
	for (const field *f = spec->fields; f->key; f++)
		keys[k++] = f->required ? ag_arena_printf(v->a, "*%s", f->key) : f->key;
	keys[k] = NULL;
	vc_object(v, n, ag_arena_printf(v->a, "a %s block", type), keys);

	if ((m = vc_get(n, "table"))) {
		const char *s = vc_want_str(v, m, "table");
		int idx = s ? ag_ir_table(v->ir, s) : -1;
		if (s && idx < 0)
			vc_error(v, AG_D_UNKNOWN_TABLE, vc_val_span(v, m),
				vc_suggest(v, s, ag_table_names(v), v->ir->n_tables), "table \"%s\" is not a table of this app", s);
		else if (idx >= 0 && v->ir->tables[idx].n_columns) {
			t = &v->ir->tables[idx];
			ti = (size_t)idx;
		}
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "type", type);
	title = vc_label(v, n, "title", "block title");
	if (!t) {
		check_actions(u, vc_get(n, "actions"), out);
		cJSON_Delete(out);
		return NULL;
	}
	cJSON_AddStringToObject(out, "title", title ? title : table_title(v, t));
	cJSON_AddStringToObject(out, "table", t->name);
	for (const field *f = spec->fields; f->key; f++) {
		const char *s;
		m = vc_get(n, f->key);
		switch (f->kind) {
		case F_STR:
			if (m && (s = vc_label(v, n, f->key, f->key)))
				cJSON_AddStringToObject(out, f->key, s);
			break;
		case F_CHOICE: {
			int c = vc_enum(v, n, f->key, f->choices, 0, f->key);
			if (c >= 0)
				cJSON_AddStringToObject(out, f->key, f->choices[c]);
			if (f->choices == metrics)
				metric = c;
			break;
		}
		case F_COLUMN:
			if (m && (s = block_column(v, m, t, ti, f->key, f->need)))
				cJSON_AddStringToObject(out, f->key, s);
			break;
		case F_COLUMNS:
			cJSON_AddItemToObject(out, f->key, m ? block_columns(v, m, t, ti, f->key, f->need)
				: strcmp(f->key, "filters") == 0 || strcmp(f->key, "cardColumns") == 0
				? cJSON_CreateArray() : default_columns(t, false));
			break;
		case F_PAGESIZE:
			if (!m)
				cJSON_AddNumberToObject(out, f->key, 10);
			else if (!ag_json_is_integer(m))
				vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, m), NULL, "pageSize must be a whole number, not %s",
					cJSON_IsNumber(m) ? "a fraction" : vc_kind(m));
			else if (m->valuedouble < 1 || m->valuedouble > 1000)
				vc_error(v, AG_D_OUT_OF_RANGE, vc_val_span(v, m), NULL, "pageSize must be between 1 and 1000");
			else
				cJSON_AddNumberToObject(out, f->key, m->valuedouble);
			break;
		case F_SORT: {
			cJSON *o = cJSON_CreateObject();
			const cJSON *c;
			int ord = 1;
			if (m && vc_object(v, m, "sort", (const char *const[]){ "*column", "order", NULL })) {
				c = vc_get(m, "column");
				s = c ? block_column(v, c, t, ti, "sort column", 0) : NULL;
				ord = vc_enum(v, m, "order", orders, 0, "sort order");
				cJSON_AddStringToObject(o, "column", s ? s : "created_at");
			} else {
				cJSON_AddStringToObject(o, "column", "created_at");
			}
			cJSON_AddStringToObject(o, "order", orders[ord < 0 ? 1 : ord]);
			cJSON_AddItemToObject(out, "sort", o);
			break;
		}
		case F_Y: {
			cJSON *o = cJSON_CreateObject();
			int ym = 0;
			if (m && vc_object(v, m, "y", (const char *const[]){ "metric", "column", NULL })) {
				const cJSON *c = vc_get(m, "column");
				ym = vc_enum(v, m, "metric", metrics, 0, "metric");
				cJSON_AddStringToObject(o, "metric", metrics[ym < 0 ? 0 : ym]);
				if (ym > 0 && !c)
					vc_error(v, AG_D_MISSING_KEY, vc_val_span(v, m), "count needs no column; sum, avg, min and max do",
						"y with metric \"%s\" needs a \"column\"", metrics[ym]);
				if (c && (s = block_column(v, c, t, ti, "y column", NEED_NUMERIC)))
					cJSON_AddStringToObject(o, "column", s);
			} else {
				cJSON_AddStringToObject(o, "metric", "count");
			}
			cJSON_AddItemToObject(out, "y", o);
			break;
		}
		}
	}
	if (spec->fields[0].choices == metrics) {
		if (metric > 0 && !vc_get(n, "column"))
			vc_error(v, AG_D_MISSING_KEY, vc_val_span(v, n), "count needs no column; sum, avg, min and max do",
				"a STAT-CARD with metric \"%s\" needs a \"column\"", metrics[metric]);
		if (!vc_get(n, "label") && metric >= 0) {
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(out, "column");
			cJSON_AddStringToObject(out, "label", metric == 0 || !c
				? ag_arena_printf(v->a, "Number of %s", table_title(v, t))
				: ag_arena_printf(v->a, "%s of %s", vc_humanize(v->a, metrics[metric]), c->valuestring));
		}
	}
	if (strcmp(type, "CHAT") == 0 && !vc_get(n, "timeColumn"))
		cJSON_AddStringToObject(out, "timeColumn", "created_at");
	check_actions(u, vc_get(n, "actions"), out);
	return out;
}

static cJSON *check_blocks(uictx *u, const cJSON *n)
{
	cJSON *arr = cJSON_CreateArray();

	if (!n || !vc_array(u->v, n, "blocks", false))
		return arr;
	for (const cJSON *b = n->child; b; b = b->next) {
		cJSON *o = check_block(u, b);
		if (o)
			cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static bool route_ok(const char *r)
{
	if (r[0] != '/')
		return false;
	if (r[1] == '\0')
		return true;
	for (const char *p = r + 1;;) {
		const char *seg = p;
		if (*p == ':')
			p++;
		while (*p && *p != '/') {
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			      strchr("-._~", *p)))
				return false;
			p++;
		}
		if (p == seg || (seg[0] == ':' && p == seg + 1))
			return false;
		if (!*p)
			return true;
		p++;
		if (!*p)
			return false; /* trailing slash */
	}
}

/* Collect the ids of pages or modals (first pass), reporting duplicates. */
static void collect_ids(uictx *u, const cJSON *list, const char ***out, size_t *n, const char *what)
{
	vctx *v = u->v;

	*n = 0;
	*out = ag_arena_calloc(v->a, (size_t)cJSON_GetArraySize(list) + 1, sizeof(char *));
	for (const cJSON *p = list->child; p && *out; p = p->next) {
		const cJSON *m = vc_get(p, "id");
		const char *s = cJSON_IsString(m) ? m->valuestring : NULL;
		if (!s)
			continue;
		if (!vc_is_page_id(s))
			vc_error(v, AG_D_BAD_IDENT, vc_val_span(v, m),
				"ids are lowercase letters, digits, '_' and '-', starting with a letter",
				"\"%s\" is not a valid %s id", s, what);
		/* registered even when invalid, so references to it do not cascade */
		if (in_list(s, *out, *n)) {
			vc_error(v, AG_D_DUPLICATE_NAME, vc_val_span(v, m), NULL, "%s id \"%s\" is used twice", what, s);
			continue;
		}
		(*out)[(*n)++] = s;
	}
}

static void default_pages(vctx *v, cJSON *ui)
{
	cJSON *pages = cJSON_AddArrayToObject(ui, "pages");

	for (size_t i = 0; i < v->ir->n_tables; i++) {
		const ag_table *t = &v->ir->tables[i];
		cJSON *p, *layout, *blks, *b, *acts;
		char *route;

		if (!t->name || !t->n_columns)
			continue; /* the table itself is in error */
		p = cJSON_CreateObject();
		route = ag_arena_printf(v->a, "/%s", t->name);

		for (char *c = route; c && *c; c++)
			if (*c == '_')
				*c = '-';
		cJSON_AddStringToObject(p, "id", t->name);
		cJSON_AddStringToObject(p, "route", route);
		cJSON_AddStringToObject(p, "title", table_title(v, t));
		layout = cJSON_AddObjectToObject(p, "layout");
		cJSON_AddStringToObject(layout, "type", "single");
		cJSON_AddObjectToObject(layout, "config");
		blks = cJSON_AddArrayToObject(p, "blocks");
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "TABLE");
		cJSON_AddStringToObject(b, "title", table_title(v, t));
		cJSON_AddStringToObject(b, "table", t->name);
		cJSON_AddItemToObject(b, "columns", default_columns(t, false));
		cJSON_AddNumberToObject(b, "pageSize", 10);
		cJSON_AddArrayToObject(b, "filters");
		cJSON *sort = cJSON_AddObjectToObject(b, "sort");
		cJSON_AddStringToObject(sort, "column", "created_at");
		cJSON_AddStringToObject(sort, "order", "desc");
		acts = cJSON_AddArrayToObject(b, "actions");
		static const char *const kinds[][2] = { { "New", "create" }, { "Edit", "edit" }, { "Delete", "delete" } };
		for (size_t k = 0; k < 3; k++) {
			cJSON *a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "label", kinds[k][0]);
			cJSON_AddStringToObject(a, "type", kinds[k][1]);
			cJSON_AddItemToArray(acts, a);
		}
		cJSON_AddItemToArray(blks, b);
		cJSON_AddItemToArray(pages, p);
	}
}

void ag_pass_ui(vctx *v, const cJSON *ui)
{
	static const char *const keys[] = { "navigation", "pages", "modals", NULL };
	static const char *const page_keys[] = { "*id", "*route", "*title", "icon", "*layout", "*blocks", NULL };
	static const char *const modal_keys[] = { "*id", "*title", "size", "*blocks", NULL };
	static const char *const nav_keys[] = { "*label", "*page", "icon", NULL };
	uictx u = { v, NULL, 0, NULL, 0 };
	const cJSON *pages = NULL, *modals = NULL, *nav = NULL;
	cJSON *out = cJSON_CreateObject(), *opages, *omodals, *onav;
	const char **routes;
	size_t n_routes = 0;

	v->ir->ui = out;
	if (ui && vc_object(v, ui, "ui", keys)) {
		pages = vc_get(ui, "pages");
		modals = vc_get(ui, "modals");
		nav = vc_get(ui, "navigation");
	}
	if (pages && !vc_array(v, pages, "ui.pages", false))
		pages = NULL;
	if (modals && !vc_array(v, modals, "ui.modals", false))
		modals = NULL;
	if (nav && !vc_array(v, nav, "ui.navigation", false))
		nav = NULL;
	if (pages)
		collect_ids(&u, pages, &u.pages, &u.n_pages, "page");
	if (modals)
		collect_ids(&u, modals, &u.modals, &u.n_modals, "modal");

	onav = cJSON_AddArrayToObject(out, "navigation");
	if (!pages || !pages->child) {
		default_pages(v, out);
	} else {
		opages = cJSON_AddArrayToObject(out, "pages");
		routes = ag_arena_calloc(v->a, (size_t)cJSON_GetArraySize(pages) + 1, sizeof(char *));
		for (const cJSON *p = pages->child; p; p = p->next) {
			const cJSON *m;
			const char *id, *route, *title;
			cJSON *op, *layout;
			int lt = 0;

			if (!vc_object(v, p, "a page", page_keys))
				continue;
			id = vc_str(v, p, "id", "page id");
			title = vc_label(v, p, "title", "page title");
			route = NULL;
			if ((m = vc_get(p, "route")) && (route = vc_want_str(v, m, "route"))) {
				if (!route_ok(route)) {
					vc_error(v, AG_D_BAD_ROUTE, vc_val_span(v, m),
						"a route is \"/\" or \"/segment/...\" with letters, digits, '-', '_', '.', '~' or \":param\" segments",
						"\"%s\" is not a valid route", route);
					route = NULL;
				} else if (routes && in_list(route, routes, n_routes)) {
					vc_error(v, AG_D_DUPLICATE_NAME, vc_val_span(v, m), NULL, "route \"%s\" is used by two pages", route);
					route = NULL;
				} else if (routes) {
					routes[n_routes++] = route;
				}
			}
			op = cJSON_CreateObject();
			cJSON_AddStringToObject(op, "id", id ? id : "");
			cJSON_AddStringToObject(op, "route", route ? route : "");
			cJSON_AddStringToObject(op, "title", title ? title : "");
			if ((m = vc_get(p, "icon")) && vc_want_str(v, m, "icon"))
				cJSON_AddStringToObject(op, "icon", m->valuestring);
			layout = cJSON_AddObjectToObject(op, "layout");
			if ((m = vc_get(p, "layout")) && vc_object(v, m, "layout", (const char *const[]){ "*type", "config", NULL })) {
				const cJSON *cfg = vc_get(m, "config");
				lt = vc_enum(v, m, "type", layouts, 0, "layout type");
				cJSON_AddStringToObject(layout, "type", layouts[lt < 0 ? 0 : lt]);
				if (cfg && !cJSON_IsObject(cfg))
					vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, cfg), NULL, "layout config must be an object, not %s",
						vc_kind(cfg));
				cJSON_AddItemToObject(layout, "config", cfg && cJSON_IsObject(cfg)
					? cJSON_Duplicate(cfg, true) : cJSON_CreateObject());
			} else {
				cJSON_AddStringToObject(layout, "type", "single");
				cJSON_AddObjectToObject(layout, "config");
			}
			cJSON_AddItemToObject(op, "blocks", check_blocks(&u, vc_get(p, "blocks")));
			cJSON_AddItemToArray(opages, op);
		}
	}
	omodals = cJSON_AddArrayToObject(out, "modals");
	for (const cJSON *p = modals ? modals->child : NULL; p; p = p->next) {
		const char *id, *title;
		int size;
		cJSON *om;

		if (!vc_object(v, p, "a modal", modal_keys))
			continue;
		id = vc_str(v, p, "id", "modal id");
		title = vc_label(v, p, "title", "modal title");
		size = vc_enum(v, p, "size", sizes, 1, "modal size");
		om = cJSON_CreateObject();
		cJSON_AddStringToObject(om, "id", id ? id : "");
		cJSON_AddStringToObject(om, "title", title ? title : "");
		cJSON_AddStringToObject(om, "size", sizes[size < 0 ? 1 : size]);
		cJSON_AddItemToObject(om, "blocks", check_blocks(&u, vc_get(p, "blocks")));
		cJSON_AddItemToArray(omodals, om);
	}
	if (nav) {
		for (const cJSON *n = nav->child; n; n = n->next) {
			const cJSON *m;
			const char *label, *page = NULL;
			cJSON *on;

			if (!vc_object(v, n, "a navigation item", nav_keys))
				continue;
			label = vc_label(v, n, "label", "navigation label");
			if ((m = vc_get(n, "page")) && (page = vc_want_str(v, m, "page")) &&
			    !in_list(page, u.pages, u.n_pages)) {
				vc_error(v, AG_D_UNKNOWN_PAGE, vc_val_span(v, m),
					u.n_pages ? vc_suggest(v, page, u.pages, u.n_pages) : "declare the page in ui.pages",
					"navigation names page \"%s\", which does not exist", page);
				page = NULL;
			}
			if (!label || !page)
				continue;
			on = cJSON_CreateObject();
			cJSON_AddStringToObject(on, "label", label);
			cJSON_AddStringToObject(on, "page", page);
			if ((m = vc_get(n, "icon")) && vc_want_str(v, m, "icon"))
				cJSON_AddStringToObject(on, "icon", m->valuestring);
			cJSON_AddItemToArray(onav, on);
		}
	} else {
		/* No navigation given: one entry per page, in page order. */
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(out, "pages");
		for (const cJSON *p = ps ? ps->child : NULL; p; p = p->next) {
			const cJSON *title = cJSON_GetObjectItemCaseSensitive(p, "title");
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "id");
			cJSON *on;
			if (!cJSON_IsString(title) || !cJSON_IsString(id))
				continue;
			on = cJSON_CreateObject();
			cJSON_AddStringToObject(on, "label", title->valuestring);
			cJSON_AddStringToObject(on, "page", id->valuestring);
			cJSON_AddItemToArray(onav, on);
		}
	}
}
