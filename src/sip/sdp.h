/* SPDX-License-Identifier: MIT */
/*
 * SDP (RFC 4566), with the NUTSS flow lines of paper 2, Table 2:
 *
 *	m=data <port> <proto> <app>     the flow: "m=data 32524 tcp ftp"
 *	c=IN IP4 <address>              where it goes
 *	a=enc:<mode>                    encryption: none, ssl, tls, ipsec, ...
 *	a=taint:<label>                 data labels (any number)
 *	a=nutss-token:<token>           a capability token (docs/protocol.md)
 *
 * The paper prints the flow as "m=data ftp tcp" with the port in the c=
 * line ("c=IN IP4 128.84.223.109:32524"); that form is accepted too, but
 * the builder writes the one above, which is RFC 4566's own m= layout.
 * Zero-copy: every field is a slice of the body.
 */
#ifndef NUTSS_SIP_SDP_H
#define NUTSS_SIP_SDP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"
#include "sip/desc.h"
#include "sip/err.h"

#define SDP_MAX_LEN	 16384 /* one session description */
#define SDP_MAX_LINES	 256   /* lines in it */
#define SDP_MAX_MEDIA	 16    /* m= sections */
#define SDP_MAX_ATTRS	 64    /* a= lines, session and media together */
#define SDP_MAX_LINE_LEN 1024

struct sdp_conn {
	struct slice nettype;  /* "IN" */
	struct slice addrtype; /* "IP4", "IP6" */
	struct slice address;  /* without the paper's ":port" suffix */
	uint16_t port;	       /* only from the paper's "address:port" form */
	bool present;
};

struct sdp_attr {
	struct slice name;
	struct slice value; /* .p NULL for a property attribute (no ':') */
	int8_t media;	    /* index into sdp.media, or -1 at session level */
};

struct sdp_media {
	struct slice media; /* "audio", "video", "data", ... */
	uint16_t port;
	uint16_t nports;    /* from "port/n"; 1 when absent */
	struct slice proto; /* "RTP/AVP", "tcp", ... */
	struct slice fmt;   /* the rest of the line: formats, or the NUTSS app */
	struct sdp_conn conn;
	bool paper_form; /* "m=data <app> <proto>", port taken from c= */
};

struct sdp {
	struct slice version;
	struct slice origin[6]; /* username sess-id sess-version nettype addrtype address */
	struct slice session_name;
	struct sdp_conn conn; /* session level */
	struct sdp_attr attrs[SDP_MAX_ATTRS];
	unsigned nattrs;
	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned nmedia;
};

enum sdp_mode {
	SDP_FULL,     /* a whole description: v= first, o=, s= and t= present */
	SDP_FRAGMENT, /* just some lines, as `nutss policy test --flow` takes them */
};

bool sdp_parse(struct sdp *s, struct slice body, enum sdp_mode mode, struct sip_err *err);

/* An attribute by name at session level (media -1) or in one media section; NULL if absent. */
const struct sdp_attr *sdp_attr(const struct sdp *s, int media, const char *name);

/* Whether the description carries a NUTSS flow (an m=data section). */
bool sdp_has_flow(const struct sdp *s);

/*
 * Fill the flow fields of f (protocol, app, port, address, enc, taints,
 * token) from the first m=data section and the session-level lines; without
 * an m=data section only the session-level ones (c=, a=enc, a=taint,
 * a=nutss-token) are there to take. f->from and f->to are left alone.
 * Media-level c= and a= lines override session-level ones. Fails only when
 * a limit is exceeded (more than FLOW_MAX_TAINTS taints).
 */
bool sdp_flow(const struct sdp *s, struct flow_desc *f, struct sip_err *err);

/*
 * Write a complete description of the flow in f (CRLF line ends). origin
 * is the o= address (e.g. the host's own), may be empty. Returns the length,
 * or -1 if it does not fit or a field holds a character SDP cannot carry.
 */
int sdp_build_flow(char *buf, size_t len, const struct flow_desc *f, struct slice origin);

#endif
