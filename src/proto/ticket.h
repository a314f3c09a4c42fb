/* SPDX-License-Identifier: MIT */
/*
 * Tickets (docs/protocol.md): the datagram the initiator of a flow sends
 * along its path just before the flow, carrying every domain's token, so
 * each M-Box admits the flow statelessly; and the responder's confirm,
 * which comes back through the path the ticket opened. Untrusted bytes:
 * parsed with every length checked, never read past len.
 */
#ifndef NUTSS_PROTO_TICKET_H
#define NUTSS_PROTO_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/token.h"
#include "proto/wire.h"

struct ticket {
	uint8_t type; /* enum ticket_type */
	struct flow_tuple flow;
	uint32_t id;
	unsigned ntokens;
	struct token tokens[TICKET_MAX_TOKENS];
};

/* Write t into buf: its length, or -1 (cap too small, too many tokens, unknown type). */
int ticket_build(const struct ticket *t, uint8_t *buf, size_t cap);
/*
 * Parse a datagram. false, with *why set, for anything that is not exactly
 * a ticket of this version: short, bad magic, unknown type or protocol,
 * more tokens than TICKET_MAX_TOKENS, a length that disagrees with them.
 */
bool ticket_parse(struct ticket *t, const uint8_t *buf, size_t len, const char **why);
/* Whether a datagram starts like a ticket (its magic): for demultiplexing. */
bool ticket_is(const uint8_t *buf, size_t len);

#endif
