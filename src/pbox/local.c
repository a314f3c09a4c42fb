// SPDX-License-Identifier: MIT
/*
 * "Is this us?": whether an address, a URI or a request's next hop is this
 * P-Box or its domain. Helpers every layer may ask; they ask no one.
 */
#include <arpa/inet.h>

#include "pbox/local.h"
#include "pbox/worker.h"

static uint16_t sa_port(const struct sockaddr_storage *a)
{
	return ntohs(a->ss_family == AF_INET ? ((const struct sockaddr_in *)a)->sin_port
					     : ((const struct sockaddr_in6 *)a)->sin6_port);
}

bool local_names_domain(const struct pbox *pb, const struct sip_uri *u)
{
	/* sip:alice@example.org is the domain; sip:alice@example.org:5070 is a server */
	return slice_caseeq_cstr(u->host, pb->cfg.domain) &&
	       (!u->port || local_addr(pb, u->host, u->port));
}

bool local_uri_is_us(const struct pbox *pb, const struct sip_uri *u)
{
	return local_addr(pb, u->host, u->port) || (!u->user.len && local_names_domain(pb, u));
}

bool local_addr(const struct pbox *pb, struct slice host, uint16_t port)
{
	if (!port)
		port = 5060;
	for (unsigned i = 0; i < pb->cfg.nlisten; i++) {
		bool ours = pb->cfg.listen[i].port == port;

		/* the private sending sockets of the workers are us too */
		for (unsigned k = 0; k < pb->nworkers && !ours; k++)
			ours = pb->workers[k] && sa_port(&pb->workers[k]->priv_addr[i]) == port;
		/* the port first: next hops share our address far more often than our port */
		if (ours && slice_eq_cstr(host, pb->cfg.listen[i].host))
			return true;
	}
	return false;
}

bool local_relays(const struct pbox *pb, const struct sip_msg *m)
{
	unsigned first_route = m->nroute && local_uri_is_us(pb, &m->route[0].uri);

	/* as route_request decides: a Route left after ours, else the Request-URI */
	return m->nroute > first_route || !m->ruri.user.len || !local_names_domain(pb, &m->ruri);
}
