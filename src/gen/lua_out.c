/*
 * lua_out.c - ag.writer(unit): the line writer behind appgen.out, in C.
 *
 * appgen.out (lua/appgen/out.lua) documents the interface; this is its
 * engine. Lines go straight into one growing buffer, each followed by
 * "\n", instead of becoming a Lua string each and a table entry joined at
 * the end: most of an emitter's work is writing lines.
 *
 * The buffer is a full userdata, so its bytes come from the Lua allocator
 * and count against the emitter's memory cap; it grows by doubling into a
 * new userdata (the old one is garbage). Every write is also charged to
 * the instruction budget by its size.
 *
 * The object handed to Lua is a plain table whose fields are C closures
 * sharing one state userdata (upvalue 1) and the table itself (upvalue 2),
 * so both o.w(...) and o:w(...) work, as in the Lua version.
 */
#include "gen/lua_host.h"
#include <string.h>

typedef struct writer {
	char *data; /* the bytes of the buffer userdata (user value 1) */
	size_t len, cap;
	int depth;
} writer;

/* user values of the state: 1 the buffer, 2 the indentation unit */
enum { UV_BUFFER = 1, UV_UNIT = 2 };

static writer *self(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* The first argument index after dropping the object of a ':' call. */
static int first_arg(lua_State *L)
{
	return lua_gettop(L) > 0 && lua_rawequal(L, 1, lua_upvalueindex(2)) ? 2 : 1;
}

/* A new, empty buffer of `cap` bytes as the state's buffer. */
static void new_buffer(lua_State *L, writer *w, size_t cap)
{
	char *data = lua_newuserdatauv(L, cap, 0);
	if (w->len)
		memcpy(data, w->data, w->len);
	lua_setiuservalue(L, lua_upvalueindex(1), UV_BUFFER);
	w->data = data;
	w->cap = cap;
}

/* Room for `n` more bytes (raises the memory error past the cap). */
static void reserve(lua_State *L, writer *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 256;

	if (w->len + n <= w->cap)
		return;
	while (cap < w->len + n) {
		if (cap > ((size_t)-1) / 2)
			luaL_error(L, "appgen.out: the text is too large");
		cap *= 2;
	}
	new_buffer(L, w, cap);
}

static void put_bytes(writer *w, const char *s, size_t n)
{
	memcpy(w->data + w->len, s, n);
	w->len += n;
}

/* One line: the indentation (none for an empty line), the text, "\n". */
static void put_line(lua_State *L, writer *w, const char *s, size_t n, const char *unit, size_t unit_len)
{
	size_t indent = n ? unit_len * (size_t)w->depth : 0;

	reserve(L, w, indent + n + 1);
	for (int d = 0; n && d < w->depth; d++)
		put_bytes(w, unit, unit_len);
	put_bytes(w, s, n);
	w->data[w->len++] = '\n';
}

/* Text as lines: each "\n" ends one, and what follows the last is one too. */
static void put_text(lua_State *L, writer *w, const char *s, size_t n)
{
	size_t unit_len;
	const char *unit;
	const char *end = s + n;

	lua_getiuservalue(L, lua_upvalueindex(1), UV_UNIT);
	unit = lua_tolstring(L, -1, &unit_len);
	ag_lua_charge(L, n / 16 + 1);
	for (;;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		put_line(L, w, s, (size_t)((nl ? nl : end) - s), unit, unit_len);
		if (!nl)
			break;
		s = nl + 1;
	}
	lua_pop(L, 1);
}

/*
 * The line of arguments [i, top]: nothing or nil is an empty line; a
 * string alone is itself; a format with arguments takes only %s (any
 * value but nil, through tostring) and %%. Pushes the line.
 */
static void format_line(lua_State *L, int i)
{
	int top = lua_gettop(L), count = top - i, specs = 0;
	size_t n;
	const char *fmt;
	luaL_Buffer b;

	if (i > top || lua_isnil(L, i)) {
		lua_pushliteral(L, "");
		return;
	}
	if (lua_type(L, i) != LUA_TSTRING)
		luaL_error(L, "appgen.out: a line must be a string, not %s", luaL_typename(L, i));
	if (count == 0) {
		lua_pushvalue(L, i);
		return;
	}
	fmt = lua_tolstring(L, i, &n);
	for (size_t k = 0; k < n; k++) {
		if (fmt[k] != '%')
			continue;
		if (k + 1 < n && fmt[k + 1] == 's')
			specs++;
		else if (!(k + 1 < n && fmt[k + 1] == '%'))
			luaL_error(L, "appgen.out: only %%s and %%%% may be used in a format, not %%%s",
				lua_pushlstring(L, fmt + k + 1, k + 1 < n ? 1 : 0));
		k++;
	}
	if (specs != count)
		luaL_error(L, "appgen.out: the format has %d %%s for %d arguments", specs, count);
	for (int a = 1; a <= count; a++)
		if (lua_isnil(L, i + a))
			luaL_error(L, "appgen.out: argument %d is nil", a);
	luaL_buffinit(L, &b);
	for (size_t k = 0, a = 1; k < n; k++) {
		if (fmt[k] != '%') {
			luaL_addchar(&b, fmt[k]);
		} else if (fmt[++k] == '%') {
			luaL_addchar(&b, '%');
		} else {
			luaL_tolstring(L, i + (int)a++, NULL);
			luaL_addvalue(&b);
		}
	}
	luaL_pushresult(&b);
}

/* Format the arguments from `i` and write the result. */
static void write_args(lua_State *L, writer *w, int i)
{
	size_t n;
	const char *s;

	format_line(L, i);
	s = lua_tolstring(L, -1, &n);
	put_text(L, w, s, n);
	lua_pop(L, 1);
}

/* w(fmt, ...): one line (or several, if the text has newlines). */
static int out_w(lua_State *L)
{
	write_args(L, self(L), first_arg(L));
	return 0;
}

/* push([fmt, ...]): the line if given, then one level deeper. */
static int out_push(lua_State *L)
{
	writer *w = self(L);
	int i = first_arg(L);

	if (i <= lua_gettop(L))
		write_args(L, w, i);
	w->depth++;
	return 0;
}

/* pop([fmt, ...]): one level back, then the line if given. */
static int out_pop(lua_State *L)
{
	writer *w = self(L);
	int i = first_arg(L);

	if (w->depth == 0)
		return luaL_error(L, "appgen.out: pop() without push()");
	w->depth--;
	if (i <= lua_gettop(L))
		write_args(L, w, i);
	return 0;
}

/* capture(fn): what fn writes, as text, instead of adding it here. */
static int out_capture(lua_State *L)
{
	writer *w = self(L);
	writer saved = *w;
	int i = first_arg(L), st;

	luaL_checktype(L, i, LUA_TFUNCTION);
	/* the current buffer stays on the stack (alive) while fn runs */
	lua_getiuservalue(L, lua_upvalueindex(1), UV_BUFFER);
	w->data = NULL;
	w->len = w->cap = 0;
	lua_pushvalue(L, i);
	st = lua_pcall(L, 0, 0, 0);
	if (st == LUA_OK)
		lua_pushlstring(L, w->data ? w->data : "", w->len);
	/* back to the saved buffer and depth, whatever fn did */
	lua_pushvalue(L, -2);
	lua_setiuservalue(L, lua_upvalueindex(1), UV_BUFFER);
	*w = saved;
	if (st != LUA_OK)
		return lua_error(L);
	return 1;
}

/* depth(): the current indentation level. */
static int out_depth(lua_State *L)
{
	lua_pushinteger(L, self(L)->depth);
	return 1;
}

/* text(): every line written so far, each ending in "\n". */
static int out_text(lua_State *L)
{
	writer *w = self(L);

	lua_pushlstring(L, w->data ? w->data : "", w->len);
	return 1;
}

/* ag.writer(unit): a writer indenting by the string `unit`. */
int ag_lua_writer_new(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "w", out_w }, { "push", out_push }, { "pop", out_pop }, { "capture", out_capture },
		{ "depth", out_depth }, { "text", out_text }, { NULL, NULL },
	};
	writer *w;

	luaL_checkstring(L, 1);
	lua_settop(L, 1);
	lua_createtable(L, 0, 6); /* 2: the object */
	w = lua_newuserdatauv(L, sizeof(*w), 2); /* 3: its state */
	memset(w, 0, sizeof(*w));
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, 3, UV_UNIT);
	for (const luaL_Reg *m = methods; m->name; m++) {
		lua_pushvalue(L, 3);
		lua_pushvalue(L, 2);
		lua_pushcclosure(L, m->func, 2);
		lua_setfield(L, 2, m->name);
	}
	lua_pop(L, 1);
	return 1;
}
