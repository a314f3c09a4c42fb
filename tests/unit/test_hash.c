// SPDX-License-Identifier: MIT
/* The tables' keyed hash: SipHash against the paper's vectors, and the key matters. */
#include <stdint.h>

#include "check.h"
#include "core/hash.h"

/* SipHash-2-4, key 00..0f (Aumasson and Bernstein 2012, appendix A and the reference vectors). */
static void test_siphash_vectors(void)
{
	unsigned char key[16], msg[15];
	uint64_t k0, k1;

	for (unsigned i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	for (unsigned i = 0; i < 15; i++)
		msg[i] = (unsigned char)i;
	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	CHECK(siphash(msg, 15, k0, k1, 2, 4) == 0xa129ca6149be45e5ull);
	CHECK(siphash(msg, 0, k0, k1, 2, 4) == 0x726fdb47dd0e0e31ull);
}

static void test_key_and_salt_matter(void)
{
	static const char branch[] = "z9hG4bK-524287-1-0\001192.0.2.7:5060";
	uint32_t zero, keyed;

	hash_key[0] = hash_key[1] = 0;
	zero = hash_bytes(branch, sizeof(branch) - 1, 1);
	CHECK(zero == hash_bytes(branch, sizeof(branch) - 1, 1)); /* a function of its input */
	CHECK(zero != hash_bytes(branch, sizeof(branch) - 1, 2)); /* the salt: another method */
	CHECK(zero != hash_bytes(branch, sizeof(branch) - 2, 1));
	CHECK_INT(hash_key_init(), 0);
	CHECK(hash_key[0] || hash_key[1]);
	keyed = hash_bytes(branch, sizeof(branch) - 1, 1);
	CHECK(keyed != zero); /* 1 in 2^32 to fail by chance */
}

int main(void)
{
	RUN(test_siphash_vectors);
	RUN(test_key_and_salt_matter);
	return check_summary();
}
