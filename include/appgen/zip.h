/*
 * zip.h - a deterministic zip of an app tree (libzip).
 *
 * The archive is built in memory and written with ag_write_file (temp
 * file + fsync + rename; an identical archive is not rewritten, so its
 * inode and mtime stay). The bytes depend only on the files: entries in
 * byte order of their paths, each under one root folder, no directory
 * entries; every entry has the DOS time 1980-01-01 00:00:00, the Unix
 * mode 0100644 or 0100755 (as the file's), deflate at level 9, UTF-8
 * names, no extra fields, no comment. So the same tree gives the same zip
 * whatever the clock, time zone, umask or locale (for one libzip and zlib:
 * another deflate implementation may compress differently).
 *
 * No entry can escape its root: the root is one safe path component and
 * every path is checked with ag_files_path_ok (no "", ".", "..", no
 * absolute paths, no backslashes or control characters) and must be
 * well-formed UTF-8. Anything else is AG_EINVALID with a message, and no
 * archive is produced.
 */
#ifndef AG_ZIP_H
#define AG_ZIP_H

#include "appgen/buf.h"
#include "appgen/files.h"

/*
 * The archive's bytes, appended to `out`: each file of `files` as the
 * entry "<root>/<path>". An empty set gives the empty archive (22 bytes).
 * AG_EINVALID for a bad root or path (message set), AG_ENOMEM, or
 * AG_ERROR from libzip; `out` is unchanged on error.
 */
int ag_zip_build(ag_buf *out, const ag_files *files, const char *root);

/*
 * Build and write it to `path` (parent directories created, mode 0644).
 * *changed, if given, says whether the file was (re)written.
 */
int ag_zip_write(const char *path, const ag_files *files, const char *root, bool *changed);

/*
 * Read an archive back into `out` (initialized by the caller; files are
 * added, with emitter "zip"): the inverse of ag_zip_build, to verify an
 * archive. Every entry must be a regular file "<root>/<path>" with a safe
 * UTF-8 path, stored or deflated, and unique; directory entries under
 * root are skipped. Mode 0755 when the owner may execute it, else 0644.
 * The uncompressed total may not exceed what deflate can expand `len`
 * bytes to, so a crafted archive cannot make it allocate without bound.
 * AG_EINVALID (message set) for anything else, AG_ENOMEM; on error `out`
 * may hold some of the files.
 */
int ag_zip_read(ag_files *out, const void *data, size_t len, const char *root);

#endif
