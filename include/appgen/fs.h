/*
 * fs.h - the file-system calls of the front end (reading only).
 *
 * Writing outputs lives in out/ (atomic writes); this module only reads.
 */
#ifndef AG_FS_H
#define AG_FS_H

#include "buf.h"

/*
 * Read a whole file into `out` (appended). Files larger than `limit` bytes
 * are not read: returns AG_EINVALID with *size set to the file's size.
 * AG_EIO with ag_error_last() set when the file cannot be read.
 */
int ag_fs_read(ag_buf *out, const char *path, size_t limit, size_t *size);

/* 1 if path is a directory, 0 if not (or does not exist). */
int ag_fs_is_dir(const char *path);

/*
 * The names (not paths) of the entries in `dir` ending with `suffix` ("" for
 * all), sorted bytewise, as a NULL-terminated malloc'd array of malloc'd
 * strings (free with ag_fs_list_free). Names starting with '.' are left out
 * unless `flags` has AG_FS_LIST_HIDDEN; "." and ".." always are. AG_EIO
 * when the directory cannot be read.
 */
#define AG_FS_LIST_HIDDEN 1u
int ag_fs_list(char ***out, const char *dir, const char *suffix, unsigned flags);
void ag_fs_list_free(char **list);

/*
 * Replace `path` with `len` bytes atomically: write a temporary file in
 * the same directory, fsync, rename over the target. A crash leaves either
 * the old file or the new one, never half of one. `mode` is applied to a
 * new file (e.g. 0644).
 */
int ag_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* The final component of a path ("a/b/c.json" -> "c.json"). */
const char *ag_fs_basename(const char *path);

#endif
