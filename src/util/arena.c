/* arena.c - bump allocation in large zeroed blocks, freed all at once. */
#include "appgen/arena.h"
#include "appgen/buf.h"

#define BLOCK_SIZE (64 * 1024)
#define ALIGN 16

struct ag_arena_block {
	ag_arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

void ag_arena_init(ag_arena *a)
{
	a->head = NULL;
	a->oom = false;
}

void ag_arena_dispose(ag_arena *a)
{
	ag_arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	ag_arena_init(a);
}

void *ag_arena_alloc(ag_arena *a, size_t n)
{
	ag_arena_block *b = a->head;
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	void *p;

	if (n > SIZE_MAX / 2)
		goto fail;
	if (need == 0)
		need = ALIGN;
	if (!b || b->size - b->used < need) {
		size_t size = need > BLOCK_SIZE ? need : BLOCK_SIZE;
		b = calloc(1, sizeof(*b) + size);
		if (!b)
			goto fail;
		b->size = size;
		if (need > BLOCK_SIZE / 4 && a->head) {
			/* a big one-off block goes behind the current one */
			b->next = a->head->next;
			a->head->next = b;
			b->used = need;
			return b->data;
		}
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += need;
	return p;
fail:
	a->oom = true;
	ag_error_set(AG_ENOMEM, "out of memory");
	return NULL;
}

void *ag_arena_calloc(ag_arena *a, size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz) {
		a->oom = true;
		return NULL;
	}
	return ag_arena_alloc(a, n * sz);
}

char *ag_arena_strndup(ag_arena *a, const char *s, size_t n)
{
	char *p = ag_arena_alloc(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *ag_arena_strdup(ag_arena *a, const char *s)
{
	return s ? ag_arena_strndup(a, s, strlen(s)) : NULL;
}

char *ag_arena_printf(ag_arena *a, const char *fmt, ...)
{
	ag_buf b = AG_BUF_INIT;
	va_list ap;
	char *p;

	va_start(ap, fmt);
	ag_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p = ag_buf_oom(&b) ? NULL : ag_arena_strndup(a, b.ptr, b.len);
	ag_buf_dispose(&b);
	if (!p)
		a->oom = true;
	return p;
}
