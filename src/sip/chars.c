// SPDX-License-Identifier: MIT
/* The character-class table behind chars.h, built from the RFC 3261 ABNF. */
#include "sip/chars.h"

#define R(a, b, f) [a... b] = (f)

/* Classes shared by every alphanumeric character. */
#define ALNUM_COMMON                                                                               \
	(CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |          \
	 CC_HOST | CC_SCHEME | CC_URIC | CC_HOSTNAME | CC_QDTEXT)

/*
 * Written out byte by byte rather than computed at start-up so the table is
 * read-only data and needs no initialisation order.
 */
const uint32_t sip_cc[256] = {
	R('0', '9', ALNUM_COMMON | CC_DIGIT | CC_HEX),
	R('A', 'F', ALNUM_COMMON | CC_ALPHA | CC_HEX),
	R('G', 'Z', ALNUM_COMMON | CC_ALPHA),
	R('a', 'f', ALNUM_COMMON | CC_ALPHA | CC_HEX),
	R('g', 'z', ALNUM_COMMON | CC_ALPHA),
	R(0x80, 0xff, CC_UTF8NC | CC_QDTEXT),
	[' '] = CC_WS | CC_QDTEXT,
	['\t'] = CC_WS | CC_QDTEXT,
	/* mark = - _ . ! ~ * ' ( ) */
	['-'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_HOST | CC_SCHEME | CC_URIC | CC_HOSTNAME | CC_QDTEXT,
	['_'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_URIC | CC_QDTEXT,
	['.'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_HOST | CC_SCHEME | CC_URIC | CC_HOSTNAME | CC_QDTEXT,
	['!'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_URIC | CC_QDTEXT,
	['~'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_URIC | CC_QDTEXT,
	['*'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_URIC | CC_QDTEXT,
	['\''] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		 CC_URIC | CC_QDTEXT,
	['('] = CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD | CC_URIC |
		CC_QDTEXT,
	[')'] = CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD | CC_URIC |
		CC_QDTEXT,
	/* token-only extras */
	['%'] = CC_TOKEN | CC_WORD | CC_QDTEXT,
	['+'] = CC_TOKEN | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD | CC_SCHEME |
		CC_URIC | CC_QDTEXT,
	['`'] = CC_TOKEN | CC_WORD | CC_QDTEXT,
	/* user-unreserved = & = + $ , ; ? / */
	['&'] = CC_USER | CC_PASSWORD | CC_PARAM | CC_URIC | CC_QDTEXT,
	['='] = CC_USER | CC_PASSWORD | CC_URIC | CC_QDTEXT,
	['$'] = CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_URIC | CC_QDTEXT,
	[','] = CC_USER | CC_PASSWORD | CC_URIC | CC_QDTEXT,
	[';'] = CC_USER | CC_URIC | CC_QDTEXT,
	['?'] = CC_USER | CC_HNV | CC_WORD | CC_URIC | CC_QDTEXT,
	['/'] = CC_USER | CC_PARAM | CC_HNV | CC_WORD | CC_URIC | CC_QDTEXT,
	/* param-unreserved = [ ] / : & + $ ; hnv-unreserved = [ ] / ? : + $ */
	['['] = CC_PARAM | CC_HNV | CC_WORD | CC_HOST | CC_QDTEXT,
	[']'] = CC_PARAM | CC_HNV | CC_WORD | CC_HOST | CC_QDTEXT,
	[':'] = CC_PARAM | CC_HNV | CC_WORD | CC_HOST | CC_URIC | CC_QDTEXT,
	['@'] = CC_URIC | CC_QDTEXT,
	/* word-only extras */
	['<'] = CC_WORD | CC_QDTEXT,
	['>'] = CC_WORD | CC_QDTEXT,
	['\\'] = CC_WORD,
	['"'] = CC_WORD,
	['{'] = CC_WORD | CC_QDTEXT,
	['}'] = CC_WORD | CC_QDTEXT,
	/* printable, in no class above but qdtext */
	['#'] = CC_QDTEXT,
	['^'] = CC_QDTEXT,
	['|'] = CC_QDTEXT,
};

/*
 * cur_span(c, CC_QDTEXT), sixteen bytes a step: quoted strings (nonces,
 * digest responses, URIs) are the longest runs in a message. A byte ends
 * the run when it is '"', '\\', DEL or a control byte other than HTAB;
 * signed compares leave bytes >= 0x80 (UTF8-NONASCII) in it.
 */
static void span_qdtext(struct cur *c)
{
#ifdef __SSE2__
	while (c->end - c->p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)c->p);
		__m128i ctl = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-1)),
					    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
		__m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
					    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
		unsigned hit;

		ctl = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), ctl);
		stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
		hit = (unsigned)_mm_movemask_epi8(_mm_or_si128(stop, ctl));
		if (hit) {
			c->p += __builtin_ctz(hit);
			return;
		}
		c->p += 16;
	}
#endif
	cur_span(c, CC_QDTEXT);
}

bool cur_quoted(struct cur *c, struct slice *inner, struct sip_err *err)
{
	const char *open = c->p++;
	const char *s = c->p;

	while (c->p < c->end) {
		unsigned char ch;

		span_qdtext(c);
		if (c->p >= c->end)
			break;
		ch = (unsigned char)*c->p;
		if (ch == '"') {
			*inner = slice_make(s, (size_t)(c->p - s));
			c->p++;
			return true;
		}
		if (ch == '\\') {
			unsigned char next;

			if (c->end - c->p < 2)
				break;
			next = (unsigned char)c->p[1];
			if (next == '\r' || next == '\n' || next > 0x7f)
				return sip_fail(err, c->p, "malformed quoted pair");
			c->p += 2;
		} else if (ch == '\r' || ch == '\n') {
			/* Only a line fold may break a quoted string. */
			const char *at = c->p;

			cur_skip_lws(c);
			if (c->p == at)
				return sip_fail(err, at, "line break in quoted string");
		} else {
			return sip_fail(err, c->p, "control character in quoted string");
		}
	}
	return sip_fail(err, open, "unterminated quoted string");
}
