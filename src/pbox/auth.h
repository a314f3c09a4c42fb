/* SPDX-License-Identifier: MIT */
/* Digest authentication of requests; see auth.c. */
#ifndef NUTSS_PBOX_AUTH_H
#define NUTSS_PBOX_AUTH_H

#include <stdbool.h>

#include "pbox/pbox.h"
#include "sip/msg.h"

/*
 * Digest authentication (RFC 3261 22): true when m carries valid, fresh
 * credentials in header hdr (Authorization or Proxy-Authorization) for aor.
 * Otherwise m has been answered (401/407 with a new nonce, or 403) and the
 * caller stops.
 */
bool auth_check(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt,
		enum sip_hdr_id hdr, struct slice aor);

/*
 * The header that hands the sender of req, at client, a nonce for its next
 * request (RFC 7616 3.5: "Proxy-Authentication-Info: nextnonce=...", CRLF
 * ended), so that request needs no 407 round trip: only when req carried
 * credentials for our realm (it was authenticated here, so client is the
 * user agent itself). Its length, or 0 when none is due.
 */
int auth_nextnonce(const struct pbox *pb, const struct sip_msg *req, const struct sockaddr *client,
		   char *out, size_t cap);

#endif
