/* SPDX-License-Identifier: MIT */
/*
 * The NUTSS data-path wire formats (docs/protocol.md): a capability token,
 * the 64 bytes its MAC covers, the ticket datagram that carries tokens
 * along a flow's path, and the M-Box's discovery reply. No libc: the M-Box's BPF program includes
 * this file as the daemons and the endpoint library do, so both sides read one definition.
 * Multi-byte fields are in network order unless named _le.
 */
#ifndef NUTSS_PROTO_WIRE_H
#define NUTSS_PROTO_WIRE_H

#include <linux/types.h>

#define TOKEN_VERSION	 1
#define TOKEN_KEY_LEN	 16 /* a domain key: SipHash-2-4's 128-bit key */
#define TOKEN_KEY_ID_LEN 8  /* domain tag (4) and key serial (4) */
#define TOKEN_WIRE_LEN	 28 /* a token as carried: key id, expiry, uid, MAC */
#define TOKEN_HEX_LEN	 (2 * TOKEN_WIRE_LEN)

#define TICKET_MAGIC	  0x4e544b54u /* "NTKT" */
#define TICKET_VERSION	  1
#define TICKET_HDR_LEN	  48
#define TICKET_MAX_TOKENS 8 /* domains on one path */
#define TICKET_MAX_LEN	  (TICKET_HDR_LEN + TICKET_MAX_TOKENS * TOKEN_WIRE_LEN)

enum ticket_type {
	TICKET_OFFER = 1,   /* initiator -> responder: admit this flow */
	TICKET_CONFIRM = 2, /* responder -> initiator, back along the path just opened */
};

/* A token as it travels, in a ticket and (in hex) in SDP: 28 bytes. */
struct token_wire {
	__u8 key_id[TOKEN_KEY_ID_LEN];
	__be32 expiry; /* seconds since the Unix epoch */
	__be64 uid;    /* redirect()'s pairing id; 0 when none */
	__u8 mac[8];   /* SipHash-2-4 output, least significant byte first */
} __attribute__((packed));

/*
 * What the MAC covers: 64 bytes, read by SipHash as eight little-endian
 * words. Addresses are IPv6, IPv4 as ::ffff:a.b.c.d; ports and expiry as
 * they appear in packets, so an XDP program copies them without swapping.
 */
struct token_msg {
	__u8 key_id[TOKEN_KEY_ID_LEN];
	__be32 expiry;
	__u8 proto; /* IPPROTO_TCP, IPPROTO_UDP */
	__u8 version;
	__u8 zero1[2];
	__u8 src[16];
	__u8 dst[16];
	__be16 sport;
	__be16 dport;
	__u8 zero2[4];
	__be64 uid;
} __attribute__((aligned(8)));

/* The ticket datagram (UDP): this header, then ntokens token_wire. */
struct ticket_hdr {
	__be32 magic;
	__u8 version;
	__u8 type;  /* enum ticket_type */
	__u8 proto; /* the flow's: IPPROTO_TCP or IPPROTO_UDP */
	__u8 ntokens;
	__u8 src[16]; /* the flow's 5-tuple, the initiator's side first */
	__u8 dst[16];
	__be16 sport;
	__be16 dport;
	__be32 id; /* the initiator's choice; a confirm echoes it */
} __attribute__((packed));

/*
 * A discovery reply (paper 2, Property 4.2): what an M-Box sends back to
 * the sender of a packet it dropped for want of authorization, in UDP from
 * the address and port the packet was going to: this header, then npbox
 * discovery_pbox naming where the domain's P-Boxes listen. Never larger
 * than the packet that drew it, so it names as many P-Boxes as fit.
 */
#define DISCOVERY_MAGIC	       0x4e544b44u /* "NTKD" */
#define DISCOVERY_VERSION      1
#define DISCOVERY_NOT_ADMITTED 1 /* reason: no flow of that 5-tuple was admitted */
#define DISCOVERY_HDR_LEN      8
#define DISCOVERY_PBOX_LEN     20
#define DISCOVERY_MAX_PBOX     4
#define DISCOVERY_MAX_LEN      (DISCOVERY_HDR_LEN + DISCOVERY_MAX_PBOX * DISCOVERY_PBOX_LEN)

struct discovery_hdr {
	__be32 magic;
	__u8 version;
	__u8 npbox;
	__u8 reason; /* DISCOVERY_NOT_ADMITTED */
	__u8 zero;
} __attribute__((packed));

struct discovery_pbox {
	__u8 addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	__be16 port;
	__u8 proto; /* IPPROTO_UDP or IPPROTO_TCP; 0: either */
	__u8 zero;
} __attribute__((packed));

_Static_assert(sizeof(struct token_wire) == TOKEN_WIRE_LEN, "token layout");
_Static_assert(sizeof(struct token_msg) == 64, "the MAC covers 64 bytes");
_Static_assert(sizeof(struct ticket_hdr) == TICKET_HDR_LEN, "ticket header layout");
_Static_assert(sizeof(struct discovery_hdr) == DISCOVERY_HDR_LEN, "discovery header layout");
_Static_assert(sizeof(struct discovery_pbox) == DISCOVERY_PBOX_LEN, "discovery P-Box layout");

#endif
