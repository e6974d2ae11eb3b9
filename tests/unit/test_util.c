/* test_util.c - buf, arena, names, edit distance. */
#include "test.h"
#include "appgen/arena.h"
#include "appgen/buf.h"
#include "appgen/diag.h"
#include "appgen/ir.h"

void test_buf_basics(void);
void test_buf_printf_growth(void);
void test_buf_json_str(void);
void test_arena_alloc(void);
void test_edit_distance(void);
void test_ir_name_limit(void);

void test_buf_basics(void)
{
	ag_buf b = AG_BUF_INIT;
	char *s;

	CHECK_STR(b.ptr, "");
	ag_buf_puts(&b, "abc");
	ag_buf_putc(&b, 'd');
	ag_buf_put(&b, "efg", 2);
	CHECK_STR(b.ptr, "abcdef");
	CHECK_INT(b.len, 6);
	ag_buf_truncate(&b, 2);
	CHECK_STR(b.ptr, "ab");
	ag_buf_repeat(&b, '~', 3);
	CHECK_STR(b.ptr, "ab~~~");
	ag_buf_clear(&b);
	CHECK_STR(b.ptr, "");
	ag_buf_puts(&b, "x");
	s = ag_buf_detach(&b);
	CHECK_STR(s, "x");
	CHECK_STR(b.ptr, "");
	free(s);
	ag_buf_dispose(&b);
}

void test_buf_printf_growth(void)
{
	ag_buf b = AG_BUF_INIT;

	for (int i = 0; i < 10000; i++)
		ag_buf_printf(&b, "%d,", i % 10);
	CHECK_INT(b.len, 20000);
	CHECK(b.ptr[b.len] == '\0');
	CHECK(!ag_buf_oom(&b));
	/* A growth that cannot succeed is sticky and empties the buffer. */
	CHECK(ag_buf_grow(&b, SIZE_MAX - 4) < 0);
	CHECK(ag_buf_oom(&b));
	ag_buf_puts(&b, "more");
	CHECK_STR(b.ptr, "");
	ag_buf_dispose(&b);
}

void test_buf_json_str(void)
{
	ag_buf b = AG_BUF_INIT;

	ag_buf_put_json_str(&b, "a\"b\\c\n\x01é");
	CHECK_STR(b.ptr, "\"a\\\"b\\\\c\\n\\u0001é\"");
	ag_buf_dispose(&b);
}

void test_arena_alloc(void)
{
	ag_arena a;
	char *big, *s;
	int *ints;

	ag_arena_init(&a);
	ints = ag_arena_calloc(&a, 100, sizeof(int));
	CHECK(ints != NULL);
	CHECK(((uintptr_t)ints & 15) == 0);
	for (int i = 0; i < 100; i++)
		CHECK(ints[i] == 0);
	big = ag_arena_alloc(&a, 1 << 20);
	CHECK(big != NULL);
	memset(big, 1, 1 << 20);
	s = ag_arena_printf(&a, "%s-%d", "x", 42);
	CHECK_STR(s, "x-42");
	CHECK(ag_arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
	ag_arena_dispose(&a);
}

void test_edit_distance(void)
{
	const char *cands[] = { "required", "unique", "indexed", "default" };

	CHECK_INT(ag_edit_distance("requird", "required", 3), 1);
	CHECK_INT(ag_edit_distance("abc", "abc", 3), 0);
	CHECK(ag_edit_distance("abcdef", "uvwxyz", 2) > 2);
	CHECK_STR(ag_did_you_mean("requird", cands, 4), "required");
	CHECK_STR(ag_did_you_mean("Unique", cands, 4), "unique");
	CHECK(ag_did_you_mean("zzzzzz", cands, 4) == NULL);
}

void test_ir_name_limit(void)
{
	ag_arena a;
	char long1[40], long2[40];
	const char *n1, *n2;

	ag_arena_init(&a);
	CHECK_STR(ag_ir_name(&a, "ix", "deals", "owner_id", NULL), "ix_deals_owner_id");
	memset(long1, 'a', 31);
	long1[31] = '\0';
	memcpy(long2, long1, 32);
	long2[30] = 'b';
	n1 = ag_ir_name(&a, "p", long1, long1, "select");
	n2 = ag_ir_name(&a, "p", long1, long2, "select");
	CHECK_INT(strlen(n1), 63);
	CHECK_INT(strlen(n2), 63);
	CHECK(strcmp(n1, n2) != 0); /* the hash keeps them apart */
	CHECK_STR(n1, ag_ir_name(&a, "p", long1, long1, "select")); /* stable */
	ag_arena_dispose(&a);
}
