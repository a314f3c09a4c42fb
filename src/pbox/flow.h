/* SPDX-License-Identifier: MIT */
/*
 * The P-Box's half of a flow's negotiation (docs/protocol.md): the domain's
 * policy on a request that begins something, the offer rewritten as the
 * policy requires, and the answer checked and given this domain's token.
 */
#ifndef NUTSS_PBOX_FLOW_H
#define NUTSS_PBOX_FLOW_H

#include <stddef.h>

#include "pbox/pbox.h"
#include "sip/msg.h"

/*
 * A request that begins something, its sender authenticated: the policy
 * decides (a deny is a 403 naming the policy line) and, for a request
 * whose SDP offers a flow, the offer is checked (its address must be where
 * the request came from, when the domain issues tokens) and rewritten as
 * the policy requires (a=enc:). Returns the request to route: m itself, or
 * the rewritten copy in w->flow_msg; NULL when it has been answered.
 */
struct sip_msg *flow_request(struct worker *w, struct pbox *pb, struct sip_msg *m,
			     const struct packet *pkt);

#define FLOW_REFUSED (-2)

/*
 * A 2xx to an INVITE we forwarded (req: the INVITE as we forwarded it,
 * resp: the 2xx, pkt: where the 2xx came from). When both carry a flow,
 * the answer must keep the offer's encryption and name the address it came
 * from, and it goes up with this domain's token for the negotiated 5-tuple
 * added. Built into out without our Via: its length, -1 when it does not
 * fit, or FLOW_REFUSED with *status and *why saying what to answer the
 * caller instead (the caller's transaction then hangs up the callee).
 */
int flow_answer(struct worker *w, const struct sip_msg *req, const struct sip_msg *resp,
		const struct packet *pkt, char *out, size_t cap, unsigned *status,
		const char **why);

#endif
