/* cmd_init.c - appgen init: a new blueprint repository. */
#include "cli.h"
#include "appgen/edit.h"
#include "appgen/fs.h"
#include "appgen/gen.h"
#include "appgen/write.h"
#include <sys/stat.h>

/* What init writes: the built-in template, and where it goes. Dot-files
 * are not embedded (tools/embed_tree.sh), so they are renamed here. */
static const struct {
	const char *from, *to;
} files[] = {
	{ "templates/init/blueprints/team-tasks.json", "blueprints/team-tasks.json" },
	{ "templates/init/appgen.json", "appgen.json" },
	{ "templates/init/github/workflows/appgen.yml", ".github/workflows/appgen.yml" },
	{ "templates/init/gitignore", ".gitignore" },
};

/* What makes a directory a blueprint repository. */
static const char *const markers[] = { "blueprints", "appgen.json" };

static int run(int argc, char **argv, const cli_opts *o)
{
	const char *dir = ".";
	ag_buf path = AG_BUF_INIT, parent = AG_BUF_INIT;
	bool made;
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return cli_usage("init", "unknown option '%s'", argv[i]);
		if (i > 1)
			return cli_usage("init", "takes one directory");
		dir = argv[i];
	}
	/* never overwrite: refuse a directory that holds a blueprint repo */
	for (size_t i = 0; i < AG_ARRAY_SIZE(markers); i++) {
		struct stat st;
		ag_buf_clear(&path);
		ag_buf_printf(&path, "%s/%s", dir, markers[i]);
		if (!ag_buf_oom(&path) && lstat(path.ptr, &st) == 0) {
			rc = cli_fail(EXIT_FAILED, "%s already exists: '%s' is a blueprint repository already", path.ptr, dir);
			goto done;
		}
	}
	if (ag_write_mkdirs(dir) < 0 || ag_repo_init_here(dir, &made) < 0) {
		rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
		goto done;
	}
	if (made && o->verbose >= 0)
		printf("initialized a Git repository in %s\n", dir);
	for (size_t i = 0; i < AG_ARRAY_SIZE(files); i++) {
		const char *data;
		size_t len;
		struct stat st;
		ag_buf_clear(&path);
		ag_buf_printf(&path, "%s/%s", dir, files[i].to);
		if (ag_buf_oom(&path)) {
			rc = cli_fail(EXIT_ENV, "out of memory");
			goto done;
		}
		if (lstat(path.ptr, &st) == 0) {
			if (o->verbose >= 0)
				printf("kept     %s (it exists)\n", files[i].to);
			continue;
		}
		ag_buf_clear(&parent);
		ag_buf_put(&parent, path.ptr, (size_t)(strrchr(path.ptr, '/') - path.ptr));
		if (ag_gen_builtin_source(&data, &len, files[i].from, NULL) < 0 || ag_buf_oom(&parent) ||
			ag_write_mkdirs(parent.ptr) < 0 || ag_fs_write_atomic(path.ptr, data, len, 0644) < 0) {
			rc = cli_fail(EXIT_ENV, "cannot write '%s': %s", path.ptr, ag_error_last());
			goto done;
		}
		if (o->verbose >= 0)
			printf("created  %s\n", files[i].to);
	}
	if (o->verbose >= 0)
		printf("\nnext:\n"
		       "  cd %s && git add -A && git commit -m \"first app\"\n"
		       "  appgen build --zip            # out/apps/team-tasks/, out/dist/team-tasks-v1.zip\n"
		       "  git init --bare ../artifacts.git && appgen build --push   # publish (see appgen.json)\n"
		       "  appgen hook install           # build after every commit, or: appgen watch\n", dir);
done:
	ag_buf_dispose(&path);
	ag_buf_dispose(&parent);
	return rc;
}

const cli_cmd cli_cmd_init = {
	"init", run, "make a new blueprint repository with an example app",
	"usage: appgen init [DIR]\n\n"
	"Makes DIR (default .) a blueprint repository: runs `git init` unless DIR is\n"
	"inside one, and writes\n"
	"  blueprints/team-tasks.json     an example app (two tables, two roles, a row filter)\n"
	"  appgen.json                    the artifact repository for `build --push`\n"
	"  .github/workflows/appgen.yml   builds, zips and pushes the apps on every push\n"
	"  .gitignore                     out/\n"
	"Refuses a directory that already has blueprints/ or appgen.json; never\n"
	"overwrites a file. Commits nothing.\n\n"
	"exit: 0 done, 1 DIR is a blueprint repository already, 2 usage error,\n"
	"3 a file could not be written\n"
};
