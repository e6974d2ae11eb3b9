/* test_gen.c - the emitter runtime: sandbox rules, limits, the IR bridge,
 * the ag library, templates and output helpers. Emitters come from a
 * fixture source (falling back to the embedded tree for lua/appgen/). */
#include "test.h"
#include "appgen/front.h"
#include "appgen/gen.h"
#include "gen/lua_host.h"

void test_gen_builtin_source(void);
void test_gen_sandbox_globals(void);
void test_gen_sandbox_load(void);
void test_gen_budget(void);
void test_gen_memory(void);
void test_gen_pattern_cap(void);
void test_gen_ir_readonly(void);
void test_gen_ir_iterate(void);
void test_gen_escapers(void);
void test_gen_json(void);
void test_gen_case_plural(void);
void test_gen_markdown(void);
void test_gen_template(void);
void test_gen_template_errors(void);
void test_gen_out(void);
void test_gen_require(void);
void test_gen_ctx(void);
void test_gen_bad_paths(void);
void test_gen_deterministic(void);
void test_gen_ir_null(void);

/* ---- fixtures ---------------------------------------------------------- */

typedef struct fixture {
	const char *name, *text;
} fixture;

typedef struct fixtures {
	fixture items[8];
	size_t n;
} fixtures;

static int fixture_source(const char **data, size_t *len, const char *name, void *payload)
{
	const fixtures *f = payload;

	for (size_t i = 0; i < f->n; i++) {
		if (!strcmp(f->items[i].name, name)) {
			*data = f->items[i].text;
			*len = strlen(f->items[i].text);
			return 0;
		}
	}
	return ag_gen_builtin_source(data, len, name, NULL);
}

static const char blueprint[] =
	"{\"version\": 2, \"app\": {\"name\": \"Notes\", \"slug\": \"my-notes\"},"
	" \"data\": {\"tables\": ["
	"  {\"name\": \"notes\", \"columns\": [{\"name\": \"title\", \"type\": \"text\", \"required\": true},"
	"   {\"name\": \"from\", \"type\": \"text\"}]},"
	"  {\"name\": \"tags\", \"columns\": [{\"name\": \"label\", \"type\": \"text\"}]}]},"
	" \"security\": {\"roles\": [\"Admin\"], \"permissions\": [{\"role\": \"Admin\", \"resource\": \"notes\","
	" \"actions\": {\"list\": true, \"read\": true}}]}}";

static ag_ir *test_ir(void)
{
	ag_diags d;
	ag_ir *ir = NULL;

	ag_diags_init(&d);
	ag_front_compile(&ir, "notes.json", blueprint, strlen(blueprint), &d);
	ag_diags_dispose(&d);
	return ir;
}

/* Run the emitters of `f` (a manifest must be among them). */
static int run(fixtures *f, const ag_gen_limits *lim, ag_files *files, ag_diags *d)
{
	ag_gen *g = NULL;
	ag_ir *ir = test_ir();
	int rc;

	CHECK(ir != NULL);
	if (!ir)
		return -100;
	rc = ag_gen_new(&g, fixture_source, f, lim);
	CHECK_INT(rc, 0);
	if (rc == 0)
		rc = ag_gen_run(g, ir, files, d);
	ag_gen_free(g);
	ag_ir_free(ir);
	return rc;
}

/* One emitter, "emitters.t", whose emit() body is `body`. */
static int run_body(const char *body, const ag_gen_limits *lim, ag_files *files, ag_diags *d,
	fixtures *extra)
{
	fixtures f = { .n = 0 };
	ag_buf src = AG_BUF_INIT;
	int rc;

	if (extra)
		f = *extra;
	ag_buf_printf(&src, "return { emit = function(app, ctx)\n%s\nend }\n", body);
	f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua", "return { 'emitters.t' }" };
	f.items[f.n++] = (fixture){ "lua/emitters/t.lua", src.ptr };
	rc = run(&f, lim, files, d);
	ag_buf_dispose(&src);
	return rc;
}

static bool has_diag(const ag_diags *d, ag_diag_code code, const char *part)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->items[i].code == code && (!part || strstr(d->items[i].message, part)))
			return true;
	return false;
}

static void dump_diags(const ag_diags *d)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(stderr, "    [%s] %s%s%s\n", ag_diag_code_id(d->items[i].code), d->items[i].message,
			d->items[i].hint ? " | " : "", d->items[i].hint ? d->items[i].hint : "");
}

/* The text an emitter body writes to "out" (malloc'd), or NULL. */
static char *output_of(const char *body, const ag_gen_limits *lim, fixtures *extra)
{
	ag_files files;
	ag_diags d;
	const ag_file *f;
	char *out = NULL;

	ag_files_init(&files);
	ag_diags_init(&d);
	if (run_body(body, lim, &files, &d, extra) != 0)
		dump_diags(&d);
	else if ((f = ag_files_get(&files, "out")))
		out = strdup(f->data);
	ag_files_dispose(&files);
	ag_diags_dispose(&d);
	return out;
}

/* The value of one Lua expression, through tostring(). */
static char *eval(const char *expr)
{
	ag_buf body = AG_BUF_INIT;
	char *out;

	ag_buf_printf(&body, "ctx:file('out', tostring(%s))", expr);
	out = output_of(body.ptr, NULL, NULL);
	ag_buf_dispose(&body);
	return out;
}

#define CHECK_EVAL(expr, expected) \
	do { \
		char *v_ = eval(expr); \
		CHECK_STR(v_, expected); \
		free(v_); \
	} while (0)

/* Run `body`; expect failure with `code` and a message containing `part`. */
static void expect_fail(const char *body, const ag_gen_limits *lim, ag_diag_code code, const char *part)
{
	ag_files files;
	ag_diags d;
	int rc;

	ag_files_init(&files);
	ag_diags_init(&d);
	rc = run_body(body, lim, &files, &d, NULL);
	CHECK_INT(rc, AG_EINVALID);
	CHECK(has_diag(&d, code, part));
	CHECK(has_diag(&d, code, "emitter 'emitters.t' failed"));
	if (!has_diag(&d, code, part)) {
		fprintf(stderr, "    expected %s containing '%s' from: %s\n", ag_diag_code_id(code), part, body);
		dump_diags(&d);
	}
	ag_files_dispose(&files);
	ag_diags_dispose(&d);
}

/* ---- tests -------------------------------------------------------------- */

void test_gen_builtin_source(void)
{
	const char *data = NULL;
	size_t len = 0;

	CHECK_INT(ag_gen_builtin_source(&data, &len, "lua/appgen/template.lua", NULL), 0);
	CHECK(data && len > 100 && data[len] == '\0');
	CHECK_INT(ag_gen_builtin_source(&data, &len, "lua/appgen/out.lua", NULL), 0);
	CHECK_INT(ag_gen_builtin_source(&data, &len, "lua/emitters/_manifest.lua", NULL), 0);
	CHECK_INT(ag_gen_builtin_source(&data, &len, "lua/appgen/nope.lua", NULL), AG_ENOTFOUND);
	CHECK_INT(ag_gen_builtin_source(&data, &len, "", NULL), AG_ENOTFOUND);
	CHECK_INT(ag_gen_builtin_source(&data, &len, "zzz", NULL), AG_ENOTFOUND);

	/* the built-in manifest runs (and is empty for now) */
	{
		ag_gen *g = NULL;
		ag_ir *ir = test_ir();
		ag_files files;
		ag_diags d;
		ag_files_init(&files);
		ag_diags_init(&d);
		CHECK_INT(ag_gen_new(&g, NULL, NULL, NULL), 0);
		CHECK_INT(ag_gen_run(g, ir, &files, &d), 0);
		CHECK_INT(d.count, 0);
		ag_gen_free(g);
		ag_ir_free(ir);
		ag_files_dispose(&files);
		ag_diags_dispose(&d);
	}
}

void test_gen_sandbox_globals(void)
{
	char *v = output_of(
		"local names = { 'io', 'os', 'package', 'debug', 'dofile', 'loadfile', 'print', 'warn',\n"
		"  'coroutine', 'loadstring', 'module', 'setfenv', 'getfenv', 'newproxy' }\n"
		"local present = {}\n"
		"for _, n in ipairs(names) do if _G[n] ~= nil then present[#present + 1] = n end end\n"
		"if string.dump then present[#present + 1] = 'string.dump' end\n"
		"if math.random then present[#present + 1] = 'math.random' end\n"
		"if math.randomseed then present[#present + 1] = 'math.randomseed' end\n"
		"present[#present + 1] = tostring(collectgarbage('count'))\n"
		"present[#present + 1] = tostring(collectgarbage('stop'))\n"
		"present[#present + 1] = tostring(getmetatable('') )\n"
		"present[#present + 1] = type(('x').upper)\n"
		"present[#present + 1] = type(string) .. type(table) .. type(math) .. type(utf8) .. type(ag)\n"
		"ctx:file('out', table.concat(present, ','))",
		NULL, NULL);
	CHECK_STR(v, "0,0,false,function,tabletabletabletabletable");
	free(v);

	/* no __gc finalizers from Lua */
	expect_fail("setmetatable({}, { __gc = function() end })", NULL, AG_D_EMITTER_ERROR, "__gc");
	/* globals stay in the module that set them */
	v = output_of("leaked = 1; ctx:file('out', tostring(rawget(_G, 'leaked')))", NULL, NULL);
	CHECK_STR(v, "nil");
	free(v);
}

void test_gen_sandbox_load(void)
{
	/* text chunks load, in an empty environment unless one is given */
	CHECK_EVAL("load('return 1 + 1')()", "2");
	CHECK_EVAL("load('return ag')()", "nil");
	CHECK_EVAL("load('return x', 'n', 't', { x = 5 })()", "5");
	CHECK_EVAL("load('return x', 'n', 'bt', { x = 6 })()", "6");
	/* bytecode is refused whatever the mode asks for */
	CHECK_EVAL("select(2, load('\\27Lua\\84\\0\\25\\147\\13\\10\\26\\10', 'b', 'b'))",
		"attempt to load a binary chunk (mode is 't')");
	CHECK_EVAL("select(2, load(function() local s = '\\27Lua' return s end))",
		"attempt to load a binary chunk (mode is 't')");
	CHECK_EVAL("select(2, load('return +'))", "[string \"return +\"]:1: unexpected symbol near '+'");
}

void test_gen_budget(void)
{
	ag_gen_limits lim = { .instructions = 1000000 };

	expect_fail("while true do end", &lim, AG_D_EMITTER_BUDGET, "instruction budget exhausted");
	expect_fail("while true do end", &lim, AG_D_EMITTER_BUDGET, "lua/emitters/t.lua:2:");
	/* a pcall inside the script cannot swallow it */
	expect_fail("while true do pcall(function() while true do end end) end", &lim, AG_D_EMITTER_BUDGET,
		"instruction budget");
	expect_fail("local function f() return f() end f()", &lim, AG_D_EMITTER_BUDGET, "instruction budget");
	/* C loops that are not VM instructions are charged too */
	expect_fail("table.move({}, 1, 1e15, 2)", &lim, AG_D_EMITTER_BUDGET, "instruction budget");
	expect_fail("for i = 1, 1e9 do local _ = ('x'):rep(100000) end", &lim, AG_D_EMITTER_BUDGET,
		"instruction budget");
	CHECK_EVAL("#string.rep('', 1e18)", "0");
	CHECK_EVAL("#string.rep('', 1e18, '')", "0");

	/* each emitter gets a fresh budget */
	{
		fixtures f = { .n = 0 };
		ag_files files;
		ag_diags d;
		ag_files_init(&files);
		ag_diags_init(&d);
		f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua",
			"return { 'emitters.a', 'emitters.b', 'emitters.c' }" };
		f.items[f.n++] = (fixture){ "lua/emitters/a.lua",
			"return { emit = function(app, ctx) for i = 1, 100000 do end ctx:file('a', 'a') end }" };
		f.items[f.n++] = (fixture){ "lua/emitters/b.lua",
			"return { emit = function(app, ctx) while true do end end }" };
		f.items[f.n++] = (fixture){ "lua/emitters/c.lua",
			"return { emit = function(app, ctx) for i = 1, 100000 do end ctx:file('c', 'c') end }" };
		CHECK_INT(run(&f, &lim, &files, &d), AG_EINVALID);
		CHECK_INT(d.count, 1);
		CHECK(has_diag(&d, AG_D_EMITTER_BUDGET, "emitter 'emitters.b' failed"));
		CHECK(ag_files_get(&files, "a") != NULL);
		CHECK(ag_files_get(&files, "c") != NULL);
		if (d.count)
			CHECK_STR(d.items[0].file, "notes.json");
		ag_files_dispose(&files);
		ag_diags_dispose(&d);
	}
}

void test_gen_memory(void)
{
	ag_gen_limits lim = { .memory = 16u << 20 };
	fixtures f = { .n = 0 };
	ag_files files;
	ag_diags d;

	expect_fail("local s = 'x' while true do s = s .. s end", &lim, AG_D_EMITTER_MEMORY, "memory cap");
	expect_fail("local s = 'x' while true do s = string.rep(s, 2) end", &lim, AG_D_EMITTER_MEMORY,
		"memory cap");
	expect_fail("local t = {} for i = 1, 1e9 do t[i] = i end", &lim, AG_D_EMITTER_MEMORY, "memory cap");
	expect_fail("local t = {} for i = 1, 1e9 do t[#t + 1] = { i } end", &lim, AG_D_EMITTER_MEMORY,
		"memory cap");
	expect_fail("local t = {} for i = 1, 1e9 do t[i] = tostring(i) .. 'abcdefghijkl' end", &lim,
		AG_D_EMITTER_MEMORY, "memory cap");
	/* a caught memory error and a retry; then a runtime error is E701 */
	expect_fail("pcall(function() local s = 'x' while true do s = s .. s end end) error('later')", &lim,
		AG_D_EMITTER_ERROR, "later");
	expect_fail("local s = ('x'):rep(1 << 40)", &lim, AG_D_EMITTER_ERROR, "too large");
	/* C functions building text near the cap (their buffers are freed) */
	expect_fail("local t = {} for i = 1, 2e4 do t[i] = ('x'):rep(40) end\n"
		    "local all = {} while true do all[#all + 1] = ag.json(t, true) end",
		&lim, AG_D_EMITTER_MEMORY, "memory cap");
	expect_fail("local md = ('*a* <b>x</b> '):rep(20000)\n"
		    "local all = {} while true do all[#all + 1] = ag.markdown(md) .. ag.html(md) end",
		&lim, AG_D_EMITTER_MEMORY, "memory cap");
	/* a writer's text lives in Lua memory: the cap holds it (and capture's) */
	expect_fail("local o = require('appgen.out').new(2) o.push('x') while true do o.w('%s', ('y'):rep(100)) end",
		&lim, AG_D_EMITTER_MEMORY, "memory cap");
	expect_fail("local o = require('appgen.out').new(2)\n"
		    "o.capture(function() while true do o.w('line %s', 1) end end)",
		&lim, AG_D_EMITTER_MEMORY, "memory cap");
	/* generated files count against the cap too */
	expect_fail("local s = ('x'):rep(4 << 20) for i = 1, 10 do ctx:file('f' .. i, s) end", &lim,
		AG_D_EMITTER_MEMORY, "larger than the memory cap");

	/* the state stays usable: the next emitter runs */
	ag_files_init(&files);
	ag_diags_init(&d);
	f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua", "return { 'emitters.bomb', 'emitters.ok' }" };
	f.items[f.n++] = (fixture){ "lua/emitters/bomb.lua",
		"local keep = {}\n"
		"return { emit = function(app, ctx) local s = 'x' while true do s = s .. s keep[#keep+1] = s end end }" };
	f.items[f.n++] = (fixture){ "lua/emitters/ok.lua",
		"return { emit = function(app, ctx) ctx:file('ok', ('y'):rep(1000)) end }" };
	CHECK_INT(run(&f, &lim, &files, &d), AG_EINVALID);
	CHECK_INT(d.count, 1);
	CHECK(has_diag(&d, AG_D_EMITTER_MEMORY, "emitter 'emitters.bomb' failed: memory cap"));
	CHECK(ag_files_get(&files, "ok") != NULL);
	ag_files_dispose(&files);
	ag_diags_dispose(&d);

	/* a bomb while a module loads (a nested protected call) */
	ag_files_init(&files);
	ag_diags_init(&d);
	f.n = 0;
	f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua", "return { 'emitters.m' }" };
	f.items[f.n++] = (fixture){ "lua/emitters/m.lua",
		"local lib = require('lib.bomb') return { emit = function(app, ctx) end }" };
	f.items[f.n++] = (fixture){ "lua/lib/bomb.lua", "local s = 'x' while true do s = s .. s end" };
	CHECK_INT(run(&f, &lim, &files, &d), AG_EINVALID);
	CHECK(has_diag(&d, AG_D_EMITTER_MEMORY, "emitter 'emitters.m' failed: memory cap"));
	ag_files_dispose(&files);
	ag_diags_dispose(&d);
}

void test_gen_pattern_cap(void)
{
	ag_gen_limits lim = { .pattern_subject = 1000 };
	char *v;

	expect_fail("string.find(('a'):rep(2000), 'b')", &lim, AG_D_EMITTER_ERROR, "string.find: subject of 2000");
	expect_fail("local s = ('a'):rep(2000) s:match('b')", &lim, AG_D_EMITTER_ERROR, "string.match");
	expect_fail("local s = ('a'):rep(2000) s:gsub('a', 'b')", &lim, AG_D_EMITTER_ERROR, "string.gsub");
	expect_fail("for _ in ('a'):rep(2000):gmatch('a') do end", &lim, AG_D_EMITTER_ERROR, "string.gmatch");
	v = output_of("local s = ('a'):rep(1000) ctx:file('out', tostring(select(2, s:gsub('a', 'b'))))", &lim, NULL);
	CHECK_STR(v, "1000");
	free(v);
}

void test_gen_ir_readonly(void)
{
	char *v = output_of(
		"local r = {}\n"
		"local function try(f) local ok, e = pcall(f) r[#r + 1] = ok and 'ok' or (e:match('read%-only') and 'ro' or e) end\n"
		"try(function() app.app.name = 'x' end)\n"
		"try(function() app.newkey = 1 end)\n"
		"try(function() rawset(app, 'format', 'x') end)\n"
		"try(function() setmetatable(app, nil) end)\n"
		"try(function() table.insert(app.data.tables, 1) end)\n"
		"try(function() app.data.tables[1] = nil end)\n"
		"try(function() table.sort(app.data.tables, function(a, b) return a.name > b.name end) end)\n"
		"r[#r + 1] = app.app.name\n"
		"r[#r + 1] = tostring(getmetatable(app))\n"
		"r[#r + 1] = tostring(rawget(app, 'app'))\n"
		"r[#r + 1] = tostring(app) .. '/' .. tostring(app.data.tables)\n"
		"ctx:file('out', table.concat(r, ','))",
		NULL, NULL);
	CHECK_STR(v, "ro,ro,ro,"
		"cannot change a protected metatable,"
		"ro,ro,ro,Notes,the IR is read-only,nil,IR object/IR array");
	free(v);
	expect_fail("app.app.slug = 'evil'", NULL, AG_D_EMITTER_ERROR, "the IR is read-only");
}

void test_gen_ir_iterate(void)
{
	char *v = output_of(
		"local r = {}\n"
		"r[#r + 1] = tostring(#app.data.tables)\n"
		"for i, t in ipairs(app.data.tables) do r[#r + 1] = i .. '=' .. t.name end\n"
		"local keys = {}\n"
		"for k in pairs(app) do keys[#keys + 1] = k end\n"
		"r[#r + 1] = table.concat(keys, '+', 1, 4)\n"
		"local cols = {}\n"
		"for i, c in pairs(app.data.tables[1].columns) do cols[#cols + 1] = i .. c.name end\n"
		"r[#r + 1] = table.concat(cols, '+')\n"
		"r[#r + 1] = table.concat(app.data.tableOrder, '+')\n"
		"r[#r + 1] = math.type(app.security.auth.accessTokenExpiryMinutes)\n"
		"r[#r + 1] = tostring(app.data.tables[1].columns[1].system)\n"
		"r[#r + 1] = tostring(app.nope)\n"
		"r[#r + 1] = tostring(next(app) ~= nil) .. tostring(next(app.data.relationships) == nil)\n"
		"ctx:file('out', table.concat(r, ','))",
		NULL, NULL);
	CHECK_STR(v, "2,1=notes,2=tags,format+app+data+security,"
		"1id+2title+3from+4created_at+5updated_at+6created_by,notes+tags,integer,true,nil,truetrue");
	free(v);
}

void test_gen_escapers(void)
{
	/* SQL */
	CHECK_EVAL("ag.sql.ident('users')", "\"users\"");
	CHECK_EVAL("ag.sql.ident('we\"ird')", "\"we\"\"ird\"");
	CHECK_EVAL("ag.sql.ident('select')", "\"select\"");
	CHECK_EVAL("ag.sql.ident('Ünï')", "\"Ünï\"");
	CHECK_EVAL("select(2, pcall(ag.sql.ident, ''))", "bad argument #1 to '?' (empty SQL identifier)");
	CHECK_EVAL("pcall(ag.sql.ident, 'a\\0b')", "false");
	CHECK_EVAL("ag.sql.lit(\"it's\")", "'it''s'");
	CHECK_EVAL("ag.sql.lit('a\\\\b')", "E'a\\\\b'");
	CHECK_EVAL("ag.sql.lit('x\\\\\\'; DROP TABLE t; --')", "E'x\\\\''; DROP TABLE t; --'");
	CHECK_EVAL("ag.sql.lit(nil)", "NULL");
	CHECK_EVAL("ag.sql.lit(ag.null)", "NULL");
	CHECK_EVAL("ag.sql.lit(true) .. ag.sql.lit(false)", "TRUEFALSE");
	CHECK_EVAL("ag.sql.lit(42) .. ' ' .. ag.sql.lit(1.5) .. ' ' .. ag.sql.lit(-0.0)", "42 1.5 0");
	CHECK_EVAL("pcall(ag.sql.lit, 1/0)", "false");
	CHECK_EVAL("pcall(ag.sql.lit, {})", "false");
	/* Python */
	CHECK_EVAL("ag.py.ident('from')", "from_");
	CHECK_EVAL("ag.py.ident('class')", "class_");
	CHECK_EVAL("ag.py.ident('None') .. ag.py.ident('match') .. ag.py.ident('type') .. ag.py.ident('_')",
		"None_match_type___");
	CHECK_EVAL("ag.py.ident('async') .. ag.py.ident('await')", "async_await_");
	CHECK_EVAL("ag.py.ident('title')", "title");
	CHECK_EVAL("ag.py.ident('id')", "id");
	CHECK_EVAL("pcall(ag.py.ident, '1abc')", "false");
	CHECK_EVAL("pcall(ag.py.ident, 'a-b')", "false");
	CHECK_EVAL("ag.py.str('say \"hi\"\\n\\\\ \\t\\1 é')", "\"say \\\"hi\\\"\\n\\\\ \\t\\x01 é\"");
	CHECK_EVAL("pcall(ag.py.str, '\\255')", "false");
	/* nothing to escape (the short path) and long strings (the buffer path) agree */
	CHECK_EVAL("ag.py.str('plain é')", "\"plain é\"");
	CHECK_EVAL("ag.py.str(('x'):rep(200)) == '\"' .. ('x'):rep(200) .. '\"'", "true");
	CHECK_EVAL("ag.py.str(('x'):rep(200) .. '\"') == '\"' .. ('x'):rep(200) .. '\\\\\"\"'", "true");
	CHECK_EVAL("ag.sql.ident(('y'):rep(130)) == '\"' .. ('y'):rep(130) .. '\"'", "true");
	CHECK_EVAL("ag.ts.str('price €5')", "\"price €5\"");
	CHECK_EVAL("ag.ts.str(('z'):rep(140) .. '<') == '\"' .. ('z'):rep(140) .. '\\\\u003c\"'", "true");
	/* TypeScript */
	CHECK_EVAL("ag.ts.ident('delete') .. ag.ts.ident('let') .. ag.ts.ident('name')", "delete_let_name");
	CHECK_EVAL("ag.ts.ident('$x')", "$x");
	CHECK_EVAL("ag.ts.str('</script><b>\"x\"\\n')",
		"\"\\u003c/script\\u003e\\u003cb\\u003e\\\"x\\\"\\n\"");
	CHECK_EVAL("ag.ts.str('a\\u{2028}b\\u{2029}c\\0')", "\"a\\u2028b\\u2029c\\u0000\"");
	CHECK_EVAL("ag.ts.str('ünï 😀')", "\"ünï 😀\"");
	CHECK_EVAL("pcall(ag.ts.str, '\\xed\\xa0\\x80')", "false");
	/* HTML and URLs */
	/* Markdown inline text */
	CHECK_EVAL("ag.md('plain text, 1.5 (ok)')", "plain text, 1.5 (ok)");
	CHECK_EVAL("ag.md('a|b *c* _d_ `e` [f](g) <h> &i; ~j~ #k $l\\\\m')",
		"a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) \\<h\\> \\&i; \\~j\\~ \\#k \\$l\\\\m");
	CHECK_EVAL("ag.md('x\\ny\\tz\\0w\\127v')", "x y z w v");
	CHECK_EVAL("ag.md('é|ü')", "é\\|ü");
	CHECK_EVAL("ag.html('<a href=\"x\">Tom & Jerry\\'s</a>')",
		"&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	CHECK_EVAL("ag.attr('\" onload=\"x')", "&quot; onload=&quot;x");
	CHECK_EVAL("ag.url('a b/c?d=é&e~')", "a%20b%2Fc%3Fd%3D%C3%A9%26e~");
	/* hash */
	CHECK_EVAL("ag.hash('')", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	CHECK_EVAL("ag.hash('hello\\n')", "ce013625030ba8dba906f756967f9e9ca394464a");
	CHECK_EVAL("tostring(ag.null)", "null");
}

void test_gen_json(void)
{
	CHECK_EVAL("ag.json({ b = 1, a = { 1, 2, 'x' }, c = { d = true, e = ag.null } })",
		"{\"a\":[1,2,\"x\"],\"b\":1,\"c\":{\"d\":true,\"e\":null}}");
	CHECK_EVAL("ag.json({ b = 1, a = {} }, true)", "{\n  \"a\": [],\n  \"b\": 1\n}\n");
	CHECK_EVAL("ag.json('q\"\\\\\\n\\0</')", "\"q\\\"\\\\\\n\\u0000</\"");
	CHECK_EVAL("ag.json(0.1) .. ag.json(1e300) .. ag.json(-0.0) .. ag.json(2^53)", "0.11e+30009007199254740992");
	CHECK_EVAL("ag.json(app.app.theme)", "{\"mode\":\"light\",\"primaryColor\":\"#1677ff\"}");
	CHECK_EVAL("ag.json(app.data.tableOrder)", "[\"notes\",\"tags\"]");
	CHECK_EVAL("ag.json(app.data.relationships)", "[]");
	CHECK_EVAL("pcall(ag.json, { [1] = 1, x = 2 })", "false");
	CHECK_EVAL("pcall(ag.json, { [true] = 1 })", "false");
	CHECK_EVAL("pcall(ag.json, { 1, nil, 3 })", "false");
	CHECK_EVAL("pcall(ag.json, print or function() end)", "false");
	CHECK_EVAL("pcall(ag.json, 0/0)", "false");
	CHECK_EVAL("pcall(ag.json, '\\255')", "false");
	CHECK_EVAL("select(2, pcall(function() local t = {} t.t = t return ag.json(t) end))",
		"lua/emitters/t.lua:2: ag.json: nesting deeper than 64 (a cycle?)");
	/* the IR round-trips: keys sorted, nested proxies unwrapped */
	CHECK_EVAL("#ag.json(app, true) > 500", "true");
}

void test_gen_case_plural(void)
{
	CHECK_EVAL("ag.case.snake('userId')", "user_id");
	CHECK_EVAL("ag.case.snake('HTTPServer2Go')", "http_server2_go");
	CHECK_EVAL("ag.case.snake('  order-items ')", "order_items");
	CHECK_EVAL("ag.case.camel('order_items')", "orderItems");
	CHECK_EVAL("ag.case.camel('UserID')", "userId");
	CHECK_EVAL("ag.case.pascal('order_items')", "OrderItems");
	CHECK_EVAL("ag.case.kebab('OrderItems')", "order-items");
	CHECK_EVAL("ag.case.title('created_at')", "Created At");
	CHECK_EVAL("ag.case.snake('')", "");
	CHECK_EVAL("ag.case.pascal('über_straße')", "überStraße"); /* ASCII case only */

	CHECK_EVAL("ag.plural('note')", "notes");
	CHECK_EVAL("ag.plural('category')", "categories");
	CHECK_EVAL("ag.plural('day')", "days");
	CHECK_EVAL("ag.plural('box') .. ag.plural('status') .. ag.plural('match') .. ag.plural('wish')",
		"boxesstatusesmatcheswishes");
	CHECK_EVAL("ag.plural('person') .. ag.plural('Child') .. ag.plural('sales_person')",
		"peopleChildrensales_people");
	CHECK_EVAL("ag.plural('OrderItem') .. ' ' .. ag.plural('SalesPerson') .. ' ' .. ag.plural('CITY')",
		"OrderItems SalesPeople CITIES");
	CHECK_EVAL("ag.plural('analysis') .. ag.plural('data') .. ag.plural('knife')", "analysesdataknives");
	CHECK_EVAL("ag.singular('notes')", "note");
	CHECK_EVAL("ag.singular('categories')", "category");
	CHECK_EVAL("ag.singular('people') .. ag.singular('children')", "personchild");
	CHECK_EVAL("ag.singular('statuses') .. ag.singular('addresses') .. ag.singular('boxes')",
		"statusaddressbox");
	CHECK_EVAL("ag.singular('causes') .. ag.singular('houses') .. ag.singular('ties')", "causehousetie");
	CHECK_EVAL("ag.singular('status') .. ag.singular('class') .. ag.singular('analyses')",
		"statusclassanalysis");
	CHECK_EVAL("ag.singular('movies') .. ag.singular('news') .. ag.singular('OrderItems')",
		"movienewsOrderItem");
}

void test_gen_markdown(void)
{
	CHECK_EVAL("ag.markdown('# Hi *there*')", "<h1>Hi <em>there</em></h1>\n");
	CHECK_EVAL("ag.markdown('<script>alert(1)</script>')", "<!-- raw HTML omitted -->\n");
	CHECK_EVAL("ag.markdown('a <b onclick=\"x\">b</b>')",
		"<p>a <!-- raw HTML omitted -->b<!-- raw HTML omitted --></p>\n");
	CHECK_EVAL("ag.markdown('[x](javascript:alert(1))')", "<p><a href=\"\">x</a></p>\n");
	CHECK_EVAL("ag.markdown('[x](https://example.com/?a=1&b=2)')",
		"<p><a href=\"https://example.com/?a=1&amp;b=2\">x</a></p>\n");
	CHECK_EVAL("ag.markdown('')", "");
}

static fixtures template_fixtures(void)
{
	fixtures f = { .n = 0 };

	f.items[f.n++] = (fixture){ "templates/t/loop.tpl",
		"{# a comment #}Tables:\n"
		"{% for t in tables -%}\n"
		"- {{ t.name }}{% if t.name == 'notes' %} (main){% elseif t.name == 'x' %} x{% else %} other{% end %}\n"
		"{% end -%}\n"
		"{%- for i, c in ipairs(cols) %}[{{ i }}:{{ ag.sql.ident(c) }}]{% end %}\n"
		"{% for i = 1, 3 %}{{ i }}{% end %} {{ title }} {{ 'a' .. '}' }}\n" };
	f.items[f.n++] = (fixture){ "templates/t/bad_nil.tpl", "line1\nline2 {{ missing }}\n" };
	f.items[f.n++] = (fixture){ "templates/t/bad_call.tpl", "a\n\nb {{ nope() }}\n" };
	f.items[f.n++] = (fixture){ "templates/t/bad_syntax.tpl", "a\n{{ 1 + }}\n" };
	f.items[f.n++] = (fixture){ "templates/t/unclosed.tpl", "a\n{% if x %}\nb\n" };
	f.items[f.n++] = (fixture){ "templates/t/stray.tpl", "a\n\n\n{% end %}\n" };
	return f;
}

void test_gen_template(void)
{
	fixtures f = template_fixtures();
	char *v = output_of(
		"local text = ctx:template('t/loop.tpl', { tables = app.data.tables, cols = { 'from', 'a\"b' }, title = 'T' })\n"
		"ctx:file('out', text)",
		NULL, &f);
	CHECK_STR(v, "Tables:\n- notes (main)\n- tags other\n[1:\"from\"][2:\"a\"\"b\"]\n123 T a}\n");
	free(v);

	/* compiled once, cached, rendered again with other variables */
	v = output_of(
		"local a = ctx:template('t/loop.tpl', { tables = {}, cols = {}, title = 'A' })\n"
		"local b = ctx:template('t/loop.tpl', { tables = {}, cols = {}, title = 'B' })\n"
		"ctx:file('out', a .. b)",
		NULL, &f);
	CHECK_STR(v, "Tables:\n\n123 A a}\nTables:\n\n123 B a}\n");
	free(v);

	/* the generated Lua keeps the template's lines */
	v = output_of(
		"local T = require('appgen.template')\n"
		"local code = T.compile('a\\n{{ x }}\\n{% if y %}\\nb{% end %}\\n', 'n')\n"
		"ctx:file('out', select(2, code:gsub('\\n', '')) .. '|' .. T.render_string('<{{ x }}>', { x = 1 }))",
		NULL, NULL);
	CHECK_STR(v, "4|<1>");
	free(v);
}

void test_gen_template_errors(void)
{
	fixtures f = template_fixtures();
	static const struct {
		const char *name, *part;
	} cases[] = {
		{ "t/bad_nil.tpl", "templates/t/bad_nil.tpl:2: template value is nil" },
		{ "t/bad_call.tpl", "templates/t/bad_call.tpl:3: attempt to call a nil value" },
		{ "t/bad_syntax.tpl", "templates/t/bad_syntax.tpl:2:" },
		{ "t/unclosed.tpl", "templates/t/unclosed.tpl:2: 'if' is not closed" },
		{ "t/stray.tpl", "templates/t/stray.tpl:4: 'end' without a block" },
		{ "t/none.tpl", "template 't/none.tpl' not found" },
		{ "../x.tpl", "invalid template name" },
	};

	for (size_t i = 0; i < AG_ARRAY_SIZE(cases); i++) {
		ag_buf body = AG_BUF_INIT;
		ag_files files;
		ag_diags d;
		ag_files_init(&files);
		ag_diags_init(&d);
		ag_buf_printf(&body, "ctx:template('%s', {})", cases[i].name);
		CHECK_INT(run_body(body.ptr, NULL, &files, &d, &f), AG_EINVALID);
		CHECK(has_diag(&d, AG_D_EMITTER_ERROR, cases[i].part));
		if (!has_diag(&d, AG_D_EMITTER_ERROR, cases[i].part)) {
			fprintf(stderr, "    expected '%s'\n", cases[i].part);
			dump_diags(&d);
		}
		ag_buf_dispose(&body);
		ag_files_dispose(&files);
		ag_diags_dispose(&d);
	}
}

void test_gen_out(void)
{
	char *v = output_of(
		"local o = require('appgen.out').new(4)\n"
		"o.w('# %s', 'models')\n"
		"o.w()\n"
		"o:push('class %s:', 'Note')\n"
		"o.w('a = %s%%', 100)\n"
		"o.w('literal %d')\n"
		"o.push('def f():')\n"
		"o.w('x = 1\\ny = 2\\n\\nz = 3')\n"
		"o.pop()\n"
		"local inner = o.capture(function() o.w('captured') end)\n"
		"o:pop('# end')\n"
		"local okc = pcall(o.capture, function() o.push('lost') error('boom') end)\n"
		"o.w('after a failed capture: %s, depth %s', okc, o.depth())\n"
		"local t = require('appgen.out').new({ indent = 2 })\n"
		"t.push('{') t.w('a: 1,') t.pop('}')\n"
		"local bad = {}\n"
		"bad[1] = select(2, pcall(o.w, '%d', 1))\n"
		"bad[2] = select(2, pcall(o.w, '%s %s', 'a'))\n"
		"bad[3] = select(2, pcall(o.w, '%s', nil))\n"
		"bad[4] = select(2, pcall(o.pop))\n"
		"ctx:file('out', o.text() .. inner .. t.text() .. table.concat(bad, '\\n'))",
		NULL, NULL);
	CHECK_STR(v,
		"# models\n"
		"\n"
		"class Note:\n"
		"    a = 100%\n"
		"    literal %d\n"
		"    def f():\n"
		"        x = 1\n"
		"        y = 2\n"
		"\n"
		"        z = 3\n"
		"# end\n"
		"after a failed capture: false, depth 0\n"
		"    captured\n"
		"{\n  a: 1,\n}\n"
		"appgen.out: only %s and %% may be used in a format, not %d\n"
		"appgen.out: the format has 2 %s for 1 arguments\n"
		"appgen.out: argument 1 is nil\n"
		"appgen.out: pop() without push()");
	free(v);
}

void test_gen_require(void)
{
	fixtures f = { .n = 0 };
	char *v;

	f.items[f.n++] = (fixture){ "lua/lib/a.lua", "counter = (counter or 0) + 1 return { n = counter }" };
	f.items[f.n++] = (fixture){ "lua/lib/cycle1.lua", "return require('lib.cycle2')" };
	f.items[f.n++] = (fixture){ "lua/lib/cycle2.lua", "return require('lib.cycle1')" };
	f.items[f.n++] = (fixture){ "lua/lib/broken.lua", "error('broken module')" };
	v = output_of(
		"local a1, a2 = require('lib.a'), require('lib.a')\n"
		"local r = { tostring(a1 == a2), tostring(a1.n), tostring(counter) }\n"
		"r[#r + 1] = select(2, pcall(require, 'lib.nope'))\n"
		"r[#r + 1] = select(2, pcall(require, '../etc/passwd'))\n"
		"r[#r + 1] = tostring(select(2, pcall(require, 'lib.cycle1')):match('a cycle') ~= nil)\n"
		"local ok1, e1 = pcall(require, 'lib.broken')\n"
		"local ok2, e2 = pcall(require, 'lib.broken')\n"
		"r[#r + 1] = tostring(e1:match('broken module') ~= nil and e2:match('broken module') ~= nil)\n"
		"ctx:file('out', table.concat(r, '|'))",
		NULL, &f);
	CHECK_STR(v, "true|1|nil|module 'lib.nope' not found (no lua/lib/nope.lua)|"
		"require: invalid module name '../etc/passwd'|true|true");
	free(v);
}

void test_gen_ctx(void)
{
	ag_files files;
	ag_diags d;
	const ag_file *file;
	int rc;

	ag_files_init(&files);
	ag_diags_init(&d);
	rc = run_body(
		"ctx:file('bin/run.sh', '#!/bin/sh\\n', '0755')\n"
		"ctx:file('a/b.txt', ctx.emitter .. ' ' .. tostring(ctx))\n"
		"ctx:file('c.txt', 'x', 420)\n"
		"ctx:dep('pypi:fastapi==0.115.0') ctx:dep('npm:react@18') ctx:dep('npm:react@18')\n"
		"ctx:env('DATABASE_URL') ctx:gap('custom reports')\n",
		NULL, &files, &d, NULL);
	CHECK_INT(rc, 0);
	dump_diags(&d);
	CHECK_INT(files.count, 3);
	if ((file = ag_files_get(&files, "bin/run.sh"))) {
		CHECK_INT(file->mode, 0755);
		CHECK_STR(file->emitter, "emitters.t");
	}
	if ((file = ag_files_get(&files, "a/b.txt"))) {
		CHECK_STR(file->data, "emitters.t ctx(emitters.t)");
		CHECK_INT(file->mode, 0644);
	}
	CHECK_INT(files.deps.count, 2);
	if (files.deps.count == 2)
		CHECK_STR(files.deps.items[0], "npm:react@18");
	CHECK_INT(files.env.count, 1);
	CHECK_INT(files.gaps.count, 1);
	ag_files_dispose(&files);
	ag_diags_dispose(&d);

	expect_fail("ctx:file('x', 'y', '0777')", NULL, AG_D_EMITTER_ERROR, "mode");
	expect_fail("ctx:env('NOT-A-NAME')", NULL, AG_D_EMITTER_ERROR, "not an environment variable name");
	expect_fail("ctx.emitter = 'x'", NULL, AG_D_EMITTER_ERROR, "");
	expect_fail("ctx:file('x', nil)", NULL, AG_D_EMITTER_ERROR, "bad argument #2 to 'file'");
	expect_fail("for i = 1, 10001 do ctx:dep('d' .. i) end", NULL, AG_D_EMITTER_ERROR, "more than 10000");

	/* a ctx kept by one emitter is dead in the next */
	{
		fixtures f = { .n = 0 };
		ag_files_init(&files);
		ag_diags_init(&d);
		f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua", "return { 'emitters.a', 'emitters.b' }" };
		f.items[f.n++] = (fixture){ "lua/lib/stash.lua", "return {}" };
		f.items[f.n++] = (fixture){ "lua/emitters/a.lua",
			"return { emit = function(app, ctx) require('lib.stash').ctx = ctx end }" };
		f.items[f.n++] = (fixture){ "lua/emitters/b.lua",
			"return { emit = function(app, ctx) require('lib.stash').ctx:file('x', 'y') end }" };
		CHECK_INT(run(&f, NULL, &files, &d), AG_EINVALID);
		CHECK(has_diag(&d, AG_D_EMITTER_ERROR, "ctx used after its emitter finished"));
		CHECK_INT(files.count, 0);
		ag_files_dispose(&files);
		ag_diags_dispose(&d);
	}
}

void test_gen_bad_paths(void)
{
	fixtures f = { .n = 0 };
	ag_files files;
	ag_diags d;

	expect_fail("ctx:file('../x', 'y')", NULL, AG_D_EMITTER_ERROR, "invalid output path '../x'");
	expect_fail("ctx:file('/etc/passwd', 'y')", NULL, AG_D_EMITTER_ERROR, "invalid output path '/etc/passwd'");
	expect_fail("ctx:file('a/./b', 'y')", NULL, AG_D_EMITTER_ERROR, "invalid output path");
	expect_fail("ctx:file('a\\0b', 'y')", NULL, AG_D_EMITTER_ERROR, "invalid output path");
	expect_fail("ctx:file('x', '1') ctx:file('x', '2')", NULL, AG_D_EMITTER_ERROR, "'x'");
	expect_fail("ctx:file('../x', 'y')", NULL, AG_D_EMITTER_ERROR, "lua/emitters/t.lua:2: ctx:file:");

	/* the same path from two emitters: the second one fails */
	ag_files_init(&files);
	ag_diags_init(&d);
	f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua", "return { 'emitters.one', 'emitters.two' }" };
	f.items[f.n++] = (fixture){ "lua/emitters/one.lua", "return { emit = function(app, ctx) ctx:file('README.md', '1') end }" };
	f.items[f.n++] = (fixture){ "lua/emitters/two.lua", "return { emit = function(app, ctx) ctx:file('README.md', '2') end }" };
	CHECK_INT(run(&f, NULL, &files, &d), AG_EINVALID);
	CHECK(has_diag(&d, AG_D_EMITTER_ERROR, "emitter 'emitters.two' failed"));
	CHECK(has_diag(&d, AG_D_EMITTER_ERROR, "README.md"));
	CHECK_STR(ag_files_get(&files, "README.md") ? ag_files_get(&files, "README.md")->data : NULL, "1");
	ag_files_dispose(&files);
	ag_diags_dispose(&d);

	/* a manifest that is not a list, and a module that is not an emitter */
	ag_files_init(&files);
	ag_diags_init(&d);
	f.n = 0;
	f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua", "return { 'emitters.x', 42 }" };
	CHECK_INT(run(&f, NULL, &files, &d), AG_EINVALID);
	CHECK(has_diag(&d, AG_D_EMITTER_ERROR, "emitter 'emitters._manifest' failed"));
	ag_files_dispose(&files);
	ag_diags_dispose(&d);

	ag_files_init(&files);
	ag_diags_init(&d);
	f.n = 0;
	f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua", "return { 'emitters.x', 'emitters.y' }" };
	f.items[f.n++] = (fixture){ "lua/emitters/x.lua", "return 42" };
	CHECK_INT(run(&f, NULL, &files, &d), AG_EINVALID);
	CHECK(has_diag(&d, AG_D_EMITTER_ERROR, "module 'emitters.x' is not an emitter"));
	CHECK(has_diag(&d, AG_D_EMITTER_ERROR, "module 'emitters.y' not found"));
	ag_files_dispose(&files);
	ag_diags_dispose(&d);
}

void test_gen_deterministic(void)
{
	static const char emitter[] =
		"local out = require('appgen.out')\n"
		"return { emit = function(app, ctx)\n"
		"  local o = out.new(2)\n"
		"  local function walk(v, depth)\n"
		"    if type(v) ~= 'table' then o.w('%s', tostring(v)) return end\n"
		"    for k, x in pairs(v) do o.push('%s:', tostring(k)) walk(x, depth + 1) o.pop() end\n"
		"  end\n"
		"  walk(app, 0)\n"
		"  ctx:file('tree.txt', o.text())\n"
		"  ctx:file('ir.json', ag.json(app, true))\n"
		"  local t = { z = 1, y = { 3, 2, 1 }, x = { b = 1, a = 2 }, [\"k\\0\"] = 4 }\n"
		"  ctx:file('plain.json', ag.json(t))\n"
		"  ctx:file('t.txt', ctx:template('t/loop.tpl', { tables = app.data.tables, cols = {}, title = 'x' }))\n"
		"end }\n";
	fixtures f = template_fixtures();
	ag_files a, b, c;
	ag_diags d;
	ag_gen *g = NULL;
	ag_ir *ir = test_ir();

	f.items[f.n++] = (fixture){ "lua/emitters/_manifest.lua", "return { 'emitters.det' }" };
	f.items[f.n++] = (fixture){ "lua/emitters/det.lua", emitter };
	ag_files_init(&a);
	ag_files_init(&b);
	ag_files_init(&c);
	ag_diags_init(&d);
	CHECK_INT(ag_gen_new(&g, fixture_source, &f, NULL), 0);
	CHECK_INT(ag_gen_run(g, ir, &a, &d), 0);
	CHECK_INT(ag_gen_run(g, ir, &b, &d), 0); /* same state again */
	ag_gen_free(g);
	g = NULL;
	CHECK_INT(ag_gen_new(&g, fixture_source, &f, NULL), 0); /* a fresh state */
	CHECK_INT(ag_gen_run(g, ir, &c, &d), 0);
	dump_diags(&d);
	CHECK_INT(a.count, 4);
	CHECK_INT(b.count, a.count);
	CHECK_INT(c.count, a.count);
	for (size_t i = 0; i < a.count && i < b.count && i < c.count; i++) {
		CHECK_STR(a.items[i].path, b.items[i].path);
		CHECK_STR(a.items[i].path, c.items[i].path);
		CHECK(a.items[i].len == b.items[i].len && !memcmp(a.items[i].data, b.items[i].data, a.items[i].len));
		CHECK(a.items[i].len == c.items[i].len && !memcmp(a.items[i].data, c.items[i].data, a.items[i].len));
	}
	if (ag_files_get(&a, "plain.json"))
		CHECK_STR(ag_files_get(&a, "plain.json")->data,
			"{\"k\\u0000\":4,\"x\":{\"a\":2,\"b\":1},\"y\":[3,2,1],\"z\":1}");
	/* ag.json of the IR is the IR's canonical JSON with sorted keys */
	if (ag_files_get(&a, "ir.json")) {
		cJSON *mine = cJSON_Parse(ag_files_get(&a, "ir.json")->data), *ref = ag_ir_to_json(ir);
		CHECK(mine && ref && cJSON_Compare(mine, ref, true));
		cJSON_Delete(mine);
		cJSON_Delete(ref);
	}
	ag_gen_free(g);
	ag_ir_free(ir);
	ag_files_dispose(&a);
	ag_files_dispose(&b);
	ag_files_dispose(&c);
	ag_diags_dispose(&d);
}

/* JSON null and empty objects through the bridge, on a bare host. */
static int push_doc(lua_State *L)
{
	ag_lua_push_json(L, lua_touserdata(L, 1));
	lua_setglobal(L, "doc");
	return 0;
}

static int eval_chunk(lua_State *L)
{
	const char *code = lua_touserdata(L, 1);
	if (luaL_loadstring(L, code) != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	return 1;
}

void test_gen_ir_null(void)
{
	fixtures f = { .n = 0 };
	ag_lua h;
	cJSON *doc = cJSON_Parse("{\"a\": null, \"b\": [1, null, 2.5], \"c\": {}, \"d\": []}");

	CHECK_INT(ag_lua_init(&h, fixture_source, &f, NULL), 0);
	lua_pushcfunction(h.L, push_doc);
	lua_pushlightuserdata(h.L, doc);
	CHECK_INT(ag_lua_pcall(&h, 1, 0), AG_LUA_OK);
	lua_pushcfunction(h.L, eval_chunk);
	lua_pushlightuserdata(h.L, (void *)
		"return table.concat({ tostring(doc.a == ag.null), tostring(#doc.b), tostring(doc.b[2] == ag.null),\n"
		"  math.type(doc.b[1]), tostring(doc.b[3]), ag.json(doc), ag.json(doc.c), ag.json(doc.d) }, ' ')");
	CHECK_INT(ag_lua_pcall(&h, 1, 1), AG_LUA_OK);
	CHECK_STR(lua_tostring(h.L, -1),
		"true 3 true integer 2.5 {\"a\":null,\"b\":[1,null,2.5],\"c\":{},\"d\":[]} {} []");
	lua_settop(h.L, 0);
	ag_lua_dispose(&h);
	cJSON_Delete(doc);
}

/* pairs() over a plain table has a fixed order (Lua's per-state hash
 * seed must not show in outputs): numbers, then strings bytewise, then
 * booleans; keys of other types are refused. */
void test_gen_pairs_sorted(void);
void test_gen_pairs_sorted(void)
{
	char *v = output_of(
		"local t = { zeta = 1, alpha = 2, Beta = 3, [10] = 4, [2] = 5, [true] = 6, [false] = 7, mid = 8 }\n"
		"local ks = {}\n"
		"for k, val in pairs(t) do ks[#ks + 1] = tostring(k) .. '=' .. tostring(val) end\n"
		"local ok, err = pcall(function() for _ in pairs({ [{}] = 1 }) do end end)\n"
		"ks[#ks + 1] = tostring(ok)\n"
		"ctx:file('out', table.concat(ks, ' '))", NULL, NULL);
	CHECK_STR(v, "2=5 10=4 Beta=3 alpha=2 mid=8 zeta=1 false=7 true=6 false");
	free(v);
}
