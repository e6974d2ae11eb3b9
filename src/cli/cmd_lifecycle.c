/* cmd_lifecycle.c - appgen start | stop | delete SLUG: edit and commit. */
#include "cli.h"
#include "appgen/edit.h"
#include "appgen/front.h"
#include "appgen/fs.h"

/* "no app" with the apps of the last commit and the nearest name. */
static int no_such_app(ag_repo *repo, const char *slug)
{
	ag_snapshot snap;
	ag_buf list = AG_BUF_INIT;
	const char **names = NULL;
	const char *near = NULL;
	size_t n = 0;
	int rc;

	memset(&snap, 0, sizeof(snap));
	if (ag_repo_snapshot_lazy(&snap, repo, NULL, true) == 0 &&
		(names = calloc(snap.n_blueprints + 1, sizeof(*names)))) {
		for (size_t i = 0; i < snap.n_blueprints; i++) {
			const char *p = snap.blueprints[i].path + strlen("blueprints/");
			size_t len = strlen(p) - strlen(".json");
			ag_buf_printf(&list, "%s%.*s", n ? ", " : "", (int)len, p);
			names[n++] = p;
		}
	}
	ag_error_clear();
	if (names && n) {
		ag_buf want = AG_BUF_INIT;
		ag_buf_printf(&want, "%s.json", slug);
		if (!ag_buf_oom(&want))
			near = ag_did_you_mean(want.ptr, names, n);
		ag_buf_dispose(&want);
	}
	if (ag_buf_oom(&list))
		rc = cli_fail(EXIT_ENV, "out of memory");
	else if (!n)
		rc = cli_fail(EXIT_FAILED, "no app '%s': the last commit has no blueprints/*.json", slug);
	else if (near)
		rc = cli_fail(EXIT_FAILED, "no app '%s' in the last commit; did you mean '%.*s'? (apps: %s)", slug,
			(int)(strlen(near) - strlen(".json")), near, list.ptr);
	else
		rc = cli_fail(EXIT_FAILED, "no app '%s' in the last commit (apps: %s)", slug, list.ptr);
	free(names);
	ag_snapshot_dispose(&snap);
	ag_buf_dispose(&list);
	return rc;
}

/* Shaped like a slug, so that it names a file in blueprints/ and nothing
 * else (the front end checks the exact rule). */
static bool slug_shaped(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
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
	if (!slug_shaped(slug))
		return cli_usage(cmd, "'%s' is not an app slug (lowercase letters, digits and '-')", slug);
	if ((error = ag_repo_open(&repo, dir)) < 0 || !*ag_repo_workdir(repo)) {
		rc = error < 0 ? fail(error) : cli_fail(EXIT_ENV, "'%s' has no work tree", dir);
		goto done;
	}
	if ((error = ag_repo_head(repo, commit, NULL)) < 0) {
		rc = cli_fail(EXIT_FAILED, "%s: nothing to %s", ag_error_last(), cmd);
		goto done;
	}
	ag_buf_printf(&path, "blueprints/%s.json", slug);
	if (ag_buf_oom(&path)) {
		rc = cli_fail(EXIT_ENV, "out of memory");
		goto done;
	}
	if ((error = ag_repo_read_head_file(repo, path.ptr, &text)) < 0) {
		rc = error == AG_ENOTFOUND ? no_such_app(repo, slug) : fail(error);
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

#define LIFECYCLE_HELP "\n" \
	"Edits blueprints/SLUG.json in the work tree and commits exactly that change\n" \
	"on the current branch with your Git identity (user.name, user.email); other\n" \
	"staged or unstaged changes stay as they are (neither committed nor lost).\n" \
	"Refuses a blueprint with uncommitted changes (staged or not), a detached\n" \
	"HEAD or a branch with no commits. DIR (default .) is any directory of the\n" \
	"repository.\n\n" \
	"exit: 0 done (or nothing to do), 1 no such app, the blueprint has\n" \
	"uncommitted changes or would not validate, HEAD is not on a branch,\n" \
	"2 usage error, 3 no repository or no Git identity\n"

const cli_cmd cli_cmd_start = {
	"start", run_start, "set app.status to running and commit",
	"usage: appgen start SLUG [--repo DIR]\n\nSets app.status to \"running\" (an app without app.status is\n"
	"running already).\n" LIFECYCLE_HELP
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
