// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/buf.h"
#include "endpoint/ua.h"
#include "sip/build.h"
#include "sip/digest.h"

uint64_t ua_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void ua_random(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[64];
	size_t got = 0;

	if (n > sizeof(r))
		n = sizeof(r);
	while (got < n) {
		ssize_t k = getrandom(r + got, n - got, 0);

		if (k > 0)
			got += (size_t)k;
		else if (errno != EINTR)
			break;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = hex[r[i] & 15];
	out[n] = 0;
}

int ua_socket(const struct ua *ua, int type, uint16_t port, bool reuse)
{
	struct sockaddr_storage a = ua->local;
	int one = 1, fd = socket(a.ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (reuse && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0))
		goto err;
	if (a.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	((struct sockaddr_in *)&a)->sin_port = htons(port); /* sin6_port is at the same offset */
	if (bind(fd, (struct sockaddr *)&a, ua->locallen) < 0)
		goto err;
	return fd;
err:
	one = errno;
	close(fd);
	errno = one;
	return -1;
}

int ua_open(struct ua *ua, const struct ep_cfg *cfg)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	int fd;

	memset(ua, 0, sizeof(*ua));
	ua->fd = -1;
	ua->cfg = cfg;
	/* the address the kernel would send to the P-Box from: ours, in SDP and Contact */
	fd = socket(cfg->pbox.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ep_fail(errno, 0, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&cfg->pbox.addr, cfg->pbox.addrlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		int e = errno;

		close(fd);
		return ep_fail(e, 0, "no route to the P-Box %s: %s", cfg->pbox.host, strerror(e));
	}
	close(fd);
	((struct sockaddr_in *)&a)->sin_port = 0;
	ua->local = a;
	ua->locallen = len;
	inet_ntop(a.ss_family,
		  a.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&a)->sin_addr
					 : (void *)&((struct sockaddr_in6 *)&a)->sin6_addr,
		  ua->ip, sizeof(ua->ip));
	ua->fd = ua_socket(ua, SOCK_DGRAM, 0, false);
	if (ua->fd < 0)
		return ep_fail(errno, 0, "SIP socket: %s", strerror(errno));
	len = sizeof(a);
	getsockname(ua->fd, (struct sockaddr *)&a, &len);
	ua->port = ntohs(((struct sockaddr_in *)&a)->sin_port);
	return 0;
}

void ua_close(struct ua *ua)
{
	if (ua->fd >= 0)
		close(ua->fd);
	ua->fd = -1;
}

int ua_build(const struct ua *ua, struct ua_req *r, const char *auth, char *out, size_t cap)
{
	bool v6 = strchr(ua->ip, ':') != NULL;
	struct buf b;

	memcpy(r->branch, "z9hG4bK", 7);
	ua_random(r->branch + 7, UA_TAG_LEN);
	buf_init(&b, out, cap);
	sip_build_request_line(&b, slice_cstr(r->method), slice_cstr(r->ruri));
	buf_printf(&b, "Via: SIP/2.0/UDP %s%s%s:%u;branch=%s;rport\r\n", v6 ? "[" : "", ua->ip,
		   v6 ? "]" : "", ua->port, r->branch);
	buf_puts(&b, "Max-Forwards: 70\r\n");
	if (r->route)
		buf_printf(&b, "Route: %s\r\n", r->route);
	buf_printf(&b, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n", r->from, r->to,
		   r->call_id, r->cseq, r->method);
	buf_printf(&b, "Contact: <sip:%s@%s%s%s:%u>\r\n", ua->cfg->user, v6 ? "[" : "", ua->ip,
		   v6 ? "]" : "", ua->contact_port ? ua->contact_port : ua->port);
	if (auth)
		buf_puts(&b, auth);
	if (r->extra)
		buf_puts(&b, r->extra);
	buf_puts(&b, "User-Agent: libnutss\r\n");
	sip_build_end(&b, r->ctype ? slice_cstr(r->ctype) : SLICE_NULL,
		      slice_make(r->body, r->body ? r->bodylen : 0));
	return buf_done(&b);
}

int ua_send_to(const struct ua *ua, const void *buf, size_t len, const struct sockaddr *to,
	       socklen_t tolen)
{
	return sendto(ua->fd, buf, len, MSG_NOSIGNAL, to, tolen) < 0 ? -1 : 0;
}

int ua_send(const struct ua *ua, const void *buf, size_t len)
{
	return ua_send_to(ua, buf, len, (const struct sockaddr *)&ua->cfg->pbox.addr,
			  ua->cfg->pbox.addrlen);
}

static bool from_pbox(const struct ua *ua, const struct sockaddr_storage *a)
{
	const struct sockaddr_storage *p = &ua->cfg->pbox.addr;

	if (a->ss_family != p->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)p)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)p)->sin6_addr, 16);
}

int ua_recv(const struct ua *ua, char *buf, size_t cap, struct sip_msg *m, int timeout_ms)
{
	uint64_t end = ua_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		struct pollfd pfd = { .fd = ua->fd, .events = POLLIN };
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		struct sip_err err;
		uint64_t now = ua_now_ms();
		ssize_t n;
		int r;

		r = poll(&pfd, 1, now >= end ? 0 : (int)(end - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r;
		n = recvfrom(ua->fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED)
				continue;
			return -1;
		}
		/* signalling comes from our P-Box only: anyone else could say anything */
		if (!from_pbox(ua, &from) || (size_t)n >= cap ||
		    !sip_msg_parse(m, buf, (size_t)n, SIP_PARSE_FULL, &err))
			continue;
		return 1;
	}
}

/* What a digest challenge asks for: enough to answer it, or a later nonce of the same realm. */
struct challenge {
	bool proxy; /* 407: Proxy-Authorization */
	int alg;
	char realm[256], nonce[256], opaque[256];
	bool has_opaque;
};

/* The first challenge of ch, in the P-Box's order, whose algorithm we can compute. */
static bool challenge_of(const struct sip_msg *ch, struct challenge *out)
{
	enum sip_hdr_id want = ch->status == 407 ? SIP_H_PROXY_AUTHENTICATE : SIP_H_WWW_AUTHENTICATE;
	const struct sip_auth *a = NULL;

	for (unsigned i = 0; i < ch->nauth && !a; i++) {
		const struct sip_auth *c = &ch->auth[i].auth;

		if (ch->auth[i].hdr_id == want && c->is_digest && c->realm.p && c->nonce.p &&
		    (c->alg == DIGEST_MD5 || c->alg == DIGEST_SHA256))
			a = c;
	}
	memset(out, 0, sizeof(*out));
	if (!a || sip_auth_unquote(out->realm, sizeof(out->realm), a->realm) < 0 ||
	    sip_auth_unquote(out->nonce, sizeof(out->nonce), a->nonce) < 0 ||
	    (a->opaque.p && sip_auth_unquote(out->opaque, sizeof(out->opaque), a->opaque) < 0))
		return false;
	out->proxy = ch->status == 407;
	out->alg = a->alg;
	out->has_opaque = a->opaque.p != NULL;
	return true;
}

/* The Authorization (or Proxy-) line answering ch for method and uri. Length or -1. */
static int credentials_for(const struct ua *ua, const struct challenge *ch, const char *method,
			   const char *uri, char *line, size_t cap)
{
	char ha1[DIGEST_HEX_BUF], resp[DIGEST_HEX_BUF], cnonce[17], value[1536];
	struct buf b;
	int ret = -1;

	ua_random(cnonce, 16);
	struct digest_input in = {
		.alg = (enum digest_alg)ch->alg,
		.nonce = slice_cstr(ch->nonce),
		.nc = SLICE_LIT("00000001"),
		.cnonce = slice_cstr(cnonce),
		.qop = SLICE_LIT("auth"),
		.method = slice_cstr(method),
		.uri = slice_cstr(uri),
	};
	if (digest_ha1(ha1, in.alg, slice_cstr(ua->cfg->user), slice_cstr(ch->realm),
		       slice_cstr(ua->cfg->password)) < 0)
		goto out;
	in.ha1 = slice_cstr(ha1);
	if (digest_response(resp, &in) < 0)
		goto out;
	struct digest_credentials c = {
		.username = slice_cstr(ua->cfg->user),
		.realm = slice_cstr(ch->realm),
		.nonce = slice_cstr(ch->nonce),
		.uri = slice_cstr(uri),
		.response = slice_cstr(resp),
		.algorithm = slice_cstr(digest_alg_name(in.alg)),
		.cnonce = slice_cstr(cnonce),
		.opaque = ch->has_opaque ? slice_cstr(ch->opaque) : SLICE_NULL,
		.qop = SLICE_LIT("auth"),
		.nc = 1,
	};
	if (digest_build_credentials(value, sizeof(value), &c) < 0)
		goto out;
	buf_init_str(&b, line, cap);
	buf_printf(&b, "%s: %s\r\n", ch->proxy ? "Proxy-Authorization" : "Authorization", value);
	buf_str(&b);
	ret = buf_done(&b);
out:
	OPENSSL_cleanse(ha1, sizeof(ha1));
	return ret;
}

int ua_credentials(const struct ua *ua, const struct sip_msg *ch, const char *method,
		   const char *uri, char *line, size_t cap)
{
	struct challenge c;

	if (!challenge_of(ch, &c))
		return -1;
	return credentials_for(ua, &c, method, uri, line, cap);
}

/*
 * The nonce a P-Box handed with its last 2xx for our next INVITE
 * (Proxy-Authentication-Info: nextnonce, RFC 7616 3.5): one per process, for
 * one P-Box and user, used once. It saves each flow after the first the
 * 407 round trip. The P-Box binds its nonces to our address, not our port,
 * so any of our sockets may use it.
 */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool set;
	struct sockaddr_storage pbox;
	char user[384];
	struct challenge ch; /* realm, algorithm, opaque of the challenge it continues; its nonce */
} kept;

static void next_key(const struct ua *ua, char *user, size_t len)
{
	snprintf(user, len, "%s@%s", ua->cfg->user, ua->cfg->domain);
}

/* Take the saved nonce for ua's P-Box and user into ch; false when there is none. */
static bool next_take(const struct ua *ua, struct challenge *ch)
{
	char user[sizeof(kept.user)];
	bool ok = false;

	next_key(ua, user, sizeof(user));
	pthread_mutex_lock(&kept_lock);
	if (kept.set && !memcmp(&kept.pbox, &ua->cfg->pbox.addr, sizeof(kept.pbox)) &&
	    !strcmp(kept.user, user)) {
		*ch = kept.ch;
		kept.set = false;
		ok = true;
	}
	pthread_mutex_unlock(&kept_lock);
	return ok;
}

/* Keep the nextnonce of a 2xx to a request we authenticated with ch. */
static void next_keep(const struct ua *ua, const struct challenge *ch, const struct sip_msg *ok)
{
	const struct sip_hdr *h = sip_msg_hdr_by_name(ok, "Proxy-Authentication-Info");
	const char *v, *q;
	struct challenge c = *ch;
	size_t n;

	if (!h || !ch->proxy)
		return;
	v = memmem(h->value.p, h->value.len, "nextnonce=\"", 11);
	if (!v)
		return;
	v += 11;
	q = memchr(v, '"', (size_t)(h->value.p + h->value.len - v));
	n = q ? (size_t)(q - v) : 0;
	if (!n || n >= sizeof(c.nonce))
		return;
	memcpy(c.nonce, v, n);
	c.nonce[n] = 0;
	pthread_mutex_lock(&kept_lock);
	kept.set = true;
	memcpy(&kept.pbox, &ua->cfg->pbox.addr, sizeof(kept.pbox));
	next_key(ua, kept.user, sizeof(kept.user));
	kept.ch = c;
	pthread_mutex_unlock(&kept_lock);
}

/* The response to r: same Call-ID, CSeq and top branch. */
static bool answers(const struct sip_msg *m, const struct ua_req *r)
{
	return !m->is_request && m->nvia && slice_eq_cstr(m->via[0].branch, r->branch) &&
	       slice_eq_cstr(m->call_id, r->call_id) && m->cseq.seq == r->cseq;
}

/* ACK for a non-2xx final response to an INVITE: same branch, the response's To (17.1.1.3). */
static void ack_failure(const struct ua *ua, const struct ua_req *r, const struct sip_msg *resp)
{
	char buf[2048];
	struct buf b;
	bool v6 = strchr(ua->ip, ':') != NULL;

	buf_init(&b, buf, sizeof(buf));
	sip_build_request_line(&b, SLICE_LIT("ACK"), slice_cstr(r->ruri));
	buf_printf(&b, "Via: SIP/2.0/UDP %s%s%s:%u;branch=%s;rport\r\nMax-Forwards: 70\r\n",
		   v6 ? "[" : "", ua->ip, v6 ? "]" : "", ua->port, r->branch);
	if (r->route)
		buf_printf(&b, "Route: %s\r\n", r->route);
	buf_printf(&b, "From: %s\r\n", r->from);
	for (unsigned i = 0; i < resp->nhdrs; i++)
		if (resp->hdrs[i].id == SIP_H_TO)
			sip_build_copy(&b, &resp->hdrs[i]);
	buf_printf(&b, "Call-ID: %s\r\nCSeq: %u ACK\r\nContent-Length: 0\r\n\r\n", r->call_id,
		   r->cseq);
	if (buf_done(&b) > 0)
		ua_send(ua, buf, b.len);
}

int ua_transaction(const struct ua *ua, struct ua_req *r, char *out, size_t cap,
		   struct sip_msg *resp, int timeout_ms)
{
	static __thread char req[65536];
	char auth[2048];
	bool invite = !strcmp(r->method, "INVITE"), challenged = false, authed = false;
	uint64_t end = ua_now_ms() + (uint64_t)timeout_ms;
	struct challenge ch;
	int n = -1;

	/* a nonce the P-Box handed us for this: no 407 round trip (a stale one gets one) */
	if (invite && next_take(ua, &ch) &&
	    credentials_for(ua, &ch, r->method, r->ruri, auth, sizeof(auth)) > 0) {
		n = ua_build(ua, r, auth, req, sizeof(req));
		OPENSSL_cleanse(auth, sizeof(auth));
		authed = n > 0;
	}
	if (n < 0)
		n = ua_build(ua, r, NULL, req, sizeof(req));
	if (n < 0)
		return ep_fail(EINVAL, 0, "%s too large to send", r->method);
	for (;;) {
		uint64_t retx = UA_T1_MS, next = ua_now_ms();
		bool provisional = false;

		for (;;) {
			uint64_t now = ua_now_ms();
			int got;

			if (now >= end)
				return ep_fail(ETIMEDOUT, 0, "no answer from the P-Box %s:%u to %s",
					       ua->cfg->pbox.host, ua->cfg->pbox.port, r->method);
			if (now >= next && !(invite && provisional)) {
				ua_send(ua, req, (size_t)n);
				next = now + retx;
				retx = invite ? retx * 2 : (retx * 2 > UA_T2_MS ? UA_T2_MS : retx * 2);
			}
			got = ua_recv(ua, out, cap, resp,
				      (int)((invite && provisional ? end : next < end ? next : end) - now));
			if (got < 0)
				return ep_fail(errno, 0, "receiving from the P-Box: %s", strerror(errno));
			if (!got || !answers(resp, r))
				continue;
			if (resp->status < 200) {
				provisional = true;
				continue;
			}
			break;
		}
		if (invite && resp->status >= 300)
			ack_failure(ua, r, resp);
		if (invite && authed && resp->status >= 200 && resp->status < 300)
			next_keep(ua, &ch, resp);
		if ((resp->status != 401 && resp->status != 407) || challenged)
			return (int)resp->status;
		/* one challenge is answered; a second means the credentials are wrong */
		challenged = true;
		if (!challenge_of(resp, &ch) ||
		    credentials_for(ua, &ch, r->method, r->ruri, auth, sizeof(auth)) < 0)
			return (int)resp->status;
		authed = true;
		r->cseq++;
		n = ua_build(ua, r, auth, req, sizeof(req));
		OPENSSL_cleanse(auth, sizeof(auth));
		if (n < 0)
			return ep_fail(EINVAL, 0, "%s too large to send", r->method);
	}
}

int ua_errno(unsigned status)
{
	switch (status) {
	case 401:
	case 403:
	case 407:
		return EACCES;
	case 404:
	case 410:
	case 480:
	case 484:
		return EHOSTUNREACH;
	case 408:
	case 504:
		return ETIMEDOUT;
	case 488:
	case 606:
		return EPROTONOSUPPORT;
	case 503:
		return EAGAIN;
	default:
		return ECONNREFUSED; /* 486 busy, 603 decline, and the rest */
	}
}

const char *ua_reason(const struct sip_msg *m, char *out, size_t len)
{
	for (unsigned i = 0; i < m->nhdrs; i++) {
		struct slice v = m->hdrs[i].value;
		const char *q;

		if (m->hdrs[i].id != SIP_H_WARNING || !(q = memchr(v.p, '"', v.len)))
			continue;
		/* 399 host "text": the text */
		v = slice_make(q + 1, v.len - (size_t)(q + 1 - v.p));
		if (v.len && v.p[v.len - 1] == '"')
			v.len--;
		snprintf(out, len, "%.*s", SLICE_FMT(v));
		return out;
	}
	snprintf(out, len, "%.*s", SLICE_FMT(m->reason));
	return out;
}

/* Where a response to req goes: its top Via's received (else host) and rport (else port). */
static bool via_addr(const struct sip_msg *req, struct sockaddr_storage *to, socklen_t *tolen)
{
	const struct sip_via *v = req->nvia ? &req->via[0] : NULL;
	char host[INET6_ADDRSTRLEN];
	unsigned port;

	if (!v)
		return false;
	port = v->port ? v->port : 5060;
	if (v->rport.len) {
		unsigned long p = 0;

		for (size_t i = 0; i < v->rport.len && p <= 65535; i++)
			p = v->rport.p[i] >= '0' && v->rport.p[i] <= '9' ? p * 10 + (unsigned)(v->rport.p[i] - '0')
									 : 65536;
		if (p && p <= 65535)
			port = (unsigned)p;
	}
	if (!slice_copy(host, sizeof(host), v->received.len ? v->received : v->host))
		return false;
	memset(to, 0, sizeof(*to));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)to)->sin_addr) == 1) {
		((struct sockaddr_in *)to)->sin_family = AF_INET;
		((struct sockaddr_in *)to)->sin_port = htons((uint16_t)port);
		*tolen = sizeof(struct sockaddr_in);
		return true;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)to)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)to)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)to)->sin6_port = htons((uint16_t)port);
		*tolen = sizeof(struct sockaddr_in6);
		return true;
	}
	return false;
}

int ua_reply_build(const struct ua *ua, const struct sip_msg *req, unsigned status,
		   const char *to_tag, const char *extra, const char *ctype, const char *body,
		   size_t bodylen, char *out, size_t cap, struct sockaddr_storage *to,
		   socklen_t *tolen)
{
	bool v6 = strchr(ua->ip, ':') != NULL;
	struct buf b;

	if (!via_addr(req, to, tolen))
		return -1;
	buf_init(&b, out, cap);
	sip_build_response_head(&b, req, status, NULL, slice_cstr(to_tag ? to_tag : ""));
	if (status >= 200 && status < 300)
		buf_printf(&b, "Contact: <sip:%s@%s%s%s:%u>\r\n", ua->cfg->user, v6 ? "[" : "",
			   ua->ip, v6 ? "]" : "", ua->port);
	for (unsigned i = 0; status >= 200 && status < 300 && i < req->nhdrs; i++)
		if (req->hdrs[i].id == SIP_H_RECORD_ROUTE) /* 12.1.1: the route set goes back */
			sip_build_copy(&b, &req->hdrs[i]);
	if (extra)
		buf_puts(&b, extra);
	sip_build_end(&b, ctype ? slice_cstr(ctype) : SLICE_NULL,
		      slice_make(body, body ? bodylen : 0));
	return buf_done(&b);
}

int ua_reply(const struct ua *ua, const struct sip_msg *req, unsigned status, const char *to_tag,
	     const char *extra, const char *ctype, const char *body, size_t bodylen)
{
	char out[8192];
	struct sockaddr_storage to;
	socklen_t tolen;
	int n = ua_reply_build(ua, req, status, to_tag, extra, ctype, body, bodylen, out,
			       sizeof(out), &to, &tolen);

	if (n < 0)
		return -1;
	return ua_send_to(ua, out, (size_t)n, (struct sockaddr *)&to, tolen);
}
