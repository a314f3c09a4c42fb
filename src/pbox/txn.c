// SPDX-License-Identifier: MIT
/*
 * The transaction layer of a stateful proxy (RFC 3261 16 and 17), one table
 * per worker, touched only by its worker: no locks.
 *
 * A proxy transaction (struct ptxn) is the server transaction of a request
 * we forward together with its current client transaction. Both sides are
 * one object because a proxy never has one without the other, and serial
 * forking (paper 2, 3.2) replaces only the client side: the targets left to
 * try are kept with it. Responses we make up ourselves (408 after a timeout,
 * 487 after CANCEL) are built from a copy of the request as it came in.
 *
 * States follow the server side:
 *   TRYING      forwarded, nothing back yet (an INVITE got our 100 Trying)
 *   PROCEEDING  a provisional response came back and went up
 *   COMPLETED   a final non-2xx went up: resent for retransmissions (and by
 *               timer G over UDP for INVITE) until the ACK or timer H / J
 *   CONFIRMED   INVITE: the ACK came; absorb what follows for timer I
 *   ACCEPTED    INVITE: a 2xx went up; later 2xx are forwarded too and
 *               request retransmissions absorbed (RFC 6026), for 64*T1
 *
 * The client side is "live" while the server side is TRYING or PROCEEDING:
 * timer A/E retransmits (UDP only), B/F gives up after 64*T1, C after a
 * provisional response to an INVITE gives up after three minutes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/hash.h"
#include "core/log.h"
#include "pbox/flow.h"
#include "pbox/pbox.h"
#include "pbox/pool.h"
#include "pbox/reply.h"
#include "pbox/shed.h"
#include "pbox/txn.h"
#include "pbox/auth.h"
#include "pbox/worker.h"
#include "sip/build.h"
#include "sip/chars.h"
#include "sip/msg.h"

#define TXN_BUCKETS    (1u << 18) /* per index; a power of two */
#define TXN_KEY_MAX    512	  /* server key: branch and sent-by */
#define TXN_BRANCH_MAX 64	  /* ours: prefix (< 24), up to 16 hex digits, '.', 16 more */

enum ptxn_state { PT_TRYING, PT_PROCEEDING, PT_COMPLETED, PT_CONFIRMED, PT_ACCEPTED };

struct ptxn {
	struct ptxn *snext, **sprev; /* chain of the server index */
	struct ptxn *cnext, **cprev; /* chain of the client index */
	uint32_t shash;		     /* keyed hash of the server key */
	struct worker *w;
	uint8_t method; /* enum sip_method of the request (never ACK or CANCEL) */
	uint8_t state;
	bool provisional; /* the current client transaction got a provisional response */
	bool cancelled;	  /* a CANCEL came for this INVITE */
	bool cancel_sent;
	bool drop_route; /* the request's first Route was us */
	bool offer;	 /* an INVITE offering a NUTSS flow: its 2xx goes through flow_answer */
	uint16_t best_status;
	uint32_t retx_ms, cancel_retx_ms;
	uint64_t cancel_until;

	/* upstream: where the request came from and how */
	union inet_addr src;
	socklen_t srclen;
	int fd;
	uint8_t proto;
	uint64_t conn;
	unsigned listen;

	/* downstream: the current target */
	union inet_addr to;
	socklen_t tolen;
	uint8_t out_proto;
	unsigned out_li;
	uint64_t counter; /* our branch: the worker's prefix, then this (branch_text) */

	char *in;   /* the request as received: forking, our own responses */
	char *out;  /* as forwarded (retransmissions, CANCEL); after a non-2xx: our ACK */
	char *resp; /* the last response sent up, resent for retransmissions */
	char *best; /* the best failure while forking, our Via already removed */
	uint32_t inlen, outlen, resplen, bestlen;

	struct route_target *rest; /* targets not tried yet */
	unsigned nrest, next;

	struct timer t_retx;   /* A or E (client), G (server) */
	struct timer t_end;    /* B, F or C (client), H, I, J or the end of ACCEPTED (server) */
	struct timer t_cancel; /* retransmits our CANCEL */
	struct timer t_trying; /* 100 Trying, if no provisional response went up in 200 ms */

	uint16_t keylen;
	char key[]; /* branch and sent-by (or the RFC 2543 fallback) */
};

struct txn_table {
	struct worker *w;
	struct ptxn *server[TXN_BUCKETS];
	struct ptxn *client[TXN_BUCKETS];
	struct pool pool;	 /* the transactions and their message copies */
	struct sip_msg *scratch; /* re-parses of stored requests */
	unsigned count;
	uint32_t t1;		 /* ms (config sip_t1); timers A, B, E, F, G, H, J scale with it */
	unsigned max;		 /* transactions (config max_transactions); past it, 503 */
	uint64_t full_refused;	 /* requests refused for want of room, not yet logged */
	uint64_t full_log_after; /* ms: the next report of them, at most one in 10 s */
	uint64_t counter;	 /* the branches this worker makes */
	char prefix[24];	 /* "z9hG4bK" + per-process random + worker: ours */
	size_t prefix_len;
	uint64_t branch_key[2]; /* of the MAC in our branches (branch_text): random per table */
};

_Static_assert(sizeof(((struct txn_table *)0)->prefix) + 16 + 1 + 16 <= TXN_BRANCH_MAX,
	       "room for our prefix, a 64-bit counter and its MAC in hex");

static inline uint32_t t1(const struct ptxn *p)
{
	return p->w->txns->t1;
}

int txn_table_new(struct worker *w, struct txn_table **out)
{
	/* huge pages: 4 MiB of indexes touched at random, a TLB miss a lookup in 4 KiB pages */
	struct txn_table *t = pool_map(sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->w = w;
	t->t1 = w->pb->cfg.t1_ms;
	t->max = w->pb->cfg.max_transactions;
	t->scratch = malloc(sizeof(*t->scratch));
	if (!t->scratch) {
		pool_unmap(t, sizeof(*t));
		return -ENOMEM;
	}
	/*
	 * Zeroing fresh pages is the kernel's, but on the call path it is ours:
	 * 5% of the CPU at 2,000 calls/s while the pool grows (bench/README.md).
	 * Taken at start instead; the pool grows past it on demand.
	 */
	if (pool_reserve(&t->pool, (size_t)w->pb->cfg.transaction_memory << 20) < 0) {
		log_error("cannot reserve %u MiB for transactions (transaction_memory)",
			  w->pb->cfg.transaction_memory);
		pool_release(&t->pool);
		free(t->scratch);
		pool_unmap(t, sizeof(*t));
		return -ENOMEM;
	}
	if (getrandom(t->branch_key, sizeof(t->branch_key), 0) != sizeof(t->branch_key)) {
		free(t->scratch);
		pool_unmap(t, sizeof(*t));
		return -EIO;
	}
	/* totag is random per process, so branches differ across restarts */
	t->prefix_len = (size_t)snprintf(t->prefix, sizeof(t->prefix), "z9hG4bKp%.8s%02x",
					 w->pb->totag, w->id & 0xff);
	*out = t;
	return 0;
}

unsigned txn_count(const struct txn_table *t)
{
	return t->count;
}

/*
 * The server transaction key (RFC 3261 17.2.3): with the magic cookie, the
 * branch and the sent-by; without it (RFC 2543 peers), Call-ID, CSeq number
 * and the whole top Via. The method is compared apart. 0 when too long.
 */
static size_t server_key(const struct sip_msg *m, char *key, size_t cap)
{
	const struct sip_via *v = &m->via[0];
	struct buf b;
	int n;

	/* by hand, not snprintf: every request that reaches us is looked up */
	buf_init(&b, key, cap);
	if (v->branch.len > 7 && !memcmp(v->branch.p, "z9hG4bK", 7)) {
		buf_slice(&b, v->branch);
		buf_put(&b, "\001", 1);
		buf_slice(&b, v->host);
		buf_put(&b, ":", 1);
		buf_uint(&b, v->port);
	} else {
		buf_slice(&b, m->call_id);
		buf_put(&b, "\001", 1);
		buf_uint(&b, m->cseq.seq);
		buf_put(&b, "\001", 1);
		buf_slice(&b, v->raw);
	}
	n = buf_done(&b);
	return n > 0 ? (size_t)n : 0;
}

static struct ptxn *server_find(struct txn_table *t, unsigned method, const char *key, size_t len)
{
	uint32_t h = hash_bytes(key, len, method);

	for (struct ptxn *p = t->server[h & (TXN_BUCKETS - 1)]; p; p = p->snext)
		if (p->shash == h && p->method == method && p->keylen == len &&
		    !memcmp(p->key, key, len))
			return p;
	return NULL;
}

/*
 * Our branches are the table's prefix, a counter in hex (least significant
 * digit first), '.' and a MAC of the counter (SipHash-2-4 under the
 * table's random key), also in hex. The client index is by the counter,
 * not by a hash: branches made one after another land in neighbouring
 * buckets, so a new transaction and the responses that soon follow find
 * their bucket in cache, and no peer can choose where an entry goes. The
 * MAC is what makes a response ours: prefix and counter are no secret (the
 * prefix is in every To tag we write, the counter counts), and without it
 * anyone could answer other people's requests in our name, a 486 to end a
 * call or a 200 to take it over, by trying counters.
 */
static uint64_t branch_mac(const struct txn_table *t, uint64_t counter)
{
	return siphash(&counter, sizeof(counter), t->branch_key[0], t->branch_key[1], 2, 4);
}

/* The counter of one of our branches; false if branch is not one (or its MAC is wrong). */
static bool branch_counter(const struct txn_table *t, struct slice branch, uint64_t *c)
{
	const char *p = branch.p + t->prefix_len, *end = branch.p + branch.len, *dot;
	uint64_t v = 0, mac;

	if (branch.len <= t->prefix_len || memcmp(branch.p, t->prefix, t->prefix_len))
		return false;
	dot = memchr(p, '.', (size_t)(end - p));
	/* only the form branch_text writes: 1-16 digits, no leading zero, lower case */
	if (!dot || dot == p || dot - p > 16 || end - dot != 17 || dot[-1] == '0')
		return false;
	for (const char *q = dot; q-- > p;) {
		int d = hexval((unsigned char)*q);

		if (d < 0 || (*q >= 'A' && *q <= 'F'))
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (!hex16_get(dot + 1, true, &mac) || mac != branch_mac(t, v))
		return false;
	*c = v;
	return true;
}

/*
 * Our branch for a counter, the inverse of branch_counter: written when
 * needed rather than kept, as a transaction that lingers for 64*T1 is
 * smaller by it (docs/pbox.md, "Memory").
 */
static const char *branch_text(const struct txn_table *t, uint64_t counter,
			       char buf[static TXN_BRANCH_MAX])
{
	uint64_t mac = branch_mac(t, counter);
	size_t n = t->prefix_len;

	memcpy(buf, t->prefix, n);
	do
		buf[n++] = "0123456789abcdef"[counter & 15];
	while (counter >>= 4);
	buf[n++] = '.';
	hex16_put(buf + n, mac);
	buf[n + 16] = 0;
	return buf;
}

/* p's branch, as text, for the statement it is used in */
#define BRANCH(p) branch_text((p)->w->txns, (p)->counter, (char[TXN_BRANCH_MAX]){ 0 })

static struct ptxn *client_find(struct txn_table *t, struct slice branch)
{
	uint64_t c;

	if (!branch_counter(t, branch, &c))
		return NULL; /* not a branch of ours */
	/* one counter, one branch: branch_counter takes no other spelling of it */
	for (struct ptxn *p = t->client[c & (TXN_BUCKETS - 1)]; p; p = p->cnext)
		if (p->counter == c)
			return p;
	return NULL;
}

static void client_unlink(struct ptxn *p)
{
	if (!p->cprev)
		return;
	*p->cprev = p->cnext;
	if (p->cnext)
		p->cnext->cprev = p->cprev;
	p->cprev = NULL;
}

/* A new client transaction: a new branch, indexed. */
static void client_link(struct txn_table *t, struct ptxn *p)
{
	struct ptxn **head;

	uint64_t counter = ++t->counter;

	client_unlink(p);
	p->counter = counter;
	head = &t->client[counter & (TXN_BUCKETS - 1)];
	p->cnext = *head;
	if (p->cnext)
		p->cnext->cprev = &p->cnext;
	p->cprev = head;
	*head = p;
}

static struct pool *pool_of(const struct ptxn *p)
{
	return &p->w->txns->pool;
}

static void ptxn_free(struct ptxn *p)
{
	struct wheel *wh = &p->w->wheel;
	struct pool *pool = pool_of(p);

	timer_cancel(wh, &p->t_retx);
	timer_cancel(wh, &p->t_end);
	timer_cancel(wh, &p->t_cancel);
	timer_cancel(wh, &p->t_trying);
	*p->sprev = p->snext;
	if (p->snext)
		p->snext->sprev = p->sprev;
	client_unlink(p);
	p->w->txns->count--;
	pool_free(pool, p->in);
	pool_free(pool, p->out);
	pool_free(pool, p->resp);
	pool_free(pool, p->best);
	free(p->rest);
	pool_free(pool, p);
}

void txn_table_free(struct txn_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < TXN_BUCKETS; i++)
		while (t->server[i])
			ptxn_free(t->server[i]);
	pool_release(&t->pool);
	free(t->scratch);
	pool_unmap(t, sizeof(*t));
}

/*
 * Keep a copy of buf in *dst (replacing what was there), in place if it
 * fits. Like realloc: when there is no memory, *dst is left as it was.
 */
static bool keep(struct ptxn *p, char **dst, uint32_t *dstlen, const char *buf, size_t len)
{
	if (!*dst || pool_capacity(*dst) < len) {
		char *n = pool_alloc(pool_of(p), len);

		if (!n)
			return false;
		memcpy(n, buf, len);
		pool_free(pool_of(p), *dst);
		*dst = n;
	} else {
		memmove(*dst, buf, len);
	}
	*dstlen = (uint32_t)len;
	return true;
}

static void drop(struct ptxn *p, char **dst, uint32_t *dstlen)
{
	pool_free(pool_of(p), *dst);
	*dst = NULL;
	*dstlen = 0;
}

static struct packet upstream(const struct ptxn *p)
{
	struct packet pkt = { .srclen = p->srclen,
			      .fd = p->fd,
			      .proto = p->proto,
			      .conn = p->conn,
			      .listen = p->listen };

	memcpy(&pkt.src, &p->src, p->srclen);
	return pkt;
}

static void send_up(struct ptxn *p, const char *buf, size_t len)
{
	struct packet pkt = upstream(p);

	worker_reply(p->w, &pkt, buf, len);
}

static void send_down(struct ptxn *p, const char *buf, size_t len)
{
	struct sockaddr_storage to;
	int ret;

	memcpy(&to, &p->to, p->tolen);
	ret = worker_forward(p->w, p->out_proto, p->out_li, &to, p->tolen, buf, len);

	if (ret < 0)
		log_debug("forwarding on branch %s failed: %s", BRANCH(p), strerror(-ret));
}

/* Re-parse one of our stored messages into the table's scratch message. */
static struct sip_msg *reparse(struct ptxn *p, const char *buf, size_t len)
{
	struct sip_msg *m = p->w->txns->scratch;
	struct sip_err err;

	if (!buf || !sip_msg_parse(m, buf, len, SIP_PARSE_FULL, &err)) {
		log_warn("cannot re-read a stored request (%s): transaction %s dropped",
			 buf ? err.what : "none", BRANCH(p));
		return NULL;
	}
	return m;
}

/*
 * An ACK or CANCEL for the request we forwarded (RFC 3261 17.1.1.3, 9.1):
 * its Request-URI, our Via alone, its Route, From, Call-ID and CSeq number;
 * To from the response for an ACK, from the request for a CANCEL.
 */
static int build_ack_cancel(struct ptxn *p, const struct sip_msg *resp, char *buf, size_t cap)
{
	const struct sip_msg *req = reparse(p, p->out, p->outlen);
	bool ack = resp != NULL;
	struct buf b;

	if (!req)
		return -1;
	buf_init(&b, buf, cap);
	sip_build_request_line(&b, ack ? slice_cstr("ACK") : slice_cstr("CANCEL"), req->ruri_raw);
	sip_build_copy(&b, &req->hdrs[req->via[0].hdr]);
	for (unsigned i = 0; i < req->nhdrs; i++) {
		const struct sip_hdr *h = &req->hdrs[i];

		if (h->id == SIP_H_ROUTE || h->id == SIP_H_FROM || h->id == SIP_H_CALL_ID ||
		    (!ack && h->id == SIP_H_TO))
			sip_build_copy(&b, h);
	}
	if (ack)
		for (unsigned i = 0; i < resp->nhdrs; i++)
			if (resp->hdrs[i].id == SIP_H_TO)
				sip_build_copy(&b, &resp->hdrs[i]);
	buf_printf(&b, "CSeq: %u %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		       req->cseq.seq, ack ? "ACK" : "CANCEL");
	return buf_done(&b);
}

static void on_cancel_retx(struct timer *t, void *arg)
{
	struct ptxn *p = arg;
	char buf[SIP_MAX_MSG_SIZE];
	int n;

	(void)t;
	if (p->w->now_ms >= p->cancel_until || p->state > PT_PROCEEDING)
		return;
	n = build_ack_cancel(p, NULL, buf, sizeof(buf));
	if (n > 0)
		send_down(p, buf, (size_t)n);
	p->cancel_retx_ms = p->cancel_retx_ms * 2 > TXN_T2 ? TXN_T2 : p->cancel_retx_ms * 2;
	timer_arm(&p->w->wheel, &p->t_cancel, p->w->now_ms + p->cancel_retx_ms, on_cancel_retx, p);
}

/* CANCEL the pending INVITE downstream (RFC 3261 16.10); only after a provisional response. */
static void send_cancel(struct ptxn *p)
{
	char buf[SIP_MAX_MSG_SIZE];
	int n;

	if (p->cancel_sent || !p->out)
		return;
	n = build_ack_cancel(p, NULL, buf, sizeof(buf));
	if (n < 0)
		return;
	p->cancel_sent = true;
	send_down(p, buf, (size_t)n);
	if (p->out_proto == LISTEN_UDP) {
		p->cancel_retx_ms = t1(p);
		p->cancel_until = p->w->now_ms + 64 * t1(p);
		timer_arm(&p->w->wheel, &p->t_cancel, p->w->now_ms + t1(p), on_cancel_retx, p);
	}
}

static void on_end(struct timer *t, void *arg);
static void on_retx(struct timer *t, void *arg);

/*
 * The final response goes up (buf has our Via removed already); the server
 * side moves on and keeps only what it still needs.
 */
static void final_up(struct ptxn *p, unsigned status, const char *buf, size_t len)
{
	struct wheel *wh = &p->w->wheel;
	uint64_t now = p->w->now_ms;
	bool udp = p->proto == LISTEN_UDP;

	timer_cancel(wh, &p->t_retx);
	timer_cancel(wh, &p->t_cancel);
	send_up(p, buf, len);
	if (!p->offer || status >= 300)
		drop(p, &p->in, &p->inlen);
	drop(p, &p->best, &p->bestlen);
	free(p->rest);
	p->rest = NULL;
	p->nrest = p->next = 0;
	if (status < 300 && p->method == SIP_INVITE) {
		/*
		 * RFC 6026: 2xx retransmissions still go up; the INVITE's are
		 * absorbed. An INVITE that offered a flow stays: each 2xx that
		 * goes up is checked against its offer and given our token.
		 */
		p->state = PT_ACCEPTED;
		drop(p, &p->resp, &p->resplen);
		drop(p, &p->out, &p->outlen);
		timer_arm(wh, &p->t_end, now + 64 * t1(p), on_end, p);
		return;
	}
	p->state = PT_COMPLETED;
	if (!keep(p, &p->resp, &p->resplen, buf, len))
		drop(p, &p->resp, &p->resplen);
	if (p->method == SIP_INVITE) {
		if (udp) { /* timer G: until the ACK */
			p->retx_ms = t1(p);
			timer_arm(wh, &p->t_retx, now + t1(p), on_retx, p);
		}
		timer_arm(wh, &p->t_end, now + 64 * t1(p), on_end, p); /* timer H */
	} else {
		/* timer J; over TCP still T4, to absorb the next hop's retransmissions (K) */
		drop(p, &p->out, &p->outlen);
		timer_arm(wh, &p->t_end, now + (udp ? 64 * t1(p) : TXN_T4), on_end, p);
	}
}

/* A final response of our own making, built from the request as received. */
static void final_local(struct ptxn *p, unsigned status, const char *warning)
{
	char buf[4096];
	const struct sip_msg *req = reparse(p, p->in, p->inlen);
	int n;

	if (!req) {
		ptxn_free(p);
		return;
	}
	n = reply_build(p->w, req, status, warning, NULL, buf, sizeof(buf));
	if (n < 0) {
		ptxn_free(p);
		return;
	}
	final_up(p, status, buf, (size_t)n);
}

/*
 * Send the request to target t (from the stored copy when m is NULL): a new
 * client transaction. false when it could not be sent at all.
 */
static bool client_start(struct ptxn *p, const struct sip_msg *m, const struct route_target *t)
{
	static __thread char buf[SIP_MAX_MSG_SIZE];
	struct packet pkt = upstream(p);
	struct wheel *wh = &p->w->wheel;
	uint64_t now = p->w->now_ms;
	int n, ret;

	if (!m && !(m = reparse(p, p->in, p->inlen)))
		return false;
	client_link(p->w->txns, p);
	n = forward_build(p->w, m, &pkt, t, p->drop_route, BRANCH(p), buf, sizeof(buf), &p->out_li);
	if (n < 0 || !keep(p, &p->out, &p->outlen, buf, (size_t)n))
		return false;
	if (t->tolen > sizeof(p->to))
		return false; /* not IPv4 or IPv6: route_target never holds one */
	memcpy(&p->to, &t->to, t->tolen);
	p->tolen = t->tolen;
	p->out_proto = t->proto;
	p->provisional = false;
	p->cancel_sent = false;
	timer_cancel(wh, &p->t_cancel); /* a CANCEL of the previous target is not retried */
	ret = worker_forward(p->w, p->out_proto, p->out_li, &t->to, t->tolen, buf, (size_t)n);
	if (ret < 0) {
		log_info("cannot forward to %s: %s", t->ruri, strerror(-ret));
		return false;
	}
	p->w->stats.forwarded++;
	if (p->proto == LISTEN_UDP)
		shed_ok(&p->w->shed, &pkt.src, now);
	timer_cancel(wh, &p->t_retx);
	if (p->out_proto == LISTEN_UDP) { /* timer A or E */
		p->retx_ms = t1(p);
		timer_arm(wh, &p->t_retx, now + t1(p), on_retx, p);
	}
	timer_arm(wh, &p->t_end, now + 64 * t1(p), on_end, p); /* timer B or F */
	return true;
}

/*
 * The current target failed (a final response in resp_buf, or none on a
 * timeout): try the next (serial forking), else send the best failure up.
 */
static void client_failed(struct ptxn *p, unsigned status, const char *resp_buf, size_t len)
{
	/* RFC 3261 16.7 step 6: a 6xx ends the search; otherwise the lowest class wins */
	bool better =
		resp_buf && (!p->best || status / 100 == 6 ||
			     (p->best_status / 100 != 6 && status / 100 < p->best_status / 100));

	if (better && keep(p, &p->best, &p->bestlen, resp_buf, len))
		p->best_status = (uint16_t)status;
	/* a challenge from downstream is for the caller to answer; 6xx and CANCEL stop too */
	while (!p->cancelled && status / 100 != 6 && status != 401 && status != 407 &&
	       p->next < p->nrest) {
		const struct route_target *t = &p->rest[p->next++];

		log_debug("branch %s failed (%u): next target %s", BRANCH(p), status, t->ruri);
		if (client_start(p, NULL, t))
			return;
	}
	if (p->best) {
		char *b = p->best;
		uint32_t bl = p->bestlen;

		p->best = NULL; /* final_up frees p->best; keep this copy until sent */
		final_up(p, p->best_status, b, bl);
		pool_free(pool_of(p), b);
		return;
	}
	if (p->cancelled)
		final_local(p, 487, NULL);
	else
		final_local(p, 408, "no answer from the next hop");
}

static void on_retx(struct timer *t, void *arg)
{
	struct ptxn *p = arg;
	struct wheel *wh = &p->w->wheel;
	uint64_t now = p->w->now_ms;

	(void)t;
	if (p->state == PT_COMPLETED) { /* timer G: our final response again */
		if (p->resp)
			send_up(p, p->resp, p->resplen);
		p->retx_ms = p->retx_ms * 2 > TXN_T2 ? TXN_T2 : p->retx_ms * 2;
		timer_arm(wh, &p->t_retx, now + p->retx_ms, on_retx, p);
		return;
	}
	if (p->state > PT_PROCEEDING || !p->out)
		return;
	if (p->method == SIP_INVITE) { /* timer A: until a provisional response */
		if (p->provisional)
			return;
		p->retx_ms *= 2;
	} else { /* timer E: capped at T2, at T2 once proceeding */
		p->retx_ms = p->provisional || p->retx_ms * 2 > TXN_T2 ? TXN_T2 : p->retx_ms * 2;
	}
	send_down(p, p->out, p->outlen);
	timer_arm(wh, &p->t_retx, now + p->retx_ms, on_retx, p);
}

static void on_end(struct timer *t, void *arg)
{
	struct ptxn *p = arg;

	(void)t;
	if (p->state > PT_PROCEEDING) { /* H, I, J, or the end of ACCEPTED */
		ptxn_free(p);
		return;
	}
	/* timer B, F or C: the target did not answer in time */
	log_debug("branch %s timed out", BRANCH(p));
	timer_cancel(&p->w->wheel, &p->t_retx);
	if (p->method == SIP_INVITE && p->provisional)
		send_cancel(p); /* timer C (RFC 3261 16.8): stop the ringing there */
	client_failed(p, 408, NULL, 0);
}

/* 100 Trying to the caller (m: the request, or NULL for the stored copy). */
static void send_trying(struct ptxn *p, const struct sip_msg *m)
{
	char buf[4096];
	int n;

	timer_cancel(&p->w->wheel, &p->t_trying);
	if (p->state != PT_TRYING || p->resp)
		return;
	if (!m && !(m = reparse(p, p->in, p->inlen)))
		return;
	n = reply_build(p->w, m, 100, NULL, NULL, buf, sizeof(buf));
	if (n > 0 && keep(p, &p->resp, &p->resplen, buf, (size_t)n))
		send_up(p, buf, (size_t)n);
}

static void on_trying(struct timer *t, void *arg)
{
	(void)t;
	send_trying(arg, NULL);
}

void txn_forward(struct worker *w, struct sip_msg *m, const struct packet *pkt,
		 const struct route_target *targets, unsigned ntargets, bool drop_first_route)
{
	struct txn_table *t = w->txns;
	char key[TXN_KEY_MAX];
	size_t keylen = m->nvia ? server_key(m, key, sizeof(key)) : 0;
	struct ptxn **head, *p;

	if (!keylen) {
		reply_send(w, pkt, m, 400, "top Via too long to keep a transaction for", NULL);
		return;
	}
	if (pkt->srclen > sizeof(union inet_addr)) {
		/* an IPv4 or IPv6 peer always fits: this is a bug, not a peer's doing */
		reply_send(w, pkt, m, 500, "unexpected source address", NULL);
		return;
	}
	if (t->count >= t->max) {
		/* past what we keep state for: refuse now rather than grow without bound */
		t->full_refused++;
		if (w->now_ms >= t->full_log_after) {
			log_warn("transaction table full (%u): %llu new request(s) answered 503; "
				 "raise max_transactions if memory allows",
				 t->max, (unsigned long long)t->full_refused);
			t->full_refused = 0;
			t->full_log_after = w->now_ms + 10000;
		}
		reply_send(w, pkt, m, 503, "too many transactions", "Retry-After: 5\r\n");
		return;
	}
	p = pool_alloc(&t->pool, sizeof(*p) + keylen);
	if (!p) {
		reply_send(w, pkt, m, 503, "out of memory", "Retry-After: 5\r\n");
		return;
	}
	memset(p, 0, sizeof(*p));
	p->w = w;
	p->method = m->method_id;
	p->state = PT_TRYING;
	p->offer = m->method_id == SIP_INVITE && m->body.len >= 7 &&
		   memmem(m->body.p, m->body.len, "m=data ", 7);
	p->drop_route = drop_first_route;
	memcpy(&p->src, &pkt->src, pkt->srclen);
	p->srclen = pkt->srclen;
	p->fd = pkt->fd;
	p->proto = pkt->proto;
	p->conn = pkt->conn;
	p->listen = pkt->listen;
	p->keylen = (uint16_t)keylen;
	memcpy(p->key, key, keylen);
	p->shash = hash_bytes(key, keylen, p->method);
	head = &t->server[p->shash & (TXN_BUCKETS - 1)];
	p->snext = *head;
	if (p->snext)
		p->snext->sprev = &p->snext;
	p->sprev = head;
	*head = p;
	t->count++;
	if (!keep(p, &p->in, &p->inlen, m->buf, m->len) ||
	    (ntargets > 1 && !(p->rest = malloc((ntargets - 1) * sizeof(*p->rest))))) {
		ptxn_free(p);
		reply_send(w, pkt, m, 503, "out of memory", "Retry-After: 5\r\n");
		return;
	}
	if (ntargets > 1) {
		memcpy(p->rest, targets + 1, (ntargets - 1) * sizeof(*p->rest));
		p->nrest = ntargets - 1;
	}
	/*
	 * RFC 3261 17.2.1: 100 Trying unless a provisional response goes up
	 * within 200 ms. Most calls ring sooner, and then the 100 is one
	 * message fewer each way; a retransmitted INVITE gets it at once.
	 */
	if (p->method == SIP_INVITE)
		timer_arm(&w->wheel, &p->t_trying, w->now_ms + 200, on_trying, p);
	if (client_start(p, m, &targets[0]))
		return;
	/* the first target could not even be sent to: move on as after a failure */
	client_failed(p, 503, NULL, 0);
}

/* A CANCEL for an INVITE we hold (RFC 3261 16.10). */
static bool cancel(struct worker *w, struct sip_msg *m, const struct packet *pkt, const char *key,
		   size_t keylen)
{
	struct ptxn *p = server_find(w->txns, SIP_INVITE, key, keylen);

	if (!p)
		return false; /* forwarded statelessly, as 16.10 asks */
	reply_send(w, pkt, m, 200, NULL, NULL);
	if (p->state > PT_PROCEEDING || p->cancelled)
		return true;
	p->cancelled = true;
	p->next = p->nrest; /* no more forking */
	if (p->provisional)
		send_cancel(p); /* else when the first provisional response comes */
	return true;
}

bool txn_request(struct worker *w, struct sip_msg *m, const struct packet *pkt)
{
	char key[TXN_KEY_MAX];
	size_t keylen;
	struct ptxn *p;

	if (!m->nvia || !(keylen = server_key(m, key, sizeof(key))))
		return false;
	if (m->method_id == SIP_CANCEL)
		return cancel(w, m, pkt, key, keylen);
	p = server_find(w->txns, m->method_id == SIP_ACK ? SIP_INVITE : m->method_id, key, keylen);
	if (!p)
		return false;
	if (m->method_id == SIP_ACK) {
		if (p->state == PT_ACCEPTED)
			return false; /* an ACK for the 2xx: end to end, routed on */
		if (p->state == PT_COMPLETED) {
			/* the ACK for our non-2xx: stop G, absorb the rest for timer I */
			p->state = PT_CONFIRMED;
			timer_cancel(&w->wheel, &p->t_retx);
			drop(p, &p->resp, &p->resplen);
			timer_arm(&w->wheel, &p->t_end,
				  w->now_ms + (p->proto == LISTEN_UDP ? TXN_T4 : 0), on_end, p);
		}
		return true;
	}
	/* a retransmission: the last response again (the 100 now, if it was not sent yet) */
	if (p->method == SIP_INVITE && p->state == PT_TRYING && !p->resp)
		send_trying(p, m);
	else if (p->resp && p->state <= PT_COMPLETED)
		send_up(p, p->resp, p->resplen);
	return true;
}

/*
 * The callee answered what the flow may not have (flow_answer refused its
 * 2xx): acknowledge and hang up here, as a caller would (RFC 3261 13.2.2.4,
 * 15.1), so no half-made session is left at the callee. Sent where the 2xx
 * came from, to the 2xx's Contact.
 */
static void hang_up(struct ptxn *p, const struct sip_msg *resp)
{
	static __thread char buf[SIP_MAX_MSG_SIZE];
	static const char *const methods[] = { "ACK", "BYE" };
	const struct sip_msg *req;

	if (!resp->ncontact || !(req = reparse(p, p->in, p->inlen)))
		return;
	for (unsigned i = 0; i < 2; i++) {
		struct buf b;

		buf_init(&b, buf, sizeof(buf));
		sip_build_request_line(&b, slice_cstr(methods[i]), resp->contact[0].uri.raw);
		buf_puts(&b, forward_via_prefix(p->w, p->out_li, p->out_proto));
		buf_printf(&b, "%s-%s\r\nMax-Forwards: 70\r\n", BRANCH(p), methods[i]);
		sip_build_copy(&b, &req->hdrs[req->from.hdr]);
		sip_build_copy(&b, &resp->hdrs[resp->to.hdr]);
		sip_build_header(&b, "Call-ID", req->call_id);
		buf_printf(&b, "CSeq: %u %s\r\nContent-Length: 0\r\n\r\n", req->cseq.seq + i,
			   methods[i]);
		if (buf_done(&b) > 0)
			send_down(p, buf, b.len);
	}
}

/*
 * A 2xx for the caller: through flow_answer when the INVITE offered a flow.
 * Its length, -1, or FLOW_REFUSED (then *status and *why).
 */
static int answer_up(struct ptxn *p, struct sip_msg *m, const struct packet *pkt, char *buf,
		     size_t cap, unsigned *status, const char **why)
{
	const struct sip_msg *req;
	struct sip_err err;
	char hdr[128], *end;
	int n, extra;

	if (!p->offer || !p->in || !(req = reparse(p, p->in, p->inlen)))
		return forward_response_build(m, SLICE_NULL, buf, cap);
	/* responses are read only partially until here: the answer is in the body */
	if (!sip_msg_parse_full(m, &err)) {
		*status = 502;
		*why = "the answer does not parse";
		return FLOW_REFUSED;
	}
	n = flow_answer(p->w, req, m, pkt, buf, cap, status, why);
	/* the caller's next flow without a 407 round trip: a nonce for it, before the empty line */
	if (n > 0 && (extra = auth_nextnonce(p->w->pb, req, &p->src.sa, hdr, sizeof(hdr))) > 0 &&
	    (size_t)n + (size_t)extra <= cap && (end = memmem(buf, (size_t)n, "\r\n\r\n", 4))) {
		size_t at = (size_t)(end - buf) + 2;

		memmove(buf + at + extra, buf + at, (size_t)n - at);
		memcpy(buf + at, hdr, (size_t)extra);
		n += extra;
	}
	return n;
}

bool txn_response(struct worker *w, struct sip_msg *m, const struct packet *pkt)
{
	static __thread char buf[SIP_MAX_MSG_SIZE];
	struct txn_table *t = w->txns;
	struct slice branch = m->nvia ? m->via[0].branch : SLICE_NULL;
	unsigned status = m->status, refuse = 0;
	const char *why = NULL;
	struct ptxn *p;
	int n;

	if (branch.len <= t->prefix_len || memcmp(branch.p, t->prefix, t->prefix_len))
		return false; /* not one of this worker's branches */
	p = client_find(t, branch);
	if (!p) {
		/* a transaction of ours that has ended: only a 2xx may still go up */
		return !(status >= 200 && status < 300 && m->cseq.method_id == SIP_INVITE);
	}
	if (m->cseq.method_id == SIP_CANCEL) {
		timer_cancel(&w->wheel, &p->t_cancel); /* our CANCEL was answered */
		return true;
	}
	if (m->cseq.method_id != p->method)
		return true;
	if (p->state > PT_PROCEEDING) {
		/* the client side is done: a 2xx still goes up; a non-2xx gets our ACK again */
		if (p->method != SIP_INVITE)
			return true;
		if (status >= 200 && status < 300 && p->state == PT_ACCEPTED) {
			n = answer_up(p, m, pkt, buf, sizeof(buf), &refuse, &why);
			if (n > 0)
				send_up(p, buf, (size_t)n);
			else if (n == FLOW_REFUSED) /* another fork's answer: it alone is hung up */
				hang_up(p, m);
		} else if (status >= 300 && p->out) {
			send_down(p, p->out, p->outlen);
		}
		return true;
	}
	if (status < 200) {
		p->provisional = true;
		if (p->method == SIP_INVITE) {
			timer_cancel(&w->wheel, &p->t_retx); /* timer A stops */
			timer_arm(&w->wheel, &p->t_end, w->now_ms + TXN_TIMER_C, on_end, p);
			if (p->cancelled)
				send_cancel(p);
		}
		if (status == 100)
			return true; /* hop by hop: ours went up already */
		n = forward_response_build(m, SLICE_NULL, buf, sizeof(buf));
		if (n < 0)
			return true;
		p->state = PT_PROCEEDING;
		if (!keep(p, &p->resp, &p->resplen, buf, (size_t)n))
			drop(p, &p->resp, &p->resplen);
		send_up(p, buf, (size_t)n);
		return true;
	}
	timer_cancel(&w->wheel, &p->t_retx);
	if (p->method == SIP_INVITE && status >= 300) {
		/* RFC 3261 17.1.1.3: a non-2xx final is acknowledged hop by hop, here */
		n = build_ack_cancel(p, m, buf, sizeof(buf));
		if (n > 0) {
			send_down(p, buf, (size_t)n);
			if (!keep(p, &p->out, &p->outlen, buf, (size_t)n))
				drop(p, &p->out, &p->outlen);
		}
	}
	n = status < 300 && p->method == SIP_INVITE
		    ? answer_up(p, m, pkt, buf, sizeof(buf), &refuse, &why)
		    : forward_response_build(m, SLICE_NULL, buf, sizeof(buf));
	if (n == FLOW_REFUSED) {
		log_info("answer on branch %s refused: %s", BRANCH(p), why);
		hang_up(p, m);
		final_local(p, refuse, why);
		return true;
	}
	if (n < 0) {
		log_warn("a %u response on branch %s is too large to forward", status, BRANCH(p));
		final_local(p, 500, "response too large to forward");
		return true;
	}
	if (status >= 300)
		client_failed(p, status, buf, (size_t)n);
	else
		final_up(p, status, buf, (size_t)n);
	return true;
}
