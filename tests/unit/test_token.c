// SPDX-License-Identifier: MIT
/*
 * Tokens, tickets, discovery replies and domain keys against docs/protocol.md's test vectors,
 * which tests/proto/vectors.py computes independently (Python, from the
 * document): the same bytes here, in the P-Box and in the BPF program.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/hash.h"
#include "core/hex.h"
#include "proto/discovery.h"
#include "proto/keys.h"
#include "proto/ticket.h"
#include "proto/token.h"

#define EXPIRY 1767225600u /* 2026-01-01T00:00:00Z */

static const char *const V4_TCP_MSG =
	"93c1bb9f000000016955b9000601000000000000000000000000ffffc000020a"
	"00000000000000000000ffffc63364149c401f90000000000000000000000000";
static const char *const V4_TCP_TOKEN = "93c1bb9f000000016955b9000000000000000000209e0f2aaff9a7d7";
static const char *const V6_UDP_TOKEN = "93c1bb9f000000026955b9000123456789abcdeff8e4fffd121b5f3f";
static const char *const V4_NET_TOKEN = "45731e01000000076955b900000000000000000091aeb8760e1f35d3";
static const char *const TICKET_TWO =
	"4e544b540101060200000000000000000000ffffc000020a00000000000000000000ffffc63364149c401f90"
	"0102030493c1bb9f000000016955b9000000000000000000209e0f2aaff9a7d745731e01000000076955b900"
	"000000000000000091aeb8760e1f35d3";
static const char *const CONFIRM =
	"4e544b540102060000000000000000000000ffffc000020a00000000000000000000ffffc63364149c401f90"
	"01020304";

static void hex(const void *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", ((const unsigned char *)p)[i]);
}

static void key(struct domain_key *k, const char *domain, uint32_t serial, uint8_t first)
{
	uint8_t tag[4];

	memset(k, 0, sizeof(*k));
	for (unsigned i = 0; i < TOKEN_KEY_LEN; i++)
		k->secret[i] = (uint8_t)(first + i);
	k->serial = serial;
	CHECK_INT(keys_domain_tag(domain, tag), 0);
	memcpy(k->id, tag, 4);
	k->id[7] = (uint8_t)serial; /* serials here are < 256 */
}

static struct flow_tuple flow(uint8_t proto, const char *src, uint16_t sport, const char *dst,
			      uint16_t dport)
{
	struct flow_tuple f = { .proto = proto, .sport = sport, .dport = dport };

	CHECK(flow_addr_parse(slice_cstr(src), f.src));
	CHECK(flow_addr_parse(slice_cstr(dst), f.dst));
	return f;
}

/* The 64-byte form and SipHash over it agree with the generic siphash() (checked on the paper's
 * vectors). */
static void test_msg_and_mac(void)
{
	struct domain_key k;
	struct flow_tuple f = flow(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080);
	struct token_msg m;
	char out[129];

	key(&k, "example.com", 1, 0);
	token_msg_fill(&m, k.id, EXPIRY, 0, &f);
	hex(&m, sizeof(m), out);
	CHECK_STR(out, V4_TCP_MSG);
	CHECK(token_mac(&k, &m) == 0xd7a7f9af2a0f9e20ull);
	CHECK(token_mac(&k, &m) ==
	      siphash(&m, sizeof(m), 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull, 2, 4));
}

static void test_vectors(void)
{
	struct domain_key k1, k2, k3;
	struct token t;
	char out[TOKEN_HEX_LEN + 1];
	struct flow_tuple f4 = flow(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080);
	struct flow_tuple f6 = flow(IPPROTO_UDP, "2001:db8::1", 5000, "2001:db8::2", 6000);

	key(&k1, "example.com", 1, 0);
	key(&k2, "example.com", 2, 0);
	key(&k3, "EXAMPLE.net", 7, 0x10); /* the tag is of the lower-case name */
	token_make(&t, &k1, &f4, EXPIRY, 0);
	token_to_hex(&t, out);
	CHECK_STR(out, V4_TCP_TOKEN);
	token_make(&t, &k2, &f6, EXPIRY, 0x0123456789abcdefull);
	token_to_hex(&t, out);
	CHECK_STR(out, V6_UDP_TOKEN);
	token_make(&t, &k3, &f4, EXPIRY, 0);
	token_to_hex(&t, out);
	CHECK_STR(out, V4_NET_TOKEN);
}

static void test_check(void)
{
	struct keyring kr = { .domain = "example.com", .n = 2 };
	struct flow_tuple f = flow(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080), g;
	struct token t, u;

	key(&kr.keys[0], "example.com", 2, 0x40);
	key(&kr.keys[1], "example.com", 1, 0);
	CHECK(token_from_hex(slice_cstr(V4_TCP_TOKEN), &t));
	/* made with the older key: still good while it is live */
	CHECK_INT(token_check(&t, &kr, &f, EXPIRY), TOKEN_OK);
	CHECK_INT(token_check(&t, &kr, &f, EXPIRY + 1), TOKEN_EXPIRED);
	/* every field of the flow is covered */
	g = f, g.sport++;
	CHECK_INT(token_check(&t, &kr, &g, EXPIRY), TOKEN_BAD_MAC);
	g = f, g.dport++;
	CHECK_INT(token_check(&t, &kr, &g, EXPIRY), TOKEN_BAD_MAC);
	g = f, g.proto = IPPROTO_UDP;
	CHECK_INT(token_check(&t, &kr, &g, EXPIRY), TOKEN_BAD_MAC);
	g = f, g.src[15] ^= 1;
	CHECK_INT(token_check(&t, &kr, &g, EXPIRY), TOKEN_BAD_MAC);
	g = f, g.dst[0] ^= 0x80;
	CHECK_INT(token_check(&t, &kr, &g, EXPIRY), TOKEN_BAD_MAC);
	/* and so are the token's own fields: a later expiry or another uid is a forgery */
	u = t, u.expiry++;
	CHECK_INT(token_check(&u, &kr, &f, EXPIRY), TOKEN_BAD_MAC);
	u = t, u.uid = 1;
	CHECK_INT(token_check(&u, &kr, &f, EXPIRY), TOKEN_BAD_MAC);
	for (unsigned bit = 0; bit < 64; bit++) {
		u = t, u.mac ^= 1ull << bit;
		CHECK_INT(token_check(&u, &kr, &f, EXPIRY), TOKEN_BAD_MAC);
	}
	/* another domain's key id: not ours to judge */
	CHECK(token_from_hex(slice_cstr(V4_NET_TOKEN), &u));
	CHECK_INT(token_check(&u, &kr, &f, EXPIRY), TOKEN_UNKNOWN_KEY);
	/* retired: the same token is refused */
	kr.n = 1;
	CHECK_INT(token_check(&t, &kr, &f, EXPIRY), TOKEN_UNKNOWN_KEY);
}

static void test_hex_parse(void)
{
	struct token t;
	char bad[TOKEN_HEX_LEN + 2];

	CHECK(!token_from_hex(SLICE_LIT(""), &t));
	CHECK(!token_from_hex(slice_make(V4_TCP_TOKEN, TOKEN_HEX_LEN - 1), &t));
	snprintf(bad, sizeof(bad), "%sa", V4_TCP_TOKEN);
	CHECK(!token_from_hex(slice_cstr(bad), &t));
	snprintf(bad, sizeof(bad), "%s", V4_TCP_TOKEN);
	bad[10] = 'g';
	CHECK(!token_from_hex(slice_cstr(bad), &t));
	CHECK(token_from_hex(slice_cstr("93C1BB9F000000016955B9000000000000000000209E0F2AAFF9A7D7"),
			     &t));
}

static void test_ticket(void)
{
	struct keyring kr1 = { .domain = "example.com", .n = 1 };
	struct domain_key knet;
	struct ticket t = { .type = TICKET_OFFER, .id = 0x01020304, .ntokens = 2 }, p;
	uint8_t buf[TICKET_MAX_LEN];
	char out[2 * TICKET_MAX_LEN + 1];
	const char *why;
	int n;

	key(&kr1.keys[0], "example.com", 1, 0);
	key(&knet, "example.net", 7, 0x10);
	t.flow = flow(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080);
	token_make(&t.tokens[0], &kr1.keys[0], &t.flow, EXPIRY, 0);
	token_make(&t.tokens[1], &knet, &t.flow, EXPIRY, 0);
	n = ticket_build(&t, buf, sizeof(buf));
	CHECK_INT(n, TICKET_HDR_LEN + 2 * TOKEN_WIRE_LEN);
	hex(buf, (size_t)n, out);
	CHECK_STR(out, TICKET_TWO);
	CHECK(ticket_is(buf, (size_t)n));
	CHECK(ticket_parse(&p, buf, (size_t)n, &why));
	CHECK(!memcmp(&p.flow, &t.flow, sizeof(p.flow)) && p.id == t.id && p.ntokens == 2);
	/* each M-Box finds its own domain's token and checks it */
	CHECK_INT(token_check(&p.tokens[0], &kr1, &p.flow, EXPIRY), TOKEN_OK);
	CHECK_INT(token_check(&p.tokens[1], &kr1, &p.flow, EXPIRY), TOKEN_UNKNOWN_KEY);
	/* the confirm */
	t.type = TICKET_CONFIRM;
	t.ntokens = 0;
	n = ticket_build(&t, buf, sizeof(buf));
	hex(buf, (size_t)n, out);
	CHECK_STR(out, CONFIRM);
	/* what is refused */
	CHECK(!ticket_parse(&p, buf, (size_t)n - 1, &why));
	CHECK(!ticket_parse(&p, buf, 3, &why));
	buf[0] ^= 1;
	CHECK(!ticket_parse(&p, buf, (size_t)n, &why) && !ticket_is(buf, (size_t)n));
	buf[0] ^= 1;
	buf[5] = 3; /* type */
	CHECK(!ticket_parse(&p, buf, (size_t)n, &why));
	buf[5] = TICKET_CONFIRM;
	buf[6] = 1; /* ICMP */
	CHECK(!ticket_parse(&p, buf, (size_t)n, &why));
	buf[6] = IPPROTO_TCP;
	buf[7] = 1; /* says one token, has none */
	CHECK(!ticket_parse(&p, buf, (size_t)n, &why));
	buf[7] = 0;
	CHECK(ticket_parse(&p, buf, (size_t)n, &why));
	t.ntokens = TICKET_MAX_TOKENS + 1;
	CHECK_INT(ticket_build(&t, buf, sizeof(buf)), -1);
	t.ntokens = 1;
	t.type = TICKET_OFFER;
	CHECK_INT(ticket_build(&t, buf, TICKET_HDR_LEN + TOKEN_WIRE_LEN - 1), -1);
}

/* docs/protocol.md §5's example: one P-Box, 192.0.2.53 port 5060, either transport. */
static const char *const DISCOVERY_ONE = "4e544b4401010100"
					 "00000000000000000000ffffc0000235"
					 "13c40000";

static void test_discovery(void)
{
	struct discovery d, back;
	uint8_t buf[DISCOVERY_MAX_LEN + 8], want[64];
	const char *why;
	int n;

	memset(&d, 0, sizeof(d));
	d.reason = DISCOVERY_NOT_ADMITTED;
	d.npbox = 1;
	flow_addr_parse(slice_cstr("192.0.2.53"), d.pbox[0].addr);
	d.pbox[0].port = 5060;
	n = discovery_build(&d, buf, sizeof(buf));
	CHECK_INT(n, DISCOVERY_HDR_LEN + DISCOVERY_PBOX_LEN);
	CHECK_INT(strlen(DISCOVERY_ONE), 2 * n);
	CHECK(hex_decode(DISCOVERY_ONE, (size_t)n, want));
	CHECK(!memcmp(buf, want, (size_t)n));
	CHECK(discovery_parse(&back, buf, (size_t)n, &why));
	CHECK(back.npbox == 1 && back.pbox[0].port == 5060 && back.pbox[0].proto == 0 &&
	      back.reason == DISCOVERY_NOT_ADMITTED &&
	      !memcmp(back.pbox[0].addr, d.pbox[0].addr, 16));
	/* every way of being wrong is refused, with a reason */
	CHECK(!discovery_parse(&back, buf, (size_t)n - 1, &why) && why);
	buf[n] = 0;
	CHECK(!discovery_parse(&back, buf, (size_t)n + 1, &why) && why);
	CHECK(!discovery_parse(&back, buf, 7, &why) && why);
	buf[0] ^= 1;
	CHECK(!discovery_parse(&back, buf, (size_t)n, &why) && why);
	buf[0] ^= 1;
	buf[4] = 2; /* version */
	CHECK(!discovery_parse(&back, buf, (size_t)n, &why) && why);
	buf[4] = 1;
	buf[5] = 0; /* no P-Box */
	CHECK(!discovery_parse(&back, buf, DISCOVERY_HDR_LEN, &why) && why);
	buf[5] = 1;
	buf[DISCOVERY_HDR_LEN + 16] = buf[DISCOVERY_HDR_LEN + 17] = 0; /* port 0 */
	CHECK(!discovery_parse(&back, buf, (size_t)n, &why) && why);
	buf[DISCOVERY_HDR_LEN + 17] = 1;
	buf[DISCOVERY_HDR_LEN + 18] = 47; /* GRE: not a transport a P-Box speaks */
	CHECK(!discovery_parse(&back, buf, (size_t)n, &why) && why);
	buf[DISCOVERY_HDR_LEN + 18] = IPPROTO_UDP;
	CHECK(discovery_parse(&back, buf, (size_t)n, &why) && back.pbox[0].port == 1);
	/* the most a reply names */
	d.npbox = DISCOVERY_MAX_PBOX;
	for (unsigned i = 1; i < DISCOVERY_MAX_PBOX; i++)
		d.pbox[i] = d.pbox[0];
	CHECK_INT(discovery_build(&d, buf, sizeof(buf)), DISCOVERY_MAX_LEN);
	CHECK(discovery_parse(&back, buf, DISCOVERY_MAX_LEN, &why) &&
	      back.npbox == DISCOVERY_MAX_PBOX);
	d.npbox = DISCOVERY_MAX_PBOX + 1;
	CHECK_INT(discovery_build(&d, buf, sizeof(buf)), -1);
	d.npbox = 0;
	CHECK_INT(discovery_build(&d, buf, sizeof(buf)), -1);
}

static void test_keys_file(void)
{
	char dir[] = "/tmp/test_token.XXXXXX", err[256], path[128];
	struct keyring kr, back;
	struct stat st;
	uint8_t tag[4];

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(keys_load(&kr, dir, err, sizeof(err)), -ENOENT);
	CHECK_INT(keys_new(&kr, "Example.COM", 1000), 0);
	CHECK_INT(kr.n, 1);
	CHECK_INT(keys_domain_tag("example.com", tag), 0);
	CHECK(!memcmp(kr.keys[0].id, tag, 4) && kr.keys[0].id[7] == 1);
	CHECK_INT(keys_save(&kr, dir), 0);
	snprintf(path, sizeof(path), "%s/keys", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(keys_load(&back, dir, err, sizeof(err)), 0);
	CHECK(back.n == 1 && !memcmp(back.keys[0].secret, kr.keys[0].secret, TOKEN_KEY_LEN));
	/* rotation: a new signing key, the old one kept to verify, older ones gone */
	CHECK_INT(keys_rotate(&kr, 2000), 0);
	CHECK(kr.n == 2 && kr.keys[0].serial == 2 && kr.keys[1].serial == 1);
	CHECK(memcmp(kr.keys[0].secret, kr.keys[1].secret, TOKEN_KEY_LEN));
	CHECK_INT(keys_rotate(&kr, 3000), 0);
	CHECK(kr.n == 2 && kr.keys[0].serial == 3 && kr.keys[1].serial == 2);
	CHECK_INT(keys_save(&kr, dir), 0);
	CHECK_INT(keys_load(&back, dir, err, sizeof(err)), 0);
	CHECK(back.n == 2 && back.keys[0].serial == 3 && keys_signing(&back)->serial == 3);
	CHECK(keys_find(&back, kr.keys[1].id) == &back.keys[1]);
	CHECK_INT(keys_retire(&kr, 7), -ENOENT);
	CHECK_INT(keys_retire(&kr, 2), 0);
	CHECK_INT(keys_retire(&kr, 3), -EBUSY); /* never the last one */
	/* a rewrite keeps the owner of the file it replaces (root rotating nobody's keys) */
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, 65534) == 0);
		CHECK_INT(keys_save(&kr, dir), 0);
		CHECK(stat(path, &st) == 0 && st.st_uid == 65534 && st.st_gid == 65534);
	}
	/* a file others can read is refused */
	CHECK(chmod(path, 0644) == 0);
	CHECK_INT(keys_load(&back, dir, err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "chmod 600") != NULL);
	unlink(path);
	rmdir(dir);
}

static void test_keys_parse_errors(void)
{
	static const char *const bad[] = {
		"",
		"domain example.com\n",
		"key 1 0 000102030405060708090a0b0c0d0e0f\n",
		"domain example.com\nkey 0 0 000102030405060708090a0b0c0d0e0f\n",
		"domain example.com\nkey 1 0 000102030405060708090a0b0c0d0e\n",
		"domain example.com\nkey 1 0 000102030405060708090a0b0c0d0e0g\n",
		"domain example.com\nkey 1 0 000102030405060708090a0b0c0d0e0f\n"
		"key 1 0 000102030405060708090a0b0c0d0e0f\n",
		"domain example.com\nkey 1 0 000102030405060708090a0b0c0d0e0f\n"
		"key 2 0 000102030405060708090a0b0c0d0e0f\nkey 3 0 "
		"000102030405060708090a0b0c0d0e0f\n",
		"domain exa mple.com\n",
		"domain a;b\nkey 1 0 000102030405060708090a0b0c0d0e0f\n",
		"domain example.com\nkey -1 0 000102030405060708090a0b0c0d0e0f\n",
		"domain example.com\nkey 4294967296 0 000102030405060708090a0b0c0d0e0f\n",
		"domain example.com\nsecret 1\n",
	};
	struct keyring kr;
	char err[256];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = keys_parse(&kr, bad[i], strlen(bad[i]), err, sizeof(err));

		if (r != -EINVAL)
			fprintf(stderr, "  case %u accepted\n", i);
		CHECK_INT(r, -EINVAL);
		/* the message never echoes a secret */
		CHECK(!strstr(err, "0405060708"));
	}
	static const char good[] =
		"# c\n\ndomain example.com\r\n"
		"key 1 5 000102030405060708090a0b0c0d0e0f\n"
		"key 9 6 101112131415161718191a1b1c1d1e1f"; /* no final newline */

	CHECK_INT(keys_parse(&kr, good, strlen(good), err, sizeof(err)), 0);
	CHECK(kr.n == 2 && kr.keys[0].serial == 9 && kr.keys[0].secret[0] == 0x10);
}

int main(void)
{
	RUN(test_msg_and_mac);
	RUN(test_vectors);
	RUN(test_check);
	RUN(test_hex_parse);
	RUN(test_ticket);
	RUN(test_discovery);
	RUN(test_keys_file);
	RUN(test_keys_parse_errors);
	return check_summary();
}
