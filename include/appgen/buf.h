/*
 * buf.h - the one way appgen builds text.
 *
 * An ag_buf is a growable byte string that is always NUL-terminated
 * (ptr[len] == '\0'), even when empty. Out-of-memory is sticky: after a
 * failed growth every further append is a no-op, ag_buf_oom() reports it,
 * and the content is the empty string. Callers check once, at the end.
 *
 * Lifecycle: ag_buf_init() (or AG_BUF_INIT) -> appends -> ag_buf_dispose()
 * frees the bytes; ag_buf_detach() hands them to the caller instead.
 */
#ifndef AG_BUF_H
#define AG_BUF_H

#include "common.h"
#include <stdarg.h>

typedef struct ag_buf {
	char *ptr;
	size_t len;
	size_t cap;
	bool oom;
} ag_buf;

extern char ag_buf__empty[];
#define AG_BUF_INIT { ag_buf__empty, 0, 0, false }

void ag_buf_init(ag_buf *b);
void ag_buf_dispose(ag_buf *b);
/* Forget the content, keep the allocation. */
void ag_buf_clear(ag_buf *b);
/* Ensure room for `extra` more bytes; 0 or AG_ENOMEM (sticky). */
int ag_buf_grow(ag_buf *b, size_t extra);
void ag_buf_put(ag_buf *b, const void *data, size_t n);
void ag_buf_puts(ag_buf *b, const char *s);
void ag_buf_putc(ag_buf *b, char c);
void ag_buf_printf(ag_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ag_buf_vprintf(ag_buf *b, const char *fmt, va_list ap);
/* Append `c` n times. */
void ag_buf_repeat(ag_buf *b, char c, size_t n);
/* Drop the last n bytes (or all). */
void ag_buf_truncate(ag_buf *b, size_t len);
bool ag_buf_oom(const ag_buf *b);
/* Give the caller the malloc'd string (never NULL unless OOM); b is reset. */
char *ag_buf_detach(ag_buf *b);

/* Append `s` as a JSON string literal (quotes included). */
void ag_buf_put_json_str(ag_buf *b, const char *s);

#endif
