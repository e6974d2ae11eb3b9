/* lua_pool.c - size-class free lists over 64 KiB chunks (see lua_pool.h). */
#include "gen/lua_pool.h"

#define CHUNK ((size_t)64 << 10)
#define UNIT 16 /* the class step; also the alignment, and the chunk header */

static size_t class_of(size_t n)
{
	return (n - 1) / UNIT;
}

bool ag_pool_same_class(size_t a, size_t b)
{
	return a && b && a <= AG_POOL_MAX && b <= AG_POOL_MAX && class_of(a) == class_of(b);
}

void *ag_pool_alloc(ag_pool *p, size_t n)
{
	size_t c = class_of(n), size = (c + 1) * UNIT;
	void *block = p->free[c];
	char *chunk;

	if (block) {
		p->free[c] = *(void **)block;
		return block;
	}
	if ((size_t)(p->end - p->next) < size) {
		/* The rest of the old chunk is too small for this class: a
		 * block of at most AG_POOL_MAX - UNIT bytes is left unused. */
		if (!(chunk = malloc(CHUNK)))
			return NULL;
		*(void **)chunk = p->chunks;
		p->chunks = chunk;
		p->next = chunk + UNIT;
		p->end = chunk + CHUNK;
	}
	block = p->next;
	p->next += size;
	return block;
}

void ag_pool_free(ag_pool *p, void *block, size_t n)
{
	size_t c = class_of(n);

	*(void **)block = p->free[c];
	p->free[c] = block;
}

void ag_pool_dispose(ag_pool *p)
{
	void *chunk = p->chunks;

	while (chunk) {
		void *next = *(void **)chunk;
		free(chunk);
		chunk = next;
	}
	memset(p, 0, sizeof(*p));
}
