/* test_pattern.c - the budgeted pattern matcher (src/gen/lua_pattern.c):
 * its behaviour (each expectation is checked against stock Lua too), its
 * step budget, its place in the sandbox, and a differential run against
 * Lua 5.4's own string library over a generated corpus. */
#include "test.h"
#include "appgen/buf.h"
#include "appgen/front.h"
#include "appgen/gen.h"
#include "gen/lua_pattern.h"
#include <lualib.h>

void test_pattern_find(void);
void test_pattern_classes(void);
void test_pattern_captures(void);
void test_pattern_gsub(void);
void test_pattern_gmatch(void);
void test_pattern_errors(void);
void test_pattern_budget(void);
void test_pattern_sandbox(void);
void test_pattern_differential(void);

/* ---- plain states ------------------------------------------------------ */

/* What a test state charges its steps to (through the extra space). */
typedef struct meter {
	uint64_t used, limit, calls;
} meter;

static void meter_charge(lua_State *L, uint64_t steps)
{
	meter *m = *(meter **)lua_getextraspace(L);

	m->used += steps;
	m->calls++;
	if (m->used > m->limit)
		luaL_error(L, "step budget exhausted");
}

/* A state with every standard library; string.find/match/gmatch/gsub are
 * ours when `ours` (charging `m` if given), else Lua's. */
static lua_State *state_new(bool ours, meter *m)
{
	lua_State *L = luaL_newstate();

	if (!L)
		return NULL;
	luaL_openlibs(L);
	*(meter **)lua_getextraspace(L) = m;
	if (ours) {
		lua_getglobal(L, "string");
		ag_lua_pattern_install(L, -1, m ? meter_charge : NULL);
		lua_pop(L, 1);
	}
	return L;
}

/* Run `chunk` (named "t"); its results as "a,b,c" (tostring of each), or
 * "error: <message>". Malloc'd. */
static char *run_lua(lua_State *L, const char *chunk)
{
	ag_buf out = AG_BUF_INIT;
	int top = lua_gettop(L);

	if (luaL_loadbuffer(L, chunk, strlen(chunk), "=t") != LUA_OK ||
	    lua_pcall(L, 0, LUA_MULTRET, 0) != LUA_OK) {
		ag_buf_printf(&out, "error: %s", lua_tostring(L, -1));
	} else {
		for (int i = top + 1; i <= lua_gettop(L); i++) {
			if (i > top + 1)
				ag_buf_putc(&out, ',');
			ag_buf_puts(&out, luaL_tolstring(L, i, NULL));
			lua_pop(L, 1);
		}
	}
	lua_settop(L, top);
	return ag_buf_detach(&out);
}

/* `chunk` gives `expected` with our matcher, and with Lua's (so the
 * expectation itself is right). */
static void check_lua(const char *file, int line, const char *chunk, const char *expected)
{
	for (int ours = 1; ours >= 0; ours--) {
		lua_State *L = state_new(ours, NULL);
		char *got = L ? run_lua(L, chunk) : NULL;
		if (!got || strcmp(got, expected)) {
			fprintf(stderr, "  %s:%d: %s gives \"%s\" with %s matcher, expected \"%s\"\n", file,
				line, chunk, got ? got : "(no state)", ours ? "our" : "Lua's", expected);
			test_failures++;
		}
		free(got);
		if (L)
			lua_close(L);
	}
}

#define CHECK_LUA(chunk, expected) check_lua(__FILE__, __LINE__, chunk, expected)

/* ---- behaviour ----------------------------------------------------------- */

void test_pattern_find(void)
{
	CHECK_LUA("return ('hello world'):find('o w')", "5,7");
	CHECK_LUA("return ('hello'):find('l')", "3,3");
	CHECK_LUA("return ('hello'):find('xyz')", "nil");
	CHECK_LUA("return ('hello'):find('')", "1,0");
	CHECK_LUA("return ('hello'):find('', 6)", "6,5");
	CHECK_LUA("return ('hello'):find('', 7)", "nil");
	CHECK_LUA("return ('hello'):find('l', -2)", "4,4");
	CHECK_LUA("return ('hello'):find('h', -100)", "1,1");
	CHECK_LUA("return ('hello'):find('l', 0)", "3,3");
	CHECK_LUA("return ('hello'):find('l', math.maxinteger)", "nil");
	CHECK_LUA("return ('hello'):find('o', math.mininteger)", "5,5");
	CHECK_LUA("return ('a.b'):find('.', 1, true)", "2,2");
	CHECK_LUA("return ('a.b'):find('.', 1)", "1,1");
	CHECK_LUA("return ('a.b'):find('%.')", "2,2");
	CHECK_LUA("return ('a+b(c'):find('+b(', 1, true)", "2,4");
	CHECK_LUA("return ('a\\0b'):find('\\0b')", "2,3");
	/* anchors: '^' only first, '$' only last; elsewhere literal */
	CHECK_LUA("return ('hello'):find('^h')", "1,1");
	CHECK_LUA("return ('hello'):find('^e')", "nil");
	CHECK_LUA("return ('hello'):find('^e', 2)", "2,2");
	CHECK_LUA("return ('hello'):find('o$')", "5,5");
	CHECK_LUA("return ('hello'):find('l$')", "nil");
	CHECK_LUA("return ('a$b'):find('$b')", "2,3");
	CHECK_LUA("return ('a^b'):find('a^')", "1,2");
	CHECK_LUA("return ('hello'):match('^(h)(.-)$')", "h,ello");
	CHECK_LUA("return (''):find('^$')", "1,0");
	/* repetitions */
	CHECK_LUA("return ('aaab'):match('a*')", "aaa");
	CHECK_LUA("return ('baaa'):match('a*')", "");
	CHECK_LUA("return ('aaab'):match('a-b')", "aaab");
	CHECK_LUA("return ('aaab'):match('a-')", "");
	CHECK_LUA("return ('baaa'):match('a+')", "aaa");
	CHECK_LUA("return ('b'):match('a+')", "nil");
	CHECK_LUA("return ('<a><b>'):match('<(.*)>')", "a><b");
	CHECK_LUA("return ('<a><b>'):match('<(.-)>')", "a");
	CHECK_LUA("return ('-12'):match('^[+-]?%d+$')", "-12");
	CHECK_LUA("return ('x = 10'):match('^(%w+)%s*=%s*(%d+)$')", "x,10");
	CHECK_LUA("return ('a*b'):find('*')", "2,2");
	CHECK_LUA("return ('ab'):match('.-$')", "ab");
	/* sets */
	CHECK_LUA("return ('x]y'):match('[]]')", "]");
	CHECK_LUA("return ('x]y'):match('[^]x]')", "y");
	CHECK_LUA("return ('a-z'):match('[a-]+')", "a-");
	CHECK_LUA("return ('Mz-'):match('[%u-]+')", "M");
	CHECK_LUA("return ('b-'):match('[%a-z]+')", "b-");
	CHECK_LUA("return ('%]'):match('[%]%%]+')", "%]");
	CHECK_LUA("return ('2024-01-31'):match('^([0-9]+)-([0-9]+)-([0-9]+)$')", "2024,01,31");
	CHECK_LUA("return ('\\233t\\233'):match('[\\200-\\255]+')", "\xe9");
}

/* Members of each class by the C locale, as ranges of bytes. */
static const struct {
	char name;
	const char *ranges; /* pairs of bytes: first, last */
} class_ranges[] = {
	{ 'a', "AZaz" },
	{ 'c', "\x01\x1f\x7f\x7f" }, /* and 0, added below */
	{ 'd', "09" },
	{ 'g', "!~" },
	{ 'l', "az" },
	{ 'p', "!/:@[`{~" },
	{ 's', "\t\r  " },
	{ 'u', "AZ" },
	{ 'w', "09AZaz" },
	{ 'x', "09AFaf" },
	{ 'z', "" }, /* only 0 */
};

void test_pattern_classes(void)
{
	for (size_t k = 0; k < AG_ARRAY_SIZE(class_ranges); k++) {
		ag_buf want = AG_BUF_INIT, chunk = AG_BUF_INIT;
		const char *r = class_ranges[k].ranges;
		char name = class_ranges[k].name;

		for (int c = 0; c < 256; c++) {
			bool in = (c == 0 && (name == 'c' || name == 'z'));
			for (size_t i = 0; r[i]; i += 2)
				in |= c >= (unsigned char)r[i] && c <= (unsigned char)r[i + 1];
			if (in)
				ag_buf_printf(&want, "%s%d", want.len ? " " : "", c);
		}
		/* %x, [%x], %X and [^%x] must agree on every byte */
		ag_buf_printf(&chunk,
			"local k, r = '%c', {}\n"
			"for i = 0, 255 do\n"
			"  local c = string.char(i)\n"
			"  local a, b = c:find('%%' .. k) ~= nil, c:find('[_%%' .. k .. ']') ~= nil\n"
			"  local n, m = c:find('%%' .. k:upper()) ~= nil, c:find('[^%%' .. k .. ']') ~= nil\n"
			"  if c == '_' then b = a end\n"
			"  if a ~= b or a == n or a == m then return 'inconsistent at ' .. i end\n"
			"  if a then r[#r + 1] = i end\n"
			"end\n"
			"return table.concat(r, ' ')",
			name);
		CHECK_LUA(chunk.ptr, want.ptr);
		ag_buf_dispose(&want);
		ag_buf_dispose(&chunk);
	}
	/* a byte that names no class is itself, in and out of sets */
	CHECK_LUA("return ('a.b'):match('%.'), ('a%b'):match('[%%]'), ('qQ'):match('%Q')", ".,%,Q");
}

void test_pattern_captures(void)
{
	CHECK_LUA("return ('hello world'):match('(h)(e)(l)')", "h,e,l");
	CHECK_LUA("return ('hello'):find('(l)(l)')", "3,4,l,l");
	CHECK_LUA("return ('hello'):match('()ll()')", "3,5");
	CHECK_LUA("return ('hello'):find('()')", "1,0,1");
	CHECK_LUA("return ('key=val'):match('((%w+)=(%w+))')", "key=val,key,val");
	CHECK_LUA("return ('x'):match('()(x)()')", "1,x,2");
	CHECK_LUA("return select('#', ('x'):rep(40):match(('(x)'):rep(32)))", "32");
	/* back-references */
	CHECK_LUA("return ('abcabc'):match('(abc)%1')", "abc");
	CHECK_LUA("return ('abcabd'):match('(abc)%1')", "nil");
	CHECK_LUA("return ([[say \"hi\" or 'yo']]):match([[([\"'])(.-)%1]])", "\",hi");
	CHECK_LUA("return ('xyzxyz'):match('(x(y)z)%2')", "nil");
	CHECK_LUA("return ('xyzyxyz'):match('(x(y)z)%2')", "xyz,y");
	CHECK_LUA("return ('aa'):find('()a%1')", "nil"); /* a position never matches */
	CHECK_LUA("return ('abab'):match('^(.-)%1$')", "ab");
	/* %b */
	CHECK_LUA("return ('f(a(b)c) d'):match('%b()')", "(a(b)c)");
	CHECK_LUA("return ('f(a(b c'):match('%b()')", "nil");
	CHECK_LUA("return ('[[x]]y'):match('%b[]')", "[[x]]");
	CHECK_LUA("return ([[\"ab\"cd\"]]):match('%b\"\"')", "\"ab\"");
	CHECK_LUA("return ('if (a) then (b) end'):gsub('%b()', 'X')", "if X then X end,2");
	/* %f: the edges of the subject count as '\\0' */
	CHECK_LUA("return ('THE (quick) fox'):gsub('%f[%a]%a+', 'W')", "W (W) W,3");
	CHECK_LUA("return ('hello'):find('%f[%l]')", "1,0");
	CHECK_LUA("return ('hello'):find('%f[%z]')", "6,5");
	CHECK_LUA("return ('ab12'):match('%f[%d](%d+)')", "12");
	CHECK_LUA("return ('x1 22'):gsub('%f[%w]%d+%f[%W]', 'N')", "x1 N,1");
}

void test_pattern_gsub(void)
{
	CHECK_LUA("return ('hello world'):gsub('o', '0')", "hell0 w0rld,2");
	CHECK_LUA("return ('hello world'):gsub('o', '0', 1)", "hell0 world,1");
	CHECK_LUA("return ('hello world'):gsub('o', '0', 0)", "hello world,0");
	CHECK_LUA("return ('hello world'):gsub('o', '0', -1)", "hello world,0");
	CHECK_LUA("return ('hello'):gsub('', '-')", "-h-e-l-l-o-,6");
	CHECK_LUA("return ('abc'):gsub('b*', '-')", "-a-c-,3");
	CHECK_LUA("return ('hello world'):gsub('(%w+)', '<%1>')", "<hello> <world>,2");
	CHECK_LUA("return ('hello world'):gsub('%w+', '%0 %0', 1)", "hello hello world,1");
	CHECK_LUA("return ('hello world'):gsub('(%w+) (%w+)', '%2 %1')", "world hello,1");
	CHECK_LUA("return ('50%'):gsub('%%', '%%%%')", "50%%,1");
	CHECK_LUA("return ('abc'):gsub('()', '%1')", "1a2b3c4,4");
	CHECK_LUA("return ('abc'):gsub('%w', '%1')", "abc,3");
	CHECK_LUA("return ('a b'):gsub('%w', 7)", "7 7,2");
	CHECK_LUA("return ('a b'):gsub('%w', 2.5)", "2.5 2.5,2");
	CHECK_LUA("return ('$name is $age'):gsub('%$(%w+)', { name = 'Ann', age = 7 })", "Ann is 7,2");
	CHECK_LUA("return ('$name $x'):gsub('%$(%w+)', { name = 'Ann' })", "Ann $x,2");
	CHECK_LUA("return ('ab'):gsub('()', { 'one', 'two' })", "oneatwob,3");
	CHECK_LUA("return ('abc'):gsub('%w', function(c) return c:upper() .. '.' end)", "A.B.C.,3");
	CHECK_LUA("return ('abc'):gsub('%w', function(c) if c ~= 'b' then return 1 end end)", "1b1,3");
	CHECK_LUA("return ('k=v, x=y'):gsub('(%w+)=(%w+)', function(k, v) return v .. '=' .. k end)", "v=k, y=x,2");
	CHECK_LUA("return ('ab'):gsub('.', function(...) return select('#', ...) end)", "11,2");
	CHECK_LUA("return ('abc'):gsub('^.', 'X')", "Xbc,1");
	CHECK_LUA("return ('abc'):gsub('^', '>')", ">abc,1");
	CHECK_LUA("return ('abc'):gsub('$', '<')", "abc<,1");
	CHECK_LUA("return ('abc'):gsub('x*$', '<')", "abc<,1");
	CHECK_LUA("return ('a,b,,c'):gsub(',', ';', 2)", "a;b;,c,2");
	CHECK_LUA("return ('abc'):gsub('b', '%%1')", "a%1c,1");
	CHECK_LUA("return ('one two'):gsub('(o)(n?)', '[%2%1]')", "[no]e tw[o],2");
	/* nested: the replacement function matches too */
	CHECK_LUA("return ('a1 b2'):gsub('%w+', function(w) return (w:gsub('%d', '#')) end)", "a# b#,2");
}

void test_pattern_gmatch(void)
{
	CHECK_LUA("local r = {} for w in ('one two  three'):gmatch('%a+') do r[#r + 1] = w end\n"
		  "return table.concat(r, '|')",
		"one|two|three");
	CHECK_LUA("local r = {} for k, v in ('a=1, b=2'):gmatch('(%w+)=(%w+)') do r[#r + 1] = k .. v end\n"
		  "return table.concat(r, '|')",
		"a1|b2");
	CHECK_LUA("local n = 0 for _ in ('abc'):gmatch('') do n = n + 1 end return n", "4");
	CHECK_LUA("local r = {} for p in ('abc'):gmatch('()') do r[#r + 1] = p end return table.concat(r, ' ')",
		"1 2 3 4");
	/* '^' is no anchor for gmatch */
	CHECK_LUA("local r = {} for w in ('a^b^c'):gmatch('^%a') do r[#r + 1] = w end return table.concat(r, ' ')",
		"^b ^c");
	CHECK_LUA("local r = {} for w in ('ab ab'):gmatch('a*') do r[#r + 1] = '<' .. w .. '>' end\n"
		  "return table.concat(r)",
		"<a><><a><>");
	/* init (5.4) */
	CHECK_LUA("local r = {} for w, p in ('abcabc'):gmatch('(b)()', 3) do r[#r + 1] = w .. p end\n"
		  "return table.concat(r, ' ')",
		"b6");
	CHECK_LUA("local r = {} for p in ('abcabc'):gmatch('()b', -2) do r[#r + 1] = p end return table.concat(r)",
		"5");
	CHECK_LUA("local n = 0 for _ in ('abc'):gmatch('', 10) do n = n + 1 end return n", "0");
	CHECK_LUA("local n = 0 for _ in ('abc'):gmatch('', 4) do n = n + 1 end return n", "1");
	CHECK_LUA("local it = ('a b'):gmatch('%a') return it(), it(), it(), it()", "a,b,nil");
}

void test_pattern_errors(void)
{
	CHECK_LUA("return ('abc'):find('a%')", "error: t:1: malformed pattern (ends with '%')");
	CHECK_LUA("return ('abc'):find('[a')", "error: t:1: malformed pattern (missing ']')");
	CHECK_LUA("return ('abc'):find('[]')", "error: t:1: malformed pattern (missing ']')");
	CHECK_LUA("return ('abc'):find('[a%]')", "error: t:1: malformed pattern (missing ']')");
	CHECK_LUA("return ('abc'):find('%f')", "error: t:1: missing '[' after '%f' in pattern");
	CHECK_LUA("return ('abc'):find('%fa')", "error: t:1: missing '[' after '%f' in pattern");
	CHECK_LUA("return ('abc'):find('%b(')", "error: t:1: malformed pattern (missing arguments to '%b')");
	CHECK_LUA("return ('abc'):find('(a')", "error: t:1: unfinished capture");
	CHECK_LUA("return ('abc'):match('(a')", "error: t:1: unfinished capture");
	CHECK_LUA("return ('abc'):find('.)')", "error: t:1: invalid pattern capture");
	CHECK_LUA("return ('abc'):find('%1')", "error: t:1: invalid capture index %1");
	CHECK_LUA("return ('abc'):find('(a)%2')", "error: t:1: invalid capture index %2");
	CHECK_LUA("return ('abc'):find('(a%1)')", "error: t:1: invalid capture index %1");
	CHECK_LUA("return ('abc'):find('%0')", "error: t:1: invalid capture index %0");
	CHECK_LUA("return ('x'):rep(40):match(('(x)'):rep(33))", "error: t:1: too many captures");
	CHECK_LUA("return ('bbb'):find(('('):rep(33) .. 'a')", "error: t:1: too many captures");
	CHECK_LUA("return ('bbb'):find(('()'):rep(33) .. 'a')", "error: t:1: too many captures");
	CHECK_LUA("return ('bbb'):find(('('):rep(32) .. 'a')", "nil");
	CHECK_LUA("return ('bab'):find(('('):rep(32) .. 'a')", "error: t:1: unfinished capture");
	CHECK_LUA("return ('abc'):gsub('a', '%2')", "error: t:1: invalid capture index %2");
	CHECK_LUA("return ('abc'):gsub('a', '%x')", "error: t:1: invalid use of '%' in replacement string");
	CHECK_LUA("return ('abc'):gsub('a', 'x%')", "error: t:1: invalid use of '%' in replacement string");
	CHECK_LUA("return ('abc'):gsub('a', { a = true })", "error: t:1: invalid replacement value (a boolean)");
	CHECK_LUA("return ('abc'):gsub('a', function() return {} end)",
		"error: t:1: invalid replacement value (a table)");
	CHECK_LUA("return ('abc'):gsub('(a', 'x')", "xbc,1");
	CHECK_LUA("return ('abc'):gsub('(a', '%1')", "error: t:1: unfinished capture");
	CHECK_LUA("local it = ('abc'):gmatch('(a') return it()", "error: t:1: unfinished capture");
	/* a malformed part the match never reaches is no error */
	CHECK_LUA("return ('abc'):find('x[')", "nil");
	CHECK_LUA("return ('abc'):find('a(', 1, true)", "nil");
	CHECK_LUA("return ('abc'):find('[a', 5)", "nil");
	CHECK_LUA("return ('abc'):find('[a', 4)", "error: t:1: malformed pattern (missing ']')");
	CHECK_LUA("return (''):match('%')", "error: t:1: malformed pattern (ends with '%')");
	CHECK_LUA("return ('abc'):gsub('[a', 'x', 0)", "abc,0");
	CHECK_LUA("local n = 0 for _ in ('abc'):gmatch('[a', 5) do n = n + 1 end return n", "0");
	/* nesting: 200 levels, then "pattern too complex" */
	CHECK_LUA("return ('a'):rep(300):find(('a?'):rep(199))", "1,199");
	CHECK_LUA("return ('a'):rep(300):find(('a?'):rep(200))", "error: t:1: pattern too complex");
	CHECK_LUA("return ('ab'):rep(300):find(('a*b'):rep(199))", "1,398");
	CHECK_LUA("return ('ab'):rep(300):find(('a*b'):rep(200))", "error: t:1: pattern too complex");
	CHECK_LUA("return ('b'):rep(300):find(('a?'):rep(300) .. 'b')", "1,1");
	/* arguments */
	CHECK_LUA("return string.find('abc', 'b', 'x')",
		"error: t:1: bad argument #3 to 'find' (number expected, got string)");
	CHECK_LUA("return string.find('abc', 'b', 1.5)",
		"error: t:1: bad argument #3 to 'find' (number has no integer representation)");
	CHECK_LUA("return string.find(123, 2, '2')", "2,2");
	CHECK_LUA("return string.gsub('abc', 'a')",
		"error: t:1: bad argument #3 to 'gsub' (string/function/table expected, got no value)");
	CHECK_LUA("return string.gsub('abc', 'a', true, 'x')",
		"error: t:1: bad argument #4 to 'gsub' (number expected, got string)");
	CHECK_LUA("return ('abc'):gmatch({})", "error: t:1: bad argument #1 to 'gmatch' (string expected, got table)");
	CHECK_LUA("return pcall(string.match, nil, 'a')",
		"false,bad argument #1 to 'string.match' (string expected, got nil)");
}

/* ---- the budget ---------------------------------------------------------- */

/* Each of these takes (far) more than 10 million steps. */
static const char *const pathological[] = {
	"return ('a'):rep(20000):find('.-.-.-.-b')",
	"return ('a'):rep(5000):match(('a*'):rep(30) .. 'b')",
	"for _ in ('a'):rep(20000):gmatch('.-.-.-b') do end",
	"return ('a'):rep(20000):gsub('a-a-a-a-b', '')",
	"return ('ab'):rep(20000):find('(.-)%1%1$')",
	"return ('('):rep(20000):find('%b()')",
	"return ('a'):rep(200000):find(('a'):rep(100000) .. 'b', 1, true)",
	"return ('a'):rep(200000):find(('a'):rep(100000) .. 'b$')",
	"return ('b'):rep(1000):find('[' .. ('a'):rep(1000000) .. ']')",
	"return ('a'):rep(3000):gsub('.', function(c) return c end):find('.-.-.-.-b')",
};

/* A typical emitter's work over 100 KB of text. */
static const char typical[] =
	"local t = {}\n"
	"for i = 1, 3000 do t[i] = 'Line ' .. i .. ': <b>Hello</b> & \"world\" 12.5%\\n' end\n"
	"local s = table.concat(t)\n"
	"assert(#s > 100000)\n"
	"local n = 0\n"
	"local esc = s:gsub('[<>&\"]', { ['<'] = '&lt;', ['>'] = '&gt;', ['&'] = '&amp;', ['\"'] = '&quot;' })\n"
	"local words = s:gsub('%a+', function(w) n = n + 1 return w:upper() end)\n"
	"for line in s:gmatch('[^\\n]+') do local k, v = line:match('^(%w+ %d+): (.*)$') assert(v) end\n"
	"local ident = s:gsub('[^%w_]+', '_'):gsub('^_+', ''):gsub('_+$', '')\n"
	"return #esc > #s and n == 15000 and s:find('Line 2500', 1, true) ~= nil";

void test_pattern_budget(void)
{
	meter m = { 0, 0, 0 };
	lua_State *L = state_new(true, &m);
	char *v;

	CHECK(L != NULL);
	if (!L)
		return;
	for (size_t i = 0; i < AG_ARRAY_SIZE(pathological); i++) {
		m = (meter){ 0, 10000000, 0 };
		v = run_lua(L, pathological[i]);
		if (!v || !strstr(v, "step budget exhausted")) {
			fprintf(stderr, "  %s: %s\n", pathological[i], v ? v : "(null)");
			test_failures++;
		}
		/* stopped soon after the limit: the work is bounded */
		CHECK(m.used > m.limit && m.used < m.limit + 1000000);
		free(v);
	}

	/* the typical work: every byte looked at, far below any budget, and
	 * charged in batches */
	m = (meter){ 0, UINT64_MAX, 0 };
	v = run_lua(L, typical);
	CHECK_STR(v, "true");
	free(v);
	CHECK(m.used > 400000 && m.used < 5000000);
	CHECK(m.calls >= m.used / AG_LUA_PATTERN_CHARGE_EVERY);
	CHECK(m.calls <= m.used / AG_LUA_PATTERN_CHARGE_EVERY + 20000);

	/* a budget error is an error like any other: the state goes on */
	m = (meter){ 0, 1000, 0 };
	v = run_lua(L, "return ('a'):rep(10000):find('.b')");
	CHECK(v && strstr(v, "step budget exhausted"));
	free(v);
	m = (meter){ 0, 1000000, 0 };
	v = run_lua(L, "return ('a'):rep(100):find('b'), ('ab'):find('b')");
	CHECK_STR(v, "nil,2,2");
	free(v);
	lua_close(L);
}

/* ---- in the sandbox ------------------------------------------------------- */

typedef struct one_emitter {
	const char *manifest, *body;
} one_emitter;

static int one_emitter_source(const char **data, size_t *len, const char *name, void *payload)
{
	const one_emitter *e = payload;
	const char *text = !strcmp(name, "lua/emitters/_manifest.lua") ? e->manifest
		: !strcmp(name, "lua/emitters/p.lua") ? e->body : NULL;

	if (!text)
		return ag_gen_builtin_source(data, len, name, NULL);
	*data = text;
	*len = strlen(text);
	return 0;
}

static const char pattern_blueprint[] =
	"{\"version\": 2, \"app\": {\"name\": \"Pat\", \"slug\": \"pat\"},"
	" \"data\": {\"tables\": [{\"name\": \"items\", \"columns\": [{\"name\": \"title\", \"type\": \"text\"}]}]},"
	" \"security\": {\"roles\": [\"Admin\"]}}";

/* Run emitter "emitters.p" with `body` as its emit(); the diagnostics go
 * to `d`, the text it writes to "out" (malloc'd) is returned. */
static char *sandbox_run(const char *body, uint64_t instructions, ag_diags *d)
{
	ag_buf src = AG_BUF_INIT;
	one_emitter e = { "return { 'emitters.p' }", NULL };
	ag_gen_limits lim = { .instructions = instructions };
	ag_gen *g = NULL;
	ag_ir *ir = NULL;
	ag_files files;
	const ag_file *f;
	char *out = NULL;

	ag_files_init(&files);
	ag_buf_printf(&src, "return { emit = function(app, ctx)\n%s\nend }\n", body);
	e.body = src.ptr;
	ag_front_compile(&ir, "pat.json", pattern_blueprint, strlen(pattern_blueprint), d);
	CHECK(ir != NULL);
	if (ir && ag_gen_new(&g, one_emitter_source, &e, &lim) == 0 && ag_gen_run(g, ir, &files, d) == 0 &&
	    (f = ag_files_get(&files, "out")))
		out = strdup(f->data);
	ag_gen_free(g);
	ag_ir_free(ir);
	ag_files_dispose(&files);
	ag_buf_dispose(&src);
	return out;
}

static void expect_sandbox_diag(const char *body, ag_diag_code code, const char *part)
{
	ag_diags d;
	char *out;
	bool found = false;

	ag_diags_init(&d);
	out = sandbox_run(body, 2000000, &d);
	CHECK(out == NULL);
	for (size_t i = 0; i < d.count; i++)
		found |= d.items[i].code == code &&
			strstr(d.items[i].message, "emitter 'emitters.p' failed") && strstr(d.items[i].message, part);
	if (!found) {
		fprintf(stderr, "  expected %s with '%s' from: %s\n", ag_diag_code_id(code), part, body);
		for (size_t i = 0; i < d.count; i++)
			fprintf(stderr, "    [%s] %s\n", ag_diag_code_id(d.items[i].code), d.items[i].message);
		test_failures++;
	}
	free(out);
	ag_diags_dispose(&d);
}

void test_pattern_sandbox(void)
{
	ag_buf body = AG_BUF_INIT;
	ag_diags d;
	char *out;

	/* string.X and s:X are the budgeted matcher (Lua's is nowhere) */
	for (size_t i = 0; i < AG_ARRAY_SIZE(pathological); i++)
		expect_sandbox_diag(pathological[i], AG_D_EMITTER_BUDGET, "instruction budget exhausted");
	expect_sandbox_diag("string.find(('a'):rep(20000), '.-.-.-.-b')", AG_D_EMITTER_BUDGET, "instruction budget");
	expect_sandbox_diag("local m = string.match m(('a'):rep(20000), '.-.-.-.-b')", AG_D_EMITTER_BUDGET,
		"instruction budget");
	expect_sandbox_diag("string.gsub(('a'):rep(20000), '.-.-.-.-b', '')", AG_D_EMITTER_BUDGET,
		"instruction budget");
	expect_sandbox_diag("for _ in string.gmatch(('a'):rep(20000), '.-.-.-.-b') do end", AG_D_EMITTER_BUDGET,
		"instruction budget");
	/* a pcall in the script cannot swallow it */
	expect_sandbox_diag("pcall(string.find, ('a'):rep(20000), '.-.-.-.-b') ctx:file('out', 'swallowed')",
		AG_D_EMITTER_BUDGET, "instruction budget");
	/* too deep is a plain error; the subject cap still holds */
	expect_sandbox_diag("('a'):rep(300):find(('a?'):rep(300))", AG_D_EMITTER_ERROR, "pattern too complex");
	expect_sandbox_diag("('a'):rep(5 << 20):find('b')", AG_D_EMITTER_ERROR, "longer than the limit");

	/* the typical work fits a budget of a hundredth of the default */
	ag_diags_init(&d);
	ag_buf_puts(&body, "local ok = (function()\n");
	ag_buf_puts(&body, typical);
	ag_buf_puts(&body, "\nend)()\nctx:file('out', tostring(ok) .. ' ' .. (('a,b'):gsub(',', ';')))");
	out = sandbox_run(body.ptr, 2000000, &d);
	CHECK_STR(out, "true a;b");
	CHECK_INT(d.errors, 0);
	free(out);
	ag_diags_dispose(&d);
	ag_buf_dispose(&body);
}

/* ---- differential: ours against Lua's ---------------------------------------- */

/* More cases or another corpus: -DDIFF_CASES=... -DDIFF_SEED=... */
#ifndef DIFF_CASES
#define DIFF_CASES 20000
#endif
#ifndef DIFF_SEED
#define DIFF_SEED 0x5eed5eedu
#endif

/* xorshift64*: the corpus is the same on every run. */
static uint32_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static const char *pick(uint64_t *s, const char *const *list, size_t n)
{
	return list[rnd(s) % n];
}

#define PICK(s, list) pick(s, list, AG_ARRAY_SIZE(list))

static const char *const atoms[] = {
	"a", "b", "c", "A", "1", " ", ".", "%a", "%A", "%d", "%D", "%l", "%u", "%s", "%S", "%w", "%W",
	"%x", "%p", "%P", "%c", "%g", "%z", "%Z", "%.", "%%", "%-", "%]", "%[", "%(", "[ab]", "[^a]",
	"[a-c]", "[%a_]", "[]a]", "[^]]", "[a-]", "[-a]", "[%d-z]", "[^%s]", "[\1-a]", "[%]", "[a%]]",
	"^", "$", "]", "-", "*", "+", "?", "\xe9", "\n",
};
static const char *const specials[] = {
	"(", ")", "()", "(a)", "(.-)", "(%a*)", "%b()", "%bab", "%baa", "%b(", "%b", "%f[%w]", "%f[^a]",
	"%f[a]", "%f[%z]", "%f", "%fa", "%1", "%2", "%0", "%9", "%", "[", "[^", "[a",
};
static const char *const quantifiers[] = { "*", "+", "-", "?" };
static const char raw_bytes[] = "ab()[]%^$*+-?.1";
static const char subject_bytes[] = "aaaabbbc()[]%.-^$ 1A\n\xe9";
static const char *const templates[] = {
	"", "x", "%0", "%1", "%2", "<%1|%2>", "%%", "%", "a%", "%x", "%9", "[%0]", "%3%1",
};

static void push_pattern(lua_State *L, uint64_t *s)
{
	ag_buf p = AG_BUF_INIT;
	uint32_t shape = rnd(s) % 10;

	if (shape == 0) {
		/* raw bytes: mostly malformed */
		for (uint32_t i = rnd(s) % 7; i > 0; i--)
			ag_buf_putc(&p, raw_bytes[rnd(s) % (sizeof(raw_bytes) - 1)]);
	} else {
		if (rnd(s) % 5 == 0)
			ag_buf_putc(&p, '^');
		for (uint32_t i = rnd(s) % 6; i > 0; i--) {
			ag_buf_puts(&p, rnd(s) % 4 ? PICK(s, atoms) : PICK(s, specials));
			if (rnd(s) % 3 == 0)
				ag_buf_puts(&p, PICK(s, quantifiers));
		}
		if (rnd(s) % 6 == 0)
			ag_buf_putc(&p, '$');
		if (rnd(s) % 25 == 0)
			ag_buf_put(&p, "\0a", 2);
	}
	lua_pushlstring(L, p.ptr, p.len);
	ag_buf_dispose(&p);
}

static void push_subject(lua_State *L, uint64_t *s)
{
	char buf[16];
	size_t n = rnd(s) % 13;

	for (size_t i = 0; i < n; i++)
		buf[i] = rnd(s) % 20 ? subject_bytes[rnd(s) % (sizeof(subject_bytes) - 1)] : '\0';
	lua_pushlstring(L, buf, n);
}

/* An init (or n) argument: mostly small integers, sometimes odd values. */
static void push_number_arg(lua_State *L, uint64_t *s)
{
	static const lua_Integer ints[] = { 1, 2, 0, -1, -2, -5, 3, 5, 12, 13, 14, -13, -14, 100, -100 };
	uint32_t k = rnd(s) % 40;

	if (k < 10)
		lua_pushnil(L);
	else if (k < 36)
		lua_pushinteger(L, ints[rnd(s) % AG_ARRAY_SIZE(ints)]);
	else if (k == 36)
		lua_pushnumber(L, 2.0);
	else if (k == 37)
		lua_pushnumber(L, 1.5);
	else if (k == 38)
		lua_pushliteral(L, "2");
	else
		lua_pushinteger(L, rnd(s) % 2 ? LUA_MAXINTEGER : LUA_MININTEGER);
}

static void set_case(lua_State *L, const char *fn, uint64_t *s, int extra)
{
	lua_createtable(L, 0, 6);
	lua_pushstring(L, fn);
	lua_setfield(L, -2, "f");
	push_subject(L, s);
	lua_setfield(L, -2, "s");
	push_pattern(L, s);
	lua_setfield(L, -2, "p");
	push_number_arg(L, s);
	lua_setfield(L, -2, "init");
	if (!strcmp(fn, "find")) {
		uint32_t k = rnd(s) % 6;
		if (k < 3)
			lua_pushboolean(L, k == 0);
		else
			lua_pushnil(L);
		lua_setfield(L, -2, "plain");
	} else if (!strcmp(fn, "gsub")) {
		static const char *const kinds[] = { "str", "str", "str", "num", "tab", "fun" };
		lua_pushstring(L, rnd(s) % 40 ? PICK(s, kinds) : "bad");
		lua_setfield(L, -2, "rk");
		lua_pushstring(L, PICK(s, templates));
		lua_setfield(L, -2, "repl");
	}
	lua_rawseti(L, -2, extra);
}

/* Cases a random corpus would hardly hit: nesting at its limit. */
static const char edge_cases[] =
	"local c = {}\n"
	"for k = 195, 205 do\n"
	"  c[#c + 1] = { f = 'find', s = ('a'):rep(300), p = ('a?'):rep(k) }\n"
	"  c[#c + 1] = { f = 'match', s = ('a'):rep(300), p = ('a*'):rep(k) }\n"
	"  c[#c + 1] = { f = 'find', s = ('a'):rep(300) .. 'b', p = ('a-'):rep(k) .. 'b' }\n"
	"  c[#c + 1] = { f = 'find', s = ('ab'):rep(300), p = ('a+b'):rep(k) }\n"
	"  c[#c + 1] = { f = 'gsub', s = ('a'):rep(300), p = ('a?'):rep(k), rk = 'str', repl = 'x' }\n"
	"end\n"
	"for k = 30, 34 do\n"
	"  c[#c + 1] = { f = 'match', s = ('a'):rep(40), p = ('(a)'):rep(k) }\n"
	"  c[#c + 1] = { f = 'match', s = ('a'):rep(40), p = ('(a?)'):rep(k) }\n"
	"  c[#c + 1] = { f = 'gsub', s = ('ab'):rep(20), p = ('(.)'):rep(k), rk = 'fun' }\n"
	"  c[#c + 1] = { f = 'find', s = 'bbb', p = ('('):rep(k) .. 'a' }\n"
	"  c[#c + 1] = { f = 'gsub', s = 'bab', p = ('()'):rep(k) .. 'a', rk = 'tab' }\n"
	"end\n"
	"return c\n";

/* Run every case with the state's string functions; results as strings. */
static const char harness[] =
	"local cases = ...\n"
	"local function v(x)\n"
	"  if type(x) == 'number' then return math.type(x) .. ':' .. tostring(x) end\n"
	"  return type(x) .. ':' .. tostring(x)\n"
	"end\n"
	"local function ser(...)\n"
	"  local t = table.pack(...)\n"
	"  for i = 1, t.n do t[i] = v(t[i]) end\n"
	"  return table.concat(t, '|', 1, t.n)\n"
	"end\n"
	"local tab = { a = 'T', b = false, ['1'] = 7, [1] = 'one', [2] = 2.5, ['('] = {}, ['ab'] = 'AB' }\n"
	"local function fun(...)\n"
	"  local a = ...\n"
	"  if a == 'b' then return nil elseif a == 'c' then return false elseif a == '(' then return {} end\n"
	"  if a == 1 then return 3 end\n"
	"  return '<' .. select('#', ...) .. tostring(a) .. '>'\n"
	"end\n"
	"local function each(it)\n"
	"  local acc = {}\n"
	"  for _ = 1, 40 do\n"
	"    local t = table.pack(it())\n"
	"    if t[1] == nil then break end\n"
	"    acc[#acc + 1] = ser(table.unpack(t, 1, t.n))\n"
	"  end\n"
	"  return table.concat(acc, ';')\n"
	"end\n"
	"local out = {}\n"
	"for i, c in ipairs(cases) do\n"
	"  if c.f == 'find' then out[i] = ser(pcall(string.find, c.s, c.p, c.init, c.plain))\n"
	"  elseif c.f == 'match' then out[i] = ser(pcall(string.match, c.s, c.p, c.init))\n"
	"  elseif c.f == 'gmatch' then\n"
	"    out[i] = ser(pcall(function() return each(string.gmatch(c.s, c.p, c.init)) end))\n"
	"  else\n"
	"    local r = c.repl\n"
	"    if c.rk == 'tab' then r = tab elseif c.rk == 'fun' then r = fun\n"
	"    elseif c.rk == 'num' then r = #c.s % 2 == 0 and #c.s or #c.s + 0.5\n"
	"    elseif c.rk == 'bad' then r = true end\n"
	"    out[i] = ser(pcall(string.gsub, c.s, c.p, r, c.init))\n"
	"  end\n"
	"end\n"
	"return out\n";

/* Build the corpus in L (a table of cases), the same for every state. */
static void push_corpus(lua_State *L)
{
	static const char *const fns[] = { "find", "match", "gmatch", "gsub" };
	uint64_t seed = DIFF_SEED;
	lua_Integer n;

	if (luaL_dostring(L, edge_cases) != LUA_OK)
		lua_error(L);
	n = luaL_len(L, -1);
	for (int i = 0; i < DIFF_CASES; i++)
		set_case(L, fns[i % 4], &seed, (int)(n + i + 1));
}

/* The harness over the corpus in a fresh state: a table of results on the
 * top of L's stack, or an error message. */
static int corpus_run(lua_State *L)
{
	if (luaL_loadbuffer(L, harness, sizeof(harness) - 1, "=harness") != LUA_OK)
		return lua_error(L);
	push_corpus(L);
	lua_call(L, 1, 1);
	return 1;
}

static void print_case(lua_State *L, lua_Integer i)
{
	static const char *const fields[] = { "f", "s", "p", "init", "plain", "rk", "repl" };

	push_corpus(L);
	lua_rawgeti(L, -1, i);
	fprintf(stderr, "    case %lld:", (long long)i);
	for (size_t k = 0; k < AG_ARRAY_SIZE(fields); k++) {
		size_t len;
		const char *v;
		if (lua_getfield(L, -1, fields[k]) != LUA_TNIL) {
			v = luaL_tolstring(L, -1, &len);
			fprintf(stderr, " %s=", fields[k]);
			for (size_t j = 0; j < len; j++) {
				unsigned char c = (unsigned char)v[j];
				fprintf(stderr, c < 0x20 || c > 0x7e ? "\\%d" : "%c", c);
			}
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	fputc('\n', stderr);
	lua_pop(L, 2);
}

void test_pattern_differential(void)
{
	lua_State *stock = state_new(false, NULL), *ours = state_new(true, NULL);
	lua_Integer n, matched = 0, failed = 0, errors = 0, shown = 0;

	CHECK(stock && ours);
	if (!stock || !ours)
		goto done;
	lua_pushcfunction(stock, corpus_run);
	lua_pushcfunction(ours, corpus_run);
	if (lua_pcall(stock, 0, 1, 0) != LUA_OK || lua_pcall(ours, 0, 1, 0) != LUA_OK) {
		fprintf(stderr, "  harness: %s / %s\n", lua_tostring(stock, -1), lua_tostring(ours, -1));
		test_failures++;
		goto done;
	}
	n = luaL_len(stock, -1);
	CHECK(n > DIFF_CASES);
	CHECK_INT(luaL_len(ours, -1), n);
	for (lua_Integer i = 1; i <= n; i++) {
		size_t la, lb;
		const char *a, *b;
		lua_rawgeti(stock, -1, i);
		lua_rawgeti(ours, -1, i);
		a = lua_tolstring(stock, -1, &la);
		b = lua_tolstring(ours, -1, &lb);
		if (!a || !b || la != lb || memcmp(a, b, la)) {
			if (shown++ < 10) {
				print_case(stock, i);
				fprintf(stderr, "      Lua's: %s\n      ours:  %s\n", a ? a : "?", b ? b : "?");
			}
			test_failures++;
		}
		/* the corpus is worth something only if it exercises every outcome */
		if (a && !strncmp(a, "boolean:false", 13))
			errors++;
		else if (a && (!strcmp(a, "boolean:true|nil") || !strcmp(a, "boolean:true|string:") ||
				      (la > 10 && !strcmp(a + la - 10, "|integer:0"))))
			failed++;
		else
			matched++;
		lua_pop(stock, 1);
		lua_pop(ours, 1);
	}
	if (shown)
		fprintf(stderr, "  %lld of %lld results differ\n", (long long)shown, (long long)n);
	CHECK(matched > n / 4);
	CHECK(failed > n / 10);
	CHECK(errors > n / 20);
done:
	if (stock)
		lua_close(stock);
	if (ours)
		lua_close(ours);
}
