/*
 * tree.h - private to src/gen: the lua/ and templates/ trees compiled in.
 *
 * tools/embed_tree.sh generates build/gen/tree_data.c: every file under
 * lua/ and templates/ (dot-files excepted), sorted bytewise by path, each
 * with its bytes (NUL-terminated, `len` excludes the NUL). The array ends
 * with a { NULL, NULL, 0 } entry not counted in ag_tree_count.
 */
#ifndef AG_GEN_TREE_H
#define AG_GEN_TREE_H

#include <stddef.h>

typedef struct ag_tree_file {
	const char *name; /* e.g. "lua/appgen/template.lua" */
	const char *data;
	size_t len;
} ag_tree_file;

extern const ag_tree_file ag_tree_files[];
extern const size_t ag_tree_count;

#endif
