// SPDX-License-Identifier: MIT
/*
 * Fuzz the data-path parsers of src/proto/: tickets (what an M-Box and an
 * endpoint read from anyone on the network) and tokens in hex (what an
 * endpoint reads from SDP). Properties beyond not crashing: a ticket that
 * parses builds back to the very same bytes, and a token that parses
 * prints back to the same hex (in lower case).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/ticket.h"
#include "proto/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ticket t;
	struct token tok;
	uint8_t out[TICKET_MAX_LEN];
	char hex[TOKEN_HEX_LEN + 1];
	const char *why;

	if (ticket_parse(&t, data, size, &why)) {
		int n = ticket_build(&t, out, sizeof(out));

		if (n < 0 || (size_t)n != size || memcmp(out, data, size))
			abort();
		if (!ticket_is(data, size))
			abort();
	} else if (!why) {
		abort();
	}
	if (token_from_hex(slice_make((const char *)data, size), &tok)) {
		token_to_hex(&tok, hex);
		if (size != TOKEN_HEX_LEN || strncasecmp(hex, (const char *)data, size))
			abort();
	}
	return 0;
}
