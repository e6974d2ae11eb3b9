/* check_util.c - the small tools every validator pass uses. */
#include "check_util.h"
#include <ctype.h>

ag_span vc_key_span(const vctx *v, const cJSON *n)
{
	const ag_json_loc *l = ag_json_loc_of(v->doc, n);
	return l->key.line ? l->key : l->value;
}

ag_span vc_val_span(const vctx *v, const cJSON *n)
{
	return ag_json_loc_of(v->doc, n)->value;
}

static void vc_report(vctx *v, ag_severity sev, ag_diag_code code, ag_span span, const char *hint,
	const char *fmt, va_list ap)
{
	ag_buf msg = AG_BUF_INIT;
	ag_buf_vprintf(&msg, fmt, ap);
	ag_json_diag(v->doc, v->d, sev, code, span, hint, "%s", msg.ptr);
	ag_buf_dispose(&msg);
}

void vc_error(vctx *v, ag_diag_code code, ag_span span, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vc_report(v, AG_SEV_ERROR, code, span, hint, fmt, ap);
	va_end(ap);
}

void vc_warning(vctx *v, ag_diag_code code, ag_span span, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vc_report(v, AG_SEV_WARNING, code, span, hint, fmt, ap);
	va_end(ap);
}

const char *vc_kind(const cJSON *n)
{
	if (cJSON_IsObject(n)) return "an object";
	if (cJSON_IsArray(n)) return "an array";
	if (cJSON_IsString(n)) return "a string";
	if (cJSON_IsNumber(n)) return "a number";
	if (cJSON_IsBool(n)) return "a boolean";
	if (cJSON_IsNull(n)) return "null";
	return "nothing";
}

const cJSON *vc_get(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

const char *vc_suggest(vctx *v, const char *word, const char *const *cand, size_t n)
{
	const char *pick = ag_did_you_mean(word, cand, n);
	return pick ? ag_arena_printf(v->a, "did you mean \"%s\"?", pick) : NULL;
}

bool vc_object(vctx *v, const cJSON *n, const char *what, const char *const *keys)
{
	const char *names[32];
	size_t nk = 0;

	if (!cJSON_IsObject(n)) {
		vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, n), NULL, "%s must be an object, not %s",
			what, vc_kind(n));
		return false;
	}
	for (; keys[nk] && nk < AG_ARRAY_SIZE(names); nk++)
		names[nk] = keys[nk][0] == '*' ? keys[nk] + 1 : keys[nk];
	for (const cJSON *m = n->child; m; m = m->next) {
		size_t i;
		for (i = 0; i < nk && strcmp(m->string, names[i]); i++)
			;
		if (i < nk)
			continue;
		const char *hint = vc_suggest(v, m->string, names, nk);
		if (!hint) {
			ag_buf list = AG_BUF_INIT;
			ag_buf_puts(&list, "allowed keys: ");
			for (i = 0; i < nk; i++)
				ag_buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
			hint = ag_arena_strdup(v->a, list.ptr);
			ag_buf_dispose(&list);
		}
		vc_error(v, AG_D_UNKNOWN_KEY, vc_key_span(v, m), hint, "unknown key \"%s\" in %s",
			m->string, what);
	}
	for (size_t i = 0; i < nk; i++) {
		if (keys[i][0] == '*' && !cJSON_GetObjectItemCaseSensitive(n, names[i]))
			vc_error(v, AG_D_MISSING_KEY, vc_val_span(v, n), NULL,
				"%s is missing the required key \"%s\"", what, names[i]);
	}
	return true;
}

bool vc_array(vctx *v, const cJSON *n, const char *what, bool nonempty)
{
	if (!cJSON_IsArray(n)) {
		vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, n), NULL, "%s must be an array, not %s",
			what, vc_kind(n));
		return false;
	}
	if (nonempty && !n->child) {
		vc_error(v, AG_D_EMPTY_LIST, vc_val_span(v, n), NULL, "%s must not be empty", what);
		return false;
	}
	return true;
}

const char *vc_want_str(vctx *v, const cJSON *n, const char *what)
{
	/* Copied: the IR outlives the document it was read from. */
	if (cJSON_IsString(n))
		return ag_arena_strdup(v->a, n->valuestring);
	vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, n), NULL, "%s must be a string, not %s", what,
		vc_kind(n));
	return NULL;
}

const char *vc_str(vctx *v, const cJSON *obj, const char *key, const char *what)
{
	const cJSON *n = vc_get(obj, key);
	return n ? vc_want_str(v, n, what) : NULL;
}

const char *vc_label(vctx *v, const cJSON *obj, const char *key, const char *what)
{
	const cJSON *n = vc_get(obj, key);
	const char *s = n ? vc_want_str(v, n, what) : NULL;

	if (s && !*s) {
		vc_error(v, AG_D_BAD_VALUE, vc_val_span(v, n), NULL, "the %s must not be empty", what);
		return NULL;
	}
	return s;
}

bool vc_bool(vctx *v, const cJSON *obj, const char *key, bool def, const char *what)
{
	const cJSON *n = vc_get(obj, key);

	if (!n)
		return def;
	if (cJSON_IsBool(n))
		return cJSON_IsTrue(n);
	vc_error(v, AG_D_WRONG_TYPE, vc_val_span(v, n), "write true or false", "%s must be a boolean, not %s",
		what, vc_kind(n));
	return def;
}

int vc_enum(vctx *v, const cJSON *obj, const char *key, const char *const *allowed, int def,
	const char *what)
{
	const cJSON *n = vc_get(obj, key);
	const char *s;
	size_t count = 0;
	ag_buf list = AG_BUF_INIT;
	const char *hint;

	if (!n)
		return def;
	if (!(s = vc_want_str(v, n, what)))
		return -1;
	for (; allowed[count]; count++)
		if (strcmp(s, allowed[count]) == 0)
			return (int)count;
	hint = vc_suggest(v, s, allowed, count);
	if (!hint) {
		ag_buf_puts(&list, "one of: ");
		for (size_t i = 0; i < count; i++)
			ag_buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
		hint = ag_arena_strdup(v->a, list.ptr);
	}
	vc_error(v, AG_D_BAD_VALUE, vc_val_span(v, n), hint, "\"%s\" is not a valid %s", s, what);
	ag_buf_dispose(&list);
	return -1;
}

static bool match_name(const char *s, bool (*first)(int), bool (*rest)(int), size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max || !first((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!rest((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static bool is_alpha(int c) { return is_lower(c) || (c >= 'A' && c <= 'Z'); }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool ident_rest(int c) { return is_lower(c) || is_digit(c) || c == '_'; }
static bool slug_rest(int c) { return is_lower(c) || is_digit(c) || c == '-'; }
static bool role_rest(int c) { return is_alpha(c) || is_digit(c) || c == '_'; }
static bool page_rest(int c) { return is_lower(c) || is_digit(c) || c == '_' || c == '-'; }

bool vc_is_ident(const char *s) { return match_name(s, is_lower, ident_rest, 2, 31); }
bool vc_is_slug(const char *s) { return match_name(s, is_lower, slug_rest, 2, 31); }
bool vc_is_role(const char *s) { return match_name(s, is_alpha, role_rest, 1, 31); }
bool vc_is_page_id(const char *s) { return match_name(s, is_lower, page_rest, 1, 63); }

const char *vc_ident(vctx *v, const cJSON *n, const char *what)
{
	const char *s = vc_want_str(v, n, what);
	ag_buf fix = AG_BUF_INIT;
	const char *hint;
	size_t len;

	if (!s || vc_is_ident(s))
		return s;
	/* Suggest the nearest legal spelling: lower case, '_' for the rest. */
	for (const char *p = s; *p; p++) {
		int c = (unsigned char)*p;
		if (c >= 'A' && c <= 'Z')
			ag_buf_putc(&fix, (char)(c - 'A' + 'a'));
		else if (ident_rest(c))
			ag_buf_putc(&fix, (char)c);
		else if (fix.len && fix.ptr[fix.len - 1] != '_')
			ag_buf_putc(&fix, '_');
	}
	if (fix.len && !is_lower((unsigned char)fix.ptr[0])) {
		ag_buf t = AG_BUF_INIT;
		ag_buf_printf(&t, "t_%s", fix.ptr);
		ag_buf_dispose(&fix);
		fix = t;
	}
	ag_buf_truncate(&fix, 31);
	len = strlen(s);
	bool ascii = true;
	for (const char *p = s; *p; p++)
		ascii &= (unsigned char)*p < 0x80;
	if (!ascii)
		hint = "names are ASCII: lowercase letters a-z, digits and '_'; put other characters in a \"label\"";
	else if (len > 31)
		hint = ag_arena_printf(v->a, "at most 31 characters (this one has %zu)", len);
	else if (len < 2)
		hint = "at least 2 characters: a lowercase letter, then letters, digits or '_'";
	else if (vc_is_ident(fix.ptr))
		hint = ag_arena_printf(v->a, "names are lowercase letters, digits and '_', starting with a letter; try \"%s\"", fix.ptr);
	else
		hint = "names are lowercase letters, digits and '_', starting with a letter";
	vc_error(v, AG_D_BAD_IDENT, vc_val_span(v, n), hint, "\"%s\" is not a valid %s", s, what);
	ag_buf_dispose(&fix);
	return s;
}

static bool hexn(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool vc_is_uuid(const char *s)
{
	return strlen(s) == 36 && hexn(s, 8) && s[8] == '-' && hexn(s + 9, 4) && s[13] == '-' &&
		hexn(s + 14, 4) && s[18] == '-' && hexn(s + 19, 4) && s[23] == '-' && hexn(s + 24, 12);
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool date_prefix(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	return true;
}

bool vc_is_date(const char *s)
{
	return strlen(s) == 10 && date_prefix(s);
}

/* YYYY-MM-DD[T ]HH:MM[:SS[.f+]](Z|+HH:MM|-HH:MM) */
bool vc_is_timestamp(const char *s)
{
	int h, mi, sec;
	const char *p;

	if (!date_prefix(s) || (s[10] != 'T' && s[10] != ' '))
		return false;
	p = s + 11;
	if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &mi) || h > 23 || mi > 59)
		return false;
	p += 5;
	if (*p == ':') {
		if (!digits(p + 1, 2, &sec) || sec > 60)
			return false;
		p += 3;
		if (*p == '.') {
			p++;
			if (!is_digit((unsigned char)*p))
				return false;
			while (is_digit((unsigned char)*p))
				p++;
		}
	}
	if (*p == 'Z')
		return p[1] == '\0';
	if (*p == '+' || *p == '-')
		return digits(p + 1, 2, &h) && p[3] == ':' && digits(p + 4, 2, &mi) && h <= 23 &&
			mi <= 59 && p[6] == '\0';
	return false;
}

const char *vc_json_text(vctx *v, const cJSON *n)
{
	ag_buf b = AG_BUF_INIT;
	const char *s;

	ag_json_write(&b, n);
	ag_buf_truncate(&b, b.len && b.ptr[b.len - 1] == '\n' ? b.len - 1 : b.len);
	s = ag_arena_strdup(v->a, b.ptr);
	ag_buf_dispose(&b);
	return s;
}

const char *vc_humanize(ag_arena *a, const char *name)
{
	char *s = ag_arena_strdup(a, name);

	for (char *p = s; p && *p; p++)
		if (*p == '_' || *p == '-')
			*p = ' ';
	if (s && s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
	return s;
}
