// SPDX-License-Identifier: MIT
/* The character-class table behind chars.h, built from the RFC 3261 ABNF. */
#include "sip/chars.h"

#define R(a, b, f) [a... b] = (f)

/* Classes shared by every alphanumeric character. */
#define ALNUM_COMMON                                                                       \
	(CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD | \
	 CC_HOST | CC_SCHEME | CC_URIC | CC_HOSTNAME)

/*
 * Written out byte by byte rather than computed at start-up so the table is
 * read-only data and needs no initialisation order.
 */
const uint16_t sip_cc[256] = {
	R('0', '9', ALNUM_COMMON | CC_DIGIT | CC_HEX),
	R('A', 'F', ALNUM_COMMON | CC_ALPHA | CC_HEX),
	R('G', 'Z', ALNUM_COMMON | CC_ALPHA),
	R('a', 'f', ALNUM_COMMON | CC_ALPHA | CC_HEX),
	R('g', 'z', ALNUM_COMMON | CC_ALPHA),
	R(0x80, 0xff, CC_UTF8NC),
	[' '] = CC_WS,
	['\t'] = CC_WS,
	/* mark = - _ . ! ~ * ' ( ) */
	['-'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_HOST | CC_SCHEME | CC_URIC | CC_HOSTNAME,
	['_'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_URIC,
	['.'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_HOST | CC_SCHEME | CC_URIC | CC_HOSTNAME,
	['!'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_URIC,
	['~'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_URIC,
	['*'] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		CC_URIC,
	['\''] = CC_TOKEN | CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD |
		 CC_URIC,
	['('] = CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD | CC_URIC,
	[')'] = CC_UNRESERVED | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD | CC_URIC,
	/* token-only extras */
	['%'] = CC_TOKEN | CC_WORD,
	['+'] = CC_TOKEN | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_WORD | CC_SCHEME |
		CC_URIC,
	['`'] = CC_TOKEN | CC_WORD,
	/* user-unreserved = & = + $ , ; ? / */
	['&'] = CC_USER | CC_PASSWORD | CC_PARAM | CC_URIC,
	['='] = CC_USER | CC_PASSWORD | CC_URIC,
	['$'] = CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV | CC_URIC,
	[','] = CC_USER | CC_PASSWORD | CC_URIC,
	[';'] = CC_USER | CC_URIC,
	['?'] = CC_USER | CC_HNV | CC_WORD | CC_URIC,
	['/'] = CC_USER | CC_PARAM | CC_HNV | CC_WORD | CC_URIC,
	/* param-unreserved = [ ] / : & + $ ; hnv-unreserved = [ ] / ? : + $ */
	['['] = CC_PARAM | CC_HNV | CC_WORD | CC_HOST,
	[']'] = CC_PARAM | CC_HNV | CC_WORD | CC_HOST,
	[':'] = CC_PARAM | CC_HNV | CC_WORD | CC_HOST | CC_URIC,
	['@'] = CC_URIC,
	/* word-only extras */
	['<'] = CC_WORD,
	['>'] = CC_WORD,
	['\\'] = CC_WORD,
	['"'] = CC_WORD,
	['{'] = CC_WORD,
	['}'] = CC_WORD,
};
