/* cmd_build.c - appgen build: compile the blueprints of a revision. */
#include "cli.h"
#include "appgen/build.h"
#include <unistd.h>

typedef struct progress_ctx {
	const cli_opts *o;
	const ag_diags *d;
} progress_ctx;

static void progress(const ag_build_app *a, size_t i, size_t n, void *payload)
{
	const progress_ctx *p = payload;
	const char *name = a->slug ? a->slug : a->file;

	if (p->o->verbose < 0)
		return;
	if (a->status == AG_APP_FAILED)
		fprintf(stderr, "[%zu/%zu] %-20s failed at %s (%zu diagnostic%s)\n", i, n, name, a->stage,
			a->diag_count, a->diag_count == 1 ? "" : "s");
	else
		fprintf(stderr, "[%zu/%zu] %-20s compiled %zu file%s in %.0f ms%s\n", i, n, name, a->files,
			a->files == 1 ? "" : "s", a->ms_front + a->ms_compile + a->ms_write,
			a->written ? "" : " (unchanged)");
}

static int parse_shard(const char *s, unsigned *i, unsigned *n)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b;
	if (end == s || *end != '/')
		return -1;
	s = end + 1;
	b = strtoul(s, &end, 10);
	if (end == s || *end || a < 1 || b < 1 || a > b || b > 100000)
		return -1;
	*i = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

/* --explain: one line per app on standard output, saying why it was
 * built or that it was up to date. */
static int print_explain(const ag_build_report *r)
{
	ag_buf b = AG_BUF_INIT;
	int rc;

	for (size_t i = 0; i < r->n_apps; i++) {
		const ag_build_app *a = &r->apps[i];
		const char *name = a->slug ? a->slug : a->file;
		if (a->status == AG_APP_SKIPPED)
			ag_buf_printf(&b, "%-24s not selected\n", name);
		else if (a->status == AG_APP_DELETED)
			ag_buf_printf(&b, "%-24s deleted: its tree is now its teardown\n", name);
		else if (a->cached)
			ag_buf_printf(&b, "%-24s up to date\n", name);
		else if (a->status == AG_APP_FAILED)
			ag_buf_printf(&b, "%-24s failed at %s (built because: %s)\n", name, a->stage,
				a->reason ? a->reason : "?");
		else
			ag_buf_printf(&b, "%-24s rebuilt: %s\n", name, a->reason ? a->reason : "?");
	}
	rc = cli_write(stdout, &b);
	ag_buf_dispose(&b);
	return rc;
}

static int run(int argc, char **argv, const cli_opts *o)
{
	ag_build_opts opts;
	ag_build_report rep;
	ag_diags d;
	ag_buf text = AG_BUF_INIT;
	const char **apps = calloc((size_t)argc + 1, sizeof(char *));
	progress_ctx pc;
	bool explain = false;
	int rc, error;

	if (!apps)
		return cli_fail(EXIT_ENV, "out of memory");
	memset(&opts, 0, sizeof(opts));
	opts.apps = apps;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDS_VALUE() do { if (!val) { free(apps); return cli_usage("build", "%s needs a value", a); } i++; } while (0)
		if (!strcmp(a, "--repo")) { NEEDS_VALUE(); opts.repo = val; }
		else if (!strcmp(a, "--rev")) { NEEDS_VALUE(); opts.rev = val; }
		else if (!strcmp(a, "--out")) { NEEDS_VALUE(); opts.out = val; }
		else if (!strcmp(a, "--app")) { NEEDS_VALUE(); apps[opts.n_apps++] = val; }
		else if (!strcmp(a, "--worktree")) opts.worktree = true;
		else if (!strcmp(a, "--force")) opts.force = true;
		else if (!strcmp(a, "--explain")) explain = true;
		else if (!strcmp(a, "--jobs")) {
			NEEDS_VALUE();
			if (atoi(val) < 1 || atoi(val) > 64) {
				free(apps);
				return cli_usage("build", "--jobs takes a number from 1 to 64");
			}
			opts.jobs = (unsigned)atoi(val);
		} else if (!strcmp(a, "--shard")) {
			NEEDS_VALUE();
			if (parse_shard(val, &opts.shard_index, &opts.shard_count) < 0) {
				free(apps);
				return cli_usage("build", "--shard takes I/N with 1 <= I <= N, not '%s'", val);
			}
		} else if (!strcmp(a, "--zip")) {
			opts.zip = true;
		} else if (!strcmp(a, "--push")) {
			opts.push = true;
		} else if (!strcmp(a, "--site")) {
			free(apps);
			return cli_fail(EXIT_USAGE, "build: %s is not available yet in this version", a);
		} else {
			free(apps);
			return cli_usage("build", "unknown argument '%s'", a);
		}
#undef NEEDS_VALUE
	}
	if (opts.worktree && opts.rev) {
		free(apps);
		return cli_usage("build", "--worktree and --rev exclude each other");
	}
	if (opts.worktree && opts.push) {
		free(apps);
		return cli_usage("build", "--push publishes commits: it cannot take --worktree");
	}
	ag_diags_init(&d);
	pc.o = o;
	pc.d = &d;
	error = ag_build_run(&rep, &opts, &d, progress, &pc);
	if (error == AG_ENOTFOUND) {
		rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
		goto done;
	}
	if (error == AG_EINVALID) {
		/* appgen.json itself is wrong: its diagnostics say where */
		ag_diags_render_text(&text, &d, o->color);
		rc = cli_write(stderr, &text);
		rc = rc ? rc : cli_fail(EXIT_FAILED, "%s", ag_error_last());
		goto done;
	}
	if (error < 0) {
		rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
		goto done;
	}
	if (explain && (rc = print_explain(&rep)))
		goto done;
	ag_diags_render_text(&text, &d, o->color);
	if (o->verbose >= 0)
		ag_buf_printf(&text, "built %zu app%s from %.12s into %s/apps (%zu up to date, %zu failed%s)\n",
			rep.succeeded - rep.cached, rep.succeeded - rep.cached == 1 ? "" : "s", rep.commit,
			opts.out ? opts.out : "out", rep.cached, rep.failed, rep.skipped ? ", some skipped" : "");
	if (o->verbose >= 0 && rep.deleted)
		ag_buf_printf(&text, "%zu deleted app%s: %s/apps/<slug>/db/teardown.sql drops its schema\n", rep.deleted,
			rep.deleted == 1 ? "" : "s", opts.out ? opts.out : "out");
	if (rep.shallow)
		ag_buf_puts(&text, "appgen: warning: the repository is a shallow clone: versions and migrations start "
			"where its history does (git fetch --unshallow)\n");
	if ((rc = cli_write(stderr, &text)))
		goto done;
	for (size_t i = 0; i < rep.n_apps; i++)
		if (rep.apps[i].push_error)
			fprintf(stderr, "appgen: %s\n", rep.apps[i].push_error);
	if (rep.push_failed)
		fprintf(stderr, "appgen: %zu app%s not pushed; what was committed stays in %s/.appgen/artifacts.git and "
			"the next build tries again\n", rep.push_failed, rep.push_failed == 1 ? "" : "s",
			opts.out ? opts.out : "out");
	rc = rep.push_failed ? EXIT_ENV : rep.failed ? EXIT_FAILED : EXIT_OK;
done:
	ag_build_report_dispose(&rep);
	ag_diags_dispose(&d);
	ag_buf_dispose(&text);
	free(apps);
	return rc;
}

const cli_cmd cli_cmd_build = {
	"build", run, "compile the blueprints of a Git revision into app trees",
	"usage: appgen build [--repo DIR] [--rev REV | --worktree] [--out DIR] [--app SLUG]...\n"
	"                    [--jobs N] [--shard I/N] [--zip] [--push] [--force] [--explain]\n\n"
	"Reads blueprints/*.json from the commit REV (default HEAD) of the repository\n"
	"at DIR (default .), checks them like `appgen check`, and writes for each\n"
	"valid app the tree OUT/apps/<slug>/ (default OUT is out/) and the report\n"
	"OUT/build.json. A failing blueprint is reported; the others still build.\n"
	"Trees are replaced atomically and identical files are not rewritten.\n"
	"Builds are incremental: an app whose blueprint, overrides (.appgen/),\n"
	"appgen.json and appgen are those its tree in OUT/apps/ was built from is\n"
	"not rebuilt (OUT/.appgen/cache.json records them).\n\n"
	"Each first-parent commit that changed a blueprint is a version of its app,\n"
	"and each version a migration db/migrations/NNNN_<name>.sql planned from the\n"
	"version before it. A destructive step (drop table T, drop column T.C, alter\n"
	"column T.C type, drop role R, disable auth) is refused (E230) unless the\n"
	"blueprint lists it in migrations.allowDestructive; `appgen diff` prints a\n"
	"migration. A version that does not validate gets none (W903).\n\n"
	"options:\n"
	"  --worktree     read the files as they are on disk (uncommitted changes;\n"
	"                 works in a directory that is not a Git repository)\n"
	"  --app SLUG     build only this app (repeatable)\n"
	"  --jobs N       compile and write N apps at a time (threads); outputs are\n"
	"                 the same for every N\n"
	"  --shard I/N    build the I-th of N stable shards of the apps\n"
	"  --zip          also write OUT/dist/<slug>-v<N>.zip, a deterministic zip of\n"
	"                 the tree (sorted entries, fixed times and modes)\n"
	"  --push         commit each app's tree to its artifact repository (appgen.json\n"
	"                 \"artifacts\": branch-per-app or repo-per-app) and push it;\n"
	"                 commits are reproducible (author appgen, the source commit's\n"
	"                 time); an unchanged tree makes no commit; a failed push is\n"
	"                 retried, then kept for the next build (exit 3). ssh keys come\n"
	"                 from the agent (the host must be in ~/.ssh/known_hosts),\n"
	"                 https tokens from APPGEN_GIT_TOKEN or GITHUB_TOKEN\n"
	"  --force        rebuild every app, whatever the cache says\n"
	"  --explain      print why each app was rebuilt (or that it is up to date)\n\n"
	"--site is not available yet.\n\n"
	"exit: 0 all apps built, 1 some app failed (or appgen.json is invalid),\n"
	"2 usage error, 3 no repository or revision, or a push failed\n"
};
