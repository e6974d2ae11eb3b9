/* test_json.c - the JSON reader: spans, strictness, limits, the writer. */
#include "test.h"
#include "appgen/front.h"

void test_json_spans(void);
void test_json_duplicate_key(void);
void test_json_errors(void);
void test_json_utf8(void);
void test_json_depth(void);
void test_json_write_numbers(void);
void test_diag_render(void);

static int parse(ag_json **doc, const char *text, ag_diags *d)
{
	return ag_json_parse(doc, "t.json", text, strlen(text), d);
}

/* Parses text expecting one diagnostic; returns its code (or -1). */
static int parse_error(const char *text, size_t len, uint32_t *line, uint32_t *col)
{
	ag_diags d;
	ag_json *doc = NULL;
	int code = -1;

	ag_diags_init(&d);
	if (ag_json_parse(&doc, "t.json", text, len, &d) == AG_EINVALID && d.count == 1) {
		code = (int)d.items[0].code;
		*line = d.items[0].span.line;
		*col = d.items[0].span.col;
	}
	ag_json_free(doc);
	ag_diags_dispose(&d);
	return code;
}

void test_json_spans(void)
{
	ag_diags d;
	ag_json *doc;
	const cJSON *root, *a, *b;
	const ag_json_loc *l;

	ag_diags_init(&d);
	CHECK_INT(parse(&doc, "{\n  \"a\": [1, \"x\"],\n\t\"é\": {\"b\": true}\n}", &d), 0);
	root = ag_json_root(doc);
	a = cJSON_GetObjectItemCaseSensitive(root, "a");
	l = ag_json_loc_of(doc, a);
	CHECK_INT(l->key.line, 2);
	CHECK_INT(l->key.col, 3);
	CHECK_INT(l->key.len, 3);
	CHECK_INT(l->value.col, 8);
	l = ag_json_loc_of(doc, a->child->next);
	CHECK_INT(l->value.line, 2);
	CHECK_INT(l->value.col, 12);
	CHECK_INT(l->value.len, 3);
	b = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "é"), "b");
	l = ag_json_loc_of(doc, b);
	/* a tab is one column; "é" is one code point */
	CHECK_INT(l->key.line, 3);
	CHECK_INT(l->key.col, 8);
	CHECK_INT(l->value.col, 13);
	CHECK_INT(d.count, 0);
	ag_json_free(doc);
	ag_diags_dispose(&d);
}

void test_json_duplicate_key(void)
{
	uint32_t line = 0, col = 0;

	CHECK_INT(parse_error("{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", 26, &line, &col), AG_D_DUPLICATE_KEY);
	CHECK_INT(line, 3);
	CHECK_INT(col, 2);
	/* keys are case-sensitive: not a duplicate */
	CHECK_INT(parse_error("{\"a\": 1, \"A\": 2}", 16, &line, &col), -1);
}

void test_json_errors(void)
{
	static const struct {
		const char *text;
		int code;
		uint32_t line, col;
	} cases[] = {
		{ "{\"a\": 1,}", AG_D_JSON_SYNTAX, 1, 9 },
		{ "[1, 2,]", AG_D_JSON_SYNTAX, 1, 7 },
		{ "{\"a\": 01}", AG_D_JSON_SYNTAX, 1, 7 },
		{ "{\"a\": 'x'}", AG_D_JSON_SYNTAX, 1, 7 },
		{ "{\"a\": NaN}", AG_D_JSON_SYNTAX, 1, 7 },
		{ "{\"a\": 1} x", AG_D_JSON_SYNTAX, 1, 10 },
		{ "// c\n{}", AG_D_JSON_SYNTAX, 1, 1 },
		{ "{\"a\": \"x\ny\"}", AG_D_JSON_SYNTAX, 1, 7 }, /* at the unclosed string */
		{ "{\"a\": \"\\q\"}", AG_D_JSON_SYNTAX, 1, 8 },
		{ "{\"a\": \"\\ud800\"}", AG_D_BAD_UTF8, 1, 8 },
		{ "{\"a\": \"\\u0000\"}", AG_D_BINARY, 1, 8 },
		{ "{\"a\": [1, 2}", AG_D_JSON_SYNTAX, 1, 12 },
		{ "{\n\"a\": {", AG_D_JSON_SYNTAX, 2, 6 },
		{ "{\"a\": 1e999}", AG_D_OUT_OF_RANGE, 1, 7 },
		{ "{\"a\": -}", AG_D_JSON_SYNTAX, 1, 8 },
		{ "{\"a\": tru}", AG_D_JSON_SYNTAX, 1, 7 },
	};

	for (size_t i = 0; i < AG_ARRAY_SIZE(cases); i++) {
		uint32_t line = 0, col = 0;
		int code = parse_error(cases[i].text, strlen(cases[i].text), &line, &col);
		if (code != cases[i].code || line != cases[i].line || col != cases[i].col) {
			fprintf(stderr, "  case %zu %s: got code %d at %u:%u\n", i, cases[i].text, code, line, col);
			test_failures++;
		}
	}
}

void test_json_utf8(void)
{
	uint32_t line = 0, col = 0;

	CHECK_INT(parse_error("{\"a\": \"\xC3\x28\"}", 11, &line, &col), AG_D_BAD_UTF8);
	CHECK_INT(col, 8);
	CHECK_INT(parse_error("{\"a\": \"\xC0\xAF\"}", 11, &line, &col), AG_D_BAD_UTF8);    /* overlong */
	CHECK_INT(parse_error("{\"a\": \"\xED\xA0\x80\"}", 12, &line, &col), AG_D_BAD_UTF8); /* surrogate */
	CHECK_INT(parse_error("{\"a\": 1}\0", 9, &line, &col), AG_D_BINARY);
	CHECK_INT(parse_error("", 0, &line, &col), AG_D_EMPTY_FILE);
	CHECK_INT(parse_error(" \n\t", 3, &line, &col), AG_D_EMPTY_FILE);
	/* a BOM is skipped; valid 4-byte sequences and surrogate pairs pass */
	{
		const char *ok = "\xEF\xBB\xBF{\"a\": \"\xF0\x9F\x98\x80 \\ud83d\\ude00\"}";
		CHECK_INT(parse_error(ok, strlen(ok), &line, &col), -1);
	}
}

void test_json_depth(void)
{
	ag_buf b = AG_BUF_INIT;
	uint32_t line = 0, col = 0;

	ag_buf_repeat(&b, '[', AG_JSON_MAX_DEPTH);
	ag_buf_repeat(&b, ']', AG_JSON_MAX_DEPTH);
	CHECK_INT(parse_error(b.ptr, b.len, &line, &col), -1);
	ag_buf_clear(&b);
	ag_buf_repeat(&b, '[', 100000);
	CHECK_INT(parse_error(b.ptr, b.len, &line, &col), AG_D_TOO_DEEP);
	CHECK_INT(col, AG_JSON_MAX_DEPTH + 1);
	ag_buf_dispose(&b);
}

void test_json_write_numbers(void)
{
	static const char *const in[] = { "[0, -0, 1, -17, 2.5, 0.1, 1e300, 123456789012, 1.0, 3.14159]" };
	ag_diags d;
	ag_json *doc;
	ag_buf b = AG_BUF_INIT;

	ag_diags_init(&d);
	CHECK_INT(parse(&doc, in[0], &d), 0);
	ag_json_write(&b, ag_json_root(doc));
	CHECK_STR(b.ptr, "[\n  0,\n  0,\n  1,\n  -17,\n  2.5,\n  0.1,\n  1e+300,\n  123456789012,\n  1,\n  3.14159\n]\n");
	ag_json_free(doc);
	ag_buf_dispose(&b);
	ag_diags_dispose(&d);
}

void test_diag_render(void)
{
	ag_diags d;
	ag_buf b = AG_BUF_INIT;
	const char *src = "\t\"reqird\": true,";

	ag_diags_init(&d);
	ag_diags_add(&d, AG_SEV_ERROR, AG_D_UNKNOWN_KEY, "x.json", (ag_span){ 4, 2, 8 }, src, strlen(src),
		"did you mean \"required\"?", "unknown key \"%s\"", "reqird");
	ag_diags_render_text(&b, &d, false);
	CHECK_STR(b.ptr, "x.json:4:2: error[E101]: unknown key \"reqird\"\n"
			 "     4 | \t\"reqird\": true,\n"
			 "       | \t^~~~~~~~\n"
			 "       = hint: did you mean \"required\"?\n");
	ag_buf_clear(&b);
	ag_diags_render_sarif(&b, &d);
	CHECK(strstr(b.ptr, "\"version\": \"2.1.0\"") != NULL);
	CHECK(strstr(b.ptr, "\"startLine\": 4, \"startColumn\": 2, \"endColumn\": 10") != NULL);
	ag_buf_clear(&b);
	ag_diags_render_json(&b, &d, 1);
	CHECK(strstr(b.ptr, "\"code\": \"E101\"") != NULL);
	CHECK_INT(d.errors, 1);
	ag_buf_dispose(&b);
	ag_diags_dispose(&d);
}
