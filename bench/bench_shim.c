// SPDX-License-Identifier: MIT
/*
 * The programs bench/bench-shim.sh runs with and without `nutss run`:
 * plain socket code with nothing of nutss in it, as an unmodified program
 * is. Built without ASan: it runs with libnutss-preload.so preloaded.
 *
 * usage:
 *   bench_shim serve PORT
 *       listen on 127.0.0.1:PORT; per connection read "BYTES\n", send that
 *       many bytes, close, and print "served bytes=.. cpu_s=.."; a
 *       connection closed before its request is closed too (the connect
 *       benchmark's). First prints "ready agent_pid=.." (0: no agent).
 *   bench_shim get HOST PORT BYTES
 *       getaddrinfo + connect (blocking), ask for BYTES, read to EOF, print
 *       "get MBps=.. bytes=.. secs=.. cpu_s=.. agent_pid=.. agent_cpu_s=..":
 *       secs from before getaddrinfo to EOF, MB = 10^6 bytes, cpu_s this
 *       process's; under `nutss run`, agent_cpu_s is the session agent's
 *       utime+stime from before getaddrinfo to 200 ms after our close
 *       (its relay's last records and close_notify). Exits 1 on a short
 *       transfer.
 *   bench_shim connect NAME NPORT ADDR APORT N GAP_MS
 *       N times each, in turn (the order swapped every time), GAP_MS apart:
 *       getaddrinfo + socket + non-blocking connect until writable (poll,
 *       SO_ERROR), then close: to NAME:NPORT and to ADDR:APORT. Prints
 *       "connect name_us=.. plain_us=.. added_us=.. name_p90_us=..
 *       plain_p90_us=.. name_gai_us=.. plain_gai_us=.. n=.. failed=.."
 *       (medians; *_gai_us: getaddrinfo's part), and every sample (kind,
 *       i, us, getaddrinfo's us) to the file $BENCH_SHIM_SAMPLES when set.
 *
 * The session's agent is found without asking it anything: SO_PEERCRED of
 * a connection to $NUTSS_AGENT names the process that listens there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define IO_LEN	       (256 * 1024) /* what the server sends and the client reads per call */
#define REQ_MAX	       32	    /* "BYTES\n" */
#define CONNECT_MS     5000
#define AGENT_SETTLE_US 200000
#define SAMPLES_MAX    100000

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return bench_cpu_s(&ru);
}

/* The PID listening on $NUTSS_AGENT, or 0. */
static pid_t agent_pid(void)
{
	const char *path = getenv("NUTSS_AGENT");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ucred cr = { 0 };
	socklen_t len = sizeof(cr);
	int fd;

	if (!path || strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		cr.pid = 0;
	close(fd);
	return cr.pid == getpid() ? 0 : cr.pid;
}

/* utime + stime of every thread of pid, in seconds; -1 when it cannot be read. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')'); /* comm may hold spaces */
	/* fields 3 (state) to 13 skipped, 14 utime, 15 stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static __attribute__((noreturn)) void serve(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint8_t *buf = malloc(IO_LEN);
	int l, one = 1;

	if (!buf)
		die("malloc");
	for (size_t i = 0; i < IO_LEN; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	a.sin_port = htons((uint16_t)atoi(port));
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0)
		die("listen");
	printf("ready agent_pid=%d\n", (int)agent_pid());
	fflush(stdout);
	for (;;) {
		char req[REQ_MAX + 1];
		size_t got = 0;
		unsigned long long want, left;
		double c0;
		int c = accept(l, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		c0 = self_cpu_s();
		while (got < REQ_MAX && (!got || req[got - 1] != '\n')) {
			ssize_t n = read(c, req + got, REQ_MAX - got);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		req[got] = 0;
		if (!got || req[got - 1] != '\n') {
			close(c); /* a connect probe, or garbage */
			continue;
		}
		want = left = strtoull(req, NULL, 10);
		while (left) {
			ssize_t n = send(c, buf, left < IO_LEN ? (size_t)left : IO_LEN, MSG_NOSIGNAL);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				perror("send");
				break;
			}
			left -= (unsigned long long)n;
		}
		close(c);
		printf("served bytes=%llu cpu_s=%.3f\n", want - left, self_cpu_s() - c0);
		fflush(stdout);
	}
}

static int get(const char *host, const char *port, const char *bytes)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	unsigned long long want = strtoull(bytes, NULL, 10), got = 0;
	pid_t apid = agent_pid();
	double a0 = apid ? proc_cpu_s(apid) : 0, a1 = 0, c0 = self_cpu_s(), c1, t0 = bench_now(), t1;
	uint8_t *buf = malloc(IO_LEN);
	char req[REQ_MAX];
	int fd, r, len;

	if (!buf)
		die("malloc");
	r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		fprintf(stderr, "getaddrinfo %s: %s\n", host, gai_strerror(r));
		return 1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("connect");
	freeaddrinfo(ai);
	len = snprintf(req, sizeof(req), "%llu\n", want);
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		die("send");
	for (;;) {
		ssize_t n = read(fd, buf, IO_LEN);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (!n)
			break;
		got += (unsigned long long)n;
	}
	t1 = bench_now();
	c1 = self_cpu_s();
	close(fd);
	if (apid) {
		usleep(AGENT_SETTLE_US);
		a1 = proc_cpu_s(apid);
	}
	printf("get MBps=%.1f bytes=%llu secs=%.4f cpu_s=%.3f agent_pid=%d agent_cpu_s=%.3f\n",
	       (double)got / (t1 - t0) / 1e6, got, t1 - t0, c1 - c0, (int)apid,
	       apid && a0 >= 0 && a1 >= 0 ? a1 - a0 : 0.0);
	if (got != want) {
		fprintf(stderr, "short transfer: %llu of %llu bytes\n", got, want);
		return 1;
	}
	return 0;
}

/* One connect as a program does it, to usable; microseconds, or -1; *gai_us: getaddrinfo's part. */
static double connect_once(const char *host, const char *port, double *gai_us)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	double t0 = bench_now(), t1;
	int fd, err = 0;
	socklen_t el = sizeof(err);

	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	*gai_us = (bench_now() - t0) * 1e6;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		err = errno;
	} else {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (poll(&p, 1, CONNECT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = ETIMEDOUT;
	}
	t1 = bench_now();
	freeaddrinfo(ai);
	close(fd);
	if (err) {
		fprintf(stderr, "connect %s:%s: %s\n", host, port, strerror(err));
		return -1;
	}
	return (t1 - t0) * 1e6;
}

static double quantile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	if (!n)
		return -1;
	if (q == 0.5)
		return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return v[(int)(q * (n - 1) + 0.5)];
}

static int connects(char **argv)
{
	const char *host[2] = { argv[0], argv[2] }, *port[2] = { argv[1], argv[3] };
	int n = atoi(argv[4]), gap_ms = atoi(argv[5]), got[2] = { 0, 0 }, failed = 0;
	const char *path = getenv("BENCH_SHIM_SAMPLES");
	FILE *out = path && *path ? fopen(path, "w") : NULL;
	double *us[2], *gai[2];
	struct timespec gap = { .tv_sec = gap_ms / 1000, .tv_nsec = (long)(gap_ms % 1000) * 1000000 };

	if (n <= 0 || n > SAMPLES_MAX) {
		fprintf(stderr, "bench_shim connect: N in 1..%d\n", SAMPLES_MAX);
		return 2;
	}
	for (int w = 0; w < 2; w++) {
		us[w] = calloc((size_t)n, sizeof(double));
		gai[w] = calloc((size_t)n, sizeof(double));
		if (!us[w] || !gai[w])
			die("calloc");
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			int w = (i % 2) ? 1 - k : k; /* name first, then plain first, ... */
			double g = -1, v = connect_once(host[w], port[w], &g);

			if (v < 0) {
				failed++;
			} else {
				gai[w][got[w]] = g;
				us[w][got[w]++] = v;
			}
			if (out)
				fprintf(out, "%s\t%d\t%.1f\t%.1f\n", w ? "plain" : "name", i, v, g);
			nanosleep(&gap, NULL);
		}
	if (out)
		fclose(out);
	double nm = quantile(us[0], got[0], 0.5), pm = quantile(us[1], got[1], 0.5);

	printf("connect name_us=%.1f plain_us=%.1f added_us=%.1f name_p90_us=%.1f plain_p90_us=%.1f "
	       "name_gai_us=%.1f plain_gai_us=%.1f n=%d failed=%d\n",
	       nm, pm, nm - pm, quantile(us[0], got[0], 0.9), quantile(us[1], got[1], 0.9),
	       quantile(gai[0], got[0], 0.5), quantile(gai[1], got[1], 0.5), n, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		serve(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "get"))
		return get(argv[2], argv[3], argv[4]);
	if (argc == 8 && !strcmp(argv[1], "connect"))
		return connects(argv + 2);
	fprintf(stderr, "usage: bench_shim serve PORT\n"
			"       bench_shim get HOST PORT BYTES\n"
			"       bench_shim connect NAME NPORT ADDR APORT N GAP_MS\n");
	return 2;
}
