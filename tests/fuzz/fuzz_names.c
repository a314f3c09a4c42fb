// SPDX-License-Identifier: MIT
/*
 * Fuzz the host-name encoding and the name table (src/agent/names.h): a
 * host that parses formats back to itself (lowercased, no trailing dot)
 * and parses again to the same descriptor; a descriptor that formats
 * parses back to a descriptor that formats the same; and the input read
 * as a socket address reverses without a crash, to a name only when it is
 * one of ours.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/names.h"
#include "core/slice.h"
#include "proto/agent.h"

#define INPUT_MAX 4096

static struct names_table *table;

static void round_trip_host(const char *in)
{
	char desc[NAMES_DESC_SIZE], desc2[NAMES_DESC_SIZE], host[NAMES_HOST_MAX + 1];
	size_t n = strlen(in);
	int len;

	if (!names_parse(in, desc, sizeof(desc), NULL))
		return;
	len = names_format(desc, host, sizeof(host));
	if (len < 0)
		abort(); /* every parsed name has a host name */
	if (n && in[n - 1] == '.')
		n--;
	if ((size_t)len != n || !ascii_ieq(host, in, n))
		abort();
	for (int i = 0; i < len; i++)
		if (host[i] >= 'A' && host[i] <= 'Z')
			abort();
	if (!names_parse(host, desc2, sizeof(desc2), NULL) || strcmp(desc, desc2))
		abort();
	if (names_lookup(table, desc, NULL, NULL) <= 0 && names_count(table) < NAMES_DEFAULT_MAX)
		abort();
}

static void round_trip_desc(const char *in)
{
	char host[NAMES_HOST_MAX + 1], host2[NAMES_HOST_MAX + 1], desc[NAMES_DESC_SIZE];
	int len = names_format(in, host, sizeof(host));

	if (len < 0)
		return;
	if ((size_t)len != strlen(host) || len > NAMES_HOST_MAX)
		abort();
	if (!names_parse(host, desc, sizeof(desc), NULL))
		abort();
	if (names_format(desc, host2, sizeof(host2)) != len || strcmp(host, host2))
		abort();
}

static void reverse(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = size < sizeof(ss) ? (socklen_t)size : sizeof(ss);
	char desc[NAMES_KEY_SIZE];
	int r;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, data, len);
	r = names_reverse(table, (struct sockaddr *)&ss, len, desc, sizeof(desc));
	if (r == 0 && !agent_addr_is_ours((struct sockaddr *)&ss, len))
		abort();
	if (r != 0 && r != -ENOENT && r != -EAFNOSUPPORT)
		abort();
	/* and with a buffer too small for anything */
	r = names_reverse(table, (struct sockaddr *)&ss, len, desc, 1);
	if (r == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in;

	if (!table) {
		table = names_new(NAMES_DEFAULT_MAX);
		if (!table)
			abort();
		/* a few names to find */
		names_lookup(table, "alice@example.com;app=web;type=server", NULL, NULL);
		names_lookup(table, "bob@example.com;app=ssh;type=server", NULL, NULL);
	}
	if (size > INPUT_MAX)
		return 0;
	/* exactly sized, so ASan sees a read past the end */
	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = 0;
	round_trip_host(in);
	round_trip_desc(in);
	free(in);
	reverse(data, size);
	return 0;
}
