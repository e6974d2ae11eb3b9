/*
 * lua_ir.c - the IR (a cJSON tree) as read-only Lua tables.
 *
 * Each JSON object or array becomes a plain table (the data) behind an
 * empty proxy whose own metatable reads from it: __index is the data
 * table, __newindex refuses, __len and __pairs forward. The data table is
 * reachable from nowhere else (the metatable is hidden by __metatable and
 * the pairs iterator is a C closure), so a script cannot write through.
 * pairs() walks objects in the IR's own key order and arrays 1..n, so
 * iterating the IR is reproducible (plain-table pairs() order is not).
 */
#include "gen/lua_host.h"
#include <math.h>

#define MT_KEYS "ag_keys"   /* object: the keys in order */
#define MT_ARRAY "ag_array" /* true for arrays */

static int ir_newindex(lua_State *L)
{
	return luaL_error(L, "the IR is read-only");
}

/* Push the metatable field `k` of the proxy at idx (raw, ignoring
 * __metatable). The caller knows idx is a proxy. */
static void mt_field(lua_State *L, int idx, const char *k)
{
	lua_getmetatable(L, idx);
	lua_getfield(L, -1, k);
	lua_remove(L, -2);
}

static int ir_len(lua_State *L)
{
	mt_field(L, 1, "__index");
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
	return 1;
}

/* Iterator closure: upvalues data, keys (or false for arrays), position. */
static int ir_next(lua_State *L)
{
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)) + 1;

	lua_pushinteger(L, i);
	lua_replace(L, lua_upvalueindex(3));
	if (lua_toboolean(L, lua_upvalueindex(2))) {
		if (lua_rawgeti(L, lua_upvalueindex(2), i) == LUA_TNIL)
			return 1;
	} else {
		if ((size_t)i > lua_rawlen(L, lua_upvalueindex(1))) {
			lua_pushnil(L);
			return 1;
		}
		lua_pushinteger(L, i);
	}
	lua_pushvalue(L, -1);
	lua_rawget(L, lua_upvalueindex(1));
	return 2;
}

static int ir_pairs(lua_State *L)
{
	mt_field(L, 1, "__index");
	mt_field(L, 1, MT_KEYS);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 0);
	}
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, ir_next, 3);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

static int ir_tostring(lua_State *L)
{
	mt_field(L, 1, MT_ARRAY);
	lua_pushstring(L, lua_toboolean(L, -1) ? "IR array" : "IR object");
	return 1;
}

bool ag_lua_ir_unwrap(lua_State *L, int idx, bool *is_array)
{
	bool ok;

	if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
		return false;
	lua_getfield(L, -1, "__newindex");
	ok = lua_tocfunction(L, -1) == ir_newindex;
	lua_pop(L, 1);
	if (!ok) {
		lua_pop(L, 1);
		return false;
	}
	if (is_array) {
		lua_getfield(L, -1, MT_ARRAY);
		*is_array = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	lua_getfield(L, -1, "__index");
	lua_remove(L, -2);
	return true;
}

void ag_lua_ir_keys(lua_State *L, int idx)
{
	mt_field(L, idx, MT_KEYS);
}

/* Numbers that are integers in JSON stay integers in Lua (1, not 1.0). */
static void push_number(lua_State *L, double v)
{
	if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && v == floor(v))
		lua_pushinteger(L, (lua_Integer)v);
	else
		lua_pushnumber(L, v);
}

void ag_lua_push_json(lua_State *L, const cJSON *node)
{
	bool obj = cJSON_IsObject(node);
	lua_Integer i = 0;
	int data, keys = 0;

	luaL_checkstack(L, 8, "IR too deep");
	if (!obj && !cJSON_IsArray(node)) {
		if (cJSON_IsString(node))
			lua_pushstring(L, node->valuestring);
		else if (cJSON_IsNumber(node))
			push_number(L, node->valuedouble);
		else if (cJSON_IsBool(node))
			lua_pushboolean(L, cJSON_IsTrue(node));
		else
			ag_lua_push_null(L);
		return;
	}
	lua_createtable(L, obj ? 0 : cJSON_GetArraySize(node), obj ? cJSON_GetArraySize(node) : 0);
	data = lua_gettop(L);
	if (obj) {
		lua_createtable(L, cJSON_GetArraySize(node), 0);
		keys = lua_gettop(L);
	}
	for (const cJSON *c = node->child; c; c = c->next) {
		i++;
		if (obj) {
			lua_pushstring(L, c->string);
			lua_pushvalue(L, -1);
			lua_rawseti(L, keys, i);
			ag_lua_push_json(L, c);
			lua_rawset(L, data);
		} else {
			ag_lua_push_json(L, c);
			lua_rawseti(L, data, i);
		}
	}

	lua_createtable(L, 0, 0); /* the proxy */
	lua_createtable(L, 0, 8); /* its metatable */
	lua_pushvalue(L, data);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ir_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ir_len);
	lua_setfield(L, -2, "__len");
	lua_pushcfunction(L, ir_pairs);
	lua_setfield(L, -2, "__pairs");
	lua_pushcfunction(L, ir_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, "the IR is read-only");
	lua_setfield(L, -2, "__metatable");
	if (obj) {
		lua_pushvalue(L, keys);
		lua_setfield(L, -2, MT_KEYS);
	} else {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, MT_ARRAY);
	}
	lua_setmetatable(L, -2);
	lua_replace(L, data);
	lua_settop(L, data);
}
