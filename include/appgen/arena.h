/*
 * arena.h - bump allocator; everything of one compiled app lives in one.
 *
 * Allocations are 16-byte aligned and zeroed. Nothing is freed on its own:
 * ag_arena_dispose() releases every block at once. Allocation failure
 * returns NULL and sets the sticky `oom` flag.
 */
#ifndef AG_ARENA_H
#define AG_ARENA_H

#include "common.h"

typedef struct ag_arena_block ag_arena_block;

typedef struct ag_arena {
	ag_arena_block *head;
	bool oom;
} ag_arena;

void ag_arena_init(ag_arena *a);
void ag_arena_dispose(ag_arena *a);
void *ag_arena_alloc(ag_arena *a, size_t n);
/* n elements of size sz, overflow-checked. */
void *ag_arena_calloc(ag_arena *a, size_t n, size_t sz);
char *ag_arena_strdup(ag_arena *a, const char *s);
char *ag_arena_strndup(ag_arena *a, const char *s, size_t n);
/* printf into the arena. */
char *ag_arena_printf(ag_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
