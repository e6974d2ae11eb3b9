/* input.c - finding and reading the blueprint files a command was given. */
#include "cli.h"
#include "appgen/fs.h"
#include "appgen/json.h"
#include <sys/stat.h>

bool cli_read_blueprint(ag_buf *out, const char *path, ag_diags *d)
{
	size_t size = 0;
	int error;
	static const ag_span whole = { 0, 0, 0 };

	if (strcmp(path, "-") == 0)
		error = ag_fs_read(out, "/dev/stdin", AG_JSON_MAX_SIZE, &size);
	else
		error = ag_fs_read(out, path, AG_JSON_MAX_SIZE, &size);
	if (error == AG_EINVALID) {
		ag_diags_add(d, AG_SEV_ERROR, AG_D_TOO_LARGE, path, whole, NULL, 0,
			"a blueprint is a few kilobytes of JSON; is this the right file?",
			"file is larger than the limit of %u bytes", AG_JSON_MAX_SIZE);
		return false;
	}
	if (error < 0) {
		ag_diags_add(d, AG_SEV_ERROR, AG_D_UNREADABLE, path, whole, NULL, 0, NULL, "%s", ag_error_last());
		return false;
	}
	return true;
}

static int push(char ***files, size_t *n, size_t *cap, char *s)
{
	if (!s)
		return -1;
	if (*n + 2 > *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **p = realloc(*files, c * sizeof(*p));
		if (!p) {
			free(s);
			return -1;
		}
		*files = p;
		*cap = c;
	}
	(*files)[(*n)++] = s;
	(*files)[*n] = NULL;
	return 0;
}

void cli_files_free(char **files)
{
	for (char **p = files; p && *p; p++)
		free(*p);
	free(files);
}

int cli_expand_paths(char ***files, size_t *n, int argc, char **argv, const char *cmd)
{
	size_t cap = 0;
	struct stat st;

	*files = NULL;
	*n = 0;
	for (int i = 0; i < argc; i++) {
		const char *path = argv[i];
		if (strcmp(path, "-") != 0 && stat(path, &st) < 0) {
			cli_files_free(*files);
			*files = NULL;
			return cli_usage(cmd, "'%s': %s", path, strerror(errno));
		}
		if (strcmp(path, "-") != 0 && S_ISDIR(st.st_mode)) {
			char **names;
			size_t len = strlen(path);
			if (ag_fs_list(&names, path, ".json", 0) < 0) {
				cli_files_free(*files);
				*files = NULL;
				return cli_fail(EXIT_ENV, "%s", ag_error_last());
			}
			for (char **p = names; *p; p++) {
				ag_buf b = AG_BUF_INIT;
				ag_buf_printf(&b, "%.*s/%s", (int)(len > 1 && path[len - 1] == '/' ? len - 1 : len), path, *p);
				if (push(files, n, &cap, ag_buf_detach(&b)) < 0) {
					ag_fs_list_free(names);
					return cli_fail(EXIT_ENV, "out of memory");
				}
			}
			ag_fs_list_free(names);
		} else if (push(files, n, &cap, strdup(path)) < 0) {
			return cli_fail(EXIT_ENV, "out of memory");
		}
	}
	if (!*files && !(*files = calloc(1, sizeof(char *))))
		return cli_fail(EXIT_ENV, "out of memory");
	return 0;
}
