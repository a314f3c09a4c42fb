// SPDX-License-Identifier: MIT
/*
 * Flows by name against plain TCP on the same loopback, side by side in one
 * run (make bench-flow, bench/README.md):
 *
 *   setup      connect by name until the fd is usable (INVITE, 407, INVITE,
 *              200, ACK, ticket, confirm, connect) against socket+connect to
 *              a plain server; median latency of each, CPU per flow in this
 *              process, in the listener's and in the P-Box's
 *   throughput bytes/s written through a flow's fd against plain TCP, to a
 *              sink that reads everything
 *
 * Both servers are child processes of this one. The environment names the
 * caller (NUTSS_USER ...); the listener's user is given on the command line.
 *
 * usage: bench_flow PBOX_PID LISTEN_USER LISTEN_PWFILE NAME SETUPS MB REPEATS [GAP_MS]
 * GAP_MS: a pause between setups (default 0: back to back). Prints one
 * "setup ..." and one "throughput ..." line per repeat.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nutss/nutss.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* utime + stime of a process, in microseconds. */
static double cpu_us(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* fields 14 and 15 after the name: skip state and 11 more */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 +
	       ru.ru_stime.tv_usec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A server: reads each connection to its end, then closes it. */
static void sink(int lfd, int flow)
{
	static char buf[1 << 16];

	for (;;) {
		int c = flow ? nutss_accept(lfd, NULL, 0) : accept(lfd, NULL, NULL);

		if (c < 0)
			continue;
		while (read(c, buf, sizeof(buf)) > 0)
			;
		if (flow)
			nutss_close(c);
		else
			close(c);
	}
}

/* Write mb MiB to fd, half-close, wait for the sink to close: bytes/s. */
static double push(int fd, int mb)
{
	static char buf[1 << 16];
	double t0 = now_us();

	for (int i = 0; i < mb * 16; i++)
		for (size_t o = 0; o < sizeof(buf);) {
			ssize_t w = write(fd, buf + o, sizeof(buf) - o);

			if (w < 0) {
				perror("write");
				return 0;
			}
			o += (size_t)w;
		}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return (double)mb * 1048576 / ((now_us() - t0) / 1e6);
}

int main(int argc, char **argv)
{
	pid_t pbox, flow_srv, plain_srv;
	struct sockaddr_in plain = { .sin_family = AF_INET };
	socklen_t len = sizeof(plain);
	int plain_lfd, n, mb, repeats;
	unsigned gap_us;
	const char *name;
	double *tf, *tp;

	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: bench_flow PBOX_PID LISTEN_USER LISTEN_PWFILE NAME SETUPS MB "
				"REPEATS [GAP_MS]\n");
		return 2;
	}
	gap_us = argc == 9 ? (unsigned)atoi(argv[8]) * 1000 : 0;
	pbox = atoi(argv[1]);
	name = argv[4];
	n = atoi(argv[5]);
	mb = atoi(argv[6]);
	repeats = atoi(argv[7]);
	tf = calloc((size_t)n, sizeof(*tf));
	tp = calloc((size_t)n, sizeof(*tp));
	signal(SIGPIPE, SIG_IGN);

	/* the plain server */
	plain.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	plain_lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(plain_lfd, (struct sockaddr *)&plain, sizeof(plain)) < 0 || listen(plain_lfd, 512) < 0 ||
	    getsockname(plain_lfd, (struct sockaddr *)&plain, &len) < 0) {
		perror("plain server");
		return 1;
	}
	plain_srv = fork();
	if (plain_srv == 0)
		sink(plain_lfd, 0);
	close(plain_lfd);
	/* the server by name, as another user */
	flow_srv = fork();
	if (flow_srv == 0) {
		int lfd;

		setenv("NUTSS_USER", argv[2], 1);
		setenv("NUTSS_PASSWORD_FILE", argv[3], 1);
		lfd = nutss_listen(name, SOCK_STREAM, 0);
		if (lfd < 0) {
			char why[256];

			nutss_last_status(why, sizeof(why));
			fprintf(stderr, "bench_flow: listen: %s (%s)\n", strerror(errno), why);
			_exit(1);
		}
		sink(lfd, 1);
	}
	usleep(500000); /* the listener registers */

	for (int r = 0; r < repeats; r++) {
		double c0, l0, p0, s0, f_cpu, l_cpu, p_cpu, plain_cpu, flow_bps, plain_bps;

		/* setups by name, then plain ones; one warm-up of each first */
		c0 = self_cpu_us(), l0 = cpu_us(flow_srv), p0 = cpu_us(pbox);
		for (int i = -1; i < n; i++) {
			double t0 = now_us();
			int fd = nutss_connect(name, SOCK_STREAM, 0, NULL);

			if (fd < 0) {
				char why[256];

				nutss_last_status(why, sizeof(why));
				fprintf(stderr, "bench_flow: connect: %s (%s)\n", strerror(errno), why);
				goto out;
			}
			if (i >= 0)
				tf[i] = now_us() - t0;
			nutss_close(fd);
			if (gap_us)
				usleep(gap_us);
		}
		f_cpu = (self_cpu_us() - c0) / (n + 1);
		l_cpu = (cpu_us(flow_srv) - l0) / (n + 1);
		p_cpu = (cpu_us(pbox) - p0) / (n + 1);
		s0 = self_cpu_us();
		for (int i = -1; i < n; i++) {
			double t0 = now_us();
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			if (connect(fd, (struct sockaddr *)&plain, sizeof(plain)) < 0) {
				perror("plain connect");
				goto out;
			}
			if (i >= 0)
				tp[i] = now_us() - t0;
			close(fd);
			if (gap_us)
				usleep(gap_us);
		}
		plain_cpu = (self_cpu_us() - s0) / (n + 1);
		{
			double mf = median(tf, n), mp = median(tp, n);

			printf("setup repeat=%d n=%d gap_ms=%u flow_us=%.1f plain_us=%.1f added_us=%.1f "
			       "cpu_us_caller=%.1f cpu_us_listener=%.1f cpu_us_pbox=%.1f "
			       "cpu_us_plain_caller=%.1f\n",
			       r, n, gap_us / 1000, mf, mp, mf - mp, f_cpu, l_cpu, p_cpu, plain_cpu);
		}
		/* throughput: a flow's fd, then plain TCP, on the same path */
		{
			int fd = nutss_connect(name, SOCK_STREAM, 0, NULL);
			int pfd = socket(AF_INET, SOCK_STREAM, 0);

			if (fd < 0 || connect(pfd, (struct sockaddr *)&plain, sizeof(plain)) < 0) {
				perror("throughput connect");
				goto out;
			}
			/* in turn which goes first: a noisy neighbour then hurts both alike */
			if (r % 2) {
				plain_bps = push(pfd, mb);
				flow_bps = push(fd, mb);
			} else {
				flow_bps = push(fd, mb);
				plain_bps = push(pfd, mb);
			}
			nutss_close(fd);
			close(pfd);
			printf("throughput repeat=%d mb=%d flow_MBps=%.1f plain_MBps=%.1f ratio=%.4f\n", r,
			       mb, flow_bps / 1048576, plain_bps / 1048576, flow_bps / plain_bps);
		}
		fflush(stdout);
	}
out:
	kill(flow_srv, SIGTERM);
	kill(plain_srv, SIGTERM);
	waitpid(flow_srv, NULL, 0);
	waitpid(plain_srv, NULL, 0);
	free(tf);
	free(tp);
	return 0;
}
