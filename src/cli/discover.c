// SPDX-License-Identifier: MIT
/*
 * nutss discover [ADDR]: which P-Box the M-Box on the path names, as an
 * endpoint with no NUTSS_PBOX finds it (docs/protocol.md §5).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "endpoint/discover.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss discover [ADDR]\n"
		"\n"
		"Send a discovery probe (UDP, %d bytes, port %d) toward ADDR, an address beyond\n"
		"the M-Box, or else toward the default gateways, and print the P-Box that the\n"
		"M-Box which drops it names, as udp:ADDR:PORT (what NUTSS_PBOX takes). An\n"
		"endpoint with no NUTSS_PBOX does the same, toward NUTSS_DISCOVER if set.\n"
		"Exit status: 0 found, 1 no M-Box answered, 2 usage or error.\n",
		EP_DISCOVER_PROBE_LEN, EP_DISCOVER_PORT);
}

int cmd_discover(int argc, char **argv)
{
	struct addr_spec pbox;
	char why[256];

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		bool help = argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));

		usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	if (ep_discover(&pbox, argc == 2 ? argv[1] : NULL, why, sizeof(why)) < 0) {
		fprintf(stderr, "nutss discover: %s\n", why);
		return strstr(why, "no M-Box answered") ? 1 : 2;
	}
	printf(pbox.addr.ss_family == AF_INET6 ? "udp:[%s]:%u\n" : "udp:%s:%u\n", pbox.host,
	       pbox.port);
	return 0;
}
