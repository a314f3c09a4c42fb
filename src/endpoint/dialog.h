/* SPDX-License-Identifier: MIT */
/*
 * The SIP dialog behind each flow (RFC 3261 12), kept by the flow's socket
 * so that nutss_close() can send its BYE, and what answers the other end's.
 */
#ifndef NUTSS_ENDPOINT_DIALOG_H
#define NUTSS_ENDPOINT_DIALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "endpoint/loop.h"
#include "endpoint/ua.h"
#include "nutss/nutss.h"
#include "sip/msg.h"

#define DIALOG_URI_MAX	 384
#define DIALOG_ROUTE_MAX 1024

struct ep_dialog {
	char call_id[256];
	char local[DIALOG_URI_MAX + 64];  /* our From (or To) value, tag included */
	char remote[DIALOG_URI_MAX + 64]; /* theirs */
	char target[DIALOG_URI_MAX];	  /* their Contact: where our BYE goes */
	char route[DIALOG_ROUTE_MAX];	  /* the route set as one Route value, or "" */
	uint32_t cseq;			  /* our next CSeq */
	bool ended;			  /* their BYE came */
};

/*
 * The caller's side, from its INVITE and the 2xx: target the Contact,
 * route set the Record-Route reversed (12.1.2).
 */
void dialog_from_2xx(struct ep_dialog *d, const struct ua_req *inv, const struct sip_msg *ok);
/* The callee's side, from the INVITE and our To tag: route set in order (12.1.1). */
void dialog_from_invite(struct ep_dialog *d, const struct sip_msg *inv, const char *to_tag);

/* The ACK of a 2xx (a new transaction, through the route set). */
void dialog_ack(const struct ua *ua, const struct ep_dialog *d, uint32_t invite_cseq);
/* Send BYE and wait up to wait_ms for its 200 (reading ua's socket). */
void dialog_bye(const struct ua *ua, struct ep_dialog *d, int wait_ms);

/*
 * Remember that fd is a flow: its dialog, and the UA it was set up with.
 * fd may instead be a negative key (nutss run's agent: src/agent/flows.h),
 * for a flow whose socket the caller does not hold.
 * owned: the connect's own socket, closed with the flow and watched by the
 * loop meanwhile for the other end's BYE; else (a listener's) only its
 * address is kept, and the BYE goes from a socket of its own. 0 or -1.
 */
int dialog_attach(int fd, const struct ep_dialog *d, const struct ua *ua, bool owned);
/* Forget fd's flow, sending its BYE first. false when fd is not a flow. */
bool dialog_close(int fd);

/* A request that came within a dialog (BYE, re-INVITE, INFO...): answered, 481 when unknown. */
void dialog_answer(const struct ua *ua, const struct sip_msg *req);
/* Mark the dialog with this Call-ID as ended by the other side. */
void dialog_ended(struct slice call_id);

#endif
