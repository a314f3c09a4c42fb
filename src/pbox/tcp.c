// SPDX-License-Identifier: MIT
/*
 * SIP over TCP for one worker (RFC 3261 18; docs/pbox.md, "TCP").
 *
 * Each worker has its own SO_REUSEPORT listener per tcp: address; a
 * connection belongs to the worker that accepted (or opened) it for its
 * whole life, and so do the transactions of the messages read from it.
 * Which worker accepts is steered: all new connections to worker 0 while
 * the load is light, spread by the kernel's hash once it is not (see
 * tcp_steer()). Nothing here is shared but two counters: connections in the
 * process, and connections per peer address (for the limits), both updated
 * with atomics.
 *
 * Overload: a connection past a limit is accepted and reset at once
 * (SO_LINGER 0) rather than left in the backlog, so the listener keeps
 * draining and one abusive peer cannot fill it; when the process runs out
 * of descriptors, a reserve descriptor is given up to accept and reset the
 * next connection instead of spinning on EMFILE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/log.h"
#include "pbox/pbox.h"
#include "pbox/tcp.h"
#include "pbox/worker.h"
#include "sip/msg.h"

#define TCP_PEER_BUCKETS 65536	    /* per-peer connection counts, by a hash of the address */
#define TCP_ADDR_BUCKETS 1024	    /* this worker's connections by peer address and port */
#define TCP_IN_START	 4096	    /* a connection's input buffer grows from this */
#define TCP_OUT_MAX	 (256 << 10) /* bytes queued to a peer that does not read, then cut */
#define TCP_READS_PER_EVENT 16	    /* so one busy connection cannot starve the others */
#define TCP_ACCEPTS_PER_EVENT 64

/* Steering new connections (tcp_steer()): decided by worker 0 every period. */
#define STEER_PERIOD_MS	    100
#define STEER_SPREAD_BUSY   30	/* % of a CPU used by worker 0: spread from here */
#define STEER_GATHER_BUSY   20	/* % of a CPU for the whole load: gather below it... */
#define STEER_GATHER_CALM   10	/* ...for this many periods in a row */
#define STEER_MAX_CONNS	    256 /* connections held by worker 0: spread from here */

/*
 * Process-wide, shared by the workers: one daemon per process. The per-peer
 * counts are by a hash of the peer's address, so two peers that collide
 * share one limit: it errs on the strict side, never lets a peer past it.
 */
static unsigned tcp_total;
static uint16_t tcp_per_peer[TCP_PEER_BUCKETS];

struct tcp_conn {
	int fd; /* -1: a free slot */
	uint32_t gen;
	uint32_t peer_bucket;
	int addr_next; /* chain of the address index, a slot or -1 */
	uint8_t listen;
	bool inbound;	 /* counts against the per-peer limit */
	bool connecting; /* a connect() in progress */
	bool busy;	 /* its messages are being handled: close later, not now */
	bool doomed;	 /* close once not busy */
	bool dirty;	 /* has output waiting for tcp_flush() */
	uint32_t events; /* what epoll watches for it */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char *in;
	size_t inlen, incap;
	char *out;
	size_t outlen, outoff;
	uint64_t last_ms;
	struct timer idle;
	struct worker *w;
};

struct tcp_worker {
	struct tcp_conn *conns;
	unsigned nslots;
	int *free_slots;
	unsigned nfree;
	int listen_fd[CONFIG_MAX_LISTEN];
	int addr_head[TCP_ADDR_BUCKETS];
	int reserve_fd; /* given up to accept-and-reset when descriptors run out */
	int *dirty;	/* connections with output queued in this loop turn */
	unsigned ndirty, dirty_cap;
	uint64_t shed, shed_logged, log_after_ms;
	/* worker 0 only, with more than one worker: where new connections go */
	bool steering, gathered;
	unsigned calm;
	uint64_t steer_at_ms, steer_cpu_ns;
};

static uint64_t conn_id(const struct tcp_worker *t, const struct tcp_conn *c)
{
	return (uint64_t)c->gen << 32 | (uint64_t)(c - t->conns + 1);
}

static struct tcp_conn *conn_of(struct tcp_worker *t, uint64_t id)
{
	uint64_t slot = (id & 0xffffffffu) - 1;

	if (!t || slot >= t->nslots || t->conns[slot].fd < 0 || t->conns[slot].gen != id >> 32)
		return NULL;
	return &t->conns[slot];
}

static uint32_t peer_hash(const struct sockaddr_storage *ss, bool with_port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		unsigned char k[18];

		memcpy(k, &a->sin6_addr, 16);
		memcpy(k + 16, &a->sin6_port, 2);
		return hash_bytes(k, with_port ? 18 : 16, 6);
	}
	const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
	unsigned char k[6];

	memcpy(k, &a->sin_addr, 4);
	memcpy(k + 4, &a->sin_port, 2);
	return hash_bytes(k, with_port ? 6 : 4, 4);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

#define NO_PEER UINT32_MAX /* a connection we open: counted in the total only */

static void uncount_conn(uint32_t bucket)
{
	if (bucket != NO_PEER)
		__atomic_sub_fetch(&tcp_per_peer[bucket], 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&tcp_total, 1, __ATOMIC_RELAXED);
}

/*
 * Count a new connection against the limits (an inbound one also in its
 * peer's bucket): NULL when it fits, else the limit in the way, uncounted.
 */
static const char *count_conn(const struct config *cfg, uint32_t bucket)
{
	if (__atomic_add_fetch(&tcp_total, 1, __ATOMIC_RELAXED) > cfg->max_tcp_connections) {
		__atomic_sub_fetch(&tcp_total, 1, __ATOMIC_RELAXED);
		return "max_tcp_connections reached";
	}
	if (bucket != NO_PEER &&
	    __atomic_add_fetch(&tcp_per_peer[bucket], 1, __ATOMIC_RELAXED) > cfg->max_tcp_per_peer) {
		uncount_conn(bucket);
		return "max_tcp_per_peer reached";
	}
	return NULL;
}

/* Reset: the peer learns at once, and no TIME-WAIT is left on our side. */
static void close_reset(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static void note_shed(struct worker *w, const char *why)
{
	struct tcp_worker *t = w->tcp;

	t->shed++;
	if (w->now_ms >= t->log_after_ms) { /* one line a second at most */
		log_warn("TCP: refused %llu connection(s) in the last second (%s)",
			 (unsigned long long)(t->shed - t->shed_logged), why);
		t->shed_logged = t->shed;
		t->log_after_ms = w->now_ms + 1000;
	}
}

static void conn_close(struct worker *w, struct tcp_conn *c)
{
	struct tcp_worker *t = w->tcp;
	int slot = (int)(c - t->conns);

	if (c->busy) {
		c->doomed = true;
		return;
	}
	timer_cancel(&w->wheel, &c->idle);
	close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->gen++;
	for (int *pp = &t->addr_head[peer_hash(&c->peer, true) % TCP_ADDR_BUCKETS]; *pp >= 0;
	     pp = &t->conns[*pp].addr_next) {
		if (*pp == slot) {
			*pp = c->addr_next;
			break;
		}
	}
	uncount_conn(c->inbound ? c->peer_bucket : NO_PEER);
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->inlen = c->incap = c->outlen = c->outoff = 0;
	t->free_slots[t->nfree++] = slot;
}

static void on_idle(struct timer *tm, void *arg)
{
	struct tcp_conn *c = arg;
	struct worker *w = c->w;
	uint64_t idle_ms = (uint64_t)w->pb->cfg.tcp_idle_timeout * 1000;

	(void)tm;
	if (w->now_ms - c->last_ms >= idle_ms) {
		log_debug("TCP: closing a connection idle for %u s", w->pb->cfg.tcp_idle_timeout);
		conn_close(w, c);
		return;
	}
	timer_arm(&w->wheel, &c->idle, c->last_ms + idle_ms, on_idle, c);
}

static void set_events(struct worker *w, struct tcp_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events,
				  .data.u64 = WEV_TAG(WEV_TCP_CONN,
						      (uint64_t)c->gen << 24 |
							      (uint64_t)(c - w->tcp->conns)) };

	if (c->events != events && epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

/* A slot for fd (counted in tcp_total already), or NULL. */
static struct tcp_conn *conn_new(struct worker *w, int fd, const struct sockaddr_storage *peer,
				 socklen_t peerlen, unsigned listen, bool inbound, uint32_t events)
{
	struct tcp_worker *t = w->tcp;
	struct tcp_conn *c;
	struct epoll_event ev;
	int slot, one = 1;

	if (!t->nfree)
		return NULL;
	slot = t->free_slots[--t->nfree];
	c = &t->conns[slot];
	c->fd = fd;
	c->peer = *peer;
	c->peerlen = peerlen;
	c->listen = (uint8_t)listen;
	c->inbound = inbound;
	c->connecting = c->busy = c->doomed = c->dirty = false;
	c->events = events;
	c->last_ms = w->now_ms;
	c->w = w;
	/*
	 * SIP messages are written whole: no reason to wait for more. An
	 * accepted socket has it from the listener (Linux copies it): one
	 * system call less per connection.
	 */
	if (!inbound)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev = (struct epoll_event){ .events = events,
				   .data.u64 = WEV_TAG(WEV_TCP_CONN,
						       (uint64_t)c->gen << 24 | (uint64_t)slot) };
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		c->fd = -1;
		t->free_slots[t->nfree++] = slot;
		return NULL;
	}
	worker_watch_close(w, fd, ev.data.u64);
	{
		int *head = &t->addr_head[peer_hash(peer, true) % TCP_ADDR_BUCKETS];

		c->addr_next = *head;
		*head = slot;
	}
	timer_arm(&w->wheel, &c->idle,
		  w->now_ms + (uint64_t)w->pb->cfg.tcp_idle_timeout * 1000, on_idle, c);
	return c;
}

/*
 * Where new connections go (docs/pbox.md, "TCP"). The kernel spreads a
 * reuseport group's connections over its listeners by a hash, which costs
 * CPU at a light load: each of two workers batches half the events a wait
 * and wakes as often as one worker would for all of them. With a
 * connection a call (harness, 1,000 calls/s) pboxd spent 140-150 us a call
 * spread over two workers and 107-125 gathered on one; at 2,000-3,000
 * calls/s both cost the same, and gathered calls wait longer (each hop's
 * batch wait is taken more often). So while worker 0 is lightly loaded, a
 * classic BPF program on each group sends every new connection to the
 * group's first listener, worker 0's (it listened first); once worker 0 is
 * busy, or holds many connections (long-lived clients must not pile up on
 * it), the program is replaced by one whose answer is out of range, and the
 * kernel falls back to its hash (no detach needed: any kernel with
 * SO_ATTACH_REUSEPORT_CBPF). A connection stays with the worker that
 * accepted it either way. Only TCP is steered: a UDP retransmission sent
 * to another worker than its first copy would miss its transaction.
 */
static bool steer(struct tcp_worker *t, bool gather)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, gather ? 0 : 0xffffffffu) };
	struct sock_fprog prog = { .len = 1, .filter = code };

	for (unsigned i = 0; i < CONFIG_MAX_LISTEN; i++)
		if (t->listen_fd[i] >= 0 && setsockopt(t->listen_fd[i], SOL_SOCKET,
						       SO_ATTACH_REUSEPORT_CBPF, &prog,
						       sizeof(prog)) < 0) {
			log_warn("TCP: cannot steer new connections (%s): the kernel spreads them",
				 strerror(errno));
			if (gather)
				steer(t, false); /* what did attach must not keep gathering */
			t->steering = t->gathered = false;
			return false;
		}
	t->gathered = gather;
	return true;
}

void tcp_steer(struct worker *w)
{
	struct tcp_worker *t = w->tcp;
	uint64_t cpu, elapsed;
	unsigned busy, conns;

	if (!t || !t->steering || w->now_ms < t->steer_at_ms + STEER_PERIOD_MS)
		return;
	cpu = worker_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	elapsed = w->now_ms - t->steer_at_ms;
	busy = (unsigned)((cpu - t->steer_cpu_ns) / (elapsed * 10000u)); /* % of a CPU */
	conns = t->nslots - t->nfree;
	t->steer_at_ms = w->now_ms;
	t->steer_cpu_ns = cpu;
	if (t->gathered) {
		if (busy >= STEER_SPREAD_BUSY && steer(t, false))
			log_info("TCP: worker-0 at %u%% of a CPU: new connections spread over the %u "
				 "workers", busy, w->pb->nworkers);
		return;
	}
	/* worker 0's share times the workers: about the whole load, were it gathered */
	if (busy * w->pb->nworkers >= STEER_GATHER_BUSY || conns >= STEER_MAX_CONNS / 2) {
		t->calm = 0;
	} else if (++t->calm >= STEER_GATHER_CALM) {
		t->calm = 0;
		if (steer(t, true))
			log_info("TCP: light load: new connections go to worker-0");
	}
}

static void conn_read(struct worker *w, struct tcp_conn *c);

static void do_accept(struct worker *w, unsigned li)
{
	struct tcp_worker *t = w->tcp;
	const struct config *cfg = &w->pb->cfg;

	for (unsigned i = 0; i < TCP_ACCEPTS_PER_EVENT; i++) {
		struct sockaddr_storage peer;
		socklen_t peerlen = sizeof(peer);
		int fd = accept4(t->listen_fd[li], (struct sockaddr *)&peer, &peerlen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		uint32_t bucket;
		const char *full;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* out of descriptors: spend the reserve to take one off the backlog */
				if (t->reserve_fd >= 0) {
					close(t->reserve_fd);
					fd = accept(t->listen_fd[li], NULL, NULL);
					if (fd >= 0)
						close_reset(fd);
					t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				}
				note_shed(w, "out of file descriptors");
			} else if (errno == EINTR || errno == ECONNABORTED) {
				continue;
			}
			return;
		}
		bucket = peer_hash(&peer, false) % TCP_PEER_BUCKETS;
		full = count_conn(cfg, bucket);
		if (full) {
			close_reset(fd);
			note_shed(w, full);
			continue;
		}
		struct tcp_conn *c =
			conn_new(w, fd, &peer, peerlen, li, true, EPOLLIN | EPOLLRDHUP);

		if (!c) {
			uncount_conn(bucket);
			close_reset(fd);
			note_shed(w, "no connection slot");
			continue;
		}
		c->peer_bucket = bucket;
		if (log_enabled(LOG_DEBUG)) {
			char ip[INET6_ADDRSTRLEN] = "?";
			const void *a = peer.ss_family == AF_INET6
						? (const void *)&((struct sockaddr_in6 *)&peer)->sin6_addr
						: (const void *)&((struct sockaddr_in *)&peer)->sin_addr;

			inet_ntop(peer.ss_family, a, ip, sizeof(ip));
			log_debug("TCP: connection from %s port %u accepted", ip,
				  ntohs(((struct sockaddr_in *)&peer)->sin_port));
		}
		if (t->gathered && t->nslots - t->nfree >= STEER_MAX_CONNS && steer(t, false))
			log_info("TCP: worker-0 holds %u connections: new connections spread over "
				 "the %u workers", t->nslots - t->nfree, w->pb->nworkers);
		/*
		 * A client connects and writes at once, so its first message is
		 * usually here already: read it now rather than after another
		 * epoll_wait().
		 */
		conn_read(w, c);
	}
	/*
	 * And go on until the backlog is empty (or TCP_ACCEPTS_PER_EVENT):
	 * one accept a turn capped new connections at one per batch_wait_us
	 * when the worker batches (15 ms queues at 1,000 calls/s). The accept
	 * that says EAGAIN is one system call per listener event.
	 */
}

/* Write what is queued; false when the connection is to be closed. */
static bool flush_out(struct worker *w, struct tcp_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				set_events(w, c, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
				return true;
			}
			return false;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	set_events(w, c, EPOLLIN | EPOLLRDHUP);
	return true;
}

static int queue_out(struct worker *w, struct tcp_conn *c, const char *buf, size_t len)
{
	if (c->outlen - c->outoff + len > TCP_OUT_MAX) {
		log_info("TCP: a peer does not read (%zu bytes waiting): connection closed",
			 c->outlen - c->outoff);
		conn_close(w, c);
		return -ENOBUFS;
	}
	if (c->outoff) { /* compact first */
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	char *p = realloc(c->out, c->outlen + len);

	if (!p) {
		conn_close(w, c);
		return -ENOMEM;
	}
	c->out = p;
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	return 0;
}

/*
 * Queue buf; the connection is written once, at the end of the worker's
 * loop turn (tcp_flush()), so the messages one batch sends to a peer (a
 * 180 and a 200, say) leave in one system call, not one each.
 */
static int conn_send(struct worker *w, struct tcp_conn *c, const char *buf, size_t len)
{
	struct tcp_worker *t = w->tcp;
	int ret;

	c->last_ms = w->now_ms;
	ret = queue_out(w, c, buf, len);
	if (ret < 0 || c->dirty || c->connecting)
		return ret;
	if (t->ndirty == t->dirty_cap) /* slots closed and reused within one turn: write now */
		return flush_out(w, c) ? 0 : (conn_close(w, c), -EPIPE);
	c->dirty = true;
	t->dirty[t->ndirty++] = (int)(c - t->conns);
	return 0;
}

void tcp_flush(struct worker *w)
{
	struct tcp_worker *t = w->tcp;

	if (!t)
		return;
	for (unsigned i = 0; i < t->ndirty; i++) {
		struct tcp_conn *c = &t->conns[t->dirty[i]];

		if (c->fd < 0 || !c->dirty)
			continue; /* closed since (its slot may even be queued twice) */
		c->dirty = false;
		if (!flush_out(w, c))
			conn_close(w, c);
	}
	t->ndirty = 0;
}

int tcp_send(struct worker *w, uint64_t conn, const char *buf, size_t len)
{
	struct tcp_conn *c = conn_of(w->tcp, conn);

	if (!c || c->doomed)
		return -ENOTCONN;
	return conn_send(w, c, buf, len);
}

/* The first tcp: listen address of the family, for a connection we open. */
static unsigned listen_of_family(const struct pbox *pb, int family)
{
	for (unsigned i = 0; i < pb->cfg.nlisten; i++)
		if (pb->cfg.listen[i].proto == LISTEN_TCP &&
		    pb->cfg.listen[i].addr.ss_family == family)
			return i;
	return 0;
}

int tcp_send_to(struct worker *w, const struct sockaddr_storage *to, socklen_t tolen,
		const char *buf, size_t len)
{
	struct tcp_worker *t = w->tcp;
	struct tcp_conn *c;
	int fd, ret;

	if (!t)
		return -EPROTONOSUPPORT;
	for (int s = t->addr_head[peer_hash(to, true) % TCP_ADDR_BUCKETS]; s >= 0;
	     s = t->conns[s].addr_next) {
		c = &t->conns[s];
		if (!c->doomed && same_addr(&c->peer, to))
			return conn_send(w, c, buf, len);
	}
	if (count_conn(&w->pb->cfg, NO_PEER))
		return -EMFILE;
	fd = socket(to->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		uncount_conn(NO_PEER);
		return ret;
	}
	c = conn_new(w, fd, to, tolen, listen_of_family(w->pb, to->ss_family), false,
		     EPOLLIN | EPOLLRDHUP | EPOLLOUT);
	if (!c) {
		close(fd);
		uncount_conn(NO_PEER);
		return -EMFILE;
	}
	if (connect(fd, (const struct sockaddr *)to, tolen) < 0 && errno != EINPROGRESS) {
		ret = -errno;
		conn_close(w, c);
		return ret;
	}
	c->connecting = true; /* until EPOLLOUT says how it went; data waits in the queue */
	return queue_out(w, c, buf, len);
}

/* Hand every whole message in the input buffer to the proxy. */
static void frame_messages(struct worker *w, struct tcp_conn *c)
{
	const struct config *cfg = &w->pb->cfg;
	size_t off = 0;

	c->busy = true;
	while (off < c->inlen && !c->doomed) {
		size_t skip = 0, msglen = 0;
		int r = sip_frame(c->in + off, c->inlen - off, cfg->max_message_size, &skip,
				  &msglen);

		if (skip >= 4 && c->in[off] == '\r') /* RFC 5626 keep-alive ping: pong */
			conn_send(w, c, "\r\n", 2);
		off += skip;
		if (r == 0)
			break;
		if (r < 0) {
			log_info("TCP: %s from a peer: connection closed",
				 r == -EMSGSIZE ? "a message over max_message_size"
						: "a message without a valid Content-Length");
			c->busy = false;
			conn_close(w, c);
			return;
		}
		struct packet pkt = {
			.buf = c->in + off,
			.len = msglen,
			.src = c->peer,
			.srclen = c->peerlen,
			.listen = c->listen,
			.fd = c->fd,
			.proto = LISTEN_TCP,
			.conn = conn_id(w->tcp, c),
		};

		w->stats.received++;
		proxy_handle(w, w->pb, w->msg, &pkt);
		off += msglen;
	}
	c->busy = false;
	if (c->doomed) {
		conn_close(w, c);
		return;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
}

static void conn_read(struct worker *w, struct tcp_conn *c)
{
	/* a whole message, its keep-alive CRLFs, and one read's worth more */
	size_t cap_max = (size_t)w->pb->cfg.max_message_size + 4096;

	for (unsigned i = 0; i < TCP_READS_PER_EVENT; i++) {
		size_t space;
		ssize_t n;

		if (c->inlen == c->incap) {
			size_t cap = c->incap ? c->incap * 2 : TCP_IN_START;
			char *p;

			if (c->incap >= cap_max) {
				/* sip_frame() would have said it is too large: it is not SIP */
				log_info("TCP: %zu bytes without a whole message: connection closed",
					 c->inlen);
				conn_close(w, c);
				return;
			}
			p = realloc(c->in, cap < cap_max ? cap : cap_max);
			if (!p) {
				conn_close(w, c);
				return;
			}
			c->in = p;
			c->incap = cap < cap_max ? cap : cap_max;
		}
		space = c->incap - c->inlen;
		n = read(c->fd, c->in + c->inlen, space);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close(w, c);
			return;
		}
		if (n == 0) { /* the peer closed: what it sent whole is still handled */
			frame_messages(w, c);
			if (c->fd >= 0 && !c->busy)
				conn_close(w, c);
			return;
		}
		c->last_ms = w->now_ms;
		c->inlen += (size_t)n;
		frame_messages(w, c);
		if (c->fd < 0)
			return;
		/* a short read drained the socket: no need for a read that says EAGAIN */
		if ((size_t)n < space)
			return;
	}
}

void tcp_event(struct worker *w, uint64_t tag, uint32_t events)
{
	struct tcp_worker *t = w->tcp;
	uint64_t val = WEV_VAL(tag);

	if (!t)
		return;
	if (WEV_TYPE(tag) == WEV_TCP_LISTEN) {
		do_accept(w, (unsigned)val);
		return;
	}
	uint32_t slot = (uint32_t)(val & 0xffffff);
	struct tcp_conn *c = slot < t->nslots ? &t->conns[slot] : NULL;

	/* an event for a connection closed (and maybe reused) earlier in this batch */
	if (!c || c->fd < 0 || c->gen != (uint32_t)(val >> 24))
		return;
	if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			log_info("TCP: cannot connect to a next hop: %s", strerror(err));
			conn_close(w, c);
			return;
		}
		c->connecting = false;
	}
	if ((events & EPOLLOUT) && !flush_out(w, c)) {
		conn_close(w, c);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_read(w, c);
}

static int tcp_listener(const struct listen_addr *l)
{
	int one = 1, fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) /* inherited */
		goto err;
	if (l->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0 || listen(fd, 1024) < 0)
		goto err;
	return fd;
err:
	one = -errno;
	close(fd);
	return one;
}

int tcp_worker_init(struct worker *w)
{
	const struct config *cfg = &w->pb->cfg;
	struct tcp_worker *t;
	bool any = false;
	int ret;

	for (unsigned i = 0; i < cfg->nlisten; i++)
		any |= cfg->listen[i].proto == LISTEN_TCP;
	if (!any)
		return 0; /* no TCP at all (and no Via to name for it); tcp_send_to() says so */
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	w->tcp = t;
	t->reserve_fd = -1;
	for (unsigned i = 0; i < CONFIG_MAX_LISTEN; i++)
		t->listen_fd[i] = -1;
	for (unsigned i = 0; i < TCP_ADDR_BUCKETS; i++)
		t->addr_head[i] = -1;
	t->nslots = cfg->max_tcp_connections;
	t->conns = calloc(t->nslots, sizeof(*t->conns));
	t->free_slots = calloc(t->nslots, sizeof(*t->free_slots));
	t->dirty_cap = t->nslots;
	t->dirty = calloc(t->dirty_cap, sizeof(*t->dirty));
	if (!t->conns || !t->free_slots || !t->dirty)
		return -ENOMEM;
	for (unsigned i = 0; i < t->nslots; i++) {
		t->conns[i].fd = -1;
		t->free_slots[t->nslots - 1 - i] = (int)i; /* low slots first */
	}
	t->nfree = t->nslots;
	t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (unsigned i = 0; i < cfg->nlisten; i++) {
		const struct listen_addr *l = &cfg->listen[i];

		if (l->proto != LISTEN_TCP)
			continue;
		ret = tcp_listener(l);
		if (ret < 0) {
			log_error("cannot listen on %s: %s", l->text, strerror(-ret));
			return ret;
		}
		t->listen_fd[i] = ret;
		ret = worker_watch(w, t->listen_fd[i], EPOLLIN, WEV_TAG(WEV_TCP_LISTEN, i));
		if (ret < 0)
			return ret;
	}
	/* worker 0 listens first: its listeners are the first of their groups */
	if (w->id == 0 && w->pb->nworkers > 1) {
		t->steering = true;
		t->steer_at_ms = w->now_ms;
		t->steer_cpu_ns = 0; /* this runs in the main thread; the worker's clock starts at 0 */
		steer(t, true);
	}
	return 0;
}

void tcp_worker_free(struct worker *w)
{
	struct tcp_worker *t = w->tcp;

	if (!t)
		return;
	for (unsigned i = 0; t->conns && i < t->nslots; i++)
		if (t->conns[i].fd >= 0) {
			t->conns[i].busy = false;
			conn_close(w, &t->conns[i]);
		}
	for (unsigned i = 0; i < CONFIG_MAX_LISTEN; i++)
		if (t->listen_fd[i] >= 0)
			close(t->listen_fd[i]);
	if (t->reserve_fd >= 0)
		close(t->reserve_fd);
	free(t->conns);
	free(t->free_slots);
	free(t->dirty);
	free(t);
	w->tcp = NULL;
}
