// SPDX-License-Identifier: MIT
/*
 * Forwarding (RFC 3261 16.6, 16.7, 16.11): a request as it leaves for its
 * next hop, with our Via on top, Max-Forwards decremented and, for a
 * request that begins a dialog, our Record-Route; a response with our Via
 * taken off; and the stateless forms of both. The transaction layer
 * (txn.c) forwards with the same builders.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "pbox/dialog.h"
#include "pbox/forward.h"
#include "pbox/local.h"
#include "pbox/reply.h"
#include "pbox/worker.h"
#include "sip/build.h"
#include "sip/chars.h"

bool forward_uri_addr(const struct sip_uri *u, struct sockaddr_storage *ss, socklen_t *len)
{
	struct slice host = u->maddr.len ? u->maddr : u->host;
	uint16_t port = u->port ? u->port : u->scheme_id == SIP_SCHEME_SIPS ? 5061 : 5060;
	char h[64];

	memset(ss, 0, sizeof(*ss));
	/* IPv4 read in place: this runs for every request forwarded */
	if (sip_host_ipv4(host, (uint8_t *)&((struct sockaddr_in *)ss)->sin_addr)) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		*len = sizeof(struct sockaddr_in);
		return true;
	}
	if (!slice_copy(h, sizeof(h), host))
		return false;
	if (inet_pton(AF_INET6, h, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		*len = sizeof(struct sockaddr_in6);
		return true;
	}
	return false;
}

/* The address of ss as text, IPv6 without brackets (as received= wants it); its length. */
static size_t ip_text(const struct sockaddr_storage *ss, char *ip, size_t len, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		*port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
		if (!inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip,
			       (socklen_t)len))
			ip[0] = 0;
		return strlen(ip);
	}
	/* by hand: glibc's inet_ntop for IPv4 is a snprintf, and this runs per message */
	const unsigned char *a = (const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr;
	size_t n = 0;

	*port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (len < INET_ADDRSTRLEN)
		return ip[0] = 0, 0;
	for (unsigned i = 0; i < 4; i++) {
		if (a[i] >= 100)
			ip[n++] = (char)('0' + a[i] / 100);
		if (a[i] >= 10)
			ip[n++] = (char)('0' + a[i] / 10 % 10);
		ip[n++] = (char)('0' + a[i] % 10);
		ip[n++] = i < 3 ? '.' : 0;
	}
	return n - 1;
}

/*
 * The start of our Via (up to the branch value) and our Record-Route line
 * for listen address li: the same for every request, so made once per worker.
 */
const char *forward_via_prefix(struct worker *w, unsigned li, uint8_t proto)
{
	char *v = w->via_prefix[li][proto == LISTEN_TCP];

	if (!v[0]) {
		const struct listen_addr *l = &w->pb->cfg.listen[li];
		char ip[INET6_ADDRSTRLEN];
		unsigned port = l->port;
		bool v6;

		/*
		 * Named as the listen address is (config_name_wildcards names a
		 * wildcard one); over UDP the port is the private socket's, bound
		 * beside the listener, so responses come back to this worker. TCP
		 * responses come back on the connection.
		 */
		snprintf(ip, sizeof(ip), "%s", l->host);
		if (proto == LISTEN_UDP) /* sin6_port is at sin_port's offset */
			port = ntohs(((const struct sockaddr_in *)&w->priv_addr[li])->sin_port);
		v6 = strchr(ip, ':');
		snprintf(v, sizeof(w->via_prefix[li][0]), "Via: SIP/2.0/%s %s%s%s:%u;branch=",
			 proto == LISTEN_TCP ? "TCP" : "UDP", v6 ? "[" : "", ip, v6 ? "]" : "", port);
	}
	return v;
}

static const char *record_route(struct worker *w, unsigned li)
{
	char *rr = w->rr_line[li];

	if (!rr[0]) {
		const struct listen_addr *l = &w->pb->cfg.listen[li];
		bool v6 = strchr(l->host, ':');

		/* the dialog's ;dlg= and ">" follow (dialog.h) */
		snprintf(rr, sizeof(w->rr_line[li]), "Record-Route: <sip:%s%s%s:%u;%slr",
			 v6 ? "[" : "", l->host, v6 ? "]" : "", l->port,
			 l->proto == LISTEN_TCP ? "transport=tcp;" : "");
	}
	return rr;
}

/*
 * RFC 3261 16.11: a stateless proxy's branch must be the same for every copy
 * of a request and differ between requests. FNV-1a over the incoming top
 * branch (or, without one, Call-ID and From tag), the CSeq number and the
 * Request-URI; ACK and CANCEL hash as INVITE so they reach the same
 * transaction downstream.
 */
static uint64_t branch_hash(const struct sip_msg *m)
{
	uint64_t h = 1469598103934665603ull;
	const struct slice parts[] = {
		m->nvia ? m->via[0].branch : SLICE_NULL,
		m->call_id,
		m->from.tag,
		m->ruri_raw,
	};

	for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		for (size_t k = 0; k < parts[i].len; k++)
			h = (h ^ (unsigned char)parts[i].p[k]) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	h ^= m->cseq.seq;
	return h * 1099511628211ull;
}

/*
 * The listen address a request to t leaves from: the one it came in on when
 * the transport matches, else the first of t's transport and address family.
 */
static int out_listen(const struct pbox *pb, const struct packet *pkt,
		      const struct route_target *t)
{
	const struct listen_addr *in = &pb->cfg.listen[pkt->listen];

	if (in->proto == t->proto && in->addr.ss_family == t->to.ss_family)
		return (int)pkt->listen;
	for (unsigned i = 0; i < pb->cfg.nlisten; i++)
		if (pb->cfg.listen[i].proto == t->proto &&
		    pb->cfg.listen[i].addr.ss_family == t->to.ss_family)
			return (int)i;
	return -1;
}

/*
 * Header lines passed on as they came are copied in runs: a message's lines
 * are contiguous, CRLFs included, so a run of them is one copy rather than
 * two a line. *run is where the pending run starts (NULL: none); flushing
 * copies it up to to, the first byte not in it.
 */
static void run_flush(struct buf *b, const char **run, const char *to)
{
	if (*run)
		buf_put(b, *run, (size_t)(to - *run));
	*run = NULL;
}

/*
 * Header h without its first entry, which ends at first_end (a via-parm or
 * route-param of ours): "Name: " and the rest of the line, or nothing if
 * the line held only that one.
 */
static void put_rest_of_line(struct buf *b, const char *name, const struct sip_hdr *h,
			     const char *first_end)
{
	const char *rest = first_end, *end = h->line.p + h->line.len;

	while (rest < end && (*rest == ' ' || *rest == ','))
		rest++;
	if (rest < end) {
		buf_puts(b, name);
		buf_put(b, rest, (size_t)(end - rest));
		buf_put(b, "\r\n", 2);
	}
}

/* Where header i's line ends, its CRLF included. */
static const char *line_end(const struct sip_msg *m, unsigned i)
{
	return m->hdrs[i].line.p + m->hdrs[i].line.len + 2;
}

int forward_build(struct worker *w, const struct sip_msg *m, const struct packet *pkt,
		const struct route_target *t, bool drop_first_route, const char *branch,
		char *out, size_t cap, unsigned *li_out)
{
	const struct pbox *pb = w->pb;
	int li = out_listen(pb, pkt, t);
	unsigned src_port;
	char src_ip[INET6_ADDRSTRLEN];
	size_t src_len;
	struct buf b;
	bool mf_seen = false;
	const char *run = NULL;

	if (li < 0)
		return -1;
	*li_out = (unsigned)li;
	src_len = ip_text(&pkt->src, src_ip, sizeof(src_ip), &src_port);
	buf_init(&b, out, cap);
	sip_build_request_line(&b, m->method, slice_cstr(t->ruri));
	buf_puts(&b, forward_via_prefix(w, (unsigned)li, t->proto));
	buf_puts(&b, branch);
	buf_puts(&b, ";rport\r\n");
	/* in-dialog requests come back the way the dialog began */
	if (m->method_id == SIP_INVITE || m->method_id == SIP_SUBSCRIBE ||
	    m->method_id == SIP_REFER) {
		char dlg[DIALOG_PARAM_LEN + 1];

		dialog_param(pb, m, dlg);
		buf_puts(&b, record_route(w, pkt->listen));
		buf_put(&b, dlg, DIALOG_PARAM_LEN);
		buf_put(&b, ">\r\n", 3);
	}
	if (t->path[0])
		buf_printf(&b, "Route: %s\r\n", t->path);
	for (unsigned i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		bool top_via = h->id == SIP_H_VIA && m->nvia && m->via[0].hdr == i;
		bool our_route = h->id == SIP_H_ROUTE && drop_first_route && m->route[0].hdr == i;

		if (!top_via && !our_route && h->id != SIP_H_MAX_FORWARDS &&
		    h->id != SIP_H_CONTENT_LENGTH) {
			if (!run)
				run = h->line.p;
			continue;
		}
		run_flush(&b, &run, h->line.p);
		if (top_via) {
			/* The first via-parm learns where the request really came from (RFC 3581). */
			const struct sip_via *v = &m->via[0];
			const char *cut = v->raw.p + v->raw.len, *rport_at = NULL;

			/* an empty ;rport gets the port in place: ";rport" -> ";rport=5062" */
			for (unsigned k = 0; k < v->nparams; k++)
				if (SLICE_CASEEQ_LIT(v->params[k].name, "rport") &&
				    !v->params[k].value.len)
					rport_at = v->params[k].name.p + v->params[k].name.len;
			if (rport_at) {
				buf_put(&b, h->line.p, (size_t)(rport_at - h->line.p));
				buf_put(&b, "=", 1);
				buf_uint(&b, src_port);
				buf_put(&b, rport_at, (size_t)(cut - rport_at));
			} else {
				buf_put(&b, h->line.p, (size_t)(cut - h->line.p));
			}
			if (!v->received.len && (rport_at || !slice_eq(v->host, slice_make(src_ip, src_len)))) {
				buf_puts(&b, ";received=");
				buf_put(&b, src_ip, src_len);
			}
			buf_put(&b, cut, (size_t)(h->line.p + h->line.len - cut));
			buf_put(&b, "\r\n", 2);
		} else if (our_route) {
			/* Loose routing: the first Route was us. Keep the rest of the line. */
			put_rest_of_line(&b, "Route: ", h, m->route[0].raw.p + m->route[0].raw.len);
		} else if (h->id == SIP_H_MAX_FORWARDS) {
			if (!mf_seen) {
				buf_puts(&b, "Max-Forwards: ");
				buf_uint(&b, m->max_forwards > 0 ? (uint64_t)m->max_forwards - 1 : 0);
				buf_put(&b, "\r\n", 2);
			}
			mf_seen = true;
		}
		/* Content-Length: written below */
	}
	if (m->nhdrs)
		run_flush(&b, &run, line_end(m, m->nhdrs - 1));
	if (!mf_seen)
		buf_puts(&b, "Max-Forwards: 70\r\n");
	buf_puts(&b, "Content-Length: ");
	buf_uint(&b, m->body.len);
	buf_put(&b, "\r\n\r\n", 4);
	buf_slice(&b, m->body);
	return buf_done(&b);
}

void forward_stateless(struct worker *w, struct sip_msg *m, const struct packet *pkt,
			      const struct route_target *t, bool drop_first_route)
{
	static __thread char out[SIP_MAX_MSG_SIZE];
	char branch[32];
	uint64_t h = branch_hash(m);
	unsigned li;
	int n;

	/* "z9hG4bK" and the hash in hex, by hand: snprintf costs more than the hash */
	memcpy(branch, "z9hG4bK", 7);
	hex16_put(branch + 7, h);
	branch[23] = 0;
	n = forward_build(w, m, pkt, t, drop_first_route, branch, out, sizeof(out), &li);
	if (n < 0) {
		reply_send(w, pkt, m, 513, "the forwarded request would be too large", NULL);
		return;
	}
	w->stats.forwarded++;
	worker_forward(w, t->proto, li, &t->to, t->tolen, out, (size_t)n);
}

int forward_response_build(const struct sip_msg *m, struct slice body, char *out, size_t cap)
{
	const struct sip_hdr *via;
	struct buf b;
	const char *after;

	if (!m->nvia) /* callers have matched the top Via to us: not reached */
		return -1;
	via = &m->hdrs[m->via[0].hdr];
	buf_init(&b, out, cap);
	/* the start line and the lines before the top Via, as they came */
	buf_put(&b, m->buf, (size_t)(via->line.p - m->buf));
	/* drop our via-parm; keep the rest of its line if it has more */
	put_rest_of_line(&b, "Via: ", via, m->via[0].raw.p + m->via[0].raw.len);
	after = line_end(m, m->via[0].hdr);
	if (!body.p) {
		/* every line after it, the empty line and the body */
		buf_put(&b, after, (size_t)(m->body.p + m->body.len - after));
		return buf_done(&b);
	}
	/* a new body (flow.c): the lines after, but a Content-Length that fits it */
	sip_build_rest_with_body(&b, m, m->via[0].hdr + 1u, body);
	return buf_done(&b);
}

/*
 * A 2xx retransmitted after its transaction ended, or an answer to a
 * stateless forward: the top Via must be ours; the next one says where to
 * send it. Only over UDP: a TCP response without its transaction has no
 * connection.
 */
void forward_response(struct worker *w, struct sip_msg *m)
{
	static __thread char out[SIP_MAX_MSG_SIZE];
	const struct sip_via *next;
	struct sockaddr_storage to;
	struct sip_uri hop;
	socklen_t tolen;
	int n;

	const struct pbox *pb = w->pb;

	if (m->nvia < 2 || !local_addr(pb, m->via[0].host, m->via[0].port))
		return;
	next = &m->via[1];
	if (next->transport.len && !SLICE_CASEEQ_LIT(next->transport, "UDP"))
		return;
	memset(&hop, 0, sizeof(hop));
	hop.scheme_id = SIP_SCHEME_SIP;
	hop.host = next->received.len ? next->received : next->host;
	hop.port = next->port;
	if (next->rport.len) {
		struct cur c = cur_of(next->rport);
		uint64_t p;

		if (cur_uint(&c, 65535, &p))
			hop.port = (uint16_t)p;
	}
	if (!forward_uri_addr(&hop, &to, &tolen))
		return;
	n = forward_response_build(m, SLICE_NULL, out, sizeof(out));
	if (n < 0)
		return;
	for (unsigned i = 0; i < pb->cfg.nlisten; i++) {
		if (w->udp_pub[i] >= 0 && pb->cfg.listen[i].addr.ss_family == to.ss_family) {
			worker_send(w, w->udp_pub[i], (const struct sockaddr *)&to, tolen, out,
				    (size_t)n);
			return;
		}
	}
}
