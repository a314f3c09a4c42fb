/* SPDX-License-Identifier: MIT */
/*
 * SIP over TCP for one worker (RFC 3261 18, docs/pbox.md "TCP"): the
 * worker's own SO_REUSEPORT listener per tcp: listen address, the
 * connections it accepted or opened, stream framing with sip_frame(), and
 * the limits of the configuration (total connections, per peer, idle time,
 * message size). A connection belongs to one worker for its whole life.
 */
#ifndef NUTSS_PBOX_TCP_H
#define NUTSS_PBOX_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct worker;

/* Open this worker's listeners and register them in its epoll set. 0 or -errno. */
int tcp_worker_init(struct worker *w);
/* Close every connection and listener of the worker. */
void tcp_worker_free(struct worker *w);
/* An epoll event whose tag has type WEV_TCP_LISTEN or WEV_TCP_CONN (worker.h). */
void tcp_event(struct worker *w, uint64_t tag, uint32_t events);
/* Once a loop turn: worker 0 decides where new connections go (tcp.c). */
void tcp_steer(struct worker *w);

/*
 * Queue buf on connection conn (a struct packet's conn), written by the
 * next tcp_flush(). Never blocks: what the socket does not take then waits
 * in the connection's bounded output queue. -ENOTCONN when the connection is gone, -ENOBUFS when its queue is
 * full (the connection is then closed: a peer that does not read is cut).
 */
int tcp_send(struct worker *w, uint64_t conn, const char *buf, size_t len);
/* Write what the loop turn queued (tcp_send() only queues). */
void tcp_flush(struct worker *w);
/* Send on this worker's connection to `to`, connecting first when there is none. */
int tcp_send_to(struct worker *w, const struct sockaddr_storage *to, socklen_t tolen,
		const char *buf, size_t len);

#endif
