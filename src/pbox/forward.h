/* SPDX-License-Identifier: MIT */
/* Requests and responses as they leave for their next hop; see forward.c. */
#ifndef NUTSS_PBOX_FORWARD_H
#define NUTSS_PBOX_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pbox/location.h"
#include "pbox/pbox.h"
#include "sip/msg.h"

/* Where a forwarded request goes: one candidate of serial forking. */
struct route_target {
	char ruri[LOC_MAX_CONTACT];
	char path[LOC_MAX_PATH]; /* Route values to put first (a registered Path), or "" */
	struct sockaddr_storage to;
	socklen_t tolen;
	uint8_t proto; /* enum listen_proto */
};

/* The address a URI names: maddr, else host; port, else 5060/5061. Numeric hosts only. */
bool forward_uri_addr(const struct sip_uri *u, struct sockaddr_storage *ss, socklen_t *len);
/*
 * Build m (a request) as forwarded to t, with our Via (branch) on top,
 * Max-Forwards decremented, Record-Route for dialog-creating requests.
 * *li: the listen address it leaves from. Length, or -1 when it does not fit.
 */
int forward_build(struct worker *w, const struct sip_msg *m, const struct packet *pkt,
		  const struct route_target *t, bool drop_first_route, const char *branch, char *out,
		  size_t cap, unsigned *li);
/* Our Via up to the branch value, for listen address li and transport proto. */
const char *forward_via_prefix(struct worker *w, unsigned li, uint8_t proto);
/*
 * Forward without a transaction: the ACK of a 2xx (end to end, RFC 3261
 * 16.6) and a CANCEL we hold no INVITE for. The branch is a hash of the
 * request (16.11), so copies of it get the same one.
 */
void forward_stateless(struct worker *w, struct sip_msg *m, const struct packet *pkt,
		       const struct route_target *t, bool drop_first_route);
/*
 * Build response m without its top Via (ours), with body in place of its
 * own when body.p is set (and a Content-Length to match). Length, or -1.
 */
int forward_response_build(const struct sip_msg *m, struct slice body, char *out, size_t cap);
/*
 * A response no transaction of ours took (RFC 3261 16.7 step 3), sent on
 * by its next Via when the top one is ours, over UDP only.
 */
void forward_response(struct worker *w, struct sip_msg *m);

#endif
