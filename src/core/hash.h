/* SPDX-License-Identifier: MIT */
/*
 * The hash of the tables whose keys a peer chooses (server transactions:
 * the caller's branch; TCP peers: its address; the location table: the
 * address of record): SipHash-1-3 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012) under a key drawn at random when the daemon starts. Unkeyed, anyone who
 * can send us requests could compute branches that all land in one bucket and make every lookup
 * walk the whole table; keyed, where a key lands cannot be predicted. It is also faster than a
 * byte-at-a-time hash: eight bytes a round, and SIP keys are 20 to 60 bytes.
 */
#ifndef NUTSS_CORE_HASH_H
#define NUTSS_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

#include "core/siphash.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "siphash() reads words little-endian");

/* The process's key: zero until hash_key_init(), after which it never changes. */
extern uint64_t hash_key[2];

/* Draw the key (getrandom); call once, before any thread hashes. 0 or -errno. */
int hash_key_init(void);

/*
 * SipHash-c-d of n bytes at p under the key (k0, k1): c rounds a word, d to
 * finish. Tables use c = 1, d = 3 (hash_bytes); the unit test checks 2-4
 * against the paper's vectors, which exercises the same code.
 */
static inline uint64_t siphash(const void *p, size_t n, uint64_t k0, uint64_t k1, unsigned c,
			       unsigned d)
{
	const unsigned char *s = p;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	uint64_t m, last = (uint64_t)n << 56;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&m, s + i, 8); /* little-endian, as on every machine we build for */
		v3 ^= m;
		for (unsigned r = 0; r < c; r++)
			SIPHASH_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (unsigned j = 0; i + j < n; j++)
		last |= (uint64_t)s[i + j] << (8 * j);
	v3 ^= last;
	for (unsigned r = 0; r < c; r++)
		SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (unsigned r = 0; r < d; r++)
		SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A table's hash of n bytes; salt tells apart keys of different kinds. */
static inline uint32_t hash_bytes(const void *p, size_t n, uint64_t salt)
{
	return (uint32_t)siphash(p, n, hash_key[0] ^ salt, hash_key[1], 1, 3);
}

#endif
