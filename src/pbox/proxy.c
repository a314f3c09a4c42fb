// SPDX-License-Identifier: MIT
/*
 * Dispatch: the per-message path of docs/pbox.md, in this order: partial
 * parse, cheap refusals, transaction match, full parse, checks, then the
 * services (registrar, auth, policy and the flow's negotiation) and routing. Each refusal here is
 * stateless: no transaction is created for a request that is refused, so a
 * flood of bad requests costs a parse and a send. Dependencies run one way
 * from here: dispatch -> services (registrar, auth, route, txn) ->
 * forward -> helpers (reply, local, the worker's send queue).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "pbox/auth.h"
#include "pbox/dialog.h"
#include "pbox/flow.h"
#include "pbox/forward.h"
#include "pbox/local.h"
#include "pbox/pbox.h"
#include "pbox/registrar.h"
#include "pbox/reply.h"
#include "pbox/route.h"
#include "pbox/shed.h"
#include "pbox/txn.h"
#include "pbox/worker.h"
#include "sip/build.h"
#include "sip/desc.h"
#include "sip/msg.h"

/* Option tags this proxy understands in Proxy-Require (RFC 3261 16.3 step 4). */
static bool tag_supported(struct slice tag)
{
	return SLICE_CASEEQ_LIT(tag, "path");
}

/* Whether the Request-URI names this P-Box itself (no user part, our domain or address). */
static bool for_us(const struct pbox *pb, const struct sip_msg *m)
{
	const struct sip_uri *u = &m->ruri;

	if (u->user.len)
		return false;
	return local_names_domain(pb, u) || local_addr(pb, u->host, u->port);
}

/*
 * With auth on, whether an initial request m may be sent on: our users
 * (From in our domain) must prove who they are (407), and only they may
 * have us relay out of the domain, to another domain, an address or a
 * Route of their choosing; anyone may reach a name of ours (the policy
 * decides). Otherwise we would carry anyone's requests to anywhere we can
 * reach. False when m has been answered (407, 403...).
 */
static bool may_send(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt)
{
	bool ours = slice_caseeq_cstr(m->from.uri.host, pb->cfg.domain);
	char aor[512];
	int n;

	if (!pb->cfg.auth)
		return true;
	if (!ours) {
		if (!local_relays(pb, m))
			return true;
		w->stats.refused++;
		reply_send(w, pkt, m, 403, "relaying is for this domain's users", NULL);
		return false;
	}
	n = desc_aor_join(m->from.uri.user, m->from.uri.host, aor, sizeof(aor));
	if (n < 0) {
		reply_send(w, pkt, m, 400, "From address too long", NULL);
		return false;
	}
	return auth_check(w, pb, m, pkt, SIP_H_PROXY_AUTHORIZATION, slice_make(aor, (size_t)n));
}

/*
 * RFC 3261 16.3 step 4: a 420 naming the Proxy-Require tags we do not
 * implement, as many whole tags as fit in UNSUPPORTED_MAX bytes; a Warning
 * counts the rest. True when m needs one (and has been answered).
 */
#define UNSUPPORTED_MAX 512

static bool refuse_unsupported(struct worker *w, const struct packet *pkt, const struct sip_msg *m)
{
	char line[UNSUPPORTED_MAX], warning[64];
	unsigned unlisted = 0;
	struct buf b;

	buf_init_str(&b, line, sizeof(line));
	for (unsigned i = 0; i < m->ntags; i++) {
		const struct sip_tag *t = &m->tags[i];
		const char *sep = b.len ? ", " : "Unsupported: ";

		if (t->hdr_id != SIP_H_PROXY_REQUIRE || tag_supported(t->tag))
			continue;
		/* whole tags only, and room kept for the line's end */
		if (!buf_fits(&b, strlen(sep) + t->tag.len + 2)) {
			unlisted++;
			continue;
		}
		buf_puts(&b, sep);
		buf_slice(&b, t->tag);
	}
	if (!b.len && !unlisted)
		return false;
	if (b.len)
		buf_put(&b, "\r\n", 2);
	if (unlisted)
		snprintf(warning, sizeof(warning), "%u more unsupported option tag(s) not listed",
			 unlisted);
	reply_send(w, pkt, m, 420, unlisted ? warning : NULL, b.len ? buf_str(&b) : NULL);
	return true;
}

static void handle_request(struct worker *w, struct pbox *pb, struct sip_msg *m,
			   const struct packet *pkt)
{
	/* RFC 3261 16.3 step 3: only URIs we can route. */
	if (m->ruri.scheme_id != SIP_SCHEME_SIP && m->ruri.scheme_id != SIP_SCHEME_SIPS) {
		reply_send(w, pkt, m, 416, "only sip: and sips: Request-URIs are served", NULL);
		return;
	}
	if (refuse_unsupported(w, pkt, m))
		return;
	/*
	 * An ACK whose To tag is ours acknowledges one of our own final
	 * responses (a 407, a 404...): it ends here (RFC 3261 17.2.1).
	 */
	if (m->method_id == SIP_ACK && slice_eq_cstr(m->to.tag, pb->totag))
		return;
	if (m->method_id == SIP_REGISTER) {
		/*
		 * Bindings we cannot hold (a To that is not sip: or sips:, RFC
		 * 4475 unksm2) are proxied on (RFC 3261 10.3 step 1), under the
		 * rule for relaying.
		 */
		if (!registrar_handle(w, pb, m, pkt) && may_send(w, pb, m, pkt))
			route_request(w, pb, m, pkt);
		return;
	}
	if (for_us(pb, m)) {
		if (m->method_id == SIP_OPTIONS)
			reply_send(w, pkt, m, 200, NULL,
				    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER\r\n"
				    "Accept: application/sdp\r\nSupported: path\r\n");
		else if (m->method_id != SIP_ACK)
			reply_send(w, pkt, m, 405, "this P-Box answers OPTIONS and REGISTER",
				    "Allow: OPTIONS, REGISTER\r\n");
		return;
	}
	/*
	 * In-dialog requests (To has a tag) were authorized when their dialog
	 * began, and go only where it did: our Record-Route, with its MAC, must
	 * be in their Route (dialog.h). Otherwise a To tag alone would skip
	 * authentication and policy. One not through us at all is relaying. A
	 * CANCEL follows its INVITE: matched above when we hold it, else
	 * forwarded as RFC 3261 16.10 says.
	 */
	if (m->to.tag.len && m->method_id != SIP_CANCEL) {
		enum dialog_verdict v = dialog_check(pb, m);

		if (v == DIALOG_FORGED) {
			w->stats.refused++;
			if (m->method_id != SIP_ACK) /* an ACK gets no response */
				reply_send(w, pkt, m, 403, "not in a dialog this P-Box routed",
					    NULL);
			else
				log_debug("dropped an ACK outside any dialog we routed");
			return;
		}
		/* not through us: relaying, under the rule for initial requests */
		if (v == DIALOG_ELSEWHERE) {
			if (pb->cfg.auth && m->method_id == SIP_ACK) {
				w->stats.refused++;
				log_debug("dropped an ACK to relay outside any dialog we routed");
				return; /* it cannot be challenged */
			}
			if (!may_send(w, pb, m, pkt))
				return;
		}
	} else if (m->method_id != SIP_ACK && m->method_id != SIP_CANCEL) {
		/*
		 * An initial request: our users prove who they are, only they may
		 * relay (may_send); then the policy, the domain's word on who may
		 * reach whom whatever the method: a MESSAGE or SUBSCRIBE to a name
		 * reaches it as surely as an INVITE (its flow is then the SDP's,
		 * if it carries one, else empty). An offer may come back
		 * rewritten as the policy requires (flow.c).
		 */
		if (!may_send(w, pb, m, pkt) || !(m = flow_request(w, pb, m, pkt)))
			return;
	}
	route_request(w, pb, m, pkt);
}

void proxy_handle(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt)
{
	struct sip_err err;

	/* The partial parse: enough to refuse cheaply or to match a transaction. */
	if (!sip_msg_parse(m, pkt->buf, pkt->len, SIP_PARSE_PARTIAL, &err)) {
		w->stats.refused++;
		if (log_enabled(LOG_DEBUG)) {
			char what[128];

			log_debug("refused a %zu-byte message: %s", pkt->len,
				  log_slice(what, sizeof(what), slice_cstr(err.what)));
		}
		/* overloaded: bytes that are not even SIP get no answer, only a count */
		if (pkt->proto == LISTEN_UDP && shed_overloaded(&w->shed))
			shed_refused(&w->shed, &pkt->src, w->now_ms);
		else
			reply_send(w, pkt, m, (unsigned)err.status, err.what, NULL);
		return;
	}
	if (!m->is_request) {
		if (!txn_response(w, m, pkt))
			forward_response(w, m);
		return;
	}
	/* A retransmission, the ACK of a non-2xx, a CANCEL: a transaction we hold. */
	if (txn_request(w, m, pkt))
		return;
	if (m->max_forwards == 0 && m->method_id != SIP_ACK) {
		reply_send(w, pkt, m, 483, NULL, NULL);
		return;
	}
	if (!sip_msg_parse_full(m, &err)) {
		w->stats.refused++;
		reply_send(w, pkt, m, (unsigned)err.status, err.what, NULL);
		return;
	}
	if (m->semantic.what) {
		w->stats.refused++;
		reply_send(w, pkt, m, (unsigned)m->semantic.status, m->semantic.what, NULL);
		return;
	}
	handle_request(w, pb, m, pkt);
}
