/* SPDX-License-Identifier: MIT */
/*
 * SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012)
 * with no libc: the round, and SipHash-2-4 of exactly 64 bytes given as
 * eight little-endian words, which is what a capability token's MAC covers
 * (src/proto/token.h). Written so that one text compiles for the daemons
 * and for the M-Box's BPF program alike: fixed trip counts, no memcpy, no
 * calls. core/hash.h builds its variable-length siphash() on the round.
 */
#ifndef NUTSS_CORE_SIPHASH_H
#define NUTSS_CORE_SIPHASH_H

#include <linux/types.h>

#define SIPHASH_ROTL(x, b) (__u64)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPHASH_ROUND(v0, v1, v2, v3)                                                              \
	do {                                                                                       \
		v0 += v1, v1 = SIPHASH_ROTL(v1, 13), v1 ^= v0, v0 = SIPHASH_ROTL(v0, 32);          \
		v2 += v3, v3 = SIPHASH_ROTL(v3, 16), v3 ^= v2;                                     \
		v0 += v3, v3 = SIPHASH_ROTL(v3, 21), v3 ^= v0;                                     \
		v2 += v1, v1 = SIPHASH_ROTL(v1, 17), v1 ^= v2, v2 = SIPHASH_ROTL(v2, 32);          \
	} while (0)

/* The compression of one word: c = 2 rounds. */
#define SIPHASH24_WORD(v0, v1, v2, v3, m)                                                          \
	do {                                                                                       \
		v3 ^= (m);                                                                         \
		SIPHASH_ROUND(v0, v1, v2, v3);                                                     \
		SIPHASH_ROUND(v0, v1, v2, v3);                                                     \
		v0 ^= (m);                                                                         \
	} while (0)

/*
 * SipHash-2-4 of 64 bytes: w[0..7] are the input read as little-endian
 * words; (k0, k1) the key read the same way.
 */
static inline __u64 siphash24_64(__u64 k0, __u64 k1, const __u64 w[8])
{
	__u64 v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	__u64 v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	const __u64 last = (__u64)64 << 56;

	SIPHASH24_WORD(v0, v1, v2, v3, w[0]);
	SIPHASH24_WORD(v0, v1, v2, v3, w[1]);
	SIPHASH24_WORD(v0, v1, v2, v3, w[2]);
	SIPHASH24_WORD(v0, v1, v2, v3, w[3]);
	SIPHASH24_WORD(v0, v1, v2, v3, w[4]);
	SIPHASH24_WORD(v0, v1, v2, v3, w[5]);
	SIPHASH24_WORD(v0, v1, v2, v3, w[6]);
	SIPHASH24_WORD(v0, v1, v2, v3, w[7]);
	SIPHASH24_WORD(v0, v1, v2, v3, last);
	v2 ^= 0xff;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
