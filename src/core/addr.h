/* SPDX-License-Identifier: MIT */
/*
 * Transport addresses as people write them: "udp:127.0.0.1:5060",
 * "tcp:[::1]:5060", or "ADDR:PORT" (UDP). The P-Box's --listen and
 * next_hop, and the endpoints' NUTSS_PBOX, all mean the same by them.
 */
#ifndef NUTSS_CORE_ADDR_H
#define NUTSS_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct addr_spec {
	bool tcp; /* "tcp:"; else UDP */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char host[64]; /* the address in canonical text form ("::1", not "0:0::1") */
	uint16_t port;
};

/* Parse spec: numeric IPv4, or IPv6 in brackets, and a port 1-65535. false when it is not one. */
bool addr_parse_spec(struct addr_spec *a, const char *spec);

/*
 * in (IPv4 or IPv6, its port too) as a socket of family takes it: as it is,
 * or an IPv4 one v4-mapped for an IPv6 socket. Its length, 0 when a socket
 * of family cannot reach it (IPv6 for an IPv4 socket).
 */
socklen_t addr_in_family(const struct sockaddr_storage *in, int family,
			 struct sockaddr_storage *out);

#endif
