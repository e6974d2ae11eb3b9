/*
 * lua_lib_ag.c - the `ag` library: escaping per target language, JSON,
 * case conversion, pluralization, Markdown and hashing for emitters.
 *
 * Every function checks its arguments before it allocates anything, and
 * builds its result in a box (a Lua-owned ag_buf, see lua_host.h), so an
 * error - even out of memory inside a Lua API call - leaks nothing.
 */
#include "gen/lua_host.h"
#include "appgen/utf8.h"
#include "appgen/front.h"
#include "appgen/hash.h"
#include <cmark.h>
#include <math.h>

#define BOX_MT "ag.box"
#define NULL_MT "ag.null"
#define JSON_MAX_DEPTH 64

static const char null_key = 'n';

/* ---- boxes and helpers ---------------------------------------------------- */

static void box_release(ag_lua_box *box)
{
	ag_buf_dispose(&box->buf);
	free(box->ptr);
	box->ptr = NULL;
}

static int box_gc(lua_State *L)
{
	box_release(lua_touserdata(L, 1));
	return 0;
}

ag_lua_box *ag_lua_box_new(lua_State *L)
{
	ag_lua_box *box = lua_newuserdatauv(L, sizeof(*box), 0);

	ag_buf_init(&box->buf);
	box->ptr = NULL;
	luaL_setmetatable(L, BOX_MT);
	return box;
}

void ag_lua_box_push(lua_State *L, int idx, ag_lua_box *box)
{
	idx = lua_absindex(L, idx);
	if (ag_buf_oom(&box->buf)) {
		box_release(box);
		luaL_error(L, "out of memory");
		return;
	}
	lua_pushlstring(L, box->buf.ptr, box->buf.len);
	box_release(box);
	lua_replace(L, idx);
}

/* Release the box, then raise: the message is built first (it may point
 * into nothing the box owns). */
static int box_error(lua_State *L, ag_lua_box *box, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	luaL_where(L, 1);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 2);
	box_release(box);
	return lua_error(L);
}

static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static char to_lower(unsigned char c) { return (char)(is_upper(c) ? c + 32 : c); }
static char to_upper(unsigned char c) { return (char)(is_lower(c) ? c - 32 : c); }

/* The number at idx (the caller checked it is one); false if not finite. */
static bool put_number(lua_State *L, ag_buf *out, int idx)
{
	double v;

	if (lua_isinteger(L, idx)) {
		ag_buf_printf(out, "%lld", (long long)lua_tointeger(L, idx));
		return true;
	}
	v = lua_tonumber(L, idx);
	if (!isfinite(v))
		return false;
	ag_json_put_number(out, v);
	return true;
}

static bool in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return true;
	return false;
}

/* ---- ag.null -------------------------------------------------------------- */

static int null_tostring(lua_State *L)
{
	lua_pushliteral(L, "null");
	return 1;
}

void ag_lua_push_null(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &null_key);
}

bool ag_lua_is_null(lua_State *L, int idx)
{
	bool is;

	if (lua_type(L, idx) != LUA_TUSERDATA)
		return false;
	idx = lua_absindex(L, idx);
	ag_lua_push_null(L);
	is = lua_rawequal(L, idx, -1);
	lua_pop(L, 1);
	return is;
}

/* ---- quoting --------------------------------------------------------------- */

/* Bytes a quoting escaper must rewrite (a set per target). */
typedef bool (*special_fn)(unsigned char c);

static bool sql_ident_special(unsigned char c) { return c == '"'; }
static bool py_str_special(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c == 0x7f; }
/* 0xe2 may start U+2028/2029 */
static bool ts_str_special(unsigned char c) { return py_str_special(c) || c == '<' || c == '>' || c == 0xe2; }

/*
 * The common case of a quoting escaper: a short string with nothing to
 * rewrite is pushed as quote + s + quote without a buffer box. False when
 * the caller must escape.
 */
static bool push_plain_quoted(lua_State *L, const char *s, size_t n, char quote, special_fn special)
{
	char small[128];

	if (n + 2 > sizeof(small))
		return false;
	for (size_t i = 0; i < n; i++)
		if (special((unsigned char)s[i]))
			return false;
	small[0] = quote;
	memcpy(small + 1, s, n);
	small[n + 1] = quote;
	lua_pushlstring(L, small, n + 2);
	return true;
}

/* ---- SQL ------------------------------------------------------------------ */

/* ag.sql.ident(s): always quoted, so keywords and case survive. */
static int sql_ident(lua_State *L)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	ag_lua_box *box;

	luaL_argcheck(L, n > 0, 1, "empty SQL identifier");
	luaL_argcheck(L, !memchr(s, 0, n), 1, "NUL byte in SQL identifier");
	luaL_argcheck(L, ag_utf8_valid(s, n), 1, "SQL identifier is not valid UTF-8");
	if (push_plain_quoted(L, s, n, '"', sql_ident_special))
		return 1;
	box = ag_lua_box_new(L);
	ag_buf_putc(&box->buf, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			ag_buf_putc(&box->buf, '"');
		ag_buf_putc(&box->buf, s[i]);
	}
	ag_buf_putc(&box->buf, '"');
	ag_lua_box_push(L, -1, box);
	return 1;
}

/*
 * ag.sql.lit(v): a SQL literal. Strings are single-quoted with '' doubled;
 * one holding a backslash becomes E'...' with \\ doubled, which reads the
 * same whatever standard_conforming_strings says. nil and ag.null are
 * NULL, booleans TRUE/FALSE, numbers as themselves.
 */
static int sql_lit(lua_State *L)
{
	ag_lua_box *box;
	size_t n;
	const char *s;

	switch (lua_type(L, 1)) {
	case LUA_TNONE:
	case LUA_TNIL:
		lua_pushliteral(L, "NULL");
		return 1;
	case LUA_TBOOLEAN:
		lua_pushstring(L, lua_toboolean(L, 1) ? "TRUE" : "FALSE");
		return 1;
	case LUA_TNUMBER:
		box = ag_lua_box_new(L);
		if (!put_number(L, &box->buf, 1))
			return box_error(L, box, "ag.sql.lit: number is not finite");
		ag_lua_box_push(L, -1, box);
		return 1;
	case LUA_TSTRING:
		break;
	default:
		if (ag_lua_is_null(L, 1)) {
			lua_pushliteral(L, "NULL");
			return 1;
		}
		return luaL_typeerror(L, 1, "string, number, boolean or nil");
	}
	s = lua_tolstring(L, 1, &n);
	luaL_argcheck(L, !memchr(s, 0, n), 1, "NUL byte in SQL literal");
	luaL_argcheck(L, ag_utf8_valid(s, n), 1, "SQL literal is not valid UTF-8");
	box = ag_lua_box_new(L);
	if (memchr(s, '\\', n))
		ag_buf_putc(&box->buf, 'E');
	ag_buf_putc(&box->buf, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			ag_buf_putc(&box->buf, s[i]);
		ag_buf_putc(&box->buf, s[i]);
	}
	ag_buf_putc(&box->buf, '\'');
	ag_lua_box_push(L, -1, box);
	return 1;
}

/* ---- identifiers ---------------------------------------------------------- */

/* keyword.kwlist and keyword.softkwlist of Python 3.12 (3.11's plus "type"). */
static const char *const py_keywords[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
	"continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
	"if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
	"try", "while", "with", "yield", "_", "case", "match", "type",
};

/* ECMAScript reserved words, strict-mode reserved words, and names a
 * binding must not shadow. */
static const char *const ts_reserved[] = {
	"break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
	"do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
	"import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw",
	"true", "try", "typeof", "var", "void", "while", "with", "implements", "interface", "let",
	"package", "private", "protected", "public", "static", "yield", "await", "arguments",
	"eval", "undefined", "NaN", "Infinity",
};

/* An ASCII identifier; `extra` is one more allowed character ('$') or 0. */
static bool ident_ok(const char *s, size_t n, char extra)
{
	if (n == 0 || is_digit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_upper(c) && !is_lower(c) && !is_digit(c) && c != '_' && (!extra || c != extra))
			return false;
	}
	return true;
}

static int ident(lua_State *L, const char *lang, char extra, const char *const *words, size_t count)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);

	if (!ident_ok(s, n, extra))
		return luaL_error(L, "ag.%s.ident: '%s' is not an identifier", lang, s);
	if (!in_list(s, n, words, count)) {
		lua_settop(L, 1);
		return 1;
	}
	lua_pushfstring(L, "%s_", s);
	return 1;
}

/* ag.py.ident(s): a keyword or soft keyword gets a trailing '_' (PEP 8). */
static int py_ident(lua_State *L)
{
	return ident(L, "py", 0, py_keywords, AG_ARRAY_SIZE(py_keywords));
}

static int ts_ident(lua_State *L)
{
	return ident(L, "ts", '$', ts_reserved, AG_ARRAY_SIZE(ts_reserved));
}

/* ---- string literals ------------------------------------------------------ */

static const char hex[] = "0123456789abcdef";

/* ag.py.str(s): a double-quoted Python literal; UTF-8 stays as it is. */
static int py_str(lua_State *L)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	ag_lua_box *box;

	luaL_argcheck(L, ag_utf8_valid(s, n), 1, "not valid UTF-8");
	if (push_plain_quoted(L, s, n, '"', py_str_special))
		return 1;
	box = ag_lua_box_new(L);
	ag_buf_putc(&box->buf, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': ag_buf_puts(&box->buf, "\\\""); break;
		case '\\': ag_buf_puts(&box->buf, "\\\\"); break;
		case '\n': ag_buf_puts(&box->buf, "\\n"); break;
		case '\r': ag_buf_puts(&box->buf, "\\r"); break;
		case '\t': ag_buf_puts(&box->buf, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
				ag_buf_put(&box->buf, esc, 4);
			} else {
				ag_buf_putc(&box->buf, (char)c);
			}
		}
	}
	ag_buf_putc(&box->buf, '"');
	ag_lua_box_push(L, -1, box);
	return 1;
}

static void put_u(ag_buf *b, unsigned cp)
{
	char esc[6] = { '\\', 'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
		hex[cp & 15] };
	ag_buf_put(b, esc, 6);
}

/*
 * ag.ts.str(s): a double-quoted JavaScript literal that is also safe
 * inside an HTML <script> (no "<") and in old engines (U+2028/2029, which
 * were line terminators in string literals before ES2019).
 */
static int ts_str(lua_State *L)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	ag_lua_box *box;

	luaL_argcheck(L, ag_utf8_valid(s, n), 1, "not valid UTF-8");
	if (push_plain_quoted(L, s, n, '"', ts_str_special))
		return 1;
	box = ag_lua_box_new(L);
	ag_buf_putc(&box->buf, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': ag_buf_puts(&box->buf, "\\\""); break;
		case '\\': ag_buf_puts(&box->buf, "\\\\"); break;
		case '\n': ag_buf_puts(&box->buf, "\\n"); break;
		case '\r': ag_buf_puts(&box->buf, "\\r"); break;
		case '\t': ag_buf_puts(&box->buf, "\\t"); break;
		case '<': put_u(&box->buf, '<'); break;
		case '>': put_u(&box->buf, '>'); break;
		default:
			if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			    ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
				put_u(&box->buf, (unsigned char)s[i + 2] == 0xa8 ? 0x2028 : 0x2029);
				i += 2;
			} else if (c < 0x20 || c == 0x7f) {
				put_u(&box->buf, c);
			} else {
				ag_buf_putc(&box->buf, (char)c);
			}
		}
	}
	ag_buf_putc(&box->buf, '"');
	ag_lua_box_push(L, -1, box);
	return 1;
}

/* ---- HTML and URLs -------------------------------------------------------- */

static int html_escape(lua_State *L)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	ag_lua_box *box = ag_lua_box_new(L);

	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': ag_buf_puts(&box->buf, "&amp;"); break;
		case '<': ag_buf_puts(&box->buf, "&lt;"); break;
		case '>': ag_buf_puts(&box->buf, "&gt;"); break;
		case '"': ag_buf_puts(&box->buf, "&quot;"); break;
		case '\'': ag_buf_puts(&box->buf, "&#39;"); break;
		default: ag_buf_putc(&box->buf, s[i]);
		}
	}
	ag_lua_box_push(L, -1, box);
	return 1;
}

/* The characters CommonMark or GitHub Markdown give a meaning inline:
 * emphasis, code, links, HTML, entities, table cells, strikethrough,
 * math, heading closers. */
static bool md_special(unsigned char c)
{
	return c && strchr("\\`*_[]<>|&~#$", c) != NULL;
}

static bool md_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * ag.md(s): s as Markdown inline text: every special character
 * backslash-escaped, control characters (a newline would end a table row)
 * as spaces. Text that needs neither comes back as it is.
 */
static int md_escape(lua_State *L)
{
	size_t n, i;
	const char *s = luaL_checklstring(L, 1, &n);
	ag_lua_box *box;

	for (i = 0; i < n; i++)
		if (md_special((unsigned char)s[i]) || md_control((unsigned char)s[i]))
			break;
	if (i == n) {
		lua_settop(L, 1);
		return 1;
	}
	box = ag_lua_box_new(L);
	ag_buf_put(&box->buf, s, i);
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (md_control(c)) {
			ag_buf_putc(&box->buf, ' ');
			continue;
		}
		if (md_special(c))
			ag_buf_putc(&box->buf, '\\');
		ag_buf_putc(&box->buf, (char)c);
	}
	ag_lua_box_push(L, -1, box);
	return 1;
}

/* ag.url(s): percent-encode all but RFC 3986 unreserved characters. */
static int url_escape(lua_State *L)
{
	static const char HEX[] = "0123456789ABCDEF";
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	ag_lua_box *box = ag_lua_box_new(L);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_upper(c) || is_lower(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			ag_buf_putc(&box->buf, (char)c);
		} else {
			char esc[3] = { '%', HEX[c >> 4], HEX[c & 15] };
			ag_buf_put(&box->buf, esc, 3);
		}
	}
	ag_lua_box_push(L, -1, box);
	return 1;
}

/* ---- JSON ----------------------------------------------------------------- */

typedef struct json_key {
	const char *s;
	size_t n;
} json_key;

static int key_cmp(const void *pa, const void *pb)
{
	const json_key *a = pa, *b = pb;
	int c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
	return c ? c : (a->n > b->n) - (a->n < b->n);
}

static void json_str(ag_buf *out, const char *s, size_t n)
{
	ag_buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': ag_buf_puts(out, "\\\""); break;
		case '\\': ag_buf_puts(out, "\\\\"); break;
		case '\n': ag_buf_puts(out, "\\n"); break;
		case '\r': ag_buf_puts(out, "\\r"); break;
		case '\t': ag_buf_puts(out, "\\t"); break;
		case '\b': ag_buf_puts(out, "\\b"); break;
		case '\f': ag_buf_puts(out, "\\f"); break;
		default:
			if (c < 0x20)
				put_u(out, c);
			else
				ag_buf_putc(out, (char)c);
		}
	}
	ag_buf_putc(out, '"');
}

typedef struct json_writer {
	lua_State *L;
	ag_lua_box *box;
	bool pretty;
} json_writer;

static void json_value(json_writer *w, int idx, int depth);

static void json_newline(json_writer *w, int depth)
{
	if (!w->pretty)
		return;
	ag_buf_putc(&w->box->buf, '\n');
	ag_buf_repeat(&w->box->buf, ' ', (size_t)depth * 2);
}

static void json_array(json_writer *w, int t, size_t n, int depth)
{
	lua_State *L = w->L;

	if (n == 0) {
		ag_buf_puts(&w->box->buf, "[]");
		return;
	}
	ag_buf_putc(&w->box->buf, '[');
	for (size_t i = 1; i <= n; i++) {
		json_newline(w, depth + 1);
		lua_rawgeti(L, t, (lua_Integer)i);
		json_value(w, lua_gettop(L), depth + 1);
		lua_pop(L, 1);
		if (i < n)
			ag_buf_putc(&w->box->buf, ',');
	}
	json_newline(w, depth);
	ag_buf_putc(&w->box->buf, ']');
}

/* Keys sorted bytewise; the key array is Lua memory (a userdata). */
static void json_object(json_writer *w, int t, size_t count, int depth)
{
	lua_State *L = w->L;
	json_key *keys;
	size_t k = 0;

	if (count == 0) {
		ag_buf_puts(&w->box->buf, "{}");
		return;
	}
	keys = lua_newuserdatauv(L, count * sizeof(*keys), 0);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) != LUA_TSTRING || k == count)
			box_error(L, w->box, "ag.json: a table mixes string keys with other keys");
		keys[k].s = lua_tolstring(L, -2, &keys[k].n);
		k++;
		lua_pop(L, 1);
	}
	qsort(keys, k, sizeof(*keys), key_cmp);
	ag_buf_putc(&w->box->buf, '{');
	for (size_t i = 0; i < k; i++) {
		json_newline(w, depth + 1);
		if (!ag_utf8_valid(keys[i].s, keys[i].n))
			box_error(L, w->box, "ag.json: a key is not valid UTF-8");
		json_str(&w->box->buf, keys[i].s, keys[i].n);
		ag_buf_puts(&w->box->buf, w->pretty ? ": " : ":");
		lua_pushlstring(L, keys[i].s, keys[i].n);
		lua_rawget(L, t);
		json_value(w, lua_gettop(L), depth + 1);
		lua_pop(L, 1);
		if (i + 1 < k)
			ag_buf_putc(&w->box->buf, ',');
	}
	json_newline(w, depth);
	ag_buf_putc(&w->box->buf, '}');
	lua_pop(L, 1); /* keys */
}

static void json_table(json_writer *w, int idx, int depth)
{
	lua_State *L = w->L;
	bool ir = false, ir_array = false;
	size_t count = 0, n;
	bool seq = true;
	int t;

	if (depth >= JSON_MAX_DEPTH)
		box_error(L, w->box, "ag.json: nesting deeper than %d (a cycle?)", JSON_MAX_DEPTH);
	luaL_checkstack(L, 8, "ag.json");
	ir = ag_lua_ir_unwrap(L, idx, &ir_array);
	if (!ir)
		lua_pushvalue(L, idx);
	t = lua_gettop(L);
	n = lua_rawlen(L, t);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		count++;
		if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 ||
		    (size_t)lua_tointeger(L, -2) > n)
			seq = false;
		lua_pop(L, 1);
	}
	if (ir ? ir_array : (seq && count == n))
		json_array(w, t, n, depth);
	else
		json_object(w, t, count, depth);
	lua_pop(L, 1);
}

static void json_value(json_writer *w, int idx, int depth)
{
	lua_State *L = w->L;
	size_t n;
	const char *s;

	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		ag_buf_puts(&w->box->buf, "null");
		break;
	case LUA_TBOOLEAN:
		ag_buf_puts(&w->box->buf, lua_toboolean(L, idx) ? "true" : "false");
		break;
	case LUA_TNUMBER:
		if (!put_number(L, &w->box->buf, idx))
			box_error(L, w->box, "ag.json: a number is not finite");
		break;
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &n);
		if (!ag_utf8_valid(s, n))
			box_error(L, w->box, "ag.json: a string is not valid UTF-8");
		json_str(&w->box->buf, s, n);
		break;
	case LUA_TTABLE:
		json_table(w, idx, depth);
		break;
	default:
		if (ag_lua_is_null(L, idx)) {
			ag_buf_puts(&w->box->buf, "null");
			break;
		}
		box_error(L, w->box, "ag.json: cannot encode a %s value", luaL_typename(L, idx));
	}
}

/*
 * ag.json(v [, pretty]): canonical JSON. Object keys sorted bytewise; a
 * table whose keys are exactly 1..n is an array; an empty plain table is
 * [] (IR objects and arrays keep their kind); ag.null is null. Compact by
 * default; `pretty` gives ag_json_write's layout (2-space indent, "\n" at
 * the end).
 */
static int json_encode(lua_State *L)
{
	json_writer w;

	luaL_checkany(L, 1);
	lua_settop(L, 2);
	w.L = L;
	w.pretty = lua_toboolean(L, 2);
	w.box = ag_lua_box_new(L);
	json_value(&w, 1, 0);
	if (w.pretty)
		ag_buf_putc(&w.box->buf, '\n');
	ag_lua_box_push(L, -1, w.box);
	return 1;
}

/* ---- case conversion ------------------------------------------------------ */

typedef enum { CASE_SNAKE, CASE_KEBAB, CASE_CAMEL, CASE_PASCAL, CASE_TITLE } case_style;

static bool is_word(unsigned char c)
{
	return is_upper(c) || is_lower(c) || is_digit(c) || c >= 0x80;
}

/*
 * Words are runs of letters, digits and non-ASCII bytes, split where a
 * lower-case letter or digit meets an upper-case one ("userId") and
 * before the last capital of an acronym ("HTTPServer" -> HTTP, Server).
 */
static int convert_case(lua_State *L, case_style style)
{
	static const char sep[] = { '_', '-', 0, 0, ' ' };
	size_t n, i = 0, word = 0;
	const char *s = luaL_checklstring(L, 1, &n);
	ag_lua_box *box = ag_lua_box_new(L);

	while (i < n) {
		size_t start;
		while (i < n && !is_word((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		start = i++;
		while (i < n && is_word((unsigned char)s[i])) {
			unsigned char p = (unsigned char)s[i - 1], c = (unsigned char)s[i];
			if (is_upper(c) && (is_lower(p) || is_digit(p)))
				break;
			if (is_upper(c) && is_upper(p) && i + 1 < n && is_lower((unsigned char)s[i + 1]))
				break;
			i++;
		}
		if (word && sep[style])
			ag_buf_putc(&box->buf, sep[style]);
		for (size_t k = start; k < i; k++) {
			bool cap = k == start && (style == CASE_PASCAL || style == CASE_TITLE ||
				(style == CASE_CAMEL && word > 0));
			ag_buf_putc(&box->buf, cap ? to_upper((unsigned char)s[k]) : to_lower((unsigned char)s[k]));
		}
		word++;
	}
	ag_lua_box_push(L, -1, box);
	return 1;
}

static int case_snake(lua_State *L) { return convert_case(L, CASE_SNAKE); }
static int case_kebab(lua_State *L) { return convert_case(L, CASE_KEBAB); }
static int case_camel(lua_State *L) { return convert_case(L, CASE_CAMEL); }
static int case_pascal(lua_State *L) { return convert_case(L, CASE_PASCAL); }
static int case_title(lua_State *L) { return convert_case(L, CASE_TITLE); }

/* ---- plural and singular -------------------------------------------------- */

static const struct {
	const char *one, *many;
} irregular[] = {
	{ "person", "people" }, { "child", "children" }, { "man", "men" }, { "woman", "women" },
	{ "mouse", "mice" }, { "goose", "geese" }, { "foot", "feet" }, { "tooth", "teeth" },
	{ "ox", "oxen" }, { "leaf", "leaves" }, { "knife", "knives" }, { "life", "lives" },
	{ "wife", "wives" }, { "half", "halves" }, { "wolf", "wolves" }, { "shelf", "shelves" },
	{ "thief", "thieves" }, { "calf", "calves" }, { "loaf", "loaves" },
	{ "criterion", "criteria" }, { "phenomenon", "phenomena" }, { "matrix", "matrices" },
	{ "vertex", "vertices" }, { "quiz", "quizzes" }, { "movie", "movies" },
	{ "cookie", "cookies" }, { "cache", "caches" }, { "niche", "niches" },
};

static const char *const uncountable[] = {
	"data", "metadata", "information", "equipment", "news", "series", "species", "sheep",
	"fish", "deer", "feedback", "software", "hardware", "media", "staff",
};

static bool ieq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (to_lower((unsigned char)a[i]) != b[i])
			return false;
	return true;
}

static bool iends(const char *w, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && ieq(w + n - k, k, suffix);
}

static bool is_vowel(char c)
{
	c = to_lower((unsigned char)c);
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Start of the last word: after the last separator, or at the last
 * capital that follows a lower-case letter or digit ("OrderItem"). */
static size_t last_word(const char *s, size_t n)
{
	size_t start = n;

	while (start > 0 && is_word((unsigned char)s[start - 1]))
		start--;
	for (size_t i = n; i > start + 1; i--) {
		unsigned char c = (unsigned char)s[i - 1], p = (unsigned char)s[i - 2];
		if (is_upper(c) && (is_lower(p) || is_digit(p)))
			return i - 1;
	}
	return start;
}

/* Append `text` in the case of word w ("PERSON" -> upper, "Person" ->
 * capitalized, else as given). */
static void put_cased(ag_buf *b, const char *w, size_t wn, const char *text, bool whole)
{
	bool upper = wn > 1, cap = wn > 0 && is_upper((unsigned char)w[0]);

	for (size_t i = 0; i < wn; i++)
		if (is_lower((unsigned char)w[i]))
			upper = false;
	for (size_t i = 0; text[i]; i++) {
		unsigned char c = (unsigned char)text[i];
		ag_buf_putc(b, upper || (whole && cap && i == 0) ? to_upper(c) : (char)c);
	}
}

static int inflect(lua_State *L, bool plural)
{
	size_t n, start, wn;
	const char *s = luaL_checklstring(L, 1, &n), *w;
	ag_lua_box *box;
	size_t keep; /* bytes of s kept */
	const char *suffix = "";
	bool whole = false;

	start = last_word(s, n);
	w = s + start;
	wn = n - start;
	keep = n;
	if (wn == 0)
		goto out;
	for (size_t i = 0; i < AG_ARRAY_SIZE(uncountable); i++)
		if (ieq(w, wn, uncountable[i]))
			goto out;
	for (size_t i = 0; i < AG_ARRAY_SIZE(irregular); i++) {
		if (ieq(w, wn, plural ? irregular[i].one : irregular[i].many)) {
			keep = start;
			suffix = plural ? irregular[i].many : irregular[i].one;
			whole = true;
			goto out;
		}
	}
	if (plural) {
		if (wn >= 2 && iends(w, wn, "y") && !is_vowel(w[wn - 2])) {
			keep = n - 1, suffix = "ies";
		} else if (iends(w, wn, "sis")) {
			keep = n - 2, suffix = "es";
		} else if (iends(w, wn, "s") || iends(w, wn, "x") || iends(w, wn, "z") ||
			   iends(w, wn, "ch") || iends(w, wn, "sh")) {
			suffix = "es";
		} else {
			suffix = "s";
		}
	} else {
		if (iends(w, wn, "ies") && wn > 4) {
			keep = n - 3, suffix = "y";
		} else if (iends(w, wn, "yses")) {
			keep = n - 2, suffix = "is";
		} else if (iends(w, wn, "sses") || iends(w, wn, "xes") || iends(w, wn, "zes") ||
			   iends(w, wn, "ches") || iends(w, wn, "shes")) {
			keep = n - 2;
		} else if (iends(w, wn, "uses")) {
			/* statuses -> status, but causes -> cause */
			keep = wn > 4 && is_vowel(w[wn - 5]) ? n - 1 : wn == 4 ? n - 1 : n - 2;
		} else if (iends(w, wn, "ss") || iends(w, wn, "us") || iends(w, wn, "is")) {
			/* already singular */
		} else if (iends(w, wn, "s") && wn > 1) {
			keep = n - 1;
		}
	}
out:
	box = ag_lua_box_new(L);
	ag_buf_put(&box->buf, s, keep);
	put_cased(&box->buf, w, wn, suffix, whole);
	ag_lua_box_push(L, -1, box);
	return 1;
}

static int plural(lua_State *L) { return inflect(L, true); }
static int singular(lua_State *L) { return inflect(L, false); }

/* ---- Markdown and hashing ------------------------------------------------- */

/* ag.markdown(s): HTML through cmark in safe mode (raw HTML and
 * javascript:/vbscript:/file:/data: links are dropped). */
static int markdown(lua_State *L)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	ag_lua_box *box;

	ag_lua_charge(L, n / 16);
	box = ag_lua_box_new(L);
	box->ptr = cmark_markdown_to_html(s, n, CMARK_OPT_SAFE);
	if (!box->ptr)
		return box_error(L, box, "ag.markdown: out of memory");
	ag_buf_puts(&box->buf, box->ptr);
	ag_lua_box_push(L, -1, box);
	return 1;
}

/* ag.hash(s): the Git blob id of s (40 hex digits). */
static int hash(lua_State *L)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	char out[AG_HASH_HEXSZ + 1];

	ag_lua_charge(L, n / 64);
	if (ag_hash_hex(out, s, n) != 0)
		return luaL_error(L, "ag.hash: %s", ag_error_last());
	lua_pushlstring(L, out, AG_HASH_HEXSZ);
	return 1;
}

/* ---- the library ---------------------------------------------------------- */

static const luaL_Reg ag_funcs[] = {
	{ "html", html_escape }, { "attr", html_escape }, { "url", url_escape },
	{ "json", json_encode }, { "plural", plural }, { "singular", singular },
	{ "markdown", markdown }, { "md", md_escape }, { "hash", hash }, { "writer", ag_lua_writer_new },
	{ NULL, NULL },
};
static const luaL_Reg sql_funcs[] = { { "ident", sql_ident }, { "lit", sql_lit }, { NULL, NULL } };
static const luaL_Reg py_funcs[] = { { "ident", py_ident }, { "str", py_str }, { NULL, NULL } };
static const luaL_Reg ts_funcs[] = { { "ident", ts_ident }, { "str", ts_str }, { NULL, NULL } };
static const luaL_Reg case_funcs[] = {
	{ "snake", case_snake }, { "kebab", case_kebab }, { "camel", case_camel },
	{ "pascal", case_pascal }, { "title", case_title }, { NULL, NULL },
};

int luaopen_ag(lua_State *L)
{
	static const struct {
		const char *name;
		const luaL_Reg *funcs;
	} subs[] = { { "sql", sql_funcs }, { "py", py_funcs }, { "ts", ts_funcs }, { "case", case_funcs } };

	luaL_newmetatable(L, BOX_MT);
	lua_pushcfunction(L, box_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);

	luaL_newlib(L, ag_funcs);
	for (size_t i = 0; i < AG_ARRAY_SIZE(subs); i++) {
		lua_createtable(L, 0, 4);
		luaL_setfuncs(L, subs[i].funcs, 0);
		lua_setfield(L, -2, subs[i].name);
	}

	/* ag.null: a unique value that prints as "null" (deterministically,
	 * unlike a light userdata's address). */
	lua_newuserdatauv(L, 0, 0);
	luaL_newmetatable(L, NULL_MT);
	lua_pushcfunction(L, null_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &null_key);
	lua_setfield(L, -2, "null");
	return 1;
}
