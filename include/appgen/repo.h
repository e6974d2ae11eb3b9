/*
 * repo.h - reading a blueprint repository at a Git revision (libgit2).
 *
 * appgen reads blueprints from commits, not from the work tree: the
 * snapshot of a build is "the tree of commit C". ag_repo_snapshot() loads
 * every input of a build from one revision:
 *   blueprints/ *.json        (direct children only, sorted by name)
 *   appgen.json               (the repository's configuration; optional)
 *   .appgen/ **               (template and emitter overrides; optional)
 * With `worktree` set it reads the same paths from the work tree instead
 * (uncommitted files), and works in a directory that is not a Git
 * repository at all; the snapshot's commit is then "worktree".
 *
 * Every file carries its Git blob id (for work-tree files, the id Git
 * would give the bytes), so the incremental build can key on it.
 * The snapshot owns all its memory; ag_snapshot_dispose() frees it.
 */
#ifndef AG_REPO_H
#define AG_REPO_H

#include "common.h"

typedef struct ag_repo ag_repo;

typedef struct ag_snapshot_file {
	char *path; /* relative to the repository root, '/'-separated */
	char *data; /* NUL-terminated copy of the bytes (NULL until read: see lazy) */
	size_t len;
	char blob[41];
	unsigned mode; /* 0644 or 0755 */
} ag_snapshot_file;

typedef struct ag_snapshot {
	char commit[41];       /* full commit id, or "worktree" */
	char *summary;         /* first line of the commit message ("" for the work tree) */
	int64_t time;          /* commit time, seconds since the epoch (0 for the work tree) */
	int tz_offset;         /* minutes east of UTC */
	ag_snapshot_file *blueprints;
	size_t n_blueprints;
	ag_snapshot_file *overrides; /* .appgen/... */
	size_t n_overrides;
	ag_snapshot_file *config;    /* appgen.json or NULL */
} ag_snapshot;

/*
 * Open the repository containing `path` (searching upwards like git).
 * AG_ENOTFOUND (message set) when there is none.
 */
int ag_repo_open(ag_repo **out, const char *path);
void ag_repo_free(ag_repo *r);
/* The work-tree root ("" for a bare repository). */
const char *ag_repo_workdir(const ag_repo *r);
/* A shallow clone: its history (so its versions) ends where the clone does. */
bool ag_repo_is_shallow(const ag_repo *r);

/*
 * Load the snapshot at `rev` (any git revision syntax; NULL = HEAD).
 * An unknown revision is AG_ENOTFOUND with a message naming it.
 */
int ag_repo_snapshot(ag_snapshot *out, ag_repo *r, const char *rev);

/*
 * The same, but with `lazy` the blueprints' bytes are not read: their
 * data is NULL (path, blob id and mode are set) until ag_repo_read_file().
 * A build reads only the blueprints it has to compile.
 */
int ag_repo_snapshot_lazy(ag_snapshot *out, ag_repo *r, const char *rev, bool lazy);

/* The full id of the commit `rev` names. 0 or AG_ENOTFOUND. */
int ag_repo_resolve(ag_repo *r, const char *rev, char out[41]);

/* Read the bytes of a lazily snapshotted file (no-op when present). */
int ag_repo_read_file(ag_repo *r, ag_snapshot_file *f);

/* The same paths from a directory's files (no Git needed). */
int ag_snapshot_from_dir(ag_snapshot *out, const char *dir);

void ag_snapshot_dispose(ag_snapshot *s);

#endif
