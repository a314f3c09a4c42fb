/* SPDX-License-Identifier: MIT */
/*
 * SDP (RFC 4566), with the NUTSS flow lines of paper 2, Table 2:
 *
 *	m=data <port> <proto> <app>     the flow: "m=data 32524 tcp ftp"
 *	c=IN IP4 <address>              where it goes (or IN IP6)
 *	a=enc:<mode>                    encryption: none, ssl, tls, ipsec, ...
 *	a=taint:<label>                 data labels (any number)
 *	a=nutss-token:<domain> <token>  a domain's capability token (docs/protocol.md),
 *	                                one line a domain on the path
 *
 * The paper prints the flow as "m=data ftp tcp" with the port in the c=
 * line ("c=IN IP4 128.84.223.109:32524"); that form is accepted too, but
 * the builder writes the one above, which is RFC 4566's own m= layout
 * (<media> <port> <proto> <fmt>, the app being the one format).
 *
 * Zero-copy: every field is a slice of the body; nothing allocates.
 *
 * What the parser decides where RFC 4566 leaves room:
 *  - An unknown type letter fails the whole description: RFC 4566 section 5
 *    says a parser MUST ignore a description with a letter it does not
 *    understand, and for a proxy that checks flows "ignore" means "refuse".
 *    Unknown attribute names (a=) are fine, as the RFC says.
 *  - Lines end in CRLF or a bare LF; the last line may lack one. Empty lines
 *    are allowed only at the very end.
 *  - No white space on either side of '=' (a line may not start "x= ..."),
 *    except the RFC's own empty session name "s= ". Inside the structured
 *    lines (o=, c=, m=, t=, r=, z=) fields are split on runs of spaces and
 *    trailing spaces are dropped, because some user agents emit them.
 *  - Order is enforced loosely: v= first (SDP_FULL), the session-only lines
 *    (o= s= u= e= p= t= r= z=) never after the first m=, r= only after a t=,
 *    one of each of o= s= i= u= z= k= per level and one c= at session level.
 *    A media section may carry several c= lines (layered multicast); the
 *    first one is kept in sdp_media.conn and nconn counts them.
 *  - SDP_FULL needs v=, o=, s= and t= (RFC 4566 mandatory fields).
 *  - Every limit below is an error, never a truncation.
 */
#ifndef NUTSS_SIP_SDP_H
#define NUTSS_SIP_SDP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/slice.h"
#include "sip/desc.h"
#include "sip/err.h"

#define SDP_MAX_LEN	   16384 /* one session description */
#define SDP_MAX_LINES	   512	 /* lines in it */
#define SDP_MAX_LINE_LEN   1024	 /* one line, without its line end */
#define SDP_MAX_MEDIA	   16	 /* m= sections */
#define SDP_MAX_ATTRS	   256	 /* a= lines, session and media together */
#define SDP_MAX_FMTS	   64	 /* formats on one m= line (WebRTC offers ~40) */
#define SDP_MAX_BANDWIDTHS 16	 /* b= lines, session and media together */
#define SDP_MAX_TIMES	   8	 /* t= lines */
#define SDP_MAX_REPEATS	   8	 /* r= lines, all t= together */
#define SDP_MAX_CONTACTS   8	 /* e= lines, and separately p= lines */

struct sdp_conn {
	struct slice nettype;  /* "IN" */
	struct slice addrtype; /* "IP4", "IP6" */
	struct slice address;  /* without ":port", "/ttl" or "/count" */
	uint16_t port;	       /* only from the paper's IP4 "address:port" form */
	uint8_t ttl;	       /* IP4 multicast "/ttl"; 0 when absent */
	uint16_t naddr;	       /* multicast "/count"; 1 when absent */
	bool present;
};

struct sdp_attr {
	struct slice name;
	struct slice value; /* .p NULL for a property attribute (no ':') */
	int8_t media;	    /* index into sdp.media, or -1 at session level */
};

/* b=<bwtype>:<bandwidth> */
struct sdp_bw {
	struct slice type; /* "AS", "CT", "TIAS", ... */
	uint32_t kbps;	   /* the bandwidth (kbit/s for AS and CT) */
	int8_t media;	   /* as in sdp_attr */
};

/* t=<start> <stop>, with its r= lines */
struct sdp_time {
	struct slice start, stop; /* decimal NTP seconds, "0" for unbounded */
	unsigned first_repeat;	  /* index into sdp.repeats */
	unsigned nrepeat;
};

struct sdp_media {
	struct slice media; /* "audio", "video", "data", ... */
	uint16_t port;
	uint16_t nports;    /* from "port/n"; 1 when absent */
	struct slice proto; /* "RTP/AVP", "tcp", ... */
	struct slice fmt;   /* all the formats as one slice: "0 8 101", or the NUTSS app */
	struct slice fmts[SDP_MAX_FMTS];
	unsigned nfmts;
	struct slice info; /* i= */
	struct slice key;  /* k= */
	struct sdp_conn conn;
	unsigned nconn;	 /* c= lines in this section; conn is the first */
	bool paper_form; /* "m=data <app> <proto>", port taken from c= */
};

struct sdp {
	struct slice version;
	struct slice origin[6]; /* username sess-id sess-version nettype addrtype address */
	struct slice session_name;
	struct slice info; /* i= */
	struct slice uri;  /* u= */
	struct slice emails[SDP_MAX_CONTACTS];
	unsigned nemails;
	struct slice phones[SDP_MAX_CONTACTS];
	unsigned nphones;
	struct sdp_conn conn; /* session level */
	struct sdp_bw bw[SDP_MAX_BANDWIDTHS];
	unsigned nbw;
	struct sdp_time times[SDP_MAX_TIMES];
	unsigned ntimes;
	struct slice repeats[SDP_MAX_REPEATS]; /* r= values, split by sdp_time */
	unsigned nrepeats;
	struct slice zone; /* z= */
	struct slice key;  /* k= */
	struct sdp_attr attrs[SDP_MAX_ATTRS];
	unsigned nattrs;
	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned nmedia;
};

enum sdp_mode {
	SDP_FULL,     /* a whole description: v= first, o=, s= and t= present */
	SDP_FRAGMENT, /* just some lines, as `nutss policy test --flow` takes them */
};

/*
 * Parse body into s (which need not be initialised). On failure err says
 * what and points at the offending byte; s is then partly filled and not
 * to be used.
 */
bool sdp_parse(struct sdp *s, struct slice body, enum sdp_mode mode, struct sip_err *err);

/* An attribute by name at session level (media -1) or in one media section; NULL if absent. */
const struct sdp_attr *sdp_attr(const struct sdp *s, int media, const char *name);

/* Whether the description carries a NUTSS flow (an m=data section). */
bool sdp_has_flow(const struct sdp *s);

/*
 * Fill the flow fields of f (protocol, app, port, address, enc, taints,
 * tokens) from the m=data section and the session-level lines; without an
 * m=data section only the session-level ones (c=, a=enc, a=taint,
 * a=nutss-token) are there to take. f->from and f->to are left alone.
 * Media-level c= and a=enc override session-level ones; taints and tokens
 * of both levels add up. Because P-Boxes and M-Boxes must all read the
 * same flow, anything ambiguous fails: two m=data sections, two c= in it,
 * two a=enc at one level, two tokens for one domain, a c= port that
 * disagrees with the m= port, a connection that is not IN IP4/IP6, and
 * values that are empty or hold white space (a token is "<domain> <token>").
 * More than FLOW_MAX_TAINTS taints or FLOW_MAX_TOKENS tokens fails too.
 */
bool sdp_flow(const struct sdp *s, struct flow_desc *f, struct sip_err *err);

/* How a P-Box changes an offer or answer it passes on (sdp_edit_flow). */
struct sdp_edit {
	struct slice enc;	   /* .p set: every a=enc line goes, a=enc:<enc> comes once */
	struct slice addr;	   /* .p set: the flow's c= address (IN IP4 or IP6 by its form) */
	uint16_t port;		   /* nonzero: the m=data port */
	struct slice drop_tokens_of; /* .p set: this domain's a=nutss-token lines go */
	const struct slice *add;   /* whole lines to add ("a=nutss-token:..."), no line end */
	unsigned nadd;
};

/*
 * Copy body, a description sdp_flow() accepted, into b with the edits of e:
 * what is added goes at the end of the m=data section (of the session when
 * there is none), every c= that applies to the flow is rewritten, every
 * other line is copied as it came, with CRLF line ends. False when b
 * overflowed or an edit cannot be written (white space in it).
 */
bool sdp_edit_flow(struct buf *b, struct slice body, const struct sdp_edit *e);

/*
 * Write a complete description of the flow in f with CRLF line ends:
 *
 *	v=0
 *	o=- 0 0 IN IP4 <origin>
 *	s=-
 *	c=IN IP4 <address>		(IP6 when the address has a ':')
 *	t=0 0
 *	m=data <port> <protocol> <app>
 *	a=enc:<enc>			(when set)
 *	a=taint:<label>			(one per taint)
 *	a=nutss-token:<domain> <token>	(one per token)
 *
 * origin is the o= address (e.g. the host's own); when empty the flow's
 * address is used. An empty address is written as 0.0.0.0, an empty
 * protocol as tcp and an empty app as "-". Returns the length (buf is also
 * NUL-terminated), or -1 if it does not fit or a field holds something the
 * line cannot carry (white space, a non-token protocol or app, an address
 * that is not a host name or IP address).
 */
int sdp_build_flow(char *buf, size_t len, const struct flow_desc *f, struct slice origin);

#endif
