// SPDX-License-Identifier: MIT
/*
 * Fuzz the message parser at both depths and the stream framer. Beyond not
 * crashing, it checks properties that must hold for any input:
 *  - a partial parse followed by sip_msg_parse_full() gives the same verdict
 *    and fields as a full parse in one go;
 *  - every slice handed out lies inside the input;
 *  - a message that sip_frame() delimits on a stream parses to that length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/msg.h"

static struct sip_msg *a, *b;

static void inside(const uint8_t *data, size_t size, struct slice s)
{
	if (s.len && (s.p < (const char *)data || s.p + s.len > (const char *)data + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sip_err ea, eb;
	bool oka, okb;
	size_t skip, len;

	if (!a) {
		a = malloc(sizeof(*a));
		b = malloc(sizeof(*b));
	}
	oka = sip_msg_parse(a, buf, size, SIP_PARSE_FULL, &ea);
	okb = sip_msg_parse(b, buf, size, SIP_PARSE_PARTIAL, &eb) && sip_msg_parse_full(b, &eb);
	if (oka != okb)
		abort();
	if (!oka && (ea.what != eb.what || ea.at != eb.at))
		abort();
	if (oka) {
		if (a->nhdrs != b->nhdrs || a->nvia != b->nvia || a->ncontact != b->ncontact ||
		    !slice_eq(a->call_id, b->call_id) || !slice_eq(a->body, b->body) ||
		    a->semantic.what != b->semantic.what)
			abort();
		inside(data, size, a->body);
		inside(data, size, a->call_id);
		for (unsigned i = 0; i < a->nhdrs; i++) {
			inside(data, size, a->hdrs[i].name);
			inside(data, size, a->hdrs[i].value);
		}
		for (unsigned i = 0; i < a->nvia; i++)
			inside(data, size, a->via[i].branch);
		inside(data, size, a->from.uri.host);
		inside(data, size, a->to.uri.user);
		for (unsigned i = 0; i < a->pool.n; i++) {
			inside(data, size, a->pool.v[i].name);
			inside(data, size, a->pool.v[i].value);
		}
	}
	if (sip_frame(buf, size, SIP_MAX_MSG_SIZE, &skip, &len) == 1) {
		if (skip + len > size)
			abort();
		/* A delimited message is exactly that long when parsed, trailing bytes aside. */
		if (sip_msg_parse(a, buf + skip, len, SIP_PARSE_PARTIAL, &ea) && a->trailing)
			abort();
	}
	return 0;
}
