// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "proto/discovery.h"

int discovery_build(const struct discovery *d, uint8_t *buf, size_t cap)
{
	struct discovery_hdr h = {
		.magic = htonl(DISCOVERY_MAGIC),
		.version = DISCOVERY_VERSION,
		.npbox = (uint8_t)d->npbox,
		.reason = d->reason,
	};
	size_t len = DISCOVERY_HDR_LEN + d->npbox * DISCOVERY_PBOX_LEN;

	if (!d->npbox || d->npbox > DISCOVERY_MAX_PBOX || len > cap)
		return -1;
	memcpy(buf, &h, sizeof(h));
	for (unsigned i = 0; i < d->npbox; i++) {
		struct discovery_pbox p = { .port = htons(d->pbox[i].port),
					    .proto = d->pbox[i].proto };

		memcpy(p.addr, d->pbox[i].addr, 16);
		memcpy(buf + DISCOVERY_HDR_LEN + i * DISCOVERY_PBOX_LEN, &p, sizeof(p));
	}
	return (int)len;
}

bool discovery_parse(struct discovery *d, const uint8_t *buf, size_t len, const char **why)
{
	struct discovery_hdr h;

	*why = NULL;
	if (len < DISCOVERY_HDR_LEN) {
		*why = "shorter than a discovery header";
		return false;
	}
	memcpy(&h, buf, sizeof(h));
	if (ntohl(h.magic) != DISCOVERY_MAGIC) {
		*why = "not a discovery reply (magic)";
		return false;
	}
	if (h.version != DISCOVERY_VERSION) {
		*why = "unknown discovery version";
		return false;
	}
	if (!h.npbox || h.npbox > DISCOVERY_MAX_PBOX) {
		*why = "no P-Box, or more than a reply may name";
		return false;
	}
	if (len != DISCOVERY_HDR_LEN + (size_t)h.npbox * DISCOVERY_PBOX_LEN) {
		*why = "length disagrees with its P-Box count";
		return false;
	}
	if (h.zero) {
		*why = "reserved byte set";
		return false;
	}
	memset(d, 0, sizeof(*d));
	d->reason = h.reason;
	d->npbox = h.npbox;
	for (unsigned i = 0; i < h.npbox; i++) {
		struct discovery_pbox p;

		memcpy(&p, buf + DISCOVERY_HDR_LEN + i * DISCOVERY_PBOX_LEN, sizeof(p));
		if (!p.port || p.zero ||
		    (p.proto != 0 && p.proto != IPPROTO_UDP && p.proto != IPPROTO_TCP)) {
			*why = "a P-Box with port 0, an unknown protocol or a reserved byte set";
			return false;
		}
		memcpy(d->pbox[i].addr, p.addr, 16);
		d->pbox[i].port = ntohs(p.port);
		d->pbox[i].proto = p.proto;
	}
	return true;
}
