// SPDX-License-Identifier: MIT
/*
 * Routing and forwarding (RFC 3261 16.4-16.7, 16.11). This is the
 * stateless form: the branch of the Via we add is a hash of the request's
 * own identity, so a retransmission, its ACK and its CANCEL all get the
 * same branch downstream, and responses are routed by the Via stack alone.
 * The transaction layer (txn.c, docs/pbox.md) builds on the same helpers.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "pbox/location.h"
#include "pbox/proxy.h"
#include "pbox/worker.h"
#include "sip/build.h"
#include "sip/chars.h"

/* The address a URI names: maddr, else host; port, else 5060/5061. Numeric hosts only. */
static bool uri_addr(const struct sip_uri *u, struct sockaddr_storage *ss, socklen_t *len)
{
	struct slice host = u->maddr.len ? u->maddr : u->host;
	uint16_t port = u->port ? u->port : u->scheme_id == SIP_SCHEME_SIPS ? 5061 : 5060;
	char h[64];

	if (!slice_copy(h, sizeof(h), host))
		return false;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, h, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		*len = sizeof(struct sockaddr_in);
		return true;
	}
	if (inet_pton(AF_INET6, h, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		*len = sizeof(struct sockaddr_in6);
		return true;
	}
	return false;
}

static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t len, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		char tmp[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, tmp,
			  sizeof(tmp));
		snprintf(ip, len, "[%s]", tmp);
		*port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, (socklen_t)len);
		*port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	}
}

/* A URI names this P-Box: one of our addresses (any port of ours), or our domain without user. */
static bool uri_is_us(const struct pbox *pb, const struct sip_uri *u)
{
	return proxy_is_local(pb, u->host, u->port) ||
	       (!u->user.len && slice_caseeq_cstr(u->host, pb->cfg.domain));
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

static void forward(struct worker *w, struct sip_msg *m, const struct packet *pkt,
		    struct slice ruri, const char *path, bool drop_first_route,
		    const struct sockaddr_storage *to, socklen_t tolen)
{
	static __thread char out[SIP_MAX_MSG_SIZE];
	unsigned li = pkt->listen, src_port, pub_port, priv_port;
	char src_ip[64], pub_ip[64], priv_ip[64];
	struct sip_buf b;
	bool mf_seen = false;
	int n;

	addr_text(&pkt->src, src_ip, sizeof(src_ip), &src_port);
	addr_text(&w->pub_addr[li], pub_ip, sizeof(pub_ip), &pub_port);
	addr_text(&w->priv_addr[li], priv_ip, sizeof(priv_ip), &priv_port);
	sip_buf_init(&b, out, sizeof(out));
	sip_build_request_line(&b, m->method, ruri);
	/* Our Via on top, naming the private socket so responses come back to this worker. */
	sip_buf_printf(&b, "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%016llx;rport\r\n", priv_ip,
		       priv_port, (unsigned long long)branch_hash(m));
	if (m->method_id == SIP_INVITE || m->method_id == SIP_SUBSCRIBE)
		sip_buf_printf(&b, "Record-Route: <sip:%s:%u;lr>\r\n", pub_ip, pub_port);
	if (path && *path)
		sip_buf_printf(&b, "Route: %s\r\n", path);
	for (unsigned i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		if (h->id == SIP_H_VIA && m->nvia && m->via[0].hdr == i) {
			/* The first via-parm learns where the request really came from (RFC 3581).
			 */
			const struct sip_via *v = &m->via[0];
			const char *cut = v->raw.p + v->raw.len, *rport_at = cut;
			char bare_ip[64];

			/* an empty ;rport gets the port in place: ";rport" -> ";rport=5062" */
			for (unsigned k = 0; k < v->nparams; k++)
				if (SLICE_CASEEQ_LIT(v->params[k].name, "rport") &&
				    !v->params[k].value.p)
					rport_at = v->params[k].name.p + v->params[k].name.len;
			sip_buf_put(&b, h->line.p, (size_t)(rport_at - h->line.p));
			if (rport_at != cut)
				sip_buf_printf(&b, "=%u", src_port);
			sip_buf_put(&b, rport_at, (size_t)(cut - rport_at));
			/* received= without the brackets an IPv6 sent-by would have */
			snprintf(bare_ip, sizeof(bare_ip), "%.*s",
				 (int)strlen(src_ip) - (src_ip[0] == '[' ? 2 : 0),
				 src_ip + (src_ip[0] == '['));
			if (!v->received.len &&
			    (rport_at != cut || !slice_eq_cstr(v->host, bare_ip)))
				sip_buf_printf(&b, ";received=%s", bare_ip);
			sip_buf_put(&b, cut, (size_t)(h->line.p + h->line.len - cut));
			sip_buf_put(&b, "\r\n", 2);
		} else if (h->id == SIP_H_ROUTE && drop_first_route && m->route[0].hdr == i) {
			/* Loose routing: the first Route was us. Keep the rest of the line. */
			const struct sip_addr *r0 = &m->route[0];
			const char *rest = r0->raw.p + r0->raw.len;

			while (rest < h->line.p + h->line.len && (*rest == ' ' || *rest == ','))
				rest++;
			if (rest < h->line.p + h->line.len) {
				sip_buf_puts(&b, "Route: ");
				sip_buf_put(&b, rest, (size_t)(h->line.p + h->line.len - rest));
				sip_buf_put(&b, "\r\n", 2);
			}
		} else if (h->id == SIP_H_MAX_FORWARDS) {
			if (!mf_seen)
				sip_buf_printf(&b, "Max-Forwards: %d\r\n", m->max_forwards - 1);
			mf_seen = true;
		} else if (h->id == SIP_H_CONTENT_LENGTH) {
			continue; /* written by sip_build_end() */
		} else {
			sip_build_copy(&b, h);
		}
	}
	if (!mf_seen)
		sip_buf_puts(&b, "Max-Forwards: 70\r\n");
	sip_buf_printf(&b, "Content-Length: %zu\r\n\r\n", m->body.len);
	sip_buf_slice(&b, m->body);
	n = sip_buf_done(&b);
	if (n < 0) {
		proxy_reply(w, pkt, m, 513, "the forwarded request would be too large", NULL);
		return;
	}
	w->stats.forwarded++;
	worker_send(w, w->udp_priv[li], (const struct sockaddr *)to, tolen, out, (size_t)n);
}

void proxy_route(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt)
{
	static __thread struct loc_candidate cand[LOC_MAX_CANDIDATES];
	struct sockaddr_storage to;
	socklen_t tolen;
	bool drop_route = false;
	unsigned first_route = 0;

	/* RFC 3261 16.4: a Route naming us was put there for us: take it off. */
	if (m->nroute && uri_is_us(pb, &m->route[0].uri)) {
		drop_route = true;
		first_route = 1;
	}
	if (m->nroute > first_route) {
		/* loose routing: the Request-URI stays, the next Route is the next hop */
		if (!uri_addr(&m->route[first_route].uri, &to, &tolen)) {
			/* a name: the outbound proxy resolves it, if we have one */
			if (!pb->cfg.next_hop.addrlen) {
				proxy_reply(w, pkt, m, 502, "cannot resolve the next Route", NULL);
				return;
			}
			to = pb->cfg.next_hop.addr;
			tolen = pb->cfg.next_hop.addrlen;
		}
		forward(w, m, pkt, m->ruri_raw, NULL, drop_route, &to, tolen);
		return;
	}
	if (slice_caseeq_cstr(m->ruri.host, pb->cfg.domain) && m->ruri.user.len) {
		struct desc dest;
		struct sip_err err = { 0 };
		struct sip_param pv[DESC_MAX_ATTRS + 8];
		struct sip_pool pool = { pv, 0, sizeof(pv) / sizeof(pv[0]) };
		unsigned n;

		char aor[LOC_MAX_DESC];

		if (!desc_from_uri(&dest, &m->ruri, &err)) {
			proxy_reply(w, pkt, m, 400, err.what, NULL);
			return;
		}
		if (!dest.aor.p) { /* user:password@domain */
			int len = desc_aor(&dest, aor, sizeof(aor));

			if (len < 0) {
				proxy_reply(w, pkt, m, 414, "Request-URI too long", NULL);
				return;
			}
			dest.aor = slice_make(aor, (size_t)len);
		}
		n = location_lookup(pb->loc, &dest, (int64_t)time(NULL), cand, LOC_MAX_CANDIDATES);
		if (!n) {
			proxy_reply(w, pkt, m, 404, "no registration matches", NULL);
			return;
		}
		/*
		 * The best candidate we can reach now: one whose address (or first
		 * Path hop) is numeric. Moving on after a final failure or a timeout
		 * (serial forking) needs the transaction layer.
		 */
		for (unsigned i = 0; i < n; i++) {
			const char *hop = cand[i].contact;
			const char *lt = NULL, *gt = NULL;
			struct sip_uri u;

			if (cand[i].path[0]) {
				/* RFC 3327: the request goes through the registered Path first */
				lt = strchr(cand[i].path, '<');
				gt = lt ? strchr(lt, '>') : NULL;
				if (!lt || !gt)
					continue;
			}
			pool.n = 0;
			err = (struct sip_err){ 0 };
			if (!sip_uri_parse(&u,
					   lt ? slice_make(lt + 1, (size_t)(gt - lt - 1))
					      : slice_cstr(hop),
					   &pool, &err) ||
			    !uri_addr(&u, &to, &tolen))
				continue;
			forward(w, m, pkt, slice_cstr(cand[i].contact), cand[i].path, drop_route,
				&to, tolen);
			return;
		}
		proxy_reply(w, pkt, m, 480, "no registered contact can be reached", NULL);
		return;
	}
	if (pb->cfg.next_hop.addrlen) {
		forward(w, m, pkt, m->ruri_raw, NULL, drop_route, &pb->cfg.next_hop.addr,
			pb->cfg.next_hop.addrlen);
		return;
	}
	if (uri_addr(&m->ruri, &to, &tolen) && !proxy_is_local(pb, m->ruri.host, m->ruri.port)) {
		forward(w, m, pkt, m->ruri_raw, NULL, drop_route, &to, tolen);
		return;
	}
	proxy_reply(w, pkt, m, 404, "no route to the Request-URI's domain", NULL);
}

void proxy_response(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt)
{
	static __thread char out[SIP_MAX_MSG_SIZE];
	const struct sip_via *next;
	struct sockaddr_storage to;
	struct sip_uri hop;
	struct sip_buf b;
	socklen_t tolen;
	bool removed = false;
	int n;

	/* RFC 3261 16.7 step 3: the top Via must be ours; the next names where to send. */
	if (m->nvia < 2 || !proxy_is_local(pb, m->via[0].host, m->via[0].port))
		return;
	next = &m->via[1];
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
	if (!uri_addr(&hop, &to, &tolen))
		return;
	sip_buf_init(&b, out, sizeof(out));
	sip_buf_put(&b, m->buf, (size_t)(m->hdrs[0].line.p - m->buf));
	for (unsigned i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		if (h->id == SIP_H_VIA && !removed) {
			/* drop our via-parm; keep the rest of its line if it has more */
			const char *rest = m->via[0].raw.p + m->via[0].raw.len;

			removed = true;
			while (rest < h->line.p + h->line.len && (*rest == ' ' || *rest == ','))
				rest++;
			if (rest < h->line.p + h->line.len) {
				sip_buf_puts(&b, "Via: ");
				sip_buf_put(&b, rest, (size_t)(h->line.p + h->line.len - rest));
				sip_buf_put(&b, "\r\n", 2);
			}
			continue;
		}
		sip_build_copy(&b, h);
	}
	sip_buf_put(&b, "\r\n", 2);
	sip_buf_slice(&b, m->body);
	n = sip_buf_done(&b);
	if (n < 0)
		return;
	worker_send(w, w->udp_pub[pkt->listen], (const struct sockaddr *)&to, tolen, out,
		    (size_t)n);
}
