// SPDX-License-Identifier: MIT
/*
 * The accepting side (docs/endpoint.md). nutss_listen() registers the name
 * (synchronously, so a refusal is the caller's error) and hands the rest to
 * the loop thread:
 *
 *   INVITE from the P-Box   answered 200 with our address and port, the
 *                           flow it authorizes remembered (the offer's
 *                           address and port); the 200 repeated until ACK
 *   ticket on the flow port  confirmed when it names a flow we authorized and
 *                           comes from that flow's source; for UDP the flow's
 *                           own connected socket is made here
 *   BYE, other requests     answered
 *   every half expiry       the registration refreshed
 *
 * nutss_accept() takes a TCP connection only from an authorized 5-tuple;
 * any other is closed and counted: defence in depth behind the M-Box.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/buf.h"
#include "endpoint/connect.h"
#include "endpoint/dialog.h"
#include "endpoint/listen.h"
#include "endpoint/loop.h"
#include "endpoint/ua.h"
#include "nutss/nutss.h"
#include "proto/ticket.h"
#include "sip/desc.h"
#include "sip/sdp.h"

#define REG_EXPIRES	  300	/* seconds asked for; refreshed at half */
#define PENDING_MAX	  256	/* flows authorized and not yet taken */
#define PENDING_LIFE_MS	  60000 /* an authorized flow's connection must come within this */
#define READY_MAX	  64	/* UDP flows confirmed, waiting for nutss_accept */

struct pending {
	uint8_t proto, addr[16];
	uint16_t port;
	uint64_t until_ms;
	bool confirmed;
	struct ep_dialog d;
	char peer[NUTSS_NAME_MAX];
	/* our 200, repeated until the ACK (RFC 3261 13.3.1.4) */
	char ok[4096];
	size_t oklen;
	struct sockaddr_storage ok_to;
	socklen_t ok_tolen;
	uint64_t retx_at;
	unsigned retx_ms;
	bool acked;
	char enc[EP_ENC_MAX];	 /* the encryption the flow must carry, or "" */
	char peer_fp[EP_FP_MAX]; /* the caller's certificate (RFC 8122), or "" */
};

struct ready {
	int fd;
	struct nutss_peer peer;
	struct ep_dialog d;
};

struct listener {
	int lfd;  /* what the program holds: the TCP listening socket, or an eventfd */
	int tfd;  /* UDP on the flow port: tickets, and UDP flows' first datagrams */
	int type; /* SOCK_STREAM, SOCK_DGRAM */
	uint16_t port;
	struct ep_cfg cfg;
	struct ua ua;
	char aor[NUTSS_NAME_MAX + 8]; /* sip:user@domain;attrs: To and From of our REGISTER */
	char app[64];		   /* the m=data app we answer with */
	char call_id[40];	   /* the registration's */
	char fp[EP_FP_MAX];	   /* our certificate's fingerprint (listen_serve), or "": no encryption */
	uint32_t reg_cseq;
	uint64_t refresh_at;
	struct loop_item sip, tickets; /* the timers ride on the tickets' item */
	pthread_mutex_t lock;	   /* pending, ready, refused: the loop and nutss_accept share them */
	struct pending *pend;
	unsigned npend;
	struct ready rdy[READY_MAX];
	unsigned nready;
	unsigned long refused;
	struct listener *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct listener *listeners;

static struct listener *find(int fd)
{
	struct listener *l;

	pthread_mutex_lock(&lock);
	for (l = listeners; l && l->lfd != fd; l = l->next)
		;
	pthread_mutex_unlock(&lock);
	return l;
}

/* REGISTER (expires 0: unregister) from a socket of its own, Contact our SIP port. */
static int do_register(struct listener *l, unsigned expires, int timeout_ms)
{
	static __thread char out[65536];
	static __thread struct sip_msg resp;
	char from[NUTSS_NAME_MAX + 40], to[NUTSS_NAME_MAX + 16], extra[64], ruri[300], reason[200];
	struct ua tmp = l->ua;
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	struct ua_req r = { 0 };
	int status;

	tmp.fd = ua_socket(&l->ua, SOCK_DGRAM, 0, false);
	if (tmp.fd < 0)
		return ep_fail(errno, 0, "socket: %s", strerror(errno));
	getsockname(tmp.fd, (struct sockaddr *)&a, &len);
	tmp.port = ntohs(((struct sockaddr_in *)&a)->sin_port);
	snprintf(from, sizeof(from), "<%s>;tag=r%.8s", l->aor, l->call_id);
	snprintf(ruri, sizeof(ruri), "sip:%s", l->cfg.domain);
	/* the Contact must be the listener's SIP socket, not this one */
	snprintf(extra, sizeof(extra), "Expires: %u\r\n", expires);
	r.method = "REGISTER";
	r.ruri = ruri;
	r.from = from;
	/* in angle brackets: bare, the descriptor's ;app= would be To's parameters, not the URI's */
	snprintf(to, sizeof(to), "<%s>", l->aor);
	r.to = to;
	r.call_id = l->call_id;
	r.cseq = ++l->reg_cseq;
	r.extra = extra;
	tmp.contact_port = l->ua.port;
	status = ua_transaction(&tmp, &r, out, sizeof(out), &resp, timeout_ms);
	l->reg_cseq = r.cseq;
	ua_close(&tmp);
	if (status < 0)
		return -1;
	if (status >= 300)
		return ep_fail(ua_errno((unsigned)status), status, "REGISTER %s: %s", l->aor,
			       ua_reason(&resp, reason, sizeof(reason)));
	return 0;
}

static void flow_sdp(const struct listener *l, char *out, size_t cap, size_t *len,
		     const char *enc)
{
	struct buf b;
	bool v6 = strchr(l->ua.ip, ':') != NULL;

	buf_init(&b, out, cap);
	buf_printf(&b, "v=0\r\no=- 0 0 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nt=0 0\r\n"
		       "m=data %u %s %s\r\n",
		   v6 ? '6' : '4', l->ua.ip, v6 ? '6' : '4', l->ua.ip, l->port,
		   l->type == SOCK_STREAM ? "tcp" : "udp", l->app[0] ? l->app : "-");
	/* the caller's encryption kept, with the certificate we will show: RFC 8122, we accept */
	if (enc[0])
		buf_printf(&b, "a=enc:%s\r\na=setup:passive\r\na=fingerprint:%s\r\n", enc, l->fp);
	*len = buf_done(&b) < 0 ? 0 : b.len;
}

static struct pending *pending_by_call(struct listener *l, struct slice call_id)
{
	for (unsigned i = 0; i < l->npend; i++)
		if (slice_eq_cstr(call_id, l->pend[i].d.call_id))
			return &l->pend[i];
	return NULL;
}

static void pending_drop(struct listener *l, unsigned i)
{
	l->pend[i] = l->pend[--l->npend];
}

/* The offer's a=fingerprint value (session or media level) into out. */
static bool offer_fingerprint(const struct sdp *sdp, char *out, size_t len)
{
	for (unsigned i = 0; i < sdp->nattrs; i++)
		if (SLICE_CASEEQ_LIT(sdp->attrs[i].name, "fingerprint") && sdp->attrs[i].value.p &&
		    slice_copy(out, len, sdp->attrs[i].value))
			return true;
	return false;
}

/* An INVITE: the flow it authorizes is remembered and answered 200 with ours. */
static void on_invite(struct listener *l, const struct sip_msg *m)
{
	static __thread struct sdp sdp;
	struct flow_desc f = { 0 };
	struct sip_err err;
	struct pending *p;
	char body[1024], tag[UA_TAG_LEN + 1], enc[EP_ENC_MAX] = "", enc_fp[EP_FP_MAX] = "";
	size_t bodylen;
	uint8_t want = l->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;

	pthread_mutex_lock(&l->lock);
	p = pending_by_call(l, m->call_id);
	if (p) { /* a retransmission: the same answer */
		if (p->oklen)
			ua_send_to(&l->ua, p->ok, p->oklen, (struct sockaddr *)&p->ok_to,
				   p->ok_tolen);
		pthread_mutex_unlock(&l->lock);
		return;
	}
	pthread_mutex_unlock(&l->lock);
	if (!m->body.len || !SLICE_CASEEQ_LIT(m->content_subtype, "sdp") ||
	    !sdp_parse(&sdp, m->body, SDP_FULL, &err) || !sdp_has_flow(&sdp) ||
	    !sdp_flow(&sdp, &f, &err)) {
		ua_reply(&l->ua, m, 488, NULL, "Warning: 399 libnutss \"no NUTSS flow in the offer\"\r\n",
			 NULL, NULL, 0);
		return;
	}
	/*
	 * Encryption: TLS (ssl, tls) authenticated by the certificates' fingerprints
	 * (RFC 8122), when we have a certificate (nutss run's agent) and the caller
	 * named its own. Anything else: say so rather than pretend.
	 */
	if (f.enc.len && !SLICE_CASEEQ_LIT(f.enc, "none")) {
		const char *why = NULL;

		if (!l->fp[0])
			why = "this endpoint cannot provide the encryption asked for";
		else if (!SLICE_CASEEQ_LIT(f.enc, "ssl") && !SLICE_CASEEQ_LIT(f.enc, "tls") &&
			 !SLICE_CASEEQ_LIT(f.enc, "enc:ssl"))
			why = "this endpoint encrypts with TLS (ssl) only";
		else if (!offer_fingerprint(&sdp, enc_fp, sizeof(enc_fp)))
			why = "encryption asked for, but the offer names no certificate fingerprint";
		if (why) {
			char warn[160];

			snprintf(warn, sizeof(warn), "Warning: 399 libnutss \"%s\"\r\n", why);
			ua_reply(&l->ua, m, 488, NULL, warn, NULL, NULL, 0);
			return;
		}
		slice_copy(enc, sizeof(enc), f.enc);
	}
	pthread_mutex_lock(&l->lock);
	if (l->npend >= PENDING_MAX) {
		pthread_mutex_unlock(&l->lock);
		ua_reply(&l->ua, m, 486, NULL, "Retry-After: 5\r\n", NULL, NULL, 0);
		return;
	}
	p = &l->pend[l->npend];
	memset(p, 0, sizeof(*p));
	if ((SLICE_CASEEQ_LIT(f.protocol, "tcp") ? IPPROTO_TCP
	     : SLICE_CASEEQ_LIT(f.protocol, "udp") ? IPPROTO_UDP
						    : 0) != want ||
	    !f.port || !flow_addr_parse(f.address, p->addr)) {
		pthread_mutex_unlock(&l->lock);
		ua_reply(&l->ua, m, 488, NULL,
			 l->type == SOCK_STREAM
				 ? "Warning: 399 libnutss \"this name takes TCP flows\"\r\n"
				 : "Warning: 399 libnutss \"this name takes UDP flows\"\r\n",
			 NULL, NULL, 0);
		return;
	}
	p->proto = want;
	p->port = f.port;
	p->until_ms = ua_now_ms() + PENDING_LIFE_MS;
	ua_random(tag, UA_TAG_LEN);
	dialog_from_invite(&p->d, m, tag);
	/* the caller as a descriptor (bob@example.com;app=ftp;type=client), as authenticated */
	{
		struct desc from;

		if (!desc_from_uri(&from, &m->from.uri, &err) ||
		    desc_format(&from, p->peer, sizeof(p->peer)) < 0)
			p->peer[0] = 0;
	}
	snprintf(p->enc, sizeof(p->enc), "%s", enc);
	snprintf(p->peer_fp, sizeof(p->peer_fp), "%s", enc_fp);
	flow_sdp(l, body, sizeof(body), &bodylen, enc);
	int n = ua_reply_build(&l->ua, m, 200, tag, NULL, "application/sdp", body, bodylen, p->ok,
			       sizeof(p->ok), &p->ok_to, &p->ok_tolen);
	if (n < 0) {
		pthread_mutex_unlock(&l->lock);
		ua_reply(&l->ua, m, 500, NULL, NULL, NULL, NULL, 0);
		return;
	}
	p->oklen = (size_t)n;
	p->retx_ms = UA_T1_MS;
	p->retx_at = ua_now_ms() + UA_T1_MS;
	l->npend++;
	ua_send_to(&l->ua, p->ok, p->oklen, (struct sockaddr *)&p->ok_to, p->ok_tolen);
	pthread_mutex_unlock(&l->lock);
}

static void sip_readable(struct loop_item *it)
{
	struct listener *l = (struct listener *)((char *)it - offsetof(struct listener, sip));
	static __thread char buf[65536];
	static __thread struct sip_msg m;

	while (ua_recv(&l->ua, buf, sizeof(buf), &m, 0) > 0) {
		struct pending *p;

		if (!m.is_request)
			continue; /* the answers to our BYEs and REGISTERs go to sockets of their own */
		switch (m.method_id) {
		case SIP_INVITE:
			if (!m.to.tag.len) {
				on_invite(l, &m);
				break;
			}
			/* a re-INVITE: the flow stays as it was */
			ua_reply(&l->ua, &m, 488, NULL, NULL, NULL, NULL, 0);
			break;
		case SIP_ACK:
			pthread_mutex_lock(&l->lock);
			p = pending_by_call(l, m.call_id);
			if (p)
				p->acked = true;
			pthread_mutex_unlock(&l->lock);
			break;
		case SIP_CANCEL: /* our 200 went at once: too late to cancel (481 would also do) */
			ua_reply(&l->ua, &m, 200, NULL, NULL, NULL, NULL, 0);
			break;
		case SIP_OPTIONS:
			ua_reply(&l->ua, &m, 200, NULL, "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n",
				 NULL, NULL, 0);
			break;
		case SIP_BYE:
			/* before the flow was taken: it will not come */
			pthread_mutex_lock(&l->lock);
			p = pending_by_call(l, m.call_id);
			if (p)
				pending_drop(l, (unsigned)(p - l->pend));
			pthread_mutex_unlock(&l->lock);
			if (p)
				ua_reply(&l->ua, &m, 200, NULL, NULL, NULL, NULL, 0);
			else
				dialog_answer(&l->ua, &m);
			break;
		default:
			dialog_answer(&l->ua, &m);
			break;
		}
	}
}

static void confirm(const struct listener *l, int fd, const struct ticket *t,
		    const struct sockaddr *to, socklen_t tolen)
{
	struct ticket c = { .type = TICKET_CONFIRM, .flow = t->flow, .id = t->id };
	uint8_t buf[TICKET_HDR_LEN];
	int n = ticket_build(&c, buf, sizeof(buf));

	(void)l;
	if (n > 0)
		sendto(fd, buf, (size_t)n, MSG_NOSIGNAL, to, tolen);
}

/* A UDP flow's own socket: our flow port, connected to its source. */
static int udp_flow_socket(const struct listener *l, const struct sockaddr *to, socklen_t tolen)
{
	int fd = ua_socket(&l->ua, SOCK_DGRAM, l->port, true);

	if (fd >= 0 && connect(fd, to, tolen) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void tickets_readable(struct loop_item *it)
{
	struct listener *l = (struct listener *)((char *)it - offsetof(struct listener, tickets));
	uint8_t buf[TICKET_MAX_LEN + 1];

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(l->tfd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fromlen);
		struct ticket t;
		const char *why;
		uint8_t src[16], me[16];
		uint16_t sport, myport;
		struct pending *p = NULL;

		if (n < 0)
			return;
		/* a ticket for a flow we authorized, from that flow's source, to us */
		if (!ticket_parse(&t, buf, (size_t)n, &why) || t.type != TICKET_OFFER ||
		    !flow_addr_from_sockaddr((struct sockaddr *)&from, src, &sport) ||
		    memcmp(src, t.flow.src, 16) || sport != t.flow.sport ||
		    !flow_addr_from_sockaddr((struct sockaddr *)&l->ua.local, me, &myport) ||
		    memcmp(me, t.flow.dst, 16) || t.flow.dport != l->port) {
			pthread_mutex_lock(&l->lock);
			l->refused++;
			pthread_mutex_unlock(&l->lock);
			continue;
		}
		pthread_mutex_lock(&l->lock);
		for (unsigned i = 0; i < l->npend && !p; i++)
			if (l->pend[i].proto == t.flow.proto && l->pend[i].port == sport &&
			    !memcmp(l->pend[i].addr, src, 16))
				p = &l->pend[i];
		if (!p) {
			l->refused++;
		} else if (p->proto == IPPROTO_TCP) {
			p->confirmed = true;
			confirm(l, l->tfd, &t, (struct sockaddr *)&from, fromlen);
		} else if (l->nready < READY_MAX) {
			/* UDP: the flow's socket now, so its next datagram already lands there */
			int fd = udp_flow_socket(l, (struct sockaddr *)&from, fromlen);
			uint64_t one = 1;

			if (fd >= 0) {
				struct ready *r = &l->rdy[l->nready++];

				r->fd = fd;
				r->d = p->d;
				snprintf(r->peer.name, sizeof(r->peer.name), "%s", p->peer);
				memcpy(&r->peer.addr, &from, fromlen);
				r->peer.addrlen = fromlen;
				confirm(l, fd, &t, (struct sockaddr *)&from, fromlen);
				pending_drop(l, (unsigned)(p - l->pend));
				if (write(l->lfd, &one, sizeof(one)) < 0) {
					/* the counter is full: accept has plenty to take already */
				}
			}
		}
		pthread_mutex_unlock(&l->lock);
	}
}

static void on_tick(struct loop_item *it, uint64_t now)
{
	struct listener *l = (struct listener *)((char *)it - offsetof(struct listener, tickets));

	pthread_mutex_lock(&l->lock);
	for (unsigned i = 0; i < l->npend;) {
		struct pending *p = &l->pend[i];

		if (now >= p->until_ms) {
			pending_drop(l, i);
			continue;
		}
		if (!p->acked && now >= p->retx_at && p->retx_ms <= 64 * UA_T1_MS) {
			ua_send_to(&l->ua, p->ok, p->oklen, (struct sockaddr *)&p->ok_to,
				   p->ok_tolen);
			p->retx_ms = p->retx_ms * 2 > UA_T2_MS ? UA_T2_MS : p->retx_ms * 2;
			p->retx_at = now + p->retx_ms;
		}
		i++;
	}
	pthread_mutex_unlock(&l->lock);
	if (now >= l->refresh_at) {
		/* in the loop thread: a P-Box that does not answer holds it up to 2 s */
		l->refresh_at = now + (do_register(l, REG_EXPIRES, 2000) < 0 ? 5000 : REG_EXPIRES * 500);
	}
}

/* "alice@example.com;app=echo" or "sip:..." into our AOR with its attributes, and the app. */
static int parse_name(struct listener *l, const char *name)
{
	struct desc d;
	struct sip_err err;
	char canon[NUTSS_NAME_MAX];

	if (!name || strlen(name) >= NUTSS_NAME_MAX ||
	    !desc_parse(&d, slice_cstr(name), &err) || desc_format(&d, canon, sizeof(canon)) < 0)
		return ep_fail(EINVAL, 0, "'%s' is not a name (user@domain;app=...;type=...)",
			       name ? name : "(null)");
	snprintf(l->aor, sizeof(l->aor), "sip:%s", canon);
	if (!slice_copy(l->app, sizeof(l->app), desc_get(&d, "app")) || !l->app[0])
		snprintf(l->app, sizeof(l->app), "-");
	return 0;
}

static void listener_free(struct listener *l)
{
	if (l->lfd >= 0)
		close(l->lfd);
	if (l->tfd >= 0)
		close(l->tfd);
	ua_close(&l->ua);
	ep_cfg_clear(&l->cfg);
	free(l->pend);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/*
 * A listener on name at port: own (nutss_listen), the TCP listening socket
 * is the library's; else (listen_serve) the caller listens on port itself.
 * Registered before it returns.
 */
static struct listener *listener_start(const char *name, int type, unsigned short port, bool own,
				       const char *fp)
{
	struct listener *l = calloc(1, sizeof(*l));
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	int e;

	if (!l) {
		ep_fail(ENOMEM, 0, "out of memory");
		return NULL;
	}
	l->lfd = l->tfd = -1;
	l->ua.fd = -1;
	pthread_mutex_init(&l->lock, NULL);
	l->pend = calloc(PENDING_MAX, sizeof(*l->pend));
	if (!l->pend) {
		listener_free(l);
		ep_fail(ENOMEM, 0, "out of memory");
		return NULL;
	}
	if (type != SOCK_STREAM && (type != SOCK_DGRAM || !own)) {
		listener_free(l);
		ep_fail(EINVAL, 0, own ? "type must be SOCK_STREAM or SOCK_DGRAM"
				       : "only TCP listeners can be served");
		return NULL;
	}
	if (fp && strlen(fp) >= sizeof(l->fp)) {
		listener_free(l);
		ep_fail(EINVAL, 0, "fingerprint too long");
		return NULL;
	}
	snprintf(l->fp, sizeof(l->fp), "%s", fp ? fp : "");
	l->type = type;
	if (parse_name(l, name) < 0 || ep_cfg_load(&l->cfg) < 0 || ua_open(&l->ua, &l->cfg) < 0)
		goto err;
	/* the flow port: TCP listener (or nothing, for UDP) and its ticket socket, same number */
	if (!own) {
		l->port = port;
		l->tfd = ua_socket(&l->ua, SOCK_DGRAM, l->port, true);
	} else if (type == SOCK_STREAM) {
		l->lfd = ua_socket(&l->ua, SOCK_STREAM, port, false);
		if (l->lfd < 0 || listen(l->lfd, 128) < 0 ||
		    getsockname(l->lfd, (struct sockaddr *)&a, &len) < 0) {
			ep_fail(errno, 0, "listening socket: %s", strerror(errno));
			goto err;
		}
		l->port = ntohs(((struct sockaddr_in *)&a)->sin_port);
		l->tfd = ua_socket(&l->ua, SOCK_DGRAM, l->port, true);
	} else {
		l->tfd = ua_socket(&l->ua, SOCK_DGRAM, port, true);
		if (l->tfd >= 0 && getsockname(l->tfd, (struct sockaddr *)&a, &len) == 0)
			l->port = ntohs(((struct sockaddr_in *)&a)->sin_port);
		l->lfd = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	}
	if (l->tfd < 0 || (own && l->lfd < 0)) {
		ep_fail(errno, 0, "flow port %u: %s", l->port, strerror(errno));
		goto err;
	}
	ua_random(l->call_id, 32);
	if (do_register(l, REG_EXPIRES, (int)l->cfg.timeout_ms) < 0)
		goto err;
	l->refresh_at = ua_now_ms() + REG_EXPIRES * 500;
	l->sip = (struct loop_item){ .fd = l->ua.fd, .readable = sip_readable };
	l->tickets = (struct loop_item){ .fd = l->tfd, .readable = tickets_readable, .tick = on_tick };
	if (loop_add(&l->sip) < 0 || loop_add(&l->tickets) < 0) {
		ep_fail(errno, 0, "cannot start the library's thread: %s", strerror(errno));
		loop_del(&l->sip);
		goto err;
	}
	pthread_mutex_lock(&lock);
	l->next = listeners;
	listeners = l;
	pthread_mutex_unlock(&lock);
	ep_ok();
	return l;
err:
	e = errno;
	listener_free(l);
	errno = e;
	return NULL;
}

int nutss_listen(const char *name, int type, unsigned short port)
{
	struct listener *l = listener_start(name, type, port, true, NULL);

	return l ? l->lfd : -1;
}

struct listener *listen_serve(const char *name, uint16_t port, const char *fp)
{
	return listener_start(name, SOCK_STREAM, port, false, fp);
}

unsigned long nutss_listen_refused(int fd)
{
	struct listener *l = find(fd);
	unsigned long n = 0;

	if (l) {
		pthread_mutex_lock(&l->lock);
		n = l->refused;
		pthread_mutex_unlock(&l->lock);
	}
	return n;
}

/* A TCP connection from peer: the flow an INVITE authorized, taken off the list, or NULL. */
static bool take_tcp(struct listener *l, const struct sockaddr_storage *peer,
		     struct ep_dialog *d, char *name, size_t namelen, struct listen_flow *lf)
{
	uint8_t a[16];
	uint16_t port;
	bool found = false;

	if (!flow_addr_from_sockaddr((const struct sockaddr *)peer, a, &port))
		return false;
	pthread_mutex_lock(&l->lock);
	for (unsigned i = 0; i < l->npend && !found; i++) {
		struct pending *p = &l->pend[i];

		if (p->proto != IPPROTO_TCP || p->port != port || memcmp(p->addr, a, 16))
			continue;
		*d = p->d;
		snprintf(name, namelen, "%s", p->peer);
		if (lf) {
			snprintf(lf->enc, sizeof(lf->enc), "%s", p->enc);
			snprintf(lf->peer_fp, sizeof(lf->peer_fp), "%s", p->peer_fp);
		}
		pending_drop(l, i);
		found = true;
	}
	if (!found)
		l->refused++;
	pthread_mutex_unlock(&l->lock);
	return found;
}

int nutss_accept(int fd, struct nutss_peer *peer, int flags)
{
	struct listener *l = find(fd);
	struct nutss_peer p;
	struct ep_dialog d;
	int c;

	if (!l)
		return ep_fail(EBADF, 0, "%d is not a nutss listener", fd);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return ep_fail(EINVAL, 0, "flags: SOCK_NONBLOCK and SOCK_CLOEXEC only");
	for (;;) {
		memset(&p, 0, sizeof(p));
		p.addrlen = sizeof(p.addr);
		if (l->type == SOCK_DGRAM) {
			uint64_t one;

			/* the eventfd counts confirmed flows: blocking as the program made it */
			if (read(l->lfd, &one, sizeof(one)) < 0)
				return ep_fail(errno, 0, "%s", strerror(errno));
			pthread_mutex_lock(&l->lock);
			if (!l->nready) {
				pthread_mutex_unlock(&l->lock);
				continue;
			}
			c = l->rdy[0].fd;
			p = l->rdy[0].peer;
			d = l->rdy[0].d;
			memmove(&l->rdy[0], &l->rdy[1], --l->nready * sizeof(l->rdy[0]));
			pthread_mutex_unlock(&l->lock);
			if (flags & SOCK_NONBLOCK)
				fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
			if (!(flags & SOCK_CLOEXEC))
				fcntl(c, F_SETFD, 0);
			break;
		}
		c = accept4(l->lfd, (struct sockaddr *)&p.addr, &p.addrlen, flags);
		if (c < 0)
			return ep_fail(errno, 0, "accept: %s", strerror(errno));
		if (take_tcp(l, &p.addr, &d, p.name, sizeof(p.name), NULL))
			break;
		/* not a flow any INVITE authorized: closed at once, and counted */
		close(c);
	}
	if (dialog_attach(c, &d, &l->ua, false) < 0) {
		int e = errno;

		close(c);
		return ep_fail(e, 0, "out of memory");
	}
	if (peer)
		*peer = p;
	ep_ok();
	return c;
}

bool listen_take(struct listener *l, const struct sockaddr_storage *peer, struct listen_flow *lf)
{
	memset(lf, 0, sizeof(*lf));
	return take_tcp(l, peer, &lf->d, lf->peer, sizeof(lf->peer), lf);
}

bool listen_close(int fd)
{
	struct listener *l = NULL;

	if (fd < 0)
		return false;
	pthread_mutex_lock(&lock);
	for (struct listener **pp = &listeners; *pp; pp = &(*pp)->next)
		if ((*pp)->lfd == fd) {
			l = *pp;
			*pp = l->next;
			break;
		}
	pthread_mutex_unlock(&lock);
	if (!l)
		return false;
	listen_stop(l);
	return true;
}

void listen_stop(struct listener *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&lock);
	for (struct listener **pp = &listeners; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	pthread_mutex_unlock(&lock);
	loop_del(&l->sip);
	loop_del(&l->tickets);
	do_register(l, 0, 1000); /* unregister: best effort, the binding expires anyway */
	for (unsigned i = 0; i < l->nready; i++)
		close(l->rdy[i].fd);
	listener_free(l);
}

const struct ua *listen_ua(const struct listener *l)
{
	return &l->ua;
}
