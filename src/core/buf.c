// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "core/buf.h"

void buf_init(struct buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
	b->str = false;
}

void buf_init_str(struct buf *b, char *mem, size_t size)
{
	buf_init(b, mem, size ? size - 1 : 0);
	if (size) {
		mem[0] = '\0';
		b->str = true;
	}
}

void buf_put(struct buf *b, const void *s, size_t n)
{
	if (!n) /* s may be NULL for an empty slice */
		return;
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_slice(struct buf *b, struct slice s)
{
	buf_put(b, s.p, s.len);
}

void buf_uint(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
	while ((v /= 10));
	buf_put(b, tmp + sizeof(tmp) - n, n);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap - b->len;
	int n;

	if (b->overflow)
		return;
	/* vsnprintf writes a NUL: without the byte at p[cap] for it, a fit needs n < room */
	n = vsnprintf(b->p + b->len, room + b->str, fmt, ap);
	if (n < 0 || (size_t)n > room || ((size_t)n == room && !b->str)) {
		b->overflow = true;
		return;
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

bool buf_fits(const struct buf *b, size_t n)
{
	return !b->overflow && n <= b->cap - b->len;
}

int buf_done(const struct buf *b)
{
	return b->overflow || b->len > INT32_MAX ? -1 : (int)b->len;
}

const char *buf_str(struct buf *b)
{
	if (!b->str)
		return NULL; /* a caller's mistake: there is no room for the NUL */
	b->p[b->len] = '\0';
	return b->p;
}
