/* SPDX-License-Identifier: MIT */
/*
 * Discovery replies (docs/protocol.md §5): what an M-Box sends the sender
 * of a packet it dropped, naming the domain's P-Boxes. The M-Box's BPF
 * program writes them (src/mbox/mbox.bpf.c); an endpoint with no P-Box
 * configured reads them. Untrusted bytes from the network: every length
 * checked, nothing read past len.
 */
#ifndef NUTSS_PROTO_DISCOVERY_H
#define NUTSS_PROTO_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"

struct discovery {
	uint8_t reason;
	unsigned npbox;
	struct {
		uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d */
		uint16_t port;	  /* host order */
		uint8_t proto;	  /* IPPROTO_UDP, IPPROTO_TCP, 0: either */
	} pbox[DISCOVERY_MAX_PBOX];
};

/* Write d into buf: its length, or -1 (cap too small, no P-Box or too many). */
int discovery_build(const struct discovery *d, uint8_t *buf, size_t cap);
/*
 * Parse a datagram. false, with *why set, for anything that is not exactly
 * a reply of this version: short, bad magic, no P-Box or more than
 * DISCOVERY_MAX_PBOX, a length that disagrees, a port of 0, nonzero
 * reserved bytes.
 */
bool discovery_parse(struct discovery *d, const uint8_t *buf, size_t len, const char **why);

#endif
