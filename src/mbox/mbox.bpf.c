// SPDX-License-Identifier: MIT
/*
 * The M-Box's data plane (docs/mbox.md): default off. A packet passes when
 * it is ARP or IPv6 neighbour discovery, signalling to or from one of the
 * domain's P-Boxes, traffic of an --allow service, a packet of a flow a
 * ticket admitted (either direction), or a ticket whose token for this
 * domain verifies; everything else is dropped and counted by reason.
 *
 * A ticket (docs/protocol.md §4) names its flow's 5-tuple and carries one
 * token per domain. Ours is found by the domain tag of its key id and
 * checked here, statelessly: SipHash-2-4 under a live key over the 64
 * bytes of token_msg, expiry against the wall clock, the ticket sent from
 * the flow's source to its destination. A good one admits the 5-tuple
 * (both directions) into the flow table and goes on, for the next M-Box
 * and the responder.
 *
 * One verdict function, two attach points: tc (clsact ingress) and XDP.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "core/siphash.h"
#include "mbox/mbox_kern_user.h"
#include "proto/wire.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* The configuration: written by nutss-mboxd, read on every packet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mbox_config);
} config SEC(".maps");

/* The domain's keys, in slots; config.key_mask says which are live. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MBOX_KEY_SLOTS);
	__type(key, __u32);
	__type(value, struct mbox_key);
} keys SEC(".maps");

/* Admitted flows, both directions in one entry; the least recently used go first when full. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MBOX_FLOWS_DEFAULT);
	__type(key, struct mbox_flow_key);
	__type(value, struct mbox_flow);
} flows SEC(".maps");

/* What happened to each packet, per CPU (enum mbox_counter). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MBOX_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Discovery replies sent in the current second, per CPU: the rate limit. */
struct discovery_rate {
	__u64 second;
	__u32 sent;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct discovery_rate);
} discovery_rate SEC(".maps");

enum verdict { PASS, DROP, DISCOVER };

/* What a discovery reply needs of the packet that draws it, saved before the packet is rewritten.
 */
struct reply_info {
	__u8 src[16], dst[16];
	__be16 sport, dport;
	__u8 mac_src[6], mac_dst[6];
	bool v6;
};

static __always_inline enum verdict count(__u32 c, enum verdict v)
{
	__u64 *n = bpf_map_lookup_elem(&counters, &c);

	if (n)
		*n += 1;
	return v;
}

/* What the verdict works on: the addresses as 16 bytes, ports in network order. */
struct pkt {
	__u8 proto;
	__u8 src[16], dst[16];
	__be16 sport, dport;
	void *l4_payload; /* UDP: the payload; else NULL */
};

static __always_inline void mapped4(__u8 out[16], __be32 a)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &a, 4);
}

static __always_inline int cmp16(const __u8 *a, const __u8 *b)
{
#pragma unroll
	for (int i = 0; i < 16; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static __always_inline bool eq16(const __u8 *a, const __u8 *b)
{
	return cmp16(a, b) == 0;
}

/* n bytes equal (n a constant: the loop unrolls; __builtin_memcmp would be a call to memcmp) */
static __always_inline bool eqn(const __u8 *a, const __u8 *b, int n)
{
	__u8 diff = 0;

#pragma unroll
	for (int i = 0; i < 8; i++)
		if (i < n)
			diff |= a[i] ^ b[i];
	return !diff;
}

/* The flow's table key: the lower (address, port) first, so both directions meet. */
static __always_inline void flow_key(struct mbox_flow_key *k, __u8 proto, const __u8 *x, __be16 px,
				     const __u8 *y, __be16 py)
{
	int c = cmp16(x, y);
	bool swap = c > 0 || (c == 0 && bpf_ntohs(px) > bpf_ntohs(py));

	__builtin_memset(k, 0, sizeof(*k));
	k->proto = proto;
	if (swap) {
		__builtin_memcpy(k->a, y, 16);
		__builtin_memcpy(k->b, x, 16);
		k->pa = py;
		k->pb = px;
	} else {
		__builtin_memcpy(k->a, x, 16);
		__builtin_memcpy(k->b, y, 16);
		k->pa = px;
		k->pb = py;
	}
}

static __always_inline bool endpoint_is(const struct mbox_endpoint *e, __u8 proto, const __u8 *addr,
					__be16 port)
{
	return (!e->proto || e->proto == proto) && e->port == port && eq16(e->addr, addr);
}

/* Signalling with a P-Box of ours, or an --allow service, either way. */
static __always_inline int rule(const struct mbox_config *cfg, const struct pkt *p)
{
#pragma unroll
	for (int i = 0; i < MBOX_MAX_PBOX; i++) {
		if (i >= cfg->npbox)
			break;
		if (endpoint_is(&cfg->pbox[i], p->proto, p->dst, p->dport) ||
		    endpoint_is(&cfg->pbox[i], p->proto, p->src, p->sport))
			return MBOX_PASS_PBOX;
	}
#pragma unroll
	for (int i = 0; i < MBOX_MAX_ALLOW; i++) {
		if (i >= cfg->nallow)
			break;
		if (endpoint_is(&cfg->allow[i], p->proto, p->dst, p->dport) ||
		    endpoint_is(&cfg->allow[i], p->proto, p->src, p->sport))
			return MBOX_PASS_ALLOW;
	}
	return -1;
}

static __always_inline __u64 unix_seconds(const struct mbox_config *cfg, __u64 now_ns)
{
	return (__u64)((__s64)now_ns + cfg->unix_offset_ns) / 1000000000ull;
}

/* A live key with this id, or NULL. */
static __always_inline const struct mbox_key *key_of(const struct mbox_config *cfg, const __u8 *id)
{
#pragma unroll
	for (__u32 s = 0; s < MBOX_KEY_SLOTS; s++) {
		__u32 slot = s;
		const struct mbox_key *k;

		if (!(cfg->key_mask & (1u << s)))
			continue;
		k = bpf_map_lookup_elem(&keys, &slot);
		if (k && eqn(k->id, id, 8))
			return k;
	}
	return NULL;
}

/*
 * A ticket (UDP payload at p->l4_payload): admit its flow, or say why not.
 * Returns the counter; the verdict follows from it.
 */
static __always_inline int ticket(const struct mbox_config *cfg, const struct pkt *p,
				  void *data_end, __u64 now_ns)
{
	struct ticket_hdr *h = p->l4_payload;
	struct token_wire *t = NULL;
	struct token_msg m __attribute__((aligned(8)));
	const struct mbox_key *k;
	struct mbox_flow_key fk;
	struct mbox_flow f = {};
	__u64 mac;

	if ((void *)(h + 1) > data_end || h->version != TICKET_VERSION ||
	    (h->proto != IPPROTO_TCP && h->proto != IPPROTO_UDP) || h->ntokens > TICKET_MAX_TOKENS)
		return MBOX_DROP_TICKET_MALFORMED;
	if ((void *)h + TICKET_HDR_LEN + h->ntokens * TOKEN_WIRE_LEN != data_end)
		return MBOX_DROP_TICKET_MALFORMED;
	if (h->type == TICKET_CONFIRM) {
		/* from the flow's destination to its source, for a flow we admitted */
		if (!eq16(h->dst, p->src) || !eq16(h->src, p->dst) || h->dport != p->sport ||
		    h->sport != p->dport)
			return MBOX_DROP_TICKET_WRONG_PATH;
		flow_key(&fk, h->proto, h->src, h->sport, h->dst, h->dport);
		return bpf_map_lookup_elem(&flows, &fk) ? MBOX_PASS_CONFIRM
							: MBOX_DROP_CONFIRM_UNKNOWN;
	}
	if (h->type != TICKET_OFFER)
		return MBOX_DROP_TICKET_MALFORMED;
	/* sent from the flow's source to its destination: a copy from anywhere else is nothing */
	if (!eq16(h->src, p->src) || !eq16(h->dst, p->dst) || h->sport != p->sport ||
	    h->dport != p->dport)
		return MBOX_DROP_TICKET_WRONG_PATH;
		/* our domain's token, by the tag of its key id */
#pragma unroll
	for (int i = 0; i < TICKET_MAX_TOKENS; i++) {
		struct token_wire *c = (void *)h + TICKET_HDR_LEN + i * TOKEN_WIRE_LEN;

		if (i >= h->ntokens || (void *)(c + 1) > data_end)
			break;
		if (eqn(c->key_id, cfg->domain_tag, 4)) {
			t = c;
			break;
		}
	}
	if (!t)
		return MBOX_DROP_TICKET_NO_TOKEN;
	k = key_of(cfg, t->key_id);
	if (!k)
		return MBOX_DROP_TICKET_UNKNOWN_KEY;
	__builtin_memset(&m, 0, sizeof(m));
	__builtin_memcpy(m.key_id, t->key_id, 8);
	m.expiry = t->expiry;
	m.proto = h->proto;
	m.version = TOKEN_VERSION;
	__builtin_memcpy(m.src, h->src, 16);
	__builtin_memcpy(m.dst, h->dst, 16);
	m.sport = h->sport;
	m.dport = h->dport;
	m.uid = t->uid;
	__builtin_memcpy(&mac, t->mac, 8);
	/* the whole 64-bit word at once: no early exit on the first differing byte */
	if (siphash24_64(k->k0, k->k1, (const __u64 *)&m) ^ mac)
		return MBOX_DROP_TICKET_BAD_MAC;
	if (unix_seconds(cfg, now_ns) > bpf_ntohl(t->expiry))
		return MBOX_DROP_TICKET_EXPIRED;
	flow_key(&fk, h->proto, h->src, h->sport, h->dst, h->dport);
	f.admitted_ns = f.last_ns = now_ns;
	f.key_serial = bpf_ntohl(*(__be32 *)(t->key_id + 4));
	bpf_map_update_elem(&flows, &fk, &f, BPF_ANY);
	return MBOX_TICKET_ADMIT;
}

/* An admitted flow's packet: counted as its, or its time ran out. */
static __always_inline int admitted(const struct mbox_config *cfg, const struct pkt *p,
				    __u64 now_ns)
{
	struct mbox_flow_key fk;
	struct mbox_flow *f;

	flow_key(&fk, p->proto, p->src, p->sport, p->dst, p->dport);
	f = bpf_map_lookup_elem(&flows, &fk);
	if (!f)
		return -1;
	if (now_ns - f->last_ns > (__u64)cfg->idle_timeout_s * 1000000000ull ||
	    now_ns - f->admitted_ns > (__u64)cfg->max_lifetime_s * 1000000000ull) {
		bpf_map_delete_elem(&flows, &fk);
		return MBOX_DROP_EXPIRED_FLOW;
	}
	/* a plain store: two CPUs racing write times a few ns apart, either will do */
	f->last_ns = now_ns;
	return MBOX_PASS_FLOW;
}

/* The headers in front of the P-Box list: a reply is these and npbox endpoints. */
static __always_inline __u32 reply_base(bool v6)
{
	return sizeof(struct ethhdr) + (v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
	       sizeof(struct udphdr) + sizeof(struct discovery_hdr);
}

/*
 * Whether a dropped packet may draw a reply at all: only one sent from a
 * unicast host to a unicast address, so a reply can neither be aimed at a
 * third party's broadcast nor come from a group address.
 */
static __always_inline bool may_reply(const struct ethhdr *eth, const struct pkt *p)
{
	if (eth->h_source[0] & 1 || eth->h_dest[0] & 1) /* group MAC addresses */
		return false;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		__u8 s = p->src[12], d = p->dst[12];

		/* 0/8, multicast and the limited broadcast, either way */
		return s != 0 && s < 224 && d != 0 && d < 224;
	}
	/* IPv6: neither multicast (ff00::/8) nor the unspecified address as source */
	if (p->src[0] == 0xff || p->dst[0] == 0xff)
		return false;
	for (int i = 0; i < 16; i++)
		if (p->src[i])
			return true;
	return false;
}

/* Whether this CPU may send one more discovery reply this second. */
static __always_inline bool may_discover(const struct mbox_config *cfg, __u64 now_ns)
{
	__u32 zero = 0;
	struct discovery_rate *r = bpf_map_lookup_elem(&discovery_rate, &zero);
	__u64 second = now_ns / 1000000000ull;

	if (!r || !cfg->discovery_per_s)
		return false;
	if (r->second != second) {
		r->second = second;
		r->sent = 0;
	}
	if (r->sent >= cfg->discovery_per_s)
		return false;
	r->sent++;
	return true;
}

static __always_inline enum verdict verdict(void *data, void *data_end, struct reply_info *ri)
{
	__u32 zero = 0;
	const struct mbox_config *cfg = bpf_map_lookup_elem(&config, &zero);
	struct ethhdr *eth = data;
	struct pkt p = {};
	void *l4;
	__u64 now_ns;
	int c;

	if (!cfg)
		return DROP; /* not configured yet: fail closed */
	if ((void *)(eth + 1) > data_end)
		return count(MBOX_DROP_MALFORMED, DROP);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5 || ip->version != 4)
			return count(MBOX_DROP_MALFORMED, DROP);
		/* fragments carry no ports (after the first): nothing to match them by */
		if (ip->frag_off & bpf_htons(0x3fff))
			return count(MBOX_DROP_FRAGMENT, DROP);
		p.proto = ip->protocol;
		mapped4(p.src, ip->saddr);
		mapped4(p.dst, ip->daddr);
		l4 = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return count(MBOX_DROP_MALFORMED, DROP);
		__builtin_memcpy(p.src, &ip6->saddr, 16);
		__builtin_memcpy(p.dst, &ip6->daddr, 16);
		p.proto = ip6->nexthdr;
		l4 = ip6 + 1;
		/* extension headers are not followed: a fragment or anything else is dropped below
		 */
		if (p.proto == IPPROTO_FRAGMENT)
			return count(MBOX_DROP_FRAGMENT, DROP);
		if (p.proto == IPPROTO_ICMPV6) {
			struct icmp6hdr *icmp = l4;

			if ((void *)(icmp + 1) > data_end)
				return count(MBOX_DROP_MALFORMED, DROP);
			/* neighbour discovery (RFC 4861): router and neighbour solicitation,
			 * advertisement, redirect */
			if (icmp->icmp6_type >= 133 && icmp->icmp6_type <= 137)
				return count(MBOX_PASS_L2, PASS);
			return count(MBOX_DROP_NOT_ADMITTED, DROP);
		}
	} else {
		/* ARP and the rest of layer 2: not ours to filter */
		return count(MBOX_PASS_L2, PASS);
	}
	if (p.proto == IPPROTO_UDP) {
		struct udphdr *u = l4;

		if ((void *)(u + 1) > data_end)
			return count(MBOX_DROP_MALFORMED, DROP);
		p.sport = u->source;
		p.dport = u->dest;
		p.l4_payload = u + 1;
	} else if (p.proto == IPPROTO_TCP) {
		struct tcphdr *t = l4;

		if ((void *)(t + 1) > data_end)
			return count(MBOX_DROP_MALFORMED, DROP);
		p.sport = t->source;
		p.dport = t->dest;
	} else {
		return count(MBOX_DROP_NOT_ADMITTED, DROP);
	}
	c = rule(cfg, &p);
	if (c >= 0)
		return count(c, PASS);
	now_ns = bpf_ktime_get_ns();
	c = admitted(cfg, &p, now_ns);
	if (c == MBOX_PASS_FLOW)
		return count(c, PASS);
	if (p.l4_payload && p.l4_payload + 4 <= data_end &&
	    *(__be32 *)p.l4_payload == bpf_htonl(TICKET_MAGIC)) {
		c = ticket(cfg, &p, data_end, now_ns);
		return count(c, c == MBOX_TICKET_ADMIT || c == MBOX_PASS_CONFIRM ? PASS : DROP);
	}
	if (c >= 0)
		return count(c, DROP);
	count(MBOX_DROP_NOT_ADMITTED, DROP);
	/* dropped for want of authorization: tell the sender where to ask for it (Property 4.2) */
	ri->v6 = eth->h_proto == bpf_htons(ETH_P_IPV6);
	/* a reply must fit in the packet (one P-Box at least) before it spends the rate budget */
	if (!cfg->npbox || data_end - data < reply_base(ri->v6) + sizeof(struct discovery_pbox) ||
	    !may_reply(eth, &p) || !may_discover(cfg, now_ns))
		return DROP;
	__builtin_memcpy(ri->src, p.src, 16);
	__builtin_memcpy(ri->dst, p.dst, 16);
	ri->sport = p.sport;
	ri->dport = p.dport;
	__builtin_memcpy(ri->mac_src, eth->h_source, 6);
	__builtin_memcpy(ri->mac_dst, eth->h_dest, 6);
	return DISCOVER;
}

/* The one's-complement sum of n 16-bit words, n a constant (the loop unrolls). */
static __always_inline __u32 csum_words(__u32 sum, const void *p, int n)
{
	const __u16 *w = p;

#pragma unroll
	for (int i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * How many P-Boxes the reply names: all of them, or as many as fit in the
 * packet that drew it (a reply is never larger); 0, no reply.
 */
static __always_inline __u32 reply_npbox(const struct reply_info *ri, __u32 have)
{
	__u32 zero = 0, n, base = reply_base(ri->v6);
	const struct mbox_config *cfg = bpf_map_lookup_elem(&config, &zero);

	if (!cfg || have < base)
		return 0;
	n = (have - base) / sizeof(struct discovery_pbox);
	if (n > cfg->npbox)
		n = cfg->npbox;
	return n < MBOX_MAX_PBOX ? n : MBOX_MAX_PBOX;
}

/*
 * Write the discovery reply over the packet, already cut to its length:
 * back to where the packet came from, from where it was going, naming
 * npbox P-Boxes. The UDP checksum is computed from the fields written, not
 * read back from the packet.
 */
static __always_inline int write_reply(void *data, void *data_end, const struct reply_info *ri,
				       __u32 npbox)
{
	__u32 zero = 0, l4len = sizeof(struct udphdr) + sizeof(struct discovery_hdr) +
				npbox * sizeof(struct discovery_pbox);
	const struct mbox_config *cfg = bpf_map_lookup_elem(&config, &zero);
	struct ethhdr *eth = data;
	struct discovery_hdr *d;
	struct udphdr *u;
	__u32 sum = 0;

	if (!cfg || (void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, ri->mac_src, 6);
	__builtin_memcpy(eth->h_source, ri->mac_dst, 6);
	if (ri->v6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		__builtin_memset(ip6, 0, sizeof(*ip6));
		ip6->version = 6;
		ip6->payload_len = bpf_htons(l4len);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		__builtin_memcpy(&ip6->saddr, ri->dst, 16);
		__builtin_memcpy(&ip6->daddr, ri->src, 16);
		sum = csum_words(sum, ri->src, 8);
		sum = csum_words(sum, ri->dst, 8);
		u = (void *)(ip6 + 1);
	} else {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return -1;
		__builtin_memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = bpf_htons(sizeof(*ip) + l4len);
		ip->frag_off = bpf_htons(0x4000); /* DF */
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		__builtin_memcpy(&ip->saddr, ri->dst + 12, 4);
		__builtin_memcpy(&ip->daddr, ri->src + 12, 4);
		ip->check = csum_fold(csum_words(0, ip, sizeof(*ip) / 2));
		sum = csum_words(sum, ri->src + 12, 2);
		sum = csum_words(sum, ri->dst + 12, 2);
		u = (void *)(ip + 1);
	}
	d = (void *)(u + 1);
	if ((void *)(d + 1) > data_end)
		return -1;
	u->source = ri->dport;
	u->dest = ri->sport;
	u->len = bpf_htons(l4len);
	u->check = 0;
	d->magic = bpf_htonl(DISCOVERY_MAGIC);
	d->version = DISCOVERY_VERSION;
	d->npbox = (__u8)npbox;
	d->reason = DISCOVERY_NOT_ADMITTED;
	d->zero = 0;
	/* pseudo-header (addresses above), then the datagram as written */
	sum += bpf_htons(IPPROTO_UDP) + bpf_htons(l4len);
	sum = csum_words(sum, u, sizeof(*u) / 2);
	sum = csum_words(sum, d, sizeof(*d) / 2);
#pragma unroll
	for (int i = 0; i < MBOX_MAX_PBOX; i++) {
		struct discovery_pbox *e = (void *)(d + 1) + i * sizeof(*e);

		if (i >= npbox || (void *)(e + 1) > data_end)
			break;
		__builtin_memcpy(e, &cfg->pbox[i], sizeof(*e));
		sum = csum_words(sum, &cfg->pbox[i], sizeof(*e) / 2);
	}
	sum = csum_fold(sum);
	u->check = sum ? sum : 0xffff; /* 0 means none (RFC 768) */
	return 0;
}

SEC("tc")
int mbox_tc(struct __sk_buff *skb)
{
	struct reply_info ri;
	enum verdict v = verdict((void *)(long)skb->data, (void *)(long)skb->data_end, &ri);
	__u32 n;

	if (v != DISCOVER)
		return v == PASS ? TC_ACT_OK : TC_ACT_SHOT;
	/* the reply, in the dropped packet's buffer, out the way it came */
	n = reply_npbox(&ri, skb->len);
	if (!n ||
	    bpf_skb_change_tail(skb, reply_base(ri.v6) + n * sizeof(struct discovery_pbox), 0) ||
	    write_reply((void *)(long)skb->data, (void *)(long)skb->data_end, &ri, n))
		return TC_ACT_SHOT;
	count(MBOX_DISCOVERY_SENT, DROP);
	return bpf_redirect(skb->ifindex, 0);
}

SEC("xdp")
int mbox_xdp(struct xdp_md *ctx)
{
	struct reply_info ri;
	enum verdict v = verdict((void *)(long)ctx->data, (void *)(long)ctx->data_end, &ri);
	__u32 have, n;

	if (v != DISCOVER)
		return v == PASS ? XDP_PASS : XDP_DROP;
	have = (__u32)(ctx->data_end - ctx->data);
	n = reply_npbox(&ri, have);
	if (!n ||
	    bpf_xdp_adjust_tail(ctx, (int)(reply_base(ri.v6) + n * sizeof(struct discovery_pbox)) -
					     (int)have) ||
	    write_reply((void *)(long)ctx->data, (void *)(long)ctx->data_end, &ri, n))
		return XDP_DROP;
	count(MBOX_DISCOVERY_SENT, DROP);
	return XDP_TX;
}
