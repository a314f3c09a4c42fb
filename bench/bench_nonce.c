// SPDX-License-Identifier: MIT
/*
 * bench_nonce: what a digest nonce costs the P-Box, single-threaded.
 *
 *   make     nonce_make() for a 401/407 challenge
 *   check    nonce_check() of a fresh nonce (decode, HMAC, compare)
 *   consume  nonce_consume() of distinct fresh nonces into a 256Ki-entry
 *            replay cache; each repeat is one ttl later than the last, so
 *            the previous repeat's entries have expired and are reclaimed
 *            on the way, as on a server in steady state
 *
 * Then the three ways of running HMAC-SHA256 through EVP_MAC that
 * nonce.c chose between (the comment above thread_mac() quotes them):
 *   hmac_reinit  one keyed EVP_MAC_CTX per thread, EVP_MAC_init(NULL key) per MAC
 *   hmac_dup     EVP_MAC_CTX_dup() of a keyed context per MAC
 *   hmac_oneshot EVP_Q_mac(): fetch and key on every call
 *
 * Usage: bench_nonce [-n calls-per-run] [-r repeats]
 * Medians of the repeats (default 5). The last line is for scripts:
 *   nonce: make=<N>ns check=<N>ns consume=<N>ns
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "bench.h"
#include "pbox/nonce.h"

#define T0	 1700000000ull
#define TTL	 30
#define CAPACITY (256u * 1024)

enum op { MAKE, CHECK, CONSUME, HMAC_REINIT, HMAC_DUP, HMAC_ONESHOT, NOPS };

static const char *const names[NOPS] = { "make",	"check",    "consume",
					 "hmac_reinit", "hmac_dup", "hmac_oneshot" };

static uint8_t key[NONCE_KEY_LEN];

static void die(const char *what)
{
	fprintf(stderr, "bench_nonce: %s\n", what);
	exit(1);
}

static struct sockaddr_in client(unsigned i)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(0x0a000000u | (i & 0xffffff));
	return a;
}

/* n nonces for n distinct clients at time t, in one array of NONCE_LEN + 1 each. */
static void make_all(struct nonce_ctx *n, char *buf, unsigned count, uint64_t t)
{
	for (unsigned i = 0; i < count; i++) {
		struct sockaddr_in c = client(i);

		if (nonce_make(n, (struct sockaddr *)&c, t, buf + (size_t)i * (NONCE_LEN + 1)) < 0)
			die("nonce_make failed");
	}
}

static double run_make(struct nonce_ctx *n, unsigned count)
{
	char s[NONCE_LEN + 1];
	double t0 = bench_now();

	for (unsigned i = 0; i < count; i++) {
		struct sockaddr_in c = client(i);

		bench_sink += (uintptr_t)nonce_make(n, (struct sockaddr *)&c, T0, s);
		bench_sink += (unsigned char)s[31];
	}
	return (bench_now() - t0) * 1e9 / count;
}

static double run_check(struct nonce_ctx *n, const char *buf, unsigned count)
{
	unsigned bad = 0;
	double t0 = bench_now(), t;

	for (unsigned i = 0; i < count; i++) {
		struct sockaddr_in c = client(i);
		struct slice s = slice_make(buf + (size_t)i * (NONCE_LEN + 1), NONCE_LEN);

		bad += nonce_check(n, s, (struct sockaddr *)&c, T0 + 1) != NONCE_OK;
	}
	t = bench_now() - t0;
	if (bad)
		die("a fresh nonce did not check OK inside the timed loop");
	return t * 1e9 / count;
}

static double run_consume(struct nonce_ctx *n, const char *buf, unsigned count, uint64_t t)
{
	unsigned bad = 0;
	double t0 = bench_now(), el;

	for (unsigned i = 0; i < count; i++) {
		struct slice s = slice_make(buf + (size_t)i * (NONCE_LEN + 1), NONCE_LEN);

		bad += nonce_consume(n, s, t) != NONCE_OK;
	}
	el = bench_now() - t0;
	if (bad)
		die("a fresh nonce was not consumed OK inside the timed loop");
	return el * 1e9 / count;
}

/* The message nonce.c MACs: 8 bytes of time and a 4-byte address. */
static const uint8_t msg[12] = { 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 192, 0, 2, 1 };

static EVP_MAC_CTX *keyed(EVP_MAC *mac)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA2-256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);

	if (!c || EVP_MAC_init(c, key, sizeof(key), params) != 1)
		die("EVP_MAC_init failed");
	return c;
}

static double run_hmac(enum op how, EVP_MAC_CTX *proto, unsigned count)
{
	uint8_t out[32];
	size_t len;
	double t0 = bench_now();

	for (unsigned i = 0; i < count; i++) {
		EVP_MAC_CTX *c = proto;
		int ok = 1;

		if (how == HMAC_REINIT) {
			ok = EVP_MAC_init(c, NULL, 0, NULL);
		} else if (how == HMAC_DUP) {
			c = EVP_MAC_CTX_dup(proto);
			ok = c != NULL;
		} else {
			ok = EVP_Q_mac(NULL, "HMAC", NULL, "SHA2-256", NULL, key, sizeof(key), msg,
				       sizeof(msg), out, sizeof(out), &len) != NULL;
		}
		if (ok && how != HMAC_ONESHOT)
			ok = EVP_MAC_update(c, msg, sizeof(msg)) == 1 &&
			     EVP_MAC_final(c, out, &len, sizeof(out)) == 1;
		if (how == HMAC_DUP)
			EVP_MAC_CTX_free(c);
		if (!ok)
			die("HMAC failed");
		bench_sink += out[0];
	}
	return (bench_now() - t0) * 1e9 / count;
}

int main(int argc, char **argv)
{
	double ns[NOPS][BENCH_MAX_REPEATS], med[NOPS];
	unsigned count = 100000;
	int repeats = 5, opt;
	struct nonce_ctx *n;
	EVP_MAC *mac;
	EVP_MAC_CTX *proto, *mine;
	char *buf;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			count = (unsigned)atoi(optarg);
			break;
		case 'r':
			repeats = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n calls-per-run] [-r repeats]\n", argv[0]);
			return 2;
		}
	}
	if (count < 1000 || count > CAPACITY / 2 || repeats < 5 || repeats > BENCH_MAX_REPEATS)
		die("-n must be 1000..131072 and -r between 5 and 64");

	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	if (nonce_ctx_new(&n, key, TTL, CAPACITY) < 0)
		die("nonce_ctx_new failed");
	buf = malloc((size_t)count * (NONCE_LEN + 1));
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!buf || !mac)
		die(strerror(errno));
	proto = keyed(mac);
	mine = keyed(mac);

	printf("nonce: ttl %us, replay cache of %u entries; %u calls per run, %d repeats\n\n", TTL,
	       CAPACITY, count, repeats);
	make_all(n, buf, count, T0);
	run_make(n, count / 10);
	run_check(n, buf, count / 10);

	printf("%-6s", "repeat");
	for (int o = 0; o < NOPS; o++)
		printf(" %12s", names[o]);
	printf("\n");
	for (int r = 0; r < repeats; r++) {
		uint64_t t = T0 + (uint64_t)(r + 1) * (TTL + 1);

		make_all(n, buf, count, T0);
		ns[MAKE][r] = run_make(n, count);
		ns[CHECK][r] = run_check(n, buf, count);
		/* Fresh nonces at this repeat's time: none was consumed before. */
		make_all(n, buf, count, t);
		ns[CONSUME][r] = run_consume(n, buf, count, t);
		ns[HMAC_REINIT][r] = run_hmac(HMAC_REINIT, mine, count);
		ns[HMAC_DUP][r] = run_hmac(HMAC_DUP, proto, count);
		ns[HMAC_ONESHOT][r] = run_hmac(HMAC_ONESHOT, NULL, count / 4);
		printf("%-6d", r + 1);
		for (int o = 0; o < NOPS; o++)
			printf(" %10.0fns", ns[o][r]);
		printf("\n");
	}
	printf("\n%-14s %10s\n", "median", "ns each");
	for (int o = 0; o < NOPS; o++) {
		med[o] = bench_median(ns[o], repeats);
		printf("%-14s %10.0f\n", names[o], med[o]);
	}
	printf("\nper authenticated request (check + consume): %.0f ns\n",
	       med[CHECK] + med[CONSUME]);
	printf("\nnonce: make=%.0fns check=%.0fns consume=%.0fns\n", med[MAKE], med[CHECK],
	       med[CONSUME]);
	EVP_MAC_CTX_free(proto);
	EVP_MAC_CTX_free(mine);
	EVP_MAC_free(mac);
	nonce_ctx_free(n);
	free(buf);
	return 0;
}
