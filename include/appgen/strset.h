/*
 * strset.h - a set of strings (open addressing, FNV-1a), for membership
 * tests that would otherwise be quadratic. The set does not copy: the
 * strings must outlive it. Iteration order is not offered on purpose.
 */
#ifndef AG_STRSET_H
#define AG_STRSET_H

#include "common.h"

typedef struct ag_strset {
	const char **slots;
	size_t count, cap;
} ag_strset;

void ag_strset_init(ag_strset *s);
void ag_strset_dispose(ag_strset *s);
/* 0 (added or already there) or AG_ENOMEM. */
int ag_strset_add(ag_strset *s, const char *str);
bool ag_strset_has(const ag_strset *s, const char *str);

#endif
