/*
 * history.h - the versions of every blueprint, from Git history.
 *
 * An app's versions are the commits on the first-parent chain of the
 * build's revision that changed its blueprint's blob (DESIGN §4): the
 * commit that added blueprints/<name>.json is version 1, every later
 * commit that changed its bytes the next version. A commit that deleted
 * the file is not a version; if the file comes back, numbering goes on.
 * The walk reads the chain once for all blueprints: a commit whose
 * blueprints/ tree equals its parent's costs one tree-id comparison.
 * A shallow clone's history ends where the clone does.
 */
#ifndef AG_HISTORY_H
#define AG_HISTORY_H

#include "repo.h"

typedef struct ag_version {
	char commit[41]; /* the commit that made this version */
	char blob[41];   /* the blueprint's bytes at that version */
	int64_t time;    /* the commit's committer time, seconds since the epoch */
	int tz_offset;   /* minutes east of UTC */
} ag_version;

typedef struct ag_history_file {
	char *path;           /* "blueprints/<name>.json" */
	ag_version *versions; /* oldest first; versions[k] is version k + 1 */
	size_t count, cap;
} ag_history_file;

typedef struct ag_history {
	ag_history_file *files; /* sorted by path */
	size_t count, cap;
} ag_history;

/*
 * Walk the first-parent chain from `rev` (NULL = HEAD) and collect the
 * versions of every blueprints/ *.json. 0, AG_ENOTFOUND (no such revision)
 * or another negative code.
 */
int ag_history_walk(ag_history *h, ag_repo *r, const char *rev);

/*
 * The same, continuing a history walked before: `base` is the history of
 * commit `base_commit`. The walk stops when it reaches that commit on the
 * first-parent chain and puts base's versions before the new ones; when
 * the chain does not contain it (history rewritten), it walks to the root.
 * `base` may be NULL. Either way the result equals a full walk.
 */
int ag_history_walk_from(ag_history *h, ag_repo *r, const char *rev, const ag_history *base,
	const char *base_commit);

/*
 * A history on disk (JSON): ag_history_save() writes `h`, walked from
 * `commit`, to `path` atomically; ag_history_load() reads it back (an
 * absent or damaged file gives an empty history and commit "").
 */
int ag_history_save(const ag_history *h, const char *commit, const char *path);
int ag_history_load(ag_history *h, char commit[41], const char *path);

/* The versions of `path`, or NULL when it has none. */
const ag_history_file *ag_history_get(const ag_history *h, const char *path);

void ag_history_dispose(ag_history *h);

#endif
