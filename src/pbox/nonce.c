// SPDX-License-Identifier: MIT
/*
 * Stateless digest nonces and the replay cache (nonce.h; docs/pbox.md).
 *
 * A nonce carries its own issue time and a MAC over that time and the
 * client's address, so issuing one stores nothing and any replica holding
 * KS can check it. What must be remembered is which nonces were already
 * used, and only until they expire: that is the replay cache, a fixed
 * array carved into stripes so workers rarely meet on a lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/log.h"
#include "pbox/nonce.h"

/*
 * The MACed head of a nonce: 4 bytes of issue time (big-endian seconds,
 * good until 2106) and 4 bytes of a per-context counter. Without the
 * counter every client behind one address (a NAT) would get the same nonce
 * within a second, and the first to use it would make it a "replay" for
 * all the others.
 */
#define TS_LEN	 8
#define SECS_LEN 4
#define MAC_LEN	 16
#define RAW_LEN	 (TS_LEN + MAC_LEN) /* 24 bytes: exactly 32 base64 characters, no padding */

/*
 * Timestamps above this are refused as malformed, so ts + ttl (+ skew)
 * never wraps in 32 bits' worth of seconds.
 */
#define TS_MAX ((uint64_t)UINT32_MAX - NONCE_TTL_MAX - NONCE_SKEW)

/* Below this many entries per stripe, fewer stripes: a small cache still fills evenly. */
#define STRIPE_MIN_ENTRIES 64
#define STRIPES_MAX	   64

/*
 * One used nonce. Keyed by its MAC alone: the MAC is a PRF of (ts, client),
 * so two distinct nonces share one with probability 2^-128. `expires` is
 * ts + ttl, the last second at which the nonce is fresh; 0 marks an empty
 * slot (ttl >= 1, so a used one is never 0).
 */
struct entry {
	uint8_t mac[MAC_LEN];
	uint64_t expires;
};

/*
 * An open-addressing table with linear probing. Deletion shifts the rest
 * of the cluster back (Knuth 6.4 Algorithm R) instead of leaving
 * tombstones, so probes end at the first empty slot however long the
 * server runs. `limit` < `nslots` keeps at least one slot empty, which
 * bounds every probe and keeps the load factor at or below 8/9.
 */
struct stripe {
	pthread_mutex_t lock;
	struct entry *slot;
	uint32_t nslots;
	uint32_t limit; /* live entries this stripe may hold: its share of the capacity */
	uint32_t used;	/* occupied slots, expired or not */
	/* No entry expires before this: until then a sweep would find nothing. */
	uint64_t min_expires;
	/*
	 * The newest `expires` this stripe has forgotten. A nonce expiring at or
	 * before it may have been used and forgotten, so it is refused as stale
	 * even if the caller's clock (a worker a moment behind) calls it fresh.
	 */
	uint64_t forgotten;
} __attribute__((aligned(64))); /* one cache line each: workers locking neighbours don't share */

struct nonce_ctx {
	uint8_t key[NONCE_KEY_LEN];
	EVP_MAC *mac;
	uint64_t id;  /* unique per context for the life of the process: see thread_mac() */
	uint32_t seq; /* makes each nonce unique (see TS_LEN); starts at a random value */
	unsigned ttl;
	unsigned nstripes; /* a power of two */
	struct stripe *stripes;
	struct entry *entries; /* every stripe's slots, one allocation */
};

/* ------------------------------------------------------------------ */
/* HMAC-SHA256, one context per thread                                 */

/*
 * Keying HMAC hashes the key into inner and outer SHA-256 states; that is
 * most of the cost of a MAC over 24 bytes, so it is done once per thread
 * and context, and each MAC re-initialises with a NULL key, which the HMAC
 * provider takes as "the same key again" (openssl/openssl#18100, in 3.0):
 * it only copies the saved inner state. test_vectors checks the result of
 * a re-initialised context against Python's hmac.
 * Measured by `make bench-nonce` (OpenSSL 3.0.19, x86-64), per MAC:
 * init(NULL key) on a per-thread context 214 ns, EVP_MAC_CTX_dup() of a
 * keyed context 466 ns, EVP_Q_mac() (fetch and key every time) 1056 ns.
 * The per-thread context is twice as fast as dup and needs no lock.
 *
 * A thread caches the context of the last nonce_ctx it served (servers
 * have one). The owner is recorded by id, not pointer, so a nonce_ctx
 * allocated at a freed one's address never inherits its key. The pthread
 * key's destructor frees the context when the thread ends.
 */
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static pthread_key_t tls_key;
static bool tls_key_ok;
static __thread EVP_MAC_CTX *tls_mac;
static __thread uint64_t tls_owner;
static uint64_t next_id;

static void tls_destroy(void *p)
{
	EVP_MAC_CTX_free(p);
	tls_mac = NULL;
	tls_owner = 0;
}

static void tls_init(void)
{
	tls_key_ok = pthread_key_create(&tls_key, tls_destroy) == 0;
}

static void tls_set(EVP_MAC_CTX *c, uint64_t owner)
{
	EVP_MAC_CTX_free(tls_mac);
	tls_mac = c;
	tls_owner = owner;
	if (tls_key_ok)
		pthread_setspecific(tls_key, c);
}

/* A fresh keyed context: used for the thread cache and to test OpenSSL at setup. */
static EVP_MAC_CTX *mac_new(struct nonce_ctx *n)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA2-256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(n->mac);

	if (c && EVP_MAC_init(c, n->key, NONCE_KEY_LEN, params) != 1) {
		EVP_MAC_CTX_free(c);
		c = NULL;
	}
	return c;
}

/* The calling thread's context for n, ready for EVP_MAC_update(). */
static EVP_MAC_CTX *thread_mac(struct nonce_ctx *n)
{
	EVP_MAC_CTX *c;

	if (tls_mac && tls_owner == n->id) {
		if (EVP_MAC_init(tls_mac, NULL, 0, NULL) == 1)
			return tls_mac;
		tls_set(NULL, 0); /* in an unknown state: start over */
	}
	pthread_once(&tls_once, tls_init);
	c = mac_new(n);
	if (c)
		tls_set(c, n->id);
	return c;
}

/* mac = HMAC-SHA256(KS, ts ‖ ip)[0..16) */
static int mac_compute(struct nonce_ctx *n, const uint8_t ts[TS_LEN], const uint8_t *ip,
		       size_t iplen, uint8_t mac[MAC_LEN])
{
	uint8_t msg[TS_LEN + 16], full[32];
	EVP_MAC_CTX *c;
	size_t len = 0;

	c = thread_mac(n);
	if (!c)
		return -ENOMEM;
	memcpy(msg, ts, TS_LEN);
	memcpy(msg + TS_LEN, ip, iplen);
	if (EVP_MAC_update(c, msg, TS_LEN + iplen) != 1 ||
	    EVP_MAC_final(c, full, &len, sizeof(full)) != 1 || len != sizeof(full)) {
		tls_set(NULL, 0);
		return -EIO;
	}
	memcpy(mac, full, MAC_LEN);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Each base64url character's value + 1, 0 for any other byte. A table:
 * comparing ranges per character made decoding ~120 ns, a third of
 * check + consume. Filled once by
 * nonce_ctx_new(); decoding needs a context, so it is never read before.
 */
static uint8_t b64dec[256];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_init(void)
{
	for (int i = 0; i < 64; i++)
		b64dec[(unsigned char)b64url[i]] = (uint8_t)(i + 1);
}

static void encode(const uint8_t raw[RAW_LEN], char out[NONCE_LEN + 1])
{
	char *o = out;

	for (size_t i = 0; i < RAW_LEN; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		*o++ = b64url[v >> 18];
		*o++ = b64url[v >> 12 & 63];
		*o++ = b64url[v >> 6 & 63];
		*o++ = b64url[v & 63];
	}
	*o = '\0';
}

/*
 * Untrusted: exactly NONCE_LEN characters of the base64url alphabet. With
 * 24 bytes there are no leftover bits, so each nonce has one spelling and
 * a re-spelled one cannot slip past the replay cache.
 */
static bool decode(struct slice s, uint8_t raw[RAW_LEN], uint64_t *ts)
{
	uint64_t t = 0;

	if (s.len != NONCE_LEN || !s.p)
		return false;
	for (size_t i = 0, o = 0; i < NONCE_LEN; i += 4, o += 3) {
		const unsigned char *c = (const unsigned char *)s.p + i;
		unsigned d0 = b64dec[c[0]], d1 = b64dec[c[1]], d2 = b64dec[c[2]], d3 = b64dec[c[3]];
		uint32_t v;

		if (!d0 || !d1 || !d2 || !d3)
			return false;
		v = (d0 - 1) << 18 | (d1 - 1) << 12 | (d2 - 1) << 6 | (d3 - 1);
		raw[o] = (uint8_t)(v >> 16);
		raw[o + 1] = (uint8_t)(v >> 8);
		raw[o + 2] = (uint8_t)v;
	}
	for (size_t i = 0; i < SECS_LEN; i++)
		t = t << 8 | raw[i];
	if (t > TS_MAX)
		return false;
	*ts = t;
	return true;
}

/* 4 bytes for IPv4 (also when mapped into IPv6), 16 for IPv6. */
static int client_ip(const struct sockaddr *sa, uint8_t ip[16], size_t *len)
{
	if (!sa)
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memcpy(ip, &sin->sin_addr, 4);
		*len = 4;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(ip, sin6->sin6_addr.s6_addr + 12, 4);
			*len = 4;
		} else {
			memcpy(ip, sin6->sin6_addr.s6_addr, 16);
			*len = 16;
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* ------------------------------------------------------------------ */
/* Nonces                                                              */

int nonce_make_seq(struct nonce_ctx *n, const struct sockaddr *client, uint64_t now, uint32_t seq,
		   char out[NONCE_LEN + 1])
{
	uint8_t raw[RAW_LEN], ip[16];
	size_t iplen;
	int ret;

	if (!n || !out || now > TS_MAX)
		return -EINVAL;
	ret = client_ip(client, ip, &iplen);
	if (ret < 0)
		return ret;
	for (int i = 0; i < SECS_LEN; i++)
		raw[i] = (uint8_t)(now >> (24 - 8 * i));
	for (int i = 0; i < TS_LEN - SECS_LEN; i++)
		raw[SECS_LEN + i] = (uint8_t)(seq >> (24 - 8 * i));
	ret = mac_compute(n, raw, ip, iplen, raw + TS_LEN);
	if (ret < 0)
		return ret;
	encode(raw, out);
	return 0;
}

int nonce_make(struct nonce_ctx *n, const struct sockaddr *client, uint64_t now,
	       char out[NONCE_LEN + 1])
{
	if (!n)
		return -EINVAL;
	return nonce_make_seq(n, client, now, __atomic_fetch_add(&n->seq, 1, __ATOMIC_RELAXED),
			      out);
}

/* Freshness from the timestamp alone; OK means "fresh", to be confirmed by the MAC. */
static enum nonce_verdict age(const struct nonce_ctx *n, uint64_t ts, uint64_t now)
{
	if (ts > now)
		return ts - now > NONCE_SKEW ? NONCE_BAD : NONCE_OK;
	return now - ts > n->ttl ? NONCE_STALE : NONCE_OK;
}

enum nonce_verdict nonce_check(struct nonce_ctx *n, struct slice nonce,
			       const struct sockaddr *client, uint64_t now)
{
	uint8_t raw[RAW_LEN], ip[16], mac[MAC_LEN];
	enum nonce_verdict v;
	size_t iplen;
	uint64_t ts;

	if (!n || !decode(nonce, raw, &ts))
		return NONCE_BAD;
	/* From the future is BAD whatever the MAC says: skip the HMAC. */
	v = age(n, ts, now);
	if (v == NONCE_BAD)
		return v;
	if (client_ip(client, ip, &iplen) < 0 || mac_compute(n, raw, ip, iplen, mac) < 0)
		return NONCE_BAD;
	if (CRYPTO_memcmp(mac, raw + TS_LEN, MAC_LEN) != 0)
		return NONCE_BAD;
	/* Only a nonce we issued is STALE: a stranger's old one is BAD. */
	return v;
}

/* ------------------------------------------------------------------ */
/* Replay cache                                                        */

static uint32_t home_of(const struct stripe *s, const uint8_t mac[MAC_LEN])
{
	uint64_t h;

	memcpy(&h, mac, sizeof(h));
	/* Lemire's multiply-shift: uniform over nslots without a division or a power of two. */
	return (uint32_t)(((unsigned __int128)h * s->nslots) >> 64);
}

static uint32_t next_slot(const struct stripe *s, uint32_t i)
{
	return i + 1 == s->nslots ? 0 : i + 1;
}

/* Is `i` cyclically in the half-open interval (from, to]? */
static bool between(uint32_t from, uint32_t i, uint32_t to)
{
	return from <= to ? from < i && i <= to : from < i || i <= to;
}

/* Empty slot i, moving later entries of its cluster back so none becomes unreachable. */
static void forget(struct stripe *s, uint32_t i)
{
	uint32_t hole = i, k = i;

	if (s->slot[i].expires > s->forgotten)
		s->forgotten = s->slot[i].expires;
	for (;;) {
		k = next_slot(s, k);
		if (!s->slot[k].expires)
			break;
		/* An entry whose home lies in (hole, k] is reachable without the hole. */
		if (between(hole, home_of(s, s->slot[k].mac), k))
			continue;
		s->slot[hole] = s->slot[k];
		hole = k;
	}
	s->slot[hole].expires = 0;
	s->used--;
}

/*
 * Forget every expired entry. Returns whether any was. Skipped while no
 * entry can have expired, so a stripe full of live nonces answers FULL in
 * one probe rather than a scan per request.
 */
static bool sweep(struct stripe *s, uint64_t now)
{
	uint64_t min = UINT64_MAX;
	bool freed = false;

	if (now <= s->min_expires)
		return false;
	for (uint32_t i = 0; i < s->nslots;) {
		struct entry *e = &s->slot[i];

		if (e->expires && e->expires < now) {
			forget(s, i);
			freed = true;
			continue; /* slot i now holds what followed it */
		}
		if (e->expires && e->expires < min)
			min = e->expires;
		i++;
	}
	s->min_expires = min;
	return freed;
}

enum nonce_verdict nonce_consume(struct nonce_ctx *n, struct slice nonce, uint64_t now)
{
	uint8_t raw[RAW_LEN];
	const uint8_t *mac = raw + TS_LEN;
	enum nonce_verdict v;
	struct stripe *s;
	uint64_t ts, expires;
	uint32_t i, stripe_bits;

	if (!n || !decode(nonce, raw, &ts))
		return NONCE_BAD;
	v = age(n, ts, now);
	if (v != NONCE_OK)
		return v;
	expires = ts + n->ttl;
	/* The MAC's bytes 8..11 pick the stripe, 0..7 the slot: independent bits. */
	memcpy(&stripe_bits, mac + 8, sizeof(stripe_bits));
	s = &n->stripes[stripe_bits & (n->nstripes - 1)];

	pthread_mutex_lock(&s->lock);
	if (expires <= s->forgotten) {
		v = NONCE_STALE;
		goto out;
	}
	if (s->used >= s->limit)
		sweep(s, now);
	/* Probe; forget expired entries met on the way, which keeps clusters short. */
	i = home_of(s, mac);
	for (;;) {
		struct entry *e = &s->slot[i];

		if (!e->expires)
			break;
		if (e->expires < now) {
			forget(s, i);
			continue;
		}
		if (memcmp(e->mac, mac, MAC_LEN) == 0) {
			v = NONCE_REPLAY;
			goto out;
		}
		i = next_slot(s, i);
	}
	/* Never evict a live entry to make room: that would let its nonce be replayed. */
	if (s->used >= s->limit) {
		v = NONCE_FULL;
		goto out;
	}
	memcpy(s->slot[i].mac, mac, MAC_LEN);
	s->slot[i].expires = expires;
	s->used++;
	if (expires < s->min_expires)
		s->min_expires = expires;
	v = NONCE_OK;
out:
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* ------------------------------------------------------------------ */
/* Contexts and keys                                                   */

int nonce_ctx_new(struct nonce_ctx **out, const uint8_t key[NONCE_KEY_LEN], unsigned ttl_seconds,
		  size_t replay_capacity)
{
	struct nonce_ctx *n;
	EVP_MAC_CTX *probe;
	size_t nslots = 0, per, extra;
	unsigned nstripes = 1;
	struct entry *e;
	int ret;

	if (!out || !key || ttl_seconds < 1 || ttl_seconds > NONCE_TTL_MAX || replay_capacity < 1 ||
	    replay_capacity > NONCE_CAPACITY_MAX)
		return -EINVAL;
	pthread_once(&b64_once, b64_init);
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	memcpy(n->key, key, NONCE_KEY_LEN);
	n->ttl = ttl_seconds;
	n->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
	/* a random start, so replicas' sequences do not run in step */
	if (getrandom(&n->seq, sizeof(n->seq), GRND_NONBLOCK) != sizeof(n->seq))
		n->seq = (uint32_t)(uintptr_t)n ^ (uint32_t)time(NULL);
	n->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	probe = n->mac ? mac_new(n) : NULL;
	if (!probe) {
		log_error("nonce: OpenSSL has no HMAC-SHA256");
		ret = -EIO;
		goto err;
	}
	EVP_MAC_CTX_free(probe);

	while (nstripes < STRIPES_MAX && replay_capacity / (nstripes * 2) >= STRIPE_MIN_ENTRIES)
		nstripes *= 2;
	n->nstripes = nstripes;
	/* The capacity split exactly: the first `extra` stripes take one more. */
	per = replay_capacity / nstripes;
	extra = replay_capacity % nstripes;
	for (unsigned i = 0; i < nstripes; i++) {
		size_t limit = per + (i < extra);

		nslots += limit + limit / 8 + 1;
	}
	n->stripes = aligned_alloc(64, nstripes * sizeof(*n->stripes));
	n->entries = calloc(nslots, sizeof(*n->entries));
	if (!n->stripes || !n->entries) {
		free(n->stripes);
		n->stripes = NULL;
		ret = -ENOMEM;
		goto err;
	}
	e = n->entries;
	for (unsigned i = 0; i < nstripes; i++) {
		struct stripe *s = &n->stripes[i];
		size_t limit = per + (i < extra);

		memset(s, 0, sizeof(*s));
		pthread_mutex_init(&s->lock, NULL);
		s->slot = e;
		s->limit = (uint32_t)limit;
		s->nslots = (uint32_t)(limit + limit / 8 + 1);
		s->min_expires = UINT64_MAX;
		e += s->nslots;
	}
	*out = n;
	return 0;
err:
	nonce_ctx_free(n);
	return ret;
}

void nonce_ctx_free(struct nonce_ctx *n)
{
	if (!n)
		return;
	/* Other threads drop their copies of the key when they next use another context or end. */
	if (tls_owner == n->id)
		tls_set(NULL, 0);
	if (n->stripes)
		for (unsigned i = 0; i < n->nstripes; i++)
			pthread_mutex_destroy(&n->stripes[i].lock);
	free(n->stripes);
	free(n->entries);
	EVP_MAC_free(n->mac);
	OPENSSL_cleanse(n->key, sizeof(n->key));
	free(n);
}

const char *nonce_verdict_name(enum nonce_verdict v)
{
	switch (v) {
	case NONCE_OK:
		return "ok";
	case NONCE_STALE:
		return "stale";
	case NONCE_BAD:
		return "bad";
	case NONCE_REPLAY:
		return "replay";
	case NONCE_FULL:
		return "full";
	}
	return "?";
}

static int key_read(int fd, const char *path, uint8_t key[NONCE_KEY_LEN])
{
	struct stat st;
	size_t got = 0;

	if (fstat(fd, &st) < 0) {
		int ret = -errno;

		log_error("%s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("%s: nonce key is not a regular file", path);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		log_error(
			"%s: nonce key is accessible to group or others (mode %03o): chmod 600 it",
			path, (unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	if (st.st_size != NONCE_KEY_LEN) {
		log_error("%s: nonce key must be exactly %d bytes, is %lld", path, NONCE_KEY_LEN,
			  (long long)st.st_size);
		return -EINVAL;
	}
	while (got < NONCE_KEY_LEN) {
		ssize_t r = pread(fd, key + got, NONCE_KEY_LEN - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			log_error("%s: nonce key: short read", path);
			return r < 0 ? -errno : -EINVAL;
		}
		got += (size_t)r;
	}
	return 0;
}

/*
 * Write a new key beside `path` and link() it into place: link never
 * replaces an existing file, so when two replicas start at once the loser
 * gets EEXIST and reads the winner's key, and no reader ever sees a
 * half-written file.
 */
static int key_create(const char *path)
{
	uint8_t key[NONCE_KEY_LEN];
	char tmp[4096];
	size_t got = 0;
	int fd, ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	while (got < sizeof(key)) {
		ssize_t r = getrandom(key + got, sizeof(key) - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		got += (size_t)r;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		ret = -errno;
		log_error("%s: cannot create nonce key: %s", tmp, strerror(errno));
		goto out;
	}
	errno = 0;
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) < 0)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && link(tmp, path) < 0)
		ret = -errno;
	if (ret == -EEXIST)
		ret = 0; /* another replica won the race: use its key */
	else if (ret)
		log_error("%s: cannot create nonce key: %s", path, strerror(-ret));
	else
		log_info("%s: created a new nonce key", path);
	unlink(tmp);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int nonce_key_load(const char *path, uint8_t key[NONCE_KEY_LEN], bool create)
{
	int fd, ret;

	if (!path || !key)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT && create) {
		ret = key_create(path);
		if (ret < 0)
			return ret;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (fd < 0) {
		ret = -errno;
		log_error("%s: cannot open nonce key: %s", path, strerror(errno));
		return ret;
	}
	ret = key_read(fd, path, key);
	close(fd);
	return ret;
}
