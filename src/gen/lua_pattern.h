/*
 * lua_pattern.h - private to src/gen: Lua 5.4 string patterns with a step
 * budget, installed as string.find, string.match, string.gmatch and
 * string.gsub of the sandbox.
 *
 * Why: Lua's own matcher backtracks in C, outside the VM's instruction
 * count, so `("a"):rep(2e4):find(".-.-.-.-b")` runs for hours whatever the
 * instruction budget says. This one counts its work in steps and reports
 * them through a charge callback, which may raise (the sandbox passes
 * ag_lua_charge, so the steps come out of the emitter's instruction
 * budget and an exhausted budget is E702 like any other).
 *
 * Semantics are those of the reference manual, §6.4.1, and of the stock
 * 5.4 library, including what the manual leaves to the implementation:
 *   - the same results for every pattern, subject and init (find's plain
 *     flag; gmatch's init, and '^' being literal there; gsub's string,
 *     table and function replacements and its count argument);
 *   - the same errors with the same messages, raised at the same point of
 *     the match (a malformed part of a pattern the match never reaches is
 *     no error, as in stock Lua), plus argument errors from lauxlib;
 *   - at most 32 captures; at most 200 nested match levels (recursion for
 *     captures, repetitions and '?'), beyond which "pattern too complex";
 *     this also bounds the C stack;
 *   - character classes by ASCII rules whatever the process locale
 *     (including the undocumented %z, the NUL byte, which 5.4 still has).
 *
 * What a step is: one test of one subject byte against a single-character
 * class, one entry into a match level, one byte scanned by %b, and one per
 * 16 bytes compared by a back-reference or a plain find, scanned in a
 * set, or skipped while looking for a pattern's first literal byte. Steps
 * are charged every few thousand and at the end of each call, so a
 * budget is overshot by at most that much.
 *
 * No global state; the functions keep nothing but the stack between calls
 * (gmatch's iterator keeps its subject, pattern and position as upvalues).
 * They own no C memory, so any error (including the charge's) leaks
 * nothing.
 */
#ifndef AG_GEN_LUA_PATTERN_H
#define AG_GEN_LUA_PATTERN_H

#include "appgen/common.h"
#include <lauxlib.h>
#include <lua.h>

/* Steps are charged this many at a time (and the rest when a call ends). */
#define AG_LUA_PATTERN_CHARGE_EVERY 4096

/*
 * Called with the number of steps taken since the last call, from inside
 * the string function (so a Lua error raised here ends that call and
 * propagates to its caller). NULL: steps are not counted anywhere.
 */
typedef void (*ag_lua_pattern_charge)(lua_State *L, uint64_t steps);

/*
 * Set "find", "match", "gmatch" and "gsub" of the table at `idx` (the
 * string library, normally) to this matcher, replacing what was there.
 * Raises only if Lua runs out of memory.
 */
void ag_lua_pattern_install(lua_State *L, int idx, ag_lua_pattern_charge charge);

#endif
