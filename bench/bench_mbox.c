// SPDX-License-Identifier: MIT
/*
 * bench_mbox: the pieces of `make bench-mbox` (bench/bench-mbox.sh) that
 * need C. Loopback or a namespace only: a benchmark tool, not a weapon.
 *
 *   bench_mbox prog REPEAT
 *       Load mbox.bpf.o (not attached) and time one run of its tc program
 *       through bpf_prog_test_run_opts, REPEAT times, on: a packet of no
 *       admitted flow (dropped), a packet of an admitted flow (passed), a
 *       forged ticket for this domain (parsed, key found, SipHash, tag
 *       compared, dropped: the whole verification; a valid one adds the
 *       flow's insertion, once). Prints "prog: drop_ns=N pass_ns=N
 *       ticket_ns=N".
 *   bench_mbox fill PIN_DIR N
 *       Put N admitted flows (made up, TCP) in the pinned flow table.
 *   bench_mbox count PIN_DIR
 *       Count the flows in it.
 *   bench_mbox flood SRC DST PORT SECONDS plain|forged DOMAIN [RATE]
 *       64-byte UDP datagrams from SRC to DST:PORT, in sendmmsg batches,
 *       as fast as one thread can or at RATE a second: plain payload, or
 *       well-formed tickets naming the very 5-tuple they travel on, with a
 *       token of DOMAIN's tag and key serial 1 and a made-up MAC (the M-Box
 *       must run SipHash to drop each). Prints "flood: sent=N seconds=S
 *       rate=R/s".
 *   bench_mbox soak CPU SECONDS
 *       Spin on CPU at SCHED_IDLE, counting loops: whatever else runs there
 *       (softirq work, ksoftirqd) takes its time from the spinner, so the
 *       loops lost against a quiet run are the CPU the rest used, measured
 *       continuously rather than sampled by the tick (/proc/stat is, and a
 *       paced flood aliases with it). Prints "soak: loops_per_s=N".
 */
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "mbox.skel.h"
#include "mbox/mbox_kern_user.h"
#include "proto/keys.h"
#include "proto/ticket.h"

#define BATCH	    64
#define FLOOD_SOCKS 8
#define FILL_CHUNK  8192

static void mapped4(uint8_t out[16], uint32_t host_order)
{
	uint32_t be = htonl(host_order);

	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &be, 4);
}

/* ---- prog ---- */

struct frame {
	uint8_t b[256];
	uint32_t len;
};

/* Ethernet, IPv4, UDP (or TCP SYN when payload is NULL) from 10.0.0.1:sport to 10.0.0.2:dport. */
static struct frame frame4(uint8_t proto, uint16_t sport, uint16_t dport, const void *payload,
			   size_t plen)
{
	struct frame f = { 0 };
	uint8_t *ip = f.b + 14, *l4 = ip + 20;
	size_t l4len = (proto == IPPROTO_TCP ? 20 : 8) + plen;
	uint16_t tot = htons((uint16_t)(20 + l4len)), sp = htons(sport), dp = htons(dport);
	uint32_t s = htonl(0x0a000001), d = htonl(0x0a000002);

	memset(f.b, 0x02, 12);
	f.b[12] = 0x08;
	ip[0] = 0x45;
	memcpy(ip + 2, &tot, 2);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	memcpy(l4, &sp, 2);
	memcpy(l4 + 2, &dp, 2);
	if (proto == IPPROTO_UDP) {
		uint16_t ul = htons((uint16_t)l4len);

		memcpy(l4 + 4, &ul, 2);
		memcpy(l4 + 8, payload, plen);
	} else {
		l4[12] = 0x50;
		l4[13] = 0x02;
	}
	f.len = (uint32_t)(14 + 20 + l4len);
	return f;
}

/* ns per run, REPEAT runs; the program's verdict must be want. */
static double run_ns(int prog, const struct frame *f, int repeat, int want)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog, &o) < 0 || (int)o.retval != want) {
		fprintf(stderr, "bench_mbox: test run: %s, verdict %d (want %d)\n", strerror(errno),
			(int)o.retval, want);
		exit(1);
	}
	return o.duration;
}

static int cmd_prog(int repeat)
{
	struct mbox_bpf *skel;
	struct mbox_config cfg = { 0 };
	struct domain_key k = { .serial = 1 };
	struct mbox_key mk;
	struct ticket t = { .type = TICKET_OFFER, .id = 1, .ntokens = 1 };
	uint8_t tbuf[TICKET_MAX_LEN];
	struct timespec mono;
	__u32 zero = 0;
	int prog, n;

	libbpf_set_print(NULL);
	skel = mbox_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench_mbox: cannot load mbox.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	prog = bpf_program__fd(skel->progs.mbox_tc);
	for (int i = 0; i < TOKEN_KEY_LEN; i++)
		k.secret[i] = (uint8_t)i;
	keys_domain_tag("example.com", k.id);
	k.id[7] = 1;
	memcpy(mk.id, k.id, 8);
	memcpy(&mk.k0, k.secret, 8);
	memcpy(&mk.k1, k.secret + 8, 8);
	bpf_map_update_elem(bpf_map__fd(skel->maps.keys), &zero, &mk, BPF_ANY);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	cfg.unix_offset_ns = (int64_t)time(NULL) * 1000000000ll -
			     ((int64_t)mono.tv_sec * 1000000000ll + mono.tv_nsec);
	cfg.key_mask = 1;
	memcpy(cfg.domain_tag, k.id, 4);
	cfg.idle_timeout_s = 300;
	cfg.max_lifetime_s = 86400;
	bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &cfg, BPF_ANY);

	struct frame syn = frame4(IPPROTO_TCP, 40000, 80, NULL, 0);
	double drop_ns = run_ns(prog, &syn, repeat, TC_ACT_SHOT);

	/* the ticket for 10.0.0.1:40000 -> 10.0.0.2:80 (TCP), sent on those ports */
	t.flow.proto = IPPROTO_TCP;
	mapped4(t.flow.src, 0x0a000001);
	mapped4(t.flow.dst, 0x0a000002);
	t.flow.sport = 40000;
	t.flow.dport = 80;
	token_make(&t.tokens[0], &k, &t.flow, (uint32_t)time(NULL) + 3600, 0);
	n = ticket_build(&t, tbuf, sizeof(tbuf));
	struct frame good = frame4(IPPROTO_UDP, 40000, 80, tbuf, (size_t)n);
	struct frame forged = good;

	forged.b[forged.len - 1] ^= 1; /* the MAC's last byte */
	double forged_ns = run_ns(prog, &forged, repeat, TC_ACT_SHOT);
	/* the valid ticket, once: it admits its flow (checked by the caller's counters) */
	run_ns(prog, &good, 1, TC_ACT_OK);
	/* now admitted: a packet of the flow */
	double pass_ns = run_ns(prog, &syn, repeat, TC_ACT_OK);

	printf("prog: drop_ns=%.1f pass_ns=%.1f ticket_ns=%.1f\n", drop_ns, pass_ns, forged_ns);
	mbox_bpf__destroy(skel);
	return 0;
}

/* ---- fill, count ---- */

static int open_flows(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/flows", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "bench_mbox: %s: %s\n", path, strerror(errno));
	return fd;
}

static int cmd_fill(const char *dir, unsigned long n)
{
	static struct mbox_flow_key keys[FILL_CHUNK];
	static struct mbox_flow vals[FILL_CHUNK];
	struct timespec mono;
	int fd = open_flows(dir);
	unsigned long done = 0;

	if (fd < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	while (done < n) {
		__u32 count = (__u32)(n - done < FILL_CHUNK ? n - done : FILL_CHUNK);

		for (__u32 i = 0; i < count; i++) {
			unsigned long j = done + i;

			memset(&keys[i], 0, sizeof(keys[i]));
			keys[i].proto = IPPROTO_TCP;
			/* 10.64.0.0/10 for one side, 192.168.0.1 the other: a < b, as the program orders them */
			mapped4(keys[i].a, 0x0a400000u + (uint32_t)(j / 1000));
			mapped4(keys[i].b, 0xc0a80001u);
			keys[i].pa = htons((uint16_t)(20000 + j % 1000));
			keys[i].pb = htons(443);
			vals[i].admitted_ns = vals[i].last_ns =
				(uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
			vals[i].key_serial = 1;
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, NULL) < 0) {
			fprintf(stderr, "bench_mbox: fill: %s after %lu\n", strerror(errno), done);
			return 1;
		}
		done += count;
	}
	printf("fill: %lu\n", done);
	return 0;
}

static int cmd_count(const char *dir)
{
	struct mbox_flow_key k, next;
	int fd = open_flows(dir);
	unsigned long n = 0;
	void *prev = NULL;

	if (fd < 0)
		return 1;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	printf("count: %lu\n", n);
	return 0;
}

/* ---- flood ---- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int cmd_flood(int argc, char **argv)
{
	static uint8_t bufs[BATCH][TICKET_MAX_LEN];
	static struct mmsghdr hdr[BATCH];
	static struct iovec iov[BATCH];
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	struct ticket t[FLOOD_SOCKS];
	int fds[FLOOD_SOCKS];
	size_t len = 22; /* 64-byte frames: 14 + 20 + 8 + 22 */
	double seconds = atof(argv[3]), rate = argc > 6 ? atof(argv[6]) : 0, t0, now;
	bool forged = !strcmp(argv[4], "forged");
	unsigned long long sent = 0, mac = 0;
	uint8_t tag[4];

	if (inet_pton(AF_INET, argv[0], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 || seconds <= 0 || rate < 0 ||
	    (!forged && strcmp(argv[4], "plain")) || keys_domain_tag(argv[5], tag) < 0) {
		fprintf(stderr, "bench_mbox: flood SRC DST PORT SECONDS plain|forged DOMAIN [RATE]\n");
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	for (int s = 0; s < FLOOD_SOCKS; s++) {
		socklen_t sl = sizeof(src);
		struct sockaddr_in me;

		fds[s] = socket(AF_INET, SOCK_DGRAM, 0);
		src.sin_port = 0;
		if (fds[s] < 0 || bind(fds[s], (struct sockaddr *)&src, sizeof(src)) < 0 ||
		    connect(fds[s], (struct sockaddr *)&dst, sizeof(dst)) < 0 ||
		    getsockname(fds[s], (struct sockaddr *)&me, &sl) < 0) {
			fprintf(stderr, "bench_mbox: flood socket: %s\n", strerror(errno));
			return 1;
		}
		/* a ticket naming this socket's own 5-tuple, so only its MAC is wrong */
		memset(&t[s], 0, sizeof(t[s]));
		t[s].type = TICKET_OFFER;
		t[s].ntokens = 1;
		t[s].flow.proto = IPPROTO_TCP;
		mapped4(t[s].flow.src, ntohl(src.sin_addr.s_addr));
		mapped4(t[s].flow.dst, ntohl(dst.sin_addr.s_addr));
		t[s].flow.sport = ntohs(me.sin_port);
		t[s].flow.dport = ntohs(dst.sin_port);
		memcpy(t[s].tokens[0].key_id, tag, 4);
		t[s].tokens[0].key_id[7] = 1;
		t[s].tokens[0].expiry = (uint32_t)time(NULL) + 3600;
	}
	if (forged)
		len = TICKET_HDR_LEN + TOKEN_WIRE_LEN;
	memset(bufs, 0x55, sizeof(bufs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = len;
		hdr[i].msg_hdr.msg_iov = &iov[i];
		hdr[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	t0 = bench_now();
	for (unsigned s = 0; !stop; s = (s + 1) % FLOOD_SOCKS) {
		int n;

		now = bench_now();
		if (now - t0 >= seconds)
			break;
		if (rate > 0 && (double)sent > rate * (now - t0)) {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (forged)
			for (int i = 0; i < BATCH; i++) {
				uint64_t m = ++mac;

				t[s].id = (uint32_t)m;
				t[s].tokens[0].mac = m * 0x9e3779b97f4a7c15ull;
				ticket_build(&t[s], bufs[i], sizeof(bufs[i]));
			}
		n = sendmmsg(fds[s], hdr, BATCH, 0);
		if (n > 0)
			sent += (unsigned long long)n;
	}
	now = bench_now();
	printf("flood: sent=%llu seconds=%.2f rate=%.0f/s\n", sent, now - t0,
	       (double)sent / (now - t0));
	return 0;
}

/* ---- soak ---- */

static int cmd_soak(int cpu, double seconds)
{
	struct sched_param sp = { 0 };
	cpu_set_t set;
	volatile uint64_t loops = 0;
	double t0, t;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0 ||
	    sched_setscheduler(0, SCHED_IDLE, &sp) < 0) {
		fprintf(stderr, "bench_mbox: soak: %s\n", strerror(errno));
		return 1;
	}
	t0 = bench_now();
	do {
		for (int i = 0; i < 100000; i++)
			loops++;
		t = bench_now();
	} while (t - t0 < seconds);
	printf("soak: loops_per_s=%.0f\n", (double)loops / (t - t0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "prog"))
		return cmd_prog(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1000000);
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return cmd_fill(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "count"))
		return cmd_count(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "soak"))
		return cmd_soak(atoi(argv[2]), atof(argv[3]));
	if ((argc == 8 || argc == 9) && !strcmp(argv[1], "flood"))
		return cmd_flood(argc - 2, argv + 2);
	fprintf(stderr, "usage: bench_mbox prog REPEAT | fill PIN_DIR N | count PIN_DIR |\n"
			"       flood SRC DST PORT SECONDS plain|forged DOMAIN [RATE] | soak CPU SECONDS\n");
	return 2;
}
