/* SPDX-License-Identifier: MIT */
/* Where a request goes; see route.c. */
#ifndef NUTSS_PBOX_ROUTE_H
#define NUTSS_PBOX_ROUTE_H

#include "pbox/pbox.h"
#include "sip/msg.h"

/* Route m (a request that passed every check) and forward it, or answer it (404, 480...). */
void route_request(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt);

#endif
