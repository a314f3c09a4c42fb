/* SPDX-License-Identifier: MIT */
/*
 * SIP, SIPS and tel URIs (RFC 3261 19.1, RFC 3966) and any other absolute
 * URI kept opaque. Parsing is zero-copy: every field is a slice of the
 * input, %-escapes left in place (use uri_unescape() to decode).
 */
#ifndef NUTSS_SIP_URI_H
#define NUTSS_SIP_URI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"
#include "sip/err.h"

enum sip_scheme {
	SIP_SCHEME_OTHER = 0,
	SIP_SCHEME_SIP,
	SIP_SCHEME_SIPS,
	SIP_SCHEME_TEL,
};

enum sip_host_type {
	SIP_HOST_NONE = 0,
	SIP_HOST_NAME,
	SIP_HOST_IPV4,
	SIP_HOST_IPV6, /* host slice excludes the brackets */
};

/* A ;name=value parameter; value.p is NULL when there was no '='. */
struct sip_param {
	struct slice name;
	struct slice value;
};

/*
 * Where parsed parameters go. Parameters of a whole message share one pool
 * so that a URI does not carry a fixed array it rarely fills.
 */
struct sip_pool {
	struct sip_param *v;
	unsigned n;
	unsigned cap;
};

struct sip_uri {
	struct slice raw;		/* the whole URI */
	struct slice scheme;		/* "sip", "sips", "tel", or anything else */
	uint8_t scheme_id;		/* enum sip_scheme */
	uint8_t host_type;		/* enum sip_host_type */
	uint16_t port;			/* 0 when absent */
	struct slice user;		/* sip/sips: user part; tel: the number */
	struct slice password;		/* after ':' in userinfo, may be empty */
	struct slice host;		/* hostname, IPv4, or IPv6 without [] */
	struct slice hostport;		/* host[:port] as written (with [] for IPv6) */
	struct slice params_raw;	/* ";a=b;c" including the first ';', may be empty */
	struct slice headers;		/* after '?', without it */
	struct slice opaque;		/* other schemes: everything after "scheme:" */
	const struct sip_param *params; /* parsed params_raw, in the pool */
	uint16_t nparams;
	bool lr;		 /* the ;lr parameter is present (loose routing) */
	struct slice transport;	 /* ;transport= value */
	struct slice maddr;	 /* ;maddr= value */
	struct slice user_param; /* ;user= value */
};

/*
 * Parse s as a URI. Parameters go into pool (may be NULL when the URI's
 * parameters are not wanted: params_raw is still set). Returns false and
 * fills err on a syntax error or when s exceeds SIP_MAX_URI_LEN.
 */
bool sip_uri_parse(struct sip_uri *u, struct slice s, struct sip_pool *pool, struct sip_err *err);

/* Parse the part of a sip: URI after "sip:" ("alice@rr.net;app=ftp"), as a sip URI. */
bool sip_uri_parse_userhost(struct sip_uri *u, struct slice s, struct sip_pool *pool,
			    struct sip_err *err);

/* The value of parameter name (case-insensitive), NULL .p when absent. */
struct slice sip_uri_param(const struct sip_uri *u, const char *name);
bool sip_uri_has_param(const struct sip_uri *u, const char *name);

/*
 * Whether s is a dotted-quad IPv4 address (four decimal parts, each 0-255);
 * sip_host_ipv4() also gives its four bytes in network order (when true;
 * addr is left in pieces otherwise).
 */
bool sip_host_ipv4(struct slice s, uint8_t addr[4]);
static inline bool sip_host_is_ipv4(struct slice s)
{
	uint8_t addr[4];

	return sip_host_ipv4(s, addr);
}

/* Decode %HH escapes of s into dst (size dstlen). Returns the length, -1 if too long. */
int sip_unescape(char *dst, size_t dstlen, struct slice s);

/*
 * Parse header parameters, *( SEMI generic-param ) with values token, host or
 * quoted-string (quotes kept in the slice), from *c up to the first byte that
 * can't continue them. Used for Via and name-addr header parameters.
 */
struct cur;
bool sip_params_parse(struct cur *c, struct sip_pool *pool, const struct sip_param **first,
		      uint16_t *n, struct sip_err *err);

#endif
