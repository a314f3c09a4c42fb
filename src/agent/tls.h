/* SPDX-License-Identifier: MIT */
/*
 * TLS for flows whose policy requires encryption (SDP a=enc:ssl): the
 * agent runs TLS 1.3 on the flow's TCP socket and relays it to the
 * program's end of a socket pair.
 *
 * No CA: each agent makes a key pair and a self-signed certificate at
 * start (never written to disk), and the signalling carries each side's
 * certificate fingerprint (RFC 8122 a=fingerprint, RFC 4572). A handshake
 * succeeds only when the peer's certificate hashes to the fingerprint the
 * signalling named; both sides present a certificate.
 *
 * Only "sha-256" fingerprints are made and accepted: both ends are ours,
 * and a weaker hash (sha-1) would only open a downgrade.
 *
 * The agent must ignore SIGPIPE process-wide (signal(SIGPIPE, SIG_IGN)):
 * OpenSSL writes the TCP socket with write(), not send(MSG_NOSIGNAL).
 * Writes to the program's end use MSG_NOSIGNAL all the same.
 */
#ifndef NUTSS_AGENT_TLS_H
#define NUTSS_AGENT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "sha-256 " and 32 upper-case hex pairs joined by ':' (no NUL). */
#define TLS_FP_HASH_LEN 32
#define TLS_FP_STR_LEN	(8 + 3 * TLS_FP_HASH_LEN - 1)
/* The longest fingerprint value tls_fingerprint_valid() reads before refusing it. */
#define TLS_FP_MAX_LEN TLS_FP_STR_LEN

/* A why string this long holds every message this module writes. */
#define TLS_WHY_LEN 256

struct tls_id;
struct tls_conn;

/*
 * This agent's identity: an ECDSA P-256 key, a self-signed certificate
 * (random serial, CN "nutss", valid from an hour ago for a day; validity
 * is not checked, the fingerprint is what authenticates) and the TLS
 * context every connection is made from. NULL with errno and why on failure.
 */
struct tls_id *tls_id_new(char *why, size_t len);
/* NULL is a no-op. Connections already made from id keep working. */
void tls_id_free(struct tls_id *id);
/* "sha-256 AB:CD:..." (TLS_FP_STR_LEN characters): what follows "a=fingerprint:" in SDP. */
const char *tls_id_fingerprint(const struct tls_id *id);

/*
 * Whether fp is a fingerprint value we can check a peer against:
 * "sha-256" (any case), one space, 32 hex pairs (any case) joined by ':',
 * and nothing else. Reads at most TLS_FP_MAX_LEN + 1 bytes of fp; NULL is false.
 */
bool tls_fingerprint_valid(const char *fp);
/* The same, and the digest into out. */
bool tls_fingerprint_parse(const char *fp, uint8_t out[TLS_FP_HASH_LEN]);

/*
 * TLS 1.3 (only: both ends are ours) on the connected TCP socket fd, as
 * server or client, within timeout_ms (> 0). Both sides present their
 * certificate; the peer's must hash to peer_fp. The client also waits for
 * the server's word that it accepted the client's certificate (the
 * server's one session ticket, which is otherwise ignored: no resumption),
 * so a refusal fails here on both sides rather than in the relay; that
 * costs the client one round trip.
 *
 * Takes fd on success (non-blocking from then on). NULL with errno and
 * why on failure, fd left open (its flags as they were) for the caller:
 *   EINVAL     peer_fp is not a valid fingerprint (nothing was sent)
 *   EPERM      the peer's certificate is not the one the signalling named,
 *              or the peer refused ours
 *   ETIMEDOUT  no handshake within timeout_ms
 *   ECONNRESET the peer closed or reset the connection
 *   EPROTO     any other TLS failure (why has OpenSSL's reason)
 *   or the errno of a failed system call.
 */
struct tls_conn *tls_handshake(const struct tls_id *id, int fd, bool server, const char *peer_fp,
			       int timeout_ms, char *why, size_t len);
/* Close a connection tls_handshake() made without relaying it (no close_notify). NULL ok. */
void tls_conn_free(struct tls_conn *c);
/*
 * For debugging: protocol, cipher suite, and whether kTLS carries each
 * direction ("TLSv1.3 TLS_AES_128_GCM_SHA256 ktls_send=no ktls_recv=no").
 * kTLS is asked for (SSL_OP_ENABLE_KTLS) where OpenSSL has it; untested:
 * this machine's kernel has none.
 */
void tls_conn_describe(const struct tls_conn *c, char *buf, size_t len);

/*
 * Called once when a relay ends, from the relay's thread, after both fds
 * are closed and the connection freed: err is 0 on a clean end (both
 * directions closed, close_notify both ways), else a positive errno
 * (ECONNRESET, EPERM, ETIMEDOUT, EPROTO, ...; as tls_handshake()'s) and
 * tls_done_why() says what happened.
 */
typedef void tls_done_fn(void *arg, int err);
/* During a done call only: why the relay ended, "" on a clean end. */
const char *tls_done_why(void);

/*
 * Relay c to app_fd (the agent's end of a socket pair whose other end the
 * program holds) in a detached thread of its own, until both directions
 * have ended:
 *   - the program's EOF: close_notify, then shutdown(fd, SHUT_WR), and the
 *     other direction goes on (TLS 1.3 half-close);
 *   - the peer's close_notify: shutdown(app_fd, SHUT_WR);
 *   - an error on either side (the peer's EOF without close_notify
 *     included: a truncation) ends both: the program sees EOF, or
 *     ECONNRESET if it had sent data the relay had not read yet.
 * Everything in flight is flushed before each shutdown. A direction
 * waiting for the program to read does not look at TCP meanwhile, as a
 * program's own socket would not: the peer's loss is seen once it reads
 * (or closes, EPIPE). Then both fds are closed, c freed, and done called.
 *
 * 0, or a negative errno (then nothing was taken: c and app_fd are still
 * the caller's).
 */
int tls_relay_start(struct tls_conn *c, int app_fd, tls_done_fn *done, void *arg);

/*
 * Handshake then relay, both in the thread, so that the caller does not
 * wait for the peer: tls_handshake() as server (tls_serve_start) or client
 * (tls_connect_start) and tls_relay_start(). From a return of 0 on, fd and
 * app_fd belong to the thread: a failed handshake closes both and calls
 * done with its errno and why (as tls_handshake() would have returned
 * them). A negative errno (EINVAL for a bad peer_fp) takes nothing.
 */
int tls_serve_start(const struct tls_id *id, int fd, const char *peer_fp, int app_fd,
		    int timeout_ms, tls_done_fn *done, void *arg);
int tls_connect_start(const struct tls_id *id, int fd, const char *peer_fp, int app_fd,
		      int timeout_ms, tls_done_fn *done, void *arg);

#endif
