// SPDX-License-Identifier: MIT
/*
 * Fuzz SDP parsing in both modes and the flow builder, checking properties
 * rather than just surviving:
 *  - every slice the parser hands out lies inside the input;
 *  - a description that yields a NUTSS flow can always be built again, and
 *    the rebuilt text parses (SDP_FULL) to the same flow;
 *  - a flow made of arbitrary fields (the input cut at '\n') either is
 *    refused by the builder or round-trips exactly.
 * A broken property abort()s so libFuzzer keeps the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sip/sdp.h"

static struct sdp s, s2;
static char buf[SDP_MAX_LEN + 4096];

static const char *lo, *hi;

static void inside(struct slice v)
{
	if (v.len && (v.p < lo || v.p + v.len > hi))
		abort();
}

static void check_inside(const struct sdp *d)
{
	for (unsigned i = 0; i < 6; i++)
		inside(d->origin[i]);
	inside(d->session_name);
	inside(d->conn.address);
	for (unsigned i = 0; i < d->nattrs; i++) {
		inside(d->attrs[i].name);
		inside(d->attrs[i].value);
		if (d->attrs[i].media >= (int)d->nmedia)
			abort();
	}
	for (unsigned i = 0; i < d->nmedia; i++) {
		const struct sdp_media *m = &d->media[i];

		inside(m->proto);
		inside(m->fmt);
		inside(m->conn.address);
		if (m->nfmts > SDP_MAX_FMTS || !m->nfmts)
			abort();
		for (unsigned k = 0; k < m->nfmts; k++)
			inside(m->fmts[k]);
	}
	for (unsigned i = 0; i < d->ntimes; i++)
		if (d->times[i].first_repeat + d->times[i].nrepeat > d->nrepeats)
			abort();
}

static bool same_flow(const struct flow_desc *a, const struct flow_desc *b)
{
	if (!slice_eq(a->protocol, b->protocol) || !slice_eq(a->app, b->app) ||
	    a->port != b->port || !slice_eq(a->enc, b->enc) || a->ntokens != b->ntokens ||
	    a->ntaint != b->ntaint)
		return false;
	for (unsigned i = 0; i < a->ntokens; i++)
		if (!slice_eq(a->tokens[i].domain, b->tokens[i].domain) ||
		    !slice_eq(a->tokens[i].value, b->tokens[i].value))
			return false;
	for (unsigned i = 0; i < a->ntaint; i++)
		if (!slice_eq(a->taint[i], b->taint[i]))
			return false;
	return a->address.len ? slice_eq(a->address, b->address)
			      : slice_eq_cstr(b->address, "0.0.0.0");
}

/* Build f, parse it back, compare. must: the builder may not refuse. */
static void round_trip(const struct flow_desc *f, bool must)
{
	struct flow_desc g = { 0 };
	struct sip_err err = { 0 };
	int n = sdp_build_flow(buf, sizeof(buf), f, SLICE_NULL);

	if (n < 0) {
		if (must)
			abort();
		return;
	}
	lo = buf;
	hi = buf + n;
	if (!sdp_parse(&s2, slice_make(buf, (size_t)n), SDP_FULL, &err) || !sdp_has_flow(&s2) ||
	    !sdp_flow(&s2, &g, &err))
		abort();
	check_inside(&s2);
	if (!same_flow(f, &g))
		abort();
}

/* Fields cut from the input at '\n': protocol, app, address, enc, a token's domain and value, taints. */
static void fields_flow(const uint8_t *data, size_t size)
{
	struct flow_desc f = { 0 };
	struct slice *dst[6] = { &f.protocol, &f.app,		    &f.address,
				 &f.enc,      &f.tokens[0].domain, &f.tokens[0].value };
	const char *p = (const char *)data, *end = p + size;
	unsigned i = 0;

	if (size < 2)
		return;
	f.port = (uint16_t)(data[0] << 8 | data[1]);
	p += 2;
	while (p <= end && i < 6 + FLOW_MAX_TAINTS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct slice v = slice_make(p, (size_t)((nl ? nl : end) - p));

		if (i < 6)
			*dst[i] = v;
		else
			f.taint[f.ntaint++] = v;
		i++;
		if (!nl)
			break;
		p = nl + 1;
	}
	f.ntokens = f.tokens[0].domain.len || f.tokens[0].value.len;
	/* the builder writes defaults for these; the comparison expects them */
	if (!f.protocol.len)
		f.protocol = SLICE_LIT("tcp");
	if (!f.app.len)
		f.app = SLICE_LIT("-");
	round_trip(&f, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slice body = { (const char *)data, size };
	struct flow_desc f = { 0 };
	struct sip_err err = { 0 };

	lo = body.p;
	hi = body.p + size;
	if (sdp_parse(&s, body, SDP_FULL, &err))
		check_inside(&s);
	else if (!err.what || (err.at && (err.at < lo || err.at > hi)))
		abort();
	err = (struct sip_err){ 0 };
	if (sdp_parse(&s, body, SDP_FRAGMENT, &err)) {
		check_inside(&s);
		(void)sdp_attr(&s, -1, "enc");
		if (sdp_flow(&s, &f, &err) && sdp_has_flow(&s))
			round_trip(&f, true);
	}
	fields_flow(data, size);
	return 0;
}
