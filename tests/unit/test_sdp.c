// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "sip/sdp.h"

static struct sdp s;
static struct sip_err e;
static const char *input;

static bool parse(const char *body, enum sdp_mode mode)
{
	e = (struct sip_err){ 0 };
	input = body;
	return sdp_parse(&s, slice_cstr(body), mode, &e);
}

static bool full(const char *body)
{
	return parse(body, SDP_FULL);
}

static bool frag(const char *body)
{
	return parse(body, SDP_FRAGMENT);
}

/* Where the last error points, as an offset into the last input. */
static long err_off(void)
{
	return e.at ? (long)(e.at - input) : -1;
}

static bool flow(struct flow_desc *f)
{
	e = (struct sip_err){ 0 };
	*f = (struct flow_desc){ 0 };
	return sdp_flow(&s, f, &e);
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"

/* ---- valid descriptions ---- */

/* The body of RFC 4475's INVITEs. */
static void test_rfc4475_body(void)
{
	CHECK(full(
		"v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\n"
		"t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n"));
	CHECK_SLICE(s.version, "0");
	CHECK_SLICE(s.origin[0], "mhandley");
	CHECK_SLICE(s.origin[1], "29739");
	CHECK_SLICE(s.origin[2], "7272939");
	CHECK_SLICE(s.origin[3], "IN");
	CHECK_SLICE(s.origin[4], "IP4");
	CHECK_SLICE(s.origin[5], "192.0.2.3");
	CHECK_SLICE(s.session_name, "-");
	CHECK_SLICE(s.conn.address, "192.0.2.4");
	CHECK_INT(s.nmedia, 2);
	CHECK_SLICE(s.media[0].media, "audio");
	CHECK_INT(s.media[0].port, 49217);
	CHECK_INT(s.media[0].nports, 1);
	CHECK_SLICE(s.media[0].proto, "RTP/AVP");
	CHECK_SLICE(s.media[0].fmt, "0 12");
	CHECK_INT(s.media[0].nfmts, 2);
	CHECK_SLICE(s.media[0].fmts[1], "12");
	CHECK_INT(s.nattrs, 1);
	CHECK_INT(s.attrs[0].media, 1);
	CHECK(sdp_attr(&s, 1, "rtpmap") != NULL);
	CHECK(sdp_attr(&s, -1, "rtpmap") == NULL);
	CHECK_SLICE(sdp_attr(&s, 1, "rtpmap")->value, "31 LPC");
	CHECK(!sdp_has_flow(&s));
}

/* RFC 4566 section 5's own example, with a multicast c=. */
static void test_rfc4566_example(void)
{
	CHECK(full("v=0\r\no=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
		   "s=SDP Seminar\r\ni=A Seminar on the session description protocol\r\n"
		   "u=http://www.example.com/seminars/sdp.pdf\r\n"
		   "e=j.doe@example.com (Jane Doe)\r\nc=IN IP4 224.2.17.12/127\r\n"
		   "t=2873397496 2873404696\r\na=recvonly\r\nm=audio 49170 RTP/AVP 0\r\n"
		   "m=video 51372 RTP/AVP 99\r\na=rtpmap:99 h263-1998/90000\r\n"));
	CHECK_SLICE(s.session_name, "SDP Seminar");
	CHECK_SLICE(s.info, "A Seminar on the session description protocol");
	CHECK_SLICE(s.uri, "http://www.example.com/seminars/sdp.pdf");
	CHECK_INT(s.nemails, 1);
	CHECK_SLICE(s.emails[0], "j.doe@example.com (Jane Doe)");
	CHECK_SLICE(s.conn.address, "224.2.17.12");
	CHECK_INT(s.conn.ttl, 127);
	CHECK_INT(s.conn.naddr, 1);
	CHECK_INT(s.ntimes, 1);
	CHECK_SLICE(s.times[0].start, "2873397496");
	CHECK_SLICE(s.times[0].stop, "2873404696");
	CHECK(sdp_attr(&s, -1, "recvonly") != NULL);
	CHECK(sdp_attr(&s, -1, "recvonly")->value.p == NULL);
}

static void test_times_repeats_zone(void)
{
	CHECK(full("v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\np=+1 617 555-6011\r\nb=CT:128\r\n"
		   "t=3034423619 3042462419\r\nr=604800 3600 0 90000\r\nr=7d 1h 0 25h\r\n"
		   "t=0 0\r\nz=2882844526 -1h 2898848070 0\r\nk=clear:secret\r\n"));
	CHECK_INT(s.ntimes, 2);
	CHECK_INT(s.times[0].nrepeat, 2);
	CHECK_INT(s.times[0].first_repeat, 0);
	CHECK_INT(s.times[1].nrepeat, 0);
	CHECK_INT(s.nrepeats, 2);
	CHECK_SLICE(s.repeats[1], "7d 1h 0 25h");
	CHECK_SLICE(s.zone, "2882844526 -1h 2898848070 0");
	CHECK_SLICE(s.key, "clear:secret");
	CHECK_INT(s.nphones, 1);
	CHECK_SLICE(s.phones[0], "+1 617 555-6011");
	CHECK_INT(s.nbw, 1);
	CHECK_SLICE(s.bw[0].type, "CT");
	CHECK_INT(s.bw[0].kbps, 128);
	CHECK_INT(s.bw[0].media, -1);
}

static void test_media_level_fields(void)
{
	CHECK(full(HEAD "m=video 5000/2 RTP/AVP 96 97 98\r\ni=camera\r\n"
			"c=IN IP6 ff15::101/3\r\nc=IN IP6 ff15::201/3\r\nb=AS:512\r\n"
			"k=prompt\r\na=sendonly\r\n"));
	CHECK_INT(s.media[0].port, 5000);
	CHECK_INT(s.media[0].nports, 2);
	CHECK_INT(s.media[0].nfmts, 3);
	CHECK_SLICE(s.media[0].fmts[2], "98");
	CHECK_SLICE(s.media[0].info, "camera");
	CHECK_SLICE(s.media[0].key, "prompt");
	CHECK_SLICE(s.media[0].conn.address, "ff15::101");
	CHECK_INT(s.media[0].conn.naddr, 3);
	CHECK_INT(s.media[0].nconn, 2);
	CHECK_INT(s.bw[0].media, 0);
	CHECK_INT(s.bw[0].kbps, 512);
	CHECK(!s.conn.present);
	CHECK(sdp_attr(&s, 0, "sendonly") != NULL);
}

/* LF line ends, no final line end, trailing empty lines: all fine. */
static void test_line_ends(void)
{
	CHECK(full("v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 1 RTP/AVP 0"));
	CHECK_SLICE(s.media[0].fmt, "0");
	CHECK(full(HEAD "a=x\r\n\r\n\r\n"));
	CHECK(full(HEAD "a=x\r\n\n"));
	CHECK(full(HEAD "a=tool:x\r"));
	CHECK_SLICE(s.attrs[0].value, "x");
}

/* "s= " is RFC 4566's empty session name; runs of spaces in fields are tolerated. */
static void test_lenient_spaces(void)
{
	CHECK(full("v=0\r\no=-  1 1 IN IP4 h \r\ns= \r\nt=0  0\r\n"
		   "m=audio  49170   RTP/AVP  0  8 \r\n"));
	CHECK_SLICE(s.session_name, " ");
	CHECK_SLICE(s.origin[1], "1");
	CHECK_SLICE(s.origin[5], "h");
	CHECK_INT(s.media[0].port, 49170);
	CHECK_SLICE(s.media[0].fmt, "0  8");
	CHECK_INT(s.media[0].nfmts, 2);
	CHECK_SLICE(s.media[0].fmts[1], "8");
}

static void test_unknown_attribute_is_fine(void)
{
	CHECK(full(HEAD "a=x-whatever:1 2 3\r\na=flag\r\n"));
	CHECK_INT(s.nattrs, 2);
	CHECK_SLICE(s.attrs[0].name, "x-whatever");
	CHECK_SLICE(s.attrs[0].value, "1 2 3");
}

static void test_fragment_mode(void)
{
	CHECK(frag("a=enc:ssl\r\nm=data 0 tcp ftp\r\n"));
	CHECK(frag("m=audio 1 RTP/AVP 0\r\n"));
	CHECK(!sdp_has_flow(&s));
	CHECK(frag(""));
	CHECK(!full(""));
	CHECK(!full("m=data ftp tcp\r\n"));
}

/* ---- errors, one kind each ---- */

static void test_err_missing_v(void)
{
	CHECK(!full("o=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n"));
	CHECK_STR(e.what, "a session description must start with v=");
	CHECK_INT(err_off(), 0);
}

static void test_err_v_not_first_or_twice(void)
{
	CHECK(!full("o=- 1 1 IN IP4 h\r\nv=0\r\n"));
	CHECK(!frag("a=x\r\nv=0\r\n"));
	CHECK_STR(e.what, "v=0 must be the first line, once");
	CHECK(!full("v=0\r\nv=0\r\n"));
	CHECK(!full("v=1\r\n"));
}

static void test_err_missing_mandatory(void)
{
	/* RFC 4475 mismatch02.dat's body: no s= and no t= */
	CHECK(!full("v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n"
		    "m=audio 49217 RTP/AVP 0 12\r\n"));
	CHECK_STR(e.what, "a session description needs v=, o=, s= and t=");
	CHECK(!full("v=0\r\ns=-\r\nt=0 0\r\n"));
	CHECK(!full("v=0\r\no=- 1 1 IN IP4 h\r\nt=0 0\r\n"));
}

static void test_err_unknown_type(void)
{
	CHECK(!full(HEAD "x=unknown\r\n"));
	CHECK_STR(e.what, "unknown line type (RFC 4566 says to ignore the whole description)");
	CHECK_INT(err_off(), (long)strlen(HEAD));
}

static void test_err_not_a_line(void)
{
	CHECK(!frag("v=0\r\nbad line\r\n"));
	CHECK_STR(e.what, "expected <letter>=<value>");
	CHECK_INT(err_off(), 5);
	CHECK(!frag("A=x\r\n"));
	CHECK(!frag("ab=x\r\n"));
	CHECK(!frag("m\r\n"));
	CHECK(!frag("=x\r\n"));
}

static void test_err_space_around_equals(void)
{
	CHECK(!frag("m =video 1 RTP/AVP 0\r\n"));
	CHECK_STR(e.what, "expected <letter>=<value>");
	CHECK(!frag("m= video 1 RTP/AVP 0\r\n"));
	CHECK_STR(e.what, "white space after '='");
	CHECK_INT(err_off(), 2);
	CHECK(!frag("a=\tx\r\n"));
}

static void test_err_empty_values(void)
{
	CHECK(!frag("a=\r\n"));
	CHECK_STR(e.what, "empty value");
	CHECK(!frag("s=\r\n"));
	CHECK(!frag("i=\r\n"));
}

static void test_err_empty_line_inside(void)
{
	CHECK(!frag("v=0\r\n\r\ns=-\r\n"));
	CHECK_STR(e.what, "empty line in session description");
	CHECK_INT(err_off(), 5);
}

static void test_err_control_bytes(void)
{
	static const char body[] = "a=x\0y\r\n";

	e = (struct sip_err){ 0 };
	CHECK(!sdp_parse(&s, slice_make(body, sizeof(body) - 1), SDP_FRAGMENT, &e));
	CHECK_STR(e.what, "NUL, CR or LF inside a line");
	CHECK(e.at == body + 3);
	CHECK(!frag("a=x\ry\r\n"));
}

static void test_err_media_line(void)
{
	CHECK(!frag("m=audio 70000 RTP/AVP 0\r\n"));
	CHECK_STR(e.what, "m= port is not a number from 0 to 65535");
	CHECK_INT(err_off(), 8);
	CHECK(!frag("m=audio 65536 RTP/AVP 0\r\n"));
	CHECK(frag("m=audio 65535 RTP/AVP 0\r\n"));
	CHECK(!frag("m=audio x RTP/AVP 0\r\n"));
	CHECK(!frag("m=audio -1 RTP/AVP 0\r\n"));
	CHECK(!frag("m=audio 5\r\n"));
	CHECK(!frag("m=audio 5 RTP/AVP\r\n"));
	CHECK(!frag("m=audio 5/0 RTP/AVP 0\r\n"));
	CHECK_STR(e.what, "malformed m= port count");
	CHECK(!frag("m=audio 5/ RTP/AVP 0\r\n"));
	CHECK(!frag("m=audio 5x RTP/AVP 0\r\n"));
	CHECK(!frag("m=audio 5 RTP//AVP 0\r\n"));
	CHECK_STR(e.what, "malformed m= protocol");
	CHECK(!frag("m=audio 5 RTP/AVP 0 <8>\r\n"));
	CHECK_STR(e.what, "malformed m= format");
	CHECK(!frag("m=au\"dio 5 RTP/AVP 0\r\n"));
}

static void test_err_conn_line(void)
{
	CHECK(!frag("c=IN IP4\r\n"));
	CHECK_STR(e.what, "c= needs <nettype> <addrtype> <address>");
	CHECK(!frag("c=IN IP4 1.2.3.4 5\r\n"));
	CHECK(!frag("c=IN IP4 1.2.3.4:99999\r\n"));
	CHECK_STR(e.what, "malformed port in c= address");
	CHECK(!frag("c=IN IP4 1.2.3.4:\r\n"));
	CHECK(!frag("c=IN IP4 :5\r\n"));
	CHECK_STR(e.what, "malformed c= address");
	CHECK(!frag("c=IN IP4 a_b\r\n"));
	CHECK(!frag("c=IN IP4 224.2.1.1/256\r\n"));
	CHECK_STR(e.what, "malformed multicast suffix in c= address");
	CHECK(!frag("c=IN IP4 224.2.1.1/127/0\r\n"));
	CHECK(!frag("c=IN IP6 ff15::1/0\r\n"));
	CHECK(!frag("c=IN IP6 ff15::1/2/3\r\n"));
	CHECK(frag("c=IN IP4 224.2.1.1/127/3\r\n"));
	CHECK_INT(s.conn.naddr, 3);
	/* other network types are carried, not checked */
	CHECK(frag("c=ATM NSAP 47.0005.80.ffe100.0000.f21a.0000.0000.0000.0000.0000.00\r\n"));
	CHECK(!frag("c=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5\r\n"));
	CHECK_STR(e.what, "more than one c= at session level");
	CHECK(!frag("m=audio 1 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 bad/x\r\n"));
}

static void test_err_origin_line(void)
{
	CHECK(!frag("o=- 1 IN IP4 h\r\n"));
	CHECK(!frag("o=- x 1 IN IP4 h\r\n"));
	CHECK(!frag("o=- 1 1 IN IP4 h extra\r\n"));
	CHECK(!frag("o=- 1 1 IN IP4 h\r\no=- 1 1 IN IP4 h\r\n"));
	CHECK_STR(e.what, "more than one o=");
}

static void test_err_duplicates(void)
{
	CHECK(!frag("s=a\r\ns=b\r\n"));
	CHECK_STR(e.what, "more than one s=");
	CHECK(!frag("i=a\r\ni=b\r\n"));
	CHECK(!frag("u=a\r\nu=b\r\n"));
	CHECK(!frag("k=a\r\nk=b\r\n"));
	CHECK(!frag("m=audio 1 RTP/AVP 0\r\ni=a\r\ni=b\r\n"));
	/* one per level: session and media i= are both fine */
	CHECK(frag("i=a\r\nm=audio 1 RTP/AVP 0\r\ni=b\r\nm=audio 2 RTP/AVP 0\r\ni=c\r\n"));
}

static void test_err_session_line_after_media(void)
{
	static const char *lines[] = { "o=- 1 1 IN IP4 h", "s=late", "u=x", "e=x", "p=x", "t=0 0",
				       "r=1 1 0",	   "z=0 0" };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[128];

		snprintf(buf, sizeof(buf), "m=audio 1 RTP/AVP 0\r\n%s\r\n", lines[i]);
		CHECK(!frag(buf));
		CHECK_STR(e.what, "session-level line after m=");
	}
}

static void test_err_time_lines(void)
{
	CHECK(!frag("t=0\r\n"));
	CHECK_STR(e.what, "t= needs <start-time> <stop-time>");
	CHECK(!frag("t=0 x\r\n"));
	CHECK(!frag("r=1 1 0\r\n"));
	CHECK_STR(e.what, "r= before any t=");
	CHECK(!frag("t=0 0\r\nr=1 1\r\n"));
	CHECK(!frag("t=0 0\r\nr=1 1 0x\r\n"));
	CHECK(!frag("t=0 0\r\nr=1w 1 0\r\n"));
	CHECK(!frag("z=1\r\n"));
	CHECK_STR(e.what, "z= needs <adjustment time> <offset> pairs");
	CHECK(!frag("z=-1 0\r\n"));
	CHECK(!frag("z=1 0\r\nz=1 0\r\n"));
}

static void test_err_bandwidth_line(void)
{
	CHECK(!frag("b=AS\r\n"));
	CHECK_STR(e.what, "b= needs <bwtype>:<bandwidth>");
	CHECK(!frag("b=AS:x\r\n"));
	CHECK(!frag("b=AS:4294967296\r\n"));
	CHECK_STR(e.what, "b= bandwidth is not a 32-bit number");
	CHECK(frag("b=AS:4294967295\r\n"));
	CHECK(!frag("b=:5\r\n"));
}

static void test_err_attribute_line(void)
{
	CHECK(!frag("a=:x\r\n"));
	CHECK_STR(e.what, "a= line without an attribute name");
	CHECK(!frag("a=na me\r\n"));
	CHECK_STR(e.what, "malformed attribute name");
}

/* ---- limits: an error, never a truncation ---- */

static char big[SDP_MAX_LEN + 64];

/* Repeat line (with %u for a counter) count times after prefix. */
static const char *repeat(const char *prefix, const char *line, unsigned count)
{
	size_t o = (size_t)snprintf(big, sizeof(big), "%s", prefix);

	for (unsigned i = 0; i < count && o < sizeof(big) - 64; i++) {
		o += (size_t)snprintf(big + o, sizeof(big) - o, line, i);
		o += (size_t)snprintf(big + o, sizeof(big) - o, "\r\n");
	}
	return big;
}

static void test_limit_attrs(void)
{
	CHECK(frag(repeat("", "a=x%u", SDP_MAX_ATTRS)));
	CHECK_INT(s.nattrs, SDP_MAX_ATTRS);
	CHECK(!frag(repeat("", "a=x%u", SDP_MAX_ATTRS + 1)));
	CHECK_STR(e.what, "too many a= lines");
}

static void test_limit_media(void)
{
	CHECK(frag(repeat("", "m=audio %u RTP/AVP 0", SDP_MAX_MEDIA)));
	CHECK(!frag(repeat("", "m=audio %u RTP/AVP 0", SDP_MAX_MEDIA + 1)));
	CHECK_STR(e.what, "too many m= lines");
}

/* c= lines in a media section are counted, not stored: only the line limit stops them */
static void test_limit_lines(void)
{
	const char *m = "m=audio 1 RTP/AVP 0\r\n";

	CHECK(frag(repeat(m, "c=IN IP4 10.0.0.%u", SDP_MAX_LINES - 1)));
	CHECK_INT(s.media[0].nconn, SDP_MAX_LINES - 1);
	CHECK(!frag(repeat(m, "c=IN IP4 10.0.0.%u", SDP_MAX_LINES)));
	CHECK_STR(e.what, "too many lines in session description");
}

static void test_limit_other_lists(void)
{
	CHECK(frag(repeat("", "e=%u", SDP_MAX_CONTACTS)));
	CHECK(!frag(repeat("", "e=%u", SDP_MAX_CONTACTS + 1)));
	CHECK_STR(e.what, "too many e= or p= lines");
	CHECK(!frag(repeat("", "p=%u", SDP_MAX_CONTACTS + 1)));
	CHECK(frag(repeat("", "b=AS:%u", SDP_MAX_BANDWIDTHS)));
	CHECK(!frag(repeat("", "b=AS:%u", SDP_MAX_BANDWIDTHS + 1)));
	CHECK_STR(e.what, "too many b= lines");
	CHECK(frag(repeat("", "t=%u 0", SDP_MAX_TIMES)));
	CHECK(!frag(repeat("", "t=%u 0", SDP_MAX_TIMES + 1)));
	CHECK_STR(e.what, "too many t= lines");
	CHECK(frag(repeat("t=0 0\r\n", "r=%u 1 0", SDP_MAX_REPEATS)));
	CHECK(!frag(repeat("t=0 0\r\n", "r=%u 1 0", SDP_MAX_REPEATS + 1)));
	CHECK_STR(e.what, "too many r= lines");
}

static void test_limit_fmts(void)
{
	char line[SDP_MAX_FMTS * 4 + 32];
	size_t o = (size_t)sprintf(line, "m=video 1 RTP/AVP");

	for (unsigned i = 0; i < SDP_MAX_FMTS; i++)
		o += (size_t)sprintf(line + o, " %u", i);
	CHECK(frag(line));
	CHECK_INT(s.media[0].nfmts, SDP_MAX_FMTS);
	sprintf(line + o, " 99");
	CHECK(!frag(line));
	CHECK_STR(e.what, "too many formats on an m= line");
}

static void test_limit_line_len(void)
{
	memset(big, 'x', sizeof(big));
	memcpy(big, "a=", 2);
	big[SDP_MAX_LINE_LEN] = '\0';
	CHECK(frag(big));
	big[SDP_MAX_LINE_LEN] = 'x';
	big[SDP_MAX_LINE_LEN + 1] = '\0';
	CHECK(!frag(big));
	CHECK_STR(e.what, "session description line too long");
}

static void test_limit_size(void)
{
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(!frag(big));
	CHECK_STR(e.what, "session description too large");
	CHECK_INT(e.status, 413);
}

/* ---- NUTSS flows (paper 2, Table 2) ---- */

/* The paper's example in our canonical form. */
static void test_flow_canonical(void)
{
	struct flow_desc f;

	CHECK(full("v=0\r\no=- 0 0 IN IP4 128.84.223.109\r\ns=-\r\nc=IN IP4 128.84.223.109\r\n"
		   "t=0 0\r\nm=data 32524 tcp ftp\r\na=enc:none\r\na=taint:bob.confidential\r\n"));
	CHECK(sdp_has_flow(&s));
	CHECK(flow(&f));
	CHECK_SLICE(f.protocol, "tcp");
	CHECK_SLICE(f.app, "ftp");
	CHECK_INT(f.port, 32524);
	CHECK_SLICE(f.address, "128.84.223.109");
	CHECK_SLICE(f.enc, "none");
	CHECK_INT(f.ntaint, 1);
	CHECK_SLICE(f.taint[0], "bob.confidential");
	CHECK_INT(f.ntokens, 0);
}

/* ...and exactly as the paper prints it: "m=data ftp tcp", the port in c=. */
static void test_flow_paper_form(void)
{
	struct flow_desc f;

	CHECK(frag("m=data ftp tcp\r\nc=IN IP4 128.84.223.109:32524\r\na=enc:none\r\n"
		   "a=taint:bob.confidential\r\n"));
	CHECK(s.media[0].paper_form);
	CHECK(flow(&f));
	CHECK_SLICE(f.protocol, "tcp");
	CHECK_SLICE(f.app, "ftp");
	CHECK_INT(f.port, 32524);
	CHECK_SLICE(f.address, "128.84.223.109");
	CHECK_SLICE(f.enc, "none");
}

/* Media-level c= and a=enc win; taints and tokens of both levels add up. */
static void test_flow_media_overrides(void)
{
	struct flow_desc f;

	CHECK(full(HEAD "c=IN IP4 10.0.0.1\r\na=enc:none\r\na=taint:a\r\n"
			"m=audio 5000 RTP/AVP 0\r\na=enc:ssl\r\n"
			"m=data 7 udp dns\r\nc=IN IP6 2001:db8::1\r\na=enc:tls\r\na=taint:b\r\n"
			"a=nutss-token:example.com AAAA\n"));
	CHECK(flow(&f));
	CHECK_SLICE(f.address, "2001:db8::1");
	CHECK_SLICE(f.enc, "tls");
	CHECK_INT(f.ntaint, 2);
	CHECK_SLICE(f.taint[0], "a");
	CHECK_SLICE(f.taint[1], "b");
	CHECK_INT(f.ntokens, 1);
	CHECK_SLICE(f.tokens[0].domain, "example.com");
	CHECK_SLICE(f.tokens[0].value, "AAAA");
	CHECK_INT(f.port, 7);
	CHECK_SLICE(f.protocol, "udp");
	CHECK_SLICE(f.app, "dns");
}

static void test_flow_session_level_fallback(void)
{
	struct flow_desc f;

	CHECK(full(HEAD "c=IN IP4 10.0.0.9\r\na=enc:ipsec\r\na=nutss-token:a.org T\r\n"
			"m=data 9 tcp ssh\r\na=nutss-token:b.org U \r\n"));
	CHECK(flow(&f));
	CHECK_SLICE(f.address, "10.0.0.9");
	CHECK_SLICE(f.enc, "ipsec");
	CHECK_INT(f.ntokens, 2);
	CHECK_SLICE(f.tokens[0].value, "T");
	CHECK_SLICE(f.tokens[1].domain, "b.org");
	CHECK_SLICE(f.tokens[1].value, "U");
}

/* Without m=data only the session-level flow lines count. */
static void test_flow_session_level_only(void)
{
	struct flow_desc f;

	CHECK(frag("a=enc:none\r\nc=IN IP4 192.0.2.1:99\r\na=taint:t\r\n"));
	CHECK(!sdp_has_flow(&s));
	CHECK(flow(&f));
	CHECK_SLICE(f.enc, "none");
	CHECK_SLICE(f.address, "192.0.2.1");
	CHECK_INT(f.port, 99);
	CHECK_INT(f.ntaint, 1);
	CHECK(f.protocol.p == NULL && f.app.p == NULL);
}

static void test_flow_trailing_space_trimmed(void)
{
	struct flow_desc f;

	CHECK(frag("m=data 1 tcp ftp\r\na=enc:tls \r\na=taint:x\t\r\n"));
	CHECK(flow(&f));
	CHECK_SLICE(f.enc, "tls");
	CHECK_SLICE(f.taint[0], "x");
}

static void test_flow_leaves_endpoints(void)
{
	struct flow_desc f = { 0 };

	f.from.user = slice_cstr("alice");
	f.to.domain = slice_cstr("rr.net");
	CHECK(frag("m=data 1 tcp ftp\r\n"));
	CHECK(sdp_flow(&s, &f, &e));
	CHECK_SLICE(f.from.user, "alice");
	CHECK_SLICE(f.to.domain, "rr.net");
}

static void test_flow_err_ambiguous(void)
{
	struct flow_desc f;

	CHECK(frag("m=data 1 tcp ftp\r\nm=data 2 tcp ssh\r\n"));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "more than one m=data section");
	CHECK(frag("m=data 1 tcp ftp\r\na=enc:tls\r\na=enc:none\r\n"));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "a NUTSS flow attribute given twice");
	CHECK(frag("a=nutss-token:a.org x\r\nm=data 1 tcp ftp\r\na=nutss-token:A.ORG y\r\n"));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "two a=nutss-token lines for one domain");
	CHECK(frag("m=data 1 tcp ftp\r\nc=IN IP4 1.1.1.1\r\nc=IN IP4 2.2.2.2\r\n"));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "more than one c= in the m=data section");
	CHECK(frag("c=IN IP4 1.1.1.1:5\r\nm=data 6 tcp ftp\r\n"));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "c= port disagrees with the m= port");
	CHECK(frag("c=IN IP4 1.1.1.1:6\r\nm=data 6 tcp ftp\r\n"));
	CHECK(flow(&f));
}

static void test_flow_err_values(void)
{
	struct flow_desc f;

	CHECK(frag("m=data 1 tcp ftp\r\na=enc\r\n"));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "a NUTSS flow attribute needs one word as value");
	CHECK(frag("m=data 1 tcp ftp\r\na=taint:\r\n"));
	CHECK(!flow(&f));
	CHECK(frag("m=data 1 tcp ftp\r\na=nutss-token:a b c\r\n"));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "a=nutss-token needs a domain and a token");
	CHECK(frag("m=data 1 tcp ftp\r\na=nutss-token:ab\r\n"));
	CHECK(!flow(&f));
	CHECK(frag("m=data 1 tcp ftp\r\na=nutss-token\r\n"));
	CHECK(!flow(&f));
	CHECK(frag("m=data 1 tcp ftp\r\nc=ATM NSAP x\r\n"));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "a NUTSS flow needs c=IN IP4 or c=IN IP6");
}

static void test_flow_err_too_many_taints(void)
{
	struct flow_desc f;

	CHECK(frag(repeat("m=data 1 tcp ftp\r\n", "a=taint:t%u", FLOW_MAX_TAINTS)));
	CHECK(flow(&f));
	CHECK_INT(f.ntaint, FLOW_MAX_TAINTS);
	CHECK(frag(repeat("m=data 1 tcp ftp\r\n", "a=taint:t%u", FLOW_MAX_TAINTS + 1)));
	CHECK(!flow(&f));
	CHECK_STR(e.what, "too many a=taint lines");
}

/* ---- the builder ---- */

static struct flow_desc example_flow(void)
{
	struct flow_desc f = { 0 };

	f.protocol = slice_cstr("tcp");
	f.app = slice_cstr("ftp");
	f.port = 40000;
	f.address = slice_cstr("192.0.2.7");
	f.enc = slice_cstr("ssl");
	f.taint[0] = slice_cstr("bob.confidential");
	f.taint[1] = slice_cstr("x");
	f.ntaint = 2;
	f.tokens[0] = (struct flow_token){ slice_cstr("acme.org"), slice_cstr("9f86d081884c7d65") };
	f.tokens[1] = (struct flow_token){ slice_cstr("isp.net"), slice_cstr("0011") };
	f.ntokens = 2;
	return f;
}

static void test_build_exact_text(void)
{
	struct flow_desc f = example_flow();
	char buf[512];
	int n = sdp_build_flow(buf, sizeof(buf), &f, slice_cstr("198.51.100.1"));

	CHECK_STR(buf, "v=0\r\no=- 0 0 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 192.0.2.7\r\n"
		       "t=0 0\r\nm=data 40000 tcp ftp\r\na=enc:ssl\r\n"
		       "a=taint:bob.confidential\r\na=taint:x\r\n"
		       "a=nutss-token:acme.org 9f86d081884c7d65\r\n"
		       "a=nutss-token:isp.net 0011\r\n");
	CHECK_INT(n, (long)strlen(buf));
}

static void test_build_round_trip(void)
{
	struct flow_desc f = example_flow(), g;
	char buf[512];
	int n = sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL);

	CHECK(n > 0);
	input = buf;
	CHECK(sdp_parse(&s, slice_make(buf, (size_t)n), SDP_FULL, &e));
	CHECK(flow(&g));
	CHECK_SLICE(g.protocol, "tcp");
	CHECK_SLICE(g.app, "ftp");
	CHECK_INT(g.port, 40000);
	CHECK_SLICE(g.address, "192.0.2.7");
	CHECK_SLICE(g.enc, "ssl");
	CHECK_INT(g.ntaint, 2);
	CHECK_SLICE(g.taint[0], "bob.confidential");
	CHECK_SLICE(g.taint[1], "x");
	CHECK_INT(g.ntokens, 2);
	CHECK_SLICE(g.tokens[0].domain, "acme.org");
	CHECK_SLICE(g.tokens[0].value, "9f86d081884c7d65");
	CHECK_SLICE(g.tokens[1].domain, "isp.net");
}

/* The paper's printed form in, our canonical form out, same flow. */
static void test_build_from_paper_form(void)
{
	struct flow_desc f, g;
	char buf[512];
	int n;

	CHECK(frag("m=data ftp tcp\r\nc=IN IP4 128.84.223.109:32524\r\na=enc:none\r\n"));
	CHECK(flow(&f));
	n = sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL);
	CHECK(n > 0);
	CHECK(strstr(buf, "m=data 32524 tcp ftp\r\n") != NULL);
	CHECK(strstr(buf, "c=IN IP4 128.84.223.109\r\n") != NULL);
	CHECK(full(buf));
	CHECK(!s.media[0].paper_form);
	CHECK(flow(&g));
	CHECK_INT(g.port, 32524);
	CHECK_SLICE(g.address, "128.84.223.109");
	CHECK_SLICE(g.app, "ftp");
	CHECK_SLICE(g.enc, "none");
}

static void test_build_ipv6_and_defaults(void)
{
	struct flow_desc f = { 0 }, g;
	char buf[256];

	f.address = slice_cstr("2001:db8::7");
	CHECK(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL) > 0);
	CHECK(strstr(buf, "o=- 0 0 IN IP6 2001:db8::7\r\n") != NULL);
	CHECK(strstr(buf, "c=IN IP6 2001:db8::7\r\n") != NULL);
	CHECK(strstr(buf, "m=data 0 tcp -\r\n") != NULL);
	CHECK(strstr(buf, "a=") == NULL);
	CHECK(full(buf));
	CHECK(flow(&g));
	CHECK_SLICE(g.address, "2001:db8::7");
	f.address = SLICE_NULL;
	CHECK(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL) > 0);
	CHECK(strstr(buf, "c=IN IP4 0.0.0.0\r\n") != NULL);
}

/* -1 when it does not fit, by exactly one byte (the NUL counts). */
static void test_build_too_small(void)
{
	struct flow_desc f = example_flow();
	char buf[512];
	int n = sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL);

	CHECK(n > 0);
	CHECK_INT(sdp_build_flow(buf, (size_t)n + 1, &f, SLICE_NULL), n);
	for (size_t len = 0; len <= (size_t)n; len++)
		CHECK_INT(sdp_build_flow(buf, len, &f, SLICE_NULL), -1);
}

static void test_build_refuses_bad_fields(void)
{
	struct flow_desc f = example_flow();
	char buf[512];

	f.enc = slice_cstr("two words");
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL), -1);
	f = example_flow();
	f.taint[1] = slice_cstr("a\r\nm=data 1 tcp evil");
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL), -1);
	f = example_flow();
	f.taint[1] = slice_cstr("");
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL), -1);
	f = example_flow();
	f.app = slice_cstr("f/tp");
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL), -1);
	f = example_flow();
	f.protocol = slice_cstr("RTP/");
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL), -1);
	f = example_flow();
	f.address = slice_cstr("1.2.3.4 5");
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL), -1);
	f = example_flow();
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, slice_cstr("a b")), -1);
	f.ntaint = FLOW_MAX_TAINTS + 1;
	CHECK_INT(sdp_build_flow(buf, sizeof(buf), &f, SLICE_NULL), -1);
}

/* ---- RFC 4475's bodies, when ../shared/testdata is there ---- */

/* The body of a SIP message: after the blank line, Content-Length bytes of it when given. */
static struct slice sip_body(const char *msg, size_t len)
{
	const char *sep = strstr(msg, "\r\n\r\n");
	const char *cl = strstr(msg, "\r\nContent-Length:");
	struct slice b;

	if (!sep)
		return SLICE_NULL;
	b = slice_make(sep + 4, len - (size_t)(sep + 4 - msg));
	if (!cl)
		cl = strstr(msg, "\r\nl:");
	if (cl && cl < sep) {
		long n = strtol(strchr(cl + 2, ':') + 1, NULL, 10);

		if (n >= 0 && (size_t)n < b.len)
			b.len = (size_t)n;
	}
	return b;
}

static void test_rfc4475_bodies(void)
{
	const char *shared = getenv("NUTSS_SHARED");
	char dir[512], path[1024];
	static char msg[70000];
	unsigned parsed = 0;
	struct dirent *d;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/testdata/rfc4475", shared ? shared : "../shared");
	dp = opendir(dir);
	if (!dp) {
		printf("  skip test_rfc4475_bodies: no %s\n", dir);
		return;
	}
	while ((d = readdir(dp))) {
		struct slice b;
		FILE *fp;
		size_t n;

		if (!strstr(d->d_name, ".dat"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		fp = fopen(path, "rb");
		if (!fp)
			continue;
		n = fread(msg, 1, sizeof(msg) - 1, fp);
		fclose(fp);
		msg[n] = '\0';
		if (!strstr(msg, "application/sdp"))
			continue;
		b = sip_body(msg, n);
		if (!b.len || !strncmp(b.p, "INVITE ", 7)) /* dblreq: a second message */
			continue;
		e = (struct sip_err){ 0 };
		input = b.p;
		if (sdp_parse(&s, b, SDP_FULL, &e)) {
			parsed++;
		} else if (strcmp(d->d_name, "mismatch02.dat")) {
			/* mismatch02's body lacks s= and t=: the only broken one */
			fprintf(stderr, "  %s: %s at %ld\n", d->d_name, e.what, err_off());
			CHECK(!"an RFC 4475 body did not parse");
		}
	}
	closedir(dp);
	CHECK(parsed >= 15);
}


/* ---- sdp_edit_flow: what a P-Box changes in an offer or answer ---- */

static char edited[2048];

static bool edit(const char *body, const struct sdp_edit *ed)
{
	struct buf b;

	buf_init_str(&b, edited, sizeof(edited));
	if (!sdp_edit_flow(&b, slice_cstr(body), ed))
		return false;
	buf_str(&b);
	return true;
}

static void test_edit_enc_and_tokens(void)
{
	static const struct slice add[] = { SLICE_LIT("a=nutss-token:a.org 00"),
					    SLICE_LIT("a=nutss-token:b.org 11") };
	struct sdp_edit ed = { .enc = SLICE_LIT("tls"), .add = add, .nadd = 2 };
	struct flow_desc f;

	/* a=enc at both levels goes, one comes at the end of m=data, before the next m= */
	CHECK(edit(HEAD "a=enc:none\r\nm=data 9 tcp ssh\nc=IN IP4 10.0.0.2\na=enc:none\n"
			"a=taint:x\r\nm=audio 5 RTP/AVP 0\r\na=enc:ssl\r\n\r\n",
		   &ed));
	CHECK_STR(edited, HEAD "m=data 9 tcp ssh\r\nc=IN IP4 10.0.0.2\r\na=taint:x\r\n"
			       "a=enc:tls\r\na=nutss-token:a.org 00\r\na=nutss-token:b.org 11\r\n"
			       "m=audio 5 RTP/AVP 0\r\na=enc:ssl\r\n");
	CHECK(full(edited));
	CHECK(flow(&f));
	CHECK_SLICE(f.enc, "tls");
	CHECK_INT(f.ntokens, 2);
	/* tokens only: the rest is copied as it came */
	ed.enc = SLICE_NULL;
	ed.nadd = 1;
	CHECK(edit(HEAD "c=IN IP6 ::1\r\nm=data 9 udp dns\r\na=enc:none\r\n", &ed));
	CHECK_STR(edited, HEAD "c=IN IP6 ::1\r\nm=data 9 udp dns\r\na=enc:none\r\n"
			       "a=nutss-token:a.org 00\r\n");
	/* a domain's own tokens go (a caller cannot bring one of ours), others stay */
	ed.drop_tokens_of = SLICE_LIT("a.org");
	CHECK(edit(HEAD "m=data 9 udp dns\r\na=nutss-token:A.org ff\r\na=nutss-token:a.org.uk ee\r\n",
		   &ed));
	CHECK_STR(edited, HEAD "m=data 9 udp dns\r\na=nutss-token:a.org.uk ee\r\n"
			       "a=nutss-token:a.org 00\r\n");
	ed.drop_tokens_of = SLICE_NULL;
	/* no m=data: at the end of the session part */
	CHECK(edit(HEAD "m=audio 5 RTP/AVP 0\r\n", &ed));
	CHECK_STR(edited, HEAD "a=nutss-token:a.org 00\r\nm=audio 5 RTP/AVP 0\r\n");
}

static void test_edit_address(void)
{
	struct sdp_edit ed = { .addr = SLICE_LIT("2001:db8::5"), .port = 8110 };
	struct flow_desc f;

	CHECK(edit(HEAD "c=IN IP4 10.0.0.1\r\nm=data 9 tcp ftp\r\nc=IN IP4 10.0.0.2\r\n", &ed));
	CHECK_STR(edited, HEAD "c=IN IP6 2001:db8::5\r\nm=data 8110 tcp ftp\r\n"
			       "c=IN IP6 2001:db8::5\r\n");
	CHECK(full(edited));
	CHECK(flow(&f));
	CHECK_SLICE(f.address, "2001:db8::5");
	CHECK_INT(f.port, 8110);
}

static void test_edit_refusals(void)
{
	static const struct slice bad[] = { SLICE_LIT("a=x\r\nv=0") };
	struct sdp_edit ed = { .enc = SLICE_LIT("t s") };
	char small[40];
	struct buf b;

	CHECK(!edit(HEAD "m=data 9 tcp ftp\r\n", &ed));
	ed = (struct sdp_edit){ .addr = SLICE_LIT("10.0.0.1 x") }; /* a host name would do */
	CHECK(!edit(HEAD "m=data 9 tcp ftp\r\n", &ed));
	ed = (struct sdp_edit){ .add = bad, .nadd = 1 };
	CHECK(!edit(HEAD "m=data 9 tcp ftp\r\n", &ed));
	ed = (struct sdp_edit){ .enc = SLICE_LIT("tls") };
	buf_init(&b, small, sizeof(small));
	CHECK(!sdp_edit_flow(&b, slice_cstr(HEAD "m=data 9 tcp ftp\r\n"), &ed));
}

int main(void)
{
	RUN(test_edit_enc_and_tokens);
	RUN(test_edit_address);
	RUN(test_edit_refusals);
	RUN(test_rfc4475_body);
	RUN(test_rfc4566_example);
	RUN(test_times_repeats_zone);
	RUN(test_media_level_fields);
	RUN(test_line_ends);
	RUN(test_lenient_spaces);
	RUN(test_unknown_attribute_is_fine);
	RUN(test_fragment_mode);
	RUN(test_err_missing_v);
	RUN(test_err_v_not_first_or_twice);
	RUN(test_err_missing_mandatory);
	RUN(test_err_unknown_type);
	RUN(test_err_not_a_line);
	RUN(test_err_space_around_equals);
	RUN(test_err_empty_values);
	RUN(test_err_empty_line_inside);
	RUN(test_err_control_bytes);
	RUN(test_err_media_line);
	RUN(test_err_conn_line);
	RUN(test_err_origin_line);
	RUN(test_err_duplicates);
	RUN(test_err_session_line_after_media);
	RUN(test_err_time_lines);
	RUN(test_err_bandwidth_line);
	RUN(test_err_attribute_line);
	RUN(test_limit_attrs);
	RUN(test_limit_media);
	RUN(test_limit_lines);
	RUN(test_limit_other_lists);
	RUN(test_limit_fmts);
	RUN(test_limit_line_len);
	RUN(test_limit_size);
	RUN(test_flow_canonical);
	RUN(test_flow_paper_form);
	RUN(test_flow_media_overrides);
	RUN(test_flow_session_level_fallback);
	RUN(test_flow_session_level_only);
	RUN(test_flow_trailing_space_trimmed);
	RUN(test_flow_leaves_endpoints);
	RUN(test_flow_err_ambiguous);
	RUN(test_flow_err_values);
	RUN(test_flow_err_too_many_taints);
	RUN(test_build_exact_text);
	RUN(test_build_round_trip);
	RUN(test_build_from_paper_form);
	RUN(test_build_ipv6_and_defaults);
	RUN(test_build_too_small);
	RUN(test_build_refuses_bad_fields);
	RUN(test_rfc4475_bodies);
	return check_summary();
}
