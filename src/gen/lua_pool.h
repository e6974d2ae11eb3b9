/*
 * lua_pool.h - private to src/gen: the small-object pool under a Lua
 * state's allocator.
 *
 * A Lua state allocates and frees small blocks (strings, tables, closures)
 * all the time; glibc's malloc costs more than the work around it. The
 * pool serves blocks of up to AG_POOL_MAX bytes from 64 KiB chunks, in
 * size classes of 16 bytes, each class with its own free list. Freed
 * blocks are reused by the same state and never returned to the system
 * before ag_pool_dispose(). One pool belongs to one state (one thread):
 * no locks. Blocks are 16-byte aligned, like malloc's.
 */
#ifndef AG_GEN_LUA_POOL_H
#define AG_GEN_LUA_POOL_H

#include "appgen/common.h"

#define AG_POOL_MAX 256 /* larger blocks come from malloc */
#define AG_POOL_CLASSES (AG_POOL_MAX / 16)

typedef struct ag_pool {
	void *free[AG_POOL_CLASSES]; /* per class: a list linked through the blocks */
	char *next, *end;            /* the current chunk's unused part */
	void *chunks;                /* every chunk, linked through its first block */
} ag_pool;

/* A block of 1..AG_POOL_MAX bytes, or NULL when out of memory. */
void *ag_pool_alloc(ag_pool *p, size_t n);
/* Give back a block of `n` bytes (the size it was allocated with). */
void ag_pool_free(ag_pool *p, void *block, size_t n);
/* True when blocks of sizes a and b are the same class (realloc in place). */
bool ag_pool_same_class(size_t a, size_t b);
/* Free every chunk. */
void ag_pool_dispose(ag_pool *p);

#endif
