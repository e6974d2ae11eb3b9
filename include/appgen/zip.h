/*
 * zip.h - a deterministic zip of an app tree (libzip).
 *
 * The archive is built in memory and written with ag_write_file (temp
 * file + rename; an identical archive is not rewritten). The bytes depend
 * only on the files: entries in byte order of their paths, each under one
 * root folder; every entry has the DOS time 1980-01-01 00:00:00, the Unix
 * mode 0644 or 0755 (as the file's), deflate at level 9, UTF-8 names, no
 * extra fields, no comment. So the same tree gives the same zip whatever
 * the clock, time zone, umask or locale. No entry can escape its root:
 * the root is one safe path component and every path is checked with
 * ag_files_path_ok (no "..", no absolute paths, no backslashes).
 */
#ifndef AG_ZIP_H
#define AG_ZIP_H

#include "appgen/buf.h"
#include "appgen/files.h"

/* The archive's bytes, appended to `out`. AG_EINVALID for a bad root or
 * path (message set), AG_ENOMEM, or AG_ERROR from libzip. */
int ag_zip_build(ag_buf *out, const ag_files *files, const char *root);

/* Build and write it to `path` (parents created). *changed, if given,
 * says whether the file was (re)written. */
int ag_zip_write(const char *path, const ag_files *files, const char *root, bool *changed);

#endif
