// SPDX-License-Identifier: MIT
/*
 * Fuzz the nonce checks with arbitrary bytes as the nonce a client sent.
 * nonce_check() and nonce_consume() must not crash and must agree on the
 * format: only a 32-character base64url string gets past it; a client's
 * IPv4 address and its IPv4-mapped IPv6 form must get the same answer. The input
 * also picks a client address and a time, and a nonce made for them must
 * check OK for that client until it expires, STALE after, BAD for another
 * client; consumed once, it must be a REPLAY the second time. Any
 * disagreement aborts.
 *
 * Each input gets a fresh context (a small cache), so a crash reproduces
 * from its input alone.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbox/nonce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000ull
#define TTL 30

#define FAIL(what)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "fuzz_nonce: %s (line %d)\n", what, __LINE__);                     \
		abort();                                                                           \
	} while (0)

static const uint8_t key[NONCE_KEY_LEN] = "fuzz_nonce: a fixed 32-byte key";

static bool well_formed(const uint8_t *p, size_t n)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	if (n != NONCE_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!p[i] || !memchr(alpha, p[i], sizeof(alpha) - 1))
			return false;
	return true;
}

/* A client from the input's first bytes: IPv4, IPv6, or IPv4-mapped IPv6. */
static void pick_client(const uint8_t *data, size_t size, struct sockaddr_storage *ss)
{
	uint8_t b[17] = { 0 };

	memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
	memset(ss, 0, sizeof(*ss));
	if (b[0] % 3 == 0) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, b + 1, 4);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, b + 1, 16);
		if (b[0] % 3 == 1) {
			memset(a->sin6_addr.s6_addr, 0, 10);
			memset(a->sin6_addr.s6_addr + 10, 0xff, 2);
		}
	}
}

static bool valid(enum nonce_verdict v)
{
	return v >= NONCE_OK && v <= NONCE_FULL;
}

static void made_nonces(struct nonce_ctx *n, const uint8_t *data, size_t size)
{
	struct sockaddr_storage c, other;
	struct sockaddr_in *o4 = (struct sockaddr_in *)&other;
	char s[NONCE_LEN + 1];
	uint64_t t = NOW;
	struct slice sl;
	enum nonce_verdict v;

	pick_client(data, size, &c);
	if (size >= 20)
		t += (uint64_t)data[17] << 8 | data[18];
	if (nonce_make(n, (struct sockaddr *)&c, t, s) < 0)
		FAIL("nonce_make failed");
	sl = slice_make(s, strlen(s));
	if (sl.len != NONCE_LEN || !well_formed((const uint8_t *)s, sl.len))
		FAIL("nonce_make wrote a malformed nonce");
	if (nonce_check(n, sl, (struct sockaddr *)&c, t) != NONCE_OK ||
	    nonce_check(n, sl, (struct sockaddr *)&c, t + TTL) != NONCE_OK ||
	    nonce_check(n, sl, (struct sockaddr *)&c, t - NONCE_SKEW) != NONCE_OK)
		FAIL("a fresh nonce does not check OK");
	if (nonce_check(n, sl, (struct sockaddr *)&c, t + TTL + 1) != NONCE_STALE)
		FAIL("an expired nonce is not STALE");
	if (nonce_check(n, sl, (struct sockaddr *)&c, t - NONCE_SKEW - 1) != NONCE_BAD)
		FAIL("a nonce from the future is not BAD");
	/* Another IPv4 client: one that differs from c's IPv4 form, if it has one. */
	memset(&other, 0, sizeof(other));
	o4->sin_family = AF_INET;
	o4->sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1 */
	if (c.ss_family == AF_INET &&
	    ((struct sockaddr_in *)&c)->sin_addr.s_addr == o4->sin_addr.s_addr)
		o4->sin_addr.s_addr = htonl(0xc0000202);
	if (c.ss_family == AF_INET6 &&
	    !memcmp(((struct sockaddr_in6 *)&c)->sin6_addr.s6_addr + 12, &o4->sin_addr, 4))
		o4->sin_addr.s_addr = htonl(0xc0000202);
	if (nonce_check(n, sl, (struct sockaddr *)&other, t) != NONCE_BAD)
		FAIL("a nonce checks OK for another client");
	v = nonce_consume(n, sl, t);
	if (v != NONCE_OK && v != NONCE_REPLAY && v != NONCE_FULL)
		FAIL("unexpected consume verdict for a fresh nonce");
	if (v == NONCE_OK && nonce_consume(n, sl, t + 1) != NONCE_REPLAY)
		FAIL("a consumed nonce is not a REPLAY");
	if (nonce_consume(n, sl, t + TTL + 1) != NONCE_STALE)
		FAIL("consuming an expired nonce is not STALE");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nonce_ctx *n = NULL;
	struct sockaddr_in c = { .sin_family = AF_INET };
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 };
	struct slice in = slice_make((const char *)data, size);
	enum nonce_verdict v, w;

	if (nonce_ctx_new(&n, key, TTL, 64) < 0)
		FAIL("nonce_ctx_new failed");
	/* The corpus's valid nonces were made for 192.0.2.7 at NOW. */
	c.sin_addr.s_addr = htonl(0xc0000207);
	memcpy(m.sin6_addr.s6_addr + 10, "\xff\xff\xc0\x00\x02\x07", 6);

	v = nonce_check(n, in, (struct sockaddr *)&c, NOW);
	if (nonce_check(n, in, (struct sockaddr *)&m, NOW) != v)
		FAIL("IPv4 and IPv4-mapped IPv6 disagree");
	if (!valid(v) || v == NONCE_REPLAY || v == NONCE_FULL)
		FAIL("nonce_check gave a verdict it never gives");
	if (!well_formed(data, size) && v != NONCE_BAD)
		FAIL("a malformed nonce was not BAD");
	w = nonce_consume(n, in, NOW);
	if (!valid(w))
		FAIL("nonce_consume gave no verdict");
	if (!well_formed(data, size) && w != NONCE_BAD)
		FAIL("consume accepted a malformed nonce");
	/* A nonce that checks OK is fresh: consume's only other answers are about memory. */
	if (v == NONCE_OK && w != NONCE_OK)
		FAIL("a nonce that checks OK could not be consumed in an empty cache");
	if (w == NONCE_OK && nonce_consume(n, in, NOW) != NONCE_REPLAY)
		FAIL("consumed twice");

	made_nonces(n, data, size);
	nonce_ctx_free(n);
	return 0;
}
