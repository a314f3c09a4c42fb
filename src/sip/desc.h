/* SPDX-License-Identifier: MIT */
/*
 * NUTSS descriptors (paper 2, section 3.1). An endpoint descriptor is
 * user@domain plus attributes (app, type, software, version, location and
 * any other key) carried as URI parameters:
 *
 *	sip:alice@rr.net;app=ftp;type=server
 *
 * A flow descriptor is the two endpoints (From and To) plus the flow lines of
 * the SDP body (paper 2, Table 2). Slices point into the caller's buffers.
 */
#ifndef NUTSS_SIP_DESC_H
#define NUTSS_SIP_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"
#include "sip/err.h"
#include "sip/uri.h"

#define DESC_MAX_ATTRS 16 /* attributes on one endpoint descriptor */
#define FLOW_MAX_TAINTS 8 /* a=taint: lines on one flow */
#define FLOW_MAX_TOKENS 8 /* a=nutss-token: lines, one per domain on the path */

struct desc_attr {
	struct slice key;
	struct slice value; /* empty (not NULL) for a key given without '=' */
};

struct desc {
	struct slice user;   /* the user part, "alice" */
	struct slice domain; /* "rr.net" */
	struct slice aor;    /* "alice@rr.net", contiguous in the source */
	struct desc_attr attrs[DESC_MAX_ATTRS];
	unsigned nattrs;
};

/* a=nutss-token:<domain> <token>: one domain's capability token (docs/protocol.md). */
struct flow_token {
	struct slice domain;
	struct slice value; /* the token in hex; checked by whoever decodes it */
};

struct flow_desc {
	struct desc from;
	struct desc to;
	struct slice protocol; /* m=data <port> <proto> <app>: "tcp" */
	struct slice app;      /* ... "ftp" */
	struct slice enc;      /* a=enc:<value> */
	struct slice taint[FLOW_MAX_TAINTS];
	unsigned ntaint;
	struct slice address; /* c=IN IP4 <address> */
	uint16_t port;	      /* from m=data <port>; 0 when unknown */
	struct flow_token tokens[FLOW_MAX_TOKENS]; /* both levels, in order */
	unsigned ntokens;
};

/*
 * Attributes are every URI parameter except RFC 3261's own uri-parameters
 * (transport, user, method, ttl, maddr, lr), which describe how to reach the
 * URI, not the endpoint.
 */
bool desc_from_uri(struct desc *d, const struct sip_uri *u, struct sip_err *err);

/* Parse "alice@rr.net;app=ftp" or "sip:alice@rr.net;app=ftp". */
bool desc_parse(struct desc *d, struct slice s, struct sip_err *err);

/*
 * user@domain into buf, for when d->aor is not a contiguous slice (a URI
 * with a password between them). Returns the length or -1 if it won't fit.
 */
int desc_aor(const struct desc *d, char *buf, size_t len);
/* The same from its two parts: "user@domain" into buf; the length, -1 if it won't fit. */
int desc_aor_join(struct slice user, struct slice domain, char *buf, size_t len);

/* The value of key (case-insensitive); .p is NULL when the key is absent. */
struct slice desc_get(const struct desc *d, const char *key);
struct slice desc_get_slice(const struct desc *d, struct slice key);

/*
 * Partial-attribute match (paper 2, section 3.2) of a registered descriptor
 * against a destination: the users and domains must be equal; an attribute
 * present on both sides must agree (a conflict excludes); attributes on only
 * one side don't matter. Returns the number of agreeing attributes (more
 * ranks first), or -1 when the registration is excluded.
 */
int desc_match(const struct desc *dest, const struct desc *reg);

/* Write "alice@rr.net;app=ftp;type=server" into buf. Returns length or -1 if it won't fit. */
int desc_format(const struct desc *d, char *buf, size_t len);

#endif
