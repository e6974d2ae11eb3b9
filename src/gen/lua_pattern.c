/* lua_pattern.c - Lua 5.4 patterns with a step budget (see lua_pattern.h). */
#include "gen/lua_pattern.h"

#define MAX_CAPTURES 32 /* Lua's LUA_MAXCAPTURES */
#define MAX_DEPTH 200   /* nested match levels, as Lua's MAXCCALLS */
#define SPECIALS "^$*+?.([%-"

/* A capture's length while it is open, and for a position capture "()". */
enum { CAP_OPEN = -1, CAP_POSITION = -2 };

/* The upvalue every function of the library shares. */
typedef struct pattern_lib {
	ag_lua_pattern_charge charge;
} pattern_lib;

typedef struct capture {
	const char *at;
	ptrdiff_t len; /* or CAP_OPEN, CAP_POSITION */
} capture;

/* One call's matching state; lives on the C stack. */
typedef struct matcher {
	lua_State *L;
	ag_lua_pattern_charge charge;
	const char *subj, *subj_end;
	const char *pat_end;
	const char *lead, *lead_end; /* the first item of the pattern (see next_start) */
	int first;                   /* the byte of a literal lead item, or -1 */
	uint64_t steps; /* not charged yet */
	int depth;      /* nested match levels */
	int level;      /* captures in use */
	capture cap[MAX_CAPTURES];
} matcher;

/* ---- the budget ------------------------------------------------------------ */

static void charge_now(matcher *m)
{
	uint64_t n = m->steps;

	m->steps = 0;
	if (m->charge && n)
		m->charge(m->L, n);
}

static void add_steps(matcher *m, uint64_t n)
{
	m->steps += n;
	if (m->steps >= AG_LUA_PATTERN_CHARGE_EVERY)
		charge_now(m);
}

/* ---- single-character classes ---------------------------------------------- */

/*
 * The classes of each byte by the C locale's <ctype.h>, whatever the
 * process locale is, so a build gives the same bytes everywhere. The
 * table is a constant: KINDS() is evaluated by the compiler.
 */
enum {
	K_ALPHA = 1 << 0, K_CNTRL = 1 << 1, K_DIGIT = 1 << 2, K_GRAPH = 1 << 3, K_LOWER = 1 << 4,
	K_PUNCT = 1 << 5, K_SPACE = 1 << 6, K_UPPER = 1 << 7, K_ALNUM = 1 << 8, K_XDIGIT = 1 << 9,
	K_NUL = 1 << 10, /* %z: gone from the manual, still in 5.4 */
	K_NOT = 1 << 15  /* in class_of: the complement (an upper-case name) */
};

#define IN(c, lo, hi) ((c) >= (lo) && (c) <= (hi))
#define IS_ALNUM(c) (IN(c, 'a', 'z') || IN(c, 'A', 'Z') || IN(c, '0', '9'))
#define KINDS(c) \
	((IN(c, 'a', 'z') ? K_LOWER | K_ALPHA : 0) | (IN(c, 'A', 'Z') ? K_UPPER | K_ALPHA : 0) | \
	 (IN(c, '0', '9') ? K_DIGIT : 0) | (IS_ALNUM(c) ? K_ALNUM : 0) | \
	 (IN(c, '0', '9') || IN(c, 'a', 'f') || IN(c, 'A', 'F') ? K_XDIGIT : 0) | \
	 ((c) < 0x20 || (c) == 0x7f ? K_CNTRL : 0) | (IN(c, 0x21, 0x7e) ? K_GRAPH : 0) | \
	 (IN(c, 0x21, 0x7e) && !IS_ALNUM(c) ? K_PUNCT : 0) | \
	 ((c) == ' ' || IN(c, '\t', '\r') ? K_SPACE : 0) | ((c) == 0 ? K_NUL : 0))
#define K4(n) KINDS(n), KINDS((n) + 1), KINDS((n) + 2), KINDS((n) + 3)
#define K16(n) K4(n), K4((n) + 4), K4((n) + 8), K4((n) + 12)
#define K64(n) K16(n), K16((n) + 16), K16((n) + 32), K16((n) + 48)

static const uint16_t kinds[256] = { K64(0), K64(64), K64(128), K64(192) };

/* What `%` followed by a byte denotes; 0: the byte itself. */
static const uint16_t class_of[128] = {
	['a'] = K_ALPHA, ['c'] = K_CNTRL, ['d'] = K_DIGIT, ['g'] = K_GRAPH, ['l'] = K_LOWER,
	['p'] = K_PUNCT, ['s'] = K_SPACE, ['u'] = K_UPPER, ['w'] = K_ALNUM, ['x'] = K_XDIGIT,
	['z'] = K_NUL,
	['A'] = K_ALPHA | K_NOT, ['C'] = K_CNTRL | K_NOT, ['D'] = K_DIGIT | K_NOT, ['G'] = K_GRAPH | K_NOT,
	['L'] = K_LOWER | K_NOT, ['P'] = K_PUNCT | K_NOT, ['S'] = K_SPACE | K_NOT, ['U'] = K_UPPER | K_NOT,
	['W'] = K_ALNUM | K_NOT, ['X'] = K_XDIGIT | K_NOT, ['Z'] = K_NUL | K_NOT,
};

/* Is `c` in the class `%name`? A name that is no class stands for itself
 * (`%.` is a dot). */
static bool class_has(unsigned char c, unsigned char name)
{
	unsigned k = name < 128 ? class_of[name] : 0;

	if (!k)
		return c == name;
	return ((kinds[c] & k) != 0) != ((k & K_NOT) != 0);
}

/* Is `c` in the set that opens at `open` ('[') and closes at `close` (']')? */
static bool set_has(matcher *m, unsigned char c, const char *open, const char *close)
{
	const char *p = open + 1;
	bool negated = *p == '^';

	if (close - open > 16)
		add_steps(m, (uint64_t)(close - open) >> 4);
	for (p += negated; p < close; p++) {
		if (*p == '%') {
			if (class_has(c, (unsigned char)*++p))
				return !negated;
		} else if (p[1] == '-' && p + 2 < close) {
			if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2])
				return !negated;
			p += 2;
		} else if ((unsigned char)*p == c) {
			return !negated;
		}
	}
	return negated;
}

/*
 * Where the single-character class at `p` ends: one byte, an escape, or a
 * set. A set's first member may be ']' (also after '^'), and an escaped
 * byte never closes it.
 */
static const char *item_end(matcher *m, const char *p)
{
	const char *end = m->pat_end, *start = p;

	switch (*p++) {
	case '%':
		if (p == end)
			luaL_error(m->L, "malformed pattern (ends with '%%')");
		return p + 1;
	case '[':
		if (p < end && *p == '^')
			p++;
		for (;;) {
			if (p == end)
				luaL_error(m->L, "malformed pattern (missing ']')");
			if (*p++ == '%' && p < end)
				p++;
			if (p < end && *p == ']')
				break;
		}
		if (p - start > 16)
			add_steps(m, (uint64_t)(p - start) >> 4);
		return p + 1;
	default:
		return p;
	}
}

/* Does the subject byte at `s` match the class [p, ep)? No byte at the end. */
static bool item_has(matcher *m, const char *s, const char *p, const char *ep)
{
	unsigned char c;

	add_steps(m, 1);
	if (s >= m->subj_end)
		return false;
	c = (unsigned char)*s;
	switch (*p) {
	case '.': return true;
	case '%': return class_has(c, (unsigned char)p[1]);
	case '[': return set_has(m, c, p, ep - 1);
	default: return (unsigned char)*p == c;
	}
}

/* The end of the run of bytes from `s` that are (`in`), or are not, in the
 * class [p, ep); a step for each byte tested. */
static const char *class_run(matcher *m, const char *s, const char *p, const char *ep, bool in)
{
	const char *e = s, *end = m->subj_end;

	switch (*p) {
	case '.':
		if (in)
			e = end;
		break;
	case '%':
		while (e < end && class_has((unsigned char)*e, (unsigned char)p[1]) == in)
			e++;
		break;
	case '[':
		while (e < end && set_has(m, (unsigned char)*e, p, ep - 1) == in)
			e++;
		break;
	default:
		while (e < end && (*e == *p) == in)
			e++;
		break;
	}
	add_steps(m, (uint64_t)(e - s) + 1);
	return e;
}

/* ---- matching ---------------------------------------------------------------- */

static const char *match_here(matcher *m, const char *s, const char *p);

/* One match level: everything that may backtrack goes through here. */
static const char *match(matcher *m, const char *s, const char *p)
{
	const char *r;

	if (m->depth == MAX_DEPTH)
		luaL_error(m->L, "pattern too complex");
	m->depth++;
	add_steps(m, 1);
	r = match_here(m, s, p);
	m->depth--;
	return r;
}

/* The longest run of the class [p, ep) from `from` that the rest of the
 * pattern accepts, down to `shortest`. */
static const char *match_longest(matcher *m, const char *shortest, const char *from, const char *p,
	const char *ep)
{
	const char *e = class_run(m, from, p, ep, true), *r;

	for (;; e--) {
		if ((r = match(m, e, ep + 1)))
			return r;
		if (e == shortest)
			return NULL;
	}
}

/* The shortest run of the class [p, ep) from `s` that the rest accepts. */
static const char *match_shortest(matcher *m, const char *s, const char *p, const char *ep)
{
	const char *r;

	for (;; s++) {
		if ((r = match(m, s, ep + 1)))
			return r;
		if (!item_has(m, s, p, ep))
			return NULL;
	}
}

static const char *match_capture_open(matcher *m, const char *s, const char *p, ptrdiff_t kind)
{
	const char *r;

	if (m->level >= MAX_CAPTURES)
		luaL_error(m->L, "too many captures");
	m->cap[m->level].at = s;
	m->cap[m->level].len = kind;
	m->level++;
	if (!(r = match(m, s, p)))
		m->level--;
	return r;
}

static const char *match_capture_close(matcher *m, const char *s, const char *p)
{
	const char *r;
	int i = m->level - 1;

	while (i >= 0 && m->cap[i].len != CAP_OPEN)
		i--;
	if (i < 0)
		luaL_error(m->L, "invalid pattern capture");
	m->cap[i].len = s - m->cap[i].at;
	if (!(r = match(m, s, p)))
		m->cap[i].len = CAP_OPEN;
	return r;
}

/* %bxy: from an x at `s` to the y that balances it. */
static const char *match_balance(matcher *m, const char *s, char open, char close)
{
	size_t depth = 1;

	if (s >= m->subj_end || *s != open)
		return NULL;
	while (++s < m->subj_end) {
		add_steps(m, 1);
		if (*s == close) {
			if (--depth == 0)
				return s + 1;
		} else if (*s == open) {
			depth++;
		}
	}
	return NULL;
}

/* %f[set]: between a byte not in the set and one in it; the subject's
 * edges count as '\0'. `set` is the '[', `close` its ']'. */
static bool match_frontier(matcher *m, const char *s, const char *set, const char *close)
{
	unsigned char before = s > m->subj ? (unsigned char)s[-1] : 0;
	unsigned char after = s < m->subj_end ? (unsigned char)*s : 0;

	return !set_has(m, before, set, close) && set_has(m, after, set, close);
}

/* %1-%9 (and %0, always an error): the text of a closed capture again. A
 * position capture never matches. */
static const char *match_backref(matcher *m, const char *s, char digit)
{
	int i = digit - '1';
	ptrdiff_t len;

	if (i < 0 || i >= m->level || m->cap[i].len == CAP_OPEN)
		luaL_error(m->L, "invalid capture index %%%d", i + 1);
	len = m->cap[i].len;
	if (len == CAP_POSITION || m->subj_end - s < len)
		return NULL;
	add_steps(m, (uint64_t)len >> 4);
	return memcmp(m->cap[i].at, s, (size_t)len) ? NULL : s + len;
}

/*
 * Match the pattern from `p` against the subject from `s`; the end of the
 * match or NULL. Items that cannot backtrack advance in this loop; the
 * others hand the rest of the pattern to match(), one level deeper.
 */
static const char *match_here(matcher *m, const char *s, const char *p)
{
	const char *end = m->pat_end, *ep, *r;
	char quant;

	while (p < end) {
		switch (*p) {
		case '(':
			if (p + 1 < end && p[1] == ')')
				return match_capture_open(m, s, p + 2, CAP_POSITION);
			return match_capture_open(m, s, p + 1, CAP_OPEN);
		case ')':
			return match_capture_close(m, s, p + 1);
		case '$':
			if (p + 1 == end)
				return s == m->subj_end ? s : NULL;
			break;
		case '%':
			if (p + 1 == end)
				break;
			if (p[1] == 'b') {
				if (p + 3 >= end)
					luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
				if (!(s = match_balance(m, s, p[2], p[3])))
					return NULL;
				p += 4;
				continue;
			}
			if (p[1] == 'f') {
				p += 2;
				if (p == end || *p != '[')
					luaL_error(m->L, "missing '[' after '%%f' in pattern");
				ep = item_end(m, p);
				if (!match_frontier(m, s, p, ep - 1))
					return NULL;
				p = ep;
				continue;
			}
			if (IN(p[1], '0', '9')) {
				if (!(s = match_backref(m, s, p[1])))
					return NULL;
				p += 2;
				continue;
			}
			break;
		}

		/* A single-character class, maybe followed by a quantifier. */
		ep = item_end(m, p);
		quant = ep < end ? *ep : '\0';
		if (!item_has(m, s, p, ep)) {
			if (quant != '*' && quant != '?' && quant != '-')
				return NULL;
			p = ep + 1; /* zero repetitions */
			continue;
		}
		switch (quant) {
		case '?':
			if ((r = match(m, s + 1, ep + 1)))
				return r;
			p = ep + 1;
			break;
		case '*': return match_longest(m, s, s + 1, p, ep);
		case '+': return match_longest(m, s + 1, s + 1, p, ep);
		case '-': return match_shortest(m, s, p, ep);
		default:
			s++;
			p = ep;
			break;
		}
	}
	return s;
}

/*
 * Skipping what cannot start a match. When the pattern (unanchored) opens
 * with a single-character class that must match once (not quantified by
 * '*', '?' or '-'), maybe after opening a few captures, an attempt at a
 * byte outside it fails at that first test, a few levels deep, with no
 * error but those of parsing the item, which the first attempt raises in
 * any case. So the searches skip such bytes without changing any result:
 * memchr for a literal byte, else a tight loop of item tests (each a
 * step, as the attempt would have been).
 */
static const char *lead_item(const char *p, const char *end)
{
	/* Captures may open first (an attempt opens them without error unless
	 * there are too many) */
	for (int opens = 0; p < end && *p == '('; opens++) {
		if (opens == MAX_CAPTURES)
			return NULL;
		p += p + 1 < end && p[1] == ')' ? 2 : 1;
	}
	if (p == end || *p == '(' || *p == ')' || (*p == '$' && p + 1 == end))
		return NULL;
	if (*p == '%' && p + 1 < end && (p[1] == 'b' || p[1] == 'f' || IN(p[1], '0', '9')))
		return NULL;
	return p;
}

/* `skip`: whether searches may skip by the pattern's lead item. */
static void matcher_init(matcher *m, lua_State *L, ag_lua_pattern_charge charge, const char *s, size_t ls,
	const char *p, size_t lp, bool skip)
{
	m->L = L;
	m->charge = charge;
	m->subj = s;
	m->subj_end = s + ls;
	m->pat_end = p + lp;
	m->lead = skip ? lead_item(p, p + lp) : NULL;
	m->lead_end = NULL;
	m->first = -1;
	m->steps = 0;
	m->depth = 0;
	m->level = 0;
}

/* The next place from `s` where a match may start, or NULL when none
 * may (then an attempt at the end of the subject would fail too). */
static const char *next_start(matcher *m, const char *s)
{
	const char *from = s, *ep;

	if (m->lead && !m->lead_end) {
		ep = item_end(m, m->lead); /* raises where the first attempt would */
		if (ep < m->pat_end && (*ep == '*' || *ep == '?' || *ep == '-'))
			m->lead = NULL;
		else if (ep == m->lead + 1 && *m->lead != '.')
			m->first = (unsigned char)*m->lead;
		m->lead_end = ep;
	}
	if (m->first >= 0) {
		s = memchr(s, m->first, (size_t)(m->subj_end - s));
		add_steps(m, (uint64_t)((s ? s : m->subj_end) - from) >> 4);
		return s;
	}
	if (!m->lead)
		return s;
	s = class_run(m, s, m->lead, m->lead_end, false);
	return s < m->subj_end ? s : NULL;
}

static const char *match_at(matcher *m, const char *s, const char *p)
{
	m->level = 0;
	m->depth = 0;
	return match(m, s, p);
}

/* ---- results ------------------------------------------------------------------ */

/* Push capture `i` of the match [s, e); without captures, %1 (and the
 * table key of gsub) is the whole match. */
static void push_capture(matcher *m, int i, const char *s, const char *e)
{
	if (i >= m->level) {
		if (i != 0)
			luaL_error(m->L, "invalid capture index %%%d", i + 1);
		lua_pushlstring(m->L, s, (size_t)(e - s));
	} else if (m->cap[i].len == CAP_OPEN) {
		luaL_error(m->L, "unfinished capture");
	} else if (m->cap[i].len == CAP_POSITION) {
		lua_pushinteger(m->L, m->cap[i].at - m->subj + 1);
	} else {
		lua_pushlstring(m->L, m->cap[i].at, (size_t)m->cap[i].len);
	}
}

/* Push every capture, or the whole match [s, e) when there are none and
 * `s` is given; returns how many. */
static int push_captures(matcher *m, const char *s, const char *e)
{
	int n = m->level == 0 && s ? 1 : m->level;

	luaL_checkstack(m->L, n, "too many captures");
	for (int i = 0; i < n; i++)
		push_capture(m, i, s, e);
	return n;
}

/* ---- the library ---------------------------------------------------------------- */

static ag_lua_pattern_charge upvalue_charge(lua_State *L, int up)
{
	const pattern_lib *lib = lua_touserdata(L, lua_upvalueindex(up));

	return lib->charge;
}

/* A 1-based init (negative from the end) as an offset; past the end: len + 1. */
static size_t start_offset(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (lua_Unsigned)pos - 1 > len ? len + 1 : (size_t)pos - 1;
	if (pos == 0 || (lua_Unsigned)-(pos + 1) >= len)
		return 0;
	return len - (size_t)-(pos + 1) - 1;
}

static bool has_specials(const char *p, size_t lp)
{
	for (size_t i = 0; i < lp; i++)
		if (p[i] && strchr(SPECIALS, p[i]))
			return true;
	return false;
}

/* A leading '^' anchors find, match and gsub (in gmatch it is a byte). */
static bool strip_anchor(const char **p, size_t *lp)
{
	if (*lp == 0 || **p != '^')
		return false;
	(*p)++;
	(*lp)--;
	return true;
}

/* find without patterns: the first `p` in `s` from `init`. */
static int find_plain(lua_State *L, const char *s, size_t ls, size_t init, const char *p, size_t lp)
{
	matcher m;
	const char *at = s + init;

	matcher_init(&m, L, upvalue_charge(L, 1), s, ls, p, lp, false);
	m.first = lp ? (unsigned char)*p : -1;
	if (lp <= ls - init) {
		const char *last = s + ls - lp;
		for (; (at = next_start(&m, at)) && at <= last; at++) {
			add_steps(&m, 1 + (lp >> 4));
			if (!memcmp(at, p, lp)) {
				charge_now(&m);
				lua_pushinteger(L, at - s + 1);
				lua_pushinteger(L, (lua_Integer)(at - s + lp));
				return 2;
			}
		}
	}
	charge_now(&m);
	luaL_pushfail(L);
	return 1;
}

static int find_or_match(lua_State *L, bool find)
{
	size_t ls, lp, init;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *at, *e;
	bool anchored;
	matcher m;

	init = start_offset(luaL_optinteger(L, 3, 1), ls);
	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || !has_specials(p, lp)))
		return find_plain(L, s, ls, init, p, lp);
	anchored = strip_anchor(&p, &lp);
	matcher_init(&m, L, upvalue_charge(L, 1), s, ls, p, lp, !anchored);
	for (at = s + init; (at = next_start(&m, at)); at++) {
		if ((e = match_at(&m, at, p))) {
			charge_now(&m);
			if (!find)
				return push_captures(&m, at, e);
			lua_pushinteger(L, at - s + 1);
			lua_pushinteger(L, e - s);
			return push_captures(&m, NULL, NULL) + 2;
		}
		if (anchored || at == m.subj_end)
			break;
	}
	charge_now(&m);
	luaL_pushfail(L);
	return 1;
}

static int l_find(lua_State *L)
{
	return find_or_match(L, true);
}

static int l_match(lua_State *L)
{
	return find_or_match(L, false);
}

/* Where gmatch's iterator goes on (offsets; NO_MATCH before the first). */
typedef struct gmatch_state {
	size_t pos, last;
} gmatch_state;

#define NO_MATCH ((size_t)-1)

/* upvalues: subject, pattern, state, library */
static int gmatch_next(lua_State *L)
{
	size_t ls, lp;
	const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
	const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
	gmatch_state *st = lua_touserdata(L, lua_upvalueindex(3));
	const char *at, *e;
	matcher m;

	if (st->pos > ls)
		return 0;
	matcher_init(&m, L, upvalue_charge(L, 4), s, ls, p, lp, true);
	for (at = s + st->pos; (at = next_start(&m, at)); at++) {
		if ((e = match_at(&m, at, p)) && (size_t)(e - s) != st->last) {
			st->pos = st->last = (size_t)(e - s);
			charge_now(&m);
			return push_captures(&m, at, e);
		}
		if (at == m.subj_end)
			break;
	}
	charge_now(&m);
	return 0;
}

static int l_gmatch(lua_State *L)
{
	size_t ls, lp, init;
	gmatch_state *st;

	luaL_checklstring(L, 1, &ls);
	luaL_checklstring(L, 2, &lp);
	init = start_offset(luaL_optinteger(L, 3, 1), ls);
	lua_settop(L, 2);
	st = lua_newuserdatauv(L, sizeof(*st), 0);
	st->pos = init;
	st->last = NO_MATCH;
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushcclosure(L, gmatch_next, 4);
	return 1;
}

/* gsub's replacement string (argument 3): %0-%9 and %%. */
static void add_template(matcher *m, luaL_Buffer *b, const char *s, const char *e)
{
	lua_State *L = m->L;
	size_t len;
	const char *r = lua_tolstring(L, 3, &len), *end = r + len, *pct;

	add_steps(m, len >> 4);
	while ((pct = memchr(r, '%', (size_t)(end - r)))) {
		char c = ++pct < end ? *pct : '\0';
		luaL_addlstring(b, r, (size_t)(pct - 1 - r));
		if (c == '%') {
			luaL_addchar(b, '%');
		} else if (c == '0') {
			luaL_addlstring(b, s, (size_t)(e - s));
		} else if (IN(c, '0', '9')) {
			push_capture(m, c - '1', s, e);
			luaL_tolstring(L, -1, NULL);
			lua_remove(L, -2);
			luaL_addvalue(b);
		} else {
			luaL_error(L, "invalid use of '%c' in replacement string", '%');
		}
		r = pct + 1;
	}
	luaL_addlstring(b, r, (size_t)(end - r));
}

/* Add the replacement of the match [s, e); false when it keeps the match
 * (a function or table gave false or nil). */
static bool add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind)
{
	lua_State *L = m->L;

	if (kind == LUA_TFUNCTION) {
		int n;
		lua_pushvalue(L, 3);
		n = push_captures(m, s, e);
		lua_call(L, n, 1);
	} else if (kind == LUA_TTABLE) {
		push_capture(m, 0, s, e);
		lua_gettable(L, 3);
	} else {
		add_template(m, b, s, e);
		return true;
	}
	if (!lua_toboolean(L, -1)) {
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
		return false;
	}
	if (!lua_isstring(L, -1))
		luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
	return true;
}

static int l_gsub(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	int kind = lua_type(L, 3);
	lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1), n = 0;
	const char *at = s, *e, *last = NULL;
	bool anchored, changed = false;
	luaL_Buffer b;
	matcher m;

	luaL_argexpected(L,
		kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE, 3,
		"string/function/table");
	luaL_buffinit(L, &b);
	anchored = strip_anchor(&p, &lp);
	matcher_init(&m, L, upvalue_charge(L, 1), s, ls, p, lp, !anchored);
	while (n < max) {
		if (m.lead || m.first >= 0) {
			/* what cannot start a match is copied as it is */
			const char *next = next_start(&m, at);
			next = next ? next : m.subj_end;
			luaL_addlstring(&b, at, (size_t)(next - at));
			at = next;
		}
		if ((e = match_at(&m, at, p)) && e != last) {
			n++;
			changed |= add_replacement(&m, &b, at, e, kind);
			at = last = e;
		} else if (at < m.subj_end) {
			luaL_addchar(&b, *at++);
		} else {
			break;
		}
		if (anchored)
			break;
	}
	charge_now(&m);
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, at, (size_t)(m.subj_end - at));
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}

void ag_lua_pattern_install(lua_State *L, int idx, ag_lua_pattern_charge charge)
{
	static const luaL_Reg fns[] = {
		{ "find", l_find },
		{ "match", l_match },
		{ "gmatch", l_gmatch },
		{ "gsub", l_gsub },
		{ NULL, NULL },
	};
	pattern_lib *lib;

	lua_pushvalue(L, idx);
	lib = lua_newuserdatauv(L, sizeof(*lib), 0);
	lib->charge = charge;
	luaL_setfuncs(L, fns, 1);
	lua_pop(L, 1);
}
