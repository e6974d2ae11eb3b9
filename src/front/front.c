/* front.c - the front end's entry points and the rules across files. */
#include "appgen/front.h"
#include "appgen/fs.h"
#include "appgen/hash.h"

int ag_front_load(ag_json **out, const char *file, const char *text, size_t len, ag_diags *diags)
{
	ag_json *doc = NULL, *v2 = NULL;
	int error;

	*out = NULL;
	if ((error = ag_json_parse(&doc, file, text, len, diags)) < 0)
		return error;
	if (!ag_spec1_detect(ag_json_root(doc))) {
		*out = doc;
		return 0;
	}
	error = ag_spec1_convert(&v2, doc, diags);
	ag_json_free(doc);
	*out = v2;
	return error;
}

int ag_front_compile(ag_ir **out, const char *file, const char *text, size_t len, ag_diags *diags)
{
	ag_json *doc = NULL;
	char blob[AG_HASH_HEXSZ + 1];
	int error;

	*out = NULL;
	if ((error = ag_front_load(&doc, file, text, len, diags)) < 0)
		return error;
	error = ag_validate(out, doc, diags);
	ag_json_free(doc);
	if (error < 0)
		return error;
	if ((error = ag_hash_hex(blob, text, len)) < 0 ||
	    !((*out)->blob = ag_arena_strdup(&(*out)->arena, blob))) {
		ag_ir_free(*out);
		*out = NULL;
		return error < 0 ? error : ag_error_set(AG_ENOMEM, "out of memory");
	}
	return 0;
}

static void repo_error(ag_diags *d, const ag_ir *ir, ag_diag_code code, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void repo_error(ag_diags *d, const ag_ir *ir, ag_diag_code code, const char *hint, const char *fmt, ...)
{
	const char *src = ir->slug_source;
	ag_buf msg = AG_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ag_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	ag_diags_add(d, AG_SEV_ERROR, code, ir->file, ir->slug_span, src, src ? strlen(src) : 0, hint, "%s", msg.ptr);
	ag_buf_dispose(&msg);
}

/* Is the file in a directory named "blueprints" (the repository layout)? */
static bool in_blueprints_dir(const char *path)
{
	const char *base = ag_fs_basename(path);
	size_t dirlen = (size_t)(base - path);

	if (dirlen == 0)
		return false;
	dirlen--; /* the '/' */
	return dirlen >= 10 && memcmp(path + dirlen - 10, "blueprints", 10) == 0 &&
		(dirlen == 10 || path[dirlen - 11] == '/');
}

void ag_front_check_repo(const ag_ir *const *apps, size_t n, ag_diags *diags)
{
	for (size_t i = 0; i < n; i++) {
		const ag_ir *a = apps[i];
		const char *base = ag_fs_basename(a->file);
		size_t sl = strlen(a->slug);

		for (size_t j = 0; j < i; j++) {
			if (strcmp(apps[j]->slug, a->slug) == 0) {
				repo_error(diags, a, AG_D_DUPLICATE_SLUG, "every app needs its own slug",
					"slug \"%s\" is already used by another blueprint", a->slug);
				break;
			}
			if (strcmp(apps[j]->db_schema, a->db_schema) == 0) {
				repo_error(diags, a, AG_D_SCHEMA_COLLISION, "choose a different slug",
					"this app's database schema \"%s\" is already used by another app", a->db_schema);
				break;
			}
		}
		if (in_blueprints_dir(a->file) &&
		    !(strncmp(base, a->slug, sl) == 0 && strcmp(base + sl, ".json") == 0)) {
			/* A backend spec may keep its project_name spelling. */
			bool spec_ok = false;
			if (strlen(base) == sl + 5 && strcmp(base + sl, ".json") == 0) {
				spec_ok = true;
				for (size_t k = 0; k < sl; k++)
					if (!(base[k] == a->slug[k] || (base[k] == '_' && a->slug[k] == '-')))
						spec_ok = false;
			}
			if (!spec_ok)
				repo_error(diags, a, AG_D_FILE_NAME, "rename the file, or change the slug to match it",
					"a blueprint for slug \"%s\" must be named \"%s.json\"", a->slug, a->slug);
		}
	}
}
