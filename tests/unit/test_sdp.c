// SPDX-License-Identifier: MIT
#include "check.h"
#include "sip/sdp.h"

static struct sdp s;
static struct sip_err e;

static bool parse(const char *body, enum sdp_mode mode)
{
	e = (struct sip_err){ 0 };
	return sdp_parse(&s, slice_cstr(body), mode, &e);
}

/* The body of RFC 4475's INVITEs. */
static void test_audio_video(void)
{
	CHECK(parse("v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\n"
		    "t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\n"
		    "a=rtpmap:31 LPC\r\n",
		    SDP_FULL));
	CHECK_SLICE(s.origin[0], "mhandley");
	CHECK_SLICE(s.origin[5], "192.0.2.3");
	CHECK_SLICE(s.conn.address, "192.0.2.4");
	CHECK_INT(s.nmedia, 2);
	CHECK_SLICE(s.media[0].media, "audio");
	CHECK_INT(s.media[0].port, 49217);
	CHECK_SLICE(s.media[0].proto, "RTP/AVP");
	CHECK_SLICE(s.media[0].fmt, "0 12");
	CHECK_INT(s.nattrs, 1);
	CHECK_INT(s.attrs[0].media, 1);
	CHECK(sdp_attr(&s, 1, "rtpmap") != NULL);
	CHECK(sdp_attr(&s, -1, "rtpmap") == NULL);
	CHECK_SLICE(sdp_attr(&s, 1, "rtpmap")->value, "31 LPC");
}

/* Paper 2, Table 2's example in our canonical form. */
static void test_nutss_flow(void)
{
	struct flow_desc f = { 0 };

	CHECK(parse("v=0\r\no=- 0 0 IN IP4 128.84.223.109\r\ns=-\r\nc=IN IP4 128.84.223.109\r\n"
		    "t=0 0\r\nm=data 32524 tcp ftp\r\na=enc:none\r\na=taint:bob.confidential\r\n",
		    SDP_FULL));
	CHECK(sdp_flow(&s, &f, &e));
	CHECK_SLICE(f.protocol, "tcp");
	CHECK_SLICE(f.app, "ftp");
	CHECK_INT(f.port, 32524);
	CHECK_SLICE(f.address, "128.84.223.109");
	CHECK_SLICE(f.enc, "none");
	CHECK_INT(f.ntaint, 1);
	CHECK_SLICE(f.taint[0], "bob.confidential");
	CHECK(f.token.p == NULL);
}

/* ...and exactly as the paper prints it: "m=data ftp tcp", the port in c=. */
static void test_paper_form(void)
{
	struct flow_desc f = { 0 };

	CHECK(parse("m=data ftp tcp\r\nc=IN IP4 128.84.223.109:32524\r\na=enc:none\r\n"
		    "a=taint:bob.confidential\r\n",
		    SDP_FRAGMENT));
	CHECK(s.media[0].paper_form);
	CHECK(sdp_flow(&s, &f, &e));
	CHECK_SLICE(f.protocol, "tcp");
	CHECK_SLICE(f.app, "ftp");
	CHECK_INT(f.port, 32524);
	CHECK_SLICE(f.address, "128.84.223.109");
	/* a fragment is not a full description */
	CHECK(!parse("m=data ftp tcp\r\n", SDP_FULL));
}

static void test_media_level_overrides(void)
{
	struct flow_desc f = { 0 };

	CHECK(parse("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		    "a=enc:none\r\na=taint:a\r\nm=audio 5000 RTP/AVP 0\r\n"
		    "m=data 7 udp dns\r\nc=IN IP6 2001:db8::1\r\na=enc:tls\r\na=taint:b\r\n"
		    "a=nutss-token:AAAA\n",
		    SDP_FULL));
	CHECK(sdp_flow(&s, &f, &e));
	CHECK_SLICE(f.address, "2001:db8::1");
	CHECK_SLICE(f.enc, "tls");
	CHECK_INT(f.ntaint, 2);
	CHECK_SLICE(f.token, "AAAA");
	CHECK_INT(f.port, 7);
}

static void test_errors(void)
{
	CHECK(!parse("o=- 1 1 IN IP4 h\r\nv=0\r\n", SDP_FULL));
	CHECK(!parse("v=1\r\n", SDP_FULL));
	CHECK(!parse("v=0\r\nx=unknown\r\n", SDP_FRAGMENT));
	CHECK(!parse("v=0\r\nbad line\r\n", SDP_FRAGMENT));
	CHECK(!parse("v=0\r\n\r\ns=-\r\n", SDP_FRAGMENT));
	CHECK_STR(e.what, "empty line in session description");
	CHECK(!parse("m=audio 70000 RTP/AVP 0\r\n", SDP_FRAGMENT));
	CHECK(!parse("m=audio x RTP/AVP 0\r\n", SDP_FRAGMENT));
	CHECK(!parse("m=audio 5\r\n", SDP_FRAGMENT));
	CHECK(!parse("c=IN IP4\r\n", SDP_FRAGMENT));
	CHECK(!parse("c=IN IP4 1.2.3.4:99999\r\n", SDP_FRAGMENT));
	CHECK(!parse("o=- 1 IN IP4 h\r\n", SDP_FRAGMENT));
	CHECK(!parse("a=\r\n", SDP_FRAGMENT));
	CHECK(!parse("m=audio 1 RTP/AVP 0\r\ns=late\r\n", SDP_FRAGMENT));
	CHECK(parse("m=audio 1 RTP/AVP 0\r\n", SDP_FRAGMENT));
	CHECK(!sdp_has_flow(&s));
}

/* Without m=data only the session-level flow lines count. */
static void test_session_level_only(void)
{
	struct flow_desc f = { 0 };

	CHECK(parse("a=enc:none\r\nc=IN IP4 192.0.2.1:99\r\na=taint:t\r\n", SDP_FRAGMENT));
	CHECK(!sdp_has_flow(&s));
	CHECK(sdp_flow(&s, &f, &e));
	CHECK_SLICE(f.enc, "none");
	CHECK_SLICE(f.address, "192.0.2.1");
	CHECK_INT(f.port, 99);
	CHECK_INT(f.ntaint, 1);
	CHECK(f.protocol.p == NULL && f.app.p == NULL);
}

static void test_limits(void)
{
	static char big[SDP_MAX_LEN + 64];
	size_t o = 0;

	o += (size_t)sprintf(big, "v=0\r\n");
	for (int i = 0; i <= SDP_MAX_ATTRS && o < sizeof(big) - 32; i++)
		o += (size_t)sprintf(big + o, "a=x%d\r\n", i);
	CHECK(!parse(big, SDP_FRAGMENT));
	CHECK_STR(e.what, "too many a= lines");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(!parse(big, SDP_FRAGMENT));
	CHECK_STR(e.what, "session description too large");
}

static void test_build_round_trip(void)
{
	struct flow_desc f = { 0 }, g = { 0 };
	char buf[512];
	int n;

	f.protocol = slice_cstr("tcp");
	f.app = slice_cstr("ftp");
	f.port = 40000;
	f.address = slice_cstr("192.0.2.7");
	f.enc = slice_cstr("ssl");
	f.taint[0] = slice_cstr("bob.confidential");
	f.taint[1] = slice_cstr("x");
	f.ntaint = 2;
	f.token = slice_cstr("v1.acme.9f86d081884c7d65");
	n = sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL);
	CHECK(n > 0);
	CHECK(sdp_parse(&s, slice_make(buf, (size_t)n), SDP_FULL, &e));
	CHECK(sdp_flow(&s, &g, &e));
	CHECK_SLICE(g.protocol, "tcp");
	CHECK_SLICE(g.app, "ftp");
	CHECK_INT(g.port, 40000);
	CHECK_SLICE(g.address, "192.0.2.7");
	CHECK_SLICE(g.enc, "ssl");
	CHECK_INT(g.ntaint, 2);
	CHECK_SLICE(g.taint[1], "x");
	CHECK_SLICE(g.token, "v1.acme.9f86d081884c7d65");
	/* too small, or a value SDP cannot carry */
	CHECK_INT(sdp_build_flow(buf, 40, &f, SLICE_NULL), -1);
	f.enc = slice_cstr("two words");
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL), -1);
}

int main(void)
{
	RUN(test_audio_video);
	RUN(test_nutss_flow);
	RUN(test_paper_form);
	RUN(test_media_level_overrides);
	RUN(test_errors);
	RUN(test_session_level_only);
	RUN(test_limits);
	RUN(test_build_round_trip);
	return check_summary();
}
