/* SPDX-License-Identifier: MIT */
/* Request and response handling inside a worker; see proxy.c and route.c. */
#ifndef NUTSS_PBOX_PROXY_H
#define NUTSS_PBOX_PROXY_H

#include "pbox/pbox.h"
#include "sip/msg.h"

/*
 * Answer req statelessly, to where it came from. warning, when given, goes
 * into a Warning: 399 header; extra_headers are whole "Name: value\r\n" lines.
 */
void proxy_reply(struct worker *w, const struct packet *pkt, const struct sip_msg *req,
		 unsigned status, const char *warning, const char *extra_headers);
/* The same response built into out; its length, or -1 (not to be sent). */
int proxy_reply_build(struct worker *w, const struct sip_msg *req, unsigned status,
		      const char *warning, const char *extra_headers, char *out, size_t cap);
/*
 * u names our domain: its host is the domain, with no port or one of ours
 * (a domain that is an address, with another port, is some other server).
 */
bool proxy_names_domain(const struct pbox *pb, const struct sip_uri *u);
/* host:port (port 0 = 5060) is one of our listen addresses or worker sending sockets. */
bool proxy_is_local(const struct pbox *pb, struct slice host, uint16_t port);
/* A URI names this P-Box: one of our addresses (any port of ours), or our domain without user. */
bool proxy_uri_is_us(const struct pbox *pb, const struct sip_uri *u);

/*
 * Digest authentication (auth.c, RFC 3261 22): true when m carries valid,
 * fresh credentials in header hdr (Authorization or Proxy-Authorization)
 * for aor. Otherwise m has been answered (401/407 with a new nonce, or 403)
 * and the caller stops.
 */
bool auth_check(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt,
		enum sip_hdr_id hdr, struct slice aor);

void registrar_handle(struct worker *w, struct pbox *pb, struct sip_msg *m,
		      const struct packet *pkt);
void proxy_route(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt);
/*
 * proxy_route would send m out of our domain (relay it) rather than to a
 * registered name: a Route left after ours, or a Request-URI that is not a
 * name in our domain.
 */
bool proxy_relays(const struct pbox *pb, const struct sip_msg *m);
/*
 * With auth on, whether an initial request m may be sent on: our users
 * (From in our domain) must prove who they are (407), and only they may
 * have us relay out of the domain, to another domain, an address or a
 * Route of their choosing; anyone may reach a name of ours (the policy
 * decides). Otherwise we would carry anyone's requests to anywhere we can
 * reach. False when m has been answered (407, 403...).
 */
bool proxy_may_send(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt);
struct route_target;
/*
 * Build m (a request) as forwarded to t, with our Via (branch) on top,
 * Max-Forwards decremented, Record-Route for dialog-creating requests.
 * *li: the listen address it leaves from. Length, or -1 when it does not fit.
 */
int route_build(struct worker *w, const struct sip_msg *m, const struct packet *pkt,
		const struct route_target *t, bool drop_first_route, const char *branch,
		char *out, size_t cap, unsigned *li);
/* Build response m without its top Via (ours). Length, or -1. */
int route_response_build(const struct sip_msg *m, char *out, size_t cap);
void proxy_response(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt);

#endif
