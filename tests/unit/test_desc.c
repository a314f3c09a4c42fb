// SPDX-License-Identifier: MIT
/* Descriptors and partial-attribute matching, with paper 2's own examples (3.2). */
#include "check.h"
#include "sip/desc.h"

static struct desc d(const char *s)
{
	struct desc out;
	struct sip_err e = { 0 };

	if (!desc_parse(&out, slice_cstr(s), &e)) {
		fprintf(stderr, "  cannot parse descriptor %s: %s\n", s, e.what);
		memset(&out, 0, sizeof(out));
	}
	return out;
}

static int match(const char *dest, const char *reg)
{
	struct desc a = d(dest), b = d(reg);

	return desc_match(&a, &b);
}

static void test_parse(void)
{
	struct desc x = d("sip:alice@rr.net;app=ftp;type=server;transport=tcp;lr;location=home");
	char buf[128];

	CHECK_SLICE(x.user, "alice");
	CHECK_SLICE(x.domain, "rr.net");
	CHECK_SLICE(x.aor, "alice@rr.net");
	CHECK_INT(x.nattrs, 3); /* transport and lr describe reachability, not the endpoint */
	CHECK_SLICE(desc_get(&x, "app"), "ftp");
	CHECK_SLICE(desc_get(&x, "TYPE"), "server");
	CHECK(desc_get(&x, "software").p == NULL);
	CHECK(desc_format(&x, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "alice@rr.net;app=ftp;type=server;location=home");
	CHECK(desc_format(&x, buf, 10) == -1);

	x = d("bob@acme.org;app=ftp;type=client;software=ftp;version=0.17");
	CHECK_SLICE(x.aor, "bob@acme.org");
	CHECK_SLICE(desc_get(&x, "version"), "0.17");
}

static void test_parse_errors(void)
{
	struct desc x;
	struct sip_err e = { 0 };

	CHECK(!desc_parse(&x, slice_cstr("rr.net;app=ftp"), &e)); /* no user */
	e = (struct sip_err){ 0 };
	CHECK(!desc_parse(&x, slice_cstr("tel:+123"), &e));
	e = (struct sip_err){ 0 };
	CHECK(!desc_parse(&x, slice_cstr("alice@rr.net;app=ftp;app=web"), &e));
	CHECK_STR(e.what, "descriptor attribute given twice");
}

/*
 * "a message addressed to alice@rr.net;app=ftp;type=server may be routed to
 * ...;app=ftp;type=server;software=vsftpd (match on 2 attributes), or
 * alice@rr.net (0 attributes) in that order of preference, but not to
 * alice@rr.net;app=web;type=server (conflict on 1 attribute)."
 */
static void test_paper_ranking(void)
{
	struct desc dest = d("alice@rr.net;app=ftp;type=server");
	struct desc full = d("alice@rr.net;app=ftp;type=server;software=vsftpd");
	struct desc bare = d("alice@rr.net");
	struct desc web = d("alice@rr.net;app=web;type=server");

	CHECK_INT(desc_match(&dest, &full), 2);
	CHECK_INT(desc_match(&dest, &bare), 0);
	CHECK_INT(desc_match(&dest, &web), -1);
	CHECK_INT(match("alice@rr.net;app=ftp;type=server", "bob@rr.net;app=ftp"), -1);
	CHECK_INT(match("alice@rr.net;app=ftp;type=server", "alice@other.net"), -1);
	/* domains, keys and values compare case-insensitively */
	CHECK_INT(match("alice@rr.net;app=ftp;type=server", "alice@RR.NET;APP=FTP"), 1);
	CHECK_INT(match("alice@rr.net", "Alice@rr.net"), -1); /* users do not */
}

/*
 * Figure 3 multi-homing: home registers alice@rr.net;location=home, the
 * laptop alice@rr.net;app=ftp;type=server;location=laptop. app=ftp matches
 * both, laptop first; app=ftp;location=home reaches only the home machine.
 */
static void test_paper_multihoming(void)
{
	struct desc home = d("alice@rr.net;location=home");
	struct desc laptop = d("alice@rr.net;app=ftp;type=server;location=laptop");
	struct desc any_ftp = d("alice@rr.net;app=ftp");
	struct desc home_ftp = d("alice@rr.net;app=ftp;location=home");

	CHECK_INT(desc_match(&any_ftp, &laptop), 1);
	CHECK_INT(desc_match(&any_ftp, &home), 0);
	CHECK(desc_match(&any_ftp, &laptop) > desc_match(&any_ftp, &home));
	CHECK_INT(desc_match(&home_ftp, &laptop), -1);
	CHECK_INT(desc_match(&home_ftp, &home), 1);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_parse_errors);
	RUN(test_paper_ranking);
	RUN(test_paper_multihoming);
	return check_summary();
}
