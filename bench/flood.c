// SPDX-License-Identifier: MIT
/*
 * flood: what an attacker without credentials sends a P-Box (paper 1,
 * 4.3), as fast as one thread can: INVITEs for a protected name without
 * credentials, INVITEs with forged credentials (a nonce we made up, a
 * response that cannot verify), INVITEs posing as in-dialog (a To tag and
 * our Route with a made-up ;dlg=), and garbage, in rotation, each with its own
 * Call-ID and branch. Datagrams leave in sendmmsg batches from several
 * sockets (several source ports). Loopback or a namespace only: this is a
 * benchmark tool, not a weapon.
 *
 *   flood ADDR PORT SECONDS DOMAIN [SOCKETS [RATE]]
 *
 * RATE caps the datagrams sent per second (0 or absent: as fast as it can);
 * the cap is kept per batch, so the flood is smooth at 1 ms granularity.
 *
 * Prints "flood: sent=N seconds=S rate=R/s" when the time is up or on
 * SIGTERM/SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	    64
#define MAX_SOCKETS 64
#define KINDS	    4

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A template with a 16-digit hex field at each "%016x" mark, patched per datagram. */
struct tmpl {
	char buf[1400];
	size_t len;
	size_t marks[4];
	unsigned nmarks;
};

static void tmpl_make(struct tmpl *t, const char *text)
{
	const char *p = text;

	t->len = 0;
	t->nmarks = 0;
	while (*p && t->len < sizeof(t->buf) - 17) {
		if (!strncmp(p, "#ID#", 4) && t->nmarks < 4) {
			t->marks[t->nmarks++] = t->len;
			memset(t->buf + t->len, '0', 16);
			t->len += 16;
			p += 4;
		} else {
			t->buf[t->len++] = *p++;
		}
	}
}

/* An INVITE for service@domain from sipp@domain, with extra header lines. */
static void invite(struct tmpl *t, const char *domain, const char *to_param, int cseq,
		   const char *extra)
{
	char text[1400];

	snprintf(text, sizeof(text),
		 "INVITE sip:service@%s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK#ID#\r\n"
		 "Max-Forwards: 70\r\nFrom: <sip:sipp@%s>;tag=#ID#\r\n"
		 "To: <sip:service@%s>%s\r\nCall-ID: #ID#@flood\r\nCSeq: %d INVITE\r\n"
		 "%sContact: <sip:sipp@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n",
		 domain, domain, domain, to_param, cseq, extra);
	tmpl_make(t, text);
}

static void patch(char *buf, const struct tmpl *t, unsigned long long id)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned m = 0; m < t->nmarks; m++) {
		unsigned long long v = id; /* every mark gets the whole id */

		for (int i = 15; i >= 0; i--, v >>= 4)
			buf[t->marks[m] + (size_t)i] = hex[v & 15];
	}
}

int main(int argc, char **argv)
{
	static struct tmpl kinds[KINDS];
	static char bufs[BATCH][1400];
	static struct mmsghdr hdr[BATCH];
	static struct iovec iov[BATCH];
	struct sockaddr_in to = { .sin_family = AF_INET };
	int fds[MAX_SOCKETS], nsock;
	unsigned long long sent = 0, id = 0;
	double seconds, rate, t0, t;
	char text[1400];

	if (argc < 5) {
		fprintf(stderr, "usage: flood ADDR PORT SECONDS DOMAIN [SOCKETS [RATE]]\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "flood: %s: not an IPv4 address\n", argv[1]);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[2]));
	seconds = atof(argv[3]);
	nsock = argc > 5 ? atoi(argv[5]) : 4;
	rate = argc > 6 ? atof(argv[6]) : 0;
	if (nsock < 1 || nsock > MAX_SOCKETS || seconds <= 0 || rate < 0) {
		fprintf(stderr, "flood: SECONDS > 0, 1..%d SOCKETS, RATE >= 0\n", MAX_SOCKETS);
		return 2;
	}
	invite(&kinds[0], argv[4], "", 1, "");
	snprintf(text, sizeof(text),
		 "Proxy-Authorization: Digest username=\"sipp\", realm=\"%s\", "
		 "nonce=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA#ID#\", uri=\"sip:service@%s\", "
		 "response=\"#ID##ID#\", algorithm=MD5\r\n",
		 argv[4], argv[4]);
	invite(&kinds[1], argv[4], "", 2, text);
	snprintf(text, sizeof(text), "Route: <sip:%s:%s;lr;dlg=#ID#>\r\n", argv[1], argv[2]);
	invite(&kinds[2], argv[4], ";tag=1", 2, text);
	tmpl_make(&kinds[3], "\x16\x03\x01 not SIP at all #ID# \xff\xfe\r\n\r\n");

	for (int i = 0; i < nsock; i++) {
		int sz = 4 << 20;

		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0) {
			perror("flood: socket");
			return 1;
		}
		setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		/* the P-Box answers; we do not read, so keep what it sends from piling up */
		sz = 4096;
		setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		hdr[i].msg_hdr = (struct msghdr){ .msg_name = &to,
						  .msg_namelen = sizeof(to),
						  .msg_iov = &iov[i],
						  .msg_iovlen = 1 };
	}
	t0 = t = now_s();
	for (unsigned round = 0; !stop; round++) {
		int fd = fds[round % (unsigned)nsock], n, want = BATCH;

		if (rate > 0) {
			/* behind the cap by less than a batch: wait for the next millisecond */
			double due = rate * (now_s() - t0) - (double)sent;

			if (due < 1) {
				struct timespec ms = { 0, 1000000 };

				nanosleep(&ms, NULL);
				if (now_s() - t0 >= seconds)
					break;
				continue;
			}
			if (due < BATCH)
				want = (int)due;
		}
		for (int i = 0; i < want; i++, id++) {
			const struct tmpl *k = &kinds[id % KINDS];

			memcpy(bufs[i], k->buf, k->len);
			patch(bufs[i], k, id);
			iov[i].iov_len = k->len;
		}
		n = sendmmsg(fd, hdr, (unsigned)want, 0);
		if (n > 0)
			sent += (unsigned long long)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS &&
			 errno != ECONNREFUSED) {
			perror("flood: sendmmsg");
			break;
		}
		if (!(round & 63) && (t = now_s()) - t0 >= seconds)
			break;
	}
	t = now_s();
	printf("flood: sent=%llu seconds=%.2f rate=%.0f/s\n", sent, t - t0,
	       t > t0 ? (double)sent / (t - t0) : 0.0);
	return 0;
}
