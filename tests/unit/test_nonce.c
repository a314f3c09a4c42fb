// SPDX-License-Identifier: MIT
/*
 * Unit tests for src/pbox/nonce.c: the wire format against vectors
 * computed with Python's hmac module, MAC and age verdicts, untrusted
 * input, the replay cache against a reference model, replicas, the key
 * file, and four threads at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "pbox/nonce.h"

#define T0  1700000000ull
#define TTL 30

static uint8_t key[NONCE_KEY_LEN];

static struct sockaddr_in v4(const char *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5060) };

	inet_pton(AF_INET, s, &a.sin_addr);
	return a;
}

static struct sockaddr_in6 v6(const char *s)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(5060) };

	inet_pton(AF_INET6, s, &a.sin6_addr);
	return a;
}

#define SA(x) ((const struct sockaddr *)&(x))

static struct nonce_ctx *ctx(unsigned ttl, size_t cap)
{
	struct nonce_ctx *n = NULL;

	if (nonce_ctx_new(&n, key, ttl, cap) < 0) {
		fprintf(stderr, "nonce_ctx_new failed\n");
		exit(1);
	}
	return n;
}

static enum nonce_verdict check(struct nonce_ctx *n, const char *s, const struct sockaddr *c,
				uint64_t now)
{
	return nonce_check(n, slice_cstr(s), c, now);
}

static enum nonce_verdict consume(struct nonce_ctx *n, const char *s, uint64_t now)
{
	return nonce_consume(n, slice_cstr(s), now);
}

/* A distinct client per i: 10.x.y.z. */
static struct sockaddr_in client_n(unsigned i)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(0x0a000000u | (i & 0xffffff));
	return a;
}

/* Vectors from Python: base64.urlsafe_b64encode(ts + hmac.new(key, ts + ip, sha256).digest()[:16]).
 */
static void test_vectors(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("192.0.2.1");
	struct sockaddr_in6 b = v6("2001:db8::1");
	char out[NONCE_LEN + 1];

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, out), 0);
	CHECK_STR(out, "ZVPxAAAAAAAkr5LnWCNNEWTtLKakqKlY");
	CHECK_INT(nonce_make_seq(n, SA(b), T0, 0, out), 0);
	CHECK_STR(out, "ZVPxAAAAAABlVBhp6WpY6A1yekvZx8i-");
	CHECK_INT(strlen(out), NONCE_LEN);
	nonce_ctx_free(n);
}

static void test_make_check(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("198.51.100.23");
	struct sockaddr_in6 b = v6("2001:db8::42");
	char s[NONCE_LEN + 1], t[NONCE_LEN + 1];

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, s), 0);
	CHECK_INT(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		  NONCE_LEN);
	CHECK_INT(check(n, s, SA(a), T0), NONCE_OK);
	CHECK_INT(check(n, s, SA(a), T0 + 10), NONCE_OK);
	/* The port is not part of it: a client behind a NAT may change ports. */
	a.sin_port = htons(40000);
	CHECK_INT(check(n, s, SA(a), T0), NONCE_OK);
	/* Same time, same client, same sequence number: the same nonce. */
	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, t), 0);
	CHECK_STR(t, s);
	CHECK_INT(nonce_make_seq(n, SA(a), T0 + 1, 0, t), 0);
	CHECK(strcmp(t, s) != 0);
	CHECK_INT(nonce_make_seq(n, SA(b), T0, 0, t), 0);
	CHECK_INT(check(n, t, SA(b), T0 + 1), NONCE_OK);
	/* Checking has no side effect. */
	for (int i = 0; i < 3; i++)
		CHECK_INT(check(n, t, SA(b), T0 + 1), NONCE_OK);
	nonce_ctx_free(n);
}

/*
 * Clients behind one address (a NAT) in the same second get different
 * nonces, and one of them using its nonce does not make the other's a
 * "replay": the bug a timestamp-only nonce had.
 */
static void test_unique_behind_nat(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("203.0.113.9");
	char s[NONCE_LEN + 1], t[NONCE_LEN + 1];

	CHECK_INT(nonce_make(n, SA(a), T0, s), 0);
	CHECK_INT(nonce_make(n, SA(a), T0, t), 0);
	CHECK(strcmp(s, t) != 0);
	CHECK_INT(check(n, s, SA(a), T0), NONCE_OK);
	CHECK_INT(check(n, t, SA(a), T0), NONCE_OK);
	CHECK_INT(nonce_consume(n, slice_cstr(s), T0), NONCE_OK);
	CHECK_INT(nonce_consume(n, slice_cstr(t), T0), NONCE_OK);
	CHECK_INT(nonce_consume(n, slice_cstr(s), T0), NONCE_REPLAY);
	nonce_ctx_free(n);
}

static void test_tampered(void)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("198.51.100.23");
	char s[NONCE_LEN + 1], t[NONCE_LEN + 1];
	int bad = 0, total = 0;

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, s), 0);
	/* Every position, every other character: a changed time or MAC is BAD, never STALE. */
	for (int i = 0; i < NONCE_LEN; i++) {
		for (int c = 0; c < 64; c++) {
			if (alpha[c] == s[i])
				continue;
			memcpy(t, s, sizeof(t));
			t[i] = alpha[c];
			total++;
			bad += check(n, t, SA(a), T0 + 5) == NONCE_BAD;
		}
	}
	CHECK_INT(bad, total);
	nonce_ctx_free(n);
}

static void test_other_client(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("198.51.100.23"), a2 = v4("198.51.100.24");
	struct sockaddr_in6 b = v6("2001:db8::42"), b2 = v6("2001:db8::43");
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	char s[NONCE_LEN + 1], t[NONCE_LEN + 1];

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, s), 0);
	CHECK_INT(nonce_make_seq(n, SA(b), T0, 0, t), 0);
	CHECK_INT(check(n, s, SA(a2), T0), NONCE_BAD);
	CHECK_INT(check(n, s, SA(b), T0), NONCE_BAD);
	CHECK_INT(check(n, t, SA(b2), T0), NONCE_BAD);
	CHECK_INT(check(n, t, SA(a), T0), NONCE_BAD);
	/* Old and for someone else: BAD, not STALE (STALE invites a retry). */
	CHECK_INT(check(n, s, SA(a2), T0 + TTL + 5), NONCE_BAD);
	CHECK_INT(check(n, s, NULL, T0), NONCE_BAD);
	CHECK_INT(check(n, s, SA(u), T0), NONCE_BAD);
	CHECK_INT(nonce_make_seq(n, SA(u), T0, 0, t), -EAFNOSUPPORT);
	CHECK_INT(nonce_make_seq(n, NULL, T0, 0, t), -EINVAL);
	nonce_ctx_free(n);
}

static void test_v4_mapped(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("192.0.2.1");
	struct sockaddr_in6 m = v6("::ffff:192.0.2.1"), other = v6("::ffff:192.0.2.2");
	struct sockaddr_in6 compat =
		v6("::192.0.2.1"); /* deprecated IPv4-compatible: not the same */
	char s[NONCE_LEN + 1], t[NONCE_LEN + 1];

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, s), 0);
	CHECK_INT(nonce_make_seq(n, SA(m), T0, 0, t), 0);
	CHECK_STR(t, s);
	CHECK_INT(check(n, s, SA(m), T0), NONCE_OK);
	CHECK_INT(check(n, t, SA(a), T0), NONCE_OK);
	CHECK_INT(check(n, s, SA(other), T0), NONCE_BAD);
	CHECK_INT(check(n, s, SA(compat), T0), NONCE_BAD);
	CHECK_STR(t, "ZVPxAAAAAAAkr5LnWCNNEWTtLKakqKlY");
	nonce_ctx_free(n);
}

static void test_age(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("198.51.100.23");
	char s[NONCE_LEN + 1];

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, s), 0);
	CHECK_INT(check(n, s, SA(a), T0 + TTL), NONCE_OK);
	CHECK_INT(check(n, s, SA(a), T0 + TTL + 1), NONCE_STALE);
	CHECK_INT(check(n, s, SA(a), T0 + 100000), NONCE_STALE);
	/* A replica whose clock is behind: up to NONCE_SKEW seconds from the future. */
	CHECK_INT(check(n, s, SA(a), T0 - NONCE_SKEW), NONCE_OK);
	CHECK_INT(check(n, s, SA(a), T0 - NONCE_SKEW - 1), NONCE_BAD);
	CHECK_INT(check(n, s, SA(a), 0), NONCE_BAD);
	CHECK_INT(consume(n, s, T0 - NONCE_SKEW - 1), NONCE_BAD);
	CHECK_INT(consume(n, s, T0 + TTL + 1), NONCE_STALE);
	/* A short ttl. */
	nonce_ctx_free(n);
	n = ctx(1, 64);
	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, s), 0);
	CHECK_INT(check(n, s, SA(a), T0 + 1), NONCE_OK);
	CHECK_INT(check(n, s, SA(a), T0 + 2), NONCE_STALE);
	/* Time 0 is a time like any other. */
	CHECK_INT(nonce_make(n, SA(a), 0, s), 0);
	CHECK_INT(check(n, s, SA(a), 0), NONCE_OK);
	CHECK_INT(consume(n, s, 0), NONCE_OK);
	CHECK_INT(consume(n, s, 1), NONCE_REPLAY);
	nonce_ctx_free(n);
}

static void test_malformed(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("198.51.100.23");
	char s[NONCE_LEN + 1], t[NONCE_LEN + 8];
	static const char notb64[] = "+/= .\"\\\r\n\x80\xff\x7f";

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, s), 0);
	/* Lengths 0..NONCE_LEN+2, from the real nonce truncated or extended. */
	for (size_t len = 0; len <= NONCE_LEN + 2; len++) {
		if (len == NONCE_LEN)
			continue;
		memset(t, 'A', sizeof(t));
		memcpy(t, s, len < NONCE_LEN ? len : NONCE_LEN);
		CHECK_INT(nonce_check(n, slice_make(t, len), SA(a), T0), NONCE_BAD);
		CHECK_INT(nonce_consume(n, slice_make(t, len), T0), NONCE_BAD);
	}
	/* Padding, as a lenient encoder might add: 33 characters, so BAD. */
	snprintf(t, sizeof(t), "%s=", s);
	CHECK_INT(check(n, t, SA(a), T0), NONCE_BAD);
	/* Standard base64 and stray characters, anywhere. */
	for (size_t i = 0; i < sizeof(notb64) - 1; i++) {
		for (int pos = 0; pos < NONCE_LEN; pos += 7) {
			memcpy(t, s, sizeof(s));
			t[pos] = notb64[i];
			CHECK_INT(nonce_check(n, slice_make(t, NONCE_LEN), SA(a), T0), NONCE_BAD);
			CHECK_INT(nonce_consume(n, slice_make(t, NONCE_LEN), T0), NONCE_BAD);
		}
	}
	/* An embedded NUL with the right length. */
	memcpy(t, s, sizeof(s));
	t[5] = '\0';
	CHECK_INT(nonce_check(n, slice_make(t, NONCE_LEN), SA(a), T0), NONCE_BAD);
	CHECK_INT(nonce_check(n, SLICE_NULL, SA(a), T0), NONCE_BAD);
	CHECK_INT(nonce_check(n, slice_make(NULL, NONCE_LEN), SA(a), T0), NONCE_BAD);
	CHECK_INT(nonce_consume(n, slice_make(NULL, NONCE_LEN), T0), NONCE_BAD);
	/* A huge timestamp with any MAC: BAD, and no overflow on the way. */
	CHECK_INT(check(n, "________________________________", SA(a), T0), NONCE_BAD);
	CHECK_INT(check(n, "________________________________", SA(a), UINT64_MAX), NONCE_BAD);
	CHECK_INT(consume(n, "________________________________", UINT64_MAX), NONCE_BAD);
	CHECK_INT(consume(n, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UINT64_MAX), NONCE_STALE);
	/* The original still works. */
	CHECK_INT(check(n, s, SA(a), T0), NONCE_OK);
	nonce_ctx_free(n);
}

static void test_replay(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in a = v4("198.51.100.23");
	char s[NONCE_LEN + 1], t[NONCE_LEN + 1];

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, s), 0);
	CHECK_INT(nonce_make_seq(n, SA(a), T0 + 1, 0, t), 0);
	CHECK_INT(consume(n, s, T0), NONCE_OK);
	CHECK_INT(consume(n, s, T0), NONCE_REPLAY);
	CHECK_INT(consume(n, s, T0 + TTL), NONCE_REPLAY);
	CHECK_INT(consume(n, t, T0 + 2), NONCE_OK);
	CHECK_INT(consume(n, t, T0 + 3), NONCE_REPLAY);
	/* Expired: STALE, so the server re-challenges instead of saying "replay". */
	CHECK_INT(consume(n, s, T0 + TTL + 1), NONCE_STALE);
	/* check() still says OK for a consumed nonce: it has no memory. */
	CHECK_INT(check(n, t, SA(a), T0 + 3), NONCE_OK);
	nonce_ctx_free(n);
}

/* Consume nonces for clients base..base+count at `now`; returns how many were OK, counts FULL. */
static int fill(struct nonce_ctx *n, unsigned base, unsigned count, uint64_t now, int *full)
{
	char s[NONCE_LEN + 1];
	int ok = 0;

	*full = 0;
	for (unsigned i = 0; i < count; i++) {
		struct sockaddr_in c = client_n(base + i);
		enum nonce_verdict v;

		if (nonce_make_seq(n, SA(c), now, 0, s) < 0)
			return -1;
		v = consume(n, s, now);
		ok += v == NONCE_OK;
		*full += v == NONCE_FULL;
	}
	return ok;
}

static void test_full(void)
{
	struct nonce_ctx *n = ctx(TTL, 64);
	struct sockaddr_in c = client_n(3);
	char s[NONCE_LEN + 1];
	int full;

	/* 64 entries fit in one stripe: exactly 64 OK, then FULL. */
	CHECK_INT(fill(n, 0, 64, T0, &full), 64);
	CHECK_INT(full, 0);
	CHECK_INT(fill(n, 1000, 10, T0 + 5, &full), 0);
	CHECK_INT(full, 10);
	/* Full or not, a used nonce is a replay, not "full". */
	CHECK_INT(nonce_make_seq(n, SA(c), T0, 0, s), 0);
	CHECK_INT(consume(n, s, T0 + 5), NONCE_REPLAY);
	/* Still full at the last second the first 64 are fresh. */
	CHECK_INT(fill(n, 2000, 5, T0 + TTL, &full), 0);
	CHECK_INT(full, 5);
	/* One second later they have expired: room for 64 new ones, then full again. */
	CHECK_INT(fill(n, 3000, 70, T0 + TTL + 1, &full), 64);
	CHECK_INT(full, 6);
	/* The first ones are now STALE, never OK again. */
	CHECK_INT(consume(n, s, T0 + TTL + 1), NONCE_STALE);
	nonce_ctx_free(n);

	/* Reclaiming under a steady load: a cache of 64 serves 640 nonces over time. */
	n = ctx(TTL, 64);
	for (unsigned round = 0; round < 10; round++) {
		CHECK_INT(fill(n, round * 100, 64, T0 + round * (TTL + 1), &full), 64);
		CHECK_INT(full, 0);
	}
	nonce_ctx_free(n);
}

/*
 * Workers read the clock at slightly different moments. One a second ahead
 * forgets a nonce that has just expired; one a second behind still calls
 * that nonce fresh. The cache must not accept it a second time.
 */
static void test_clock_behind(void)
{
	struct nonce_ctx *n = ctx(TTL, 1);
	struct sockaddr_in a = client_n(1), b = client_n(2);
	char x[NONCE_LEN + 1], y[NONCE_LEN + 1];

	CHECK_INT(nonce_make_seq(n, SA(a), T0, 0, x), 0);
	CHECK_INT(nonce_make_seq(n, SA(b), T0 + TTL + 1, 0, y), 0);
	CHECK_INT(consume(n, x, T0), NONCE_OK);
	/* The cache holds one: y makes it forget x, which has expired at T0 + TTL + 1. */
	CHECK_INT(consume(n, y, T0 + TTL + 1), NONCE_OK);
	/* At T0 + TTL, x looks fresh to the age check, but may have been used: STALE. */
	CHECK_INT(consume(n, x, T0 + TTL), NONCE_STALE);
	CHECK_INT(consume(n, y, T0 + TTL), NONCE_REPLAY);
	nonce_ctx_free(n);
}

/* A large, striped cache: never more than its capacity, and every slot reusable. */
static void test_striped(void)
{
	const unsigned cap = 10000;
	struct nonce_ctx *n = ctx(TTL, cap);
	int ok, full;

	ok = fill(n, 0, cap + 2000, T0, &full);
	/* Stripes fill unevenly: the first FULL comes a little before `cap`, never after. */
	CHECK(ok <= (int)cap);
	CHECK(ok > (int)cap * 9 / 10);
	CHECK_INT(ok + full, cap + 2000);
	ok = fill(n, 100000, cap + 2000, T0 + TTL + 1, &full);
	CHECK(ok <= (int)cap);
	CHECK(ok > (int)cap * 9 / 10);
	nonce_ctx_free(n);
}

/*
 * The cache against a model: a list of (nonce, expires) of what was
 * accepted. Random times around now and few clients, so that replays,
 * stale and future nonces, FULL, and deletions in the middle of clusters
 * all happen many times.
 */
struct model_entry {
	char s[NONCE_LEN + 1];
	uint64_t expires;
};

static void test_model(void)
{
	enum { CAP = 64, STEPS = 30000, CLIENTS = 40 };
	static struct model_entry m[CAP + 1];
	struct nonce_ctx *n = ctx(TTL, CAP);
	unsigned nm = 0, seed = 12345, mismatches = 0;
	unsigned counts[5] = { 0 };
	uint64_t now = T0;

	for (unsigned step = 0; step < STEPS; step++) {
		struct sockaddr_in c;
		char s[NONCE_LEN + 1];
		enum nonce_verdict want, got;
		unsigned live = 0;
		uint64_t ts;
		bool used = false;

		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 8 == 0)
			now += (seed >> 20) % 3;
		seed = seed * 1103515245 + 12345;
		ts = now - TTL - 3 + (seed >> 16) % (TTL + 7);
		seed = seed * 1103515245 + 12345;
		c = client_n((seed >> 16) % CLIENTS);
		if (nonce_make_seq(n, SA(c), ts, 0, s) < 0) { /* repeats: the model needs replays */
			CHECK(0);
			break;
		}
		/* Time only moves forward here: the expired can leave the model. */
		for (unsigned i = 0; i < nm; i++)
			if (m[i].expires >= now)
				m[live++] = m[i];
		nm = live;
		for (unsigned i = 0; i < nm; i++)
			used |= !strcmp(m[i].s, s);
		if (ts > now + NONCE_SKEW)
			want = NONCE_BAD;
		else if (now > ts + TTL)
			want = NONCE_STALE;
		else if (used)
			want = NONCE_REPLAY;
		else if (live >= CAP)
			want = NONCE_FULL;
		else
			want = NONCE_OK;
		got = consume(n, s, now);
		if (got != want && mismatches++ < 5)
			fprintf(stderr, "  step %u: %s, model says %s\n", step,
				nonce_verdict_name(got), nonce_verdict_name(want));
		if (want == NONCE_OK) {
			memcpy(m[nm].s, s, sizeof(s));
			m[nm++].expires = ts + TTL;
		}
		counts[got]++;
	}
	CHECK_INT(mismatches, 0);
	/* Every verdict was exercised. */
	for (int v = 0; v < 5; v++)
		CHECK(counts[v] > 100);
	nonce_ctx_free(n);
}

static void test_replicas(void)
{
	static const uint8_t other_key[NONCE_KEY_LEN] = { 1 };
	struct nonce_ctx *r1 = ctx(TTL, 64), *r2 = ctx(TTL, 64), *stranger = NULL;
	struct sockaddr_in a = v4("198.51.100.23");
	char s[NONCE_LEN + 1];

	CHECK_INT(nonce_ctx_new(&stranger, other_key, TTL, 64), 0);
	CHECK_INT(nonce_make_seq(r1, SA(a), T0, 0, s), 0);
	CHECK_INT(check(r2, s, SA(a), T0 + 1), NONCE_OK);
	CHECK_INT(check(stranger, s, SA(a), T0 + 1), NONCE_BAD);
	/* Each replica accepts it once (paper 1 §3.1: one replay per replica at most). */
	CHECK_INT(consume(r1, s, T0 + 1), NONCE_OK);
	CHECK_INT(consume(r2, s, T0 + 1), NONCE_OK);
	CHECK_INT(consume(r1, s, T0 + 2), NONCE_REPLAY);
	CHECK_INT(consume(r2, s, T0 + 2), NONCE_REPLAY);
	/* Interleaved use from one thread switches the thread's HMAC context back and forth. */
	for (int i = 0; i < 4; i++) {
		CHECK_INT(check(r2, s, SA(a), T0 + 1), NONCE_OK);
		CHECK_INT(check(stranger, s, SA(a), T0 + 1), NONCE_BAD);
		CHECK_INT(check(r1, s, SA(a), T0 + 1), NONCE_OK);
	}
	nonce_ctx_free(r1);
	/* A context allocated where r1 was must not inherit anything from it. */
	r1 = NULL;
	CHECK_INT(nonce_ctx_new(&r1, other_key, TTL, 64), 0);
	CHECK_INT(check(r1, s, SA(a), T0 + 1), NONCE_BAD);
	nonce_ctx_free(r1);
	nonce_ctx_free(r2);
	nonce_ctx_free(stranger);
}

static void test_ctx_args(void)
{
	struct nonce_ctx *n = NULL;

	CHECK_INT(nonce_ctx_new(&n, key, 0, 64), -EINVAL);
	CHECK_INT(nonce_ctx_new(&n, key, NONCE_TTL_MAX + 1, 64), -EINVAL);
	CHECK_INT(nonce_ctx_new(&n, key, TTL, 0), -EINVAL);
	CHECK_INT(nonce_ctx_new(&n, key, TTL, NONCE_CAPACITY_MAX + 1), -EINVAL);
	CHECK_INT(nonce_ctx_new(&n, NULL, TTL, 64), -EINVAL);
	CHECK(n == NULL);
	CHECK_INT(nonce_ctx_new(&n, key, NONCE_TTL_MAX, 1), 0);
	nonce_ctx_free(n);
	nonce_ctx_free(NULL);
	CHECK_STR(nonce_verdict_name(NONCE_OK), "ok");
	CHECK_STR(nonce_verdict_name(NONCE_STALE), "stale");
	CHECK_STR(nonce_verdict_name(NONCE_BAD), "bad");
	CHECK_STR(nonce_verdict_name(NONCE_REPLAY), "replay");
	CHECK_STR(nonce_verdict_name(NONCE_FULL), "full");
}

static int write_file(const char *path, const void *p, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, p, len) == (ssize_t)len;
	close(fd);
	return ok && chmod(path, mode) == 0 ? 0 : -1;
}

static void test_key_file(void)
{
	char dir[] = "/tmp/test_nonce.XXXXXX", path[256], path2[256];
	uint8_t k1[NONCE_KEY_LEN], k2[NONCE_KEY_LEN], k3[NONCE_KEY_LEN],
		zero[NONCE_KEY_LEN] = { 0 };
	struct stat st;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/nonce.key", dir);
	snprintf(path2, sizeof(path2), "%s/other.key", dir);
	fprintf(stderr, "  (the error lines below are expected)\n");

	CHECK_INT(nonce_key_load(path, k1, false), -ENOENT);
	memset(k1, 0, sizeof(k1));
	CHECK_INT(nonce_key_load(path, k1, true), 0);
	CHECK(memcmp(k1, zero, sizeof(zero)) != 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(st.st_size, NONCE_KEY_LEN);
	/* Reloaded, with or without create: the same key. */
	CHECK_INT(nonce_key_load(path, k2, false), 0);
	CHECK(memcmp(k1, k2, sizeof(k1)) == 0);
	CHECK_INT(nonce_key_load(path, k2, true), 0);
	CHECK(memcmp(k1, k2, sizeof(k1)) == 0);
	/* Another new key differs, and the temporary files are gone. */
	CHECK_INT(nonce_key_load(path2, k3, true), 0);
	CHECK(memcmp(k1, k3, sizeof(k1)) != 0);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 2", dir);
		CHECK_INT(system(cmd), 0);
	}

	/* Too open: refused, and not "fixed" behind the operator's back. */
	CHECK_INT(chmod(path, 0644), 0);
	CHECK_INT(nonce_key_load(path, k2, true), -EPERM);
	CHECK_INT(chmod(path, 0640), 0);
	CHECK_INT(nonce_key_load(path, k2, false), -EPERM);
	CHECK_INT(chmod(path, 0604), 0);
	CHECK_INT(nonce_key_load(path, k2, false), -EPERM);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0604);
	CHECK_INT(chmod(path, 0400), 0);
	CHECK_INT(nonce_key_load(path, k2, false), 0);
	CHECK(memcmp(k1, k2, sizeof(k1)) == 0);

	/* Wrong sizes: refused, even with create (never overwritten). */
	CHECK_INT(write_file(path, k1, 31, 0600), 0);
	CHECK_INT(nonce_key_load(path, k2, true), -EINVAL);
	CHECK_INT(write_file(path, k1, 0, 0600), 0);
	CHECK_INT(nonce_key_load(path, k2, true), -EINVAL);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_size, 0);
	{
		uint8_t big[NONCE_KEY_LEN + 1] = { 0 };

		CHECK_INT(write_file(path, big, sizeof(big), 0600), 0);
		CHECK_INT(nonce_key_load(path, k2, false), -EINVAL);
	}
	/* A directory is not a key. */
	CHECK_INT(chmod(dir, 0700), 0);
	CHECK_INT(nonce_key_load(dir, k2, true), -EINVAL);
	/* A missing directory: the system's error. */
	snprintf(path2, sizeof(path2), "%s/no/such.key", dir);
	CHECK_INT(nonce_key_load(path2, k2, true), -ENOENT);

	unlink(path);
	snprintf(path2, sizeof(path2), "%s/other.key", dir);
	unlink(path2);
	CHECK_INT(rmdir(dir), 0);
}

/*
 * Four threads each walk all M clients (from different starting points),
 * make the nonce for each, check it and consume it. make is deterministic,
 * so all four make the same M nonces: exactly one consume per nonce may be
 * OK and the other three REPLAY, whoever wins each race.
 */
enum { THREADS = 4, M = 4000 };

static struct nonce_ctx *shared;
static char expected[M][NONCE_LEN + 1];
static int ok_per_nonce[M];

struct worker_result {
	unsigned id;
	int ok, replay, other, make_err, check_bad, mismatch;
};

static void *worker(void *arg)
{
	struct worker_result *r = arg;

	for (unsigned k = 0; k < M; k++) {
		unsigned i = (k + r->id * (M / THREADS)) % M;
		struct sockaddr_in c = client_n(i);
		char s[NONCE_LEN + 1];
		enum nonce_verdict v;

		if (nonce_make_seq(shared, SA(c), T0, 0, s) < 0) {
			r->make_err++;
			continue;
		}
		r->mismatch += strcmp(s, expected[i]) != 0;
		if (nonce_check(shared, slice_cstr(s), SA(c), T0 + 1) != NONCE_OK)
			r->check_bad++;
		v = nonce_consume(shared, slice_cstr(s), T0 + 1);
		if (v == NONCE_OK) {
			r->ok++;
			__atomic_add_fetch(&ok_per_nonce[i], 1, __ATOMIC_RELAXED);
		} else if (v == NONCE_REPLAY) {
			r->replay++;
		} else {
			r->other++;
		}
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[THREADS];
	struct worker_result r[THREADS];
	int ok = 0, replay = 0, twice = 0, never = 0;

	/* Room for all M in every stripe however they fall: no FULL to muddy the counts. */
	shared = ctx(TTL, 4 * M);
	for (unsigned i = 0; i < M; i++) {
		struct sockaddr_in c = client_n(i);

		if (nonce_make_seq(shared, SA(c), T0, 0, expected[i]) < 0)
			CHECK(0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = i;
		if (pthread_create(&t[i], NULL, worker, &r[i]) != 0)
			CHECK(0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(r[i].make_err, 0);
		CHECK_INT(r[i].check_bad, 0);
		CHECK_INT(r[i].mismatch, 0);
		CHECK_INT(r[i].other, 0);
		CHECK_INT(r[i].ok + r[i].replay, M);
		ok += r[i].ok;
		replay += r[i].replay;
	}
	for (unsigned i = 0; i < M; i++) {
		twice += ok_per_nonce[i] > 1;
		never += ok_per_nonce[i] == 0;
	}
	CHECK_INT(ok, M);
	CHECK_INT(replay, (THREADS - 1) * M);
	CHECK_INT(twice, 0);
	CHECK_INT(never, 0);
	nonce_ctx_free(shared);
}

int main(void)
{
	for (int i = 0; i < NONCE_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	RUN(test_vectors);
	RUN(test_make_check);
	RUN(test_unique_behind_nat);
	RUN(test_tampered);
	RUN(test_other_client);
	RUN(test_v4_mapped);
	RUN(test_age);
	RUN(test_malformed);
	RUN(test_replay);
	RUN(test_full);
	RUN(test_clock_behind);
	RUN(test_striped);
	RUN(test_model);
	RUN(test_replicas);
	RUN(test_ctx_args);
	RUN(test_key_file);
	RUN(test_threads);
	return check_summary();
}
