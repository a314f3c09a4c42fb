/* SPDX-License-Identifier: MIT */
/* A worker's own state; see worker.c. */
#ifndef NUTSS_PBOX_WORKER_H
#define NUTSS_PBOX_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "pbox/pbox.h"

#include "pbox/shed.h"
#include "pbox/timer.h"
#include "sip/limits.h"

struct store;
struct tcp_worker;
struct txn_table;

/*
 * What an epoll event is about: the type in the top byte of its 64-bit
 * tag, the rest is the type's own (a listen index, a connection id).
 */
enum worker_event {
	WEV_UDP_PUB = 1,
	WEV_UDP_PRIV,
	WEV_TCP_LISTEN,
	WEV_TCP_CONN,
};
#define WEV_TAG(type, val) ((uint64_t)(type) << 56 | (uint64_t)(val))
#define WEV_TYPE(tag)	   ((unsigned)((tag) >> 56))
#define WEV_VAL(tag)	   ((tag) & ((1ull << 56) - 1))

struct worker_stats {
	uint64_t received, sent, send_dropped, too_large, refused, forwarded;
};

struct worker {
	struct pbox *pb;
	unsigned id;
	pthread_t thread;
	bool started;
	int epfd;
	int wake_epfd; /* TCP connections, for their peer's FIN only (batch_wait) */
	int udp_pub[CONFIG_MAX_LISTEN];	 /* SO_REUSEPORT on the listen port */
	int udp_priv[CONFIG_MAX_LISTEN]; /* ephemeral port: our Via, so responses come back here */
	struct sockaddr_storage pub_addr[CONFIG_MAX_LISTEN], priv_addr[CONFIG_MAX_LISTEN];
	socklen_t pub_addrlen[CONFIG_MAX_LISTEN], priv_addrlen[CONFIG_MAX_LISTEN];
	struct sip_msg *msg; /* parse scratch, reused for every message */
	struct sip_msg *flow_msg; /* a request whose SDP offer flow.c rewrote... */
	char *flow_buf;		  /* ...and its bytes (SIP_MAX_MSG_SIZE) */
	struct store *store; /* this worker's own SQLite connection (registrations) */
	struct wheel wheel;  /* this worker's timers: transactions, TCP idle time */
	uint64_t now_ms;     /* CLOCK_MONOTONIC, read once per loop turn */
	struct txn_table *txns;
	struct tcp_worker *tcp;
	struct {
		struct mmsghdr hdr[PBOX_BATCH];
		struct iovec iov[PBOX_BATCH];
		struct sockaddr_storage addr[PBOX_BATCH];
		char buf[PBOX_BATCH][SIP_MAX_MSG_SIZE + 1]; /* +1: a full buffer means truncated */
	} in;
	struct outq {
		int fd;
		unsigned n;
		struct mmsghdr hdr[PBOX_BATCH];
		struct iovec iov[PBOX_BATCH];
		struct sockaddr_storage addr[PBOX_BATCH];
		char buf[PBOX_BATCH][SIP_MAX_MSG_SIZE];
	} out;
	struct worker_stats stats;
	struct shed shed; /* UDP overload: who to drop unread */
	/* batch_wait's view of the load: messages in the current window, and the last window's verdict */
	uint64_t batch_win_start;
	unsigned batch_win_count;
	bool batch_busy;
	/* made on first use (route.c): our Via up to the branch, per listen and transport */
	char via_prefix[CONFIG_MAX_LISTEN][2][128];
	char rr_line[CONFIG_MAX_LISTEN]
		    [128]; /* our Record-Route up to its ;dlg=, per listen address */
};

/*
 * A worker without its thread, sockets open: worker_start() runs one in a
 * thread; the whole-path fuzz target (tests/fuzz/fuzz_pbox.c) drives one by
 * hand with worker_events(), setting now_ms itself. 0 or -errno.
 */
int worker_new(struct pbox *pb, unsigned id, struct worker **out);
struct epoll_event;
/*
 * Handle n events from the worker's epoll set, at w->now_ms. Returns the
 * datagrams and TCP events handled, or -1 if a read filled a whole batch.
 */
int worker_events(struct worker *w, const struct epoll_event *ev, int n);
void worker_flush(struct worker *w);
/* What a turn queued leaves now: datagrams, and TCP writes. */
void worker_flush_all(struct worker *w);
/* Register fd in the worker's epoll set with tag (WEV_TAG). 0 or -errno. */
int worker_watch(struct worker *w, int fd, uint32_t events, uint64_t tag);
/* And a TCP connection's in the wake set: its peer's FIN is handled during a batch wait. */
void worker_watch_close(struct worker *w, int fd, uint64_t tag);
/* A clock's time in ns: CLOCK_MONOTONIC, or the thread's CPU time (tcp_steer). */
uint64_t worker_clock_ns(clockid_t clock);
/* CLOCK_MONOTONIC in ms: the worker's now_ms. */
uint64_t worker_clock_ms(void);

#endif
