// SPDX-License-Identifier: MIT
/*
 * Fuzz sip_auth_parse() with arbitrary header values. On success: every
 * slice must lie inside the input; the parsed fields, unquoted, are built
 * back into credentials (and a challenge) and re-parsed, and the re-parsed
 * fields must unquote to the same bytes; where the hashed inputs are the
 * same, digest_verify() must give the same answer for both. Any mismatch
 * aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/digest.h"
#include "sip/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { U_USER, U_REALM, U_NONCE, U_URI, U_RESP, U_ALG, U_CNONCE, U_OPAQUE, U_QOP, U_DOMAIN, U_N };

static struct sip_param pool_v[SIP_MAX_PARAMS], pool_b[SIP_MAX_PARAMS];
static char ua[U_N][SIP_MAX_HEADER_LEN + 1];
static char ub[SIP_MAX_HEADER_LEN + 1];
/* Escaping at most doubles a value; the rest is names and separators. */
static char out[2 * SIP_MAX_HEADER_LEN + 512];

#define FAIL(what)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "fuzz_auth: %s (line %d)\n", what, __LINE__);                      \
		abort();                                                                           \
	} while (0)

static void inside(struct slice s, const uint8_t *data, size_t size)
{
	if (!s.p)
		return;
	if ((const uint8_t *)s.p < data || (const uint8_t *)s.p + s.len > data + size)
		FAIL("slice outside the input");
}

static const struct slice *field(const struct sip_auth *a, int i)
{
	const struct slice *f[U_N] = {
	    &a->username,  &a->realm,  &a->nonce,  &a->uri, &a->response,
	    &a->algorithm, &a->cnonce, &a->opaque, &a->qop, &a->domain,
	};
	return f[i];
}

/* The plain value of a wire-form field, NULL .p when absent. */
static struct slice unq(char *buf, struct slice v)
{
	int n;

	if (!v.p)
		return SLICE_NULL;
	n = sip_auth_unquote(buf, SIP_MAX_HEADER_LEN + 1, v);
	if (n < 0)
		FAIL("unquote overflow");
	return slice_make(buf, (size_t)n);
}

static void same(struct slice plain, struct slice wire)
{
	struct slice u;

	if (!plain.p && !wire.p)
		return;
	if (!plain.p || !wire.p)
		FAIL("field present on one side only");
	u = unq(ub, wire);
	if (!slice_eq(plain, u))
		FAIL("field changed across build and parse");
}

static bool has_backslash(const struct sip_auth *a)
{
	for (int i = 0; i < U_N; i++) {
		const struct slice *f = field(a, i);

		if (f->p && memchr(f->p, '\\', f->len))
			return true;
	}
	return false;
}

static void round_trip(const struct sip_auth *a, const struct slice *plain)
{
	struct sip_pool pool = {pool_b, 0, SIP_MAX_PARAMS};
	struct digest_credentials c = {
	    .username = plain[U_USER],
	    .realm = plain[U_REALM],
	    .nonce = plain[U_NONCE],
	    .uri = plain[U_URI],
	    .response = plain[U_RESP],
	    .algorithm = plain[U_ALG],
	    .cnonce = plain[U_CNONCE],
	    .opaque = plain[U_OPAQUE],
	    .qop = plain[U_QOP],
	};
	static const char ha1[] = "0123456789abcdef0123456789abcdef"
				  "0123456789abcdef0123456789abcdef";
	struct slice h = slice_make(ha1, digest_hex_len((enum digest_alg)a->alg));
	char nc[9];
	uint32_t ncv = 0;
	bool same_nc = !a->nc.p;
	struct sip_auth b;
	int n;

	if (digest_nc_parse(a->nc, &ncv) && ncv) {
		c.nc = ncv;
		snprintf(nc, sizeof(nc), "%08x", ncv);
		same_nc = slice_eq(a->nc, slice_make(nc, 8));
	}
	n = digest_build_credentials(out, sizeof(out), &c);
	if (n < 0)
		FAIL("could not build credentials from parsed fields");
	if (!sip_auth_parse(&b, slice_make(out, (size_t)n), &pool, NULL))
		FAIL("built credentials do not parse");
	if (!b.is_digest)
		FAIL("built credentials are not Digest");
	for (int i = 0; i < U_N; i++)
		if (i != U_DOMAIN)
			same(plain[i], *field(&b, i));
	if (b.alg != a->alg)
		FAIL("algorithm changed");
	if (c.nc) {
		if (!slice_caseeq(b.nc, slice_make(nc, 8)))
			FAIL("nc changed");
	} else if (b.nc.p) {
		FAIL("nc appeared");
	}
	/*
	 * The response is compared as written, nc is hashed as written: only
	 * when neither changed form must both sides verify alike.
	 */
	if (a->is_digest && same_nc && !has_backslash(a) &&
	    digest_verify(a, SLICE_LIT("INVITE"), h, SLICE_LIT("body")) !=
		digest_verify(&b, SLICE_LIT("INVITE"), h, SLICE_LIT("body")))
		FAIL("verify differs after a round trip");
}

static void challenge_trip(const struct sip_auth *a, const struct slice *plain)
{
	struct sip_pool pool = {pool_b, 0, SIP_MAX_PARAMS};
	struct digest_challenge c = {
	    .realm = plain[U_REALM],
	    .nonce = plain[U_NONCE],
	    .opaque = plain[U_OPAQUE],
	    .domain = plain[U_DOMAIN],
	    .qop = plain[U_QOP],
	    .alg = a->algorithm.p ? (enum digest_alg)a->alg : DIGEST_ALG_UNKNOWN,
	    .stale = a->stale.p && slice_caseeq_cstr(a->stale, "true"),
	};
	struct sip_auth b;
	int n;

	n = digest_build_challenge(out, sizeof(out), &c);
	if (n < 0)
		FAIL("could not build a challenge from parsed fields");
	if (!sip_auth_parse(&b, slice_make(out, (size_t)n), &pool, NULL))
		FAIL("built challenge does not parse");
	same(plain[U_REALM], b.realm);
	same(plain[U_NONCE], b.nonce);
	same(plain[U_OPAQUE], b.opaque);
	same(plain[U_DOMAIN], b.domain);
	same(plain[U_QOP], b.qop);
	if (c.alg != DIGEST_ALG_UNKNOWN && b.alg != c.alg)
		FAIL("challenge algorithm changed");
	if (c.stale != (b.stale.p != NULL))
		FAIL("stale changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_pool pool = {pool_v, 0, SIP_MAX_PARAMS};
	struct sip_auth a;
	struct sip_err err = {0};
	struct slice plain[U_N];

	if (size > SIP_MAX_HEADER_LEN)
		return 0;
	if (!sip_auth_parse(&a, slice_make((const char *)data, size), &pool, &err)) {
		if (!err.what || pool.n != 0)
			FAIL("failure without a reason, or pool not restored");
		if (err.at &&
		    ((const uint8_t *)err.at < data || (const uint8_t *)err.at > data + size))
			FAIL("error position outside the input");
		return 0;
	}
	if (a.nparams != pool.n)
		FAIL("nparams does not match the pool");
	inside(a.raw, data, size);
	inside(a.scheme, data, size);
	inside(a.token68, data, size);
	inside(a.nc, data, size);
	inside(a.stale, data, size);
	inside(a.userhash, data, size);
	for (unsigned i = 0; i < a.nparams; i++) {
		inside(a.params[i].name, data, size);
		inside(a.params[i].value, data, size);
		if (!a.params[i].value.p)
			FAIL("parameter without a value");
		if (sip_auth_param(&a, "realm").p != a.realm.p && a.is_digest)
			FAIL("sip_auth_param disagrees with the realm field");
	}
	for (int i = 0; i < U_N; i++) {
		inside(*field(&a, i), data, size);
		plain[i] = unq(ua[i], *field(&a, i));
	}

	if (plain[U_USER].p && plain[U_REALM].p && plain[U_NONCE].p && plain[U_URI].p &&
	    plain[U_RESP].p)
		round_trip(&a, plain);
	if (plain[U_REALM].p && plain[U_NONCE].p)
		challenge_trip(&a, plain);
	return 0;
}
