// SPDX-License-Identifier: MIT
/*
 * Fuzz the discovery-reply parser (what an endpoint with no P-Box reads
 * from whoever answers its probe). Beyond not crashing: a reply that
 * parses builds back to the very same bytes, and a refusal says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/discovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct discovery d;
	uint8_t out[DISCOVERY_MAX_LEN];
	const char *why;

	if (discovery_parse(&d, data, size, &why)) {
		int n = discovery_build(&d, out, sizeof(out));

		if (n < 0 || (size_t)n != size || memcmp(out, data, size))
			abort();
	} else if (!why) {
		abort();
	}
	return 0;
}
