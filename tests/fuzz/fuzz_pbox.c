// SPDX-License-Identifier: MIT
/*
 * The whole per-message path of nutss-pboxd under one fuzz target: cheap
 * refusals, transactions, digest auth, policy, the registrar, routing,
 * forking, reply building and the TCP framing in front of them, with
 * sequences of messages rather than single datagrams.
 *
 * A real worker (worker_new: its UDP sockets, TCP listeners, epoll set,
 * store and transaction table) runs without its thread, driven here: the
 * harness sets the worker's clock (now_ms), hands it datagrams from any
 * source address through proxy_handle(), writes to real TCP connections
 * and lets worker_events() read them, and plays the next hops: registered
 * contacts and the next-hop proxy are sockets of this process, so what the
 * P-Box forwards is read back and can be answered. The process first moves
 * into a network namespace of its own (root needed), so nothing it sends,
 * whatever address the input names, leaves it.
 *
 * Input: a sequence of operations, each a kind byte and its arguments
 * (u16 little-endian; lengths are cut to what is left):
 *
 *   0, 6, 7  UDP     src:u8 len:u16 bytes   a datagram from source src % NSRC
 *   1        AUTH    src:u8 len:u16 bytes   the same, with valid digest credentials
 *                                           for its From user added (alice, bob, carol)
 *   2        TCP     conn:u8 len:u16 bytes  written on client connection conn % NCONN
 *                                           (connected on first use; odd ones over IPv6)
 *   3        CLOSE   conn:u8                that connection closed (reset when conn & 0x80)
 *   4        ANSWER  code:u16 len:u16 bytes the last request a next hop received gets a
 *                                           response, status 100 + code % 600: its Vias,
 *                                           From, To (tagged), Call-ID, CSeq, then bytes
 *   5        TIME    ms:u16                 the clock moves ms * 4 forward
 *
 * In the bytes of UDP, AUTH, TCP and ANSWER, "$B", "$C" and "$F" become the
 * top Via branch, Call-ID and From tag of the last request a next hop
 * received, and "$R" the last Record-Route one carried, so inputs can CANCEL, ACK, BYE and
 * answer what the P-Box really forwarded. At the end of each input every
 * connection is closed and the clock moves 5 minutes on, after which no
 * transaction may be left (abort otherwise); the registrations go back to
 * the fixtures.
 *
 * NUTSS_FUZZ_LOG=debug logs at debug level (run with -close_fd_mask=2).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/log.h"
#include "pbox/dialog.h"
#include "pbox/location.h"
#include "pbox/nonce.h"
#include "pbox/pbox.h"
#include "pbox/store.h"
#include "pbox/txn.h"
#include "pbox/users.h"
#include "pbox/worker.h"
#include "policy/policy.h"
#include "proto/keys.h"
#include "sip/build.h"
#include "sip/digest.h"
#include "sip/limits.h"
#include "sip/msg.h"

#define DOMAIN "example.com"
#define PORT_PBOX 5060
#define PORT_UA 5070	  /* alice's user agent: replies to her land here */
#define PORT_BOB 5071	  /* bob's registered contact (UDP) */
#define PORT_CAROL 5072	  /* carol's, over IPv6 */
#define PORT_DAVE 5073	  /* dave's, over TCP */
#define PORT_NEXT_HOP 5099 /* the proxy for other domains */
#define NCONN 4
#define NSRC 8
#define MAX_OP_BYTES 65535

static const char *const config_text =
	"domain = " DOMAIN "\n"
	"listen = udp:127.0.0.1:5060\n"
	"listen = tcp:127.0.0.1:5060\n"
	"listen = udp:[::1]:5060\n"
	"listen = tcp:[::1]:5060\n"
	"auth = on\n"
	"auth_algorithms = MD5 SHA-256\n"
	"next_hop = udp:127.0.0.1:5099\n"
	"max_transactions = 64\n"
	"transaction_memory = 1\n"
	"max_tcp_connections = 16\n"
	"max_tcp_per_peer = 8\n"
	"tcp_idle_timeout = 30\n"
	"batch_wait_us = 0\n";

/* The domain's policy: a deny with a reason, require(), redirect(), a plain deny, accept. */
static const char *const policy_text =
	"if (flow.taint LIKE *.confidential)\n"
	"\tdeny(\"confidential data stays home\")\n"
	"end\n"
	"if (to.user IS carol@" DOMAIN ")\n"
	"\trequire(ssl)\n"
	"end\n"
	"if (to.app IS web AND from.user NOT alice@" DOMAIN ")\n"
	"\tredirect(127.0.0.1:5074, uid())\n"
	"end\n"
	"if (from.user IS mallory@" DOMAIN ")\n"
	"\tdeny()\n"
	"end\n"
	"accept()\n";

static const struct {
	const char *user, *password;
} users[] = { { "alice", "alice-pw" }, { "bob", "bob-pw" }, { "carol", "carol-pw" } };

static struct pbox pb;
static struct worker *w;
static char data_dir[96];
static int ua_fd = -1, hop_fd[3] = { -1, -1, -1 }, dave_fd = -1;
static int conn_fd[NCONN] = { -1, -1, -1, -1 };
static int dave_conn[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
static struct sockaddr_storage src[NSRC];
static socklen_t srclen[NSRC];
static struct sip_msg *scratch, *last;
static char last_buf[SIP_MAX_MSG_SIZE + 1];
static char last_rr[1024]; /* the last Record-Route seen: an ACK or BYE carries none */
static size_t last_rr_len;
static int last_fd = -1; /* where the last request came in: a hop socket or a dave connection */
static struct sockaddr_storage last_from;
static socklen_t last_fromlen;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_pbox: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t addr(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return sizeof(*a);
}

static int bound(int type, const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr(&ss, ip, port);
	int one = 1, fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die(ip);
	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		die("listen");
	return fd;
}

/* Our own network: only a loopback, which nothing outside this process shares. */
static void private_network(void)
{
	struct ifreq ifr = { 0 };
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET) (the whole-path target runs as root, in a namespace of its own)");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die("lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die("lo up");
	close(fd);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die(path);
}

static void add_users(void)
{
	struct store *st;

	if (store_open(&st, data_dir, STORE_CREATE) < 0)
		die("store");
	for (unsigned i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		char aor[64], md5[DIGEST_HEX_BUF], sha[DIGEST_HEX_BUF];

		snprintf(aor, sizeof(aor), "%s@" DOMAIN, users[i].user);
		if (digest_ha1(md5, DIGEST_MD5, slice_cstr(users[i].user), SLICE_LIT(DOMAIN),
			       slice_cstr(users[i].password)) < 0 ||
		    digest_ha1(sha, DIGEST_SHA256, slice_cstr(users[i].user), SLICE_LIT(DOMAIN),
			       slice_cstr(users[i].password)) < 0 ||
		    store_user_put(st, aor, md5, sha) < 0)
			die("user");
	}
	store_close(st);
}

/* The registrations every input starts from. */
static void fixtures(void)
{
	static const struct {
		const char *aor, *contact, *desc, *path;
		float q;
	} b[] = {
		{ "bob@" DOMAIN, "sip:bob@127.0.0.1:5071", "bob@" DOMAIN ";app=ftp;type=server", "", 1 },
		{ "bob@" DOMAIN, "sip:bob@127.0.0.1:5075", "bob@" DOMAIN ";app=ftp;type=server", "",
		  0.5f },
		{ "carol@" DOMAIN, "sip:carol@[::1]:5072", "carol@" DOMAIN ";app=web;type=server", "",
		  1 },
		{ "dave@" DOMAIN, "sip:dave@127.0.0.1:5073;transport=tcp",
		  "dave@" DOMAIN ";app=ssh;type=server", "", 1 },
		{ "erin@" DOMAIN, "sip:erin@192.0.2.9:5060", "erin@" DOMAIN ";app=ftp;type=server",
		  "<sip:edge@127.0.0.1:5099;lr>", 1 },
	};

	location_free(pb.loc);
	pb.loc = NULL;
	if (location_new(&pb.loc) < 0)
		die("location");
	for (unsigned i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		struct loc_binding lb = {
			.aor = slice_cstr(b[i].aor),
			.contact = slice_cstr(b[i].contact),
			.descriptor = slice_cstr(b[i].desc),
			.path = slice_cstr(b[i].path),
			.call_id = SLICE_LIT("fixture"),
			.cseq = 1,
			.q = b[i].q,
		};

		if (location_update(pb.loc, &lb, (int64_t)time(NULL)) < 0)
			die("fixture");
	}
}

static void remove_dir(const char *dir)
{
	static const char *const files[] = { "nutss.db", "nutss.db-wal", "nutss.db-shm",
					     "domain.pol" };
	char path[600];

	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void cleanup(void)
{

	if (w)
		log_info("fuzz_pbox: %llu received, %llu forwarded, %llu refused, %llu sent",
			 (unsigned long long)w->stats.received, (unsigned long long)w->stats.forwarded,
			 (unsigned long long)w->stats.refused, (unsigned long long)w->stats.sent);
	worker_free(w);
	free(pb.workers);
	location_free(pb.loc);
	users_free(pb.users);
	policy_free(pb.policy);
	nonce_ctx_free(pb.nonces);
	keys_clear(pb.keys);
	free(pb.keys);
	free(scratch);
	free(last);
	remove_dir(data_dir);
}

/*
 * The data directories of harnesses that did not get to clean up (killed:
 * libFuzzer's fork mode stops its jobs so), found by the pid in their name.
 */
static void sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[512];
		int pid;

		if (sscanf(e->d_name, "fuzz_pbox.%d.", &pid) != 1 || pid <= 0 ||
		    (kill(pid, 0) == 0 || errno != ESRCH))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		remove_dir(path);
	}
	if (d)
		closedir(d);
}

static void init(void)
{
	uint8_t key[NONCE_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	char cfg[2048], path[128], err[256];
	const char *lvl = getenv("NUTSS_FUZZ_LOG");
	struct policy_err perr;
	static const char *const srcs[NSRC] = { "127.0.0.1", "127.0.0.1", "::1",
						"127.0.0.1", "10.1.2.3",  "2001:db8::7",
						"127.0.0.1", "::ffff:127.0.0.1" };
	static const uint16_t ports[NSRC] = { PORT_UA,	     PORT_BOB, PORT_CAROL, PORT_NEXT_HOP,
					      5060,	     5062,     PORT_PBOX,  PORT_UA };

	log_set_level(lvl && log_level_parse(lvl) >= 0 ? (enum log_level)log_level_parse(lvl)
						       : LOG_ERROR);
	private_network();
	sweep(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	snprintf(data_dir, sizeof(data_dir), "%s/fuzz_pbox.%d.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
	if (!mkdtemp(data_dir))
		die("mkdtemp");
	atexit(cleanup);
	add_users();
	snprintf(path, sizeof(path), "%s/domain.pol", data_dir);
	write_file(path, policy_text);
	snprintf(cfg, sizeof(cfg), "%sdata_dir = %s\npolicy = %s\n", config_text, data_dir, path);
	config_defaults(&pb.cfg);
	if (config_parse(&pb.cfg, "fuzz", cfg, strlen(cfg), err, sizeof(err)) < 0 ||
	    config_check(&pb.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_pbox: config: %s\n", err);
		exit(1);
	}
	snprintf(pb.totag, sizeof(pb.totag), "fuzztotag");
	pb.policy = policy_new();
	if (hash_key_init() < 0 || !pb.policy || policy_load(pb.policy, path, &perr) < 0 ||
	    dialog_key_init(&pb, key, sizeof(key)) < 0 ||
	    nonce_ctx_new(&pb.nonces, key, pb.cfg.nonce_ttl, 1u << 20) < 0 ||
	    users_load(&pb.users, data_dir) < 0)
		die("pbox state");
	/* the domain's token keys: answers to offers get tokens (flow.c) */
	pb.keys = calloc(1, sizeof(*pb.keys));
	if (!pb.keys || keys_new(pb.keys, DOMAIN, 1) < 0)
		die("keys");
	fixtures();
	pb.nworkers = 1;
	pb.workers = calloc(1, sizeof(*pb.workers));
	if (!pb.workers || worker_new(&pb, 0, &w) < 0)
		die("worker");
	pb.workers[0] = w;
	for (unsigned i = 0; i < NSRC; i++)
		srclen[i] = addr(&src[i], srcs[i], ports[i]);
	ua_fd = bound(SOCK_DGRAM, "127.0.0.1", PORT_UA);
	hop_fd[0] = bound(SOCK_DGRAM, "127.0.0.1", PORT_BOB);
	hop_fd[1] = bound(SOCK_DGRAM, "::1", PORT_CAROL);
	hop_fd[2] = bound(SOCK_DGRAM, "127.0.0.1", PORT_NEXT_HOP);
	dave_fd = bound(SOCK_STREAM, "127.0.0.1", PORT_DAVE);
	scratch = malloc(sizeof(*scratch));
	last = malloc(sizeof(*last));
	if (!scratch || !last)
		die("malloc");
}

/* What the worker's loop does in a turn, at the harness's clock. */
static void pump(void)
{
	struct epoll_event ev[16];

	for (int round = 0; round < 8; round++) {
		int n = epoll_wait(w->epfd, ev, 16, 0);

		if (n <= 0)
			break;
		worker_events(w, ev, n);
	}
	wheel_run(&w->wheel, w->now_ms);
	worker_flush_all(w);
}

static void remember(int fd, const char *data, size_t len, const struct sockaddr_storage *from,
		     socklen_t fromlen)
{
	struct sip_err err;

	memcpy(last_buf, data, len);
	if (!sip_msg_parse(last, last_buf, len, SIP_PARSE_FULL, &err) || !last->is_request) {
		last_fd = -1;
		return;
	}
	last_fd = fd;
	if (last->nrecord_route && last->record_route[0].raw.len <= sizeof(last_rr)) {
		last_rr_len = last->record_route[0].raw.len;
		memcpy(last_rr, last->record_route[0].raw.p, last_rr_len);
	}
	memcpy(&last_from, from, fromlen);
	last_fromlen = fromlen;
}

/* Read what the P-Box sent to the next hops; keep the last request for ANSWER. */
static void capture(void)
{
	static char in[SIP_MAX_MSG_SIZE + 1];
	ssize_t n;

	/* replies to alice: read so the socket never fills */
	while ((n = recv(ua_fd, in, sizeof(in), 0)) >= 0)
		if (log_enabled(LOG_DEBUG)) {
			char line[256];
			const char *eol = memchr(in, '\r', (size_t)n);

			log_debug("to alice: %s",
				  log_slice(line, sizeof(line),
					    slice_make(in, eol ? (size_t)(eol - in) : (size_t)n)));
		}
	for (unsigned i = 0; i < 3; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);

		while ((n = recvfrom(hop_fd[i], in, sizeof(in) - 1, 0, (struct sockaddr *)&from,
				     &fromlen)) >= 0) {
			remember(hop_fd[i], in, (size_t)n, &from, fromlen);
			fromlen = sizeof(from);
		}
	}
	for (unsigned i = 0; i < 8; i++) {
		int fd;

		if (dave_conn[i] < 0) {
			fd = accept4(dave_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			dave_conn[i] = fd;
		}
		/* one read: a stream request, framed or not, is worth remembering whole */
		n = recv(dave_conn[i], in, sizeof(in) - 1, 0);
		if (n > 0)
			remember(dave_conn[i], in, (size_t)n, &src[0], srclen[0]);
		else if (n == 0) {
			close(dave_conn[i]);
			dave_conn[i] = -1;
		}
	}
}

/* Copy bytes, with $B, $C, $F and $R from the last forwarded request. */
static size_t substitute(char *out, size_t cap, const uint8_t *in, size_t len)
{
	struct buf b;

	buf_init(&b, out, cap);
	for (size_t i = 0; i < len; i++) {
		struct slice v = SLICE_NULL;
		bool known = last_fd >= 0;

		if (in[i] != '$' || i + 1 == len) {
			buf_put(&b, &in[i], 1);
			continue;
		}
		switch (in[i + 1]) {
		case 'B':
			v = known && last->nvia ? last->via[0].branch : SLICE_NULL;
			break;
		case 'C':
			v = known ? last->call_id : SLICE_NULL;
			break;
		case 'F':
			v = known ? last->from.tag : SLICE_NULL;
			break;
		case 'R':
			v = slice_make(last_rr, last_rr_len);
			break;
		default:
			buf_put(&b, &in[i], 1);
			continue;
		}
		buf_slice(&b, v);
		i++;
	}
	return b.len;
}

/*
 * One datagram into the per-message path, in an exactly-sized heap copy so
 * that a read past its end is caught (the worker's own buffer is larger).
 */
static void deliver(const char *data, size_t len, unsigned s, int fd)
{
	char *copy;
	struct packet pkt = {
		.len = len,
		.srclen = srclen[s],
		.listen = src[s].ss_family == AF_INET6 ? 2 : 0,
		.proto = LISTEN_UDP,
	};

	if (len > SIP_MAX_MSG_SIZE) /* no datagram is larger: the worker counts it too_large */
		return;
	copy = malloc(len ? len : 1);
	if (!copy)
		die("malloc");
	memcpy(copy, data, len);
	pkt.buf = copy;
	memcpy(&pkt.src, &src[s], sizeof(pkt.src));
	pkt.fd = fd >= 0 ? fd : w->udp_pub[pkt.listen];
	w->stats.received++;
	proxy_handle(w, &pb, w->msg, &pkt);
	free(copy);
}

/* The message with digest credentials of its From user inserted after its first line. */
static size_t with_credentials(char *out, size_t cap, const char *data, size_t len, unsigned s)
{
	char nonce[NONCE_LEN + 1], ha1[DIGEST_HEX_BUF], resp[DIGEST_HEX_BUF], hdr[1024];
	enum digest_alg alg = s & 1 ? DIGEST_SHA256 : DIGEST_MD5;
	const char *eol = memchr(data, '\n', len);
	const char *pw = NULL;
	struct sip_err err;
	struct buf b;

	if (!eol || !sip_msg_parse(scratch, data, len, SIP_PARSE_FULL, &err) ||
	    !scratch->is_request)
		return 0;
	for (unsigned i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (slice_eq_cstr(scratch->from.uri.user, users[i].user))
			pw = users[i].password;
	if (!pw || nonce_make(pb.nonces, (struct sockaddr *)&src[s], (uint64_t)time(NULL), nonce) < 0 ||
	    digest_ha1(ha1, alg, scratch->from.uri.user, SLICE_LIT(DOMAIN), slice_cstr(pw)) < 0)
		return 0;
	struct digest_input in = {
		.alg = alg,
		.ha1 = slice_cstr(ha1),
		.nonce = slice_cstr(nonce),
		.nc = SLICE_LIT("00000001"),
		.cnonce = SLICE_LIT("fz"),
		.qop = SLICE_LIT("auth"),
		.method = scratch->method,
		.uri = scratch->ruri_raw,
	};
	if (digest_response(resp, &in) < 0)
		return 0;
	struct digest_credentials c = {
		.username = scratch->from.uri.user,
		.realm = SLICE_LIT(DOMAIN),
		.nonce = slice_cstr(nonce),
		.uri = scratch->ruri_raw,
		.response = slice_cstr(resp),
		.algorithm = slice_cstr(digest_alg_name(alg)),
		.cnonce = SLICE_LIT("fz"),
		.qop = SLICE_LIT("auth"),
		.nc = 1,
	};
	if (digest_build_credentials(hdr, sizeof(hdr), &c) < 0)
		return 0;
	buf_init(&b, out, cap);
	buf_put(&b, data, (size_t)(eol + 1 - data));
	buf_puts(&b, scratch->method_id == SIP_REGISTER ? "Authorization: " : "Proxy-Authorization: ");
	buf_puts(&b, hdr);
	buf_put(&b, "\r\n", 2);
	buf_put(&b, eol + 1, len - (size_t)(eol + 1 - data));
	return b.overflow ? 0 : b.len;
}

/* A response to the last request a next hop received, from that next hop. */
static void answer(unsigned code, const uint8_t *extra, size_t len)
{
	static char out[SIP_MAX_MSG_SIZE];
	struct buf b;

	if (last_fd < 0)
		return;
	buf_init(&b, out, sizeof(out));
	sip_build_status_line(&b, 100 + code % 600, "Fuzz");
	for (unsigned i = 0; i < last->nhdrs; i++) {
		const struct sip_hdr *h = &last->hdrs[i];

		if (h->id == SIP_H_VIA || h->id == SIP_H_FROM || h->id == SIP_H_CALL_ID ||
		    h->id == SIP_H_CSEQ || h->id == SIP_H_RECORD_ROUTE || h->id == SIP_H_TO)
			sip_build_copy(&b, h);
		if (h->id == SIP_H_TO && !last->to.tag.len && !b.overflow) {
			b.len -= 2;
			buf_puts(&b, ";tag=fz\r\n");
		}
	}
	b.len += substitute(b.p + b.len, b.overflow ? 0 : b.cap - b.len, extra, len);
	if (!len)
		buf_puts(&b, "Content-Length: 0\r\n\r\n");
	if (b.overflow)
		return;
	if (last_fd == hop_fd[0] || last_fd == hop_fd[1] || last_fd == hop_fd[2]) {
		unsigned s = last_fd == hop_fd[1] ? 2 : last_fd == hop_fd[2] ? 3 : 1;
		int fd = w->udp_priv[src[s].ss_family == AF_INET6 ? 2 : 0];

		deliver(out, b.len, s, fd);
	} else if (send(last_fd, out, b.len, MSG_NOSIGNAL) < 0) {
		/* the P-Box closed it: nothing to answer on */
	}
}

static int client_conn(unsigned k)
{
	struct sockaddr_storage ss;
	socklen_t len = addr(&ss, k & 1 ? "::1" : "127.0.0.1", PORT_PBOX);

	if (conn_fd[k] >= 0)
		return conn_fd[k];
	conn_fd[k] = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (conn_fd[k] < 0)
		return -1;
	if (connect(conn_fd[k], (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		close(conn_fd[k]);
		conn_fd[k] = -1;
	}
	return conn_fd[k];
}

static void conn_close(unsigned k, bool reset)
{
	if (conn_fd[k] < 0)
		return;
	if (reset) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(conn_fd[k], SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(conn_fd[k]);
	conn_fd[k] = -1;
}

/* Read what the P-Box wrote back on the client connections, so they never fill. */
static void drain_clients(void)
{
	static char in[65536];

	for (unsigned k = 0; k < NCONN; k++)
		while (conn_fd[k] >= 0 && recv(conn_fd[k], in, sizeof(in), 0) > 0)
			;
}

/* Every connection closed, five minutes on: nothing may be left. */
static void settle(void)
{
	for (unsigned k = 0; k < NCONN; k++)
		conn_close(k, false);
	for (unsigned i = 0; i < 8; i++)
		if (dave_conn[i] >= 0) {
			close(dave_conn[i]);
			dave_conn[i] = -1;
		}
	for (int i = 0; i < 20; i++) {
		w->now_ms += 16000;
		pump();
		capture();
	}
	if (txn_count(w->txns)) {
		fprintf(stderr, "fuzz_pbox: %u transaction(s) still alive 5 minutes after the last message\n",
			txn_count(w->txns));
		abort();
	}
	last_fd = -1;
	last_rr_len = 0;
	fixtures();
}

static uint16_t u16(const uint8_t **p, const uint8_t *end)
{
	uint16_t v = 0;

	if (end - *p >= 2) {
		v = (uint16_t)((*p)[0] | (*p)[1] << 8);
		*p += 2;
	} else {
		*p = end;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char msg[MAX_OP_BYTES + 1], authed[MAX_OP_BYTES + 2048];
	const uint8_t *p = data, *end = data + size;

	if (!w)
		init();
	for (unsigned ops = 0; p < end && ops < 64; ops++) {
		unsigned kind = *p++ % 8, arg, len;
		size_t n;

		if (p >= end)
			break;
		arg = *p++;
		switch (kind) {
		case 3: /* CLOSE */
			conn_close(arg % NCONN, arg & 0x80);
			break;
		case 5: /* TIME */
			p--;
			w->now_ms += (uint64_t)u16(&p, end) * 4;
			break;
		case 4: /* ANSWER */
			p--;
			arg = u16(&p, end);
			len = u16(&p, end);
			if (len > (size_t)(end - p))
				len = (unsigned)(end - p);
			answer(arg, p, len);
			p += len;
			break;
		default: /* UDP, AUTH, TCP */
			len = u16(&p, end);
			if (len > (size_t)(end - p))
				len = (unsigned)(end - p);
			n = substitute(msg, sizeof(msg) - 1, p, len);
			p += len;
			if (kind == 2) {
				int fd = client_conn(arg % NCONN);

				if (fd >= 0 && send(fd, msg, n, MSG_NOSIGNAL) < 0)
					conn_close(arg % NCONN, false);
			} else if (kind == 1) {
				size_t m = with_credentials(authed, sizeof(authed), msg, n, arg % NSRC);

				if (m)
					deliver(authed, m, arg % NSRC, -1);
				else
					deliver(msg, n, arg % NSRC, -1);
			} else {
				deliver(msg, n, arg % NSRC, -1);
			}
			break;
		}
		pump();
		capture();
		drain_clients();
	}
	settle();
	return 0;
}
