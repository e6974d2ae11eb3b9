/*
 * fuzz_front.c - libFuzzer target over the whole front end.
 *
 * The bytes are one blueprint file: parse -> dialect detection (BlueprintV2
 * or the backend-spec "spec_version" dialect, detected by the front end) ->
 * validation -> normalization. A valid blueprint's IR is also printed as
 * canonical JSON, and every diagnostic list is rendered in all three forms,
 * so the printers see whatever the front end produces. Everything is freed,
 * so LeakSanitizer catches a leak on any path.
 *
 *   make fuzz FUZZ_SECONDS=600      run it (build/fuzz/corpus grows)
 *   make fuzz-replay                replay tests/fuzz/corpus and blueprints/
 */
#include <appgen/front.h>
#include <git2.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	git_libgit2_init(); /* blob hashing goes through libgit2 */
	return 0;
}

/* Touch every byte of a rendered buffer so a missing terminator or a
 * length past the allocation shows up under ASan. */
static volatile unsigned sink;
static void consume(const ag_buf *b)
{
	unsigned h = 0;
	for (size_t i = 0; i <= b->len; i++)
		h = h * 31 + (unsigned char)b->ptr[i];
	sink = h;
	if (b->ptr[b->len] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ag_diags diags;
	ag_ir *ir = NULL;
	ag_buf out = AG_BUF_INIT;
	int error;

	ag_diags_init(&diags);
	error = ag_front_compile(&ir, "fuzz.json", (const char *)data, size, &diags);

	/* The contract: 0 with an IR, or a non-zero code with none. An error
	 * code without a single error diagnostic (and no OOM) is a bug too. */
	if (error == 0 && !ir)
		abort();
	if (error != 0 && ir)
		abort();
	if (error == AG_EINVALID && diags.errors == 0 && !diags.oom)
		abort();
	if (error == 0 && diags.errors != 0)
		abort();

	if (error == 0) {
		cJSON *j = ag_ir_to_json(ir);
		if (j) {
			ag_json_write(&out, j);
			consume(&out);
			ag_buf_clear(&out);
			cJSON_Delete(j);
		}
		ag_ir_free(ir);
	}

	ag_diags_sort(&diags);
	ag_diags_render_text(&out, &diags, false);
	consume(&out);
	ag_buf_clear(&out);
	ag_diags_render_text(&out, &diags, true);
	consume(&out);
	ag_buf_clear(&out);
	ag_diags_render_json(&out, &diags, 1);
	consume(&out);
	ag_buf_clear(&out);
	ag_diags_render_sarif(&out, &diags);
	consume(&out);

	ag_buf_dispose(&out);
	ag_diags_dispose(&diags);
	return 0;
}
