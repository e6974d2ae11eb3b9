/*
 * hash.h - content hashing.
 *
 * appgen hashes content the way Git does (SHA-1 of a blob), through
 * libgit2, so a blueprint's hash equals its Git blob id. Hashing needs no
 * git_libgit2_init() (only opening repositories does; see repo.h).
 */
#ifndef AG_HASH_H
#define AG_HASH_H

#include "common.h"

#define AG_HASH_HEXSZ 40

/* out receives 40 lowercase hex digits and a NUL. 0 or AG_ERROR. */
int ag_hash_hex(char out[AG_HASH_HEXSZ + 1], const void *data, size_t len);

/* Short stable hash of a string (FNV-1a 32), for derived-name suffixes. */
uint32_t ag_hash_fnv32(const char *s);

#endif
