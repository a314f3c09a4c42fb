/* SPDX-License-Identifier: MIT */
/* Whether an address, a URI or a request's next hop is this P-Box or its domain; see local.c. */
#ifndef NUTSS_PBOX_LOCAL_H
#define NUTSS_PBOX_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pbox/pbox.h"
#include "sip/msg.h"

/*
 * u names our domain: its host is the domain, with no port or one of ours
 * (a domain that is an address, with another port, is some other server).
 */
bool local_names_domain(const struct pbox *pb, const struct sip_uri *u);
/* host:port (port 0 = 5060) is one of our listen addresses or worker sending sockets. */
bool local_addr(const struct pbox *pb, struct slice host, uint16_t port);
/* A URI names this P-Box: one of our addresses (any port of ours), or our domain without user. */
bool local_uri_is_us(const struct pbox *pb, const struct sip_uri *u);
/*
 * route_request would send m out of our domain (relay it) rather than to a
 * registered name: a Route left after ours, or a Request-URI that is not a
 * name in our domain.
 */
bool local_relays(const struct pbox *pb, const struct sip_msg *m);

#endif
