// SPDX-License-Identifier: MIT
/*
 * The agent's TLS relay (src/agent/tls.c) on loopback, and the sender and
 * sink bench/bench-tls-stunnel.sh puts around stunnel for the same job:
 *
 *   ours:  sender -> socket pair -> relay (TLS client) ==TCP== relay (TLS server)
 *                 -> socket pair -> sink
 *   stunnel (the script): sender -TCP-> stunnel client ==TCP== stunnel server -TCP-> sink
 *
 * usage:
 *   bench_tls ours BYTES [unix|tcp]  one transfer through two relays, the
 *                                    plain legs socket pairs (the shim's
 *                                    path, default) or loopback TCP (as
 *                                    stunnel's); prints
 *                                    "ours MBps=.. cpu_s_per_GB=.. bytes=.."
 *                                    where CPU is this process's (all
 *                                    threads) less the sender's and sink's
 *   bench_tls send PORT BYTES        connect to 127.0.0.1:PORT, write BYTES, close
 *   bench_tls sink PORT              listen on 127.0.0.1:PORT, print "ready",
 *                                    take one connection, read to EOF, print
 *                                    "sink MBps=.. bytes=.."
 * Throughput is the sink's: first byte to EOF, the same code in both.
 * MB is 10^6 bytes, GB 10^9.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/tls.h"
#include "bench.h"

#define IO_LEN	   (256 * 1024) /* what the sender writes and the sink reads per call */
#define TIMEOUT_MS 5000

struct side {
	int fd;
	uint64_t bytes;	       /* to send; or received */
	double t_first, t_end; /* sink: first byte, EOF */
	struct rusage ru;      /* the thread's own, at its end */
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *sender(void *arg)
{
	struct side *s = arg;
	uint8_t *buf = malloc(IO_LEN);
	uint64_t left = s->bytes;

	if (!buf)
		die("malloc");
	for (size_t i = 0; i < IO_LEN; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	while (left) {
		ssize_t n = send(s->fd, buf, left < IO_LEN ? (size_t)left : IO_LEN, MSG_NOSIGNAL);

		if (n < 0)
			die("send");
		left -= (uint64_t)n;
	}
	shutdown(s->fd, SHUT_WR);
	free(buf);
	getrusage(RUSAGE_THREAD, &s->ru);
	return NULL;
}

static void *sink(void *arg)
{
	struct side *s = arg;
	uint8_t *buf = malloc(IO_LEN);
	ssize_t n;

	if (!buf)
		die("malloc");
	s->bytes = 0;
	while ((n = recv(s->fd, buf, IO_LEN, 0)) > 0) {
		if (!s->bytes)
			s->t_first = bench_now();
		s->bytes += (uint64_t)n;
	}
	if (n < 0)
		die("recv");
	s->t_end = bench_now();
	free(buf);
	getrusage(RUSAGE_THREAD, &s->ru);
	return NULL;
}

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4))
		die("bind/listen");
	if (getsockname(l, (struct sockaddr *)&a, &alen))
		die("getsockname");
	return l;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	return fd;
}

/* A connected stream pair: loopback TCP, or a Unix socket pair. */
static void stream_pair(bool tcp, int fd[2])
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int l;

	if (!tcp) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd))
			die("socketpair");
		return;
	}
	l = listen_on(0);
	if (getsockname(l, (struct sockaddr *)&a, &alen))
		die("getsockname");
	fd[0] = connect_to(ntohs(a.sin_port));
	fd[1] = accept(l, NULL, NULL);
	if (fd[1] < 0)
		die("accept");
	close(l);
}

struct done {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int left, err;
};

static void on_done(void *arg, int err)
{
	struct done *d = arg;

	pthread_mutex_lock(&d->m);
	if (err) {
		d->err = err;
		fprintf(stderr, "relay: %s\n", tls_done_why());
	}
	d->left--;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->m);
}

static int run_ours(uint64_t bytes, bool tcp)
{
	struct done d = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 2, 0 };
	struct side snd = { .bytes = bytes }, rcv = { 0 };
	struct tls_id *ida, *idb;
	int net[2], pa[2], pb[2];
	struct rusage r0, r1;
	struct tls_conn *c;
	char why[TLS_WHY_LEN];
	pthread_t ts, tr;
	double cpu, mb;

	ida = tls_id_new(why, sizeof(why));
	idb = tls_id_new(why, sizeof(why));
	if (!ida || !idb) {
		fprintf(stderr, "tls_id_new: %s\n", why);
		return 1;
	}
	stream_pair(true, net);
	stream_pair(tcp, pa);
	stream_pair(tcp, pb);
	if (tls_serve_start(idb, net[1], tls_id_fingerprint(ida), pb[1], TIMEOUT_MS, on_done, &d))
		die("tls_serve_start");
	c = tls_handshake(ida, net[0], false, tls_id_fingerprint(idb), TIMEOUT_MS, why,
			  sizeof(why));
	if (!c) {
		fprintf(stderr, "handshake: %s\n", why);
		return 1;
	}
	tls_conn_describe(c, why, sizeof(why));
	fprintf(stderr, "ours: %s, plain legs %s\n", why, tcp ? "TCP" : "socket pairs");
	getrusage(RUSAGE_SELF, &r0);
	if (tls_relay_start(c, pa[1], on_done, &d))
		die("tls_relay_start");
	snd.fd = pa[0];
	rcv.fd = pb[0];
	pthread_create(&tr, NULL, sink, &rcv);
	pthread_create(&ts, NULL, sender, &snd);
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	close(pa[0]);
	close(pb[0]);
	pthread_mutex_lock(&d.m);
	while (d.left)
		pthread_cond_wait(&d.cv, &d.m);
	pthread_mutex_unlock(&d.m);
	getrusage(RUSAGE_SELF, &r1);
	if (d.err || rcv.bytes != bytes) {
		fprintf(stderr, "ours: %llu of %llu bytes, err %d\n", (unsigned long long)rcv.bytes,
			(unsigned long long)bytes, d.err);
		return 1;
	}
	cpu = bench_cpu_s(&r1) - bench_cpu_s(&r0) - bench_cpu_s(&snd.ru) - bench_cpu_s(&rcv.ru);
	mb = (double)bytes / 1e6;
	printf("ours MBps=%.1f cpu_s_per_GB=%.3f bytes=%llu\n", mb / (rcv.t_end - rcv.t_first),
	       cpu / (mb / 1000), (unsigned long long)bytes);
	tls_id_free(ida);
	tls_id_free(idb);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* as the agent does (tls.h) */
	if (argc >= 3 && !strcmp(argv[1], "ours"))
		return run_ours(strtoull(argv[2], NULL, 0), argc > 3 && !strcmp(argv[3], "tcp"));
	if (argc == 4 && !strcmp(argv[1], "send")) {
		struct side s = { .fd = connect_to(atoi(argv[2])),
				  .bytes = strtoull(argv[3], NULL, 0) };

		sender(&s);
		close(s.fd);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "sink")) {
		int l = listen_on(atoi(argv[2]));
		struct side s = { 0 };

		printf("ready\n");
		fflush(stdout);
		s.fd = accept(l, NULL, NULL);
		if (s.fd < 0)
			die("accept");
		sink(&s);
		printf("sink MBps=%.1f bytes=%llu\n", (double)s.bytes / 1e6 / (s.t_end - s.t_first),
		       (unsigned long long)s.bytes);
		return 0;
	}
	fprintf(stderr, "usage: bench_tls ours BYTES [unix|tcp] | send PORT BYTES | sink PORT\n");
	return 2;
}
