// SPDX-License-Identifier: MIT
/*
 * Fuzz URI and descriptor parsing: no crash, slices inside the input, and
 * a parsed descriptor formats to something that parses to the same
 * descriptor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/desc.h"
#include "sip/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_param pv[64];
	struct sip_pool pool = { pv, 0, 64 };
	struct slice s = { (const char *)data, size };
	struct sip_err err = { 0 };
	struct sip_uri u;
	struct desc d, d2;
	char out[4096];
	int n;

	if (sip_uri_parse(&u, s, &pool, &err)) {
		for (unsigned i = 0; i < pool.n; i++)
			if (pv[i].name.p < s.p || pv[i].name.p + pv[i].name.len > s.p + s.len)
				abort();
		if (u.host.len && (u.host.p < s.p || u.host.p + u.host.len > s.p + s.len))
			abort();
	}
	err = (struct sip_err){ 0 };
	if (!desc_parse(&d, s, &err))
		return 0;
	n = desc_format(&d, out, sizeof(out));
	if (n < 0)
		return 0;
	err = (struct sip_err){ 0 };
	if (!desc_parse(&d2, slice_make(out, (size_t)n), &err))
		abort();
	if (!slice_eq(d.user, d2.user) || !slice_caseeq(d.domain, d2.domain) ||
	    d.nattrs != d2.nattrs)
		abort();
	for (unsigned i = 0; i < d.nattrs; i++)
		if (!slice_eq(d.attrs[i].key, d2.attrs[i].key) ||
		    !slice_eq(d.attrs[i].value, d2.attrs[i].value))
			abort();
	return 0;
}
