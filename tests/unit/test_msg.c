// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "sip/msg.h"

static struct sip_msg *m;
static struct sip_err e;

static bool parse(const char *s, enum sip_parse_depth depth)
{
	return sip_msg_parse(m, s, strlen(s), depth, &e);
}

#define INVITE_HEAD                                                                        \
	"INVITE sip:bob@biloxi.example.com;transport=udp SIP/2.0\r\n"                      \
	"Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKnashds8;rport\r\n"              \
	"v: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1" \
	";rport=5061 , SIP/2.0/UDP 10.0.0.1\r\n"                                           \
	"Max-Forwards: 70\r\n"                                                             \
	"To: Bob <sip:bob@biloxi.example.com>\r\n"                                         \
	"f: \"Alice \\\"A\\\"\" <sip:alice@atlanta.example.com;app=ftp>;tag=1928301774\r\n" \
	"i: a84b4c76e66710@pc33.atlanta.example.com\r\n"                                   \
	"CSeq: 314159 INVITE\r\n"                                                          \
	"m: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.5, sip:a2@h2\r\n"          \
	"Route: <sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>\r\n"                  \
	"Record-Route: <sip:rr.example.com;lr>\r\n"                                        \
	"Path: <sip:pbox.example.com;lr>\r\n"                                              \
	"Proxy-Require: foo\r\n"                                                           \
	"k: path, 100rel\r\n"                                                              \
	"Expires: 3600\r\n"                                                                \
	"Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"                                          \
	"Subject: folded\r\n   subject\r\n"                                                \
	"c: application/sdp;charset=utf-8\r\n"

static void test_full_invite(void)
{
	const char *msg = INVITE_HEAD "l: 5\r\n\r\nv=0\r\n";

	CHECK(parse(msg, SIP_PARSE_FULL));
	CHECK(m->is_request);
	CHECK_INT(m->method_id, SIP_INVITE);
	CHECK_SLICE(m->ruri.host, "biloxi.example.com");
	CHECK_SLICE(m->ruri.transport, "udp");
	CHECK_INT(m->nvia, 3);
	CHECK_SLICE(m->via[0].host, "2001:db8::9");
	CHECK_INT(m->via[0].host_type, SIP_HOST_IPV6);
	CHECK_INT(m->via[0].port, 5070);
	CHECK(m->via[0].has_rport);
	CHECK_INT(m->via[0].rport.len, 0);
	CHECK_SLICE(m->via[1].transport, "TCP");
	CHECK_SLICE(m->via[1].received, "192.0.2.1");
	CHECK_SLICE(m->via[1].rport, "5061");
	CHECK_SLICE(m->via[1].branch, "z9hG4bK776asdhds");
	CHECK_SLICE(m->via[2].host, "10.0.0.1");
	CHECK_INT(m->via[2].host_type, SIP_HOST_IPV4);
	CHECK_INT(m->max_forwards, 70);
	CHECK_SLICE(m->to.display, "Bob");
	CHECK_SLICE(m->to.uri.user, "bob");
	CHECK_SLICE(m->from.display, "\"Alice \\\"A\\\"\"");
	CHECK_SLICE(m->from.tag, "1928301774");
	CHECK_SLICE(sip_uri_param(&m->from.uri, "app"), "ftp");
	CHECK_SLICE(m->call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	CHECK_INT(m->cseq.seq, 314159);
	CHECK_INT(m->cseq.method_id, SIP_INVITE);
	CHECK_INT(m->ncontact, 2);
	CHECK_SLICE(m->contact[0].expires, "60");
	CHECK_SLICE(m->contact[0].q, "0.5");
	CHECK_SLICE(m->contact[1].uri.user, "a2");
	CHECK_INT(m->nroute, 2);
	CHECK(m->route[1].uri.lr);
	CHECK_SLICE(m->route[1].uri.host, "p2.example.com");
	CHECK_INT(m->nrecord_route, 1);
	CHECK_INT(m->npath, 1);
	CHECK_INT(m->ntags, 3);
	CHECK_SLICE(m->tags[0].tag, "foo");
	CHECK_INT(m->tags[0].hdr_id, SIP_H_PROXY_REQUIRE);
	CHECK_SLICE(m->tags[2].tag, "100rel");
	CHECK_INT(m->expires, 3600);
	CHECK_SLICE(m->content_type, "application");
	CHECK_SLICE(m->content_subtype, "sdp");
	CHECK_SLICE(sip_msg_hdr(m, SIP_H_SUBJECT)->value, "folded\r\n   subject");
	CHECK_SLICE(m->body, "v=0\r\n");
	CHECK(m->semantic.what == NULL);
	CHECK_INT(m->trailing, 0);
}

static void test_partial_then_full(void)
{
	const char *msg = INVITE_HEAD "l: 0\r\n\r\n";

	CHECK(parse(msg, SIP_PARSE_PARTIAL));
	CHECK_INT(m->depth, SIP_PARSE_PARTIAL);
	CHECK_INT(m->nvia, 3);
	CHECK_INT(m->cseq.seq, 314159);
	CHECK(m->from.raw.p == NULL); /* not parsed yet */
	CHECK(sip_msg_parse_full(m, &e));
	CHECK_INT(m->depth, SIP_PARSE_FULL);
	CHECK_SLICE(m->from.tag, "1928301774");
	/* the partial pass skips what it does not need: a broken From passes it */
	CHECK(parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <bad\r\nTo: sip:a@b\r\n"
		    "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n",
		    SIP_PARSE_PARTIAL));
	CHECK(!sip_msg_parse_full(m, &e));
	CHECK_STR(e.what, "missing '>'");
}

static void test_response(void)
{
	CHECK(parse("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=9"
		    "\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
		    "Content-Length: 0\r\n\r\n",
		    SIP_PARSE_FULL));
	CHECK(!m->is_request);
	CHECK_INT(m->status, 180);
	CHECK_SLICE(m->reason, "Ringing");
	CHECK_SLICE(m->to.tag, "9");
	CHECK(!parse("SIP/2.0 1800 x\r\n\r\n", SIP_PARSE_FULL));
	CHECK(!parse("SIP/2.0 099 x\r\n\r\n", SIP_PARSE_FULL));
	CHECK(!parse("SIP/3.0 200 OK\r\n\r\n", SIP_PARSE_FULL));
	CHECK_INT(e.status, 505);
}

static void test_contact_star(void)
{
	const char *base = "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			   "To: <sip:a@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
			   "Call-ID: x\r\nCSeq: 2 REGISTER\r\nExpires: 0\r\n";
	char buf[512];

	snprintf(buf, sizeof(buf), "%sContact: *\r\nl: 0\r\n\r\n", base);
	CHECK(parse(buf, SIP_PARSE_FULL));
	CHECK(m->contact_star);
	snprintf(buf, sizeof(buf), "%sContact: *, <sip:a@h>\r\nl: 0\r\n\r\n", base);
	CHECK(!parse(buf, SIP_PARSE_FULL));
	snprintf(buf, sizeof(buf), "%sContact: <sip:a@h>;expires=4294967296\r\nl: 0\r\n\r\n", base);
	CHECK(!parse(buf, SIP_PARSE_FULL));
}

static void test_semantic(void)
{
	/* well-formed but a server must answer 400 */
	CHECK(parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\n"
		    "CSeq: 1 OPTIONS\r\nTo: <sip:a@b>\r\n\r\n",
		    SIP_PARSE_FULL));
	CHECK_STR(m->semantic.what, "missing From header");
	CHECK_INT(m->semantic.status, 400);
	CHECK(parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\ni: y\r\n"
		    "CSeq: 1 OPTIONS\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>\r\n\r\n",
		    SIP_PARSE_FULL));
	CHECK_STR(m->semantic.what, "Call-ID repeated with a different value");
	/* the same value twice is harmless */
	CHECK(parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\ni: x\r\n"
		    "CSeq: 1 OPTIONS\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>\r\n\r\n",
		    SIP_PARSE_FULL));
	CHECK(m->semantic.what == NULL);
}

static void test_errors_point_at_the_problem(void)
{
	const char *msg = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nMax-Forwards: 256\r\n\r\n";

	CHECK(!parse(msg, SIP_PARSE_PARTIAL));
	CHECK(e.at == strstr(msg, "256"));
	CHECK(!parse("OPTIONS sip:a@b SIP/2.0\r\nBad Header: x\r\n\r\n", SIP_PARSE_PARTIAL));
	CHECK_STR(e.what, "malformed header line: expected 'name:'");
	CHECK(!parse("OPTIONS sip:a@b SIP/2.0\r\n x: y\r\n\r\n", SIP_PARSE_PARTIAL));
	CHECK(!parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n", SIP_PARSE_PARTIAL));
	CHECK_STR(e.what, "header section not ended by an empty line");
	CHECK(!parse("OPTIONS sip:a@b SIP/2.0", SIP_PARSE_PARTIAL));
	CHECK(!parse("", SIP_PARSE_PARTIAL));
	CHECK(!parse("\r\n\r\n", SIP_PARSE_PARTIAL));
	CHECK(!parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=\r\n\r\n",
		     SIP_PARSE_PARTIAL));
	CHECK(!parse("OPTIONS sip:a@b SIP/2.0\r\nCSeq: 2147483648 OPTIONS\r\n\r\n",
		     SIP_PARSE_PARTIAL));
	CHECK(parse("OPTIONS sip:a@b SIP/2.0\r\nCSeq: 2147483647 OPTIONS\r\n\r\n",
		    SIP_PARSE_PARTIAL));
}

/* After a bad start line the header lines are still there for an error response. */
static void test_headers_kept_for_error_response(void)
{
	CHECK(!parse("INVITE <sip:a@b> SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		     "To: <sip:a@b>\r\nCall-ID: x\r\n\r\n",
		     SIP_PARSE_PARTIAL));
	CHECK_INT(e.status, 400);
	CHECK_INT(m->nhdrs, 3);
	CHECK(sip_msg_hdr(m, SIP_H_CALL_ID) != NULL);
	CHECK(!parse("OPTIONS sip:a@b SIP/7.0\r\nCall-ID: y\r\n\r\n", SIP_PARSE_PARTIAL));
	CHECK_INT(e.status, 505);
	CHECK_SLICE(sip_msg_hdr(m, SIP_H_CALL_ID)->value, "y");
}

static void test_limits(void)
{
	static char buf[SIP_MAX_MSG_SIZE + 100];
	size_t o;

	/* one header more than allowed */
	o = (size_t)sprintf(buf, "OPTIONS sip:a@b SIP/2.0\r\n");
	for (int i = 0; i <= SIP_MAX_HEADERS; i++)
		o += (size_t)sprintf(buf + o, "X-H%d: v\r\n", i);
	sprintf(buf + o, "\r\n");
	CHECK(!parse(buf, SIP_PARSE_PARTIAL));
	CHECK_STR(e.what, "too many header lines");
	/* a message larger than the maximum */
	memset(buf, 'a', sizeof(buf));
	CHECK(!sip_msg_parse(m, buf, SIP_MAX_MSG_SIZE + 1, SIP_PARSE_PARTIAL, &e));
	CHECK_INT(e.status, 513);
}

static void test_trailing_datagram_bytes(void)
{
	const char *msg = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nl: 2\r\n\r\nabEXTRA";

	CHECK(parse(msg, SIP_PARSE_FULL));
	CHECK_SLICE(m->body, "ab");
	CHECK_INT(m->trailing, 5);
	CHECK(!parse("OPTIONS sip:a@b SIP/2.0\r\nl: 9\r\n\r\nab", SIP_PARSE_FULL));
	CHECK_STR(e.what, "Content-Length larger than the body");
}

static void test_frame(void)
{
	const char *two = "\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabc"
			  "OPTIONS sip:a@b SIP/2.0\r\n";
	size_t skip, len;

	CHECK_INT(sip_frame(two, strlen(two), 4096, &skip, &len), 1);
	CHECK_INT(skip, 4);
	CHECK_INT(len, strlen("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabc"));
	/* the second message is incomplete */
	CHECK_INT(sip_frame(two + skip + len, strlen(two + skip + len), 4096, &skip, &len), 0);
	/* body not all there yet */
	CHECK_INT(sip_frame(two, strlen(two) - 30, 4096, &skip, &len), 0);
	/* streams need Content-Length */
	CHECK_INT(sip_frame("OPTIONS sip:a@b SIP/2.0\r\nX: 1\r\n\r\n", 33, 4096, &skip, &len),
		  -EBADMSG);
	CHECK_INT(sip_frame("OPTIONS sip:a@b SIP/2.0\r\nl: 99999\r\n\r\n", 37, 4096, &skip, &len),
		  -EMSGSIZE);
	CHECK_INT(sip_frame("OPTIONS sip:a@b SIP/2.0\r\nl: 99999999999999\r\n\r\n", 46, 4096, &skip,
			    &len),
		  -EMSGSIZE);
	CHECK_INT(sip_frame("OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nl: 2\r\n\r\n", 39, 4096, &skip,
			    &len),
		  -EBADMSG);
	/* keep-alives alone: nothing to parse, all skippable */
	CHECK_INT(sip_frame("\r\n\r\n", 4, 4096, &skip, &len), 0);
	CHECK_INT(skip, 4);
	/* a header section that never ends and is already too big */
	{
		static char big[5000];

		memset(big, 'x', sizeof(big));
		CHECK_INT(sip_frame(big, sizeof(big), 4096, &skip, &len), -EMSGSIZE);
	}
}

/*
 * Header names are read two ways: a known name straight from the ':'
 * after it (the name at least 16 bytes before the end of the message and
 * no white space before the colon), anything else by a class span. Both
 * must name and slice every header the same.
 */
static void name_both_ways(const char *name, enum sip_hdr_id want)
{
	static const char *const layouts[] = {
		/* the colon read directly */
		"SIP/2.0 200 OK\r\n%s: v\r\nX-Pad: 0123456789\r\n\r\n",
		/* white space before it: a span */
		"SIP/2.0 200 OK\r\n%s : v\r\nX-Pad: 0123456789\r\n\r\n",
		/* too near the end: a span */
		"SIP/2.0 200 OK\r\n%s:v\r\n\r\n",
	};

	for (unsigned i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		char msg[256];
		int n = snprintf(msg, sizeof(msg), layouts[i], name);

		CHECK(n > 0 && (size_t)n < sizeof(msg));
		/* a bad value ("v" is no Via) fails after the lines are split */
		(void)sip_msg_parse(m, msg, (size_t)n, SIP_PARSE_PARTIAL, &e);
		CHECK(m->nhdrs >= 1);
		if (m->nhdrs < 1)
			continue;
		CHECK_INT(m->hdrs[0].id, want);
		CHECK_SLICE(m->hdrs[0].name, name);
		CHECK_SLICE(m->hdrs[0].value, "v");
		CHECK(m->seen & (1ull << want));
	}
}

static void test_names_two_ways(void)
{
	char name[64];

	for (int id = 1; id < SIP_H__COUNT; id++) {
		const char *n = sip_hdr_name((enum sip_hdr_id)id);
		size_t len = strlen(n);

		name_both_ways(n, (enum sip_hdr_id)id);
		for (size_t i = 0; i <= len; i++) /* lower case, then alternating */
			name[i] = (char)(n[i] >= 'A' && n[i] <= 'Z' ? n[i] + 32 : n[i]);
		name_both_ways(name, (enum sip_hdr_id)id);
		for (size_t i = 0; i < len; i += 2)
			name[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
		name_both_ways(name, (enum sip_hdr_id)id);
		/* one letter off, or one letter more: another header (or none) */
		memcpy(name, n, len + 1);
		name[len - 1] = 'x';
		for (unsigned k = 0; k < 3 && len > 1; k++) {
			enum sip_hdr_id other = sip_hdr_lookup(name, len);

			CHECK(other != (enum sip_hdr_id)id);
			name_both_ways(name, other);
			name[len - 1] = "z_%"[k];
		}
	}
	for (char c = 'A'; c <= 'z'; c++) { /* compact forms and other letters */
		char one[2] = { c, 0 };

		if (c > 'Z' && c < 'a')
			continue;
		name_both_ways(one, sip_hdr_lookup(one, 1));
	}
	name_both_ways("X-Custom", SIP_H_OTHER);
	name_both_ways("Call-IDX", SIP_H_OTHER);
	name_both_ways("Contac", SIP_H_OTHER);
}

/* A byte that folds to '-' (CR is 0x0d, 0x2d with 0x20 set) is no '-'. */
static void test_names_not_tokens(void)
{
	static const struct {
		const char *msg;
		size_t at; /* where the error points */
	} bad[] = {
		{ "SIP/2.0 200 OK\r\nCall\rID: 1@h\r\nX-Pad: 0123456789\r\n\r\n", 20 },
		{ "SIP/2.0 200 OK\r\nMax\rForwards: 70\r\nX-Pad: 0123456789\r\n\r\n", 19 },
		{ "SIP/2.0 200 OK\r\nV\x01\x01: x\r\nX-Pad: 0123456789\r\n\r\n", 17 },
		{ "SIP/2.0 200 OK\r\nCall-ID : 1@h\r\nVia\r: x\r\nX-Pad: 0123456789\r\n\r\n", 34 },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!parse(bad[i].msg, SIP_PARSE_PARTIAL));
		CHECK_STR(e.what, "malformed header line: expected 'name:'");
		CHECK_INT(e.at - bad[i].msg, bad[i].at);
	}
}

static void test_names(void)
{
	CHECK_INT(sip_hdr_lookup("ViA", 3), SIP_H_VIA);
	CHECK_INT(sip_hdr_lookup("v", 1), SIP_H_VIA);
	CHECK_INT(sip_hdr_lookup("I", 1), SIP_H_CALL_ID);
	CHECK_INT(sip_hdr_lookup("proxy-authorization", 19), SIP_H_PROXY_AUTHORIZATION);
	CHECK_INT(sip_hdr_lookup("Require", 7), SIP_H_REQUIRE);
	CHECK_INT(sip_hdr_lookup("C%6Fntact", 9), SIP_H_OTHER);
	CHECK_INT(sip_hdr_lookup("x", 1), SIP_H_OTHER);
	/* every known name, in any case, names itself; near misses name nothing */
	for (int id = 1; id < SIP_H__COUNT; id++) {
		char up[64];
		const char *n = sip_hdr_name((enum sip_hdr_id)id);
		size_t len = strlen(n);

		CHECK_INT(sip_hdr_lookup(n, len), id);
		for (size_t i = 0; i <= len; i++)
			up[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 32 : n[i]);
		CHECK_INT(sip_hdr_lookup(up, len), id);
		up[len - 1] = 'x'; /* no known name ends in x */
		CHECK(sip_hdr_lookup(up, len) != (enum sip_hdr_id)id);
	}
	CHECK_INT(sip_method_id(slice_cstr("INVITE")), SIP_INVITE);
	CHECK_INT(sip_method_id(slice_cstr("invite")), SIP_METHOD_OTHER); /* case-sensitive */
	CHECK_INT(sip_method_id(slice_cstr("INVITEX")), SIP_METHOD_OTHER);
	CHECK_INT(sip_method_id(slice_cstr("")), SIP_METHOD_OTHER);
	for (int id = SIP_INVITE; id <= SIP_UPDATE; id++)
		CHECK_INT(sip_method_id(slice_cstr(sip_method_name((enum sip_method)id))), id);
	CHECK_STR(sip_reason_phrase(483), "Too Many Hops");
}

/*
 * A message that fails before its start line is read still leaves a state
 * a server can answer from (found by fuzz_pbox: reply_build read is_request
 * of a message that never set it): not a request, no headers.
 */
static void test_early_failure_state(void)
{
	struct sip_msg *x = malloc(sizeof(*x));
	struct sip_err err;

	memset(x, 0xbe, sizeof(*x)); /* what a fresh malloc may hold */
	CHECK(!sip_msg_parse(x, "I1\x01\x00", 4, SIP_PARSE_PARTIAL, &err));
	CHECK(!x->is_request && x->nhdrs == 0 && !sip_msg_has(x, SIP_H_VIA));
	CHECK(!sip_msg_parse(x, "\r\n", 2, SIP_PARSE_PARTIAL, &err));
	CHECK(!x->is_request && x->nhdrs == 0);
	free(x);
}

int main(void)
{
	m = malloc(sizeof(*m));
	RUN(test_early_failure_state);
	RUN(test_full_invite);
	RUN(test_partial_then_full);
	RUN(test_response);
	RUN(test_contact_star);
	RUN(test_semantic);
	RUN(test_errors_point_at_the_problem);
	RUN(test_headers_kept_for_error_response);
	RUN(test_limits);
	RUN(test_trailing_datagram_bytes);
	RUN(test_frame);
	RUN(test_names);
	RUN(test_names_two_ways);
	RUN(test_names_not_tokens);
	free(m);
	return check_summary();
}
