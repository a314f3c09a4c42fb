// SPDX-License-Identifier: MIT
/*
 * A flow's negotiation through the P-Box (docs/protocol.md, "Negotiation"):
 *
 *   INVITE with an offer   the policy decides; the offer's address must be
 *                          the request's source (token_source_check);
 *                          require(enc) puts a=enc:<enc> in it; a token of
 *                          ours in it is dropped (only we make those)
 *   2xx with the answer    it must keep the offer's a=enc; its address must
 *                          be where it came from; our token for the 5-tuple
 *                          (offer address:port -> answer address:port) is
 *                          added, so the caller holds every domain's token
 *                          when it sends its ticket
 *
 * Content-Length follows the body. The rewriting is a copy of the lines
 * with a few dropped or added (sdp_edit_flow), never a re-serialisation,
 * so whatever else the endpoints put in their SDP passes untouched.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "pbox/flow.h"
#include "pbox/forward.h"
#include "pbox/reply.h"
#include "pbox/worker.h"
#include "policy/policy.h"
#include "proto/keys.h"
#include "proto/token.h"
#include "sip/build.h"
#include "sip/desc.h"
#include "sip/sdp.h"

/* Whether m's body is SDP. */
static bool has_sdp(const struct sip_msg *m)
{
	return m->body.len && SLICE_CASEEQ_LIT(m->content_subtype, "sdp");
}

/* The flow of m's SDP into f; false with err set when it does not parse, with err.what NULL when there is none. */
static bool flow_of(const struct sip_msg *m, struct sdp *sdp, struct flow_desc *f,
		    struct sip_err *err)
{
	*err = (struct sip_err){ 0 };
	if (!has_sdp(m))
		return false;
	return sdp_parse(sdp, m->body, SDP_FULL, err) && sdp_has_flow(sdp) && sdp_flow(sdp, f, err);
}

/* addr (SDP text) is the address of sa; both as text in the buffers, for a message. */
static bool same_address(struct slice addr, const struct sockaddr_storage *sa, char *a_text,
			 char *s_text, size_t len)
{
	uint8_t a[16], s[16];
	uint16_t port;

	snprintf(a_text, len, "%.*s", SLICE_FMT(addr));
	if (!flow_addr_from_sockaddr((const struct sockaddr *)sa, s, &port))
		return false;
	flow_addr_text(s, s_text, len);
	return flow_addr_parse(addr, a) && !memcmp(a, s, 16);
}

/*
 * m with a new body: its start line and headers but Content-Length, then
 * one that fits. Into w->flow_buf, parsed into w->flow_msg.
 */
static struct sip_msg *with_body(struct worker *w, const struct sip_msg *m, struct slice body)
{
	struct sip_err err;
	struct buf b;

	buf_init(&b, w->flow_buf, SIP_MAX_MSG_SIZE);
	buf_put(&b, m->buf, (size_t)(m->hdrs[0].line.p - m->buf));
	sip_build_rest_with_body(&b, m, 0, body);
	if (buf_done(&b) < 0 ||
	    !sip_msg_parse(w->flow_msg, w->flow_buf, b.len, SIP_PARSE_FULL, &err))
		return NULL;
	return w->flow_msg;
}

/* The policy's word on m; false when m has been answered (403, 400, 501). */
static bool policy_decide(struct worker *w, struct sip_msg *m, const struct packet *pkt,
			  const struct policy *pol, struct flow_desc *f, struct policy_decision *d)
{
	struct sip_err err = { 0 };
	char why[256];

	if (!desc_from_uri(&f->from, &m->from.uri, &err) || !desc_from_uri(&f->to, &m->ruri, &err)) {
		reply_send(w, pkt, m, 403, "policy: From and Request-URI must be user@domain names",
			   NULL);
		return false;
	}
	switch (policy_eval(pol, f, d, NULL)) {
	case POLICY_DENY:
		snprintf(why, sizeof(why), "policy: %.*s%s%s:%u", SLICE_FMT(d->reason),
			 d->reason.len ? " at " : "denied at ", d->site ? d->site->file : "(end)",
			 d->site ? d->site->line : 0);
		log_info("flow %.*s -> %.*s denied by %s:%u", SLICE_FMT(m->from.uri.raw),
			 SLICE_FMT(m->ruri_raw), d->site ? d->site->file : "(end)",
			 d->site ? d->site->line : 0);
		reply_send(w, pkt, m, 403, why, NULL);
		return false;
	case POLICY_REDIRECT:
		reply_send(w, pkt, m, 501, "policy redirect() is not served yet", NULL);
		return false;
	case POLICY_ACCEPT:
		break;
	}
	return true;
}

struct sip_msg *flow_request(struct worker *w, struct pbox *pb, struct sip_msg *m,
			     const struct packet *pkt)
{
	static __thread struct sdp sdp;
	static __thread char body[SDP_MAX_LEN + 1024];
	const struct policy *pol = __atomic_load_n(&pb->policy, __ATOMIC_ACQUIRE);
	const struct keyring *keys = __atomic_load_n(&pb->keys, __ATOMIC_ACQUIRE);
	struct flow_desc f = { 0 };
	struct policy_decision d = { 0 };
	struct sip_err err;
	struct sdp_edit edit = { 0 };
	struct slice enc = SLICE_NULL;
	char why[256], a[INET6_ADDRSTRLEN + 8], s[INET6_ADDRSTRLEN];
	struct sip_msg *rewritten;
	struct buf b;
	bool offer;

	/* with neither policy nor keys there is nothing to check: the SDP is the endpoints' */
	if (!pol && !keys)
		return m;
	offer = flow_of(m, &sdp, &f, &err) && m->method_id == SIP_INVITE;
	if (err.what && pol) {
		snprintf(why, sizeof(why), "SDP: %s", err.what);
		reply_send(w, pkt, m, 400, why, NULL);
		return NULL;
	}
	if (pol && !policy_decide(w, m, pkt, pol, &f, &d))
		return NULL;
	/* every require() asks for one encryption; two different ones cannot both be met */
	for (unsigned i = 0; i < d.nrequire; i++) {
		if (enc.len && !slice_caseeq(enc, d.require[i])) {
			snprintf(why, sizeof(why), "policy requires both a=enc:%.*s and a=enc:%.*s",
				 SLICE_FMT(enc), SLICE_FMT(d.require[i]));
			reply_send(w, pkt, m, 488, why, NULL);
			return NULL;
		}
		enc = d.require[i];
	}
	if (!offer) {
		/* nothing to rewrite: the request must already ask for what is required */
		if (enc.len && !slice_caseeq(f.enc, enc)) {
			snprintf(why, sizeof(why), "policy requires a=enc:%.*s", SLICE_FMT(enc));
			reply_send(w, pkt, m, 488, why, NULL);
			return NULL;
		}
		return m;
	}
	/* a token is only for an address the request really came from (paper 1, 3.1) */
	if (keys && pb->cfg.token_source_check &&
	    !same_address(f.address, &pkt->src, a, s, sizeof(s))) {
		snprintf(why, sizeof(why),
			 "the offer's address %s is not where the request came from (%s)", a, s);
		log_info("flow %.*s -> %.*s refused: offer address %s, request from %s",
			 SLICE_FMT(m->from.uri.raw), SLICE_FMT(m->ruri_raw), a, s);
		reply_send(w, pkt, m, 403, why, NULL);
		return NULL;
	}
	if (enc.len && !slice_caseeq(f.enc, enc))
		edit.enc = enc;
	for (unsigned i = 0; i < f.ntokens; i++)
		if (slice_caseeq_cstr(f.tokens[i].domain, pb->cfg.domain))
			edit.drop_tokens_of = slice_cstr(pb->cfg.domain);
	if (!edit.enc.p && !edit.drop_tokens_of.p)
		return m;
	buf_init(&b, body, sizeof(body));
	rewritten = sdp_edit_flow(&b, m->body, &edit) ? with_body(w, m, slice_make(body, b.len))
						      : NULL;
	if (!rewritten)
		reply_send(w, pkt, m, 513, "the rewritten offer would be too large", NULL);
	return rewritten;
}

static uint8_t proto_number(struct slice p)
{
	if (SLICE_CASEEQ_LIT(p, "tcp"))
		return IPPROTO_TCP;
	if (SLICE_CASEEQ_LIT(p, "udp"))
		return IPPROTO_UDP;
	return 0;
}

int flow_answer(struct worker *w, const struct sip_msg *req, const struct sip_msg *resp,
		const struct packet *pkt, char *out, size_t cap, unsigned *status,
		const char **why)
{
	static __thread struct sdp so, sa;
	static __thread char body[SDP_MAX_LEN + 1024], whybuf[256];
	const struct pbox *pb = w->pb;
	const struct keyring *keys = __atomic_load_n(&pb->keys, __ATOMIC_ACQUIRE);
	struct flow_desc fo = { 0 }, fa = { 0 };
	struct flow_tuple t = { 0 };
	struct sip_err err;
	struct token tok;
	char hex[TOKEN_HEX_LEN + 1], line[KEYS_DOMAIN_MAX + TOKEN_HEX_LEN + 32];
	char a[INET6_ADDRSTRLEN + 8], s[INET6_ADDRSTRLEN];
	struct slice add;
	struct sdp_edit edit = { 0 };
	struct buf b;

	if (!flow_of(req, &so, &fo, &err) || !flow_of(resp, &sa, &fa, &err)) {
		log_debug("2xx for %.*s: %s, no token", SLICE_FMT(req->ruri_raw),
			  err.what ? err.what : "no flow in the offer or the answer");
		return forward_response_build(resp, SLICE_NULL, out, cap);
	}
	/* the offer's encryption is the flow's: an answer without it breaks what was required */
	if (fo.enc.len && !SLICE_CASEEQ_LIT(fo.enc, "none") && !slice_caseeq(fa.enc, fo.enc)) {
		snprintf(whybuf, sizeof(whybuf), "the answer dropped a=enc:%.*s that the offer requires",
			 SLICE_FMT(fo.enc));
		*status = 488;
		*why = whybuf;
		return FLOW_REFUSED;
	}
	if (!keys)
		return forward_response_build(resp, SLICE_NULL, out, cap);
	if (pb->cfg.token_source_check && !same_address(fa.address, &pkt->src, a, s, sizeof(s))) {
		snprintf(whybuf, sizeof(whybuf),
			 "the answer's address %s is not where it came from (%s)", a, s);
		*status = 403;
		*why = whybuf;
		return FLOW_REFUSED;
	}
	t.proto = proto_number(fo.protocol);
	t.sport = fo.port;
	t.dport = fa.port;
	/* no token for what no M-Box can admit: another protocol, a host name, a rejected stream */
	if (!t.proto || !t.sport || !t.dport || !flow_addr_parse(fo.address, t.src) ||
	    !flow_addr_parse(fa.address, t.dst)) {
		log_debug("2xx for %.*s: flow %.*s %.*s:%u -> %.*s:%u gets no token",
			  SLICE_FMT(req->ruri_raw), SLICE_FMT(fo.protocol), SLICE_FMT(fo.address),
			  fo.port, SLICE_FMT(fa.address), fa.port);
		return forward_response_build(resp, SLICE_NULL, out, cap);
	}
	token_make(&tok, keys_signing(keys), &t, (uint32_t)time(NULL) + pb->cfg.token_lifetime, 0);
	token_to_hex(&tok, hex);
	add = slice_make(line, (size_t)snprintf(line, sizeof(line), "a=nutss-token:%s %s",
						 pb->cfg.domain, hex));
	edit.add = &add;
	edit.nadd = 1;
	edit.drop_tokens_of = slice_cstr(pb->cfg.domain);
	buf_init(&b, body, sizeof(body));
	if (!sdp_edit_flow(&b, resp->body, &edit))
		return -1;
	log_debug("token %.16s... for %.*s %.*s:%u -> %.*s:%u", hex, SLICE_FMT(fo.protocol),
		  SLICE_FMT(fo.address), fo.port, SLICE_FMT(fa.address), fa.port);
	return forward_response_build(resp, slice_make(body, b.len), out, cap);
}
