// SPDX-License-Identifier: MIT
/*
 * The agent: a unix socket, one thread per request, and a ticker that
 * watches flows and listeners. See agent.h and src/proto/agent.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/flows.h"
#include "agent/names.h"
#include "agent/serve.h"
#include "agent/tls.h"
#include "core/addr.h"
#include "core/log.h"
#include "endpoint/connect.h"
#include "endpoint/dialog.h"
#include "endpoint/listen.h"
#include "endpoint/ua.h"
#include "nutss/nutss.h"
#include "proto/agent.h"

#define NAMES_MAX     65536 /* names one session may resolve */
#define TLS_HANDSHAKE_MS 5000

static struct names_table *names;
static struct tls_id *tls;
static const char *fp; /* our certificate's fingerprint, or NULL: no encryption */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned busy; /* requests being served */

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The failure of the last libnutss call, into the reply. */
static void fail(struct agent_rep *rep, int err)
{
	rep->err = err ? err : EIO;
	rep->status = (uint16_t)nutss_last_status(rep->reason, sizeof(rep->reason));
}

static void do_resolve(const struct agent_req *req, struct agent_rep *rep)
{
	char desc[NAMES_KEY_SIZE];
	const char *why = NULL;
	int r;

	if (!names_parse(req->name, desc, sizeof(desc), &why)) {
		rep->err = EINVAL;
		snprintf(rep->reason, sizeof(rep->reason), "%s",
			 why ? why : "not a name: APP.TYPE.USER.DOMAIN.nutss");
		return;
	}
	r = names_lookup(names, desc, &rep->v4, &rep->v6);
	if (r < 0) {
		rep->err = -r;
		snprintf(rep->reason, sizeof(rep->reason), "%s",
			 r == -ENOSPC ? "this session has resolved too many names" : strerror(-r));
		return;
	}
	/* names_parse wrote at most NAMES_DESC_SIZE bytes: it fits */
	memcpy(rep->name, desc, strnlen(desc, sizeof(rep->name) - 1));
}

static void do_reverse(const struct agent_req *req, struct agent_rep *rep)
{
	char desc[NAMES_KEY_SIZE];

	if (names_reverse(names, (const struct sockaddr *)&req->addr, req->addrlen, desc,
			  sizeof(desc)) < 0 ||
	    names_format(desc, rep->name, sizeof(rep->name)) < 0)
		rep->err = ENOENT;
}


/* What the program's end sp1 of an encrypted flow stands for, findable after an exec. */
static void relay_info(struct relay_info *ri, int sp1, int family, const struct sockaddr_storage *peer,
		       socklen_t peerlen, const struct sockaddr_storage *self, socklen_t selflen)
{
	struct stat st;

	memset(ri, 0, sizeof(*ri));
	ri->ino = fstat(sp1, &st) == 0 ? (uint64_t)st.st_ino : 0;
	ri->family = family;
	memcpy(&ri->peer, peer, peerlen);
	ri->peerlen = peerlen;
	memcpy(&ri->self, self, selflen);
	ri->selflen = selflen;
}

/* Connect fd to dst within timeout_ms (the agent's own connect: an encrypted flow). */
static int connect_by(int fd, const struct sockaddr *dst, socklen_t len, int timeout_ms)
{
	int fl = fcntl(fd, F_GETFL), err = 0;
	socklen_t el = sizeof(err);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, dst, len) < 0 && errno != EINPROGRESS)
		return -errno;
	if (poll(&p, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		return -errno;
	return -err;
}

static void do_connect(const struct agent_req *req, int fd, struct agent_rep *rep, int *fd_out)
{
	char desc[NAMES_KEY_SIZE], why[200];
	struct ep_flow *f;
	struct sockaddr_storage self;
	socklen_t selflen = sizeof(self);
	int type = 0, key, sp[2], proto;
	socklen_t tl = sizeof(type);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&self, &selflen) < 0) {
		rep->err = EBADF;
		return;
	}
	if (names_reverse(names, (const struct sockaddr *)&req->addr, req->addrlen, desc,
			  sizeof(desc)) < 0) {
		rep->err = EHOSTUNREACH;
		snprintf(rep->reason, sizeof(rep->reason),
			 "no name stands for this address in this session");
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		rep->err = ENOMEM;
		return;
	}
	uint64_t t0 = now_us();

	if (ep_flow_open(f, desc, type, fd, fp) < 0) {
		fail(rep, errno);
		log_info("flow to %s: %s (%u %s)", desc, strerror(rep->err), rep->status, rep->reason);
		free(f);
		return;
	}
	snprintf(rep->name, sizeof(rep->name), "%s", f->peer);
	key = flows_key();
	proto = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	if (dialog_attach(key, &f->d, &f->ua, true) < 0) {
		dialog_bye(&f->ua, &f->d, 500);
		ep_flow_clear(f);
		free(f);
		rep->err = ENOMEM;
		return;
	}
	f->ua.fd = -1; /* the dialog has it now */
	ep_flow_clear(f);
	if (!f->enc[0]) {
		/* plain: the program connects its own socket; we watch it until its last close */
		rep->addrlen = addr_in_family(&f->dst, self.ss_family, &rep->addr);
		flows_watch(key, proto, (struct sockaddr *)&f->src, (struct sockaddr *)&f->dst);
		log_info("flow to %s: authorized in %" PRIu64 " us", desc, now_us() - t0);
		free(f);
		return;
	}
	/* encrypted: TLS on the program's socket, which becomes ours; it gets a socket pair's end */
	struct tls_conn *c = NULL;
	socklen_t dl = addr_in_family(&f->dst, self.ss_family, &rep->addr);
	int r = type == SOCK_STREAM ? connect_by(fd, (struct sockaddr *)&rep->addr, dl,
						 TLS_HANDSHAKE_MS)
				    : -EPROTONOSUPPORT;

	memset(&rep->addr, 0, sizeof(rep->addr));
	if (r < 0) {
		rep->err = -r;
		snprintf(rep->reason, sizeof(rep->reason), "connecting for TLS: %s", strerror(-r));
		goto end;
	}
	int tfd = dup(fd); /* the program's descriptor goes; the socket stays with the relay */

	if (tfd < 0) {
		rep->err = errno;
		goto end;
	}
	c = tls_handshake(tls, tfd, false, f->peer_fp, TLS_HANDSHAKE_MS, why, sizeof(why));
	if (!c) {
		rep->err = errno ? errno : EPROTO;
		snprintf(rep->reason, sizeof(rep->reason), "TLS: %s", why);
		close(tfd);
		goto end;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		rep->err = errno;
		tls_conn_free(c);
		goto end;
	}
	struct relay_info ri;
	struct sockaddr_storage src;
	socklen_t srclen = addr_in_family(&f->src, self.ss_family, &src);

	relay_info(&ri, sp[1], self.ss_family, &req->addr, req->addrlen, &src, srclen);
	flows_relay_begin(key, &ri);
	if (tls_relay_start(c, sp[0], flows_relay_done, (void *)(intptr_t)key) < 0) {
		rep->err = EIO;
		close(sp[0]);
		close(sp[1]);
		tls_conn_free(c);
		flows_relay_done((void *)(intptr_t)key, EIO);
		free(f);
		return;
	}
	*fd_out = sp[1];
	rep->flags |= AGENT_REP_FD;
	rep->selflen = addr_in_family(&f->src, self.ss_family, &rep->self); /* for getsockname */
	log_info("flow to %s: authorized, TLS, in %" PRIu64 " us", desc, now_us() - t0);
	free(f);
	return;
end:
	log_info("flow to %s: %s (%s)", desc, strerror(rep->err), rep->reason);
	dialog_close(key);
	free(f);
}

static void do_listen(const struct agent_req *req, struct agent_rep *rep)
{
	int r = req->type == SOCK_STREAM ? serve_listen(req->port, fp) : 0;

	if (r == 0)
		rep->flags |= AGENT_REP_NOT_SERVED;
	else if (r < 0)
		fail(rep, errno);
}

static void do_accept(const struct agent_req *req, int fd, struct agent_rep *rep, int *fd_out)
{
	struct listener *l = serve_find(req->port);
	struct sockaddr_storage peer, self;
	socklen_t pl = sizeof(peer), sl = sizeof(self);
	struct listen_flow lf;
	int key, sp[2];

	if (fd < 0 || !l) {
		rep->err = fd < 0 ? EBADF : ENOENT;
		return;
	}
	if (getpeername(fd, (struct sockaddr *)&peer, &pl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&self, &sl) < 0) {
		rep->err = errno;
		return;
	}
	if (!listen_take(l, &peer, &lf)) {
		rep->err = EACCES; /* no INVITE authorized this connection */
		return;
	}
	snprintf(rep->name, sizeof(rep->name), "%s", lf.peer);
	key = flows_key();
	if (dialog_attach(key, &lf.d, listen_ua(l), false) < 0) {
		rep->err = ENOMEM;
		return;
	}
	if (!lf.enc[0]) {
		flows_watch(key, IPPROTO_TCP, (struct sockaddr *)&self, (struct sockaddr *)&peer);
		return;
	}
	if (!fp || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		rep->err = fp ? errno : EPROTONOSUPPORT;
		dialog_close(key);
		return;
	}
	int tfd = dup(fd), r = tfd < 0 ? -errno : 0;
	struct relay_info ri;

	relay_info(&ri, sp[1], self.ss_family, &peer, pl, &self, sl);
	flows_relay_begin(key, &ri);
	if (r < 0 || (r = tls_serve_start(tls, tfd, lf.peer_fp, sp[0], TLS_HANDSHAKE_MS,
					  flows_relay_done, (void *)(intptr_t)key)) < 0) {
		rep->err = -r;
		log_warn("flow from %s: cannot start its TLS: %s (fingerprint %zu bytes: %s)", lf.peer,
			 strerror(-r), strlen(lf.peer_fp), lf.peer_fp);
		if (tfd >= 0)
			close(tfd);
		close(sp[0]);
		close(sp[1]);
		flows_relay_done((void *)(intptr_t)key, -r);
		return;
	}
	*fd_out = sp[1];
	rep->flags |= AGENT_REP_FD;
}

static void do_peer(const struct agent_req *req, struct agent_rep *rep)
{
	struct relay_info ri;

	if (!flows_relay_find(req->ino, &ri)) {
		rep->err = ENOENT;
		return;
	}
	rep->family = ri.family;
	memcpy(&rep->addr, &ri.peer, ri.peerlen);
	rep->addrlen = ri.peerlen;
	memcpy(&rep->self, &ri.self, ri.selflen);
	rep->selflen = ri.selflen;
}

/* A request read off its connection c (n < 0: not yet), with the descriptor it carried. */
struct request {
	int c, fd;
	ssize_t n;
	int msg_flags;
	struct agent_req req;
	struct request *next; /* in the workers' queue */
};

/* Read r's request; flags MSG_DONTWAIT: false when it has not arrived yet. */
static bool read_request(struct request *r, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &r->req, .iov_len = sizeof(r->req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };

	r->n = recvmsg(r->c, &mh, MSG_CMSG_CLOEXEC | flags);
	if (r->n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); r->n > 0 && cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)) && r->fd < 0)
			memcpy(&r->fd, CMSG_DATA(cm), sizeof(int));
	r->msg_flags = mh.msg_flags;
	return true;
}

/* Lookups that take microseconds: answered by the main loop, no thread. */
static bool quick(const struct request *r)
{
	return r->n == (ssize_t)sizeof(r->req) &&
	       (r->req.op == AGENT_RESOLVE || r->req.op == AGENT_REVERSE || r->req.op == AGENT_PEER);
}

/* Serve r's request, answer it, close what it holds. */
static void answer(struct request *r)
{
	struct agent_req *req = &r->req;
	struct agent_rep rep = { .magic = AGENT_MAGIC };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fd_out = -1;

	if (r->n != (ssize_t)sizeof(*req) || req->magic != AGENT_MAGIC ||
	    req->version != AGENT_VERSION || (r->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    req->addrlen > sizeof(req->addr)) {
		rep.err = EPROTO;
	} else {
		req->name[sizeof(req->name) - 1] = 0;
		switch (req->op) {
		case AGENT_RESOLVE:
			do_resolve(req, &rep);
			break;
		case AGENT_REVERSE:
			do_reverse(req, &rep);
			break;
		case AGENT_CONNECT:
			do_connect(req, r->fd, &rep, &fd_out);
			break;
		case AGENT_LISTEN:
			do_listen(req, &rep);
			break;
		case AGENT_ACCEPT:
			do_accept(req, r->fd, &rep, &fd_out);
			break;
		case AGENT_PEER:
			do_peer(req, &rep);
			break;
		default:
			rep.err = EOPNOTSUPP;
		}
	}
	if (fd_out >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd_out, sizeof(int));
	}
	/* never blocks the main loop: the shim is waiting for it, and the socket has room */
	if (sendmsg(r->c, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("a request's answer was not taken: %s", strerror(errno));
	if (fd_out >= 0)
		close(fd_out);
	if (r->fd >= 0)
		close(r->fd);
	close(r->c);
}

/*
 * The workers: threads that serve the requests that wait (signalling, TLS),
 * kept between requests. A new thread in this binary is dear: its static
 * TLS (the SIP layers' per-thread buffers) is set up and faulted in anew.
 * A worker idle for WORKER_IDLE_S ends, but WORKERS_KEPT stay.
 */
#define WORKER_IDLE_S 10
#define WORKERS_KEPT  2

static volatile sig_atomic_t stopping;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static struct request *queue_head, **queue_tail = &queue_head;
static unsigned queued, workers, idle_workers; /* under lock */

static void *worker(void *arg)
{
	(void)arg;
	log_set_thread("agent");
	pthread_mutex_lock(&lock);
	for (;;) {
		struct request *r;

		while (!queue_head && !stopping) {
			struct timespec until;
			int e;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += WORKER_IDLE_S;
			idle_workers++;
			e = pthread_cond_timedwait(&work, &lock, &until);
			idle_workers--;
			if (e == ETIMEDOUT && !queue_head && workers > WORKERS_KEPT)
				break;
		}
		if (!queue_head) {
			workers--;
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		r = queue_head;
		queue_head = r->next;
		if (!queue_head)
			queue_tail = &queue_head;
		queued--;
		pthread_mutex_unlock(&lock);
		if (r->n < 0)
			read_request(r, 0);
		answer(r);
		free(r);
		pthread_mutex_lock(&lock);
		busy--;
	}
}

/* Queue r for a worker: an idle one for each request queued, else a new one. 0 or an errno. */
static int dispatch(struct request *r, const pthread_attr_t *attr)
{
	pthread_t t;
	int e = 0;

	pthread_mutex_lock(&lock);
	r->next = NULL;
	*queue_tail = r;
	queue_tail = &r->next;
	queued++;
	if (idle_workers >= queued) {
		pthread_cond_signal(&work);
	} else if ((e = pthread_create(&t, attr, worker, NULL)) == 0) {
		workers++;
	} else if (!workers) {
		/* no thread to serve it, ever: take it back */
		queue_head = NULL;
		queue_tail = &queue_head;
		queued = 0;
	} else {
		e = 0; /* the workers there are take it in turn */
	}
	pthread_mutex_unlock(&lock);
	return e;
}

static void *ticker(void *arg)
{
	(void)arg;
	log_set_thread("agent");
	while (!stopping) {
		usleep(FLOWS_TICK_MS * 1000);
		flows_tick(ua_now_ms());
		serve_tick();
	}
	return NULL;
}

/* Only the user the session runs as may ask: the agent holds their credentials. */
static bool same_user(int c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && cr.uid == getuid();
}

static void ready(struct agent_cfg *cfg, const char *what)
{
	if (cfg->ready_fd < 0)
		return;
	if (write(cfg->ready_fd, what, strlen(what)) < 0) {
		/* nutss run is gone: nothing to tell */
	}
	close(cfg->ready_fd);
	cfg->ready_fd = -1;
}

int agent_run(struct agent_cfg *cfg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char why[256];
	pthread_t tick;
	pthread_attr_t attr;
	sigset_t sigs;
	int lfd, pidfd, sfd;
	bool cmd_done = false;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	names = names_new(NAMES_MAX);
	tls = tls_id_new(why, sizeof(why));
	if (tls)
		fp = tls_id_fingerprint(tls);
	else
		log_warn("no certificate (%s): flows that must be encrypted will be refused", why);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", cfg->sock);
	if (!names || sfd < 0 || lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 512) < 0) {
		snprintf(why, sizeof(why), "the agent cannot listen on %s: %s\n", cfg->sock,
			 strerror(errno));
		ready(cfg, why);
		return 1;
	}
	pidfd = (int)syscall(SYS_pidfd_open, cfg->cmd, 0);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tick, NULL, ticker, NULL) != 0) {
		ready(cfg, "the agent cannot start a thread\n");
		return 1;
	}
	ready(cfg, "ok\n");
	for (;;) {
		struct signalfd_siginfo si;
		bool full;

		pthread_mutex_lock(&lock);
		full = busy >= AGENT_THREADS_MAX;
		pthread_mutex_unlock(&lock);
		/* at the limit, requests wait in the socket's backlog; looked at again soon */
		struct pollfd p[3] = { { .fd = lfd, .events = full ? 0 : POLLIN },
				       { .fd = pidfd, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };

		if (poll(p, 3, full ? 5 : FLOWS_TICK_MS) < 0 && errno != EINTR)
			break;
		if (p[2].revents && read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGHUP) {
			log_info("signal %u: ending the session's flows and registrations", si.ssi_signo);
			break;
		}
		if (pidfd < 0 || p[1].revents) {
			cmd_done = true;
			if (pidfd >= 0)
				close(pidfd);
			pidfd = -1;
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0)
				continue;
			pthread_mutex_lock(&lock);
			bool room = busy < AGENT_THREADS_MAX;

			if (room)
				busy++;
			pthread_mutex_unlock(&lock);
			/*
			 * Asked once: once its thread runs, c is the thread's to close, and
			 * its number may already be another connection's.
			 */
			bool mine = same_user(c);
			struct request *r = mine && room ? calloc(1, sizeof(*r)) : NULL;
			int e = 0;

			if (r) {
				r->c = c;
				r->fd = -1;
				r->n = -1;
				/* a lookup that is already there is answered here: no thread to wake */
				if (read_request(r, MSG_DONTWAIT) && quick(r)) {
					answer(r);
					free(r);
					pthread_mutex_lock(&lock);
					busy--;
					pthread_mutex_unlock(&lock);
					continue;
				}
			}
			if (!mine)
				log_warn("a request from another user: refused");
			else if (!room)
				log_warn("%d requests at once: one refused", AGENT_THREADS_MAX);
			else if (!r)
				e = ENOMEM;
			else if ((e = dispatch(r, &attr)) != 0)
				log_warn("cannot start a thread: %s", strerror(e));
			if (!mine || !room || e) {
				if (r && r->fd >= 0)
					close(r->fd);
				free(r);
				if (room) {
					pthread_mutex_lock(&lock);
					busy--;
					pthread_mutex_unlock(&lock);
				}
				close(c); /* the shim sees ECONNREFUSED-like EOF: EPROTO */
			}
			continue;
		}
		/* the program is gone, and nothing it opened is left: the session is over */
		pthread_mutex_lock(&lock);
		bool idle = busy == 0;

		pthread_mutex_unlock(&lock);
		if (cmd_done && idle && !flows_live() && !serve_live())
			break;
	}
	stopping = 1;
	pthread_mutex_lock(&lock);
	pthread_cond_broadcast(&work);
	pthread_mutex_unlock(&lock);
	close(lfd);
	unlink(cfg->sock);
	rmdir(cfg->dir);
	pthread_join(tick, NULL);
	flows_end_all();
	serve_stop_all();
	tls_id_free(tls);
	names_free(names);
	return 0;
}
