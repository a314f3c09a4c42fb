// SPDX-License-Identifier: MIT
/* Character classes and the cursor. */
#include "check.h"
#include "sip/chars.h"

/* The unrolled span and a plain table walk agree on where a span stops, at every length. */
static void test_span_matches_table(void)
{
	static const unsigned classes[] = { CC_TOKEN, CC_WORD, CC_DIGIT, CC_ALPHA | CC_DIGIT,
					    CC_HOSTNAME, CC_HEX };
	char buf[40];

	for (unsigned k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
		for (int stop = 0; stop < 40; stop++) {
			for (int b = 0; b < 256; b++) {
				struct cur c = { buf, buf + sizeof(buf) };
				int want = stop;

				memset(buf, 'a', sizeof(buf));
				memcpy(buf, "z9hG4bK74bf9a1c0123456789abcdefABCDEF0", 39);
				buf[stop] = (char)b;
				for (int i = 0; i < 40; i++) {
					if (!cc_is((unsigned char)buf[i], classes[k])) {
						want = i;
						break;
					}
					want = i + 1;
				}
				CHECK_INT(cur_span(&c, classes[k]).len, want);
			}
		}
	}
}

/* scan_byte() agrees with memchr for every length and position. */
static void test_scan_byte(void)
{
	char buf[70];

	for (int len = 0; len <= 64; len++) {
		for (int at = -1; at < len; at++) {
			const char *want;

			memset(buf, 'a', sizeof(buf));
			buf[len] = '\n'; /* just past the end: must never be found */
			if (at >= 0)
				buf[at] = '\n';
			want = len ? memchr(buf, '\n', (size_t)len) : NULL;
			CHECK(scan_byte(buf, buf + len, '\n') == want);
		}
	}
}

/*
 * lit_ieq() gives ascii_ieq()'s answer for every word it is used with:
 * each byte of each position tried against each want, in a string that
 * otherwise matches.
 */
static void test_lit_ieq_matches_ascii_ieq(void)
{
	static const char *const wants[] = { "q",	 "lr",	     "tag",	 "sip:",
					     "sip/",	 "maddr",    "branch",	 "expires",
					     "sip/2.0/", "received", "transport", "content-length",
					     "proxy-authorization" };

	for (unsigned w = 0; w < sizeof(wants) / sizeof(wants[0]); w++) {
		size_t len = strlen(wants[w]);
		char s[32];

		memcpy(s, wants[w], len);
		CHECK(lit_ieq(s, wants[w], len));
		for (size_t i = 0; i < len; i++) {
			for (unsigned b = 0; b < 256; b++) {
				s[i] = (char)b;
				CHECK(lit_ieq(s, wants[w], len) == ascii_ieq(s, wants[w], len));
			}
			s[i] = (char)(wants[w][i] >= 'a' && wants[w][i] <= 'z' ? wants[w][i] - 32
									  : wants[w][i]);
		}
		CHECK(lit_ieq(s, wants[w], len)); /* all upper case */
	}
}

static void test_uint(void)
{
	struct cur c;
	uint64_t v;

	c = (struct cur){ "255x", NULL };
	c.end = c.p + 4;
	CHECK(cur_uint(&c, 255, &v) && v == 255 && *c.p == 'x');
	c = (struct cur){ "256", NULL };
	c.end = c.p + 3;
	CHECK(!cur_uint(&c, 255, &v));
	c = (struct cur){ "18446744073709551615", NULL };
	c.end = c.p + 20;
	CHECK(cur_uint(&c, UINT64_MAX, &v) && v == UINT64_MAX);
	c = (struct cur){ "18446744073709551616", NULL };
	c.end = c.p + 20;
	CHECK(!cur_uint(&c, UINT64_MAX, &v));
	c = (struct cur){ "x", NULL };
	c.end = c.p + 1;
	CHECK(!cur_uint(&c, 9, &v));
	/* a refusal leaves the cursor on the digit that would pass max */
	c = (struct cur){ "65536", NULL };
	c.end = c.p + 5;
	CHECK(!cur_uint(&c, 65535, &v) && *c.p == '6' && c.end - c.p == 1);
	c = (struct cur){ "70000", NULL };
	c.end = c.p + 5;
	CHECK(!cur_uint(&c, 65535, &v) && c.end - c.p == 1);
	c = (struct cur){ "655350", NULL };
	c.end = c.p + 6;
	CHECK(!cur_uint(&c, 65535, &v) && c.end - c.p == 1);
	c = (struct cur){ "0000065535;", NULL };
	c.end = c.p + 11;
	CHECK(cur_uint(&c, 65535, &v) && v == 65535 && *c.p == ';');
	c = (struct cur){ "2147483647 ", NULL };
	c.end = c.p + 11;
	CHECK(cur_uint(&c, 0x7fffffff, &v) && v == 0x7fffffff && *c.p == ' ');
	c = (struct cur){ "2147483648", NULL };
	c.end = c.p + 10;
	CHECK(!cur_uint(&c, 0x7fffffff, &v) && c.end - c.p == 1);
	c = (struct cur){ "9/", NULL }; /* '/' is '0' - 1 */
	c.end = c.p + 2;
	CHECK(cur_uint(&c, 255, &v) && v == 9 && *c.p == '/');
	c = (struct cur){ "\xb9", NULL }; /* a byte that is a digit as a signed char minus 0x80 */
	c.end = c.p + 1;
	CHECK(!cur_uint(&c, 255, &v));
}

static void test_lws(void)
{
	const char *s = " \t\r\n  x\r\ny";
	struct cur c = { s, s + strlen(s) };

	cur_skip_lws(&c);
	CHECK(*c.p == 'x');
	c.p++;
	cur_skip_lws(&c); /* a CRLF not followed by white space is not LWS */
	CHECK(*c.p == '\r');
}

/*
 * cur_quoted() runs sixteen bytes a step over qdtext: whatever byte sits at
 * whatever position, it must end the string (or fail) exactly where a walk
 * through the CC_QDTEXT table says.
 */
static void test_quoted_matches_table(void)
{
	char buf[48];

	for (int at = 1; at < 40; at++) {
		for (int b = 0; b < 256; b++) {
			struct cur c = { buf, buf + sizeof(buf) };
			struct sip_err err = { 0 };
			struct slice inner = SLICE_NULL;
			bool ok;

			memset(buf, 'x', sizeof(buf));
			buf[0] = '"';
			buf[44] = '"';
			buf[at] = (char)b;
			ok = cur_quoted(&c, &inner, &err);
			if (b == '"') {
				CHECK(ok && inner.len == (size_t)at - 1);
			} else if (cc_is((unsigned char)b, CC_QDTEXT)) {
				CHECK(ok && inner.len == 43);
			} else if (b == '\\') {
				CHECK(ok && inner.len == 43); /* a quoted pair: "\\x" */
			} else {
				CHECK(!ok);
				CHECK(err.at == buf + at);
			}
		}
	}
}

int main(void)
{
	RUN(test_span_matches_table);
	RUN(test_scan_byte);
	RUN(test_quoted_matches_table);
	RUN(test_uint);
	RUN(test_lit_ieq_matches_ascii_ieq);
	RUN(test_lws);
	return check_summary();
}
