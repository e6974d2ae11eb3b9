/*
 * spec1.c - the backend-spec dialect ("spec_version": "1.0", seed 001) as
 * a BlueprintV2 tree. Every node built here carries the span of the spec
 * node it came from, so validating the result reports into the original.
 */
#include "check_util.h"

typedef struct conv {
	vctx v;       /* checks run against the spec document */
	ag_json *dst; /* the BlueprintV2 document being built */
	ag_arena arena;
} conv;

/* Attach `node` (a new v2 node) to `parent` under `key`, spanned like `from`. */
static cJSON *put(conv *c, cJSON *parent, const char *key, cJSON *node, const cJSON *from)
{
	if (!node)
		return NULL;
	if (from)
		ag_json_set_loc(c->dst, node, ag_json_loc_of(c->v.doc, from));
	if (cJSON_IsArray(parent))
		cJSON_AddItemToArray(parent, node);
	else
		cJSON_AddItemToObject(parent, key, node);
	return node;
}

static const struct { const char *spec, *v2; } types[] = {
	{ "string", "text" }, { "text", "text" }, { "integer", "int" }, { "float", "float" },
	{ "boolean", "bool" }, { "datetime", "timestamptz" }, { "uuid", "uuid" },
};

static void convert_field(conv *c, const cJSON *f, cJSON *cols, const char *table)
{
	static const char *const keys[] = { "*name", "*type", "primary_key", "nullable", "unique", NULL };
	static const char *const whitelist[] = { "string", "integer", "float", "boolean", "datetime", "uuid",
		"text", NULL };
	vctx *v = &c->v;
	const cJSON *name, *type;
	const char *tn, *v2type = NULL, *fname;
	bool pk;

	if (!vc_object(v, f, "a field", keys))
		return;
	name = vc_get(f, "name");
	type = vc_get(f, "type");
	fname = name ? vc_want_str(v, name, "field name") : NULL;
	tn = type ? vc_want_str(v, type, "field type") : NULL;
	pk = vc_bool(v, f, "primary_key", false, "primary_key");
	if (tn) {
		for (size_t i = 0; i < AG_ARRAY_SIZE(types); i++)
			if (strcmp(types[i].spec, tn) == 0)
				v2type = types[i].v2;
		if (!v2type) {
			static const char *const alias[][2] = { { "int", "integer" }, { "bool", "boolean" },
				{ "str", "string" }, { "varchar", "string" }, { "timestamp", "datetime" },
				{ "date", "datetime" }, { "double", "float" }, { "number", "float" } };
			const char *hint = vc_suggest(v, tn, whitelist, 7);
			for (size_t i = 0; i < AG_ARRAY_SIZE(alias); i++)
				if (strcmp(tn, alias[i][0]) == 0)
					hint = ag_arena_printf(v->a, "did you mean \"%s\"?", alias[i][1]);
			vc_error(v, AG_D_SPEC1_TYPE, vc_val_span(v, type),
				hint ? hint : "field types: string, integer, float, boolean, datetime, uuid, text",
				"field type \"%s\" is not allowed in a backend spec", tn);
		}
	}
	if (!fname || !v2type)
		return;
	/* The system columns every table gets anyway are dropped when their
	 * spec declaration agrees with them. */
	if (strcmp(fname, "id") == 0) {
		if (strcmp(v2type, "uuid"))
			vc_error(v, AG_D_SPEC1_PRIMARY, vc_val_span(v, type),
				"appgen keys every table by a uuid \"id\"; declare it as uuid or leave it out",
				"field \"id\" of \"%s\" must be a uuid", table);
		return;
	}
	if (pk) {
		vc_error(v, AG_D_SPEC1_PRIMARY, vc_key_span(v, vc_get(f, "primary_key")),
			"tables are keyed by a uuid \"id\"; mark this field unique instead",
			"only \"id\" can be the primary key, not \"%s\"", fname);
		return;
	}
	if ((strcmp(fname, "created_at") == 0 || strcmp(fname, "updated_at") == 0) &&
	    strcmp(v2type, "timestamptz") == 0)
		return;
	if (strcmp(fname, "created_by") == 0 && strcmp(v2type, "uuid") == 0)
		return;

	cJSON *col = put(c, cols, NULL, cJSON_CreateObject(), f);
	put(c, col, "name", cJSON_CreateString(fname), name);
	put(c, col, "type", cJSON_CreateString(v2type), type);
	if (!vc_bool(v, f, "nullable", true, "nullable"))
		put(c, col, "required", cJSON_CreateTrue(), vc_get(f, "nullable"));
	if (vc_bool(v, f, "unique", false, "unique"))
		put(c, col, "unique", cJSON_CreateTrue(), vc_get(f, "unique"));
}

static const char *lower(ag_arena *a, const char *s)
{
	char *l = ag_arena_strdup(a, s);
	for (char *p = l; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return l;
}

int ag_spec1_convert(ag_json **out, const ag_json *spec, ag_diags *diags)
{
	static const char *const keys[] = { "*spec_version", "*project_name", "description", "database",
		"auth", "*entities", NULL };
	conv c;
	const cJSON *root = ag_json_root(spec), *m, *ents, *auth;
	cJSON *v2, *app, *data, *tables, *sec, *jauth, *perms = NULL;
	bool auth_on = true;
	size_t errors0 = diags->errors;
	int error = 0;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	ag_arena_init(&c.arena);
	c.v.doc = spec;
	c.v.d = diags;
	c.v.a = &c.arena;
	c.v.errors0 = errors0;
	if ((error = ag_json_derive(&c.dst, spec)) < 0)
		goto done;
	v2 = cJSON_CreateObject();
	ag_json_set_root(c.dst, v2);
	ag_json_set_loc(c.dst, v2, ag_json_loc_of(spec, root));
	if (!vc_object(&c.v, root, "a backend spec", keys))
		goto done;
	if ((m = vc_get(root, "spec_version"))) {
		const char *sv = vc_want_str(&c.v, m, "spec_version");
		if (sv && strcmp(sv, "1.0"))
			vc_error(&c.v, AG_D_BAD_VERSION, vc_val_span(&c.v, m), "appgen reads backend specs of version \"1.0\"",
				"unsupported spec_version \"%s\"", sv);
	}
	put(&c, v2, "version", cJSON_CreateNumber(2), m);
	app = put(&c, v2, "app", cJSON_CreateObject(), root);
	if ((m = vc_get(root, "project_name"))) {
		const char *pn = vc_want_str(&c.v, m, "project_name");
		if (pn) {
			char *slug = ag_arena_strdup(&c.arena, pn);
			for (char *p = slug; p && *p; p++)
				if (*p == '_')
					*p = '-';
			put(&c, app, "name", cJSON_CreateString(pn), m);
			put(&c, app, "slug", cJSON_CreateString(slug ? slug : ""), m);
		}
	}
	if ((m = vc_get(root, "description")) && vc_want_str(&c.v, m, "description"))
		put(&c, app, "description", cJSON_CreateString(m->valuestring), m);
	if ((m = vc_get(root, "database")) &&
	    vc_object(&c.v, m, "database", (const char *const[]){ "type", "version", NULL })) {
		const cJSON *t = vc_get(m, "type");
		const char *s = t ? vc_want_str(&c.v, t, "database type") : NULL;
		if (s && strcmp(s, "postgres"))
			vc_error(&c.v, AG_D_SPEC1_VALUE, vc_val_span(&c.v, t), "appgen generates PostgreSQL apps",
				"database type \"%s\" is not supported", s);
	}
	sec = put(&c, v2, "security", cJSON_CreateObject(), vc_get(root, "auth") ? vc_get(root, "auth") : root);
	jauth = put(&c, sec, "auth", cJSON_CreateObject(), vc_get(root, "auth"));
	if ((auth = vc_get(root, "auth")) &&
	    vc_object(&c.v, auth, "auth", (const char *const[]){ "enabled", "type", "access_token_expiry_minutes", NULL })) {
		const cJSON *t = vc_get(auth, "type");
		const char *s = t ? vc_want_str(&c.v, t, "auth type") : NULL;
		if (s && strcmp(s, "jwt"))
			vc_error(&c.v, AG_D_SPEC1_VALUE, vc_val_span(&c.v, t), "appgen apps authenticate with JWT",
				"auth type \"%s\" is not supported", s);
		auth_on = vc_bool(&c.v, auth, "enabled", true, "enabled");
		if ((m = vc_get(auth, "access_token_expiry_minutes")))
			put(&c, jauth, "accessTokenExpiryMinutes", cJSON_Duplicate(m, true), m);
	}
	put(&c, jauth, "enabled", cJSON_CreateBool(auth_on), auth ? vc_get(auth, "enabled") : NULL);
	if (auth_on) {
		cJSON *roles = put(&c, sec, "roles", cJSON_CreateArray(), auth ? auth : root);
		put(&c, roles, NULL, cJSON_CreateString("Admin"), auth ? auth : root);
		put(&c, roles, NULL, cJSON_CreateString("User"), auth ? auth : root);
		perms = put(&c, sec, "permissions", cJSON_CreateArray(), root);
	}

	data = put(&c, v2, "data", cJSON_CreateObject(), root);
	ents = vc_get(root, "entities");
	tables = put(&c, data, "tables", cJSON_CreateArray(), ents ? ents : root);
	if (!ents || !vc_array(&c.v, ents, "entities", true))
		goto done;
	for (const cJSON *e = ents->child; e; e = e->next) {
		static const char *const ekeys[] = { "*name", "table_name", "*fields", "crud", NULL };
		const cJSON *name, *tname, *fields;
		const char *ename, *table;
		cJSON *t, *cols;

		if (!vc_object(&c.v, e, "an entity", ekeys))
			continue;
		name = vc_get(e, "name");
		tname = vc_get(e, "table_name");
		ename = name ? vc_want_str(&c.v, name, "entity name") : NULL;
		table = tname ? vc_want_str(&c.v, tname, "table_name") : ename ? lower(&c.arena, ename) : NULL;
		if (!table)
			continue;
		t = put(&c, tables, NULL, cJSON_CreateObject(), e);
		put(&c, t, "name", cJSON_CreateString(table), tname ? tname : name);
		if (ename)
			put(&c, t, "label", cJSON_CreateString(ename), name);
		fields = vc_get(e, "fields");
		cols = put(&c, t, "columns", cJSON_CreateArray(), fields ? fields : e);
		if (fields && vc_array(&c.v, fields, "fields", true))
			for (const cJSON *f = fields->child; f; f = f->next)
				convert_field(&c, f, cols, table);
		/* A repeated table name is reported by the validator; giving it
		 * permissions again would only add a second, derived error. */
		bool repeated = false;
		for (const cJSON *prev = ents->child; prev != e; prev = prev->next) {
			const cJSON *pt = vc_get(prev, "table_name"), *pn = vc_get(prev, "name");
			const char *ptable = cJSON_IsString(pt) ? pt->valuestring : cJSON_IsString(pn) ? lower(&c.arena, pn->valuestring) : NULL;
			if (ptable && strcmp(ptable, table) == 0)
				repeated = true;
		}
		if (perms && !repeated && vc_bool(&c.v, e, "crud", true, "crud")) {
			static const char *const roles[] = { "Admin", "User" };
			const cJSON *at = vc_get(e, "crud") ? vc_get(e, "crud") : e;
			for (size_t r = 0; r < 2; r++) {
				cJSON *p = put(&c, perms, NULL, cJSON_CreateObject(), at);
				cJSON *acts;
				put(&c, p, "role", cJSON_CreateString(roles[r]), at);
				put(&c, p, "resource", cJSON_CreateString(table), tname ? tname : name);
				acts = put(&c, p, "actions", cJSON_CreateObject(), at);
				static const char *const names[] = { "list", "read", "create", "update", "delete" };
				for (size_t k = 0; k < 5; k++)
					put(&c, acts, names[k], cJSON_CreateTrue(), at);
			}
		}
	}
done:
	/* BlueprintV2 key order, whatever order the parts were built in. */
	if (c.dst) {
		static const char *const order[] = { "version", "app", "data", "security" };
		cJSON *root2 = ag_json_root(c.dst);
		for (size_t i = 0; root2 && i < AG_ARRAY_SIZE(order); i++) {
			cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(root2, order[i]);
			if (item) {
				cJSON_AddItemToArray(root2, item); /* keeps item->string */
			}
		}
	}
	ag_arena_dispose(&c.arena);
	if (error < 0 || diags->errors > errors0) {
		ag_json_free(c.dst);
		return error < 0 ? error : AG_EINVALID;
	}
	*out = c.dst;
	return 0;
}

bool ag_spec1_detect(const cJSON *root)
{
	return cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "spec_version") &&
		!cJSON_GetObjectItemCaseSensitive(root, "version");
}
