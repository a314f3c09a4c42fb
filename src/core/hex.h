/* SPDX-License-Identifier: MIT */
/* Hexadecimal: digits read and written by hand (no printf on hot paths). */
#ifndef NUTSS_CORE_HEX_H
#define NUTSS_CORE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* v as 16 lower-case hex digits, most significant first, at out (no NUL). */
static inline void hex16_put(char *out, uint64_t v)
{
	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = "0123456789abcdef"[v & 15];
}

/* The 16 hex digits at p into *v (lower case only if lower_only); false for anything else. */
static inline bool hex16_get(const char *p, bool lower_only, uint64_t *v)
{
	uint64_t x = 0;

	for (int i = 0; i < 16; i++) {
		int d = hexval((unsigned char)p[i]);

		if (d < 0 || (lower_only && p[i] >= 'A' && p[i] <= 'F'))
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return true;
}

/* The 2 * n hex digits at p (either case) into n bytes at out; false for anything else. */
static inline bool hex_decode(const char *p, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)p[2 * i]), lo = hexval((unsigned char)p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* n bytes as 2 * n lower-case hex digits at out (no NUL). */
static inline void hex_encode(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = "0123456789abcdef"[p[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
	}
}

#endif
