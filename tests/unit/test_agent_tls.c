// SPDX-License-Identifier: MIT
/*
 * Unit tests for src/agent/tls.c over real loopback TCP connections and
 * socket pairs:
 *
 *   program --socketpair-- relay (client) ==TLS/TCP== relay (server) --socketpair-- program
 *
 * fingerprints, 8 MB each way at once (SHA-256 at the far end), half
 * close, wrong and garbage fingerprints, handshake timeouts, a peer lost
 * mid-stream, 50 relays at once, and no fd left open.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "agent/tls.h"
#include "check.h"

#define TIMEOUT_MS 5000
#define BULK_LEN   (8u << 20)
#define N_CONC	   50
#define CONC_LEN   (256u << 10)

static struct tls_id *ida, *idb, *idx; /* client, server, a stranger */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the DIR's own */
}

/* A connected loopback TCP pair. */
static void tcp_pair(int *cfd, int *sfd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen)) {
		perror("listen");
		exit(1);
	}
	*cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(*cfd, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		exit(1);
	}
	*sfd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
}

/* A socket pair: [0] the program's end, [1] the agent's. */
static void app_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		perror("socketpair");
		exit(1);
	}
}

struct done {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int calls, err;
	char why[TLS_WHY_LEN];
};

#define DONE_INIT                                                                                  \
	{                                                                                          \
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, ""                      \
	}

static void on_done(void *arg, int err)
{
	const char *why = tls_done_why();

	struct done *d = arg;

	pthread_mutex_lock(&d->m);
	d->calls++;
	d->err = err;
	snprintf(d->why, sizeof(d->why), "%s", why);
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->m);
}

/* Whether done was called within ms. */
static bool wait_done(struct done *d, int ms)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&d->m);
	while (!d->calls && pthread_cond_timedwait(&d->cv, &d->m, &ts) == 0)
		;
	ok = d->calls == 1;
	pthread_mutex_unlock(&d->m);
	return ok;
}

/* Relays both ends of one TCP connection; prog[0]: the client program's end, prog[1]: the server's.
 */
static bool relay_pair(int prog[2], struct done *dc, struct done *ds)
{
	char why[TLS_WHY_LEN] = "";
	int cfd, sfd, ca[2], sa[2];
	struct tls_conn *c;

	tcp_pair(&cfd, &sfd);
	app_pair(ca);
	app_pair(sa);
	if (tls_serve_start(idb, sfd, tls_id_fingerprint(ida), sa[1], TIMEOUT_MS, on_done, ds)) {
		fprintf(stderr, "  tls_serve_start failed\n");
		return false;
	}
	c = tls_handshake(ida, cfd, false, tls_id_fingerprint(idb), TIMEOUT_MS, why, sizeof(why));
	if (!c) {
		fprintf(stderr, "  client handshake: %s\n", why);
		return false;
	}
	if (tls_relay_start(c, ca[1], on_done, dc)) {
		fprintf(stderr, "  tls_relay_start failed\n");
		return false;
	}
	prog[0] = ca[0];
	prog[1] = sa[0];
	return true;
}

struct stream {
	int fd;
	size_t len; /* to write; or what was read */
	uint64_t seed;
	bool shut; /* shutdown(SHUT_WR) after writing, else keep going until an error */
	int err;   /* the errno that ended it, 0 for EOF */
	uint8_t md[32];
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *writer(void *arg)
{
	struct stream *st = arg;
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	uint64_t buf[4096];
	size_t left = st->len;

	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	while (left || !st->shut) {
		size_t n = sizeof(buf), off = 0;

		for (size_t i = 0; i < 4096; i++)
			buf[i] = xorshift(&st->seed);
		/* Random lengths too, so records and reads do not line up. */
		if (st->shut && n > left)
			n = left;
		else
			n -= buf[0] % 1000;
		EVP_DigestUpdate(h, buf, n);
		while (off < n) {
			ssize_t w = send(st->fd, (uint8_t *)buf + off, n - off, MSG_NOSIGNAL);

			if (w < 0) {
				st->err = errno;
				goto out;
			}
			off += (size_t)w;
		}
		if (st->shut)
			left -= n;
	}
	shutdown(st->fd, SHUT_WR);
out:
	EVP_DigestFinal_ex(h, st->md, NULL);
	EVP_MD_CTX_free(h);
	return NULL;
}

static void *reader(void *arg)
{
	struct stream *st = arg;
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	uint8_t buf[50000];
	ssize_t n;

	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	st->len = 0;
	while ((n = recv(st->fd, buf, sizeof(buf), 0)) > 0) {
		EVP_DigestUpdate(h, buf, (size_t)n);
		st->len += (size_t)n;
	}
	st->err = n < 0 ? errno : 0;
	EVP_DigestFinal_ex(h, st->md, NULL);
	EVP_MD_CTX_free(h);
	return NULL;
}

static void test_fingerprint(void)
{
	const char *fa = tls_id_fingerprint(ida), *fb = tls_id_fingerprint(idb);
	char s[TLS_FP_STR_LEN + 8];

	CHECK_INT(strlen(fa), 103);
	CHECK(!strncmp(fa, "sha-256 ", 8));
	for (int i = 0; i < 95; i++)
		CHECK(i % 3 == 2 ? fa[8 + i] == ':' : !!strchr("0123456789ABCDEF", fa[8 + i]));
	CHECK(strcmp(fa, fb));
	CHECK(tls_fingerprint_valid(fa));

	/* Either case, in the hash name and the digits. */
	snprintf(s, sizeof(s), "%s", fa);
	for (char *p = s; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	CHECK(tls_fingerprint_valid(s));
	memcpy(s, "SHA-256", 7);
	CHECK(tls_fingerprint_valid(s));

	CHECK(!tls_fingerprint_valid(NULL));
	CHECK(!tls_fingerprint_valid(""));
	CHECK(!tls_fingerprint_valid(
		"sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"));
	snprintf(s, sizeof(s), "%s", fa);
	s[102] = '\0'; /* a digit short */
	CHECK(!tls_fingerprint_valid(s));
	snprintf(s, sizeof(s), "%s:AB", fa); /* a pair too many */
	CHECK(!tls_fingerprint_valid(s));
	snprintf(s, sizeof(s), "%s ", fa); /* trailing space */
	CHECK(!tls_fingerprint_valid(s));
	snprintf(s, sizeof(s), "%s", fa);
	s[10] = '-'; /* not a colon */
	CHECK(!tls_fingerprint_valid(s));
	snprintf(s, sizeof(s), "%s", fa);
	s[9] = 'G'; /* not hex */
	CHECK(!tls_fingerprint_valid(s));
	snprintf(s, sizeof(s), "%s", fa);
	s[7] = '\t'; /* not the one space */
	CHECK(!tls_fingerprint_valid(s));
	snprintf(s, sizeof(s), "sha-256  %s", fa + 8); /* two spaces */
	CHECK(!tls_fingerprint_valid(s));
}

/* 8 MB each way at once, hashed at both far ends. */
static void test_relay_bulk(void)
{
	struct done dc = DONE_INIT, ds = DONE_INIT;
	struct stream w0 = { .len = BULK_LEN, .seed = 1, .shut = true }, r1 = { 0 };
	struct stream w1 = { .len = BULK_LEN, .seed = 2, .shut = true }, r0 = { 0 };
	pthread_t t[4];
	int prog[2];

	if (!relay_pair(prog, &dc, &ds)) {
		CHECK(0);
		return;
	}
	w0.fd = r0.fd = prog[0];
	w1.fd = r1.fd = prog[1];
	pthread_create(&t[0], NULL, writer, &w0);
	pthread_create(&t[1], NULL, writer, &w1);
	pthread_create(&t[2], NULL, reader, &r0);
	pthread_create(&t[3], NULL, reader, &r1);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK_INT(w0.err, 0);
	CHECK_INT(w1.err, 0);
	CHECK_INT(r0.err, 0);
	CHECK_INT(r1.err, 0);
	CHECK_INT(r1.len, BULK_LEN);
	CHECK_INT(r0.len, BULK_LEN);
	CHECK(!memcmp(w0.md, r1.md, 32));
	CHECK(!memcmp(w1.md, r0.md, 32));
	CHECK(wait_done(&dc, TIMEOUT_MS));
	CHECK(wait_done(&ds, TIMEOUT_MS));
	CHECK_INT(dc.err, 0);
	CHECK_INT(ds.err, 0);
	close(prog[0]);
	close(prog[1]);
}

/* The client's program shuts its write side and still gets the reply. */
static void test_half_close(void)
{
	struct done dc = DONE_INIT, ds = DONE_INIT;
	char buf[64];
	size_t got = 0;
	ssize_t n;
	int prog[2];

	if (!relay_pair(prog, &dc, &ds)) {
		CHECK(0);
		return;
	}
	CHECK_INT(send(prog[0], "ping", 4, 0), 4);
	shutdown(prog[0], SHUT_WR);
	while ((n = recv(prog[1], buf + got, sizeof(buf) - got, 0)) > 0)
		got += (size_t)n;
	CHECK_INT(n, 0);
	CHECK_INT(got, 4);
	CHECK(!memcmp(buf, "ping", 4));
	CHECK_INT(send(prog[1], "pong!", 5, 0), 5);
	close(prog[1]);
	got = 0;
	while ((n = recv(prog[0], buf + got, sizeof(buf) - got, 0)) > 0)
		got += (size_t)n;
	CHECK_INT(n, 0);
	CHECK_INT(got, 5);
	CHECK(!memcmp(buf, "pong!", 5));
	close(prog[0]);
	CHECK(wait_done(&dc, TIMEOUT_MS));
	CHECK(wait_done(&ds, TIMEOUT_MS));
	CHECK_INT(dc.err, 0);
	CHECK_INT(ds.err, 0);
}

/* Wrong fingerprints, on either side: both sides fail with EPERM. */
static void wrong_fp(bool client_wrong)
{
	const char *want_s = client_wrong ? tls_id_fingerprint(idx) : tls_id_fingerprint(idb);
	const char *want_c = client_wrong ? tls_id_fingerprint(ida) : tls_id_fingerprint(idx);
	struct done ds = DONE_INIT;
	char why[TLS_WHY_LEN] = "";
	struct tls_conn *c;
	int cfd, sfd, sa[2];

	tcp_pair(&cfd, &sfd);
	app_pair(sa);
	CHECK_INT(tls_serve_start(idb, sfd, want_c, sa[1], TIMEOUT_MS, on_done, &ds), 0);
	errno = 0;
	c = tls_handshake(ida, cfd, false, want_s, TIMEOUT_MS, why, sizeof(why));
	CHECK(!c);
	CHECK_INT(errno, EPERM);
	CHECK(wait_done(&ds, TIMEOUT_MS));
	CHECK_INT(ds.err, EPERM);
	if (client_wrong) {
		CHECK_STR(why, "the peer's certificate is not the one the signalling named");
		CHECK(strstr(ds.why, "refused our certificate"));
	} else {
		CHECK(strstr(why, "refused our certificate"));
		CHECK_STR(ds.why, "the peer's certificate is not the one the signalling named");
	}
	/* The server's thread closed its fds; the client's is still ours. */
	CHECK(fcntl(cfd, F_GETFD) >= 0);
	CHECK_INT(recv(sa[0], why, 1, 0), 0);
	close(cfd);
	close(sa[0]);
}

static void test_wrong_fingerprint(void)
{
	wrong_fp(true);
	wrong_fp(false);
}

static void test_garbage_fingerprint(void)
{
	static const char *bad[] = {
		NULL,
		"",
		"sha-256",
		"sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
		"sha-256 AB:CD",
		"md5 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
	};
	char why[TLS_WHY_LEN];
	int cfd, sfd, sa[2];

	tcp_pair(&cfd, &sfd);
	app_pair(sa);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		errno = 0;
		CHECK(!tls_handshake(ida, cfd, false, bad[i], TIMEOUT_MS, why, sizeof(why)));
		CHECK_INT(errno, EINVAL);
		CHECK(strstr(why, "fingerprint"));
		CHECK_INT(tls_serve_start(idb, sfd, bad[i], sa[1], TIMEOUT_MS, on_done, NULL),
			  -EINVAL);
		CHECK_INT(tls_connect_start(ida, cfd, bad[i], sa[1], TIMEOUT_MS, on_done, NULL),
			  -EINVAL);
	}
	/* Nothing was taken, nothing was sent. */
	CHECK(fcntl(cfd, F_GETFD) >= 0 && fcntl(sfd, F_GETFD) >= 0 && fcntl(sa[1], F_GETFD) >= 0);
	CHECK(recv(sfd, why, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
	close(cfd);
	close(sfd);
	close(sa[0]);
	close(sa[1]);
}

/* A peer that never speaks: the handshake gives up at its deadline, on both roles. */
static void test_timeout(void)
{
	struct done ds = DONE_INIT;
	char why[TLS_WHY_LEN] = "";
	int cfd, sfd, sa[2], flags;
	int64_t t0;

	tcp_pair(&cfd, &sfd);
	flags = fcntl(cfd, F_GETFL);
	t0 = now_ms();
	errno = 0;
	CHECK(!tls_handshake(ida, cfd, false, tls_id_fingerprint(idb), 300, why, sizeof(why)));
	CHECK_INT(errno, ETIMEDOUT);
	CHECK(now_ms() - t0 >= 290 && now_ms() - t0 < 1500);
	CHECK(strstr(why, "300 ms"));
	CHECK_INT(fcntl(cfd, F_GETFL), flags); /* given back as it came */
	close(cfd);
	close(sfd);

	/* A server whose client connects and says nothing. */
	tcp_pair(&cfd, &sfd);
	app_pair(sa);
	t0 = now_ms();
	CHECK_INT(tls_serve_start(idb, sfd, tls_id_fingerprint(ida), sa[1], 300, on_done, &ds), 0);
	CHECK(wait_done(&ds, 2000));
	CHECK_INT(ds.err, ETIMEDOUT);
	CHECK(now_ms() - t0 >= 290 && now_ms() - t0 < 1500);
	CHECK_INT(recv(sa[0], why, 1, 0), 0);
	close(cfd);
	close(sa[0]);
}

/* The TCP connection dies under two relays while the client's program is sending. */
static void test_peer_lost(void)
{
	struct done dc = DONE_INIT, ds = DONE_INIT;
	char why[TLS_WHY_LEN] = "";
	struct stream w = { .seed = 3 }, r = { 0 };
	int cfd, sfd, sdup, ca[2], sa[2];
	struct tls_conn *c;
	uint8_t buf[65536];
	size_t got = 0;
	pthread_t tw, tr;

	tcp_pair(&cfd, &sfd);
	sdup = dup(sfd);
	app_pair(ca);
	app_pair(sa);
	CHECK_INT(
		tls_serve_start(idb, sfd, tls_id_fingerprint(ida), sa[1], TIMEOUT_MS, on_done, &ds),
		0);
	c = tls_handshake(ida, cfd, false, tls_id_fingerprint(idb), TIMEOUT_MS, why, sizeof(why));
	CHECK(c);
	if (!c)
		return;
	CHECK_INT(tls_relay_start(c, ca[1], on_done, &dc), 0);
	w.fd = r.fd = ca[0];
	pthread_create(&tw, NULL, writer, &w); /* sends until it fails */
	pthread_create(&tr, NULL, reader, &r);
	while (got < (1u << 20)) {
		ssize_t n = recv(sa[0], buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	CHECK(got >= (1u << 20));
	shutdown(sdup, SHUT_RDWR); /* under the server relay's feet: a FIN, no close_notify */
	/* The server's program reads on (a relay that cannot deliver does not look at TCP). */
	while (recv(sa[0], buf, sizeof(buf), 0) > 0)
		;
	CHECK(wait_done(&dc, TIMEOUT_MS));
	CHECK(wait_done(&ds, TIMEOUT_MS));
	CHECK(dc.err > 0);
	CHECK(ds.err > 0);
	CHECK_INT(dc.err, ECONNRESET);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	CHECK(w.err == EPIPE || w.err == ECONNRESET); /* the relay closed the program's pair */
	CHECK(r.err == 0 || r.err == ECONNRESET);
	CHECK_INT(r.len, 0);
	close(sdup);
	close(ca[0]);
	close(sa[0]);
}

struct abandon {
	int fd;
	struct tls_conn *c;
};

static void *serve_handshake(void *arg)
{
	struct abandon *a = arg;
	char why[TLS_WHY_LEN];

	a->c = tls_handshake(idb, a->fd, true, tls_id_fingerprint(ida), TIMEOUT_MS, why,
			     sizeof(why));
	return NULL;
}

/* A handshaken connection dropped without a relay: a truncation to the other side. */
static void test_conn_free(void)
{
	struct done dc = DONE_INIT;
	char why[TLS_WHY_LEN] = "";
	struct abandon a = { 0 };
	struct tls_conn *c;
	int cfd, ca[2];
	pthread_t t;

	tcp_pair(&cfd, &a.fd);
	app_pair(ca);
	pthread_create(&t, NULL, serve_handshake, &a);
	c = tls_handshake(ida, cfd, false, tls_id_fingerprint(idb), TIMEOUT_MS, why, sizeof(why));
	pthread_join(t, NULL);
	CHECK(c && a.c);
	if (!c || !a.c)
		return;
	tls_conn_describe(c, why, sizeof(why));
	fprintf(stderr, "  %s\n", why);
	CHECK(!strncmp(why, "TLSv1.3 TLS_AES_128_GCM_SHA256 ktls_send=", 41));
	CHECK_INT(tls_relay_start(c, ca[1], on_done, &dc), 0);
	tls_conn_free(a.c);
	CHECK_INT(recv(ca[0], why, 1, 0), 0);
	CHECK(wait_done(&dc, TIMEOUT_MS));
	CHECK_INT(dc.err, ECONNRESET);
	CHECK(strstr(dc.why, "closed"));
	close(ca[0]);
	tls_conn_free(NULL);
}

/* 50 relay pairs at once, each carrying 256 KB one way and a clean close. */
static void test_concurrent(void)
{
	static struct done dc[N_CONC], ds[N_CONC];
	static struct stream w[N_CONC], r[N_CONC];
	pthread_t tw[N_CONC], tr[N_CONC];
	int prog[N_CONC][2];
	bool ok = true;

	for (int i = 0; i < N_CONC; i++) {
		dc[i] = (struct done)DONE_INIT;
		ds[i] = (struct done)DONE_INIT;
		ok = ok && relay_pair(prog[i], &dc[i], &ds[i]);
	}
	CHECK(ok);
	if (!ok)
		return;
	for (int i = 0; i < N_CONC; i++) {
		w[i] = (struct stream){
			.fd = prog[i][0], .len = CONC_LEN, .seed = 100u + (unsigned)i, .shut = true
		};
		r[i] = (struct stream){ .fd = prog[i][1] };
		pthread_create(&tw[i], NULL, writer, &w[i]);
		pthread_create(&tr[i], NULL, reader, &r[i]);
	}
	for (int i = 0; i < N_CONC; i++) {
		pthread_join(tw[i], NULL);
		pthread_join(tr[i], NULL);
		CHECK_INT(r[i].len, CONC_LEN);
		CHECK(!memcmp(w[i].md, r[i].md, 32));
		close(prog[i][1]); /* the server's program closes: EOF back to the client's */
	}
	for (int i = 0; i < N_CONC; i++) {
		char b;

		CHECK_INT(recv(prog[i][0], &b, 1, 0), 0);
		close(prog[i][0]);
		CHECK(wait_done(&dc[i], TIMEOUT_MS));
		CHECK(wait_done(&ds[i], TIMEOUT_MS));
		CHECK_INT(dc[i].err, 0);
		CHECK_INT(ds[i].err, 0);
	}
}

int main(void)
{
	char why[TLS_WHY_LEN];
	int fds;

	signal(SIGPIPE, SIG_IGN); /* as the agent does (tls.h) */
	fds = count_fds();
	ida = tls_id_new(why, sizeof(why));
	idb = tls_id_new(why, sizeof(why));
	idx = tls_id_new(why, sizeof(why));
	if (!ida || !idb || !idx) {
		fprintf(stderr, "tls_id_new: %s\n", why);
		return 1;
	}
	RUN(test_fingerprint);
	RUN(test_relay_bulk);
	RUN(test_half_close);
	RUN(test_wrong_fingerprint);
	RUN(test_garbage_fingerprint);
	RUN(test_timeout);
	RUN(test_peer_lost);
	RUN(test_conn_free);
	RUN(test_concurrent);
	tls_id_free(ida);
	tls_id_free(idb);
	tls_id_free(idx);
	tls_id_free(NULL);
	usleep(50 * 1000); /* relay threads exit just after done() */
	check_failed_in_test = 0;
	CHECK_INT(count_fds(), fds);
	if (check_failed_in_test) {
		fprintf(stderr, "FAIL fd leak\n");
		check_tests_failed++;
	}
	return check_summary();
}
