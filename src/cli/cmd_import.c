/* cmd_import.c - appgen import: a backend spec (seed 001) -> BlueprintV2 file. */
#include "cli.h"
#include "appgen/front.h"
#include "appgen/fs.h"
#include <sys/stat.h>

static int run(int argc, char **argv, const cli_opts *o)
{
	const char *in = NULL, *outpath = NULL;
	bool force = false;
	ag_buf text = AG_BUF_INIT, out = AG_BUF_INIT, dest = AG_BUF_INIT;
	ag_json *doc = NULL;
	ag_ir *ir = NULL;
	ag_diags d;
	int rc = EXIT_OK, error;
	struct stat st;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
			if (i + 1 >= argc)
				return cli_usage("import", "%s needs a file name", argv[i]);
			outpath = argv[++i];
		} else if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0) {
			force = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage("import", "unknown option '%s'", argv[i]);
		} else if (in) {
			return cli_usage("import", "takes one SPEC.json");
		} else {
			in = argv[i];
		}
	}
	if (!in)
		return cli_usage("import", "missing SPEC.json");
	if (strcmp(in, "-") && stat(in, &st) < 0)
		return cli_usage("import", "'%s': %s", in, strerror(errno));

	ag_diags_init(&d);
	if (cli_read_blueprint(&text, in, &d)) {
		error = ag_front_load(&doc, in, text.ptr, text.len, &d);
		if (error == 0)
			error = ag_validate(&ir, doc, &d);
		if (error < 0 && error != AG_EINVALID) {
			rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
			goto done;
		}
	}
	ag_diags_sort(&d);
	ag_diags_render_text(&out, &d, o->color);
	if ((rc = cli_write(stderr, &out)))
		goto done;
	if (d.errors) {
		rc = EXIT_FAILED;
		goto done;
	}
	ag_buf_clear(&out);
	ag_json_write(&out, ag_json_root(doc));
	if (!outpath && ag_fs_is_dir("blueprints")) {
		ag_buf_printf(&dest, "blueprints/%s.json", ir->slug);
		outpath = dest.ptr;
	}
	if (!outpath || strcmp(outpath, "-") == 0) {
		rc = cli_write(stdout, &out);
		goto done;
	}
	if (!force && stat(outpath, &st) == 0) {
		rc = cli_fail(EXIT_FAILED, "'%s' exists; use --force to replace it", outpath);
		goto done;
	}
	if (ag_fs_write_atomic(outpath, out.ptr, out.len, 0644) < 0) {
		rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
		goto done;
	}
	if (o->verbose >= 0)
		fprintf(stderr, "appgen: wrote %s (app \"%s\", %zu table%s)\n", outpath, ir->slug, ir->n_tables,
			ir->n_tables == 1 ? "" : "s");
done:
	ag_ir_free(ir);
	ag_json_free(doc);
	ag_diags_dispose(&d);
	ag_buf_dispose(&text);
	ag_buf_dispose(&out);
	ag_buf_dispose(&dest);
	return rc;
}

const cli_cmd cli_cmd_import = {
	"import", run, "convert a backend spec (spec_version 1.0) to a BlueprintV2 file",
	"usage: appgen import [-o FILE] [--force] SPEC.json\n\n"
	"Converts a backend spec (\"spec_version\": \"1.0\": project_name, entities,\n"
	"fields) to the equivalent BlueprintV2 file and checks it. The mapping:\n"
	"  slug = project_name with '_' as '-';  string/text -> text, integer -> int,\n"
	"  float -> float, boolean -> bool, datetime -> timestamptz, uuid -> uuid;\n"
	"  nullable: false -> required; a uuid id and created_at/updated_at are the\n"
	"  system columns every table has; crud: true (the default) -> full\n"
	"  permissions for an Admin and a User role; auth.enabled: false -> open API.\n\n"
	"The result goes to FILE (- for standard output); without -o, to\n"
	"blueprints/<slug>.json when a blueprints/ directory exists, else to\n"
	"standard output. An existing file is kept unless --force is given.\n"
	"Diagnostics point into SPEC.json.\n"
};
