/*
 * luaprof.c - where the emitters' Lua time goes, without touching appgen.
 *
 * An LD_PRELOAD shim for bench/profile.sh: appgen's sandbox installs a
 * count hook (lua_sethook(L, hook, LUA_MASKCOUNT, 1000)) to charge its
 * instruction budget. The shim's lua_sethook puts its own hook in front of
 * appgen's: on every count event it attributes the `count` Lua VM
 * instructions since the last one to the running function's source line,
 * then calls appgen's hook, so budgets behave as before. At exit it writes
 *
 *     <instructions> <source> <line> <line the function starts at>
 *
 * a line per source line, to $LUAPROF_OUT (default luaprof.out). Only VM
 * instructions are seen: time inside C functions (string.gsub, table.concat,
 * ag.*) is not; callgrind shows those. Single-threaded use only (--jobs 1).
 *
 *     cc -O2 -shared -fPIC -I/usr/include/lua5.4 -o luaprof.so luaprof.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <lua.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS (1u << 16) /* distinct (source, line) pairs; more are counted as lost */

typedef struct slot {
	char *source; /* NULL: free */
	int line, defined;
	uint64_t count;
} slot;

typedef void (*sethook_fn)(lua_State *, lua_Hook, int, int);

static slot table[SLOTS];
static uint64_t lost;
static lua_Hook appgen_hook;
static int every = 1;

static uint32_t hash(const char *s, int line)
{
	uint32_t h = 2166136261u ^ (uint32_t)line;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void record(const char *source, int line, int defined, int n)
{
	uint32_t h = hash(source, line);
	for (uint32_t k = 0; k < SLOTS; k++) {
		slot *s = &table[(h + k) & (SLOTS - 1)];
		if (!s->source) {
			if (!(s->source = strdup(source)))
				break;
			s->line = line;
			s->defined = defined;
		}
		if (s->line == line && strcmp(s->source, source) == 0) {
			s->count += (uint64_t)n;
			return;
		}
	}
	lost += (uint64_t)n;
}

static void prof_hook(lua_State *L, lua_Debug *ar)
{
	if (ar->event == LUA_HOOKCOUNT && lua_getinfo(L, "Sl", ar))
		record(ar->source, ar->currentline, ar->linedefined, every);
	if (appgen_hook)
		appgen_hook(L, ar);
}

void lua_sethook(lua_State *L, lua_Hook f, int mask, int count)
{
	static sethook_fn real;

	if (!real && !(real = (sethook_fn)dlsym(RTLD_NEXT, "lua_sethook")))
		abort();
	appgen_hook = f;
	if (f && (mask & LUA_MASKCOUNT))
		every = count;
	real(L, f ? prof_hook : NULL, mask, count);
}

__attribute__((destructor)) static void dump(void)
{
	const char *path = getenv("LUAPROF_OUT");
	FILE *f = fopen(path && *path ? path : "luaprof.out", "w");

	if (!f)
		return;
	for (uint32_t i = 0; i < SLOTS; i++)
		if (table[i].source)
			fprintf(f, "%llu %s %d %d\n", (unsigned long long)table[i].count, table[i].source,
				table[i].line, table[i].defined);
	if (lost)
		fprintf(f, "%llu (lost) 0 0\n", (unsigned long long)lost);
	fclose(f);
}
