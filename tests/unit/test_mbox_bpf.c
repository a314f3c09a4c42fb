// SPDX-License-Identifier: MIT
/*
 * The M-Box's BPF program against packet fixtures, through
 * bpf_prog_test_run_opts (as Katran and xdp-tools test theirs): tickets
 * made with docs/protocol.md's test vectors and keys admit their flow,
 * every kind of bad ticket is dropped with its reason, admitted flows pass
 * both ways and nothing else does, ARP/ND and P-Box signalling pass, IPv6,
 * fragments, truncated headers, discovery replies (built right, never
 * larger than what drew them, rate-limited), and 100,000 random packets
 * that admit nothing and draw nothing larger than themselves. Needs root (BPF); says SKIP
 * otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "mbox.skel.h"
#include "mbox/mbox_kern_user.h"
#include "proto/discovery.h"
#include "proto/keys.h"
#include "proto/ticket.h"

#define EXPIRY 1767225600u /* the vectors' expiry */

static struct mbox_bpf *skel;
static int prog_tc, prog_xdp;

/* The wall clock the program sees: now_unix, whatever the machine's clock says. */
static void set_now(uint32_t now_unix)
{
	struct timespec ts;
	struct mbox_config cfg;
	__u32 zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.config), &zero, &cfg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	cfg.unix_offset_ns =
		(int64_t)now_unix * 1000000000ll - ((int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec);
	bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &cfg, BPF_ANY);
}

static void vector_key(struct domain_key *k, const char *domain, uint32_t serial, uint8_t first)
{
	uint8_t tag[4];

	memset(k, 0, sizeof(*k));
	for (unsigned i = 0; i < TOKEN_KEY_LEN; i++)
		k->secret[i] = (uint8_t)(first + i);
	k->serial = serial;
	keys_domain_tag(domain, tag);
	memcpy(k->id, tag, 4);
	k->id[4] = (uint8_t)(serial >> 24);
	k->id[5] = (uint8_t)(serial >> 16);
	k->id[6] = (uint8_t)(serial >> 8);
	k->id[7] = (uint8_t)serial;
}

static void slot(unsigned s, const struct domain_key *k)
{
	struct mbox_key mk;

	memcpy(mk.id, k->id, 8);
	memcpy(&mk.k0, k->secret, 8);
	memcpy(&mk.k1, k->secret + 8, 8);
	bpf_map_update_elem(bpf_map__fd(skel->maps.keys), &s, &mk, BPF_ANY);
}

static void set_mask(uint32_t mask)
{
	struct mbox_config cfg;
	__u32 zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.config), &zero, &cfg);
	cfg.key_mask = mask;
	bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &cfg, BPF_ANY);
}

static uint64_t counter(enum mbox_counter c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[1024], sum = 0;
	__u32 key = c;

	if (ncpu <= 0 || ncpu > 1024 ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &key, v) < 0)
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static void flush_flows(void)
{
	int fd = bpf_map__fd(skel->maps.flows);
	struct mbox_flow_key k;

	while (bpf_map_get_next_key(fd, NULL, &k) == 0)
		bpf_map_delete_elem(fd, &k);
}

/* ---- packets ---- */

struct frame {
	uint8_t b[2048];
	size_t len;
};

static void addr(const char *text, uint8_t out[16])
{
	flow_addr_parse(slice_cstr(text), out);
}

/* Ethernet, IPv4 or IPv6 (by the addresses), then proto's header and payload. */
static struct frame pkt(uint8_t proto, const char *src, uint16_t sport, const char *dst,
			uint16_t dport, const void *payload, size_t plen)
{
	struct frame f = { 0 };
	uint8_t s[16], d[16], *p;
	bool v4;
	size_t l4len = (proto == IPPROTO_TCP ? 20 : 8) + plen;

	addr(src, s);
	addr(dst, d);
	v4 = flow_addr_is_v4(s);
	memset(f.b, 0xaa, 12);
	f.b[12] = v4 ? 0x08 : 0x86;
	f.b[13] = v4 ? 0x00 : 0xdd;
	p = f.b + 14;
	if (v4) {
		uint16_t tot = htons((uint16_t)(20 + l4len));

		p[0] = 0x45;
		memcpy(p + 2, &tot, 2);
		p[8] = 64;
		p[9] = proto;
		memcpy(p + 12, s + 12, 4);
		memcpy(p + 16, d + 12, 4);
		p += 20;
	} else {
		uint16_t pl = htons((uint16_t)l4len);

		p[0] = 0x60;
		memcpy(p + 4, &pl, 2);
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, s, 16);
		memcpy(p + 24, d, 16);
		p += 40;
	}
	sport = htons(sport);
	dport = htons(dport);
	memcpy(p, &sport, 2);
	memcpy(p + 2, &dport, 2);
	if (proto == IPPROTO_UDP) {
		uint16_t ul = htons((uint16_t)l4len);

		memcpy(p + 4, &ul, 2);
		p += 8;
	} else {
		p[12] = 0x50;
		p[13] = 0x02; /* SYN */
		p += 20;
	}
	if (plen)
		memcpy(p, payload, plen);
	f.len = (size_t)(p - f.b) + plen;
	return f;
}

static int run(int prog, const struct frame *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(prog, &opts) < 0)
		return -errno;
	return (int)opts.retval;
}

/* Run, keeping what the program made of the packet (a discovery reply) in out. */
static int run_out(int prog, const struct frame *f, struct frame *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);

	if (bpf_prog_test_run_opts(prog, &opts) < 0)
		return -errno;
	out->len = opts.data_size_out;
	return (int)opts.retval;
}

static bool passes(const struct frame *f)
{
	return run(prog_tc, f) == TC_ACT_OK;
}

/* A ticket for the flow, with a token of each key given. */
static struct frame ticket_pkt(uint8_t proto, const char *src, uint16_t sport, const char *dst,
			       uint16_t dport, const struct domain_key *const *k, unsigned nk,
			       uint32_t expiry, uint8_t type, const char *from, uint16_t fromport)
{
	struct ticket t = { .type = type, .id = 0x01020304, .ntokens = nk };
	uint8_t buf[TICKET_MAX_LEN];
	int n;

	t.flow.proto = proto;
	addr(src, t.flow.src);
	addr(dst, t.flow.dst);
	t.flow.sport = sport;
	t.flow.dport = dport;
	for (unsigned i = 0; i < nk; i++)
		token_make(&t.tokens[i], k[i], &t.flow, expiry, 0);
	n = ticket_build(&t, buf, sizeof(buf));
	if (type == TICKET_CONFIRM) /* it travels back: from the flow's destination */
		return pkt(IPPROTO_UDP, from ? from : dst, from ? fromport : dport, src, sport, buf,
			   (size_t)n);
	return pkt(IPPROTO_UDP, from ? from : src, from ? fromport : sport, dst, dport, buf,
		   (size_t)n);
}

static struct domain_key k1, k2, knet;

static void test_l2_and_signalling(void)
{
	struct frame arp = { .len = 42 }, ns;
	uint8_t icmp[24] = { 135 };

	memset(arp.b, 0xff, 12);
	arp.b[12] = 0x08;
	arp.b[13] = 0x06;
	CHECK(passes(&arp));
	ns = pkt(IPPROTO_ICMPV6, "fe80::1", 0, "ff02::1:ff00:2", 0, icmp, sizeof(icmp));
	/* pkt() wrote ports over the ICMPv6 header: put the type back */
	ns.b[14 + 40] = 135;
	CHECK(passes(&ns));
	CHECK(counter(MBOX_PASS_L2) == 2);
	/* signalling with our P-Box passes, both ways; another port of it does not */
	struct frame sip = pkt(IPPROTO_UDP, "192.0.2.10", 5070, "192.0.2.53", 5060, "x", 1);
	struct frame back = pkt(IPPROTO_UDP, "192.0.2.53", 5060, "192.0.2.10", 5070, "x", 1);
	struct frame other = pkt(IPPROTO_UDP, "192.0.2.10", 5070, "192.0.2.53", 5061, "x", 1);

	CHECK(passes(&sip) && passes(&back) && !passes(&other));
	CHECK(counter(MBOX_PASS_PBOX) == 2);
}

static void test_ticket_admits(void)
{
	const struct domain_key *both[] = { &knet, &k1 };
	struct frame syn = pkt(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080, NULL, 0);
	struct frame synack = pkt(IPPROTO_TCP, "198.51.100.20", 8080, "192.0.2.10", 40000, NULL, 0);
	struct frame other = pkt(IPPROTO_TCP, "192.0.2.10", 40001, "198.51.100.20", 8080, NULL, 0);
	struct frame t = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080, both,
				    2, EXPIRY, TICKET_OFFER, NULL, 0);
	uint64_t admitted = counter(MBOX_TICKET_ADMIT);

	CHECK(!passes(&syn)); /* default off */
	CHECK(counter(MBOX_DROP_NOT_ADMITTED) >= 1);
	CHECK(passes(&t)); /* the ticket: admitted, and passed on */
	CHECK(counter(MBOX_TICKET_ADMIT) == admitted + 1);
	CHECK(passes(&syn) && passes(&synack)); /* both directions */
	CHECK(!passes(&other));			/* exactly that 5-tuple */
	/* its confirm comes back through the path it opened */
	struct frame conf = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080,
				       NULL, 0, EXPIRY, TICKET_CONFIRM, NULL, 0);
	CHECK(passes(&conf));
	/* ... and the XDP program gives the same verdicts */
	CHECK(run(prog_xdp, &syn) == XDP_PASS && run(prog_xdp, &other) == XDP_DROP);
}

/* The test vector's ticket bytes, as docs/protocol.md prints them, admit too. */
static void test_protocol_vector(void)
{
	static const char hex[] = "4e544b540101060200000000000000000000ffffc000020a0000000000000000"
				  "0000ffffc63364149c401f90"
				  "0102030493c1bb9f000000016955b9000000000000000000209e0f2aaff9a7d7"
				  "45731e01000000076955b900"
				  "000000000000000091aeb8760e1f35d3";
	uint8_t b[TICKET_MAX_LEN];
	uint64_t admitted;
	struct frame f;

	for (size_t i = 0; i < sizeof(hex) / 2; i++)
		sscanf(hex + 2 * i, "%2hhx", &b[i]);
	/* an empty table: the vector's flow is the one test_ticket_admits admitted */
	flush_flows();
	admitted = counter(MBOX_TICKET_ADMIT);
	f = pkt(IPPROTO_UDP, "192.0.2.10", 40000, "198.51.100.20", 8080, b, sizeof(hex) / 2);
	CHECK(passes(&f));
	CHECK(counter(MBOX_TICKET_ADMIT) == admitted + 1);
}

static void test_bad_tickets(void)
{
	const struct domain_key *ours[] = { &k1 }, *theirs[] = { &knet }, *retired[] = { &k2 };
	struct frame f;
	uint64_t before;

	/* from another source: a copy replayed elsewhere */
	before = counter(MBOX_DROP_TICKET_WRONG_PATH);
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, ours, 1, EXPIRY,
		       TICKET_OFFER, "192.0.2.99", 41000);
	CHECK(!passes(&f) && counter(MBOX_DROP_TICKET_WRONG_PATH) == before + 1);
	/* from the right address but another port */
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, ours, 1, EXPIRY,
		       TICKET_OFFER, "192.0.2.10", 41001);
	CHECK(!passes(&f) && counter(MBOX_DROP_TICKET_WRONG_PATH) == before + 2);
	/* forged: one bit of the MAC */
	before = counter(MBOX_DROP_TICKET_BAD_MAC);
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, ours, 1, EXPIRY,
		       TICKET_OFFER, NULL, 0);
	f.b[f.len - 1] ^= 1;
	CHECK(!passes(&f) && counter(MBOX_DROP_TICKET_BAD_MAC) == before + 1);
	/* a later expiry than the token was made with */
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, ours, 1, EXPIRY,
		       TICKET_OFFER, NULL, 0);
	f.b[f.len - 28 + 11] ^= 1;
	CHECK(!passes(&f) && counter(MBOX_DROP_TICKET_BAD_MAC) == before + 2);
	/* another domain's token only */
	before = counter(MBOX_DROP_TICKET_NO_TOKEN);
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, theirs, 1, EXPIRY,
		       TICKET_OFFER, NULL, 0);
	CHECK(!passes(&f) && counter(MBOX_DROP_TICKET_NO_TOKEN) == before + 1);
	/* our domain, a key that is not live */
	before = counter(MBOX_DROP_TICKET_UNKNOWN_KEY);
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, retired, 1, EXPIRY,
		       TICKET_OFFER, NULL, 0);
	CHECK(!passes(&f) && counter(MBOX_DROP_TICKET_UNKNOWN_KEY) == before + 1);
	/* expired */
	before = counter(MBOX_DROP_TICKET_EXPIRED);
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, ours, 1, EXPIRY - 1,
		       TICKET_OFFER, NULL, 0);
	set_now(EXPIRY);
	CHECK(!passes(&f) && counter(MBOX_DROP_TICKET_EXPIRED) == before + 1);
	set_now(EXPIRY - 600);
	/* malformed: a length that disagrees with the token count */
	before = counter(MBOX_DROP_TICKET_MALFORMED);
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, ours, 1, EXPIRY,
		       TICKET_OFFER, NULL, 0);
	f.len--;
	CHECK(!passes(&f) && counter(MBOX_DROP_TICKET_MALFORMED) == before + 1);
	/* none of them admitted their flow */
	f = pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, NULL, 0);
	CHECK(!passes(&f));
	/* a confirm for a flow never admitted */
	before = counter(MBOX_DROP_CONFIRM_UNKNOWN);
	f = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 41000, "198.51.100.20", 8080, NULL, 0, EXPIRY,
		       TICKET_CONFIRM, NULL, 0);
	CHECK(!passes(&f) && counter(MBOX_DROP_CONFIRM_UNKNOWN) == before + 1);
}

static void test_ipv6_and_rotation(void)
{
	const struct domain_key *newkey[] = { &k2 }, *oldkey[] = { &k1 };
	struct frame t, d1, d2, old;

	/* rotation: key 2 made live beside key 1 */
	slot(1, &k2);
	set_mask(3);
	t = ticket_pkt(IPPROTO_UDP, "2001:db8::1", 5000, "2001:db8::2", 6000, newkey, 1, EXPIRY,
		       TICKET_OFFER, NULL, 0);
	d1 = pkt(IPPROTO_UDP, "2001:db8::1", 5000, "2001:db8::2", 6000, "data", 4);
	d2 = pkt(IPPROTO_UDP, "2001:db8::2", 6000, "2001:db8::1", 5000, "back", 4);
	CHECK(!passes(&d1));
	CHECK(passes(&t));
	CHECK(passes(&d1) && passes(&d2));
	/* key 1 retired: a flow it admitted stays, a new ticket of it does not */
	set_mask(2);
	old = pkt(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080, NULL, 0);
	CHECK(passes(&old));
	t = ticket_pkt(IPPROTO_TCP, "192.0.2.10", 42000, "198.51.100.20", 8080, oldkey, 1, EXPIRY,
		       TICKET_OFFER, NULL, 0);
	CHECK(!passes(&t));
	set_mask(3);
}

static void test_fragments_and_truncation(void)
{
	struct frame f = pkt(IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.20", 8080, NULL, 0);
	struct frame g = f;
	uint64_t frag = counter(MBOX_DROP_FRAGMENT), bad = counter(MBOX_DROP_MALFORMED);

	/* a fragment of an admitted flow is still a fragment: no ports to check */
	g.b[14 + 6] = 0x20; /* MF */
	CHECK(!passes(&g));
	g = f;
	g.b[14 + 7] = 0x10; /* an offset */
	CHECK(!passes(&g));
	struct frame v6 = pkt(IPPROTO_UDP, "2001:db8::1", 5000, "2001:db8::2", 6000, "x", 1);

	v6.b[14 + 6] = 44; /* next header: fragment */
	CHECK(!passes(&v6));
	CHECK(counter(MBOX_DROP_FRAGMENT) == frag + 3);
	/* every cut of an admitted flow's packet short of its ports is malformed, not passed */
	for (size_t len = 0; len < f.len; len++) {
		g = f;
		g.len = len;
		if (len < 14 + 20 + 4)
			CHECK(!passes(&g));
	}
	CHECK(counter(MBOX_DROP_MALFORMED) > bad);
	/* IPv4 options: the header length is honoured */
	g = f;
	CHECK(passes(&g));
}

static void set_discovery(uint32_t per_s)
{
	struct mbox_config cfg;
	__u32 zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.config), &zero, &cfg);
	cfg.discovery_per_s = per_s;
	bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &cfg, BPF_ANY);
}

/* The Internet checksum of n bytes, summed on top of sum. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A TCP SYN as Linux sends one: 20 bytes of options after the header. */
static struct frame syn_with_options(const char *src, const char *dst)
{
	static const uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10 };
	struct frame f = pkt(IPPROTO_TCP, src, 40000, dst, 8080, opts, sizeof(opts));
	size_t l4 = f.len - 40;

	f.b[l4 + 12] = 0xa0; /* data offset: 40 bytes */
	return f;
}

/*
 * Check a discovery reply to request q: addresses, ports and MACs swapped,
 * both checksums right, and the P-Box of the configuration named.
 */
static void check_reply(const struct frame *q, const struct frame *r, bool v6)
{
	size_t ip = 14, udp = ip + (v6 ? 40 : 20), d = udp + 8;
	size_t qudp = ip + (v6 ? 40 : (size_t)(q->b[ip] & 15) * 4);
	uint8_t want[16];

	CHECK_INT(r->len, d + 8 + 20);
	CHECK(r->len <= q->len);
	CHECK(!memcmp(r->b, q->b + 6, 6) && !memcmp(r->b + 6, q->b, 6));
	if (v6) {
		CHECK(r->b[ip] >> 4 == 6 && r->b[ip + 6] == IPPROTO_UDP);
		CHECK(!memcmp(r->b + ip + 8, q->b + ip + 24, 16)); /* from where it was going */
		CHECK(!memcmp(r->b + ip + 24, q->b + ip + 8, 16)); /* to where it came from */
	} else {
		CHECK(r->b[ip] == 0x45 && r->b[ip + 9] == IPPROTO_UDP);
		CHECK_INT(r->b[ip + 2] << 8 | r->b[ip + 3], r->len - 14);
		CHECK(fold(sum16(0, r->b + ip, 20)) == 0);
		CHECK(!memcmp(r->b + ip + 12, q->b + ip + 16, 4));
		CHECK(!memcmp(r->b + ip + 16, q->b + ip + 12, 4));
	}
	CHECK(!memcmp(r->b + udp, q->b + qudp + 2, 2) && !memcmp(r->b + udp + 2, q->b + qudp, 2));
	CHECK_INT(r->b[udp + 4] << 8 | r->b[udp + 5], r->len - udp);
	/* the UDP checksum over the pseudo-header and the datagram comes out right */
	uint32_t sum = v6 ? sum16(0, r->b + ip + 8, 32) : sum16(0, r->b + ip + 12, 8);
	sum += IPPROTO_UDP + (uint32_t)(r->len - udp);
	CHECK(r->b[udp + 6] | r->b[udp + 7]);
	CHECK(fold(sum16(sum, r->b + udp, r->len - udp)) == 0);
	CHECK(!memcmp(r->b + d, "NTKD", 4));
	CHECK(r->b[d + 4] == DISCOVERY_VERSION && r->b[d + 5] == 1 &&
	      r->b[d + 6] == DISCOVERY_NOT_ADMITTED);
	addr("192.0.2.53", want);
	CHECK(!memcmp(r->b + d + 8, want, 16));
	CHECK(r->b[d + 24] == 0x13 && r->b[d + 25] == 0xc4 && r->b[d + 26] == IPPROTO_UDP);
	/* and what an endpoint reads of it */
	struct discovery got;
	const char *why;

	CHECK(discovery_parse(&got, r->b + d, r->len - d, &why));
	CHECK(got.npbox == 1 && got.pbox[0].port == 5060 && !memcmp(got.pbox[0].addr, want, 16));
}

/* Keep this thread on one CPU: the reply limit is per CPU. */
static void pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A packet dropped for want of a flow draws a reply naming the P-Box; tc and XDP alike. */
static void test_discovery_reply(void)
{
	struct frame q4 = syn_with_options("192.0.2.99", "198.51.100.20");
	struct frame q6 = syn_with_options("2001:db8::99", "2001:db8:1::20");
	struct frame u = pkt(IPPROTO_UDP, "192.0.2.99", 5555, "198.51.100.20", 9999, q4.b, 60);
	struct frame r;
	uint64_t sent = counter(MBOX_DISCOVERY_SENT);

	set_discovery(1000);
	memcpy(q4.b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	memcpy(q6.b, q4.b, 12);
	CHECK_INT(run_out(prog_tc, &q4, &r), TC_ACT_REDIRECT);
	check_reply(&q4, &r, false);
	CHECK_INT(run_out(prog_tc, &q6, &r), TC_ACT_REDIRECT);
	check_reply(&q6, &r, true);
	CHECK_INT(run_out(prog_xdp, &q4, &r), XDP_TX);
	check_reply(&q4, &r, false);
	CHECK_INT(run_out(prog_xdp, &q6, &r), XDP_TX);
	check_reply(&q6, &r, true);
	memcpy(u.b, q4.b, 12);
	CHECK_INT(run_out(prog_tc, &u, &r), TC_ACT_REDIRECT);
	check_reply(&u, &r, false);
	CHECK_INT(counter(MBOX_DISCOVERY_SENT), sent + 5);
	set_discovery(0);
}

/* No reply that would be larger than its cause, nor to or from group addresses, nor when off. */
static void test_discovery_refused(void)
{
	struct frame bare = pkt(IPPROTO_TCP, "192.0.2.99", 40000, "198.51.100.20", 8080, NULL, 0);
	struct frame q4 = syn_with_options("192.0.2.99", "198.51.100.20");
	struct frame mc = syn_with_options("192.0.2.99", "224.0.0.9");
	struct frame bc = syn_with_options("192.0.2.99", "255.255.255.255");
	struct frame mc6 = syn_with_options("2001:db8::99", "ff02::1");
	struct frame r;
	uint64_t sent = counter(MBOX_DISCOVERY_SENT);

	memcpy(q4.b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	CHECK_INT(run_out(prog_tc, &q4, &r), TC_ACT_SHOT); /* discovery_per_s = 0: off */
	set_discovery(1000);
	CHECK_INT(run_out(prog_tc, &bare, &r),
		  TC_ACT_SHOT); /* 54 bytes: a 70-byte reply would not fit */
	CHECK_INT(run_out(prog_xdp, &bare, &r), XDP_DROP);
	CHECK_INT(run_out(prog_tc, &mc, &r), TC_ACT_SHOT);
	CHECK_INT(run_out(prog_tc, &bc, &r), TC_ACT_SHOT);
	CHECK_INT(run_out(prog_tc, &mc6, &r), TC_ACT_SHOT);
	/* a source MAC with the group bit */
	q4.b[6] = 0x01;
	CHECK_INT(run_out(prog_tc, &q4, &r), TC_ACT_SHOT);
	CHECK_INT(counter(MBOX_DISCOVERY_SENT), sent);
	set_discovery(0);
}

/* At most discovery_per_s replies a second on one CPU. */
static void test_discovery_rate(void)
{
	struct frame q4 = syn_with_options("192.0.2.99", "198.51.100.20"), r;
	struct frame bare = pkt(IPPROTO_TCP, "192.0.2.99", 40000, "198.51.100.20", 8080, NULL, 0);
	bool checked = false;

	pin_cpu();
	memcpy(q4.b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	set_discovery(3);
	/* bounded retries, for the one case a second boundary falls inside the burst */
	for (int attempt = 0; attempt < 3 && !checked; attempt++) {
		struct timespec a, b;
		int replies = 0;

		/* start at the top of a second (the program's clock): a budget not yet touched */
		clock_gettime(CLOCK_MONOTONIC, &a);
		usleep((useconds_t)((1000000000 - a.tv_nsec) / 1000 + 2000));
		clock_gettime(CLOCK_MONOTONIC, &a);
		/* packets too small for a reply spend none of the budget */
		for (int i = 0; i < 10; i++)
			CHECK(run_out(prog_tc, &bare, &r) == TC_ACT_SHOT);
		for (int i = 0; i < 10; i++)
			replies += run_out(prog_tc, &q4, &r) == TC_ACT_REDIRECT;
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (a.tv_sec != b.tv_sec)
			continue;
		CHECK_INT(replies, 3);
		checked = true;
	}
	CHECK(checked);
	set_discovery(0);
}

/* What passed for a reason other than layer 2 (ARP, IPv6 neighbour discovery). */
static uint64_t passed_above_l2(void)
{
	return counter(MBOX_PASS_FLOW) + counter(MBOX_PASS_PBOX) + counter(MBOX_PASS_ALLOW) +
	       counter(MBOX_PASS_CONFIRM) + counter(MBOX_TICKET_ADMIT);
}

/* Random bytes never admit anything, nor pass but as layer 2. */
static void test_random(void)
{
	uint64_t admitted = counter(MBOX_TICKET_ADMIT), above = passed_above_l2();
	unsigned seed = 12345, larger = 0;

	set_discovery(1000000000); /* every drop may draw a reply: none may be larger */
	for (int i = 0; i < 100000; i++) {
		struct frame f;

		f.len = 14 + (size_t)(rand_r(&seed) % 300);
		for (size_t k = 0; k < f.len; k++)
			f.b[k] = (uint8_t)rand_r(&seed);
		/* most of them IP, and half of those UDP with a ticket's magic, to reach the ticket
		 * code */
		if (i % 4) {
			f.b[12] = i % 2 ? 0x08 : 0x86;
			f.b[13] = i % 2 ? 0x00 : 0xdd;
			f.b[14] = i % 2 ? 0x45 : 0x60;
			if (i % 8 < 4) {
				size_t l4 = 14 + (i % 2 ? 20 : 40);

				f.b[14 + (i % 2 ? 9 : 6)] = IPPROTO_UDP;
				if (i % 2)
					f.b[14 + 6] = f.b[14 + 7] = 0; /* not a fragment */
				if (f.len > l4 + 12) {
					f.b[l4 + 8] = 'N', f.b[l4 + 9] = 'T', f.b[l4 + 10] = 'K',
						 f.b[l4 + 11] = 'T';
				}
			}
		}
		struct frame out;
		int v = run_out(prog_tc, &f, &out);

		if (v == TC_ACT_REDIRECT && out.len > f.len)
			larger++;
	}
	set_discovery(0);
	CHECK(larger == 0);
	CHECK(counter(MBOX_TICKET_ADMIT) == admitted);
	CHECK(passed_above_l2() == above);
}

int main(void)
{
	struct mbox_config cfg = { 0 };
	__u32 zero = 0;

	if (geteuid() != 0) {
		printf("SKIP: loading BPF programs needs root\n0 passed, 0 failed\n");
		return 0;
	}
	libbpf_set_print(NULL);
	skel = mbox_bpf__open_and_load();
	if (!skel) {
		printf("FAIL: cannot load mbox.bpf.o: %s\n0 passed, 1 failed\n", strerror(errno));
		return 1;
	}
	prog_tc = bpf_program__fd(skel->progs.mbox_tc);
	prog_xdp = bpf_program__fd(skel->progs.mbox_xdp);
	vector_key(&k1, "example.com", 1, 0);
	vector_key(&k2, "example.com", 2, 0);
	vector_key(&knet, "example.net", 7, 0x10);
	keys_domain_tag("example.com", cfg.domain_tag);
	cfg.key_mask = 1;
	cfg.idle_timeout_s = 60;
	cfg.max_lifetime_s = 3600;
	cfg.npbox = 1;
	addr("192.0.2.53", cfg.pbox[0].addr);
	cfg.pbox[0].port = htons(5060);
	cfg.pbox[0].proto = IPPROTO_UDP;
	bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &cfg, BPF_ANY);
	slot(0, &k1);
	set_now(EXPIRY - 600);
	RUN(test_l2_and_signalling);
	RUN(test_ticket_admits);
	RUN(test_protocol_vector);
	RUN(test_bad_tickets);
	RUN(test_ipv6_and_rotation);
	RUN(test_fragments_and_truncation);
	RUN(test_discovery_reply);
	RUN(test_discovery_refused);
	RUN(test_discovery_rate);
	RUN(test_random);
	mbox_bpf__destroy(skel);
	return check_summary();
}
