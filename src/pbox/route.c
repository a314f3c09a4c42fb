// SPDX-License-Identifier: MIT
/*
 * Routing (RFC 3261 16.4-16.5): where a request goes. A Route left after
 * ours (loose routing), else the ranked registrations of the Request-URI's
 * descriptor (partial-attribute lookup, paper 2 3.2), else the next hop for
 * other domains, else the Request-URI's own address. The request then goes
 * to the transaction layer, or statelessly for an ACK of a 2xx and a CANCEL
 * we hold no INVITE for.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "pbox/forward.h"
#include "pbox/local.h"
#include "pbox/location.h"
#include "pbox/reply.h"
#include "pbox/route.h"
#include "pbox/txn.h"
#include "pbox/worker.h"

/* The transport a URI asks for: ;transport=tcp, else the default given. */
static uint8_t uri_proto(const struct sip_uri *u, uint8_t dflt)
{
	if (SLICE_CASEEQ_LIT(u->transport, "tcp"))
		return LISTEN_TCP;
	if (SLICE_CASEEQ_LIT(u->transport, "udp"))
		return LISTEN_UDP;
	return dflt;
}

static bool target_set(struct route_target *t, struct slice ruri, const char *path,
		       const struct sip_uri *hop, uint8_t dflt_proto)
{
	if (!slice_copy(t->ruri, sizeof(t->ruri), ruri) || !forward_uri_addr(hop, &t->to, &t->tolen) ||
	    !slice_copy(t->path, sizeof(t->path), slice_cstr(path ? path : "")))
		return false;
	t->proto = uri_proto(hop, dflt_proto);
	return true;
}

/* The ranked bindings of the Request-URI's descriptor, as targets; 0 when answered. */
static unsigned location_targets(struct worker *w, struct pbox *pb, struct sip_msg *m,
				 const struct packet *pkt, struct route_target *targets)
{
	static __thread struct loc_candidate cand[LOC_MAX_CANDIDATES];
	struct desc dest;
	struct sip_err err = { 0 };
	struct sip_param pv[DESC_MAX_ATTRS + 8];
	struct sip_pool pool = { pv, 0, sizeof(pv) / sizeof(pv[0]) };
	char aor[LOC_MAX_DESC];
	unsigned n, nt = 0;

	if (!desc_from_uri(&dest, &m->ruri, &err)) {
		reply_send(w, pkt, m, 400, err.what, NULL);
		return 0;
	}
	if (!dest.aor.p) { /* user:password@domain */
		int len = desc_aor(&dest, aor, sizeof(aor));

		if (len < 0) {
			reply_send(w, pkt, m, 414, "Request-URI too long", NULL);
			return 0;
		}
		dest.aor = slice_make(aor, (size_t)len);
	}
	n = location_lookup(pb->loc, &dest, (int64_t)time(NULL), cand, LOC_MAX_CANDIDATES);
	if (!n) {
		reply_send(w, pkt, m, 404, "no registration matches", NULL);
		return 0;
	}
	/* Candidates we can reach: a numeric address, or a numeric first Path hop. */
	for (unsigned i = 0; i < n; i++) {
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
				      : slice_cstr(cand[i].contact),
				   &pool, &err))
			continue;
		if (target_set(&targets[nt], slice_cstr(cand[i].contact), cand[i].path, &u,
			       LISTEN_UDP))
			nt++;
	}
	if (!nt)
		reply_send(w, pkt, m, 480, "no registered contact can be reached", NULL);
	return nt;
}

void route_request(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt)
{
	static __thread struct route_target targets[LOC_MAX_CANDIDATES];
	const struct listen_addr *nh = &pb->cfg.next_hop;
	struct route_target *t = &targets[0];
	bool drop_route = false;
	unsigned first_route = 0, nt = 1;

	/* RFC 3261 16.4: a Route naming us was put there for us: take it off. */
	if (m->nroute && local_uri_is_us(pb, &m->route[0].uri)) {
		drop_route = true;
		first_route = 1;
	}
	if (m->nroute > first_route) {
		/* loose routing: the Request-URI stays, the next Route is the next hop */
		const struct sip_uri *r = &m->route[first_route].uri;

		if (!target_set(t, m->ruri_raw, NULL, r, pkt->proto)) {
			/* a name: the outbound proxy resolves it, if we have one */
			if (!nh->addrlen || !slice_copy(t->ruri, sizeof(t->ruri), m->ruri_raw)) {
				reply_send(w, pkt, m, 502, "cannot resolve the next Route", NULL);
				return;
			}
			t->path[0] = 0;
			t->to = nh->addr;
			t->tolen = nh->addrlen;
			t->proto = nh->proto;
		}
	} else if (m->ruri.user.len && local_names_domain(pb, &m->ruri)) {
		nt = location_targets(w, pb, m, pkt, targets);
		if (!nt)
			return;
	} else if (nh->addrlen) {
		if (!slice_copy(t->ruri, sizeof(t->ruri), m->ruri_raw)) {
			reply_send(w, pkt, m, 414, "Request-URI too long", NULL);
			return;
		}
		t->path[0] = 0;
		t->to = nh->addr;
		t->tolen = nh->addrlen;
		t->proto = nh->proto;
	} else if (local_addr(pb, m->ruri.host, m->ruri.port) ||
		   !target_set(t, m->ruri_raw, NULL, &m->ruri, pkt->proto)) {
		reply_send(w, pkt, m, 404, "no route to the Request-URI's domain", NULL);
		return;
	}
	/* RFC 3261 16.10 and 16.6: a CANCEL we hold no INVITE for and a 2xx's ACK */
	if (m->method_id == SIP_ACK || m->method_id == SIP_CANCEL)
		forward_stateless(w, m, pkt, t, drop_route);
	else
		txn_forward(w, m, pkt, targets, nt, drop_route);
}
