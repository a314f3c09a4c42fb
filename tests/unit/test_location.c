// SPDX-License-Identifier: MIT
/* The registrar's location table: bindings, RFC 3261 10.3 ordering, ranked lookup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "pbox/location.h"

static struct location *loc;
static struct loc_candidate c[LOC_MAX_CANDIDATES];

static int reg(const char *aor, const char *contact, const char *desc, const char *callid,
	       uint32_t cseq, int64_t expires_at)
{
	struct loc_binding b = {
		.aor = slice_cstr(aor),
		.contact = slice_cstr(contact),
		.descriptor = slice_cstr(desc),
		.path = SLICE_NULL,
		.call_id = slice_cstr(callid),
		.cseq = cseq,
		.q = 1.0f,
		.expires_at = expires_at,
	};

	return location_update(loc, &b, 1000);
}

static unsigned lookup(const char *dest)
{
	struct desc d;
	struct sip_err e = { 0 };

	if (!desc_parse(&d, slice_cstr(dest), &e))
		return 99;
	return location_lookup(loc, &d, 1000, c, LOC_MAX_CANDIDATES);
}

static void test_register_and_refresh(void)
{
	CHECK_INT(reg("alice@rr.net", "sip:a@10.0.0.1", "alice@rr.net", "c1", 1, 2000), 0);
	CHECK_INT(reg("alice@rr.net", "sip:a@10.0.0.2", "alice@rr.net", "c1", 1, 2000), 0);
	CHECK_INT(location_get(loc, slice_cstr("alice@rr.net"), 1000, c, LOC_MAX_CANDIDATES), 2);
	/* same Call-ID, CSeq not above: refused (RFC 3261 10.3 step 7) */
	CHECK_INT(reg("alice@rr.net", "sip:a@10.0.0.1", "alice@rr.net", "c1", 1, 3000), -EALREADY);
	CHECK_INT(reg("alice@rr.net", "sip:a@10.0.0.1", "alice@rr.net", "c1", 2, 3000), 0);
	/* the domain is case-insensitive, the user is not */
	CHECK_INT(location_get(loc, slice_cstr("alice@RR.net"), 1000, c, LOC_MAX_CANDIDATES), 2);
	CHECK_INT(location_get(loc, slice_cstr("Alice@rr.net"), 1000, c, LOC_MAX_CANDIDATES), 0);
	/* expiry */
	CHECK_INT(location_get(loc, slice_cstr("alice@rr.net"), 2500, c, LOC_MAX_CANDIDATES), 1);
	CHECK_INT(location_remove(loc, slice_cstr("alice@rr.net"), SLICE_NULL), 2);
	CHECK_INT(location_get(loc, slice_cstr("alice@rr.net"), 1000, c, LOC_MAX_CANDIDATES), 0);
}

/* Paper 2, Figure 3: the laptop (app=ftp) ranks before home (no app), web never. */
static void test_partial_attribute_ranking(void)
{
	CHECK_INT(reg("alice@rr.net", "sip:home@10.0.0.9", "alice@rr.net;location=home", "h", 1, 0),
		  0);
	CHECK_INT(reg("alice@rr.net", "sip:laptop@10.0.0.8",
		      "alice@rr.net;app=ftp;type=server;location=laptop", "l", 1, 0),
		  0);
	CHECK_INT(reg("alice@rr.net", "sip:web@10.0.0.7", "alice@rr.net;app=web;type=server", "w",
		      1, 0),
		  0);
	CHECK_INT(lookup("alice@rr.net;app=ftp"), 2);
	CHECK_STR(c[0].contact, "sip:laptop@10.0.0.8");
	CHECK_STR(c[1].contact, "sip:home@10.0.0.9");
	CHECK_INT(lookup("alice@rr.net;app=ftp;location=home"), 1);
	CHECK_STR(c[0].contact, "sip:home@10.0.0.9");
	CHECK_INT(lookup("alice@rr.net"), 3);
	CHECK_INT(lookup("bob@rr.net"), 0);
	location_remove(loc, slice_cstr("alice@rr.net"), SLICE_NULL);
	/* a tie goes to the most recent registration (the later expiry) */
	CHECK_INT(reg("alice@rr.net", "sip:old@10.0.0.1", "alice@rr.net;app=ftp", "o", 1, 1500), 0);
	CHECK_INT(reg("alice@rr.net", "sip:new@10.0.0.2", "alice@rr.net;app=ftp", "n", 1, 1600), 0);
	CHECK_INT(lookup("alice@rr.net;app=ftp"), 2);
	CHECK_STR(c[0].contact, "sip:new@10.0.0.2");
	location_remove(loc, slice_cstr("alice@rr.net"), SLICE_NULL);
}

static void test_many_aors(void)
{
	char aor[64], contact[64];
	uint64_t n, bytes;

	for (int i = 0; i < 20000; i++) {
		snprintf(aor, sizeof(aor), "user%d@rr.net", i);
		snprintf(contact, sizeof(contact), "sip:u%d@10.0.%d.%d", i, i / 256 % 256, i % 256);
		CHECK_INT(reg(aor, contact, aor, "c", 1, 0), 0);
	}
	location_stats(loc, &n, &bytes);
	CHECK_INT(n, 20000);
	CHECK(bytes / n < 1024);
	CHECK_INT(location_get(loc, slice_cstr("user12345@rr.net"), 1000, c, LOC_MAX_CANDIDATES),
		  1);
	CHECK_STR(c[0].contact, "sip:u12345@10.0.48.57");
}

/* Names longer than the hash folds at once: the domain is still case-insensitive. */
static void test_long_aor(void)
{
	char aor[700], other[700];

	memset(aor, 'u', 600);
	strcpy(aor + 600, "@long.example.ORG");
	strcpy(other, aor);
	memcpy(other + 601, "LONG.EXAMPLE.org", 16);
	CHECK_INT(reg(aor, "sip:u@10.0.0.9", "x@long.example.org", "c9", 1, 2000), 0);
	CHECK_INT(location_get(loc, slice_cstr(other), 1000, c, LOC_MAX_CANDIDATES), 1);
	other[599] = 'U'; /* the user part is not */
	CHECK_INT(location_get(loc, slice_cstr(other), 1000, c, LOC_MAX_CANDIDATES), 0);
	CHECK_INT(location_remove(loc, slice_cstr(aor), SLICE_NULL), 1);
}

int main(void)
{
	if (location_new(&loc) < 0)
		return 1;
	RUN(test_register_and_refresh);
	RUN(test_partial_attribute_ranking);
	RUN(test_many_aors);
	RUN(test_long_aor);
	location_free(loc);
	return check_summary();
}
