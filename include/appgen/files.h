/*
 * files.h - a generated app tree in memory: an ordered set of files.
 *
 * Emitters produce file records; the set keeps them sorted by path (byte
 * order) and unique, so writing, zipping and hashing see one order. Paths
 * are relative, '/'-separated, with no "", "." or ".." components and no
 * leading '/', no control characters or backslashes, valid UTF-8;
 * ag_files_add() refuses anything else. Besides files the set
 * carries what emitters declare: dependencies (e.g. "pypi:fastapi==0.115.0"),
 * environment variables the app reads, and gaps (parts not generated).
 * All strings are owned by the set.
 */
#ifndef AG_FILES_H
#define AG_FILES_H

#include "buf.h"

typedef struct ag_file {
	char *path;
	char *data;
	size_t len;
	unsigned mode; /* 0644 or 0755 */
	char *emitter; /* who wrote it */
} ag_file;

typedef struct ag_strlist {
	char **items;
	size_t count, cap;
} ag_strlist;

typedef struct ag_files {
	ag_file *items;
	size_t count, cap;
	ag_strlist deps, env, gaps;
} ag_files;

void ag_files_init(ag_files *f);
void ag_files_dispose(ag_files *f);

/* True if `path` is a safe relative path (see above). */
bool ag_files_path_ok(const char *path);

/*
 * Add (or, with `replace`, overwrite) one file. Returns 0, AG_EINVALID
 * for a bad path or a duplicate without `replace` (message in
 * ag_error_last()), or AG_ENOMEM.
 */
int ag_files_add(ag_files *f, const char *path, const void *data, size_t len, unsigned mode,
	const char *emitter, bool replace);
const ag_file *ag_files_get(const ag_files *f, const char *path);

/*
 * Add every regular file under directory `dir` (recursively; links and
 * other special files are skipped), with mode 0755 when the owner may
 * execute it, else 0644. Used to read back a tree written before.
 */
int ag_files_load_dir(ag_files *f, const char *dir);

/* Add a string to a list unless present; the list stays sorted. */
int ag_strlist_add(ag_strlist *l, const char *s);
void ag_strlist_dispose(ag_strlist *l);

#endif
