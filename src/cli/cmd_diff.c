/* cmd_diff.c - appgen diff: the SQL migration between two versions of an app. */
#include "cli.h"
#include "appgen/migrations.h"

static int run(int argc, char **argv, const cli_opts *o)
{
	ag_diff_opts d_opts = { NULL, NULL, NULL, false };
	const char *slug = NULL, *revs[2] = { NULL, NULL };
	size_t n_revs = 0;
	ag_buf sql = AG_BUF_INIT, text = AG_BUF_INIT;
	ag_diags d, shown;
	char *name = NULL;
	int rc = EXIT_OK, error;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--repo") && i + 1 < argc)
			d_opts.repo = argv[++i];
		else if (!strcmp(argv[i], "--worktree"))
			d_opts.worktree = true;
		else if (argv[i][0] == '-')
			return cli_usage("diff", "unknown option '%s'", argv[i]);
		else if (!slug)
			slug = argv[i];
		else if (n_revs < 2)
			revs[n_revs++] = argv[i];
		else
			return cli_usage("diff", "too many arguments: SLUG [REV_A [REV_B]]");
	}
	if (!slug)
		return cli_usage("diff", "which app? (appgen diff SLUG [REV_A [REV_B]])");
	if (strchr(slug, '/') || strchr(slug, '.'))
		return cli_usage("diff", "'%s' is not a slug (blueprints/<slug>.json)", slug);
	if (d_opts.worktree && n_revs == 2)
		return cli_usage("diff", "--worktree compares with the work tree: give at most REV_A");
	d_opts.rev_a = revs[0];
	d_opts.rev_b = revs[1];
	ag_diags_init(&d);
	ag_diags_init(&shown);
	error = ag_diff_sql(&sql, &name, &d_opts, slug, &d);
	/* the blueprint's own warnings are appgen check's business: keep the
	 * errors and what concerns the migrations (all of it with -v) */
	for (size_t i = 0; i < d.count; i++) {
		const ag_diag *x = &d.items[i];
		if (o->verbose > 0 || x->severity == AG_SEV_ERROR || x->code == AG_D_VERSION_SKIPPED)
			ag_diags_add(&shown, x->severity, x->code, x->file, x->span, x->source,
				x->source ? strlen(x->source) : 0, x->hint, "%s", x->message);
	}
	if (shown.count) {
		ag_diags_sort(&shown);
		ag_diags_render_text(&text, &shown, o->color);
		fwrite(text.ptr, 1, text.len, stderr);
	}
	if (error == AG_EINVALID)
		rc = EXIT_FAILED;
	else if (error == AG_ENOTFOUND)
		rc = cli_fail(EXIT_FAILED, "%s", ag_error_last());
	else if (error < 0)
		rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
	else if (!name) {
		if (o->verbose >= 0)
			fprintf(stderr, "appgen diff: blueprints/%s.json is the same at both ends: no migration\n", slug);
	} else {
		if (o->verbose > 0)
			fprintf(stderr, "appgen diff: db/migrations/%s\n", name);
		rc = cli_write(stdout, &sql);
	}
	free(name);
	ag_diags_dispose(&d);
	ag_diags_dispose(&shown);
	ag_buf_dispose(&sql);
	ag_buf_dispose(&text);
	return rc;
}

const cli_cmd cli_cmd_diff = {
	"diff", run, "print the SQL migration between two versions of an app",
	"usage: appgen diff [--repo DIR] [--worktree] SLUG [REV_A [REV_B]]\n\n"
	"Prints the SQL migration of app SLUG (blueprints/SLUG.json) as `appgen build`\n"
	"writes it under db/migrations/:\n"
	"  appgen diff SLUG              the newest migration at HEAD (the last file\n"
	"                                of the app's db/migrations)\n"
	"  appgen diff SLUG REV_A        from the blueprint at REV_A straight to HEAD's\n"
	"  appgen diff SLUG REV_A REV_B  from REV_A straight to REV_B\n"
	"  --worktree                    the uncommitted blueprint file instead of\n"
	"                                HEAD's: what the next commit will migrate\n"
	"  --repo DIR                    the blueprint repository (default .)\n\n"
	"Each blueprint version that changed the file is a version; a migration\n"
	"is numbered after the migrations before it. A destructive step (drop\n"
	"table T, drop column T.C, alter column T.C type, drop role R, disable\n"
	"auth) must be listed in the newer version's migrations.allowDestructive,\n"
	"else it is refused (E230) as in a build; so is a required column without\n"
	"a default on a table that has rows (E231).\n\n"
	"exit: 0 printed (or no change), 1 a version does not validate, a step is\n"
	"refused or the app or revision does not exist, 2 usage error,\n"
	"3 environment error\n"
};
