// SPDX-License-Identifier: MIT
/*
 * Edge cases of libnutss-preload.so's socket hooks, seen from a program
 * (tests/shim/test-shim.sh runs each under `nutss run`):
 *
 *	edge serve LOG PORT...          an echo server on 127.0.0.1 and ::1; it appends
 *	                                "open TAG" and "eof TAG" to LOG (TAG: the
 *	                                first word a connection sends)
 *	edge [-4|-6] CASE HOST PORT [LOG]
 *
 * CASE: nbconnect (non-blocking connect, epoll, SO_ERROR), peer
 * (getpeername, getsockname), dup2 (the flow on fd 1, the socket closed),
 * fork (the parent lets go, the child talks), exec (an inherited descriptor
 * with and without SOCK_CLOEXEC), threads (100 connects at once), flags
 * (O_NONBLOCK and FD_CLOEXEC kept), bye (the agent's log, LOG, says BYE
 * only when the last reference goes). LOG for dup2 and fork: the server's.
 *
 * Prints PASS or FAIL per check and "N passed, N failed"; exits 1 on a
 * failure. Every wait is bounded; the whole run by an alarm.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IO_MS	    5000 /* one exchange */
#define EOF_MS	    5000 /* the server's EOF, the agent's BYE, after the last close */
#define QUIET_MS    1500 /* how long nothing must happen after a partial close */
#define RUN_S	    60	 /* the whole run of a case */
#define SERVE_S	    600	 /* a server nobody stopped */
#define THREADS	    100	 /* the threads case's default */
#define THREADS_MAX 1000
#define LINE_MAX_   256

static int out = STDOUT_FILENO; /* results: a copy of stdout (dup2 takes fd 1) */
static int passed, failed;
static int family = AF_UNSPEC;

static void result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(bool ok, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	dprintf(out, "%s %s\n", ok ? "PASS" : "FAIL", line);
	if (ok)
		passed++;
	else
		failed++;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the server ---- */

static int log_fd = -1;

static void log_line(const char *what, const char *tag)
{
	char line[LINE_MAX_ + 16];
	int n = snprintf(line, sizeof(line), "%s %s\n", what, tag);

	if (n > 0 && write(log_fd, line, (size_t)n) < 0) {
		/* the test will see the line missing */
	}
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void *echo_conn(void *arg)
{
	int c = (int)(intptr_t)arg;
	char buf[16384], tag[LINE_MAX_] = "";
	size_t tl = 0;
	bool tagged = false;
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; !tagged && i < n; i++) {
			if (buf[i] == '\n' || buf[i] == ' ' || tl == sizeof(tag) - 1) {
				tag[tl] = 0;
				tagged = true;
				log_line("open", tag);
			} else {
				tag[tl++] = buf[i];
			}
		}
		if (n > 0 && !write_all(c, buf, (size_t)n))
			break;
	}
	tag[tl] = 0;
	log_line("eof", tag);
	close(c);
	return NULL;
}

static int serve(int argc, char **argv)
{
	struct pollfd p[32];
	int n = 0;

	if (argc < 2 || argc - 1 > 16) {
		fprintf(stderr, "usage: edge serve LOG PORT...\n");
		return 2;
	}
	alarm(SERVE_S);
	log_fd = open(argv[0], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		perror(argv[0]);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		uint16_t port = htons((uint16_t)atoi(argv[i]));
		struct sockaddr_in a4 = { .sin_family = AF_INET,
					  .sin_port = port,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
					   .sin6_port = port,
					   .sin6_addr = IN6ADDR_LOOPBACK_INIT };

		/* loopback only, both families: the agent registers the port once */
		for (int v6 = 0; v6 < 2; v6++) {
			int one = 1,
			    s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

			if (s < 0 ||
			    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
			    (v6 &&
			     setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
			    bind(s, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
				 v6 ? sizeof(a6) : sizeof(a4)) < 0 ||
			    listen(s, 256) < 0) {
				fprintf(stderr, "edge serve: port %s: %s\n", argv[i],
					strerror(errno));
				return 1;
			}
			p[n++] = (struct pollfd){ .fd = s, .events = POLLIN };
		}
	}
	printf("serving\n");
	fflush(stdout);
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n; i++) {
			pthread_t t;
			pthread_attr_t at;
			int c;

			if (!(p[i].revents & POLLIN))
				continue;
			c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			pthread_attr_init(&at);
			pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
			if (pthread_create(&t, &at, echo_conn, (void *)(intptr_t)c) != 0)
				close(c);
			pthread_attr_destroy(&at);
		}
	}
}

/* ---- the client's helpers ---- */

/* host:port's first address of our family into a; false (said) when none. */
static bool resolve(const char *host, const char *port, struct sockaddr_storage *a, socklen_t *len)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM }, *ai;
	int r = getaddrinfo(host, port, &hints, &ai);

	if (r) {
		result(false, "getaddrinfo %s: %s", host, gai_strerror(r));
		return false;
	}
	memcpy(a, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return true;
}

/* A socket of flags (SOCK_NONBLOCK, SOCK_CLOEXEC) connected to host:port; -1 (errno). */
static int dial(const char *host, const char *port, int flags)
{
	struct sockaddr_storage a;
	socklen_t len;
	int s, e;

	if (!resolve(host, port, &a, &len)) {
		errno = EHOSTUNREACH;
		return -1;
	}
	s = socket(a.ss_family, SOCK_STREAM | flags, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&a, len) < 0) {
		struct pollfd p = { .fd = s, .events = POLLOUT };
		socklen_t el = sizeof(e);

		if (errno != EINPROGRESS)
			goto fail;
		if (poll(&p, 1, IO_MS) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			goto fail;
		if (e) {
			errno = e;
			goto fail;
		}
	}
	return s;
fail:
	e = errno;
	close(s);
	errno = e;
	return -1;
}

/*
 * Send msg and a newline on fd (blocking or not), unless send is false (someone
 * else sent it); read the line back.
 */
static bool xchg_sent(int fd, const char *msg, bool send, char *why, size_t whylen)
{
	char line[LINE_MAX_ + 2], got[LINE_MAX_ + 2];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s\n", msg), sent = send ? 0 : n, have = 0;
	long end = now_ms() + IO_MS;

	while (have < n) {
		struct pollfd p = { .fd = fd, .events = sent < n ? POLLOUT : POLLIN };
		long left = end - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			snprintf(why, whylen, "timed out (%zu of %zu bytes back)", have, n);
			return false;
		}
		if (sent < n)
			r = write(fd, line + sent, n - sent);
		else
			r = read(fd, got + have, n - have);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			snprintf(why, whylen, "%s", r ? strerror(errno) : "EOF");
			return false;
		}
		if (sent < n)
			sent += (size_t)r;
		else
			have += (size_t)r;
	}
	if (memcmp(got, line, n)) {
		snprintf(why, whylen, "a different line came back");
		return false;
	}
	return true;
}

static bool xchg(int fd, const char *msg, char *why, size_t whylen)
{
	return xchg_sent(fd, msg, true, why, whylen);
}

static void check_xchg(int fd, const char *msg, const char *what)
{
	char why[128] = "";
	bool ok = xchg(fd, msg, why, sizeof(why));

	result(ok, "%s%s%s", what, ok ? "" : ": ", why);
}

/* Lines of path containing needle. */
static int count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

/* Wait (bounded) until path has more than before lines with needle; the wait in ms, or -1. */
static long wait_lines(const char *path, const char *needle, int before, int ms)
{
	long t0 = now_ms();

	do {
		if (count_lines(path, needle) > before)
			return now_ms() - t0;
		usleep(50 * 1000);
	} while (now_ms() - t0 < ms);
	return -1;
}

static bool ours(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) & 0xf0000000u) ==
		       0xf0000000u;
	if (sa->sa_family == AF_INET6) {
		static const unsigned char net[8] = { 0x01, 0x00 };

		return !memcmp(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, net, 8);
	}
	return false;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

static const char *show(const struct sockaddr_storage *a, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (a->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, h, sizeof(h));
		port = ntohs(((const struct sockaddr_in *)a)->sin_port);
	} else if (a->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, h, sizeof(h));
		port = ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	} else {
		snprintf(h, sizeof(h), "family %d", a->ss_family);
	}
	snprintf(buf, len, "%s port %u", h, port);
	return buf;
}

/* ---- the cases ---- */

static void case_nbconnect(const char *host, const char *port)
{
	struct sockaddr_storage a;
	struct epoll_event ev = { .events = EPOLLOUT }, got;
	socklen_t len, el = sizeof(int);
	char msg[64], big[LINE_MAX_ - 8];
	int s, ep, r, err = -1;

	if (!resolve(host, port, &a, &len))
		return;
	s = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(s, (struct sockaddr *)&a, len);
	result(r == 0 || errno == EINPROGRESS, "non-blocking connect: %s",
	       r == 0 ? "0 at once" : strerror(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = s;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	r = epoll_wait(ep, &got, 1, IO_MS);
	result(r == 1 && (got.events & EPOLLOUT) && !(got.events & (EPOLLERR | EPOLLHUP)),
	       "epoll_wait: EPOLLOUT (%d event(s), events 0x%x)", r, r == 1 ? got.events : 0);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
	result(err == 0, "SO_ERROR after EPOLLOUT: %d", err);
	snprintf(msg, sizeof(msg), "nb-%d", (int)getpid());
	check_xchg(s, msg, "a line each way on the non-blocking flow");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	for (int i = 0; i < 200; i++) {
		char why[128];

		if (!xchg(s, big, why, sizeof(why))) {
			result(false, "200 more lines: line %d: %s", i, why);
			break;
		}
		if (i == 199)
			result(true, "200 more lines each way");
	}
	close(ep);
	close(s);
}

static void case_peer(const char *host, const char *port)
{
	struct sockaddr_storage a, p = { 0 }, me = { 0 };
	socklen_t len, pl = sizeof(p), ml = sizeof(me), tl = sizeof(int);
	char b1[80], b2[80], msg[64];
	int s, type = 0;
	bool ok;

	if (!resolve(host, port, &a, &len))
		return;
	result(ours((struct sockaddr *)&a), "%s resolves to a name's address: %s", host,
	       show(&a, b1, sizeof(b1)));
	s = dial(host, port, 0);
	if (s < 0) {
		result(false, "connect: %s", strerror(errno));
		return;
	}
	ok = getpeername(s, (struct sockaddr *)&p, &pl) == 0 && same_addr(&a, &p);
	result(ok, "getpeername: the name's address and port (%s)", show(&p, b2, sizeof(b2)));
	ok = getsockname(s, (struct sockaddr *)&me, &ml) == 0 && me.ss_family == a.ss_family &&
	     ((struct sockaddr_in *)&me)->sin_port != 0;
	result(ok, "getsockname: %s, the socket's family, a port", show(&me, b1, sizeof(b1)));
	ok = getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM;
	result(ok, "SO_TYPE: SOCK_STREAM");
	snprintf(msg, sizeof(msg), "peer-%d", (int)getpid());
	check_xchg(s, msg, "a line each way");
	close(s);
}

static void case_dup2(const char *host, const char *port, const char *log)
{
	char tag[64], eof[80];
	int s = dial(host, port, 0);
	long ms;

	if (s < 0) {
		result(false, "connect: %s", strerror(errno));
		return;
	}
	snprintf(tag, sizeof(tag), "dup2-%d", (int)getpid());
	snprintf(eof, sizeof(eof), "eof %s\n", tag);
	check_xchg(s, tag, "a line each way on the socket");
	if (dup2(s, STDOUT_FILENO) < 0) {
		result(false, "dup2: %s", strerror(errno));
		return;
	}
	close(s);
	check_xchg(STDOUT_FILENO, "on-fd-1",
		   "dup2(sock, 1), close(sock): fd 1 still reaches the server");
	usleep(QUIET_MS * 1000);
	result(count_lines(log, eof) == 0, "the server saw no EOF while fd 1 holds the flow");
	close(STDOUT_FILENO);
	ms = wait_lines(log, eof, 0, EOF_MS);
	result(ms >= 0, "close(1): the server sees EOF (%ld ms)", ms);
}

static void case_fork(const char *host, const char *port, const char *log)
{
	char tag[64], eof[80];
	int s = dial(host, port, 0), go[2], st = 0;
	pid_t child;
	long ms;

	if (s < 0 || pipe(go) < 0) {
		result(false, "connect: %s", strerror(errno));
		return;
	}
	snprintf(tag, sizeof(tag), "fork-%d", (int)getpid());
	snprintf(eof, sizeof(eof), "eof %s\n", tag);
	check_xchg(s, tag, "a line each way before the fork");
	child = fork();
	if (child == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		check_xchg(s, "from-child", "the parent closed its copy: the child still talks");
		usleep(QUIET_MS * 1000);
		result(count_lines(log, eof) == 0,
		       "the server saw no EOF while the child holds it");
		close(s);
		_exit(failed ? 1 : 0);
	}
	close(go[0]);
	close(s);
	if (write(go[1], "g", 1) != 1)
		result(false, "telling the child");
	close(go[1]);
	waitpid(child, &st, 0); /* bounded by the child's own waits and the alarm */
	result(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's checks (exit %d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	ms = wait_lines(log, eof, 0, EOF_MS);
	result(ms >= 0, "the child closed too: the server sees EOF (%ld ms)", ms);
}

/* sh -c 'echo WORD >&FD' in a child; its exit status. */
static int sh_writes(int fd, const char *word)
{
	char cmd[128];
	pid_t c;
	int st = 0;

	snprintf(cmd, sizeof(cmd), "echo %s >&%d", word, fd);
	c = fork();
	if (c == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void case_exec(const char *host, const char *port)
{
	char why[128] = "", word[64];
	int s = dial(host, port, 0), r;
	bool ok;

	if (s < 0) {
		result(false, "connect: %s", strerror(errno));
		return;
	}
	snprintf(word, sizeof(word), "exec-%d", (int)getpid());
	r = sh_writes(s, word);
	/* sh's line went through the flow: its echo comes back to us */
	ok = r == 0 && xchg_sent(s, word, false, why, sizeof(why));
	result(ok, "without SOCK_CLOEXEC: an exec'd sh writes to the flow (sh exit %d)%s%s", r,
	       why[0] ? ": " : "", why);
	check_xchg(s, "after-exec", "the parent's flow carries on");
	close(s);
	s = dial(host, port, SOCK_CLOEXEC);
	if (s < 0) {
		result(false, "connect (SOCK_CLOEXEC): %s", strerror(errno));
		return;
	}
	r = sh_writes(s, "must-not-arrive");
	result(r != 0, "with SOCK_CLOEXEC: the descriptor is gone in the exec'd sh (exit %d)", r);
	snprintf(word, sizeof(word), "cloexec-%d", (int)getpid());
	why[0] = 0;
	ok = xchg(s, word, why, sizeof(why));
	result(ok, "and nothing of sh's reached the flow%s%s", why[0] ? ": " : "", why);
	close(s);
}

struct thr {
	const char *host, *port;
	pthread_barrier_t *start;
	int i;
	bool ok;
	char why[128];
};

static void *thread_one(void *arg)
{
	struct thr *t = arg;
	char msg[64];
	int s;

	pthread_barrier_wait(t->start);
	s = dial(t->host, t->port, SOCK_CLOEXEC);
	if (s < 0) {
		snprintf(t->why, sizeof(t->why), "connect: %s", strerror(errno));
		return NULL;
	}
	snprintf(msg, sizeof(msg), "thr-%d-%d", (int)getpid(), t->i);
	t->ok = xchg(s, msg, t->why, sizeof(t->why));
	close(s);
	return NULL;
}

static void case_threads(const char *host, const char *port, int nthreads)
{
	static struct thr t[THREADS_MAX];
	static pthread_t id[THREADS_MAX];
	pthread_barrier_t start;
	int good = 0, started = 0;
	const char *why = "";
	long t0;

	pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		t[i] = (struct thr){ .host = host, .port = port, .start = &start, .i = i };
		if (pthread_create(&id[i], NULL, thread_one, &t[i]) == 0)
			started++;
	}
	if (started != nthreads) {
		result(false, "%d threads started of %d", started, nthreads);
		return; /* the barrier would never open: the alarm ends us */
	}
	t0 = now_ms();
	pthread_barrier_wait(&start);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(id[i], NULL);
		good += t[i].ok;
		if (!t[i].ok && !why[0])
			why = t[i].why;
	}
	result(good == nthreads,
	       "%d threads resolve, connect and exchange a line at once: %d did (%ld ms)%s%s",
	       nthreads, good, now_ms() - t0, why[0] ? "; first failure: " : "", why);
}

static void case_flags(const char *host, const char *port)
{
	static const int combos[][2] = { { 1, 1 }, { 0, 0 }, { 1, 0 }, { 0, 1 } };

	for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		int nb = combos[i][0], ce = combos[i][1];
		int s = dial(host, port, (nb ? SOCK_NONBLOCK : 0) | (ce ? SOCK_CLOEXEC : 0));
		char msg[64];
		int fl, fd;

		if (s < 0) {
			result(false, "connect (nonblock %d, cloexec %d): %s", nb, ce,
			       strerror(errno));
			continue;
		}
		fl = fcntl(s, F_GETFL);
		fd = fcntl(s, F_GETFD);
		result(fl >= 0 && !!(fl & O_NONBLOCK) == nb && fd >= 0 && !!(fd & FD_CLOEXEC) == ce,
		       "after connect: O_NONBLOCK %d (want %d), FD_CLOEXEC %d (want %d)",
		       fl >= 0 && (fl & O_NONBLOCK), nb, fd >= 0 && (fd & FD_CLOEXEC), ce);
		snprintf(msg, sizeof(msg), "flags-%d-%zu", (int)getpid(), i);
		check_xchg(s, msg, "and the flow carries a line each way");
		close(s);
	}
}

static void case_bye(const char *host, const char *port, const char *log)
{
	static const char bye[] = ": BYE";
	int s = dial(host, port, 0), d, before;
	char msg[64];
	long ms;

	if (s < 0) {
		result(false, "connect: %s", strerror(errno));
		return;
	}
	snprintf(msg, sizeof(msg), "bye-%d", (int)getpid());
	check_xchg(s, msg, "a line each way");
	before = count_lines(log, bye);
	d = dup(s);
	close(s);
	usleep(QUIET_MS * 1000);
	result(count_lines(log, bye) == before, "a dup'd copy still open: no BYE after %d ms",
	       QUIET_MS);
	check_xchg(d, "via-dup", "the copy still carries the flow");
	close(d);
	ms = wait_lines(log, bye, before, EOF_MS);
	result(ms >= 0, "the last close: the agent says BYE (%ld ms)", ms);
}

int main(int argc, char **argv)
{
	const char *c;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "serve"))
		return serve(argc - 2, argv + 2);
	if (argc > 1 && (!strcmp(argv[1], "-4") || !strcmp(argv[1], "-6"))) {
		family = argv[1][1] == '4' ? AF_INET : AF_INET6;
		argv++;
		argc--;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: edge serve LOG PORT...\n"
				"       edge [-4|-6] CASE HOST PORT [LOG]\n");
		return 2;
	}
	alarm(RUN_S);
	out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (out < 0)
		return 2;
	c = argv[1];
	if (!strcmp(c, "nbconnect"))
		case_nbconnect(argv[2], argv[3]);
	else if (!strcmp(c, "peer"))
		case_peer(argv[2], argv[3]);
	else if (!strcmp(c, "dup2") && argc > 4)
		case_dup2(argv[2], argv[3], argv[4]);
	else if (!strcmp(c, "fork") && argc > 4)
		case_fork(argv[2], argv[3], argv[4]);
	else if (!strcmp(c, "exec"))
		case_exec(argv[2], argv[3]);
	else if (!strcmp(c, "threads") &&
		 (argc < 5 || (atoi(argv[4]) > 0 && atoi(argv[4]) <= THREADS_MAX)))
		case_threads(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : THREADS);
	else if (!strcmp(c, "flags"))
		case_flags(argv[2], argv[3]);
	else if (!strcmp(c, "bye") && argc > 4)
		case_bye(argv[2], argv[3], argv[4]);
	else {
		fprintf(stderr, "edge: %s: no such case (or its LOG missing)\n", c);
		return 2;
	}
	dprintf(out, "%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
