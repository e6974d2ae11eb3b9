/* buf.c - growable, always-terminated byte strings with sticky OOM. */
#include "appgen/buf.h"

char ag_buf__empty[1];

void ag_buf_init(ag_buf *b)
{
	b->ptr = ag_buf__empty;
	b->len = b->cap = 0;
	b->oom = false;
}

void ag_buf_dispose(ag_buf *b)
{
	if (b->cap)
		free(b->ptr);
	ag_buf_init(b);
}

void ag_buf_clear(ag_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->ptr[0] = '\0';
}

int ag_buf_grow(ag_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return AG_ENOMEM;
	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = b->cap ? realloc(b->ptr, cap) : malloc(cap);
	if (!p)
		goto fail;
	if (!b->cap)
		p[0] = '\0';
	b->ptr = p;
	b->cap = cap;
	return 0;
fail:
	ag_buf_dispose(b);
	b->oom = true;
	return ag_error_set(AG_ENOMEM, "out of memory");
}

void ag_buf_put(ag_buf *b, const void *data, size_t n)
{
	if (n == 0 || ag_buf_grow(b, n) < 0)
		return;
	memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void ag_buf_puts(ag_buf *b, const char *s)
{
	ag_buf_put(b, s, strlen(s));
}

void ag_buf_putc(ag_buf *b, char c)
{
	ag_buf_put(b, &c, 1);
}

void ag_buf_repeat(ag_buf *b, char c, size_t n)
{
	if (n == 0 || ag_buf_grow(b, n) < 0)
		return;
	memset(b->ptr + b->len, c, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void ag_buf_vprintf(ag_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || ag_buf_grow(b, (size_t)n) < 0)
		return;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void ag_buf_printf(ag_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ag_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void ag_buf_truncate(ag_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

bool ag_buf_oom(const ag_buf *b)
{
	return b->oom;
}

char *ag_buf_detach(ag_buf *b)
{
	char *p;

	if (b->oom)
		return NULL;
	p = b->cap ? b->ptr : strdup("");
	ag_buf_init(b);
	return p;
}

void ag_buf_put_json_str(ag_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	ag_buf_putc(b, '"');
	for (; *p; p++) {
		/* a run of bytes that stand for themselves, in one copy */
		const unsigned char *run = p;
		while (*p >= 0x20 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			ag_buf_put(b, run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': ag_buf_puts(b, "\\\""); break;
		case '\\': ag_buf_puts(b, "\\\\"); break;
		case '\n': ag_buf_puts(b, "\\n"); break;
		case '\r': ag_buf_puts(b, "\\r"); break;
		case '\t': ag_buf_puts(b, "\\t"); break;
		case '\b': ag_buf_puts(b, "\\b"); break;
		case '\f': ag_buf_puts(b, "\\f"); break;
		default: { /* the other control characters */
			char esc[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
			ag_buf_put(b, esc, 6);
		}
		}
	}
	ag_buf_putc(b, '"');
}
