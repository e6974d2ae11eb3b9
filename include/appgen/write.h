/*
 * write.h - the one module that writes outputs to disk.
 *
 * Every output is written so that a crash (kill -9, power loss) leaves
 * either the previous version or the new one, never a mix:
 *  - single files: temporary file in the same directory, fsync, rename;
 *  - app trees: the new tree is staged in a sibling directory
 *    ".<name>.new" (unchanged files are hard-linked from the current
 *    tree, not rewritten), synced, then swapped in with one
 *    renameat2(RENAME_EXCHANGE); the old tree is removed afterwards.
 *    A stale staging directory from a crashed run is removed first.
 * Modes are set explicitly (0644 / 0755 for files, 0755 for
 * directories), so the umask never shows in outputs. Identical content is
 * never rewritten: a tree whose files all match is left untouched.
 */
#ifndef AG_WRITE_H
#define AG_WRITE_H

#include "files.h"

typedef struct ag_write_stats {
	size_t written; /* files whose bytes changed or are new */
	size_t kept;    /* files identical to the previous tree */
	size_t removed; /* files of the previous tree no longer produced */
	size_t bytes;   /* total bytes of the tree */
	bool changed;   /* false when the tree on disk was already identical */
} ag_write_stats;

/* Replace directory `dir` with exactly `files`. */
int ag_write_tree(const char *dir, const ag_files *files, ag_write_stats *stats);

/*
 * Write one file atomically unless it already holds exactly these bytes
 * and mode. *changed (may be NULL) says whether it was written.
 */
int ag_write_file(const char *path, const void *data, size_t len, unsigned mode, bool *changed);

/* mkdir -p with mode 0755. */
int ag_write_mkdirs(const char *path);

/* rm -rf (does not follow symlinks). A missing path is not an error. */
int ag_write_rmtree(const char *path);

#endif
