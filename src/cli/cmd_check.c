/* cmd_check.c - appgen check: parse + validate, compiler-style diagnostics. */
#include "cli.h"
#include "appgen/front.h"
#include "appgen/fs.h"

enum { FMT_TEXT, FMT_JSON, FMT_SARIF };

static int run(int argc, char **argv, const cli_opts *o)
{
	int format = FMT_TEXT, rc = EXIT_OK, nargs = 0;
	bool print_ir = false;
	char **args = calloc((size_t)argc + 1, sizeof(char *)), **files = NULL;
	char def0[] = "blueprints", *def[] = { def0, NULL };
	size_t nfiles = 0, nok = 0;
	ag_ir **irs = NULL;
	ag_diags d;
	ag_buf out = AG_BUF_INIT;

	ag_diags_init(&d);
	if (!args)
		return cli_fail(EXIT_ENV, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--print-ir") == 0) {
			print_ir = true;
		} else if (strncmp(a, "--format=", 9) == 0 || strcmp(a, "--format") == 0) {
			const char *f = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : "");
			if (strcmp(f, "text") == 0) format = FMT_TEXT;
			else if (strcmp(f, "json") == 0) format = FMT_JSON;
			else if (strcmp(f, "sarif") == 0) format = FMT_SARIF;
			else {
				free(args);
				return cli_usage("check", "--format takes text, json or sarif, not '%s'", f);
			}
		} else if (strcmp(a, "--") == 0) {
			while (++i < argc)
				args[nargs++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			free(args);
			return cli_usage("check", "unknown option '%s'", a);
		} else {
			args[nargs++] = argv[i];
		}
	}
	if (print_ir && format != FMT_TEXT) {
		free(args);
		return cli_usage("check", "--print-ir prints JSON itself; drop --format");
	}
	if (nargs == 0 && !ag_fs_is_dir("blueprints")) {
		free(args);
		return cli_usage("check", "no PATH given and no blueprints/ directory here");
	}
	rc = cli_expand_paths(&files, &nfiles, nargs ? nargs : 1, nargs ? args : def, "check");
	free(args);
	if (rc)
		return rc;
	if (!(irs = calloc(nfiles + 1, sizeof(*irs)))) {
		cli_files_free(files);
		return cli_fail(EXIT_ENV, "out of memory");
	}
	for (size_t i = 0; i < nfiles; i++) {
		ag_buf text = AG_BUF_INIT;
		int error;
		if (cli_read_blueprint(&text, files[i], &d)) {
			error = ag_front_compile(&irs[nok], files[i], text.ptr, text.len, &d);
			if (error == 0)
				nok++;
			else if (error != AG_EINVALID) {
				ag_buf_dispose(&text);
				rc = cli_fail(EXIT_ENV, "%s: %s", files[i], ag_error_last());
				goto done;
			}
		}
		ag_buf_dispose(&text);
	}
	ag_front_check_repo((const ag_ir *const *)irs, nok, &d);
	if (d.oom) {
		rc = cli_fail(EXIT_ENV, "out of memory");
		goto done;
	}
	ag_diags_sort(&d);
	if (format == FMT_JSON)
		ag_diags_render_json(&out, &d, nfiles);
	else if (format == FMT_SARIF)
		ag_diags_render_sarif(&out, &d);
	else {
		ag_diags_render_text(&out, &d, o->color);
		if (o->verbose >= 0 && (d.count || o->verbose > 0))
			ag_buf_printf(&out, "%zu file%s checked: %zu error%s, %zu warning%s\n", nfiles,
				nfiles == 1 ? "" : "s", d.errors, d.errors == 1 ? "" : "s", d.warnings,
				d.warnings == 1 ? "" : "s");
	}
	if ((rc = cli_write(format == FMT_TEXT ? stderr : stdout, &out)))
		goto done;
	if (print_ir && d.errors == 0) {
		ag_buf ir = AG_BUF_INIT;
		cJSON *arr = nok == 1 ? NULL : cJSON_CreateArray();
		for (size_t i = 0; i < nok; i++) {
			cJSON *j = ag_ir_to_json(irs[i]);
			if (arr)
				cJSON_AddItemToArray(arr, j);
			else {
				ag_json_write(&ir, j);
				cJSON_Delete(j);
			}
		}
		if (arr) {
			ag_json_write(&ir, arr);
			cJSON_Delete(arr);
		}
		rc = cli_write(stdout, &ir);
		ag_buf_dispose(&ir);
		if (rc)
			goto done;
	}
	rc = d.errors ? EXIT_FAILED : EXIT_OK;
done:
	for (size_t i = 0; i < nok; i++)
		ag_ir_free(irs[i]);
	free(irs);
	cli_files_free(files);
	ag_buf_dispose(&out);
	ag_diags_dispose(&d);
	return rc;
}

const cli_cmd cli_cmd_check = {
	"check", run, "parse and validate blueprints, with compiler-style diagnostics",
	"usage: appgen check [--format text|json|sarif] [--print-ir] [PATH...]\n\n"
	"Checks blueprint files the way a compiler checks source: every problem is\n"
	"reported (not just the first) as FILE:LINE:COL: error[CODE]: message, with\n"
	"the source line, a caret and a hint.\n\n"
	"PATH is a blueprint file, a directory of them (*.json) or - for standard\n"
	"input; the default is blueprints/. Both BlueprintV2 files and backend specs\n"
	"(\"spec_version\": \"1.0\") are accepted. Rules across files (unique slugs,\n"
	"blueprints/<slug>.json file names) apply to the files checked together.\n\n"
	"options:\n"
	"  --format text   diagnostics for people, on standard error (default)\n"
	"  --format json   {files, errors, warnings, diagnostics: [...]} on standard output\n"
	"  --format sarif  SARIF 2.1.0 on standard output (GitHub code scanning)\n"
	"  --print-ir      print the normalized blueprint (the IR) as canonical JSON\n\n"
	"exit: 0 all valid, 1 some blueprint is invalid, 2 usage error\n"
};
