/* SPDX-License-Identifier: MIT */
/*
 * SIP messages (RFC 3261 section 7 and 20): the parser. Zero-copy: every
 * field is a slice of the caller's buffer, which must outlive the message.
 *
 * Two depths, so a server can refuse cheaply (DESIGN.md: bytes in -> partial
 * parse -> cheap rejections -> full parse):
 *
 *   SIP_PARSE_PARTIAL  start line (with the Request-URI), every header line
 *                      split and named, Via, Call-ID, CSeq, Max-Forwards and
 *                      Content-Length typed, the body delimited;
 *   SIP_PARSE_FULL     all of that plus From, To, Contact, Route,
 *                      Record-Route, Path, Expires, Content-Type, Require,
 *                      Proxy-Require, Supported, Unsupported, Date and the
 *                      four authentication headers, each split into fields.
 *
 * sip_msg_parse_full() finishes a partial parse without re-reading lines.
 */
#ifndef NUTSS_SIP_MSG_H
#define NUTSS_SIP_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"
#include "sip/digest.h"
#include "sip/err.h"
#include "sip/limits.h"
#include "sip/uri.h"

enum sip_method {
	SIP_METHOD_OTHER = 0,
	SIP_INVITE,
	SIP_ACK,
	SIP_BYE,
	SIP_CANCEL,
	SIP_REGISTER,
	SIP_OPTIONS,
	SIP_PRACK,
	SIP_SUBSCRIBE,
	SIP_NOTIFY,
	SIP_PUBLISH,
	SIP_INFO,
	SIP_REFER,
	SIP_MESSAGE,
	SIP_UPDATE,
};

/* Headers the core knows by name (long and compact forms). */
enum sip_hdr_id {
	SIP_H_OTHER = 0,
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_MAX_FORWARDS,
	SIP_H_CONTENT_LENGTH,
	SIP_H_CONTACT,
	SIP_H_ROUTE,
	SIP_H_RECORD_ROUTE,
	SIP_H_PATH,
	SIP_H_CONTENT_TYPE,
	SIP_H_EXPIRES,
	SIP_H_REQUIRE,
	SIP_H_PROXY_REQUIRE,
	SIP_H_SUPPORTED,
	SIP_H_UNSUPPORTED,
	SIP_H_AUTHORIZATION,
	SIP_H_PROXY_AUTHORIZATION,
	SIP_H_WWW_AUTHENTICATE,
	SIP_H_PROXY_AUTHENTICATE,
	SIP_H_DATE,
	SIP_H_ALLOW,
	SIP_H_ACCEPT,
	SIP_H_SUBJECT,
	SIP_H_CONTENT_ENCODING,
	SIP_H_EVENT,
	SIP_H_REFER_TO,
	SIP_H_WARNING,
	SIP_H_USER_AGENT,
	SIP_H__COUNT
};

struct sip_hdr {
	struct slice name;  /* as written, e.g. "v" or "ViA" */
	struct slice value; /* leading and trailing white space trimmed; folds kept */
	struct slice line;  /* the whole header line without its CRLF */
	uint8_t id;	    /* enum sip_hdr_id */
};

struct sip_via {
	struct slice raw;	/* this via-parm, for copying */
	struct slice protocol;	/* "SIP" */
	struct slice version;	/* "2.0" */
	struct slice transport; /* "UDP", "TCP", "TLS", "SCTP", or any token */
	struct slice host;	/* sent-by host (IPv6 without brackets) */
	uint16_t port;		/* 0 when absent */
	uint8_t host_type;	/* enum sip_host_type */
	bool has_rport;		/* ;rport present, with or without a value */
	struct slice branch, received, rport, maddr, ttl;
	const struct sip_param *params;
	uint16_t nparams;
	uint8_t hdr; /* index into sip_msg.hdrs */
};

/* From, To, Contact, Route, Record-Route, Path: name-addr or addr-spec. */
struct sip_addr {
	struct slice raw;
	struct slice display; /* as written (quotes included), may be empty */
	struct sip_uri uri;
	struct slice tag, expires, q;
	const struct sip_param *params; /* header parameters */
	uint16_t nparams;
	bool star;   /* "Contact: *" */
	uint8_t hdr; /* index into sip_msg.hdrs */
};

struct sip_cseq {
	uint32_t seq;
	struct slice method;
	uint8_t method_id;
};

struct sip_tag {
	struct slice tag;
	uint8_t hdr_id; /* SIP_H_REQUIRE, SIP_H_PROXY_REQUIRE, SIP_H_SUPPORTED, SIP_H_UNSUPPORTED */
};

struct sip_auth_hdr {
	struct sip_auth auth;
	uint8_t hdr_id; /* which of the four authentication headers */
	uint8_t hdr;
};

enum sip_parse_depth {
	SIP_PARSE_PARTIAL = 1,
	SIP_PARSE_FULL = 2,
};

#define SIP_MAX_ADDR_ENTRIES 16 /* each of Contact, Route, Record-Route, Path */

struct sip_msg {
	const char *buf; /* the first byte of the start line */
	size_t len;	 /* start line through the end of the body */
	size_t trailing; /* bytes after the body (ignored on datagrams) */
	uint8_t depth;	 /* enum sip_parse_depth reached */
	bool is_request;

	/* start line */
	struct slice method;
	uint8_t method_id;
	struct slice ruri_raw;
	struct sip_uri ruri;
	struct slice version;
	uint16_t status;
	struct slice reason;

	struct sip_hdr hdrs[SIP_MAX_HEADERS];
	uint16_t nhdrs;
	uint64_t seen; /* bit (1 << id) for each known header present */
	struct slice body;

	/* partial */
	struct sip_via via[SIP_MAX_VIA];
	uint16_t nvia;
	struct slice call_id;
	struct sip_cseq cseq;
	int max_forwards;	/* -1 when absent */
	int64_t content_length; /* -1 when absent */

	/* full */
	struct sip_addr from, to;
	struct sip_addr contact[SIP_MAX_ADDR_ENTRIES];
	struct sip_addr route[SIP_MAX_ADDR_ENTRIES];
	struct sip_addr record_route[SIP_MAX_ADDR_ENTRIES];
	struct sip_addr path[SIP_MAX_ADDR_ENTRIES];
	uint8_t ncontact, nroute, nrecord_route, npath;
	bool contact_star;
	int64_t expires; /* -1 when absent */
	struct slice content_type, content_subtype;
	struct sip_tag tags[SIP_MAX_OPTION_TAGS];
	uint8_t ntags;
	struct sip_auth_hdr auth[SIP_MAX_AUTH];
	uint8_t nauth;

	/*
	 * A message can be well-formed and still be one a server must refuse
	 * (RFC 4475 3.3: missing required headers, one header given two
	 * different values). The first such problem is kept here; parsing
	 * still succeeds.
	 */
	struct sip_err semantic;

	struct sip_param pool_v[SIP_MAX_PARAMS];
	struct sip_pool pool;
};

/*
 * Parse one message from buf (a datagram, or one frame found by
 * sip_frame()). Bytes after the body (beyond Content-Length) are counted in
 * m->trailing and otherwise ignored. Returns false with err filled when the
 * message is malformed; err->status is the response a server should send.
 * Even then m->hdrs holds the header lines split before the problem (all of
 * them when only the start line is bad), for a server's error response.
 */
bool sip_msg_parse(struct sip_msg *m, const char *buf, size_t len, enum sip_parse_depth depth,
		   struct sip_err *err);

/* Complete a SIP_PARSE_PARTIAL parse. A no-op on a fully parsed message. */
bool sip_msg_parse_full(struct sip_msg *m, struct sip_err *err);

/* The first header with this id, or NULL. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id);
/* The first header whose name is name (case-insensitive, compact forms not mapped), or NULL. */
const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, const char *name);
bool sip_msg_has(const struct sip_msg *m, enum sip_hdr_id id);

enum sip_method sip_method_id(struct slice s);
const char *sip_method_name(enum sip_method m);
enum sip_hdr_id sip_hdr_lookup(const char *name, size_t len);
const char *sip_hdr_name(enum sip_hdr_id id);
/* The standard reason phrase for a status code ("Not Found"), or "Unknown". */
const char *sip_reason_phrase(unsigned status);

/*
 * Stream framing (RFC 3261 18.3) for TCP: find the extent of the message at
 * the start of buf. Leading CRLFs (keep-alives) are skipped and reported in
 * *skip. Returns 1 with *msglen set when a whole message is present, 0 when
 * more bytes are needed, -EMSGSIZE when it would exceed max, -EBADMSG when
 * the header section is malformed or has no valid Content-Length.
 */
int sip_frame(const char *buf, size_t len, size_t max, size_t *skip, size_t *msglen);

#endif
