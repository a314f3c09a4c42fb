/* SPDX-License-Identifier: MIT */
/*
 * Stateless digest nonces with a bounded replay cache (docs/pbox.md,
 * "Nonces"; paper 1 §3.1).
 *
 *   nonce = base64url-without-padding(ts ‖ seq ‖ mac)       32 characters
 *   ts    = issue time, 4 bytes big-endian seconds
 *   seq   = 4 bytes, a per-context counter: two challenges never share a
 *           nonce, even for clients behind one address in one second
 *   mac   = first 16 bytes of HMAC-SHA256(KS, ts ‖ seq ‖ client IP)
 *
 * The client IP is 4 bytes for IPv4 and 16 for IPv6; an IPv4-mapped IPv6
 * address counts as its IPv4 form, so a dual-stack socket and a plain IPv4
 * one agree. KS is 32 bytes shared by every replica (nonce_key_load()), so
 * any replica accepts a fresh nonce; each replica accepts a nonce once.
 *
 * The server's order: nonce_check() (cheap, no side effect) before looking
 * at the credentials; verify the digest response; then nonce_consume(). A
 * nonce is only consumed once a response proves the sender knew the
 * password, so an attacker cannot fill the replay cache with nonces it
 * merely received in a challenge.
 *
 * Thread safety: after nonce_ctx_new() returns, nonce_make() and
 * nonce_check() take no lock and may be called from any thread at once
 * (each thread keeps its own HMAC context). nonce_consume() takes the lock
 * of one of the replay cache's stripes. nonce_ctx_free() must not race
 * with any other call on the same context.
 *
 * `now` is seconds since the epoch from CLOCK_REALTIME, the clock replicas
 * share; it is a parameter so that tests control time.
 */
#ifndef NUTSS_PBOX_NONCE_H
#define NUTSS_PBOX_NONCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/slice.h"

#define NONCE_LEN	   32 /* characters, no NUL */
#define NONCE_KEY_LEN	   32 /* bytes of KS */
#define NONCE_TTL_DEFAULT  30 /* seconds a nonce is fresh (config nonce_ttl) */
#define NONCE_TTL_MAX	   86400
#define NONCE_SKEW	   2 /* seconds a nonce may come from the future (replica clocks) */
#define NONCE_CAPACITY_MAX ((size_t)1 << 26) /* replay entries: 1.7 GiB, a typo guard */

struct nonce_ctx;

enum nonce_verdict {
	NONCE_OK,     /* fresh, MAC right (consume: now remembered) */
	NONCE_STALE,  /* MAC right but expired: re-challenge with stale=true */
	NONCE_BAD,    /* malformed, wrong MAC, other client, or from the future */
	NONCE_REPLAY, /* consume: already used within its lifetime */
	NONCE_FULL,   /* consume: no room to remember it; re-challenge */
};

/*
 * Read KS from `path`. The file must be a regular file of exactly 32 bytes
 * with no group or other permission bits. If it does not exist and
 * `create` is set, 32 bytes from getrandom() are written to it with mode
 * 0600 (atomically: a replica starting at the same time reads the same
 * key). Returns 0, or a negative errno: -ENOENT (missing, !create),
 * -EPERM (group/other may access it), -EINVAL (wrong size or not a
 * regular file), or what the system call said. Logs the reason with the
 * path, so the operator sees "chmod 600" rather than just "EPERM".
 */
int nonce_key_load(const char *path, uint8_t key[NONCE_KEY_LEN], bool create);

/*
 * A context for one key. `ttl_seconds`: 1..NONCE_TTL_MAX. The replay cache
 * remembers up to `replay_capacity` (>= 1) unexpired nonces; its memory,
 * about 9/8 x capacity x 24 bytes, is allocated here, once. Returns 0,
 * -EINVAL, -ENOMEM, or -EIO when OpenSSL has no HMAC-SHA256.
 */
int nonce_ctx_new(struct nonce_ctx **out, const uint8_t key[NONCE_KEY_LEN], unsigned ttl_seconds,
		  size_t replay_capacity);
void nonce_ctx_free(struct nonce_ctx *n);

/*
 * Write a fresh nonce for `client` (AF_INET or AF_INET6), NUL-terminated.
 * Returns 0, -EAFNOSUPPORT, -EINVAL, or -ENOMEM/-EIO if OpenSSL fails.
 */
int nonce_make(struct nonce_ctx *n, const struct sockaddr *client, uint64_t now,
	       char out[NONCE_LEN + 1]);
/*
 * The same with the sequence number given: nonce_make() uses the context's
 * counter, so that clients sharing an address (a NAT) in the same second
 * still get different nonces. For reproducible test vectors.
 */
int nonce_make_seq(struct nonce_ctx *n, const struct sockaddr *client, uint64_t now, uint32_t seq,
		   char out[NONCE_LEN + 1]);

/*
 * Is `nonce` (untrusted bytes) one this key issued to `client` and still
 * fresh? OK, STALE or BAD; no side effect. Fails closed: an OpenSSL
 * failure reads as BAD.
 */
enum nonce_verdict nonce_check(struct nonce_ctx *n, struct slice nonce,
			       const struct sockaddr *client, uint64_t now);

/*
 * Mark a nonce used. Call it after nonce_check() said OK and the digest
 * response verified: it does not check the MAC again (it has no client
 * address), only the format and the age. OK the first time; REPLAY after;
 * STALE once it has expired (the cache may have forgotten it by then, and
 * says STALE for any nonce it might have forgotten); FULL when its stripe
 * holds only unexpired nonces, in which case nothing is forgotten and the
 * server re-challenges.
 */
enum nonce_verdict nonce_consume(struct nonce_ctx *n, struct slice nonce, uint64_t now);

/* "ok", "stale", "bad", "replay", "full". */
const char *nonce_verdict_name(enum nonce_verdict v);

#endif
