/* gen.c - ag_gen: run the emitters of the manifest over one IR. */
#include "gen/lua_host.h"
#include "gen/tree.h"

#define CTX_MT "ag.ctx"
#define MANIFEST "emitters._manifest"
#define TRACE_FRAMES 3
#define MAX_FILES 65536     /* per run */
#define MAX_LIST_ITEMS 10000 /* deps, env, gaps: each */

struct ag_gen {
	ag_lua host;
	ag_files *files;     /* set during a run */
	const char *emitter; /* the emitter running: one of names */
	uint64_t run;        /* which ctx is live */
	size_t out_bytes;    /* written by this run, held outside the Lua cap */
	char **names;        /* the manifest, copied */
	size_t n_names;
};

/* Registry keys. */
static const char app_key = 'a';
static const char loader_key = 'l';

typedef struct ctx_ud {
	uint64_t run;
} ctx_ud;

static ag_gen *gen_of(lua_State *L)
{
	return ag_lua_host(L)->owner;
}

/* An error located at the Lua code that called the running C function
 * (luaL_error, made available to helpers that take a va_list). */
static int caller_error(lua_State *L, const char *fmt, ...)
{
	va_list ap;

	luaL_where(L, 1);
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 2);
	return lua_error(L);
}

/* ---- ctx ------------------------------------------------------------------ */

static ag_gen *ctx_check(lua_State *L)
{
	ctx_ud *c = luaL_checkudata(L, 1, CTX_MT);
	ag_gen *g = gen_of(L);

	if (!g->files || c->run != g->run)
		caller_error(L, "ctx used after its emitter finished");
	return g;
}

/* nil -> 0644; 420 / 493 (0644 / 0755); "644", "0644", "755", "0755". */
static unsigned file_mode(lua_State *L, int idx)
{
	const char *s;

	switch (lua_type(L, idx)) {
	case LUA_TNONE:
	case LUA_TNIL:
		return 0644;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx) && (lua_tointeger(L, idx) == 0644 || lua_tointeger(L, idx) == 0755))
			return (unsigned)lua_tointeger(L, idx);
		break;
	case LUA_TSTRING:
		s = lua_tostring(L, idx);
		if (!strcmp(s, "644") || !strcmp(s, "0644"))
			return 0644;
		if (!strcmp(s, "755") || !strcmp(s, "0755"))
			return 0755;
		break;
	}
	caller_error(L, "ctx:file: mode must be \"0644\" or \"0755\"");
	return 0;
}

/* ctx:file(path, text [, mode]) */
static int ctx_file(lua_State *L)
{
	ag_gen *g = ctx_check(L);
	size_t pn, tn;
	const char *path = luaL_checklstring(L, 2, &pn);
	const char *text = luaL_checklstring(L, 3, &tn);
	unsigned mode = file_mode(L, 4);

	if (memchr(path, 0, pn))
		return caller_error(L, "ctx:file: invalid output path (NUL byte)");
	/* Files live in C memory: bound them like the state's own memory. */
	if (tn > g->host.mem_cap - g->out_bytes) {
		g->host.mem_error = true;
		return caller_error(L, "ctx:file: the output of this run is larger than the memory cap");
	}
	if (g->files->count >= MAX_FILES && !ag_files_get(g->files, path))
		return caller_error(L, "ctx:file: more than %d files", MAX_FILES);
	g->out_bytes += tn;
	if (ag_files_add(g->files, path, text, tn, mode, g->emitter, false) < 0)
		return caller_error(L, "ctx:file: %s", ag_error_last());
	return 0;
}

enum { LIST_DEPS, LIST_ENV, LIST_GAPS };

static bool env_name_ok(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			    *s == '_'))
			return false;
	return true;
}

static int add_to(lua_State *L, int which)
{
	static const char *const names[] = { "ctx:dep", "ctx:env", "ctx:gap" };
	ag_gen *g = ctx_check(L);
	size_t n;
	const char *s = luaL_checklstring(L, 2, &n);
	ag_strlist *l = which == LIST_DEPS ? &g->files->deps
		: which == LIST_ENV ? &g->files->env : &g->files->gaps;

	if (n == 0 || memchr(s, 0, n))
		return caller_error(L, "%s: empty string or NUL byte", names[which]);
	if (which == LIST_ENV && !env_name_ok(s))
		return caller_error(L, "ctx:env: '%s' is not an environment variable name", s);
	if (l->count >= MAX_LIST_ITEMS)
		return caller_error(L, "%s: more than %d entries", names[which], MAX_LIST_ITEMS);
	if (ag_strlist_add(l, s) < 0)
		return caller_error(L, "%s: %s", names[which], ag_error_last());
	return 0;
}

static int ctx_dep(lua_State *L) { return add_to(L, LIST_DEPS); }
static int ctx_env(lua_State *L) { return add_to(L, LIST_ENV); }
static int ctx_gap(lua_State *L) { return add_to(L, LIST_GAPS); }

/* ctx:template(name, vars): appgen.template renders templates/<name>. */
static int ctx_template(lua_State *L)
{
	ctx_check(L);
	luaL_checkstring(L, 2);
	if (!lua_isnoneornil(L, 3))
		luaL_checktype(L, 3, LUA_TTABLE);
	lua_settop(L, 3);
	ag_lua_require(L, "appgen.template");
	if (lua_getfield(L, 4, "render") != LUA_TFUNCTION)
		return caller_error(L, "ctx:template: appgen.template has no render()");
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 3);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &loader_key);
	lua_call(L, 3, 1);
	return 1;
}

/* The template loader handed to appgen.template: text of templates/<name>,
 * or nil and a message. */
static int template_source(lua_State *L)
{
	ag_lua *h = ag_lua_host(L);
	size_t n, len;
	const char *name = luaL_checklstring(L, 1, &n), *path, *data;

	if (memchr(name, 0, n) || !ag_files_path_ok(name)) {
		lua_pushnil(L);
		lua_pushfstring(L, "invalid template name '%s'", name);
		return 2;
	}
	path = lua_pushfstring(L, "templates/%s", name);
	if (h->source(&data, &len, path, h->payload) != 0) {
		lua_pushnil(L);
		lua_pushfstring(L, "template '%s' not found", name);
		return 2;
	}
	lua_pushlstring(L, data, len);
	return 1;
}

static int ctx_index(lua_State *L)
{
	const char *k = lua_tostring(L, 2);

	if (k && !strcmp(k, "emitter")) {
		lua_getiuservalue(L, 1, 1);
		return 1;
	}
	lua_pushvalue(L, 2);
	lua_gettable(L, lua_upvalueindex(1));
	return 1;
}

static int ctx_tostring(lua_State *L)
{
	lua_getiuservalue(L, 1, 1);
	lua_pushfstring(L, "ctx(%s)", lua_tostring(L, -1));
	return 1;
}

static int gen_setup(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "file", ctx_file }, { "dep", ctx_dep }, { "env", ctx_env }, { "gap", ctx_gap },
		{ "template", ctx_template }, { NULL, NULL },
	};

	luaL_newmetatable(L, CTX_MT);
	luaL_newlib(L, methods);
	lua_pushcclosure(L, ctx_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ctx_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
	lua_pushcfunction(L, template_source);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &loader_key);
	return 0;
}

/* ---- the run -------------------------------------------------------------- */

static int push_app(lua_State *L)
{
	ag_lua_push_json(L, lua_touserdata(L, 1));
	lua_rawsetp(L, LUA_REGISTRYINDEX, &app_key);
	return 0;
}

static void free_names(ag_gen *g)
{
	for (size_t i = 0; i < g->n_names; i++)
		free(g->names[i]);
	free(g->names);
	g->names = NULL;
	g->n_names = 0;
}

/* The manifest: a list of distinct module names, copied into g (which
 * owns them even if this function raises half-way). */
static int load_manifest(lua_State *L)
{
	ag_gen *g = gen_of(L);
	size_t n;

	ag_lua_require(L, MANIFEST);
	if (!lua_istable(L, -1))
		return luaL_error(L, "lua/emitters/_manifest.lua must return a list of emitter names");
	n = lua_rawlen(L, -1);
	if (n && !(g->names = calloc(n, sizeof(*g->names))))
		return luaL_error(L, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *s;
		if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TSTRING)
			return luaL_error(L, "manifest entry %I is not a module name", (lua_Integer)i + 1);
		s = lua_tostring(L, -1);
		for (size_t k = 0; k < g->n_names; k++)
			if (!strcmp(g->names[k], s))
				return luaL_error(L, "emitter '%s' is listed twice in the manifest", s);
		if (!(g->names[i] = strdup(s)))
			return luaL_error(L, "out of memory");
		g->n_names++;
		lua_pop(L, 1);
	}
	return 0;
}

static int run_emitter(lua_State *L)
{
	ag_gen *g = gen_of(L);
	const char *name = lua_touserdata(L, 1);
	ctx_ud *c;

	lua_settop(L, 0);
	ag_lua_require(L, name);
	if (!lua_istable(L, 1) || lua_getfield(L, 1, "emit") != LUA_TFUNCTION)
		return luaL_error(L, "module '%s' is not an emitter (no emit(app, ctx))", name);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &app_key);
	c = lua_newuserdatauv(L, sizeof(*c), 1);
	c->run = g->run;
	lua_pushstring(L, name);
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, CTX_MT);
	lua_call(L, 2, 0);
	return 0;
}

/* Append `s` (n bytes) on one line: control characters become spaces. */
static void put_line(ag_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ag_buf_putc(b, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
}

/*
 * One diagnostic per failed emitter: the Lua message (which starts with
 * where it happened) in the message, the first Lua frames of the
 * traceback in the hint.
 */
static void report(ag_gen *g, ag_diags *d, const ag_ir *ir, int st, const char *who)
{
	static const ag_span whole_file = { 0, 0, 0 };
	lua_State *L = g->host.L;
	const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(no message)";
	const char *tb = strstr(msg, "\nstack traceback:");
	size_t n = tb ? (size_t)(tb - msg) : strlen(msg);
	ag_buf m = AG_BUF_INIT, hint = AG_BUF_INIT;
	ag_diag_code code = st == AG_LUA_BUDGET ? AG_D_EMITTER_BUDGET
		: st == AG_LUA_MEMORY ? AG_D_EMITTER_MEMORY : AG_D_EMITTER_ERROR;
	int frames = 0;

	ag_buf_printf(&m, "emitter '%s' failed: ", who);
	if (st == AG_LUA_MEMORY) {
		/* Lua's own words add nothing; a message of ours (ctx:file) does. */
		ag_buf_printf(&m, "memory cap of %zu bytes exceeded", g->host.mem_cap);
		if (!(n == 17 && !memcmp(msg, "not enough memory", n)) &&
		    !(n == 23 && !memcmp(msg, "error in error handling", n))) {
			ag_buf_puts(&m, ": ");
			put_line(&m, msg, n);
		}
	} else {
		put_line(&m, msg, n);
	}
	for (const char *p = tb ? strchr(tb + 1, '\n') : NULL; p && frames < TRACE_FRAMES;) {
		const char *line = p + 1 + (p[1] == '\t');
		const char *end = strchr(line, '\n');
		size_t ln = end ? (size_t)(end - line) : strlen(line);
		if (strncmp(line, "[C]", 3) && strncmp(line, "(...", 4)) {
			ag_buf_puts(&hint, frames++ ? "; " : "traceback: ");
			put_line(&hint, line, ln);
		}
		p = end;
	}
	ag_diags_add(d, AG_SEV_ERROR, code, ir->file ? ir->file : "", whole_file, NULL, 0,
		hint.len ? hint.ptr : NULL, "%s", m.ptr);
	ag_buf_dispose(&m);
	ag_buf_dispose(&hint);
	lua_pop(L, 1);
}

int ag_gen_run(ag_gen *g, const ag_ir *ir, ag_files *files, ag_diags *diags)
{
	cJSON *json = ag_ir_to_json(ir);
	int err;

	if (!json)
		return ag_error_set(AG_ENOMEM, "out of memory");
	err = ag_gen_run_json(g, ir, json, files, diags);
	cJSON_Delete(json);
	return err;
}

int ag_gen_run_json(ag_gen *g, const ag_ir *ir, cJSON *json, ag_files *files, ag_diags *diags)
{
	lua_State *L = g->host.L;
	size_t failed = 0;
	int err = 0, st;

	/* the emitters also see the app's versions, by reference */
	if (ir->versions && !cJSON_AddItemReferenceToObject(json, "versions", ir->versions))
		return ag_error_set(AG_ENOMEM, "out of memory");
	g->files = files;
	g->out_bytes = 0;
	ag_lua_budget_reset(&g->host);
	lua_pushcfunction(L, push_app);
	lua_pushlightuserdata(L, json);
	st = ag_lua_pcall(&g->host, 1, 0);
	if (ir->versions)
		cJSON_DeleteItemFromObjectCaseSensitive(json, "versions");
	if (st != AG_LUA_OK) {
		report(g, diags, ir, st, "(IR)");
		failed++;
		goto done;
	}

	ag_lua_budget_reset(&g->host);
	lua_pushcfunction(L, load_manifest);
	if ((st = ag_lua_pcall(&g->host, 0, 0)) != AG_LUA_OK) {
		report(g, diags, ir, st, MANIFEST);
		failed++;
		goto done;
	}
	for (size_t i = 0; i < g->n_names; i++) {
		g->emitter = g->names[i];
		g->run++;
		ag_lua_budget_reset(&g->host);
		lua_pushcfunction(L, run_emitter);
		lua_pushlightuserdata(L, g->names[i]);
		if ((st = ag_lua_pcall(&g->host, 1, 0)) != AG_LUA_OK) {
			report(g, diags, ir, st, g->names[i]);
			failed++;
		}
		lua_settop(L, 0);
	}
done:
	g->files = NULL;
	g->emitter = NULL;
	g->run++;
	/* Setting a present key, or an absent one to nil, never allocates. */
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &app_key);
	lua_settop(L, 0);
	lua_gc(L, LUA_GCCOLLECT);
	free_names(g);
	if (!err && diags->oom)
		err = ag_error_set(AG_ENOMEM, "out of memory");
	if (!err && failed)
		err = AG_EINVALID;
	return err;
}

int ag_gen_new(ag_gen **out, ag_gen_source source, void *payload, const ag_gen_limits *limits)
{
	ag_gen *g;
	int err = 0, st;

	*out = NULL;
	if (!(g = calloc(1, sizeof(*g))))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if ((err = ag_lua_init(&g->host, source ? source : ag_gen_builtin_source, payload, limits)) < 0)
		goto done;
	g->host.owner = g;
	lua_pushcfunction(g->host.L, gen_setup);
	if ((st = ag_lua_pcall(&g->host, 0, 0)) != AG_LUA_OK) {
		err = ag_error_set(st == AG_LUA_MEMORY ? AG_ENOMEM : AG_ERROR,
			"cannot set up the emitter context: %s",
			lua_type(g->host.L, -1) == LUA_TSTRING ? lua_tostring(g->host.L, -1) : "?");
		goto done;
	}
	*out = g;
	g = NULL;
done:
	ag_gen_free(g);
	return err;
}

void ag_gen_free(ag_gen *g)
{
	if (!g)
		return;
	ag_lua_dispose(&g->host);
	free_names(g);
	free(g);
}

/* ---- the embedded tree ---------------------------------------------------- */

int ag_gen_builtin_source(const char **data, size_t *len, const char *name, void *payload)
{
	size_t lo = 0, hi = ag_tree_count;

	(void)payload;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ag_tree_files[mid].name, name);
		if (c == 0) {
			*data = ag_tree_files[mid].data;
			*len = ag_tree_files[mid].len;
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return AG_ENOTFOUND;
}
