// SPDX-License-Identifier: MIT
/*
 * The initiating side (docs/endpoint.md, docs/protocol.md "Tickets"):
 *
 *   1. bind the flow's socket first, so the offer names the whole 5-tuple
 *      (a TCP flow also binds a UDP socket on the same port: its ticket's)
 *   2. INVITE the name through the P-Box, answering its 407
 *   3. the 2xx: the answer's address and port, every domain's token; ACK
 *   4. the ticket along the flow's path, repeated until the far end
 *      confirms it (the confirm comes back through the path it opened)
 *   5. connect(): the first data packet never races the ticket
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/buf.h"
#include "endpoint/connect.h"
#include "endpoint/dialog.h"
#include "endpoint/env.h"
#include "endpoint/listen.h"
#include "endpoint/ua.h"
#include "nutss/nutss.h"
#include "proto/ticket.h"
#include "proto/token.h"
#include "sip/desc.h"
#include "sip/sdp.h"

#define TICKET_FIRST_MS 50 /* the first retransmission; then doubling */
#define TICKET_TRIES	8  /* 50 ms * (2^8 - 1): a dead path is known in ~13 s, or at the timeout */
#define BIND_TRIES	16 /* TCP port P whose UDP twin is taken: try another */

struct conn {
	struct ep_cfg cfg;
	struct ua ua;
	int fd;	 /* the flow's socket */
	int tfd; /* a TCP flow's ticket socket (UDP, same port); for UDP, fd itself */
	uint16_t port;
	char ruri[NUTSS_NAME_MAX + 8], from[512], call_id[40];
};

/* Our address toward the P-Box at port, in the family of a socket of family; 0: none. */
static socklen_t local_for(const struct ua *ua, int family, uint16_t port,
			   struct sockaddr_storage *ss)
{
	socklen_t len = addr_in_family(&ua->local, family, ss);

	if (len)
		((struct sockaddr_in *)ss)->sin_port = htons(port); /* same offset in both */
	return len;
}

/*
 * The caller's unbound TCP socket and its UDP twin: the twin's port first
 * (one the kernel finds free for UDP), then the socket bound to that number,
 * another when TCP has it taken. The other way round, a TCP port whose UDP
 * number some socket holds (another flow's signalling, its twin) would fail
 * the flow, and the caller's socket, bound for good, could not try again.
 */
static int adopt_unbound_tcp(struct conn *c, int fd, int family)
{
	for (int i = 0; i < BIND_TRIES; i++) {
		struct sockaddr_storage a;
		socklen_t len = sizeof(a), al;
		int tfd = ua_socket(&c->ua, SOCK_DGRAM, 0, false), e;
		uint16_t port;

		if (tfd < 0 || getsockname(tfd, (struct sockaddr *)&a, &len) < 0) {
			e = errno;
			if (tfd >= 0)
				close(tfd);
			return ep_fail(e, 0, "the ticket's socket: %s", strerror(e));
		}
		port = ntohs(((struct sockaddr_in *)&a)->sin_port); /* same offset in sockaddr_in6 */
		al = local_for(&c->ua, family, port, &a);
		if (al && bind(fd, (struct sockaddr *)&a, al) == 0) {
			c->fd = fd;
			c->tfd = tfd;
			c->port = port;
			return 0;
		}
		e = al ? errno : EAFNOSUPPORT;
		close(tfd);
		if (!al)
			return ep_fail(e, 0, "an IPv4 socket cannot reach the P-Box's IPv6 side");
		if (e != EADDRINUSE)
			return ep_fail(e, 0, "binding the flow's socket: %s", strerror(e));
	}
	return ep_fail(EADDRINUSE, 0, "no port free for both TCP and UDP");
}

/*
 * The caller's socket as the flow's (ep_flow_open): bound here unless it is
 * already, to our address toward the P-Box; for TCP a UDP twin on its port.
 */
static int adopt_flow(struct conn *c, int fd, int type)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a), al;
	int family;
	uint16_t port;

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return ep_fail(errno, 0, "the flow's socket: %s", strerror(errno));
	family = a.ss_family;
	port = ntohs(((struct sockaddr_in *)&a)->sin_port);
	if (!port && type == SOCK_STREAM)
		return adopt_unbound_tcp(c, fd, family);
	if (!port) {
		al = local_for(&c->ua, family, 0, &a);
		if (!al)
			return ep_fail(EAFNOSUPPORT, 0,
				       "an IPv4 socket cannot reach the P-Box's IPv6 side");
		if (bind(fd, (struct sockaddr *)&a, al) < 0)
			return ep_fail(errno, 0, "binding the flow's socket: %s", strerror(errno));
		len = sizeof(a);
		if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
			return ep_fail(errno, 0, "the flow's socket: %s", strerror(errno));
		port = ntohs(((struct sockaddr_in *)&a)->sin_port);
	}
	c->fd = fd;
	c->port = port;
	if (type == SOCK_DGRAM) {
		c->tfd = fd;
		return 0;
	}
	c->tfd = ua_socket(&c->ua, SOCK_DGRAM, port, false);
	if (c->tfd < 0)
		return ep_fail(errno, 0, "the ticket's socket on port %u: %s", port, strerror(errno));
	return 0;
}

/* A flow socket of the library's own (nutss_connect), bound as a caller's would be. */
static int bind_flow(struct conn *c, int type)
{
	int one = 1, fd = socket(c->ua.local.ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return ep_fail(errno, 0, "flow socket: %s", strerror(errno));
	if (c->ua.local.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (adopt_flow(c, fd, type) < 0) {
		int e = errno;

		close(fd);
		c->fd = c->tfd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

/* From: our user, with the callee's app and type=client (paper 2, 3.1). */
static int build_names(struct conn *c, const char *name)
{
	struct desc d;
	struct sip_err err;
	char canon[NUTSS_NAME_MAX], app[64];

	if (!name || strlen(name) >= NUTSS_NAME_MAX || !desc_parse(&d, slice_cstr(name), &err) ||
	    desc_format(&d, canon, sizeof(canon)) < 0)
		return ep_fail(EINVAL, 0, "'%s' is not a name (user@domain;app=...)",
			       name ? name : "(null)");
	snprintf(c->ruri, sizeof(c->ruri), "sip:%s", canon);
	if (!slice_copy(app, sizeof(app), desc_get(&d, "app")))
		app[0] = 0;
	ua_random(c->call_id, 32);
	snprintf(c->from, sizeof(c->from), "<sip:%s@%s%s%s;type=client>;tag=%.16s", c->cfg.user,
		 c->cfg.domain, app[0] ? ";app=" : "", app, c->call_id + 16);
	return 0;
}

/* The answer's address, port and tokens, as a ticket to send. */
static int answer_ticket(const struct conn *c, int type, const struct sip_msg *ok,
			 struct ticket *t, struct ep_flow *out)
{
	static __thread struct sdp sdp;
	struct flow_desc f = { 0 };
	struct sip_err err;
	const struct sdp_attr *fp;
	uint16_t port;

	memset(t, 0, sizeof(*t));
	if (!ok->body.len || !sdp_parse(&sdp, ok->body, SDP_FULL, &err) || !sdp_has_flow(&sdp) ||
	    !sdp_flow(&sdp, &f, &err))
		return ep_fail(EPROTO, (int)ok->status, "the answer carries no flow");
	if (!slice_caseeq_cstr(f.protocol, type == SOCK_STREAM ? "tcp" : "udp") || !f.port ||
	    !flow_addr_parse(f.address, t->flow.dst))
		return ep_fail(EPROTO, (int)ok->status, "the answer's flow is not a %s address and port",
			       type == SOCK_STREAM ? "TCP" : "UDP");
	t->type = TICKET_OFFER;
	t->flow.proto = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	t->flow.dport = f.port;
	flow_addr_from_sockaddr((const struct sockaddr *)&c->ua.local, t->flow.src, &port);
	t->flow.sport = c->port;
	for (unsigned i = 0; i < f.ntokens && t->ntokens < TICKET_MAX_TOKENS; i++)
		if (token_from_hex(f.tokens[i].value, &t->tokens[t->ntokens]))
			t->ntokens++;
	if (!out)
		return 0;
	/* what the flow must carry, and (RFC 8122) whose certificate the other end shows */
	if (f.enc.len && !SLICE_CASEEQ_LIT(f.enc, "none") &&
	    !slice_copy(out->enc, sizeof(out->enc), f.enc))
		return ep_fail(EPROTO, (int)ok->status, "the answer's a=enc is too long");
	for (unsigned i = 0; i < sdp.nattrs; i++) {
		fp = &sdp.attrs[i];
		if (SLICE_CASEEQ_LIT(fp->name, "fingerprint") && fp->value.p &&
		    !slice_copy(out->peer_fp, sizeof(out->peer_fp), fp->value))
			out->peer_fp[0] = 0;
	}
	return 0;
}

static socklen_t flow_sockaddr(const struct flow_tuple *f, bool dst, struct sockaddr_storage *ss)
{
	const uint8_t *a = dst ? f->dst : f->src;
	uint16_t port = dst ? f->dport : f->sport;

	memset(ss, 0, sizeof(*ss));
	if (flow_addr_is_v4(a)) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, a + 12, 4);
		s->sin_port = htons(port);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	memcpy(&s6->sin6_addr, a, 16);
	s6->sin6_port = htons(port);
	return sizeof(*s6);
}

/* Field by field: the struct has a padding byte after proto that nothing sets. */
static bool same_flow(const struct flow_tuple *a, const struct flow_tuple *b)
{
	return a->proto == b->proto && !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16) &&
	       a->sport == b->sport && a->dport == b->dport;
}

/* Send the ticket until its confirm comes back from the far end of the flow. */
static int present_ticket(struct conn *c, struct ticket *t, uint64_t end)
{
	uint8_t out[TICKET_MAX_LEN], in[TICKET_MAX_LEN + 1];
	struct sockaddr_storage to;
	socklen_t tolen = flow_sockaddr(&t->flow, true, &to);
	unsigned wait = TICKET_FIRST_MS;
	char rnd[9];
	int n;

	ua_random(rnd, 8);
	t->id = (uint32_t)strtoul(rnd, NULL, 16);
	n = ticket_build(t, out, sizeof(out));
	if (n < 0)
		return ep_fail(EPROTO, 0, "cannot build the ticket");
	for (int tries = 0; tries < TICKET_TRIES; tries++) {
		uint64_t until = ua_now_ms() + wait;

		/*
		 * A send that fails the way a lossy path would (a local firewall's
		 * EPERM, a full queue, an ICMP error from the last try) is a lost
		 * ticket: the next try may pass. Anything else is ours to report.
		 */
		if (sendto(c->tfd, out, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&to, tolen) < 0 &&
		    errno != ECONNREFUSED && errno != EPERM && errno != ENOBUFS && errno != EAGAIN &&
		    errno != EHOSTUNREACH && errno != ENETUNREACH)
			return ep_fail(errno, 0, "sending the ticket: %s", strerror(errno));
		for (;;) {
			uint64_t now = ua_now_ms();
			struct pollfd p = { .fd = c->tfd, .events = POLLIN };
			struct sockaddr_storage from;
			socklen_t fromlen = sizeof(from);
			struct ticket got;
			const char *why;
			uint8_t fa[16];
			uint16_t fport;
			ssize_t k;

			if (now >= end)
				return ep_fail(ETIMEDOUT, 0, "the ticket was not confirmed in time");
			if (now >= until)
				break;
			if (poll(&p, 1, (int)((until < end ? until : end) - now)) <= 0)
				continue;
			k = recvfrom(c->tfd, in, sizeof(in), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &fromlen);
			/* the confirm: ours (its id and flow), from the far end of the flow */
			if (k > 0 && ticket_parse(&got, in, (size_t)k, &why) &&
			    got.type == TICKET_CONFIRM && got.id == t->id && same_flow(&got.flow, &t->flow) &&
			    flow_addr_from_sockaddr((struct sockaddr *)&from, fa, &fport) &&
			    !memcmp(fa, t->flow.dst, 16) && fport == t->flow.dport)
				return 0;
		}
		wait *= 2;
	}
	return ep_fail(ETIMEDOUT, 0, "the ticket was not confirmed (no path, or no such flow there)");
}

static int connect_flow(struct conn *c, const struct ticket *t, uint64_t end)
{
	struct sockaddr_storage to;
	socklen_t tolen = flow_sockaddr(&t->flow, true, &to);
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);
	uint64_t now;

	if (c->fd == c->tfd) /* UDP: the ticket's socket is the flow's */
		return connect(c->fd, (struct sockaddr *)&to, tolen) < 0
			       ? ep_fail(errno, 0, "connect: %s", strerror(errno))
			       : 0;
	/* bounded by the same deadline: non-blocking connect, then wait */
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	if (connect(c->fd, (struct sockaddr *)&to, tolen) < 0 && errno != EINPROGRESS)
		return ep_fail(errno, 0, "connect: %s", strerror(errno));
	now = ua_now_ms();
	if (poll(&p, 1, now >= end ? 0 : (int)(end - now)) <= 0)
		return ep_fail(ETIMEDOUT, 0, "connect: timed out");
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
		return ep_fail(err ? err : errno, 0, "connect: %s", strerror(err ? err : errno));
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	return 0;
}

/*
 * Steps 2 to 4 on c's flow socket (bound): the INVITE, its answer, the
 * ticket confirmed. d: the dialog, for its BYE; t: the flow. fp: our
 * certificate's fingerprint to offer (NULL: none). 0, or -1 with a BYE
 * already sent when the dialog had begun.
 */
static int negotiate(struct conn *c, int type, const char *fp, struct ep_dialog *d,
		     struct ticket *t, struct ep_flow *out)
{
	static __thread char resp_buf[65536];
	static __thread struct sip_msg resp;
	struct ua_req r = { 0 };
	char body[1024], reason[256], to[NUTSS_NAME_MAX + 16];
	bool v6 = strchr(c->ua.ip, ':') != NULL;
	struct buf b;
	uint64_t end = ua_now_ms() + c->cfg.timeout_ms;
	int status, e;

	buf_init(&b, body, sizeof(body));
	buf_printf(&b, "v=0\r\no=- 0 0 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nt=0 0\r\nm=data %u %s -\r\n",
		   v6 ? '6' : '4', c->ua.ip, v6 ? '6' : '4', c->ua.ip, c->port,
		   type == SOCK_STREAM ? "tcp" : "udp");
	/* RFC 8122: the certificate we will show, should the flow be encrypted; we connect */
	if (fp)
		buf_printf(&b, "a=setup:active\r\na=fingerprint:%s\r\n", fp);
	if (buf_done(&b) < 0)
		return ep_fail(EINVAL, 0, "the offer does not fit");
	r.method = "INVITE";
	r.ruri = c->ruri;
	r.from = c->from;
	snprintf(to, sizeof(to), "<%s>", c->ruri); /* the name itself, untagged */
	r.to = to;
	r.call_id = c->call_id;
	r.cseq = 1;
	r.ctype = "application/sdp";
	r.body = body;
	r.bodylen = b.len;
	status = ua_transaction(&c->ua, &r, resp_buf, sizeof(resp_buf), &resp,
				(int)c->cfg.timeout_ms);
	if (status < 0)
		return -1;
	if (status >= 300)
		return ep_fail(ua_errno((unsigned)status), status, "%s",
			       ua_reason(&resp, reason, sizeof(reason)));
	dialog_from_2xx(d, &r, &resp);
	dialog_ack(&c->ua, d, r.cseq);
	if (answer_ticket(c, type, &resp, t, out) < 0 || present_ticket(c, t, end) < 0) {
		e = errno;
		dialog_bye(&c->ua, d, 500);
		errno = e;
		return -1;
	}
	if (out && out->enc[0] && (!fp || !out->peer_fp[0])) {
		dialog_bye(&c->ua, d, 500);
		return ep_fail(EPROTONOSUPPORT, 0, "the flow must be encrypted (a=enc:%s) and %s",
			       out->enc, fp ? "the answer names no certificate" : "this endpoint cannot");
	}
	return 0;
}

static void conn_free(struct conn *c)
{
	if (c->tfd >= 0 && c->tfd != c->fd)
		close(c->tfd);
	ua_close(&c->ua);
	ep_cfg_clear(&c->cfg);
	free(c);
}

int ep_flow_open(struct ep_flow *f, const char *name, int type, int fd, const char *fp)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct ticket t;
	int e;

	memset(f, 0, sizeof(*f));
	f->ua.fd = -1;
	if (!c)
		return ep_fail(ENOMEM, 0, "out of memory");
	c->fd = c->tfd = -1;
	c->ua.fd = -1;
	if (type != SOCK_STREAM && type != SOCK_DGRAM) {
		ep_fail(EPROTOTYPE, 0, "flows are TCP or UDP");
		goto err;
	}
	if (ep_cfg_load(&c->cfg) < 0 || build_names(c, name) < 0 || ua_open(&c->ua, &c->cfg) < 0 ||
	    adopt_flow(c, fd, type) < 0 || negotiate(c, type, fp, &f->d, &t, f) < 0)
		goto err;
	f->dstlen = flow_sockaddr(&t.flow, true, &f->dst);
	f->srclen = flow_sockaddr(&t.flow, false, &f->src);
	snprintf(f->peer, sizeof(f->peer), "%s", c->ruri + 4);
	/* the flow keeps the UA (its BYE, the other end's) and a copy of the configuration */
	f->cfg = c->cfg;
	f->ua = c->ua;
	f->ua.cfg = &f->cfg;
	c->ua.fd = -1;
	if (c->tfd == fd) /* the caller's, as a UDP flow's ticket socket */
		c->tfd = -1;
	c->fd = -1;
	conn_free(c);
	ep_ok();
	return 0;
err:
	e = errno;
	if (c->tfd == fd)
		c->tfd = -1;
	c->fd = -1;
	conn_free(c);
	errno = e;
	return -1;
}

void ep_flow_clear(struct ep_flow *f)
{
	ua_close(&f->ua);
	ep_cfg_clear(&f->cfg);
}

int nutss_connect(const char *name, int type, int flags, struct nutss_peer *peer)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct ticket t;
	struct ep_dialog d;
	uint64_t end;
	int e, fd;

	if (!c)
		return ep_fail(ENOMEM, 0, "out of memory");
	c->fd = c->tfd = -1;
	c->ua.fd = -1;
	if (type != SOCK_STREAM && type != SOCK_DGRAM) {
		ep_fail(EINVAL, 0, "type must be SOCK_STREAM or SOCK_DGRAM");
		goto err;
	}
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		ep_fail(EINVAL, 0, "flags: SOCK_NONBLOCK and SOCK_CLOEXEC only");
		goto err;
	}
	if (ep_cfg_load(&c->cfg) < 0 || build_names(c, name) < 0 || ua_open(&c->ua, &c->cfg) < 0 ||
	    bind_flow(c, type) < 0)
		goto err;
	end = ua_now_ms() + c->cfg.timeout_ms;
	/* no certificate to offer: a flow that must be encrypted is refused (EPROTONOSUPPORT) */
	if (negotiate(c, type, NULL, &d, &t, NULL) < 0)
		goto err;
	if (connect_flow(c, &t, end) < 0) {
		e = errno;
		dialog_bye(&c->ua, &d, 500);
		errno = e;
		goto err;
	}
	if (c->tfd != c->fd)
		close(c->tfd);
	c->tfd = -1;
	fd = c->fd;
	if (flags & SOCK_NONBLOCK)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (!(flags & SOCK_CLOEXEC))
		fcntl(fd, F_SETFD, 0);
	if (peer) {
		memset(peer, 0, sizeof(*peer));
		snprintf(peer->name, sizeof(peer->name), "%s", c->ruri + 4);
		peer->addrlen = flow_sockaddr(&t.flow, true, &peer->addr);
	}
	if (dialog_attach(fd, &d, &c->ua, true) < 0) {
		e = errno;
		dialog_bye(&c->ua, &d, 500);
		errno = e;
		ep_fail(e, 0, "cannot keep the flow's dialog");
		goto err;
	}
	c->fd = -1;
	c->ua.fd = -1; /* the dialog holds the UA and a copy of its configuration */
	conn_free(c);
	ep_ok();
	return fd;
err:
	e = errno;
	if (c->fd >= 0)
		close(c->fd);
	conn_free(c);
	errno = e;
	return -1;
}

int nutss_close(int fd)
{
	if (listen_close(fd)) {
		ep_ok();
		return 0;
	}
	dialog_close(fd); /* a flow: its BYE first */
	if (close(fd) < 0)
		return ep_fail(errno, 0, "close: %s", strerror(errno));
	ep_ok();
	return 0;
}
