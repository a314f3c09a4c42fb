// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "proto/ticket.h"

int ticket_build(const struct ticket *t, uint8_t *buf, size_t cap)
{
	struct ticket_hdr h = {
		.magic = htonl(TICKET_MAGIC),
		.version = TICKET_VERSION,
		.type = t->type,
		.proto = t->flow.proto,
		.ntokens = (uint8_t)t->ntokens,
		.sport = htons(t->flow.sport),
		.dport = htons(t->flow.dport),
		.id = htonl(t->id),
	};
	size_t len = TICKET_HDR_LEN + t->ntokens * TOKEN_WIRE_LEN;

	if (t->ntokens > TICKET_MAX_TOKENS || len > cap ||
	    (t->type != TICKET_OFFER && t->type != TICKET_CONFIRM))
		return -1;
	memcpy(h.src, t->flow.src, 16);
	memcpy(h.dst, t->flow.dst, 16);
	memcpy(buf, &h, sizeof(h));
	for (unsigned i = 0; i < t->ntokens; i++) {
		struct token_wire w;

		token_pack(&t->tokens[i], &w);
		memcpy(buf + TICKET_HDR_LEN + i * TOKEN_WIRE_LEN, &w, sizeof(w));
	}
	return (int)len;
}

bool ticket_is(const uint8_t *buf, size_t len)
{
	uint32_t magic;

	if (len < sizeof(magic))
		return false;
	memcpy(&magic, buf, sizeof(magic));
	return ntohl(magic) == TICKET_MAGIC;
}

bool ticket_parse(struct ticket *t, const uint8_t *buf, size_t len, const char **why)
{
	struct ticket_hdr h;

	if (len < TICKET_HDR_LEN) {
		*why = "shorter than a ticket header";
		return false;
	}
	memcpy(&h, buf, sizeof(h));
	if (ntohl(h.magic) != TICKET_MAGIC) {
		*why = "not a ticket (magic)";
		return false;
	}
	if (h.version != TICKET_VERSION) {
		*why = "unknown ticket version";
		return false;
	}
	if (h.type != TICKET_OFFER && h.type != TICKET_CONFIRM) {
		*why = "unknown ticket type";
		return false;
	}
	if (h.proto != IPPROTO_TCP && h.proto != IPPROTO_UDP) {
		*why = "flow protocol is neither TCP nor UDP";
		return false;
	}
	if (h.ntokens > TICKET_MAX_TOKENS) {
		*why = "too many tokens";
		return false;
	}
	if (len != TICKET_HDR_LEN + (size_t)h.ntokens * TOKEN_WIRE_LEN) {
		*why = "length does not match the token count";
		return false;
	}
	if (!h.sport || !h.dport) {
		*why = "port 0 in the flow";
		return false;
	}
	t->type = h.type;
	t->flow.proto = h.proto;
	memcpy(t->flow.src, h.src, 16);
	memcpy(t->flow.dst, h.dst, 16);
	t->flow.sport = ntohs(h.sport);
	t->flow.dport = ntohs(h.dport);
	t->id = ntohl(h.id);
	t->ntokens = h.ntokens;
	for (unsigned i = 0; i < t->ntokens; i++) {
		struct token_wire w;

		memcpy(&w, buf + TICKET_HDR_LEN + i * TOKEN_WIRE_LEN, sizeof(w));
		token_unpack(&w, &t->tokens[i]);
	}
	*why = NULL;
	return true;
}
