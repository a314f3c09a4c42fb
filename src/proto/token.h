/* SPDX-License-Identifier: MIT */
/*
 * Capability tokens (docs/protocol.md): a domain's MAC over a flow's
 * 5-tuple, an expiry and a key id, made by its P-Boxes and checked by its
 * M-Boxes, which share the domain key and nothing else. SipHash-2-4, so an
 * XDP program can check one in well under a microsecond.
 */
#ifndef NUTSS_PROTO_TOKEN_H
#define NUTSS_PROTO_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/slice.h"
#include "proto/keys.h"
#include "proto/wire.h"

/* A flow: protocol and both ends, IPv4 held as ::ffff:a.b.c.d. Ports in host order. */
struct flow_tuple {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

struct token {
	uint8_t key_id[TOKEN_KEY_ID_LEN];
	uint32_t expiry; /* seconds since the Unix epoch */
	uint64_t uid;
	uint64_t mac;
};

enum token_verdict {
	TOKEN_OK,
	TOKEN_EXPIRED,
	TOKEN_UNKNOWN_KEY, /* not a live key of ours: another domain's, or retired */
	TOKEN_BAD_MAC,	   /* forged, or for another flow */
};

/* The 64 bytes the MAC covers, for token t on flow f. */
void token_msg_fill(struct token_msg *m, const uint8_t key_id[TOKEN_KEY_ID_LEN], uint32_t expiry,
		    uint64_t uid, const struct flow_tuple *f);
uint64_t token_mac(const struct domain_key *k, const struct token_msg *m);
/* A token for flow f under key k, valid until expiry. */
void token_make(struct token *t, const struct domain_key *k, const struct flow_tuple *f,
		uint32_t expiry, uint64_t uid);
/* Check t for flow f at time now against the live keys of kr; the MAC compare takes constant time. */
enum token_verdict token_check(const struct token *t, const struct keyring *kr,
			       const struct flow_tuple *f, uint32_t now);
const char *token_verdict_name(enum token_verdict v);

void token_pack(const struct token *t, struct token_wire *w);
void token_unpack(const struct token_wire *w, struct token *t);
/* Lower-case hex of the 28 wire bytes, NUL-terminated: TOKEN_HEX_LEN + 1 bytes. */
void token_to_hex(const struct token *t, char out[TOKEN_HEX_LEN + 1]);
bool token_from_hex(struct slice s, struct token *t);

/* An IPv4 or IPv6 address in text (no brackets) as a tuple address. */
bool flow_addr_parse(struct slice s, uint8_t out[16]);
/* A sockaddr (AF_INET or AF_INET6) as a tuple address and port; false for other families. */
bool flow_addr_from_sockaddr(const struct sockaddr *sa, uint8_t out[16], uint16_t *port);
/* Whether a tuple address is IPv4 (::ffff:a.b.c.d). */
bool flow_addr_is_v4(const uint8_t a[16]);
/* A tuple address as text ("192.0.2.1", "2001:db8::1"); out holds 46 bytes. */
const char *flow_addr_text(const uint8_t a[16], char *out, size_t len);

#endif
