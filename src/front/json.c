/* json.c - a strict JSON reader that remembers where everything came from. */
#include "appgen/json.h"
#include <math.h>

typedef struct locent {
	const cJSON *node;
	ag_json_loc loc;
} locent;

struct ag_json {
	char *file;
	char *text; /* NUL-terminated copy */
	size_t len;
	size_t *lines; /* byte offset of each line start; lines[0] = line 1 */
	size_t nlines;
	cJSON *root;
	locent *map; /* open addressing on the node pointer */
	size_t map_n, map_cap;
};

/* ---- document ---------------------------------------------------------- */

static int doc_new(ag_json **out, const char *file, const char *text, size_t len)
{
	ag_json *doc = calloc(1, sizeof(*doc));
	size_t n = 1;

	if (!doc)
		return ag_error_set(AG_ENOMEM, "out of memory");
	doc->file = strdup(file);
	doc->text = malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	doc->lines = malloc(n * sizeof(size_t));
	if (!doc->file || !doc->text || !doc->lines) {
		ag_json_free(doc);
		return ag_error_set(AG_ENOMEM, "out of memory");
	}
	memcpy(doc->text, text, len);
	doc->text[len] = '\0';
	doc->len = len;
	doc->lines[0] = 0;
	doc->nlines = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			doc->lines[doc->nlines++] = i + 1;
	*out = doc;
	return 0;
}

void ag_json_free(ag_json *doc)
{
	if (!doc)
		return;
	cJSON_Delete(doc->root);
	free(doc->file);
	free(doc->text);
	free(doc->lines);
	free(doc->map);
	free(doc);
}

int ag_json_derive(ag_json **out, const ag_json *src)
{
	return doc_new(out, src->file, src->text, src->len);
}

cJSON *ag_json_root(const ag_json *doc) { return doc->root; }
const char *ag_json_file(const ag_json *doc) { return doc->file; }

void ag_json_set_root(ag_json *doc, cJSON *root)
{
	if (doc->root != root)
		cJSON_Delete(doc->root);
	doc->root = root;
}

const char *ag_json_text(const ag_json *doc, size_t *len)
{
	*len = doc->len;
	return doc->text;
}

const char *ag_json_line(const ag_json *doc, uint32_t line, size_t *len)
{
	size_t start, end;

	if (line == 0 || line > doc->nlines) {
		*len = 0;
		return NULL;
	}
	start = doc->lines[line - 1];
	end = line < doc->nlines ? doc->lines[line] - 1 : doc->len;
	/* Columns count from after a byte-order mark; so does the echo. */
	if (line == 1 && end >= 3 && memcmp(doc->text, "\xEF\xBB\xBF", 3) == 0)
		start = 3;
	if (end > start && doc->text[end - 1] == '\r')
		end--;
	*len = end - start;
	return doc->text + start;
}

static size_t ptr_hash(const cJSON *p)
{
	uintptr_t x = (uintptr_t)p;
	x ^= x >> 17;
	x *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(x ^ (x >> 29));
}

static int map_grow(ag_json *doc)
{
	size_t cap = doc->map_cap ? doc->map_cap * 2 : 256;
	locent *m = calloc(cap, sizeof(*m));

	if (!m)
		return ag_error_set(AG_ENOMEM, "out of memory");
	for (size_t i = 0; i < doc->map_cap; i++) {
		if (!doc->map[i].node)
			continue;
		size_t h = ptr_hash(doc->map[i].node) & (cap - 1);
		while (m[h].node)
			h = (h + 1) & (cap - 1);
		m[h] = doc->map[i];
	}
	free(doc->map);
	doc->map = m;
	doc->map_cap = cap;
	return 0;
}

int ag_json_set_loc(ag_json *doc, const cJSON *node, const ag_json_loc *loc)
{
	size_t h;

	if ((doc->map_n + 1) * 4 > doc->map_cap * 3 && map_grow(doc) < 0)
		return AG_ENOMEM;
	h = ptr_hash(node) & (doc->map_cap - 1);
	while (doc->map[h].node && doc->map[h].node != node)
		h = (h + 1) & (doc->map_cap - 1);
	if (!doc->map[h].node)
		doc->map_n++;
	doc->map[h].node = node;
	doc->map[h].loc = *loc;
	return 0;
}

const ag_json_loc *ag_json_loc_of(const ag_json *doc, const cJSON *node)
{
	static const ag_json_loc none;
	size_t h;

	if (!node || !doc->map_cap)
		return &none;
	h = ptr_hash(node) & (doc->map_cap - 1);
	while (doc->map[h].node) {
		if (doc->map[h].node == node)
			return &doc->map[h].loc;
		h = (h + 1) & (doc->map_cap - 1);
	}
	return &none;
}

void ag_json_diag(const ag_json *doc, ag_diags *d, ag_severity sev, ag_diag_code code,
	ag_span span, const char *hint, const char *fmt, ...)
{
	ag_buf msg = AG_BUF_INIT;
	const char *src;
	size_t srclen;
	va_list ap;

	va_start(ap, fmt);
	ag_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	src = ag_json_line(doc, span.line, &srclen);
	ag_diags_add(d, sev, code, doc->file, span, src, srclen, hint, "%s", msg.ptr);
	ag_buf_dispose(&msg);
}

bool ag_json_is_integer(const cJSON *node)
{
	double v;

	if (!cJSON_IsNumber(node))
		return false;
	v = node->valuedouble;
	return isfinite(v) && floor(v) == v;
}

/* ---- parser ------------------------------------------------------------ */

typedef struct cursor {
	size_t pos;
	uint32_t line, col;
} cursor;

typedef struct parser {
	ag_json *doc;
	ag_diags *diags;
	const unsigned char *s;
	size_t len;
	cursor c;
	int depth;
	bool failed;
	bool oom;
	ag_buf str; /* scratch for string contents */
} parser;

static void nomem(parser *p)
{
	p->failed = true;
	p->oom = true;
}

static void advance(parser *p)
{
	unsigned char ch = p->s[p->c.pos++];
	if (ch == '\n') {
		p->c.line++;
		p->c.col = 1;
	} else if ((ch & 0xC0) != 0x80) {
		p->c.col++;
	}
}

static ag_span span_at(cursor c, uint32_t len)
{
	ag_span s = { c.line, c.col, len ? len : 1 };
	return s;
}

static ag_span span_from(cursor start, cursor end)
{
	return span_at(start, end.line == start.line && end.col > start.col ? end.col - start.col : 1);
}

static void fail(parser *p, ag_diag_code code, ag_span span, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void fail(parser *p, ag_diag_code code, ag_span span, const char *hint, const char *fmt, ...)
{
	ag_buf msg = AG_BUF_INIT;
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	ag_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	ag_json_diag(p->doc, p->diags, AG_SEV_ERROR, code, span, hint, "%s", msg.ptr);
	ag_buf_dispose(&msg);
}

/* A printable description of the byte at the cursor, for messages. */
static void describe(ag_buf *b, parser *p)
{
	unsigned char ch;

	if (p->c.pos >= p->len) {
		ag_buf_puts(b, "end of file");
		return;
	}
	ch = p->s[p->c.pos];
	if (ch >= 0x21 && ch < 0x7F)
		ag_buf_printf(b, "'%c'", ch);
	else if (ch == ' ')
		ag_buf_puts(b, "a space");
	else if (ch == '\n' || ch == '\r')
		ag_buf_puts(b, "end of line");
	else if (ch == '\t')
		ag_buf_puts(b, "a tab");
	else if (ch >= 0x80)
		ag_buf_puts(b, "a non-ASCII character");
	else
		ag_buf_printf(b, "control character 0x%02X", ch);
}

static void unexpected(parser *p, const char *expected, const char *hint)
{
	ag_buf what = AG_BUF_INIT;
	const unsigned char *s = p->s + p->c.pos;
	size_t rest = p->len - p->c.pos;

	describe(&what, p);
	if (!hint && rest >= 2 && s[0] == '/' && (s[1] == '/' || s[1] == '*'))
		hint = "JSON has no comments; remove it";
	else if (!hint && rest && s[0] == '\'')
		hint = "JSON strings use double quotes";
	else if (!hint && rest && (s[0] == 'N' || s[0] == 'I' || s[0] == 'T' || s[0] == 'F'))
		hint = "JSON literals are lowercase: true, false, null; NaN and Infinity do not exist";
	fail(p, AG_D_JSON_SYNTAX, span_at(p->c, 1), hint, "expected %s, found %s", expected, what.ptr);
	ag_buf_dispose(&what);
}

static void skip_ws(parser *p)
{
	while (p->c.pos < p->len) {
		unsigned char ch = p->s[p->c.pos];
		if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
			break;
		advance(p);
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static bool read_hex4(parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->c.pos < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p->s[p->c.pos + (size_t)i]);
		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	for (int i = 0; i < 4; i++)
		advance(p);
	*out = v;
	return true;
}

static void put_utf8(ag_buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
	}
	ag_buf_put(b, u, n);
}

/* Reads a string at the cursor (which is on '"') into p->str. */
static bool parse_string(parser *p, cursor *start, cursor *end)
{
	*start = p->c;
	ag_buf_clear(&p->str);
	advance(p);
	for (;;) {
		unsigned char ch;
		if (p->c.pos >= p->len) {
			fail(p, AG_D_JSON_SYNTAX, span_at(*start, 1), "close it with '\"'",
				"unterminated string (opened at %u:%u)", start->line, start->col);
			return false;
		}
		ch = p->s[p->c.pos];
		if (ch == '"') {
			advance(p);
			break;
		}
		if (ch == '\n' || ch == '\r') {
			fail(p, AG_D_JSON_SYNTAX, span_at(*start, 1),
				"close it with '\"' on the same line; write \\n for a newline inside a string",
				"the string opened at %u:%u is not closed before the end of the line", start->line, start->col);
			return false;
		}
		if (ch < 0x20) {
			fail(p, AG_D_JSON_SYNTAX, span_at(p->c, 1), "escape control characters, e.g. \\t or \\u0001",
				"raw control character 0x%02X in a string", ch);
			return false;
		}
		if (ch != '\\') {
			ag_buf_putc(&p->str, (char)ch);
			advance(p);
			continue;
		}
		cursor esc = p->c;
		advance(p);
		if (p->c.pos >= p->len) {
			fail(p, AG_D_JSON_SYNTAX, span_at(esc, 1), NULL, "unterminated escape sequence");
			return false;
		}
		ch = p->s[p->c.pos];
		advance(p);
		switch (ch) {
		case '"': ag_buf_putc(&p->str, '"'); break;
		case '\\': ag_buf_putc(&p->str, '\\'); break;
		case '/': ag_buf_putc(&p->str, '/'); break;
		case 'b': ag_buf_putc(&p->str, '\b'); break;
		case 'f': ag_buf_putc(&p->str, '\f'); break;
		case 'n': ag_buf_putc(&p->str, '\n'); break;
		case 'r': ag_buf_putc(&p->str, '\r'); break;
		case 't': ag_buf_putc(&p->str, '\t'); break;
		case 'u': {
			unsigned cp, lo;
			if (!read_hex4(p, &cp)) {
				fail(p, AG_D_JSON_SYNTAX, span_at(esc, 2), "write \\u followed by four hex digits",
					"invalid \\u escape");
				return false;
			}
			if (cp >= 0xDC00 && cp <= 0xDFFF) {
				fail(p, AG_D_BAD_UTF8, span_at(esc, 6), NULL, "lone low surrogate \\u%04X", cp);
				return false;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (p->len - p->c.pos < 6 || p->s[p->c.pos] != '\\' || p->s[p->c.pos + 1] != 'u') {
					fail(p, AG_D_BAD_UTF8, span_at(esc, 6), "a high surrogate must be followed by a low one",
						"lone high surrogate \\u%04X", cp);
					return false;
				}
				advance(p);
				advance(p);
				if (!read_hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
					fail(p, AG_D_BAD_UTF8, span_at(esc, 12), NULL,
						"high surrogate \\u%04X is not followed by a low surrogate", cp);
					return false;
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			if (cp == 0) {
				fail(p, AG_D_BINARY, span_at(esc, 6), "remove the NUL character",
					"\\u0000 (NUL) is not allowed in strings");
				return false;
			}
			put_utf8(&p->str, cp);
			break;
		}
		default:
			fail(p, AG_D_JSON_SYNTAX, span_at(esc, 2),
				"valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
				"invalid escape sequence '\\%c'", ch >= 0x20 && ch < 0x7F ? ch : '?');
			return false;
		}
	}
	*end = p->c;
	if (ag_buf_oom(&p->str)) {
		nomem(p);
		return false;
	}
	return true;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static cJSON *parse_number(parser *p, ag_json_loc *loc)
{
	cursor start = p->c;
	const unsigned char *s = p->s;
	size_t i = p->c.pos;
	double v;
	cJSON *n;

	if (i < p->len && s[i] == '-') {
		i++;
		advance(p);
	}
	if (i >= p->len || !is_digit(s[i])) {
		unexpected(p, "a digit after '-'", NULL);
		return NULL;
	}
	if (s[i] == '0' && i + 1 < p->len && is_digit(s[i + 1])) {
		fail(p, AG_D_JSON_SYNTAX, span_at(start, 1), "write the number without leading zeros",
			"numbers cannot have leading zeros");
		return NULL;
	}
	while (i < p->len && is_digit(s[i]))
		i++;
	if (i < p->len && s[i] == '.') {
		i++;
		if (i >= p->len || !is_digit(s[i])) {
			while (p->c.pos < i)
				advance(p);
			unexpected(p, "a digit after the decimal point", NULL);
			return NULL;
		}
		while (i < p->len && is_digit(s[i]))
			i++;
	}
	if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < p->len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= p->len || !is_digit(s[i])) {
			while (p->c.pos < i)
				advance(p);
			unexpected(p, "a digit in the exponent", NULL);
			return NULL;
		}
		while (i < p->len && is_digit(s[i]))
			i++;
	}
	/* The text is NUL-terminated and the grammar above delimits it, so
	 * strtod reads exactly this token (the C locale is never changed). */
	v = strtod((const char *)s + start.pos, NULL);
	while (p->c.pos < i)
		advance(p);
	loc->value = span_from(start, p->c);
	if (!isfinite(v)) {
		fail(p, AG_D_OUT_OF_RANGE, loc->value, NULL, "number is too large");
		return NULL;
	}
	if (!(n = cJSON_CreateNumber(v)))
		nomem(p);
	return n;
}

static bool match_word(parser *p, const char *w)
{
	size_t n = strlen(w);
	return p->len - p->c.pos >= n && memcmp(p->s + p->c.pos, w, n) == 0;
}

static cJSON *parse_value(parser *p, ag_json_loc *loc);

typedef struct keyref {
	const char *key;
	size_t order;
	ag_span span;
} keyref;

static int keyref_cmp(const void *a, const void *b)
{
	const keyref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Duplicate keys are found after the object is read: sort (key, order)
 * and compare neighbours, which stays O(n log n) for hostile input. */
static void check_duplicates(parser *p, cJSON *obj, size_t count)
{
	keyref *keys;
	size_t i = 0;

	if (count < 2)
		return;
	if (!(keys = malloc(count * sizeof(*keys)))) {
		nomem(p);
		return;
	}
	for (cJSON *m = obj->child; m; m = m->next, i++) {
		keys[i].key = m->string;
		keys[i].order = i;
		keys[i].span = ag_json_loc_of(p->doc, m)->key;
	}
	qsort(keys, count, sizeof(*keys), keyref_cmp);
	for (i = 1; i < count; i++) {
		if (strcmp(keys[i].key, keys[i - 1].key) == 0) {
			ag_buf hint = AG_BUF_INIT;
			size_t first = i - 1;
			while (first > 0 && strcmp(keys[first - 1].key, keys[i].key) == 0)
				first--;
			ag_buf_printf(&hint, "first defined at %u:%u; keep one of them",
				keys[first].span.line, keys[first].span.col);
			fail(p, AG_D_DUPLICATE_KEY, keys[i].span, hint.ptr, "duplicate key \"%s\"", keys[i].key);
			ag_buf_dispose(&hint);
			break;
		}
	}
	free(keys);
}

static cJSON *parse_object(parser *p)
{
	cursor open = p->c;
	cJSON *obj = cJSON_CreateObject();
	size_t count = 0;

	if (!obj) {
		nomem(p);
		return NULL;
	}
	advance(p);
	skip_ws(p);
	if (p->c.pos < p->len && p->s[p->c.pos] == '}') {
		advance(p);
		return obj;
	}
	for (;;) {
		ag_json_loc loc = { { 0, 0, 0 }, { 0, 0, 0 } };
		cursor ks, ke;
		cJSON *v;
		char *key;

		skip_ws(p);
		if (p->c.pos >= p->len) {
			fail(p, AG_D_JSON_SYNTAX, span_at(open, 1), "close it with '}'",
				"unexpected end of file: object opened at %u:%u is not closed", open.line, open.col);
			goto fail;
		}
		if (p->s[p->c.pos] != '"') {
			bool closing = p->s[p->c.pos] == '}';
			bool comment = p->s[p->c.pos] == '/';
			unexpected(p, "a key in double quotes",
				closing && count ? "remove the trailing comma" :
				comment ? "JSON has no comments; remove it" :
				"object keys are strings in double quotes");
			goto fail;
		}
		if (!parse_string(p, &ks, &ke))
			goto fail;
		loc.key = span_from(ks, ke);
		if (!(key = strdup(p->str.ptr))) {
			nomem(p);
			goto fail;
		}
		skip_ws(p);
		if (p->c.pos >= p->len || p->s[p->c.pos] != ':') {
			free(key);
			unexpected(p, "':' after the key", NULL);
			goto fail;
		}
		advance(p);
		skip_ws(p);
		v = parse_value(p, &loc);
		if (!v) {
			free(key);
			goto fail;
		}
		/* cJSON takes the key without copying when told it is constant;
		 * we hand over our own allocation by setting it directly. */
		v->string = key;
		cJSON_AddItemToArray(obj, v);
		count++;
		if (ag_json_set_loc(p->doc, v, &loc) < 0) {
			nomem(p);
			goto fail;
		}
		skip_ws(p);
		if (p->c.pos < p->len && p->s[p->c.pos] == ',') {
			advance(p);
			continue;
		}
		if (p->c.pos < p->len && p->s[p->c.pos] == '}') {
			advance(p);
			break;
		}
		if (p->c.pos >= p->len) {
			fail(p, AG_D_JSON_SYNTAX, span_at(open, 1), "close it with '}'",
				"unexpected end of file: object opened at %u:%u is not closed", open.line, open.col);
			goto fail;
		}
		unexpected(p, "',' or '}' after an object member",
			p->s[p->c.pos] == '"' ? "members are separated by commas" : NULL);
		goto fail;
	}
	check_duplicates(p, obj, count);
	if (p->failed)
		goto fail;
	return obj;
fail:
	cJSON_Delete(obj);
	return NULL;
}

static cJSON *parse_array(parser *p)
{
	cursor open = p->c;
	cJSON *arr = cJSON_CreateArray();
	size_t count = 0;

	if (!arr) {
		nomem(p);
		return NULL;
	}
	advance(p);
	skip_ws(p);
	if (p->c.pos < p->len && p->s[p->c.pos] == ']') {
		advance(p);
		return arr;
	}
	for (;;) {
		ag_json_loc loc = { { 0, 0, 0 }, { 0, 0, 0 } };
		cJSON *v;

		skip_ws(p);
		if (p->c.pos >= p->len) {
			fail(p, AG_D_JSON_SYNTAX, span_at(open, 1), "close it with ']'",
				"unexpected end of file: array opened at %u:%u is not closed", open.line, open.col);
			goto fail;
		}
		if (p->s[p->c.pos] == ']' && count) {
			unexpected(p, "a value", "remove the trailing comma");
			goto fail;
		}
		if (!(v = parse_value(p, &loc)))
			goto fail;
		cJSON_AddItemToArray(arr, v);
		count++;
		if (ag_json_set_loc(p->doc, v, &loc) < 0) {
			nomem(p);
			goto fail;
		}
		skip_ws(p);
		if (p->c.pos < p->len && p->s[p->c.pos] == ',') {
			advance(p);
			continue;
		}
		if (p->c.pos < p->len && p->s[p->c.pos] == ']') {
			advance(p);
			break;
		}
		if (p->c.pos >= p->len) {
			fail(p, AG_D_JSON_SYNTAX, span_at(open, 1), "close it with ']'",
				"unexpected end of file: array opened at %u:%u is not closed", open.line, open.col);
			goto fail;
		}
		unexpected(p, "',' or ']' after an array element", NULL);
		goto fail;
	}
	return arr;
fail:
	cJSON_Delete(arr);
	return NULL;
}

static cJSON *parse_value(parser *p, ag_json_loc *loc)
{
	cursor start = p->c;
	cJSON *v = NULL;
	unsigned char ch;

	loc->value = span_at(start, 1);
	if (p->c.pos >= p->len) {
		unexpected(p, "a value", NULL);
		return NULL;
	}
	ch = p->s[p->c.pos];
	switch (ch) {
	case '{':
	case '[':
		if (++p->depth > AG_JSON_MAX_DEPTH) {
			fail(p, AG_D_TOO_DEEP, loc->value, "a blueprint never needs this much nesting",
				"nesting deeper than %d levels", AG_JSON_MAX_DEPTH);
			return NULL;
		}
		v = ch == '{' ? parse_object(p) : parse_array(p);
		p->depth--;
		return v;
	case '"': {
		cursor s, e;
		if (!parse_string(p, &s, &e))
			return NULL;
		loc->value = span_from(s, e);
		v = cJSON_CreateString(p->str.ptr);
		break;
	}
	case 't':
	case 'f':
	case 'n': {
		const char *w = ch == 't' ? "true" : ch == 'f' ? "false" : "null";
		if (!match_word(p, w)) {
			unexpected(p, "a value", NULL);
			return NULL;
		}
		for (size_t i = 0; w[i]; i++)
			advance(p);
		loc->value = span_from(start, p->c);
		v = ch == 'n' ? cJSON_CreateNull() : cJSON_CreateBool(ch == 't');
		break;
	}
	default:
		if (ch == '-' || is_digit(ch))
			return parse_number(p, loc);
		unexpected(p, "a value", NULL);
		return NULL;
	}
	if (!v)
		nomem(p);
	return v;
}

/* Finds the first byte that is not valid UTF-8 (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). Returns len if all valid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
		else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
		else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
		else return i;
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += n + 1;
	}
	return len;
}

/* Line and column of a byte offset, counting code points. */
static cursor cursor_at(const unsigned char *s, size_t off)
{
	cursor c = { 0, 1, 1 };
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			c.line++;
			c.col = 1;
		} else if ((s[i] & 0xC0) != 0x80) {
			c.col++;
		}
	}
	c.pos = off;
	return c;
}

int ag_json_parse(ag_json **out, const char *file, const char *text, size_t len, ag_diags *diags)
{
	const unsigned char *s = (const unsigned char *)text;
	parser p;
	ag_json *doc;
	ag_json_loc loc = { { 0, 0, 0 }, { 0, 0, 0 } };
	size_t bad, start = 0;
	const void *nul;
	int error;

	*out = NULL;
	if ((error = doc_new(&doc, file, text, len)) < 0)
		return error;
	if (len > AG_JSON_MAX_SIZE) {
		ag_diags_add(diags, AG_SEV_ERROR, AG_D_TOO_LARGE, file, (ag_span){ 0, 0, 0 }, NULL, 0,
			"split the app or remove generated content", "file is %zu bytes; the limit is %u bytes",
			len, AG_JSON_MAX_SIZE);
		goto invalid;
	}
	if ((nul = memchr(s, 0, len))) {
		cursor c = cursor_at(s, (size_t)((const unsigned char *)nul - s));
		ag_json_diag(doc, diags, AG_SEV_ERROR, AG_D_BINARY, span_at(c, 1),
			"is this a binary file? blueprints are UTF-8 JSON text",
			"NUL byte at offset %zu", c.pos);
		goto invalid;
	}
	if ((bad = utf8_invalid_at(s, len)) < len) {
		cursor c = cursor_at(s, bad);
		ag_json_diag(doc, diags, AG_SEV_ERROR, AG_D_BAD_UTF8, span_at(c, 1),
			"save the file as UTF-8", "invalid UTF-8 byte 0x%02X at offset %zu", s[bad], bad);
		goto invalid;
	}
	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		start = 3;

	memset(&p, 0, sizeof(p));
	p.doc = doc;
	p.diags = diags;
	p.s = s;
	p.len = len;
	p.c = (cursor){ start, 1, 1 };
	ag_buf_init(&p.str);
	skip_ws(&p);
	if (p.c.pos >= len) {
		ag_diags_add(diags, AG_SEV_ERROR, AG_D_EMPTY_FILE, file, (ag_span){ 0, 0, 0 }, NULL, 0,
			"a blueprint is a JSON object: { \"version\": 2, ... }",
			len ? "file contains only whitespace" : "file is empty");
		ag_buf_dispose(&p.str);
		goto invalid;
	}
	doc->root = parse_value(&p, &loc);
	if (doc->root && !p.failed) {
		skip_ws(&p);
		if (p.c.pos < len)
			fail(&p, AG_D_JSON_SYNTAX, span_at(p.c, 1), "a file holds exactly one JSON value",
				"unexpected data after the end of the document");
		else if (ag_json_set_loc(doc, doc->root, &loc) < 0)
			nomem(&p);
	}
	ag_buf_dispose(&p.str);
	if (p.failed) {
		if (p.oom || diags->oom)
			error = ag_error_set(AG_ENOMEM, "out of memory");
		ag_json_free(doc);
		return error ? error : AG_EINVALID;
	}
	*out = doc;
	return 0;
invalid:
	ag_json_free(doc);
	return AG_EINVALID;
}
