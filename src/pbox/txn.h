/* SPDX-License-Identifier: MIT */
/*
 * Transactions of one worker (RFC 3261 17) as a stateful proxy uses them
 * (16): a proxy transaction pairs the server transaction of a request we
 * forward with its current client transaction, and keeps the targets left
 * for serial forking (paper 2, 3.2). Only requests we forward create one;
 * every refusal before that stays stateless. See docs/pbox.md.
 */
#ifndef NUTSS_PBOX_TXN_H
#define NUTSS_PBOX_TXN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pbox/forward.h"

struct packet;
struct sip_msg;
struct worker;
struct txn_table;

/* RFC 3261 17.1.1.1 and 17.1.2.2 timer bases, in milliseconds; T1 is the config's sip_t1. */
#define TXN_T2 4000
#define TXN_T4 5000
#define TXN_TIMER_C (181 * 1000) /* RFC 3261 16.6 step 11: more than 3 minutes */

int txn_table_new(struct worker *w, struct txn_table **out);
void txn_table_free(struct txn_table *t);
/* Transactions alive in this worker. */
unsigned txn_count(const struct txn_table *t);

/*
 * A request after its partial parse: true when it belongs to a transaction
 * we hold and has been dealt with (a retransmission answered with the last
 * response or absorbed, the ACK of a non-2xx final response, a CANCEL).
 */
bool txn_request(struct worker *w, struct sip_msg *m, const struct packet *pkt);

/* A response after its partial parse: true when one of our client transactions took it. */
bool txn_response(struct worker *w, struct sip_msg *m, const struct packet *pkt);

/*
 * Forward m statefully to targets[0], keeping the rest for serial forking
 * (next on a failure response other than 6xx, or a timeout). Answers 100
 * Trying to an INVITE. drop_first_route: the first Route was us.
 */
void txn_forward(struct worker *w, struct sip_msg *m, const struct packet *pkt,
		 const struct route_target *targets, unsigned ntargets, bool drop_first_route);

#endif
