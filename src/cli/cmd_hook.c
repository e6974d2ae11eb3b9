/* cmd_hook.c - appgen hook install: build after every commit. */
#include "cli.h"
#include "appgen/edit.h"
#include "appgen/fs.h"
#include "appgen/write.h"
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

/* The hook: a build in the background (a commit stays fast), its output
 * in .git/appgen-build.log. */
static void hook_text(ag_buf *b, const char *appgen)
{
	ag_buf_puts(b, "#!/bin/sh\n# installed by `appgen hook install`: build the apps after each commit\n");
	ag_buf_puts(b, "top=$(git rev-parse --show-toplevel) || exit 0\n");
	ag_buf_puts(b, "log=$(git rev-parse --git-dir)/appgen-build.log\n");
	ag_buf_printf(b, "( cd \"$top\" && '%s' build >\"$log\" 2>&1 ) </dev/null >/dev/null 2>&1 &\n", appgen);
}

static int run(int argc, char **argv, const cli_opts *o)
{
	const char *repo_dir = ".", *self = "appgen";
	char real[PATH_MAX];
	bool force = false;
	ag_repo *repo = NULL;
	ag_buf dir = AG_BUF_INIT, path = AG_BUF_INIT, text = AG_BUF_INIT, old = AG_BUF_INIT;
	size_t size;
	int rc = EXIT_OK;

	if (argc < 2 || strcmp(argv[1], "install") != 0)
		return cli_usage("hook", "the only subcommand is 'install'");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "--repo") && i + 1 < argc)
			repo_dir = argv[++i];
		else
			return cli_usage("hook", "unknown argument '%s'", argv[i]);
	}
	/* run by a path: that appgen, made absolute (the hook runs elsewhere);
	 * run from PATH: the one on PATH when the hook runs */
	if (o->argv0 && strchr(o->argv0, '/')) {
		if (!realpath(o->argv0, real))
			return cli_fail(EXIT_ENV, "cannot resolve appgen's path '%s': %s", o->argv0, strerror(errno));
		self = real;
	}
	if (strchr(self, '\'') || strchr(self, '\n'))
		return cli_fail(EXIT_ENV, "appgen's path cannot be quoted for a shell script: %s", self);
	if (ag_repo_open(&repo, repo_dir) < 0) {
		rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
		goto done;
	}
	if (ag_repo_hooks_dir(repo, &dir) < 0) {
		rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
		goto done;
	}
	ag_buf_printf(&path, "%s%spost-commit", dir.ptr, dir.len && dir.ptr[dir.len - 1] == '/' ? "" : "/");
	hook_text(&text, self);
	if (ag_buf_oom(&path) || ag_buf_oom(&text)) {
		rc = cli_fail(EXIT_ENV, "out of memory");
		goto done;
	}
	if (ag_fs_read(&old, path.ptr, 1 << 20, &size) == 0) {
		if (old.len == text.len && memcmp(old.ptr, text.ptr, old.len) == 0) {
			if (o->verbose >= 0)
				printf("the hook is installed already: %s\n", path.ptr);
			goto done;
		}
		if (!force) {
			rc = cli_fail(EXIT_FAILED, "%s exists and is not appgen's; --force replaces it", path.ptr);
			goto done;
		}
	}
	if (ag_write_mkdirs(dir.ptr) < 0 || ag_fs_write_atomic(path.ptr, text.ptr, text.len, 0755) < 0 ||
		chmod(path.ptr, 0755) < 0) {
		rc = cli_fail(EXIT_ENV, "cannot write %s: %s", path.ptr, ag_error_last());
		goto done;
	}
	if (o->verbose >= 0)
		printf("installed %s: each commit now runs '%s build' in the background\n", path.ptr, self);
done:
	ag_repo_free(repo);
	ag_buf_dispose(&dir);
	ag_buf_dispose(&path);
	ag_buf_dispose(&text);
	ag_buf_dispose(&old);
	return rc;
}

const cli_cmd cli_cmd_hook = {
	"hook", run, "install a post-commit hook that runs appgen build",
	"usage: appgen hook install [--repo DIR] [--force]\n\n"
	"Writes the repository's post-commit hook (in core.hooksPath when set, else\n"
	".git/hooks): after each commit it runs `appgen build` in the background,\n"
	"its output in .git/appgen-build.log. A different existing hook is kept\n"
	"unless --force; installing twice changes nothing.\n\n"
	"exit: 0 installed, 1 another hook is in the way, 2 usage error, 3 no\n"
	"repository or the hook cannot be written\n"
};
