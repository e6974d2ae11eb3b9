/* lua_host.c - the sandboxed Lua state: allocator, budget, pcall, require. */
#include "gen/lua_host.h"
#include "gen/lua_pattern.h"
#include "gen/lua_pool.h"
#include <lualib.h>

#define DEFAULT_INSTRUCTIONS 200000000u
#define DEFAULT_MEMORY ((size_t)256 << 20)
#define DEFAULT_PATTERN ((size_t)4 << 20)
#define HANDLER_SLACK ((size_t)1 << 20)
#define HOOK_EVERY 1000
#define MODULE_NAME_MAX 200

/* The text every budget error carries (tests and messages look for it). */
#define BUDGET_MARKER "instruction budget exhausted"

/* Registry keys (addresses, so lookups never allocate). */
static const char modules_key = 'm';
static const char errerr_key = 'e';

/* A module being loaded (cycle detection). */
static const char loading_mark = 'l';

ag_lua *ag_lua_host(lua_State *L)
{
	return *(ag_lua **)lua_getextraspace(L);
}

/* ---- limits ------------------------------------------------------------- */

/*
 * Counts every byte the state holds and refuses growth past the cap, so a
 * runaway script gets LUA_ERRMEM instead of the machine's memory. Growth
 * also charges the budget (1 unit per 64 bytes): copying big strings costs
 * work that VM instruction counts do not see.
 */
static void block_free(ag_lua *h, void *ptr, size_t size)
{
	if (size <= AG_POOL_MAX)
		ag_pool_free(&h->pool, ptr, size);
	else
		free(ptr);
}

static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	ag_lua *h = ud;
	void *p;

	if (!ptr)
		osize = 0; /* then osize encodes the object type */
	if (nsize == 0) {
		if (ptr)
			block_free(h, ptr, osize);
		h->mem_used -= osize;
		return NULL;
	}
	if (nsize > osize) {
		size_t cap = h->mem_cap + (h->in_handler ? HANDLER_SLACK : 0);
		if (h->mem_used - osize + nsize > cap) {
			h->mem_refused = true;
			return NULL;
		}
		h->used += (nsize - osize) >> 6;
	}
	if (ptr && ag_pool_same_class(osize, nsize)) {
		p = ptr;
	} else if (osize > AG_POOL_MAX && nsize > AG_POOL_MAX) {
		if (!(p = realloc(ptr, nsize)))
			return NULL;
	} else {
		/* into or out of the pool: a new block, then the copy */
		if (!(p = nsize <= AG_POOL_MAX ? ag_pool_alloc(&h->pool, nsize) : malloc(nsize)))
			return NULL;
		if (ptr) {
			memcpy(p, ptr, osize < nsize ? osize : nsize);
			block_free(h, ptr, osize);
		}
	}
	h->mem_used = h->mem_used - osize + nsize;
	return p;
}

static void hook(lua_State *L, lua_Debug *ar);

/* `level` locates the message: 0 in a hook (the running Lua function),
 * 1 in a C function (its caller). */
static int budget_error(lua_State *L, ag_lua *h, int level)
{
	if (!h->budget_hit) {
		/* From now on every instruction fails: a pcall in the script
		 * cannot catch the error and carry on. */
		h->budget_hit = true;
		lua_sethook(L, hook, LUA_MASKCOUNT, 1);
	}
	luaL_where(L, level);
	lua_pushfstring(L, BUDGET_MARKER " (%I instructions)", (lua_Integer)h->budget);
	lua_concat(L, 2);
	return lua_error(L);
}

static void hook(lua_State *L, lua_Debug *ar)
{
	ag_lua *h = ag_lua_host(L);

	(void)ar;
	h->used += h->budget_hit ? 1 : HOOK_EVERY;
	if (h->used > h->budget)
		budget_error(L, h, 0);
}

void ag_lua_charge(lua_State *L, uint64_t n)
{
	ag_lua *h = ag_lua_host(L);

	h->used = n > UINT64_MAX - h->used ? UINT64_MAX : h->used + n;
	if (h->used > h->budget)
		budget_error(L, h, 1);
}

void ag_lua_budget_reset(ag_lua *h)
{
	h->used = 0;
	h->budget_hit = false;
	/* A count hook slows every VM instruction; without a budget there
	 * is none. */
	if (h->budget == AG_GEN_UNLIMITED)
		lua_sethook(h->L, NULL, 0, 0);
	else
		lua_sethook(h->L, hook, LUA_MASKCOUNT, HOOK_EVERY);
}

/* ---- the one way into Lua ------------------------------------------------- */

/* Message handler: the message plus a traceback, computed where the
 * error happened. A message that already has one (re-raised by a nested
 * call) is kept as it is. */
static int msgh(lua_State *L)
{
	ag_lua *h = ag_lua_host(L);
	const char *msg;

	h->in_handler = true;
	msg = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
	if (msg && strstr(msg, "\nstack traceback:")) {
		h->in_handler = false;
		return 1;
	}
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	h->in_handler = false;
	return 1;
}

int ag_lua_pcall(ag_lua *h, int nargs, int nresults)
{
	lua_State *L = h->L;
	int base = lua_gettop(L) - nargs;
	int st;

	if (h->depth++ == 0) {
		h->mem_refused = false;
		h->mem_error = false;
	}
	lua_pushcfunction(L, msgh);
	lua_insert(L, base);
	st = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	h->depth--;
	h->in_handler = false;
	if (st == LUA_OK)
		return AG_LUA_OK;
	if (h->budget_hit)
		return AG_LUA_BUDGET;
	if (st == LUA_ERRMEM || h->mem_error || (st == LUA_ERRERR && h->mem_refused)) {
		h->mem_error = true; /* an outer level sees it too */
		return AG_LUA_MEMORY;
	}
	return AG_LUA_ERROR;
}

/* ---- require -------------------------------------------------------------- */

static bool module_name_ok(const char *s, size_t n)
{
	bool start = true;

	if (n == 0 || n > MODULE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (start)
				return false;
			start = true;
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
			start = false;
		} else if ((c >= '0' && c <= '9') || c == '_') {
			start = false;
		} else {
			return false;
		}
	}
	return !start;
}

/*
 * require(name): "lua/<name with . as />.lua" from the source callback,
 * run once in its own environment, the result cached. The chunk runs in
 * a nested protected call so a failed load forgets its "loading" mark
 * (then re-raises the message, traceback included).
 */
static int l_require(lua_State *L)
{
	ag_lua *h = ag_lua_host(L);
	size_t n, len;
	const char *name = luaL_checklstring(L, 1, &n), *path, *data;
	int st;

	if (!module_name_ok(name, n))
		return luaL_error(L, "require: invalid module name '%s'", name);
	lua_settop(L, 1);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &modules_key); /* 2: cache */
	lua_pushvalue(L, 1);
	if (lua_rawget(L, 2) != LUA_TNIL) {
		if (lua_touserdata(L, -1) == &loading_mark)
			return luaL_error(L, "require: module '%s' requires itself (a cycle)", name);
		return 1;
	}
	lua_pop(L, 1);

	path = lua_pushfstring(L, "lua/%s.lua", luaL_gsub(L, name, ".", "/")); /* 3, 4 */
	if (h->source(&data, &len, path, h->payload) != 0)
		return luaL_error(L, "module '%s' not found (no %s)", name, path);
	lua_pushfstring(L, "@%s", path); /* 5 */
	if (luaL_loadbufferx(L, data, len, lua_tostring(L, 5), "t") != LUA_OK)
		return lua_error(L);
	/* The module's own globals; reads fall through to _G. */
	lua_createtable(L, 0, 0);
	lua_createtable(L, 0, 1);
	lua_pushglobaltable(L);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	if (!lua_setupvalue(L, -2, 1))
		lua_pop(L, 1);

	lua_pushvalue(L, 1);
	lua_pushlightuserdata(L, (void *)&loading_mark);
	lua_rawset(L, 2);
	lua_pushvalue(L, 1);
	st = ag_lua_pcall(h, 1, 1);
	if (st != AG_LUA_OK) {
		lua_pushvalue(L, 1);
		lua_pushnil(L);
		lua_rawset(L, 2);
		return lua_error(L);
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, 1);
	lua_pushvalue(L, -2);
	lua_rawset(L, 2);
	return 1;
}

void ag_lua_require(lua_State *L, const char *name)
{
	lua_pushcfunction(L, l_require);
	lua_pushstring(L, name);
	lua_call(L, 1, 1);
}

/* ---- base library replacements ------------------------------------------ */

/* Call the original function (upvalue 1) with this call's arguments. */
static int call_original(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* load(chunk [, name [, mode [, env]]]): text only; env {} unless given. */
static int l_load(lua_State *L)
{
	bool has_env = !lua_isnone(L, 4);

	lua_settop(L, 4);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_pushliteral(L, "t");
	if (has_env)
		lua_pushvalue(L, 4);
	else
		lua_createtable(L, 0, 0);
	lua_call(L, 4, LUA_MULTRET);
	return lua_gettop(L) - 4;
}

static int l_collectgarbage(lua_State *L)
{
	lua_pushinteger(L, 0);
	return 1;
}

/* setmetatable without __gc: a Lua finalizer would run outside any
 * emitter's budget (during a later collection or at close). */
static int l_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc is not allowed in the sandbox");
		lua_pop(L, 1);
	}
	return call_original(L);
}

/* next(ir, k) walks the data behind an IR table (so `next(t) == nil`
 * means empty there too); what it returns is read-only already. */
static int l_next(lua_State *L)
{
	if (ag_lua_ir_unwrap(L, 1, NULL))
		lua_replace(L, 1);
	return call_original(L);
}

static int l_rawset(lua_State *L)
{
	if (ag_lua_ir_unwrap(L, 1, NULL))
		return luaL_error(L, "the IR is read-only");
	return call_original(L);
}

/*
 * pairs: Lua seeds its string hashes per state, so the order of next()
 * over a plain table can differ between two runs. Emitters must produce
 * the same bytes every time, so pairs() walks plain tables in a fixed
 * order: numbers ascending, then strings bytewise, then false, true.
 * Tables with __pairs (the IR) keep their own, already fixed, order.
 */
static int key_rank(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER: return 0;
	case LUA_TSTRING: return 1;
	case LUA_TBOOLEAN: return 2;
	default: return 3;
	}
}

static int key_less(lua_State *L)
{
	int ra = key_rank(L, 1), rb = key_rank(L, 2);

	if (ra != rb)
		lua_pushboolean(L, ra < rb);
	else if (ra == 0)
		lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
	else if (ra == 1) {
		size_t la, lb;
		const char *a = lua_tolstring(L, 1, &la), *b = lua_tolstring(L, 2, &lb);
		int c = memcmp(a, b, la < lb ? la : lb);
		lua_pushboolean(L, c < 0 || (c == 0 && la < lb));
	} else
		lua_pushboolean(L, !lua_toboolean(L, 1) && lua_toboolean(L, 2));
	return 1;
}

static int sorted_next(lua_State *L)
{
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)) + 1;

	if (lua_rawgeti(L, lua_upvalueindex(1), i) == LUA_TNIL)
		return 1;
	lua_pushinteger(L, i);
	lua_replace(L, lua_upvalueindex(3));
	lua_pushvalue(L, -1);
	lua_gettable(L, lua_upvalueindex(2));
	return 2;
}

static int l_pairs(lua_State *L)
{
	lua_Integer n = 0;

	int mt = luaL_getmetafield(L, 1, "__pairs");

	if (mt != LUA_TNIL)
		lua_pop(L, 1);
	if (mt != LUA_TNIL || !lua_istable(L, 1))
		return call_original(L);
	lua_settop(L, 1);
	lua_newtable(L); /* 2: the keys */
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		lua_pop(L, 1);
		if (key_rank(L, -1) == 3)
			return luaL_error(L, "pairs() over a table with %s keys has no fixed order; use string or number keys",
				luaL_typename(L, -1));
		lua_pushvalue(L, -1);
		lua_rawseti(L, 2, ++n);
	}
	ag_lua_charge(L, (uint64_t)n);
	lua_pushvalue(L, lua_upvalueindex(2)); /* table.sort, as it was at setup */
	lua_pushvalue(L, 2);
	lua_pushcfunction(L, key_less);
	lua_call(L, 2, 0);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 1);
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, sorted_next, 3);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/* string.find/match/gmatch/gsub: the subject is capped (upvalue 2 is the
 * function's name) and its length charged to the budget. */
static int l_pattern(lua_State *L)
{
	ag_lua *h = ag_lua_host(L);
	size_t len;

	luaL_checklstring(L, 1, &len);
	if (len > h->pattern_cap)
		return luaL_error(L, "string.%s: subject of %I bytes is longer than the limit (%I bytes)",
			lua_tostring(L, lua_upvalueindex(2)), (lua_Integer)len, (lua_Integer)h->pattern_cap);
	ag_lua_charge(L, len / 16 + 1);
	return call_original(L);
}

/* string.rep: the C loop runs n times even for an empty result. */
static int l_rep(lua_State *L)
{
	ag_lua *h = ag_lua_host(L);
	size_t l, lsep;
	lua_Integer n;

	luaL_checklstring(L, 1, &l);
	n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (n > 0) {
		uint64_t unit = (uint64_t)l + lsep;
		if (unit == 0) {
			lua_pushliteral(L, "");
			return 1;
		}
		if ((uint64_t)n > h->mem_cap / unit)
			return luaL_error(L, "string.rep: resulting string too large");
		ag_lua_charge(L, (uint64_t)n / 16);
	}
	return call_original(L);
}

/* table.move(a1, f, e, t [, a2]): a C loop over e - f + 1 elements. */
static int l_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);

	if (e >= f)
		ag_lua_charge(L, (uint64_t)e - (uint64_t)f + 1);
	return call_original(L);
}

/* Replace t[name] (t at idx) with fn closed over the original. */
static void wrap(lua_State *L, int idx, const char *name, lua_CFunction fn, bool with_name)
{
	idx = lua_absindex(L, idx);
	lua_getfield(L, idx, name);
	if (with_name)
		lua_pushstring(L, name);
	lua_pushcclosure(L, fn, with_name ? 2 : 1);
	lua_setfield(L, idx, name);
}

static void drop(lua_State *L, int idx, const char *name)
{
	lua_pushnil(L);
	lua_setfield(L, idx < 0 ? idx - 1 : idx, name);
}

static int setup(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ "ag", luaopen_ag },
	};
	static const char *const gone[] = { "dofile", "loadfile", "print", "warn" };
	static const char *const patterns[] = { "find", "match", "gmatch", "gsub" };

	for (size_t i = 0; i < AG_ARRAY_SIZE(libs); i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	/* Interned for good: raising LUA_ERRERR then needs no allocation. */
	lua_pushliteral(L, "error in error handling");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &errerr_key);
	lua_createtable(L, 0, 32);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &modules_key);

	lua_pushglobaltable(L);
	for (size_t i = 0; i < AG_ARRAY_SIZE(gone); i++)
		drop(L, -1, gone[i]);
	lua_pushcfunction(L, l_collectgarbage);
	lua_setfield(L, -2, "collectgarbage");
	lua_pushcfunction(L, l_require);
	lua_setfield(L, -2, "require");
	wrap(L, -1, "load", l_load, false);
	wrap(L, -1, "setmetatable", l_setmetatable, false);
	wrap(L, -1, "rawset", l_rawset, false);
	wrap(L, -1, "next", l_next, false);
	lua_getfield(L, -1, "pairs");
	lua_getfield(L, -2, LUA_TABLIBNAME);
	lua_getfield(L, -1, "sort");
	lua_remove(L, -2);
	lua_pushcclosure(L, l_pairs, 2);
	lua_setfield(L, -2, "pairs");

	lua_getfield(L, -1, LUA_STRLIBNAME);
	drop(L, -1, "dump");
	/* Our matcher (it charges its steps) in place of Lua's, whose
	 * backtracking no budget sees; the wrappers below close over it. */
	ag_lua_pattern_install(L, -1, ag_lua_charge);
	for (size_t i = 0; i < AG_ARRAY_SIZE(patterns); i++)
		wrap(L, -1, patterns[i], l_pattern, true);
	wrap(L, -1, "rep", l_rep, false);
	lua_pop(L, 1);
	/* s:find() goes through the string metatable's __index, which is the
	 * (now wrapped) string table; protect the metatable itself. */
	lua_pushliteral(L, "");
	if (lua_getmetatable(L, -1)) {
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);

	lua_getfield(L, -1, LUA_TABLIBNAME);
	wrap(L, -1, "move", l_move, false);
	lua_pop(L, 1);

	lua_getfield(L, -1, LUA_MATHLIBNAME);
	drop(L, -1, "random");
	drop(L, -1, "randomseed");
	lua_pop(L, 2);
	return 0;
}

int ag_lua_init(ag_lua *h, ag_gen_source source, void *payload, const ag_gen_limits *limits)
{
	int st, err = 0;

	memset(h, 0, sizeof(*h));
	h->source = source;
	h->payload = payload;
	h->budget = limits && limits->instructions ? limits->instructions : DEFAULT_INSTRUCTIONS;
	h->mem_cap = limits && limits->memory ? limits->memory : DEFAULT_MEMORY;
	h->pattern_cap = limits && limits->pattern_subject ? limits->pattern_subject : DEFAULT_PATTERN;
	if (!(h->L = lua_newstate(host_alloc, h)))
		return ag_error_set(AG_ENOMEM, "cannot create a Lua state");
	*(ag_lua **)lua_getextraspace(h->L) = h;
	ag_lua_budget_reset(h);
	lua_pushcfunction(h->L, setup);
	if ((st = ag_lua_pcall(h, 0, 0)) != AG_LUA_OK) {
		const char *msg = lua_type(h->L, -1) == LUA_TSTRING ? lua_tostring(h->L, -1) : "?";
		err = ag_error_set(st == AG_LUA_MEMORY ? AG_ENOMEM : AG_ERROR,
			"cannot set up the Lua sandbox: %s", msg);
		ag_lua_dispose(h);
		goto done;
	}
done:
	return err;
}

void ag_lua_dispose(ag_lua *h)
{
	if (h->L)
		lua_close(h->L);
	h->L = NULL;
	ag_pool_dispose(&h->pool);
}
