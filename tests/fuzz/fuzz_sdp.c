// SPDX-License-Identifier: MIT
/*
 * Fuzz SDP parsing in both modes; when a NUTSS flow comes out, build it
 * again and check the rebuilt description parses to the same flow.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sip/sdp.h"

static struct sdp s, s2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slice body = { (const char *)data, size };
	struct flow_desc f = { 0 }, g = { 0 };
	struct sip_err err = { 0 };
	char buf[4096];
	int n;

	(void)sdp_parse(&s, body, SDP_FULL, &err);
	err = (struct sip_err){ 0 };
	if (!sdp_parse(&s, body, SDP_FRAGMENT, &err) || !sdp_flow(&s, &f, &err) ||
	    !sdp_has_flow(&s))
		return 0;
	n = sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL);
	if (n < 0)
		return 0; /* fields SDP cannot carry, or too long */
	if (!sdp_parse(&s2, slice_make(buf, (size_t)n), SDP_FULL, &err) || !sdp_flow(&s2, &g, &err))
		abort();
	if (!slice_eq(f.app, g.app) || f.port != g.port || !slice_eq(f.enc, g.enc) ||
	    !slice_eq(f.token, g.token) || f.ntaint != g.ntaint)
		abort();
	if (f.address.len && !slice_eq(f.address, g.address))
		abort();
	if (f.protocol.len && !slice_eq(f.protocol, g.protocol))
		abort();
	return 0;
}
