/* SPDX-License-Identifier: MIT */
/*
 * What the M-Box's BPF program (mbox.bpf.c) and its daemon (nutss-mboxd)
 * share: map layouts, counters and limits, in one place. No libc: both
 * compilers read this file.
 */
#ifndef NUTSS_MBOX_KERN_USER_H
#define NUTSS_MBOX_KERN_USER_H

#include <linux/types.h>

#include "proto/wire.h"

#define MBOX_KEY_SLOTS	   4 /* key slots; at most two live (docs/protocol.md §2) */
#define MBOX_MAX_PBOX	   DISCOVERY_MAX_PBOX /* the domain's P-Boxes whose signalling passes */
#define MBOX_MAX_ALLOW	   16		      /* public services left open (--allow) */
#define MBOX_FLOWS_DEFAULT 1048576	      /* admitted flows in the table (LRU beyond) */
/* What one entry costs the kernel: key, value and its element header, about (bench-mbox measures
 * it) */
#define MBOX_FLOW_BYTES 128

/* An address and port (IPv4 as ::ffff:a.b.c.d), in network order as packets carry them. */
struct mbox_endpoint {
	__u8 addr[16];
	__be16 port;
	__u8 proto; /* IPPROTO_UDP or IPPROTO_TCP; 0: both */
	__u8 pad;
};

/* A discovery reply copies the configured P-Boxes as they are. */
_Static_assert(sizeof(struct mbox_endpoint) == sizeof(struct discovery_pbox), "P-Box layout");

/*
 * A domain key in a slot. A slot is written only while it is not live
 * (config.key_mask), then made live with one 32-bit store: a reader never
 * sees half a key.
 */
struct mbox_key {
	__u8 id[8];
	__u64 k0, k1; /* the 16 key bytes as SipHash reads them (little-endian words) */
};

/* Discovery replies a second, per CPU, unless configured (proto/wire.h: the reply). */
#define MBOX_DISCOVERY_PER_S 100

struct mbox_config {
	__s64 unix_offset_ns; /* wall clock - bpf_ktime_get_ns(): token expiries are Unix seconds */
	__u32 key_mask;	      /* live slots, a bit each */
	__u8 domain_tag[4];   /* the first 4 bytes of our key ids: our tokens among others */
	__u32 idle_timeout_s; /* an admitted flow idle this long is gone */
	__u32 max_lifetime_s; /* and any flow after this long, idle or not */
	__u32 npbox, nallow;
	__u32 discovery_per_s; /* discovery replies a second, per CPU; 0: none */
	__u32 pad;
	struct mbox_endpoint pbox[MBOX_MAX_PBOX];
	struct mbox_endpoint allow[MBOX_MAX_ALLOW];
};

/* A flow, both directions in one entry: the lower (address, port) first. */
struct mbox_flow_key {
	__u8 proto;
	__u8 pad[3];
	__u8 a[16], b[16];
	__be16 pa, pb;
};

struct mbox_flow {
	__u64 admitted_ns; /* bpf_ktime_get_ns() when its ticket passed */
	__u64 last_ns;	   /* the last packet either way */
	__u32 key_serial;  /* of the token that admitted it */
	__u32 pad;
};

/* Counters, per CPU: what happened to each packet, and to each ticket. */
enum mbox_counter {
	MBOX_PASS_FLOW,	   /* a packet of an admitted flow */
	MBOX_PASS_PBOX,	   /* signalling to or from a P-Box of ours */
	MBOX_PASS_ALLOW,   /* an --allow service */
	MBOX_PASS_L2,	   /* ARP, IPv6 neighbour discovery, non-IP */
	MBOX_PASS_CONFIRM, /* a ticket's confirm for a flow we admitted */
	MBOX_TICKET_ADMIT, /* a ticket with a good token: its flow admitted, the ticket passed on */
	MBOX_DROP_NOT_ADMITTED, /* default off: no flow, no rule */
	MBOX_DROP_EXPIRED_FLOW, /* an admitted flow's idle time or lifetime ran out */
	MBOX_DROP_FRAGMENT,	/* IP fragments: no ports to match them by */
	MBOX_DROP_MALFORMED,	/* truncated or inconsistent headers */
	MBOX_DROP_TICKET_MALFORMED,
	MBOX_DROP_TICKET_NO_TOKEN,    /* no token of this domain in it */
	MBOX_DROP_TICKET_UNKNOWN_KEY, /* our domain's tag, a key not live */
	MBOX_DROP_TICKET_BAD_MAC,     /* forged, or for another 5-tuple */
	MBOX_DROP_TICKET_EXPIRED,
	MBOX_DROP_TICKET_WRONG_PATH, /* sent from or to elsewhere than the flow it names */
	MBOX_DROP_CONFIRM_UNKNOWN,   /* a confirm for no flow of ours */
	MBOX_DISCOVERY_SENT,	     /* of the drops, those that drew a discovery reply */
	MBOX_COUNTERS
};

#ifndef __bpf__
static const char *const mbox_counter_names[MBOX_COUNTERS] = {
	"pass_flow",
	"pass_pbox",
	"pass_allow",
	"pass_l2",
	"pass_confirm",
	"ticket_admit",
	"drop_not_admitted",
	"drop_expired_flow",
	"drop_fragment",
	"drop_malformed",
	"drop_ticket_malformed",
	"drop_ticket_no_token",
	"drop_ticket_unknown_key",
	"drop_ticket_bad_mac",
	"drop_ticket_expired",
	"drop_ticket_wrong_path",
	"drop_confirm_unknown",
	"discovery_sent",
};
#endif

#endif
