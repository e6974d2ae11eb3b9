/*
 * lua_host.h - private to src/gen: the sandboxed Lua state behind ag_gen.
 *
 * One ag_lua owns one lua_State made with a counting allocator. The state
 * has only base, table, string, math and utf8, minus everything that
 * reaches outside or breaks purity:
 *   - gone: io, os, package, debug, coroutine, dofile, loadfile, print,
 *     warn, string.dump, math.random, math.randomseed;
 *   - collectgarbage() is a no-op returning 0;
 *   - load() compiles text only ("t"), in an empty environment unless
 *     one is given;
 *   - require(name) reads "lua/<name with . as />.lua" through the
 *     ag_gen_source callback, runs it in its own environment (globals it
 *     sets stay in that module; reads fall through to _G) and caches the
 *     result in the registry;
 *   - setmetatable() refuses metatables with __gc (no Lua finalizers: they
 *     would run outside any budget); rawset() refuses IR tables; next()
 *     sees through them; the string metatable is protected.
 *
 * Memory: blocks of up to 256 bytes come from a per-state pool
 * (lua_pool.h), larger ones from malloc.
 *
 * Limits (see ag_gen_limits): the instruction budget is counted by a
 * count hook every 1000 VM instructions; C functions whose work is not
 * made of VM instructions charge it too (1 unit per 64 bytes allocated,
 * per 16 bytes of a pattern subject, per string.rep / table.move element
 * step). Once exhausted the hook errors at every instruction, so a
 * pcall() inside Lua cannot swallow it. The allocator refuses growth past
 * the memory cap (Lua raises LUA_ERRMEM); the error handler gets 1 MiB of
 * slack so it can still build a traceback. string.find/match/gmatch/gsub
 * are our own matcher (lua_pattern.h), which charges every matching step
 * to the budget, so a backtracking pattern is bounded in time; they also
 * refuse subjects longer than the pattern cap.
 *
 * Every entry into Lua goes through ag_lua_pcall() (traceback handler).
 * Nothing outside it calls a Lua API function that can raise.
 */
#ifndef AG_GEN_LUA_HOST_H
#define AG_GEN_LUA_HOST_H

#include "appgen/gen.h"
#include "gen/lua_pool.h"
#include <lauxlib.h>
#include <lua.h>

/* What a protected call ended with. */
enum {
	AG_LUA_OK = 0,
	AG_LUA_ERROR,  /* a Lua error: E701 */
	AG_LUA_BUDGET, /* instruction budget: E702 */
	AG_LUA_MEMORY  /* memory cap: E703 */
};

typedef struct ag_lua {
	lua_State *L;
	ag_gen_source source;
	void *payload;
	void *owner; /* the ag_gen, for ctx methods */

	ag_pool pool;     /* small blocks (the allocator's) */
	size_t mem_used, mem_cap;
	bool in_handler;  /* the message handler may use some slack */
	bool mem_refused; /* the allocator said no during this call */
	bool mem_error;   /* a nested call ended with a memory error */
	int depth;        /* nesting of ag_lua_pcall */

	uint64_t budget, used;
	bool budget_hit;
	size_t pattern_cap;
} ag_lua;

/* Make the sandboxed state. 0, AG_ENOMEM or AG_ERROR (message set). */
int ag_lua_init(ag_lua *h, ag_gen_source source, void *payload, const ag_gen_limits *limits);
void ag_lua_dispose(ag_lua *h);

/* The host of a state (kept in the state's extra space). */
ag_lua *ag_lua_host(lua_State *L);

/* A fresh instruction budget for the next run. */
void ag_lua_budget_reset(ag_lua *h);

/*
 * Call the function below its `nargs` arguments on the stack in protected
 * mode with the traceback handler. Returns an AG_LUA_* code; on error the
 * message (a string) is on the top of the stack instead of the results.
 */
int ag_lua_pcall(ag_lua *h, int nargs, int nresults);

/* Add `n` units to the budget; raises the budget error when past it. */
void ag_lua_charge(lua_State *L, uint64_t n);

/* require(name) from C: pushes the module's value (raises on error). */
void ag_lua_require(lua_State *L, const char *name);

/* ---- lua_ir.c: the IR as read-only tables -------------------------------- */

/* Push `node` as a read-only table (scalars as themselves, null as ag.null). */
void ag_lua_push_json(lua_State *L, const cJSON *node);
/* If the value at idx is a read-only IR table, push the table it reads
 * from and return true (plus whether it is an array); else push nothing. */
bool ag_lua_ir_unwrap(lua_State *L, int idx, bool *is_array);
/* The ordered keys of an IR object (pushes a sequence table or nil). */
void ag_lua_ir_keys(lua_State *L, int idx);

/* ---- lua_lib_ag.c: the `ag` library --------------------------------------- */

/* Registry key of the ag.null sentinel. */
#define AG_LUA_NULL "ag.null"

int luaopen_ag(lua_State *L);

/* ---- lua_out.c: ag.writer, the engine of appgen.out ------------------------ */

/* ag.writer(unit): a line writer indenting by `unit` (see lua/appgen/out.lua). */
int ag_lua_writer_new(lua_State *L);
/* Push the ag.null sentinel. */
void ag_lua_push_null(lua_State *L);
bool ag_lua_is_null(lua_State *L, int idx);

/*
 * A C buffer owned by Lua: a full userdata whose __gc disposes it, so a
 * Lua error (even out of memory) between creating and releasing it
 * leaks nothing. ag_lua_box_release() frees it early and pops it.
 */
typedef struct ag_lua_box {
	ag_buf buf;
	void *ptr; /* free()d with the box (e.g. cmark's result) */
} ag_lua_box;

ag_lua_box *ag_lua_box_new(lua_State *L);
/* Push the buffer's bytes as a string, dispose the box, pop it; the string
 * ends up where the box was. Raises (after disposing) on OOM. */
void ag_lua_box_push(lua_State *L, int idx, ag_lua_box *box);

#endif
