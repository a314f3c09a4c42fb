// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "endpoint/dialog.h"

/* The value of the header with this id, or an empty slice. */
static struct slice value_of(const struct sip_msg *m, enum sip_hdr_id id)
{
	for (unsigned i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			return m->hdrs[i].value;
	return SLICE_NULL;
}

static void copy(char *dst, size_t cap, struct slice s)
{
	if (!slice_copy(dst, cap, s))
		dst[0] = 0; /* too long to keep: the dialog then cannot send a BYE */
}

void dialog_from_2xx(struct ep_dialog *d, const struct ua_req *inv, const struct sip_msg *ok)
{
	struct buf b;

	memset(d, 0, sizeof(*d));
	snprintf(d->call_id, sizeof(d->call_id), "%s", inv->call_id);
	snprintf(d->local, sizeof(d->local), "%s", inv->from);
	copy(d->remote, sizeof(d->remote), value_of(ok, SIP_H_TO));
	if (ok->ncontact)
		copy(d->target, sizeof(d->target), ok->contact[0].uri.raw);
	buf_init_str(&b, d->route, sizeof(d->route));
	for (unsigned i = ok->nrecord_route; i-- > 0;) {
		if (b.len)
			buf_put(&b, ", ", 2);
		buf_slice(&b, ok->record_route[i].raw);
	}
	buf_str(&b);
	if (b.overflow)
		d->route[0] = 0;
	d->cseq = inv->cseq + 1;
}

void dialog_from_invite(struct ep_dialog *d, const struct sip_msg *inv, const char *to_tag)
{
	struct slice to = value_of(inv, SIP_H_TO);
	struct buf b;

	memset(d, 0, sizeof(*d));
	copy(d->call_id, sizeof(d->call_id), inv->call_id);
	buf_init_str(&b, d->local, sizeof(d->local));
	buf_slice(&b, to);
	buf_puts(&b, ";tag=");
	buf_puts(&b, to_tag);
	buf_str(&b);
	copy(d->remote, sizeof(d->remote), value_of(inv, SIP_H_FROM));
	if (inv->ncontact)
		copy(d->target, sizeof(d->target), inv->contact[0].uri.raw);
	buf_init_str(&b, d->route, sizeof(d->route));
	for (unsigned i = 0; i < inv->nrecord_route; i++) {
		if (b.len)
			buf_put(&b, ", ", 2);
		buf_slice(&b, inv->record_route[i].raw);
	}
	buf_str(&b);
	if (b.overflow)
		d->route[0] = 0;
	d->cseq = 1;
}

static void in_dialog(struct ua_req *r, const struct ep_dialog *d, const char *method, uint32_t cseq)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->ruri = d->target;
	r->from = d->local;
	r->to = d->remote;
	r->call_id = d->call_id;
	r->cseq = cseq;
	r->route = d->route[0] ? d->route : NULL;
}

void dialog_ack(const struct ua *ua, const struct ep_dialog *d, uint32_t invite_cseq)
{
	struct ua_req r;
	char buf[4096];
	int n;

	if (!d->target[0])
		return;
	in_dialog(&r, d, "ACK", invite_cseq);
	n = ua_build(ua, &r, NULL, buf, sizeof(buf));
	if (n > 0)
		ua_send(ua, buf, (size_t)n);
}

void dialog_bye(const struct ua *ua, struct ep_dialog *d, int wait_ms)
{
	struct ua_req r;
	struct sip_msg *m;
	char *buf;

	if (d->ended || !d->target[0])
		return;
	m = malloc(sizeof(*m));
	buf = malloc(65536);
	if (m && buf) {
		in_dialog(&r, d, "BYE", d->cseq++);
		ua_transaction(ua, &r, buf, 65536, m, wait_ms);
	}
	d->ended = true;
	free(m);
	free(buf);
}

/* ---- the flows: fd -> dialog ---- */

struct flow {
	int fd;
	int type; /* SOCK_STREAM or SOCK_DGRAM */
	struct ep_dialog d;
	struct ep_cfg cfg; /* a copy: the flow outlives the call, or the listener, that made it */
	struct ua ua;	   /* its fd is the caller's SIP socket (watched), or -1 */
	struct loop_item item;
	struct flow *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct flow *flows;

void dialog_ended(struct slice call_id)
{
	pthread_mutex_lock(&lock);
	for (struct flow *f = flows; f; f = f->next) {
		if (!slice_eq_cstr(call_id, f->d.call_id) || f->d.ended)
			continue;
		f->d.ended = true;
		/*
		 * The other end hung up. A TCP flow has seen its FIN already; a
		 * UDP flow has no end of its own, so its reader gets one: recv()
		 * returns 0 from here on (the socket stays open until closed).
		 */
		if (f->type == SOCK_DGRAM)
			shutdown(f->fd, SHUT_RD);
	}
	pthread_mutex_unlock(&lock);
}

void dialog_answer(const struct ua *ua, const struct sip_msg *req)
{
	bool known = false;

	pthread_mutex_lock(&lock);
	for (struct flow *f = flows; f && !known; f = f->next)
		known = slice_eq_cstr(req->call_id, f->d.call_id);
	pthread_mutex_unlock(&lock);
	if (req->method_id == SIP_ACK)
		return;
	if (known && req->method_id == SIP_BYE)
		dialog_ended(req->call_id);
	/* 481: a dialog we do not hold (RFC 3261 12.2.2) */
	ua_reply(ua, req, known ? 200 : 481, NULL, NULL, NULL, NULL, 0);
}

static void caller_readable(struct loop_item *it)
{
	struct flow *f = (struct flow *)((char *)it - offsetof(struct flow, item));
	static __thread char buf[65536];
	static __thread struct sip_msg m;

	while (ua_recv(&f->ua, buf, sizeof(buf), &m, 0) > 0)
		if (m.is_request)
			dialog_answer(&f->ua, &m);
}

int dialog_attach(int fd, const struct ep_dialog *d, const struct ua *ua, bool owned)
{
	struct flow *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	socklen_t tl = sizeof(f->type);

	f->fd = fd;
	/* a negative fd is a key of nutss run's agent, which holds no socket: nothing to shut */
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &f->type, &tl) < 0)
		f->type = SOCK_STREAM;
	f->d = *d;
	f->cfg = *ua->cfg;
	f->ua = *ua;
	f->ua.cfg = &f->cfg;
	f->ua.fd = owned ? ua->fd : -1;
	if (owned) {
		f->item.fd = ua->fd;
		f->item.readable = caller_readable;
		if (loop_add(&f->item) < 0) {
			int e = errno;

			ep_cfg_clear(&f->cfg);
			free(f);
			errno = e;
			return -1;
		}
	}
	pthread_mutex_lock(&lock);
	f->next = flows;
	flows = f;
	pthread_mutex_unlock(&lock);
	return 0;
}

bool dialog_close(int fd)
{
	struct flow *f = NULL;

	pthread_mutex_lock(&lock);
	for (struct flow **pp = &flows; *pp; pp = &(*pp)->next)
		if ((*pp)->fd == fd) {
			f = *pp;
			*pp = f->next;
			break;
		}
	pthread_mutex_unlock(&lock);
	if (!f)
		return false;
	if (f->ua.fd >= 0) {
		loop_del(&f->item); /* from here this thread alone reads its socket */
	} else if (!f->d.ended) {
		/* the callee's: a socket of its own, so the listener's loop keeps its socket */
		struct sockaddr_storage a;
		socklen_t len = sizeof(a);

		f->ua.fd = ua_socket(&f->ua, SOCK_DGRAM, 0, false);
		if (f->ua.fd >= 0 && getsockname(f->ua.fd, (struct sockaddr *)&a, &len) == 0)
			f->ua.port = ntohs(((struct sockaddr_in *)&a)->sin_port);
	}
	if (f->ua.fd >= 0)
		dialog_bye(&f->ua, &f->d, 1000);
	ua_close(&f->ua);
	ep_cfg_clear(&f->cfg);
	free(f);
	return true;
}
