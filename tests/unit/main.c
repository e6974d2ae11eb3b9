/* main.c - runs every unit test and prints the summary line. */
#include "test.h"
#include <git2.h>

int test_failures;

#define TESTS(X) \
	X(buf_basics) X(buf_printf_growth) X(buf_json_str) X(arena_alloc) \
	X(json_spans) X(json_duplicate_key) X(json_errors) X(json_utf8) X(json_depth) \
	X(json_write_numbers) X(edit_distance) X(ir_name_limit) X(diag_render) \
	X(front_valid_minimal) X(front_system_columns) X(front_reports_all) X(front_spec1) \
	X(front_creation_order) X(front_dates) \
	X(repo_snapshot_revs) X(repo_snapshot_errors) X(repo_open_subdir) X(repo_links_skipped) \
	X(repo_snapshot_from_dir) X(repo_large_files) \
	X(write_tree) X(write_file) X(files_paths) \
	X(gen_builtin_source) X(gen_sandbox_globals) X(gen_sandbox_load) X(gen_budget) X(gen_memory) \
	X(gen_pattern_cap) X(gen_ir_readonly) X(gen_ir_iterate) X(gen_escapers) X(gen_json) \
	X(gen_case_plural) X(gen_markdown) X(gen_template) X(gen_template_errors) X(gen_out) \
	X(gen_require) X(gen_ctx) X(gen_bad_paths) X(gen_deterministic) X(gen_pairs_sorted) X(gen_ir_null) \
	X(pattern_find) X(pattern_classes) X(pattern_captures) X(pattern_gsub) X(pattern_gmatch) \
	X(pattern_errors) X(pattern_budget) X(pattern_sandbox) X(pattern_differential) \
	X(zip_roundtrip) X(zip_read_unsafe) \
	X(cache_records) X(cache_why) X(cache_file) X(zip_entries) X(zip_deterministic) X(zip_unsafe) \
	X(plan_identical) X(plan_order) X(plan_refusals) X(plan_renames) X(plan_versions)

#define DECL(name) void test_##name(void);
TESTS(DECL)

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define ENTRY(name) { #name, test_##name },
	TESTS(ENTRY)
};

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	git_libgit2_init();
	for (size_t i = 0; i < AG_ARRAY_SIZE(tests); i++) {
		int before = test_failures;
		if (argc > 1 && strcmp(argv[1], tests[i].name))
			continue;
		tests[i].fn();
		if (test_failures == before) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		}
	}
	git_libgit2_shutdown();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
