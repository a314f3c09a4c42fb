// SPDX-License-Identifier: MIT
/*
 * A worker: one thread, one epoll loop, its own sockets (docs/pbox.md,
 * "Why transactions need no locks"). Datagrams come in by recvmmsg in
 * batches and replies leave by sendmmsg in batches, one system call for up
 * to PBOX_BATCH messages each way.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "pbox/pbox.h"
#include "pbox/store.h"
#include "pbox/tcp.h"
#include "pbox/txn.h"
#include "pbox/worker.h"
#include "sip/msg.h"

static int udp_socket(const struct listen_addr *l, bool reuseport, struct sockaddr_storage *bound,
		      socklen_t *boundlen)
{
	struct sockaddr_storage addr = l->addr;
	int one = 1, fd, rcvbuf = 4 << 20;

	fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto err;
	if (addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* Bursts are absorbed by the socket buffer, not dropped (best effort: may be capped). */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (!reuseport) /* the private socket: same address, any port */
		((struct sockaddr_in *)&addr)->sin_port = 0; /* sin6_port is at the same offset */
	if (bind(fd, (struct sockaddr *)&addr, l->addrlen) < 0)
		goto err;
	*boundlen = sizeof(*bound);
	if (getsockname(fd, (struct sockaddr *)bound, boundlen) < 0)
		goto err;
	return fd;
err:
	one = -errno;
	close(fd);
	return one;
}

uint64_t worker_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t worker_clock_ms(void)
{
	return worker_clock_ns(CLOCK_MONOTONIC) / 1000000;
}

/*
 * Read fd dry. Returns the datagrams read, or -1 if one read filled a whole
 * batch (more were waiting: the worker is behind, see batch_wait).
 */
static int read_udp(struct worker *w, unsigned li, int fd)
{
	struct pbox *pb = w->pb;
	bool overloaded, full = false;
	int total = 0;

	for (;;) {
		int n = recvmmsg(fd, w->in.hdr, PBOX_BATCH, MSG_DONTWAIT, NULL);

		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				log_warn("recvmmsg on %s: %s", pb->cfg.listen[li].text,
					 strerror(errno));
			break;
		}
		total += n;
		overloaded = shed_batch(&w->shed, (unsigned)n, PBOX_BATCH);
		for (int i = 0; i < n; i++) {
			struct packet pkt = {
				.buf = w->in.buf[i],
				.len = w->in.hdr[i].msg_len,
				.srclen = w->in.hdr[i].msg_hdr.msg_namelen,
				.listen = li,
				.fd = fd,
				.proto = LISTEN_UDP,
			};

			w->stats.received++;
			w->in.hdr[i].msg_hdr.msg_namelen = sizeof(w->in.addr[i]);
			/* overloaded: a source refused again and again this second is not even read */
			if (overloaded && shed_drop(&w->shed, &w->in.addr[i], w->now_ms))
				continue;
			memcpy(&pkt.src, &w->in.addr[i], sizeof(pkt.src));
			/* A datagram that filled the whole buffer was truncated: too large. */
			if (w->in.hdr[i].msg_hdr.msg_flags & MSG_TRUNC) {
				w->stats.too_large++;
				continue;
			}
			proxy_handle(w, pb, w->msg, &pkt);
		}
		worker_flush(w);
		if (n < PBOX_BATCH)
			break;
		full = true;
	}
	return full ? -1 : total;
}

/*
 * Batching under load (config batch_wait_us, docs/pbox.md "Batching"). A
 * wakeup costs more than the SIP message it brings: the context switch,
 * epoll_wait, recvmmsg and sendmmsg, several microseconds in a VM, against
 * about three for parsing and routing. So after a turn that read
 * datagrams or TCP events, and whose rate says at least one more will
 * arrive within the wait, the worker waits batch_wait_us before the next
 * turn, and that turn reads them all at once. Its sends have left before
 * it waits, so what waits is only what arrives meanwhile: at most
 * batch_wait_us a hop. Light load (less than one a wait) and overload (a
 * read that fills a batch, a full epoll_wait: it is behind) never wait.
 */
#define BATCH_WINDOW_MS 10

static void batch_wait(struct worker *w, int read, uint64_t *last_ns)
{
	uint64_t wait_ns = (uint64_t)w->pb->cfg.batch_wait_us * 1000, now, end;

	if (!wait_ns || !read)
		return;
	now = worker_clock_ns(CLOCK_MONOTONIC);
	/*
	 * Load is judged over a window of BATCH_WINDOW_MS too, not from the
	 * last gap alone: the messages of one exchange (a flow's INVITE, 407,
	 * INVITE, 200, ACK) come a round trip apart, a few hundred
	 * microseconds, and the last gap alone took that for load and held
	 * each of them a whole wait: 1.4 ms added to a flow's setup at no
	 * load at all (bench-flow). Load is at least one message a wait on
	 * average over the last window; an exchange now and then is not.
	 */
	w->batch_win_count += read > 0 ? (unsigned)read : 0;
	if (now - w->batch_win_start >= BATCH_WINDOW_MS * 1000000ull) {
		w->batch_busy = (uint64_t)w->batch_win_count * wait_ns >= now - w->batch_win_start;
		w->batch_win_start = now;
		w->batch_win_count = 0;
	}
	/* read messages in (now - last) ns: expect read * wait / (now - last) more */
	if (read > 0 && w->batch_busy && (uint64_t)read * wait_ns >= now - *last_ns) {
		/*
		 * Not a plain sleep: a peer closing a connection may be blocked
		 * until we close ours (with SO_LINGER its close() waits for the
		 * ACK of its FIN, which our kernel delays until we close). SIPp
		 * does that for every call with a connection a call: sleeping
		 * through it stalled SIPp up to a wait a call, and capped its
		 * TCP rate near 1,400 calls/s. So a FIN is handled at once (the
		 * connection closed), and the wait goes on: a wakeup that costs
		 * no turn.
		 */
		for (end = now + wait_ns; now < end; now = worker_clock_ns(CLOCK_MONOTONIC)) {
			struct timespec d = { .tv_sec = (time_t)((end - now) / 1000000000u),
					      .tv_nsec = (long)((end - now) % 1000000000u) };
			struct epoll_event ev[8];
			int n = epoll_pwait2(w->wake_epfd, ev, 8, &d, NULL);

			if (n < 0 && errno == ENOSYS) {
				nanosleep(&d, NULL); /* before Linux 5.11 */
				break;
			}
			if (n <= 0)
				break;
			w->now_ms = worker_clock_ms();
			for (int i = 0; i < n; i++)
				tcp_event(w, ev[i].data.u64, ev[i].events);
			worker_flush_all(w);
		}
	}
	*last_ns = now;
}

int worker_events(struct worker *w, const struct epoll_event *ev, int n)
{
	int read = 0;

	for (int i = 0; i < n; i++) {
		uint64_t tag = ev[i].data.u64;
		unsigned li = (unsigned)WEV_VAL(tag);

		switch (WEV_TYPE(tag)) {
		case WEV_UDP_PUB:
		case WEV_UDP_PRIV: {
			int r = read_udp(w, li,
					 WEV_TYPE(tag) == WEV_UDP_PUB ? w->udp_pub[li] : w->udp_priv[li]);

			read = read < 0 || r < 0 ? -1 : read + r;
			break;
		}
		case WEV_TCP_LISTEN:
		case WEV_TCP_CONN:
			tcp_event(w, tag, ev[i].events);
			read += read >= 0;
			break;
		}
	}
	return read;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	enum { EVENTS = 16 };
	struct epoll_event ev[EVENTS];
	char name[16];
	uint64_t last_read_ns = 0;

	snprintf(name, sizeof(name), "worker-%u", w->id);
	log_set_thread(name);
	while (!w->pb->stop) {
		/* A bounded wait, so a stop request is seen within 200 ms. */
		int timeout = wheel_timeout_ms(&w->wheel);
		int n = epoll_wait(w->epfd, ev, EVENTS, timeout < 0 || timeout > 200 ? 200 : timeout);
		/* datagrams and TCP events this turn; negative: behind, more were waiting */
		int read;

		w->now_ms = worker_clock_ms();
		read = worker_events(w, ev, n);
		if (n == EVENTS)
			read = -1;
		wheel_run(&w->wheel, w->now_ms);
		tcp_steer(w);
		/* what timers and TCP events queued for UDP leaves now, not with the next read */
		worker_flush_all(w);
		if (w->now_ms >= w->shed.log_after_ms && w->shed.dropped != w->shed.dropped_logged) {
			/* one line a second at most, however hard the flood */
			log_warn("overloaded: %llu datagrams from sources refused %u+ times a second "
				 "dropped unread (%llu in all)",
				 (unsigned long long)(w->shed.dropped - w->shed.dropped_logged),
				 SHED_REFUSALS, (unsigned long long)w->shed.dropped);
			w->shed.dropped_logged = w->shed.dropped;
			w->shed.log_after_ms = w->now_ms + 1000;
		}
		batch_wait(w, read, &last_read_ns);
	}
	worker_flush(w);
	return NULL;
}

int worker_watch(struct worker *w, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void worker_watch_close(struct worker *w, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLRDHUP, .data.u64 = tag };

	/* Failing costs only promptness: the FIN is still read after the wait. */
	if (w->pb->cfg.batch_wait_us)
		epoll_ctl(w->wake_epfd, EPOLL_CTL_ADD, fd, &ev);
}

int worker_new(struct pbox *pb, unsigned id, struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	w->pb = pb;
	w->id = id;
	w->epfd = w->wake_epfd = -1;
	for (unsigned i = 0; i < CONFIG_MAX_LISTEN; i++)
		w->udp_pub[i] = w->udp_priv[i] = -1;
	w->msg = malloc(sizeof(*w->msg));
	w->flow_msg = malloc(sizeof(*w->flow_msg));
	w->flow_buf = malloc(SIP_MAX_MSG_SIZE);
	if (!w->msg || !w->flow_msg || !w->flow_buf) {
		ret = -ENOMEM;
		goto err;
	}
	ret = store_open(&w->store, pb->cfg.data_dir, 0);
	if (ret < 0) {
		log_error("cannot open the store in %s: %s", pb->cfg.data_dir, strerror(-ret));
		goto err;
	}
	w->now_ms = worker_clock_ms();
	wheel_init(&w->wheel, w->now_ms);
	ret = txn_table_new(w, &w->txns);
	if (ret < 0)
		goto err;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wake_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0 || w->wake_epfd < 0) {
		ret = -errno;
		goto err;
	}
	for (unsigned i = 0; i < PBOX_BATCH; i++) {
		w->in.iov[i] = (struct iovec){ w->in.buf[i], sizeof(w->in.buf[i]) };
		w->in.hdr[i].msg_hdr = (struct msghdr){ .msg_name = &w->in.addr[i],
							.msg_namelen = sizeof(w->in.addr[i]),
							.msg_iov = &w->in.iov[i],
							.msg_iovlen = 1 };
	}
	for (unsigned i = 0; i < pb->cfg.nlisten; i++) {
		const struct listen_addr *l = &pb->cfg.listen[i];

		if (l->proto != LISTEN_UDP)
			continue;
		ret = udp_socket(l, true, &w->pub_addr[i], &w->pub_addrlen[i]);
		if (ret < 0) {
			log_error("cannot listen on %s: %s", l->text, strerror(-ret));
			goto err;
		}
		w->udp_pub[i] = ret;
		ret = udp_socket(l, false, &w->priv_addr[i], &w->priv_addrlen[i]);
		if (ret < 0) {
			log_error("cannot open a sending socket beside %s: %s", l->text,
				  strerror(-ret));
			goto err;
		}
		w->udp_priv[i] = ret;
		if ((ret = worker_watch(w, w->udp_pub[i], EPOLLIN, WEV_TAG(WEV_UDP_PUB, i))) < 0 ||
		    (ret = worker_watch(w, w->udp_priv[i], EPOLLIN, WEV_TAG(WEV_UDP_PRIV, i))) < 0)
			goto err;
	}
	ret = tcp_worker_init(w);
	if (ret < 0)
		goto err;
	*out = w;
	return 0;
err:
	worker_free(w);
	return ret;
}

int worker_start(struct pbox *pb, unsigned id, struct worker **out)
{
	struct worker *w;
	int ret = worker_new(pb, id, &w);

	if (ret < 0)
		return ret;
	ret = pthread_create(&w->thread, NULL, run, w);
	if (ret) {
		worker_free(w);
		return -ret;
	}
	w->started = true;
	*out = w;
	return 0;
}

void worker_join(struct worker *w)
{
	if (w && w->started) {
		pthread_join(w->thread, NULL);
		w->started = false;
	}
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	worker_join(w);
	tcp_worker_free(w);
	txn_table_free(w->txns);
	for (unsigned i = 0; i < CONFIG_MAX_LISTEN; i++) {
		if (w->udp_pub[i] >= 0)
			close(w->udp_pub[i]);
		if (w->udp_priv[i] >= 0)
			close(w->udp_priv[i]);
	}
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->wake_epfd >= 0)
		close(w->wake_epfd);
	store_close(w->store);
	free(w->msg);
	free(w->flow_msg);
	free(w->flow_buf);
	free(w);
}
