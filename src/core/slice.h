/* SPDX-License-Identifier: MIT */
/*
 * A slice is a (pointer, length) view into bytes owned by someone else,
 * usually the receive buffer of a SIP message. Parsers hand out slices
 * instead of copies (the Kamailio "str"), so nothing here allocates.
 */
#ifndef NUTSS_SLICE_H
#define NUTSS_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

struct slice {
	const char *p;
	size_t len;
};

/* lit must be a string literal: "" lit does not compile otherwise (sizeof a pointer would). */
#define SLICE_LIT(s) ((struct slice){ "" s, sizeof(s) - 1 })
#define SLICE_NULL ((struct slice){ NULL, 0 })
/* For printf("%.*s", SLICE_FMT(s)). */
#define SLICE_FMT(s) (int)(s).len, (s).p

static inline struct slice slice_make(const char *p, size_t len)
{
	return (struct slice){ p, len };
}

static inline struct slice slice_cstr(const char *s)
{
	return (struct slice){ s, s ? strlen(s) : 0 };
}

static inline bool slice_empty(struct slice s)
{
	return s.len == 0;
}

static inline bool slice_eq(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/*
 * ASCII case-insensitive comparison, which is what SIP means by
 * "case-insensitive". Not strncasecmp(): that one consults the locale and
 * was a quarter of the parser's time.
 */
static inline bool ascii_ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i] && ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return false;
	return true;
}

static inline bool slice_caseeq(struct slice a, struct slice b)
{
	return a.len == b.len && ascii_ieq(a.p, b.p, a.len);
}

static inline bool slice_caseeq_cstr(struct slice a, const char *b)
{
	size_t n = strlen(b);

	return a.len == n && ascii_ieq(a.p, b, n);
}

/* Against a string literal: the length is known at compile time and checked first. */
#define SLICE_CASEEQ_LIT(s, lit) ((s).len == sizeof("" lit) - 1 && ascii_ieq((s).p, (lit), sizeof(lit) - 1))

static inline bool slice_eq_cstr(struct slice a, const char *b)
{
	size_t n = strlen(b);

	return a.len == n && memcmp(a.p, b, n) == 0;
}

/* Copy into a NUL-terminated buffer; truncates, returns false if it had to. */
static inline bool slice_copy(char *dst, size_t dstlen, struct slice s)
{
	size_t n = s.len < dstlen ? s.len : dstlen - 1;

	if (!dstlen)
		return false;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
	return n == s.len;
}

#endif
