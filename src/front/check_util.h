/*
 * check_util.h - shared machinery of the validator's passes (private to
 * src/front/): the context, located errors, object-shape checks, typed
 * member access and the name rules.
 */
#ifndef AG_CHECK_UTIL_H
#define AG_CHECK_UTIL_H

#include "appgen/front.h"

typedef struct vctx {
	const ag_json *doc;
	ag_diags *d;
	ag_ir *ir;
	ag_arena *a;
	size_t errors0; /* d->errors when validation started */
} vctx;

/* Where to point at a member: its key if it has one, else its value. */
ag_span vc_key_span(const vctx *v, const cJSON *n);
ag_span vc_val_span(const vctx *v, const cJSON *n);

void vc_error(vctx *v, ag_diag_code code, ag_span span, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void vc_warning(vctx *v, ag_diag_code code, ag_span span, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* "an object", "a string", ... for messages. */
const char *vc_kind(const cJSON *n);

/*
 * Check that `n` is an object whose keys are among `keys` (a NULL-ended
 * list; a leading '*' marks a required key). Reports the wrong type,
 * unknown keys (with "did you mean") and missing required keys. Returns
 * true when `n` is an object (even if some keys were wrong), so callers
 * keep checking what is there.
 */
bool vc_object(vctx *v, const cJSON *n, const char *what, const char *const *keys);
/* `n` must be an array; false (after a diagnostic) if not. */
bool vc_array(vctx *v, const cJSON *n, const char *what, bool nonempty);

const cJSON *vc_get(const cJSON *obj, const char *key);
/* A string member, or NULL when absent or not a string (reported). */
const char *vc_str(vctx *v, const cJSON *obj, const char *key, const char *what);
/* A string member shown to people (name, label, title): must not be empty. */
const char *vc_label(vctx *v, const cJSON *obj, const char *key, const char *what);
/* A boolean member, `def` when absent or not a boolean (reported). */
bool vc_bool(vctx *v, const cJSON *obj, const char *key, bool def, const char *what);
/* `n` must be a string: returns an arena copy, or reports and returns NULL. */
const char *vc_want_str(vctx *v, const cJSON *n, const char *what);
/* A string member that must be one of `allowed` (NULL-ended); returns the
 * index or `def` when absent, -1 when wrong (reported). */
int vc_enum(vctx *v, const cJSON *obj, const char *key, const char *const *allowed, int def,
	const char *what);

bool vc_is_ident(const char *s);
bool vc_is_slug(const char *s);
bool vc_is_role(const char *s);
bool vc_is_page_id(const char *s);
/* Checks a string node against the identifier rule (E105), with a
 * suggested spelling. Returns the string (even when wrong) or NULL. */
const char *vc_ident(vctx *v, const cJSON *n, const char *what);

/* "did you mean" hint text from candidates, into the arena (or NULL). */
const char *vc_suggest(vctx *v, const char *word, const char *const *cand, size_t n);

/* Validity of literal strings of the date-ish and uuid types. */
bool vc_is_uuid(const char *s);
bool vc_is_date(const char *s);
bool vc_is_timestamp(const char *s);

/* Canonical JSON text of a scalar node, in the arena. */
const char *vc_json_text(vctx *v, const cJSON *n);



/* "order_items" -> "Order items" (labels default to this), in the arena. */
const char *vc_humanize(ag_arena *a, const char *name);
#endif
