// SPDX-License-Identifier: MIT
#include "check.h"
#include "sip/uri.h"

static struct sip_param pv[64];
static struct sip_pool pool;

static bool parse(struct sip_uri *u, const char *s, struct sip_err *err)
{
	pool = (struct sip_pool){ pv, 0, 64 };
	*err = (struct sip_err){ 0 };
	return sip_uri_parse(u, slice_cstr(s), &pool, err);
}

static void test_basic_sip(void)
{
	struct sip_uri u;
	struct sip_err e;

	CHECK(parse(&u, "sip:alice@rr.net:5070;transport=tcp;lr;app=ftp?subject=hi&x=y", &e));
	CHECK_INT(u.scheme_id, SIP_SCHEME_SIP);
	CHECK_SLICE(u.user, "alice");
	CHECK_SLICE(u.host, "rr.net");
	CHECK_INT(u.port, 5070);
	CHECK_INT(u.host_type, SIP_HOST_NAME);
	CHECK_SLICE(u.transport, "tcp");
	CHECK(u.lr);
	CHECK_INT(u.nparams, 3);
	CHECK_SLICE(sip_uri_param(&u, "APP"), "ftp");
	CHECK(sip_uri_has_param(&u, "lr"));
	CHECK(!sip_uri_has_param(&u, "maddr"));
	CHECK_SLICE(u.headers, "subject=hi&x=y");
	CHECK_SLICE(u.hostport, "rr.net:5070");
}

static void test_hosts(void)
{
	struct sip_uri u;
	struct sip_err e;

	CHECK(parse(&u, "sips:[2001:db8::1]:5061", &e));
	CHECK_INT(u.scheme_id, SIP_SCHEME_SIPS);
	CHECK_INT(u.host_type, SIP_HOST_IPV6);
	CHECK_SLICE(u.host, "2001:db8::1");
	CHECK_INT(u.port, 5061);
	CHECK(parse(&u, "sip:192.0.2.1", &e));
	CHECK_INT(u.host_type, SIP_HOST_IPV4);
	CHECK(parse(&u, "sip:300.0.2.1", &e)); /* a (strange) host name, not IPv4 */
	CHECK_INT(u.host_type, SIP_HOST_NAME);
	CHECK(!parse(&u, "sip:[2001:db8::1", &e));
	CHECK(!parse(&u, "sip:host:99999", &e));
	CHECK(!parse(&u, "sip:user@", &e));
}

static void test_ipv4(void)
{
	static const char *const yes[] = { "0.0.0.0", "192.0.2.1", "255.255.255.255", "01.2.3.4",
					   "001.002.003.004" };
	static const char *const no[] = { "", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.1.1.1",
					  "1..2.3", ".1.2.3", "1.2.3.a", "1234.1.1.1", "1.2.3.4a",
					  "1.2.3.256", "1.2.3.", "0001.2.3.4", "1.2.3.4 ", "1,2.3.4" };

	for (unsigned i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(sip_host_is_ipv4(slice_cstr(yes[i])));
	for (unsigned i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!sip_host_is_ipv4(slice_cstr(no[i])));
}

/* The digit-by-digit reading sip_host_ipv4() replaced, kept as its reference. */
static bool ipv4_reference(struct slice s)
{
	unsigned dots = 0, digits = 0, val = 0;

	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';

		if (d < 10) {
			val = val * 10 + d;
			if (++digits > 3 || val > 255)
				return false;
		} else if (s.p[i] == '.' && digits && dots < 3) {
			dots++;
			digits = val = 0;
		} else {
			return false;
		}
	}
	return dots == 3 && digits;
}

/* Every string of up to 8 bytes over "0129.:a" (and some longer) as the reference does. */
static void test_ipv4_reference(void)
{
	static const char alphabet[] = "0129.:a";
	static const char *const longer[] = { "255.255.255.255", "255.255.255.2550", "1.1.1.256",
					      "249.250.199.100", "00.00.00.00", "1.2.3.4.5.6.7",
					      "300.1.1.1", "12.34.56.789" };
	char s[9];
	uint8_t a[4];

	for (unsigned len = 0; len <= 8; len++) {
		unsigned long total = 1;

		for (unsigned i = 0; i < len; i++)
			total *= sizeof(alphabet) - 1;
		for (unsigned long k = 0; k < total; k++) {
			unsigned long x = k;

			for (unsigned i = 0; i < len; i++, x /= sizeof(alphabet) - 1)
				s[i] = alphabet[x % (sizeof(alphabet) - 1)];
			CHECK(sip_host_ipv4(slice_make(s, len), a) ==
			      ipv4_reference(slice_make(s, len)));
		}
	}
	for (unsigned i = 0; i < sizeof(longer) / sizeof(longer[0]); i++)
		CHECK(sip_host_ipv4(slice_cstr(longer[i]), a) ==
		      ipv4_reference(slice_cstr(longer[i])));
}

/* The bytes, in network order, and leading zeros read as decimal (not octal). */
static void test_ipv4_bytes(void)
{
	uint8_t a[4];

	CHECK(sip_host_ipv4(slice_cstr("192.0.2.17"), a));
	CHECK(a[0] == 192 && a[1] == 0 && a[2] == 2 && a[3] == 17);
	CHECK(sip_host_ipv4(slice_cstr("010.255.0.09"), a));
	CHECK(a[0] == 10 && a[1] == 255 && a[2] == 0 && a[3] == 9);
	CHECK(sip_host_ipv4(slice_make("127.0.0.1:5060", 9), a));
	CHECK(a[0] == 127 && a[1] == 0 && a[2] == 0 && a[3] == 1);
}

/* RFC 4475 intmeth and semiuri: the userinfo ends at the first '@'. */
static void test_odd_userinfo(void)
{
	struct sip_uri u;
	struct sip_err e;

	CHECK(parse(&u,
		    "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_"
		    "too.(doesn't-it)@example.com",
		    &e));
	CHECK_SLICE(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	CHECK_SLICE(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	CHECK_SLICE(u.host, "example.com");
	CHECK(parse(&u, "sip:user;par=u%40example.net@example.com", &e));
	CHECK_SLICE(u.user, "user;par=u%40example.net");
}

static void test_escapes(void)
{
	struct sip_uri u;
	struct sip_err e;
	char buf[64];
	int n;

	CHECK(parse(&u, "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", &e));
	n = sip_unescape(buf, sizeof(buf), u.user);
	CHECK_INT(n, 6);
	CHECK(!memcmp(buf, "caller", 6));
	CHECK_INT(u.nparams, 2);
	CHECK(!parse(&u, "sip:bad%4@host", &e));
	CHECK(e.what != NULL);
	CHECK(!parse(&u, "sip:bad%zz@host", &e));
	CHECK(parse(&u, "sip:null-%00-null@example.com", &e));
	n = sip_unescape(buf, sizeof(buf), u.user);
	CHECK_INT(n, 11);
	CHECK(buf[5] == '\0');
}

static void test_other_schemes(void)
{
	struct sip_uri u;
	struct sip_err e;

	CHECK(parse(&u, "tel:+1-201-555-0123;phone-context=example.com", &e));
	CHECK_INT(u.scheme_id, SIP_SCHEME_TEL);
	CHECK_SLICE(u.user, "+1-201-555-0123");
	CHECK_SLICE(sip_uri_param(&u, "phone-context"), "example.com");
	CHECK(parse(&u, "soap.beep://192.0.2.103:3002", &e));
	CHECK_INT(u.scheme_id, SIP_SCHEME_OTHER);
	CHECK_SLICE(u.scheme, "soap.beep");
	CHECK_SLICE(u.opaque, "//192.0.2.103:3002");
	CHECK(parse(&u, "isbn:2983792873", &e));
	CHECK(!parse(&u, "nocolon", &e));
	CHECK(!parse(&u, "1sip:a@b", &e));
	CHECK(!parse(&u, "http:has space", &e));
}

static void test_errors(void)
{
	struct sip_uri u;
	struct sip_err e;
	char big[3000];

	CHECK(!parse(&u, "sip:a@b;", &e));
	CHECK_STR(e.what, "empty URI parameter");
	CHECK(!parse(&u, "sip:a@b;x=", &e));
	CHECK(!parse(&u, "sip:a@b?x", &e));
	CHECK(!parse(&u, "sip:a@b c", &e));
	CHECK(!parse(&u, "sip:@host", &e));
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "sip:", 4);
	big[sizeof(big) - 1] = '\0';
	CHECK(!parse(&u, big, &e));
	CHECK_STR(e.what, "URI too long");
}

static void test_pool_limit(void)
{
	struct sip_param small[2];
	struct sip_pool p = { small, 0, 2 };
	struct sip_uri u;
	struct sip_err e = { 0 };

	CHECK(!sip_uri_parse(&u, slice_cstr("sip:a@b;x;y;z"), &p, &e));
	CHECK_STR(e.what, "too many parameters");
	/* Without a pool the parameters are still validated and kept raw. */
	e = (struct sip_err){ 0 };
	CHECK(sip_uri_parse(&u, slice_cstr("sip:a@b;x;y;z"), NULL, &e));
	CHECK_SLICE(u.params_raw, ";x;y;z");
}

int main(void)
{
	RUN(test_basic_sip);
	RUN(test_hosts);
	RUN(test_ipv4);
	RUN(test_ipv4_bytes);
	RUN(test_ipv4_reference);
	RUN(test_odd_userinfo);
	RUN(test_escapes);
	RUN(test_other_schemes);
	RUN(test_errors);
	RUN(test_pool_limit);
	return check_summary();
}
