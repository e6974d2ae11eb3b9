/* validate.c - a BlueprintV2 document -> checked, normalized ag_ir. */
#include "passes.h"

static void check_app(vctx *v, const cJSON *app)
{
	static const char *const keys[] = { "*name", "*slug", "description", "status", "theme", NULL };
	static const char *const statuses[] = { "running", "stopped", NULL };
	static const char *const modes[] = { "light", "dark", NULL };
	ag_ir *ir = v->ir;
	const cJSON *m, *theme;
	const char *s;
	size_t len;

	ir->primary_color = "#1677ff";
	ir->theme_mode = "light";
	ir->description = "";
	if (!vc_object(v, app, "app", keys))
		return;
	ir->name = vc_label(v, app, "name", "app name");
	if ((m = vc_get(app, "slug")) && (ir->slug = vc_want_str(v, m, "slug"))) {
		ir->slug_span = vc_val_span(v, m);
		const char *line = ag_json_line(v->doc, ir->slug_span.line, &len);
		ir->slug_source = line ? ag_arena_strndup(v->a, line, len) : NULL;
		if (!vc_is_slug(ir->slug))
			vc_error(v, AG_D_BAD_SLUG, ir->slug_span,
				"a slug is 2-31 lowercase letters, digits and '-', starting with a letter, e.g. \"acme-crm\"",
				"\"%s\" is not a valid slug", ir->slug);
	}
	if ((m = vc_get(app, "description")) && (s = vc_want_str(v, m, "description")))
		ir->description = s;
	ir->stopped = vc_enum(v, app, "status", statuses, 0, "app status") == 1;
	if ((theme = vc_get(app, "theme")) &&
	    vc_object(v, theme, "app.theme", (const char *const[]){ "primaryColor", "mode", NULL })) {
		const char *c;
		int mode;
		if ((m = vc_get(theme, "primaryColor")) && (c = vc_want_str(v, m, "primaryColor"))) {
			bool ok = strlen(c) == 7 && c[0] == '#';
			for (size_t i = 1; ok && i < 7; i++)
				ok = strchr("0123456789abcdefABCDEF", c[i]) != NULL;
			if (!ok)
				vc_error(v, AG_D_BAD_COLOR, vc_val_span(v, m), "write a color as #rrggbb, e.g. \"#1677ff\"",
					"\"%s\" is not a #rrggbb color", c);
			else {
				char *lc = ag_arena_strdup(v->a, c);
				for (char *p = lc; p && *p; p++)
					if (*p >= 'A' && *p <= 'F')
						*p = (char)(*p - 'A' + 'a');
				ir->primary_color = lc;
			}
		}
		if ((mode = vc_enum(v, theme, "mode", modes, 0, "theme mode")) >= 0)
			ir->theme_mode = modes[mode];
	}
}

static void check_migrations(vctx *v, const cJSON *m)
{
	const cJSON *ad;
	size_t n = 0;

	if (!vc_object(v, m, "migrations", (const char *const[]){ "allowDestructive", NULL }))
		return;
	if (!(ad = vc_get(m, "allowDestructive")) || !vc_array(v, ad, "allowDestructive", false))
		return;
	v->ir->allow_destructive = ag_arena_calloc(v->a, (size_t)cJSON_GetArraySize(ad) + 1, sizeof(char *));
	for (const cJSON *e = ad->child; e && v->ir->allow_destructive; e = e->next) {
		const char *s = vc_want_str(v, e, "an allowDestructive entry");
		if (s && !*s)
			vc_error(v, AG_D_BAD_VALUE, vc_val_span(v, e), "name the step, e.g. \"drop column deals.notes\"",
				"an allowDestructive entry must not be empty");
		else if (s)
			v->ir->allow_destructive[n++] = s;
	}
	v->ir->n_allow_destructive = n;
}

/* Warn about tables no role can see: they exist only in the database. */
static void check_reachable(vctx *v, const cJSON *tables)
{
	const ag_ir *ir = v->ir;
	const cJSON *tn = tables ? tables->child : NULL;

	if (!ir->auth_enabled || !ir->perms)
		return;
	for (size_t t = 0; t < ir->n_tables && tn; t++, tn = tn->next) {
		bool seen = false;
		for (size_t r = 0; r < ir->n_roles; r++)
			seen |= (ir->perms[r * ir->n_tables + t] & (AG_ACT_LIST | AG_ACT_READ)) != 0;
		if (!seen)
			vc_warning(v, AG_D_UNUSED_TABLE, vc_val_span(v, vc_get(tn, "name")),
				ag_arena_printf(v->a, "give a role \"list\" or \"read\" on \"%s\" in security.permissions",
					ir->tables[t].name),
				"no role can read table \"%s\"", ir->tables[t].name);
	}
}

int ag_validate(ag_ir **out, const ag_json *doc, ag_diags *diags)
{
	static const char *const keys[] = { "$schema", "*version", "*app", "*data", "security", "ui",
		"migrations", NULL };
	const cJSON *root = ag_json_root(doc), *m, *data;
	ag_ir *ir;
	vctx v;

	*out = NULL;
	if (!(ir = calloc(1, sizeof(*ir))))
		return ag_error_set(AG_ENOMEM, "out of memory");
	ag_arena_init(&ir->arena);
	v.doc = doc;
	v.d = diags;
	v.ir = ir;
	v.a = &ir->arena;
	v.errors0 = diags->errors;
	ir->file = ag_arena_strdup(v.a, ag_json_file(doc));
	ir->version = 1;

	if (!cJSON_IsObject(root) || (!vc_get(root, "app") && !vc_get(root, "data"))) {
		bool spec = vc_get(root, "entities") || vc_get(root, "project_name");
		vc_error(&v, AG_D_NOT_BLUEPRINT, vc_val_span(&v, root),
			spec ? "this looks like a backend spec: add \"spec_version\": \"1.0\""
			     : "a blueprint is a JSON object {\"version\": 2, \"app\": {...}, \"data\": {...}}",
			"this file is neither a BlueprintV2 nor a backend spec");
		goto done;
	}
	if (!vc_object(&v, root, "a blueprint", keys))
		goto done;
	if ((m = vc_get(root, "$schema")))
		vc_want_str(&v, m, "$schema");
	if ((m = vc_get(root, "version"))) {
		if (!cJSON_IsNumber(m))
			vc_error(&v, AG_D_WRONG_TYPE, vc_val_span(&v, m), "write \"version\": 2",
				"version must be the number 2, not %s", vc_kind(m));
		else if (m->valuedouble != 2)
			vc_error(&v, AG_D_BAD_VERSION, vc_val_span(&v, m),
				"this appgen reads BlueprintV2 (\"version\": 2) and backend specs (\"spec_version\": \"1.0\")",
				"unsupported blueprint version %g", m->valuedouble);
	}
	if ((m = vc_get(root, "app")))
		check_app(&v, m);
	if ((data = vc_get(root, "data")) &&
	    vc_object(&v, data, "data", (const char *const[]){ "*tables", "relationships", NULL })) {
		if ((m = vc_get(data, "tables"))) {
			ir->tables_span = vc_key_span(&v, m);
			ag_pass_tables(&v, m);
		}
		ag_pass_relationships(&v, vc_get(data, "relationships"));
	}
	ag_pass_security(&v, vc_get(root, "security"));
	ag_pass_ui(&v, vc_get(root, "ui"));
	if ((m = vc_get(root, "migrations")))
		check_migrations(&v, m);
	if (diags->errors == v.errors0)
		check_reachable(&v, vc_get(data, "tables"));
done:
	if (ir->arena.oom || diags->oom) {
		ag_ir_free(ir);
		return ag_error_set(AG_ENOMEM, "out of memory");
	}
	if (diags->errors > v.errors0 || !ir->slug || !ir->name) {
		ag_ir_free(ir);
		return AG_EINVALID;
	}
	ag_pass_normalize(&v);
	if (ir->arena.oom) {
		ag_ir_free(ir);
		return ag_error_set(AG_ENOMEM, "out of memory");
	}
	*out = ir;
	return 0;
}
