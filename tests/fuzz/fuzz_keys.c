// SPDX-License-Identifier: MIT
/*
 * Fuzz the domain keys file parser: the file is the operator's, but a
 * damaged one must be refused with a message, never half-read. A file that
 * parses has a domain, one or two keys with distinct serials, newest first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyring kr;
	char err[256];

	if (keys_parse(&kr, (const char *)data, size, err, sizeof(err)) == 0) {
		if (!kr.domain[0] || !kr.n || kr.n > KEYS_MAX)
			abort();
		if (kr.n == 2 && kr.keys[0].serial <= kr.keys[1].serial)
			abort();
		if (keys_signing(&kr) != &kr.keys[0] || keys_find(&kr, kr.keys[0].id) != &kr.keys[0])
			abort();
	} else if (!err[0] || !memchr(err, 0, sizeof(err))) {
		abort();
	}
	return 0;
}
