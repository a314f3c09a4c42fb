// SPDX-License-Identifier: MIT
/*
 * TLS for encrypted flows: the agent's identity, the handshake that
 * checks the peer's certificate against the fingerprint the signalling
 * carried, and a thread per connection relaying TLS to the program's end
 * of a socket pair (as stunnel does by default).
 *
 * Throughput: 16 KB records, 64 KB reads from the program cut into them,
 * read-ahead into a 64 KB buffer on the TCP side so that one read() brings
 * several records, the program's data gathered into 64 KB before one
 * send(), and every operation retried only after poll() says its fd is
 * ready, so a busy direction costs no failed system calls on the idle one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "agent/tls.h"
#include "core/hex.h"

#define RELAY_BUF_LEN	 (64 * 1024)	   /* one read from either side, at most */
#define TLS_READ_BUF_LEN (64 * 1024 + 512) /* read-ahead: several records per read() */
#define CERT_SERIAL_LEN	 16		   /* random serial, bytes (RFC 5280: at most 20) */
#define CERT_BACKDATE_S	 3600		   /* notBefore an hour ago, for skewed clocks */
#define CERT_LIFETIME_S	 86400		   /* notAfter a day after notBefore */
/* AES-GCM first (AES-NI), AES-128 first of those: cheaper than 256, as strong as we need. */
#define TLS_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

struct tls_id {
	SSL_CTX *ctx;		     /* both roles; holds the key and certificate */
	char fp[TLS_FP_STR_LEN + 1]; /* our certificate's fingerprint, for the SDP */
};

/* What one relay operation waits for before it is tried again (0: try it). */
enum { APP_RD, APP_WR, TLS_RD, TLS_WR, N_OPS };

struct tls_conn {
	SSL *ssl;
	int fd;	      /* the TCP socket */
	int fd_flags; /* its flags before we made it non-blocking */
	bool server;
	bool confirmed;	  /* client: the server's ticket came, so it took our certificate */
	bool fp_mismatch; /* our check refused the peer's certificate */
	uint8_t peer_fp[TLS_FP_HASH_LEN];

	/* The relay, and the handshake when the thread does it. */
	bool handshake_pending;
	int timeout_ms;
	int app_fd;
	tls_done_fn *done;
	void *arg;
	uint8_t *up; /* program -> peer: read from app_fd, not yet SSL_written */
	size_t up_off, up_len;
	uint8_t *down; /* peer -> program: SSL_read, not yet sent to app_fd */
	size_t down_off, down_len;
	bool app_eof;	   /* the program's EOF came */
	bool tls_shut;	   /* ... and close_notify and SHUT_WR went after the last byte */
	bool peer_eof;	   /* the peer's close_notify came */
	bool app_shut;	   /* ... and SHUT_WR went to the program after the last byte */
	short wait[N_OPS]; /* poll events each operation waits for */
	char why[TLS_WHY_LEN];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Report OpenSSL's first queued error after what failed; returns -err. */
static int ssl_why(int err, char *why, size_t len, const char *what)
{
	unsigned long code = ERR_peek_error();
	const char *reason = code ? ERR_reason_error_string(code) : NULL;

	snprintf(why, len, "%s%s%s", what, reason ? ": " : "", reason ? reason : "");
	ERR_clear_error();
	return -err;
}

static bool cert_matches(X509 *cert, const uint8_t fp[TLS_FP_HASH_LEN])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	return cert && X509_digest(cert, EVP_sha256(), md, &n) && n == TLS_FP_HASH_LEN &&
	       !CRYPTO_memcmp(md, fp, TLS_FP_HASH_LEN);
}

/*
 * Instead of chain verification: the peer's certificate is acceptable iff
 * it is the one the signalling named. Its key is proven by the handshake
 * (CertificateVerify); names, dates and issuers mean nothing here.
 * CERT_REJECTED makes OpenSSL send a bad_certificate alert, so the peer
 * knows why.
 */
static int verify_peer(X509_STORE_CTX *sctx, void *unused)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;

	(void)unused;
	if (c && cert_matches(X509_STORE_CTX_get0_cert(sctx), c->peer_fp))
		return 1;
	if (c)
		c->fp_mismatch = true;
	X509_STORE_CTX_set_error(sctx, X509_V_ERR_CERT_REJECTED);
	return 0;
}

/*
 * A client's TLS 1.3 handshake ends before the server has seen the
 * client's certificate. The server's session ticket comes after it has:
 * it is the server's word that it accepted us. The session itself is not
 * kept (returning 0 lets OpenSSL free it).
 */
static int ticket_came(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_conn *c = SSL_get_app_data(ssl);

	(void)sess;
	if (c)
		c->confirmed = true;
	return 0;
}

/* No resumption, ever: it would skip verify_peer() for whoever holds a ticket. */
static SSL_TICKET_RETURN ticket_ignore(SSL *ssl, SSL_SESSION *sess, const unsigned char *keyname,
				       size_t keyname_len, SSL_TICKET_STATUS status, void *arg)
{
	(void)ssl, (void)sess, (void)keyname, (void)keyname_len, (void)status, (void)arg;
	return SSL_TICKET_RETURN_IGNORE;
}

static X509 *cert_new(EVP_PKEY *key)
{
	uint8_t serial[CERT_SERIAL_LEN];
	X509 *cert = X509_new();
	BIGNUM *bn = NULL;
	X509_NAME *name;
	bool ok;

	if (!cert || RAND_bytes(serial, sizeof(serial)) != 1)
		goto err;
	serial[0] = (serial[0] & 0x7f) | 0x40; /* positive, and all CERT_SERIAL_LEN bytes */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	name = X509_get_subject_name(cert);
	ok = bn && X509_set_version(cert, X509_VERSION_3) &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), -CERT_BACKDATE_S) &&
	     X509_gmtime_adj(X509_getm_notAfter(cert), CERT_LIFETIME_S - CERT_BACKDATE_S) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"nutss",
					-1, -1, 0) &&
	     X509_set_issuer_name(cert, name) && X509_set_pubkey(cert, key) &&
	     X509_sign(cert, key, EVP_sha256()) > 0;
	BN_free(bn);
	if (ok)
		return cert;
err:
	X509_free(cert);
	return NULL;
}

static SSL_CTX *ctx_new(EVP_PKEY *key, X509 *cert)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	uint64_t opts =
		SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION;

#ifdef SSL_OP_ENABLE_KTLS
	/* Where the kernel has kTLS, records are sealed there; none here, and harmless. */
	opts |= SSL_OP_ENABLE_KTLS;
#endif
	if (!ctx)
		return NULL;
	SSL_CTX_set_options(ctx, opts);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_clear_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, TLS_READ_BUF_LEN);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, verify_peer, NULL);
	/* One ticket, as the server's word to the client; never used to resume. */
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
	SSL_CTX_sess_set_new_cb(ctx, ticket_came);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) &&
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) &&
	    SSL_CTX_set_ciphersuites(ctx, TLS_SUITES) &&
	    SSL_CTX_set_session_ticket_cb(ctx, NULL, ticket_ignore, NULL) &&
	    SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		return ctx;
	SSL_CTX_free(ctx);
	return NULL;
}

static void fp_format(const uint8_t md[TLS_FP_HASH_LEN], char out[TLS_FP_STR_LEN + 1])
{
	static const char digits[] = "0123456789ABCDEF";
	char *p = out + 8;

	memcpy(out, "sha-256 ", 8);
	for (int i = 0; i < TLS_FP_HASH_LEN; i++) {
		if (i)
			*p++ = ':';
		*p++ = digits[md[i] >> 4];
		*p++ = digits[md[i] & 15];
	}
	*p = '\0';
}

struct tls_id *tls_id_new(char *why, size_t len)
{
	struct tls_id *id = calloc(1, sizeof(*id));
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;

	if (!id) {
		snprintf(why, len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	key = EVP_EC_gen("P-256");
	if (!key) {
		ssl_why(ENOMEM, why, len, "cannot make a P-256 key");
		goto err;
	}
	cert = cert_new(key);
	if (!cert || !X509_digest(cert, EVP_sha256(), md, &n) || n != TLS_FP_HASH_LEN) {
		ssl_why(ENOMEM, why, len, "cannot make a certificate");
		goto err;
	}
	id->ctx = ctx_new(key, cert);
	if (!id->ctx) {
		ssl_why(ENOMEM, why, len, "cannot make a TLS context");
		goto err;
	}
	fp_format(md, id->fp);
	X509_free(cert); /* the context holds its own references */
	EVP_PKEY_free(key);
	return id;
err:
	X509_free(cert);
	EVP_PKEY_free(key);
	free(id);
	errno = ENOMEM;
	return NULL;
}

void tls_id_free(struct tls_id *id)
{
	if (!id)
		return;
	SSL_CTX_free(id->ctx); /* live connections hold references to it */
	free(id);
}

const char *tls_id_fingerprint(const struct tls_id *id)
{
	return id->fp;
}

bool tls_fingerprint_parse(const char *fp, uint8_t out[TLS_FP_HASH_LEN])
{
	const char *p;

	if (!fp || strnlen(fp, TLS_FP_MAX_LEN + 1) != TLS_FP_STR_LEN ||
	    strncasecmp(fp, "sha-256 ", 8))
		return false;
	p = fp + 8;
	for (int i = 0; i < TLS_FP_HASH_LEN; i++, p += 3) {
		if (!hex_decode(p, 1, &out[i]))
			return false;
		if (i < TLS_FP_HASH_LEN - 1 && p[2] != ':')
			return false;
	}
	return true;
}

bool tls_fingerprint_valid(const char *fp)
{
	uint8_t md[TLS_FP_HASH_LEN];

	return tls_fingerprint_parse(fp, md);
}

static void conn_destroy(struct tls_conn *c, bool close_fd)
{
	SSL_free(c->ssl);
	if (close_fd)
		close(c->fd);
	free(c->up);
	free(c->down);
	free(c);
}

void tls_conn_free(struct tls_conn *c)
{
	if (c)
		conn_destroy(c, true);
}

static struct tls_conn *conn_new(const struct tls_id *id, int fd, bool server, const char *peer_fp,
				 char *why, size_t len)
{
	struct tls_conn *c;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(why, len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (!tls_fingerprint_parse(peer_fp, c->peer_fp)) {
		snprintf(why, len, "the signalling's fingerprint is not a sha-256 fingerprint");
		free(c);
		errno = EINVAL;
		return NULL;
	}
	c->fd = fd;
	c->app_fd = -1;
	c->server = server;
	c->ssl = SSL_new(id->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, fd)) {
		int err = -ssl_why(ENOMEM, why, len, "cannot make a TLS connection");

		conn_destroy(c, false);
		errno = err;
		return NULL;
	}
	SSL_set_app_data(c->ssl, c);
	if (server)
		SSL_set_accept_state(c->ssl);
	else
		SSL_set_connect_state(c->ssl);
	return c;
}

/*
 * What a failed SSL call (r, SSL_get_error() e, errno saved as sys) means,
 * into why; returns a negative errno. when: "during the handshake", ...
 */
static int conn_err(struct tls_conn *c, int r, int e, int sys, const char *when, char *why,
		    size_t len)
{
	unsigned long code = ERR_peek_error();
	int err;

	if (c->fp_mismatch) {
		snprintf(why, len, "the peer's certificate is not the one the signalling named");
		err = EPERM;
	} else if (e == SSL_ERROR_ZERO_RETURN) {
		snprintf(why, len, "the peer closed the TLS session %s", when);
		err = ECONNRESET;
	} else if (e == SSL_ERROR_SYSCALL && !code) {
		if (r == 0 || !sys || sys == ECONNRESET || sys == EPIPE) {
			snprintf(why, len, "the peer closed the connection %s", when);
			err = ECONNRESET;
		} else {
			snprintf(why, len, "TLS %s: %s", when, strerror(sys));
			err = sys;
		}
	} else if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
		   (ERR_GET_REASON(code) == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
		    ERR_GET_REASON(code) == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN ||
		    ERR_GET_REASON(code) == SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE ||
		    ERR_GET_REASON(code) == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)) {
		snprintf(why, len,
			 "the peer refused our certificate (its signalling named another)");
		err = EPERM;
	} else if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
		   ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		snprintf(why, len, "the peer closed the connection without close_notify %s", when);
		err = ECONNRESET;
	} else {
		const char *reason = code ? ERR_reason_error_string(code) : NULL;

		snprintf(why, len, "TLS failed %s: %s", when, reason ? reason : "unknown error");
		err = EPROTO;
	}
	ERR_clear_error();
	return -err;
}

/* Wait until fd has one of events, or the deadline passes (-ETIMEDOUT). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 0; /* POLLERR and POLLHUP too: the next call reports them */
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Wait as the failed SSL call asks, or report its failure. */
static int ssl_wait(struct tls_conn *c, int r, int64_t deadline, int timeout_ms, char *why,
		    size_t len)
{
	int sys = errno, e = SSL_get_error(c->ssl, r), ret;

	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		return conn_err(c, r, e, sys, "during the handshake", why, len);
	ret = wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
	if (ret == -ETIMEDOUT)
		snprintf(why, len, "no TLS handshake within %d ms", timeout_ms);
	else if (ret < 0)
		snprintf(why, len, "poll: %s", strerror(-ret));
	return ret;
}

static int handshake(struct tls_conn *c, int timeout_ms, char *why, size_t len)
{
	int64_t deadline = now_ms() + timeout_ms;
	int r, ret, one = 1;
	uint8_t b;

	c->fd_flags = fcntl(c->fd, F_GETFL);
	if (c->fd_flags < 0 || fcntl(c->fd, F_SETFL, c->fd_flags | O_NONBLOCK) < 0) {
		ret = -errno;
		snprintf(why, len, "fcntl: %s", strerror(errno));
		return ret;
	}
	for (;;) {
		ERR_clear_error();
		r = SSL_do_handshake(c->ssl);
		if (r == 1)
			break;
		ret = ssl_wait(c, r, deadline, timeout_ms, why, len);
		if (ret < 0)
			goto err;
	}
	/*
	 * The client waits for the server's ticket (ticket_came()), or for its
	 * first data: the server sends either only once it took our certificate.
	 */
	while (!c->server && !c->confirmed) {
		ERR_clear_error();
		r = SSL_peek(c->ssl, &b, 1);
		if (r > 0 || c->confirmed)
			break;
		ret = ssl_wait(c, r, deadline, timeout_ms, why, len);
		if (ret < 0)
			goto err;
	}
	/* Belt and braces: verify_peer() ran, on this very certificate, and no resumption. */
	if (SSL_session_reused(c->ssl) ||
	    !cert_matches(SSL_get0_peer_certificate(c->ssl), c->peer_fp)) {
		snprintf(why, len, "the peer's certificate is not the one the signalling named");
		ret = -EPERM;
		goto err;
	}
	/* Each write is a whole record or more: no reason to hold any back. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
err:
	fcntl(c->fd, F_SETFL, c->fd_flags);
	return ret;
}

struct tls_conn *tls_handshake(const struct tls_id *id, int fd, bool server, const char *peer_fp,
			       int timeout_ms, char *why, size_t len)
{
	struct tls_conn *c = conn_new(id, fd, server, peer_fp, why, len);
	int ret;

	if (!c)
		return NULL;
	ret = handshake(c, timeout_ms, why, len);
	if (ret < 0) {
		conn_destroy(c, false);
		errno = -ret;
		return NULL;
	}
	return c;
}

void tls_conn_describe(const struct tls_conn *c, char *buf, size_t len)
{
	int ktls_send = 0, ktls_recv = 0;

#if defined(BIO_get_ktls_send) && defined(BIO_get_ktls_recv)
	ktls_send = (int)BIO_get_ktls_send(SSL_get_wbio(c->ssl));
	ktls_recv = (int)BIO_get_ktls_recv(SSL_get_rbio(c->ssl));
#endif
	snprintf(buf, len, "%s %s ktls_send=%s ktls_recv=%s", SSL_get_version(c->ssl),
		 SSL_get_cipher_name(c->ssl), ktls_send ? "yes" : "no", ktls_recv ? "yes" : "no");
}

/* The relay's failure: why into c->why, a negative errno out. */
static int relay_sys(struct tls_conn *c, int err, const char *what)
{
	snprintf(c->why, sizeof(c->why), "%s: %s", what, strerror(err));
	return -err;
}

/*
 * A failed SSL call of operation op: 0 with c->wait[op] set when it must
 * wait, 1 for the peer's close_notify, or a negative errno.
 */
static int relay_ssl(struct tls_conn *c, int r, int op, const char *when)
{
	int sys = errno, e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_ZERO_RETURN && op == TLS_RD)
		return 1;
	if (e == SSL_ERROR_WANT_READ) {
		c->wait[op] = POLLIN;
		return 0;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		c->wait[op] = POLLOUT;
		return 0;
	}
	return conn_err(c, r, e, sys, when, c->why, sizeof(c->why));
}

/* The program -> peer direction, as far as it goes without waiting. */
static int relay_up(struct tls_conn *c, bool *progress)
{
	int r;

	if (!c->app_eof && !c->up_len && !c->wait[APP_RD]) {
		ssize_t n = recv(c->app_fd, c->up, RELAY_BUF_LEN, MSG_DONTWAIT);

		if (n > 0) {
			c->up_off = 0;
			c->up_len = (size_t)n;
			*progress = true;
		} else if (n == 0) {
			c->app_eof = true;
			*progress = true;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->wait[APP_RD] = POLLIN;
		} else if (errno != EINTR) {
			return relay_sys(c, errno, "reading from the program");
		}
	}
	/* Partial writes: each SSL_write() returns after one record. */
	while (c->up_len && !c->wait[TLS_WR]) {
		ERR_clear_error();
		r = SSL_write(c->ssl, c->up + c->up_off, (int)c->up_len);
		if (r <= 0)
			return relay_ssl(c, r, TLS_WR, "sending to the peer");
		c->up_off += (size_t)r;
		c->up_len -= (size_t)r;
		*progress = true;
	}
	if (c->app_eof && !c->up_len && !c->tls_shut && !c->wait[TLS_WR]) {
		ERR_clear_error();
		r = SSL_shutdown(c->ssl); /* 0: our close_notify went, theirs is to come */
		if (r < 0)
			return relay_ssl(c, r, TLS_WR, "closing towards the peer");
		shutdown(c->fd, SHUT_WR);
		c->tls_shut = true;
		*progress = true;
	}
	return 0;
}

/* The peer -> program direction, as far as it goes without waiting. */
static int relay_down(struct tls_conn *c, bool *progress)
{
	int r;

	/* Gather up to RELAY_BUF_LEN for one send(); a record at most per SSL_read(). */
	while (!c->peer_eof && c->down_off + c->down_len < RELAY_BUF_LEN && !c->wait[TLS_RD]) {
		size_t room = RELAY_BUF_LEN - c->down_off - c->down_len;

		ERR_clear_error();
		r = SSL_read(c->ssl, c->down + c->down_off + c->down_len, (int)room);
		if (r > 0) {
			c->down_len += (size_t)r;
			*progress = true;
			continue;
		}
		r = relay_ssl(c, r, TLS_RD, "receiving from the peer");
		if (r == 1) {
			c->peer_eof = true;
			*progress = true;
		}
		if (r < 0)
			return r;
	}
	if (c->down_len && !c->wait[APP_WR]) {
		ssize_t n = send(c->app_fd, c->down + c->down_off, c->down_len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			c->down_off += (size_t)n;
			c->down_len -= (size_t)n;
			if (!c->down_len)
				c->down_off = 0;
			*progress = true;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->wait[APP_WR] = POLLOUT;
		} else if (n < 0 && errno != EINTR) {
			return relay_sys(c, errno, "writing to the program");
		}
	}
	if (c->peer_eof && !c->down_len && !c->app_shut) {
		shutdown(c->app_fd, SHUT_WR);
		c->app_shut = true;
		*progress = true;
	}
	return 0;
}

/* Clear the waits poll() answered: those operations may be tried again. */
static void relay_woken(struct tls_conn *c, const struct pollfd p[2])
{
	static const int fd_of[N_OPS] = { [APP_RD] = 0, [APP_WR] = 0, [TLS_RD] = 1, [TLS_WR] = 1 };

	for (int op = 0; op < N_OPS; op++)
		if (p[fd_of[op]].revents & (c->wait[op] | POLLERR | POLLHUP | POLLNVAL))
			c->wait[op] = 0;
}

static int relay(struct tls_conn *c)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = c->app_fd }, { .fd = c->fd } };
		bool progress;
		int ret;

		do {
			progress = false;
			ret = relay_up(c, &progress);
			if (ret == 0)
				ret = relay_down(c, &progress);
			if (ret < 0)
				return ret;
		} while (progress);
		if (c->tls_shut && c->app_shut)
			return 0;
		/* Every unfinished direction is now waiting on something. */
		if (!c->app_eof && !c->up_len)
			p[0].events |= c->wait[APP_RD];
		if (c->down_len)
			p[0].events |= c->wait[APP_WR];
		if (c->up_len || (c->app_eof && !c->tls_shut))
			p[1].events |= c->wait[TLS_WR];
		if (!c->peer_eof && c->down_off + c->down_len < RELAY_BUF_LEN)
			p[1].events |= c->wait[TLS_RD];
		if (!p[0].events && !p[1].events) {
			snprintf(c->why, sizeof(c->why), "the relay stalled (a bug)");
			return -EPROTO;
		}
		/* poll() reports POLLHUP unasked: an fd nothing waits on would spin us. */
		for (int i = 0; i < 2; i++)
			if (!p[i].events)
				p[i].fd = -1;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return relay_sys(c, errno, "poll");
		}
		relay_woken(c, p);
	}
}

/* What tls_done_why() returns: the relay thread's own, during its done call. */
static __thread const char *done_why = "";

const char *tls_done_why(void)
{
	return done_why;
}

static void *relay_main(void *arg)
{
	struct tls_conn *c = arg;
	tls_done_fn *done = c->done;
	char why[TLS_WHY_LEN] = "";
	void *done_arg = c->arg;
	int err = 0;

	if (c->handshake_pending)
		err = handshake(c, c->timeout_ms, c->why, sizeof(c->why));
	if (err == 0)
		err = relay(c);
	if (err < 0)
		memcpy(why, c->why, sizeof(why));
	close(c->app_fd);
	conn_destroy(c, true);
	/* Before done(): once it returns, the process may be on its way out. */
	OPENSSL_thread_stop();
	done_why = why;
	done(done_arg, -err);
	done_why = "";
	return NULL;
}

/* The relay's thread: detached, signals left to the agent's main thread. */
static int relay_spawn(struct tls_conn *c)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int ret;

	c->up = malloc(RELAY_BUF_LEN);
	c->down = malloc(RELAY_BUF_LEN);
	if (!c->up || !c->down)
		return -ENOMEM;
	ret = pthread_attr_init(&attr);
	if (ret)
		return -ret;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/*
	 * The default stack: a smaller one fails (EINVAL) in a program with much
	 * static TLS, as the nutss binary has (the SIP layers' per-thread buffers).
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&t, &attr, relay_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -ret;
}

int tls_relay_start(struct tls_conn *c, int app_fd, tls_done_fn *done, void *arg)
{
	c->app_fd = app_fd;
	c->done = done;
	c->arg = arg;
	return relay_spawn(c);
}

static int start(const struct tls_id *id, int fd, bool server, const char *peer_fp, int app_fd,
		 int timeout_ms, tls_done_fn *done, void *arg)
{
	char why[TLS_WHY_LEN];
	struct tls_conn *c = conn_new(id, fd, server, peer_fp, why, sizeof(why));
	int ret;

	if (!c)
		return -errno;
	c->handshake_pending = true;
	c->timeout_ms = timeout_ms;
	ret = tls_relay_start(c, app_fd, done, arg);
	if (ret < 0)
		conn_destroy(c, false);
	return ret;
}

int tls_serve_start(const struct tls_id *id, int fd, const char *peer_fp, int app_fd,
		    int timeout_ms, tls_done_fn *done, void *arg)
{
	return start(id, fd, true, peer_fp, app_fd, timeout_ms, done, arg);
}

int tls_connect_start(const struct tls_id *id, int fd, const char *peer_fp, int app_fd,
		      int timeout_ms, tls_done_fn *done, void *arg)
{
	return start(id, fd, false, peer_fp, app_fd, timeout_ms, done, arg);
}
