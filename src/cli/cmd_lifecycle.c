/* cmd_lifecycle.c - appgen start | stop | delete SLUG: edit and commit. */
#include "cli.h"
#include "appgen/edit.h"
#include "appgen/front.h"
#include "appgen/fs.h"

/* The slugs of blueprints/ in the work tree, for "did you mean". */
static void known_apps(ag_buf *b, ag_repo *repo)
{
	ag_buf dir = AG_BUF_INIT;
	char **names = NULL;

	ag_buf_printf(&dir, "%sblueprints", ag_repo_workdir(repo));
	if (!ag_buf_oom(&dir) && ag_fs_list(&names, dir.ptr, ".json", 0) == 0)
		for (size_t i = 0; names[i]; i++)
			ag_buf_printf(b, "%s%.*s", i ? ", " : "", (int)(strlen(names[i]) - 5), names[i]);
	ag_error_clear();
	ag_fs_list_free(names);
	ag_buf_dispose(&dir);
}

/* The exit code of a failed library call. */
static int fail(int error)
{
	return cli_fail(error == AG_ENOTFOUND ? EXIT_ENV : error == AG_EINVALID ? EXIT_FAILED : EXIT_ENV, "%s",
		ag_error_last());
}

/* status: "running", "stopped", or NULL to delete. */
static int change(int argc, char **argv, const cli_opts *o, const char *cmd, const char *status)
{
	const char *slug = NULL, *dir = ".";
	ag_repo *repo = NULL;
	ag_buf path = AG_BUF_INIT, text = AG_BUF_INIT, next = AG_BUF_INIT, msg = AG_BUF_INIT;
	ag_diags d;
	ag_ir *ir = NULL;
	char commit[41];
	bool changed = true;
	int rc = EXIT_OK, error;

	ag_diags_init(&d);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--repo") && i + 1 < argc)
			dir = argv[++i];
		else if (argv[i][0] == '-' || slug)
			return cli_usage(cmd, "unknown argument '%s'", argv[i]);
		else
			slug = argv[i];
	}
	if (!slug)
		return cli_usage(cmd, "which app? (appgen %s SLUG)", cmd);
	if ((error = ag_repo_open(&repo, dir)) < 0 || !*ag_repo_workdir(repo)) {
		rc = error < 0 ? fail(error) : cli_fail(EXIT_ENV, "'%s' has no work tree", dir);
		goto done;
	}
	ag_buf_printf(&path, "blueprints/%s.json", slug);
	if (ag_buf_oom(&path)) {
		rc = cli_fail(EXIT_ENV, "out of memory");
		goto done;
	}
	if ((error = ag_repo_read_head_file(repo, path.ptr, &text)) < 0) {
		ag_buf apps = AG_BUF_INIT;
		known_apps(&apps, repo);
		rc = cli_fail(error == AG_ENOTFOUND ? EXIT_FAILED : EXIT_ENV, "no app '%s' in the last commit%s%s%s",
			slug, apps.len ? " (apps: " : "", apps.len ? apps.ptr : "", apps.len ? ")" : "");
		ag_buf_dispose(&apps);
		goto done;
	}
	if (status) {
		if ((error = ag_blueprint_set_status(&next, text.ptr, text.len, status, &changed)) < 0) {
			rc = fail(error);
			goto done;
		}
		if (!changed) {
			if (o->verbose >= 0)
				printf("%s is %s already; nothing to commit\n", slug, status);
			goto done;
		}
		/* the edit must leave a valid blueprint */
		if (ag_front_compile(&ir, path.ptr, next.ptr, next.len, &d) < 0 || !ir) {
			ag_buf out = AG_BUF_INIT;
			ag_diags_render_text(&out, &d, o->color);
			cli_write(stderr, &out);
			ag_buf_dispose(&out);
			rc = cli_fail(EXIT_FAILED, "%s does not validate; fix it before '%s'", path.ptr, cmd);
			goto done;
		}
	}
	ag_buf_printf(&msg, "appgen: %s %s\n", cmd, slug);
	if (ag_buf_oom(&msg)) {
		rc = cli_fail(EXIT_ENV, "out of memory");
		goto done;
	}
	if ((error = ag_repo_commit_file(repo, path.ptr, status ? next.ptr : NULL, status ? next.len : 0, msg.ptr,
		commit)) < 0) {
		rc = fail(error);
		goto done;
	}
	if (o->verbose >= 0)
		printf("%s %s in %.12s; %s\n", status ? status : "deleted", slug, commit,
			!status ? "the next build emits its teardown (db/teardown.sql) and marks it deleted"
			: strcmp(status, "stopped") == 0 ? "after the next build its API answers 503 (all but /health)"
			: "after the next build its API serves again");
done:
	ag_ir_free(ir);
	ag_diags_dispose(&d);
	ag_repo_free(repo);
	ag_buf_dispose(&path);
	ag_buf_dispose(&text);
	ag_buf_dispose(&next);
	ag_buf_dispose(&msg);
	return rc;
}

static int run_start(int argc, char **argv, const cli_opts *o) { return change(argc, argv, o, "start", "running"); }
static int run_stop(int argc, char **argv, const cli_opts *o) { return change(argc, argv, o, "stop", "stopped"); }
static int run_delete(int argc, char **argv, const cli_opts *o) { return change(argc, argv, o, "delete", NULL); }

#define LIFECYCLE_HELP \
	"Edits blueprints/SLUG.json in the work tree and commits exactly that change\n" \
	"on the current branch with your Git identity (user.name, user.email); other\n" \
	"staged or unstaged changes stay as they are. Refuses a blueprint with\n" \
	"uncommitted changes.\n\n" \
	"exit: 0 done (or nothing to do), 1 no such app or the blueprint has\n" \
	"uncommitted changes, 2 usage error, 3 no repository or no Git identity\n"

const cli_cmd cli_cmd_start = {
	"start", run_start, "set app.status to running and commit",
	"usage: appgen start SLUG [--repo DIR]\n\nSets app.status to \"running\".\n" LIFECYCLE_HELP
};
const cli_cmd cli_cmd_stop = {
	"stop", run_stop, "set app.status to stopped and commit",
	"usage: appgen stop SLUG [--repo DIR]\n\nSets app.status to \"stopped\": the app's API then answers 503\n"
	"on every route but /health.\n" LIFECYCLE_HELP
};
const cli_cmd cli_cmd_delete = {
	"delete", run_delete, "remove a blueprint and commit",
	"usage: appgen delete SLUG [--repo DIR]\n\nRemoves blueprints/SLUG.json; the next build emits the app's\n"
	"teardown and marks it deleted in build.json.\n" LIFECYCLE_HELP
};
