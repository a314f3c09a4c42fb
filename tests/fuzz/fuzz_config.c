// SPDX-License-Identifier: MIT
/* Fuzz the nutss-pboxd configuration parser: any bytes, never a crash, and
 * an accepted file leaves a configuration whose strings are terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbox/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[256];

	config_defaults(&c);
	if (config_parse(&c, "fuzz", (const char *)data, size, err, sizeof(err)) < 0) {
		if (!memchr(err, '\0', sizeof(err)) || strncmp(err, "fuzz:", 5))
			abort(); /* every error names the file and line */
		return 0;
	}
	if (!memchr(c.domain, '\0', sizeof(c.domain)) || c.nlisten > CONFIG_MAX_LISTEN ||
	    c.npolicies > CONFIG_MAX_POLICIES)
		abort();
	return 0;
}
