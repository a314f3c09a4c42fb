// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "core/siphash.h"
#include "proto/token.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "token_mac() reads the message as little-endian words in place");

void token_msg_fill(struct token_msg *m, const uint8_t key_id[TOKEN_KEY_ID_LEN], uint32_t expiry,
		    uint64_t uid, const struct flow_tuple *f)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->key_id, key_id, TOKEN_KEY_ID_LEN);
	m->expiry = htonl(expiry);
	m->proto = f->proto;
	m->version = TOKEN_VERSION;
	memcpy(m->src, f->src, 16);
	memcpy(m->dst, f->dst, 16);
	m->sport = htons(f->sport);
	m->dport = htons(f->dport);
	m->uid = htobe64(uid);
}

uint64_t token_mac(const struct domain_key *k, const struct token_msg *m)
{
	uint64_t k0, k1;

	memcpy(&k0, k->secret, 8);
	memcpy(&k1, k->secret + 8, 8);
	return siphash24_64(k0, k1, (const __u64 *)m);
}

void token_make(struct token *t, const struct domain_key *k, const struct flow_tuple *f,
		uint32_t expiry, uint64_t uid)
{
	struct token_msg m;

	token_msg_fill(&m, k->id, expiry, uid, f);
	memcpy(t->key_id, k->id, TOKEN_KEY_ID_LEN);
	t->expiry = expiry;
	t->uid = uid;
	t->mac = token_mac(k, &m);
}

enum token_verdict token_check(const struct token *t, const struct keyring *kr,
			       const struct flow_tuple *f, uint32_t now)
{
	const struct domain_key *k = keys_find(kr, t->key_id);
	struct token_msg m;
	uint64_t diff;

	if (!k)
		return TOKEN_UNKNOWN_KEY;
	token_msg_fill(&m, t->key_id, t->expiry, t->uid, f);
	/* one XOR and one test of the whole word: no early exit on the first byte that differs */
	diff = token_mac(k, &m) ^ t->mac;
	if (diff)
		return TOKEN_BAD_MAC;
	/* after the MAC: an expired forgery is still a forgery, for the counters */
	return now > t->expiry ? TOKEN_EXPIRED : TOKEN_OK;
}

const char *token_verdict_name(enum token_verdict v)
{
	switch (v) {
	case TOKEN_OK:
		return "ok";
	case TOKEN_EXPIRED:
		return "expired";
	case TOKEN_UNKNOWN_KEY:
		return "unknown key";
	case TOKEN_BAD_MAC:
		return "bad MAC";
	}
	return "?";
}

void token_pack(const struct token *t, struct token_wire *w)
{
	memcpy(w->key_id, t->key_id, TOKEN_KEY_ID_LEN);
	w->expiry = htonl(t->expiry);
	w->uid = htobe64(t->uid);
	for (unsigned i = 0; i < 8; i++)
		w->mac[i] = (uint8_t)(t->mac >> (8 * i));
}

void token_unpack(const struct token_wire *w, struct token *t)
{
	memcpy(t->key_id, w->key_id, TOKEN_KEY_ID_LEN);
	t->expiry = ntohl(w->expiry);
	t->uid = be64toh(w->uid);
	t->mac = 0;
	for (unsigned i = 0; i < 8; i++)
		t->mac |= (uint64_t)w->mac[i] << (8 * i);
}

void token_to_hex(const struct token *t, char out[TOKEN_HEX_LEN + 1])
{
	struct token_wire w;

	token_pack(t, &w);
	hex_encode((const uint8_t *)&w, TOKEN_WIRE_LEN, out);
	out[TOKEN_HEX_LEN] = 0;
}

bool token_from_hex(struct slice s, struct token *t)
{
	struct token_wire w;

	if (s.len != TOKEN_HEX_LEN || !hex_decode(s.p, TOKEN_WIRE_LEN, (uint8_t *)&w))
		return false;
	token_unpack(&w, t);
	return true;
}

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool flow_addr_parse(struct slice s, uint8_t out[16])
{
	char text[INET6_ADDRSTRLEN];

	if (!s.len || s.len >= sizeof(text))
		return false;
	memcpy(text, s.p, s.len);
	text[s.len] = 0;
	if (inet_pton(AF_INET, text, out + 12) == 1) {
		memcpy(out, v4_prefix, 12);
		return true;
	}
	return inet_pton(AF_INET6, text, out) == 1;
}

bool flow_addr_from_sockaddr(const struct sockaddr *sa, uint8_t out[16], uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		memcpy(out, v4_prefix, 12);
		memcpy(out + 12, &a->sin_addr, 4);
		*port = ntohs(a->sin_port);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		memcpy(out, &a->sin6_addr, 16);
		*port = ntohs(a->sin6_port);
		return true;
	}
	return false;
}

bool flow_addr_is_v4(const uint8_t a[16])
{
	return !memcmp(a, v4_prefix, 12);
}

const char *flow_addr_text(const uint8_t a[16], char *out, size_t len)
{
	if (!inet_ntop(flow_addr_is_v4(a) ? AF_INET : AF_INET6, flow_addr_is_v4(a) ? a + 12 : a,
		       out, (socklen_t)len))
		snprintf(out, len, "?");
	return out;
}
