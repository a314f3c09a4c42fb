// SPDX-License-Identifier: MIT
/*
 * The output side of the transport: what every layer sends goes through
 * here. Datagrams wait in the worker's queue for one sendmmsg a batch;
 * stream writes go to their connection's queue in tcp.c. Nothing here
 * sends at once, so a handler never blocks and a turn's output leaves in
 * as few system calls as it can (worker_flush_all, once a loop turn).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "pbox/pbox.h"
#include "pbox/tcp.h"
#include "pbox/worker.h"

void worker_send(struct worker *w, int fd, const struct sockaddr *to, socklen_t tolen,
		 const char *buf, size_t len)
{
	struct outq *q = &w->out;

	if (q->n && (q->fd != fd || q->n == PBOX_BATCH))
		worker_flush(w);
	if (len > sizeof(q->buf[0])) {
		log_warn("not sending a %zu-byte message: larger than the send buffer", len);
		return;
	}
	q->fd = fd;
	memcpy(q->buf[q->n], buf, len);
	memcpy(&q->addr[q->n], to, tolen);
	q->iov[q->n] = (struct iovec){ q->buf[q->n], len };
	q->hdr[q->n] = (struct mmsghdr){ .msg_hdr = { .msg_name = &q->addr[q->n],
						      .msg_namelen = tolen,
						      .msg_iov = &q->iov[q->n],
						      .msg_iovlen = 1 } };
	q->n++;
}

void worker_reply(struct worker *w, const struct packet *pkt, const char *buf, size_t len)
{
	if (pkt->proto == LISTEN_TCP) {
		int ret = tcp_send(w, pkt->conn, buf, len);

		if (ret < 0)
			log_debug("reply not sent: %s", strerror(-ret));
		return;
	}
	worker_send(w, pkt->fd, (const struct sockaddr *)&pkt->src, pkt->srclen, buf, len);
}

int worker_forward(struct worker *w, uint8_t proto, unsigned li, const struct sockaddr_storage *to,
		   socklen_t tolen, const char *buf, size_t len)
{
	if (proto == LISTEN_TCP)
		return tcp_send_to(w, to, tolen, buf, len);
	if (w->udp_priv[li] < 0)
		return -EPROTONOSUPPORT; /* no UDP beside this listen address */
	worker_send(w, w->udp_priv[li], (const struct sockaddr *)to, tolen, buf, len);
	return 0;
}

void worker_flush(struct worker *w)
{
	struct outq *q = &w->out;
	unsigned sent = 0;

	while (sent < q->n) {
		int r = sendmmsg(q->fd, q->hdr + sent, q->n - sent, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN: the socket buffer is full; UDP may drop, and SIP retransmits. */
			w->stats.send_dropped += q->n - sent;
			break;
		}
		sent += (unsigned)r;
	}
	w->stats.sent += sent;
	q->n = 0;
}

void worker_flush_all(struct worker *w)
{
	worker_flush(w);
	tcp_flush(w);
}
