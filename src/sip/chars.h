/* SPDX-License-Identifier: MIT */
/*
 * Character classes of the RFC 3261 grammar (section 25.1) and a bounded
 * cursor over untrusted bytes. Every SIP-family parser in src/sip/ scans
 * through these, so a class lookup is one table load and no parser can read
 * past the end it was given.
 */
#ifndef NUTSS_SIP_CHARS_H
#define NUTSS_SIP_CHARS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/hex.h"
#include "core/slice.h"
#include "sip/err.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum {
	CC_ALPHA = 1 << 0,
	CC_DIGIT = 1 << 1,
	CC_HEX = 1 << 2,
	CC_TOKEN = 1 << 3,	/* token: alphanum and -.!%*_+`'~ */
	CC_UNRESERVED = 1 << 4, /* alphanum / mark */
	CC_USER = 1 << 5,	/* unreserved / user-unreserved (no '%') */
	CC_PASSWORD = 1 << 6,	/* unreserved / &=+$, (no '%') */
	CC_PARAM = 1 << 7,	/* unreserved / param-unreserved (no '%') */
	CC_HNV = 1 << 8,	/* unreserved / hnv-unreserved (no '%') */
	CC_WORD = 1 << 9,	/* word: token chars plus ()<>:\"/[]?{} */
	CC_WS = 1 << 10,	/* SP / HTAB */
	CC_HOST = 1 << 11,	/* hostname, IPv4 and IPv6 reference chars */
	CC_UTF8NC = 1 << 12,	/* bytes 0x80-0xFF (UTF8-NONASCII) */
	CC_SCHEME = 1 << 13,	/* ALPHA / DIGIT / "+" / "-" / "." */
	CC_URIC = 1 << 14,	/* uric (absoluteURI), no '%' */
	CC_HOSTNAME = 1 << 15,	/* hostname and IPv4 characters: alphanum, '-', '.' */
	CC_QDTEXT = 1 << 16, /* qdtext but LWS folds: HTAB SP %x21 %x23-5B %x5D-7E UTF8-NONASCII */
};

extern const uint32_t sip_cc[256];

static inline bool cc_is(unsigned char c, unsigned cls)
{
	return sip_cc[c] & cls;
}

/*
 * memchr for the short distances of SIP (a header line, a URI): inline
 * 16-byte SSE2 compares, part of every x86-64 CPU, instead of a library
 * call whose set-up costs more than the search. Never reads at or past end.
 */
static inline const char *scan_byte(const char *p, const char *end, char ch)
{
#ifdef __SSE2__
	const __m128i want = _mm_set1_epi8(ch);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned hit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, want));

		if (hit)
			return p + __builtin_ctz(hit);
		p += 16;
	}
	for (; p < end; p++)
		if (*p == ch)
			return p;
	return NULL;
#else
	return p < end ? memchr(p, ch, (size_t)(end - p)) : NULL;
#endif
}

static inline uint64_t load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8); /* a plain unaligned load */
	return v;
}

static inline uint32_t load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint16_t load16(const char *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/*
 * Case-insensitive equality of a token of len >= 2 bytes with want, which
 * holds lower-case letters and '-' only, in whole words (the last one
 * overlapping the one before), no byte loop. OR-ing 0x20 folds case
 * exactly here: no token character other than an upper-case letter
 * becomes a lower-case letter or '-' that way.
 */
static inline bool token_is_lower(const char *tok, size_t len, const char *want)
{
	if (len >= 8) {
		for (size_t i = 0; i + 8 < len; i += 8)
			if ((load64(tok + i) | 0x2020202020202020ull) != load64(want + i))
				return false;
		return (load64(tok + len - 8) | 0x2020202020202020ull) == load64(want + len - 8);
	}
	if (len >= 4)
		return (load32(tok) | 0x20202020u) == load32(want) &&
		       (load32(tok + len - 4) | 0x20202020u) == load32(want + len - 4);
	return (load16(tok) | 0x2020) == load16(want) &&
	       (load16(tok + len - 2) | 0x2020) == load16(want + len - 2);
}

/*
 * ascii_ieq(s, want, len) for len >= 1 in whole words, for want whose
 * letters are lower case and whose other bytes are below 0x40 (digits and
 * "-./:"): a letter of want matches that letter in either case and nothing
 * else (0x20 is OR-ed in only where want has bit 6 set), any other byte of
 * want only itself. So, unlike token_is_lower(), s may hold any bytes.
 */
static inline bool lit_ieq(const char *s, const char *want, size_t len)
{
#define FOLD(w, one) (((w) >> 1) & (one) * 0x20)
	if (len >= 8) {
		for (size_t i = 0; i + 8 < len; i += 8) {
			uint64_t w = load64(want + i);

			if ((load64(s + i) | FOLD(w, 0x0101010101010101ull)) != w)
				return false;
		}
		uint64_t w = load64(want + len - 8);

		return (load64(s + len - 8) | FOLD(w, 0x0101010101010101ull)) == w;
	}
	if (len >= 4) {
		uint32_t a = load32(want), b = load32(want + len - 4);

		return (load32(s) | FOLD(a, 0x01010101u)) == a &&
		       (load32(s + len - 4) | FOLD(b, 0x01010101u)) == b;
	}
	if (len >= 2) {
		uint16_t a = load16(want), b = load16(want + len - 2);

		return (uint16_t)(load16(s) | FOLD(a, 0x0101u)) == a &&
		       (uint16_t)(load16(s + len - 2) | FOLD(b, 0x0101u)) == b;
	}
	return (unsigned char)(*s | FOLD((unsigned char)*want, 1u)) == (unsigned char)*want;
#undef FOLD
}

/* SLICE_CASEEQ_LIT() through lit_ieq(): lit as lit_ieq() wants it. */
#define SLICE_IS_LIT(s, lit) ((s).len == sizeof(lit) - 1 && lit_ieq((s).p, (lit), sizeof(lit) - 1))

/* A read cursor: p moves towards end and never past it. */
struct cur {
	const char *p;
	const char *end;
};

static inline struct cur cur_of(struct slice s)
{
	return (struct cur){ s.p, s.p + s.len };
}

static inline bool cur_eof(const struct cur *c)
{
	return c->p >= c->end;
}

static inline int cur_peek(const struct cur *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static inline bool cur_accept(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static inline struct slice cur_rest(const struct cur *c)
{
	return slice_make(c->p, (size_t)(c->end - c->p));
}

/*
 * Consume the longest run of bytes in class cls; return it. Unrolled four
 * wide with one bounds check per four bytes: this loop is a fifth of all
 * the work of parsing a message. Each byte is tested on its own, not the
 * four AND-ed first: most runs are a few bytes long, and the combined
 * test then had to be done again byte by byte to find where the run ended.
 */
static inline struct slice cur_span(struct cur *c, unsigned cls)
{
	const unsigned char *s = (const unsigned char *)c->p, *p = s;
	const unsigned char *e = (const unsigned char *)c->end;

	while (e - p >= 4) {
		if (!(sip_cc[p[0]] & cls))
			goto out;
		if (!(sip_cc[p[1]] & cls)) {
			p += 1;
			goto out;
		}
		if (!(sip_cc[p[2]] & cls)) {
			p += 2;
			goto out;
		}
		if (!(sip_cc[p[3]] & cls)) {
			p += 3;
			goto out;
		}
		p += 4;
	}
	while (p < e && (sip_cc[*p] & cls))
		p++;
out:
	c->p = (const char *)p;
	return slice_make((const char *)s, (size_t)(p - s));
}

/*
 * Skip linear white space: SP, HTAB and a line fold (CRLF followed by SP or
 * HTAB). Header values are sliced with their folds in place, so every
 * sub-parser skips LWS through here. A bare CRLF not followed by WS is not LWS.
 */
static inline void cur_skip_lws(struct cur *c)
{
	/* the usual case, nothing to skip: one compare covers SP, HTAB and CR */
	if (c->p < c->end && (unsigned char)*c->p > ' ')
		return;
	while (c->p < c->end) {
		char ch = *c->p;

		if (ch == ' ' || ch == '\t') {
			c->p++;
		} else if (ch == '\r' && c->end - c->p >= 3 && c->p[1] == '\n' &&
			   (c->p[2] == ' ' || c->p[2] == '\t')) {
			c->p += 3;
		} else {
			return;
		}
	}
}

/* SWS-wrapped separator: LWS? ch LWS?  Returns false (cursor unchanged) if absent. */
static inline bool cur_sep(struct cur *c, char ch)
{
	struct cur save = *c;

	/* the common cases, decided without a trial skip */
	if (c->p >= c->end)
		return false;
	if (*c->p == ch) {
		c->p++;
		cur_skip_lws(c);
		return true;
	}
	if (*c->p != ' ' && *c->p != '\t' && *c->p != '\r')
		return false;

	cur_skip_lws(c);
	if (cur_accept(c, ch)) {
		cur_skip_lws(c);
		return true;
	}
	*c = save;
	return false;
}

/* Trim trailing LWS (including folds) from a slice. */
static inline struct slice slice_rtrim_lws(struct slice s)
{
	if (s.len && (unsigned char)s.p[s.len - 1] > ' ')
		return s;
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' ||
			 s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n'))
		s.len--;
	return s;
}

/*
 * Consume a run of chars in class cls or %HH escapes. Returns false on a
 * malformed escape ('%' not followed by two hex digits), leaving the cursor
 * at the '%'.
 */
static inline bool cur_span_escaped(struct cur *c, unsigned cls, struct slice *out)
{
	const char *s = c->p;

	while (c->p < c->end) {
		unsigned char ch;

		cur_span(c, cls);
		if (c->p >= c->end)
			break;
		ch = (unsigned char)*c->p;
		if (ch == '%') {
			if (c->end - c->p < 3 || hexval((unsigned char)c->p[1]) < 0 ||
			    hexval((unsigned char)c->p[2]) < 0)
				return false;
			c->p += 3;
		} else {
			break;
		}
	}
	*out = slice_make(s, (size_t)(c->p - s));
	return true;
}

/*
 * Parse a decimal number of at most maxdigits digits into *v, refusing
 * overflow past max. Returns false if there is no digit or the value is too
 * large; RFC 4475's scalar tests depend on that being an error, not a wrap.
 */
/*
 * quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE with qdtext = LWS /
 * %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII and quoted-pair = "\" (%x00-09 /
 * %x0B-0C / %x0E-7F). The cursor is on the opening quote; on success it is
 * after the closing one and *inner holds the contents, escapes and folds
 * left in place. Control characters outside a quoted pair are refused.
 */
bool cur_quoted(struct cur *c, struct slice *inner, struct sip_err *err);

static inline bool cur_uint(struct cur *c, uint64_t max, uint64_t *v)
{
	const uint64_t limit = max / 10; /* folded: callers pass constants */
	const char *s = c->p;
	uint64_t n = 0;

	while (c->p < c->end) {
		unsigned d = (unsigned)(unsigned char)*c->p - '0';

		if (d > 9)
			break;
		/* one compare a digit until the value nears max */
		if (__builtin_expect(n >= limit, 0) && (n > limit || d > max % 10))
			return false;
		n = n * 10 + d;
		c->p++;
	}
	if (c->p == s)
		return false;
	*v = n;
	return true;
}

#endif
