/* SPDX-License-Identifier: MIT */
/*
 * Digest access authentication as SIP uses it (RFC 3261 section 22, RFC 2617,
 * RFC 7616, RFC 8760): the parser for the four authentication header values,
 * builders for challenges and credentials, and the hash computations.
 *
 * Parsing is zero-copy. Quoted-string values are sliced without their quotes
 * but with quoted-pairs (\x) and line folds left in place: that is the "wire
 * form". sip_auth_unquote() turns a wire-form value into the plain value.
 * The builders and digest_ha1()/digest_response() take plain values;
 * digest_verify() takes a parsed sip_auth and unquotes as it hashes.
 *
 * Hashing goes through OpenSSL 3's EVP interface; the EVP_MD objects are
 * fetched once per process and each thread reuses one EVP_MD_CTX. Parsing,
 * building and everything else here never allocate. Hashing allocates only
 * inside OpenSSL: 3.0 re-creates the provider's small context on every
 * digest init (one malloc per hash, measured), 3.1 and later reuse it.
 */
#ifndef NUTSS_SIP_DIGEST_H
#define NUTSS_SIP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/slice.h"
#include "sip/err.h"
#include "sip/uri.h"

enum digest_alg {
	DIGEST_ALG_UNKNOWN = 0, /* named but not one we implement */
	DIGEST_MD5,		/* also what an absent algorithm= means */
	DIGEST_MD5_SESS,
	DIGEST_SHA256,
	DIGEST_SHA256_SESS,
	DIGEST_SHA512_256, /* RFC 7616 "SHA-512-256", RFC 8760 for SIP */
	DIGEST_SHA512_256_SESS,
	DIGEST_ALG__COUNT
};

/* Hex digests are at most 64 characters; buffers take one more for the NUL. */
#define DIGEST_HEX_MAX 64
#define DIGEST_HEX_BUF (DIGEST_HEX_MAX + 1)

/*
 * One parsed challenge or credentials value:
 *
 *	scheme LWS auth-param *(COMMA auth-param)
 *	auth-param = token EQUAL (token / quoted-string)
 *
 * Every auth-param goes into params (in order, quoted values without their
 * quotes); the directives Digest defines are also copied to the named
 * fields, which are {NULL, 0} when absent. Named fields are filled whatever
 * the scheme, so "Basic realm=x" still has a realm.
 */
struct sip_auth {
	struct slice raw;    /* the whole value, LWS trimmed */
	struct slice scheme; /* "Digest" or any other token */
	struct slice username, realm, nonce, uri, response, algorithm, cnonce, opaque, qop, nc,
	    stale, domain, userhash;
	/*
	 * Non-Digest schemes only: an HTTP-style token68 ("Basic dXNlcg==")
	 * in place of auth-params. SIP forbids Basic (RFC 3261 22.1) but a
	 * server must still be able to read the message to refuse it.
	 */
	struct slice token68;
	const struct sip_param *params;
	uint16_t nparams;
	uint8_t alg;	/* enum digest_alg of algorithm (MD5 when absent) */
	bool is_digest; /* scheme is "Digest" (case-insensitive) */
};

/*
 * Parse one authentication header value. Parameters go into pool (may be
 * NULL: the named fields are still set). One value holds one challenge:
 * "Digest realm=a, nonce=b, Basic realm=c" is refused with a clear error, as
 * SIP user agents send one challenge per header line.
 *
 * Refused: an empty value, a parameter without '=' or with an empty token
 * value, an unterminated or malformed quoted string, a trailing or doubled
 * comma, "Digest" with no parameters, a Digest directive given twice (even
 * with the same value: a proxy and the UAS must not be able to read
 * different values from one header), more parameters than the pool holds.
 */
bool sip_auth_parse(struct sip_auth *a, struct slice value, struct sip_pool *pool,
		    struct sip_err *err);

/* The wire-form value of parameter name (case-insensitive); .p is NULL when absent. */
struct slice sip_auth_param(const struct sip_auth *a, const char *name);

/*
 * Whether a parameter value came from a quoted-string. Works only on value
 * slices handed out by sip_auth_parse (it looks at the byte before).
 */
bool sip_auth_quoted(struct slice value);

/*
 * Decode a wire-form value into dst (NUL-terminated): quoted-pairs become the
 * character, a line fold loses its CRLF and keeps its white space. Returns
 * the length, or -1 if dst is too small.
 */
int sip_auth_unquote(char *dst, size_t dstlen, struct slice v);

/* algorithm= value to enum; an absent value (p == NULL) is MD5 (RFC 7616 3.3). */
enum digest_alg digest_alg_of(struct slice s);
/* "MD5", "SHA-256-sess", ...; NULL for DIGEST_ALG_UNKNOWN. */
const char *digest_alg_name(enum digest_alg alg);
/* Hex length of the algorithm's hash (32 or 64), 0 for an unknown one. */
size_t digest_hex_len(enum digest_alg alg);
/* Whether OpenSSL can provide it here (a FIPS-only provider has no MD5). */
bool digest_alg_available(enum digest_alg alg);

/* nc-value = 8LHEX (upper case accepted). */
bool digest_nc_parse(struct slice nc, uint32_t *out);

/*
 * A challenge for WWW-Authenticate / Proxy-Authenticate. Slices are plain
 * values (escaped as needed); a slice with p == NULL is left out.
 */
struct digest_challenge {
	struct slice realm, nonce, opaque, domain;
	struct slice qop;     /* "auth", "auth,auth-int"; always quoted on output */
	enum digest_alg alg;  /* DIGEST_ALG_UNKNOWN: no algorithm= */
	bool stale, userhash; /* written as "=true" only when set */
};

/* Credentials for Authorization / Proxy-Authorization, plain values. */
struct digest_credentials {
	struct slice username, realm, nonce, uri, response; /* required */
	struct slice algorithm, cnonce, opaque, qop;	    /* p == NULL: left out */
	uint32_t nc;   /* 8 hex digits; written only when non-zero */
	bool userhash; /* username is H(user:realm); adds userhash=true */
};

/*
 * Write the header value (no header name, no CRLF) into buf, NUL-terminated.
 * Returns its length, or -1 if it doesn't fit, a value cannot be written (it
 * holds a CR or LF) or a required field is missing (realm and nonce in a
 * challenge; username, realm, nonce, uri and response in credentials).
 */
int digest_build_challenge(char *buf, size_t len, const struct digest_challenge *c);
/* The same challenge value appended to b; false when it cannot be written. */
bool digest_put_challenge(struct buf *b, const struct digest_challenge *c);
int digest_build_credentials(char *buf, size_t len, const struct digest_credentials *c);

/*
 * HA1 = H(username ":" realm ":" password) in lower-case hex, what a store
 * keeps instead of the password. For the -sess algorithms this is the base
 * H(...) too: the session key is derived per request by digest_response().
 * out must hold DIGEST_HEX_BUF bytes. Returns the hex length or -1.
 */
int digest_ha1(char *out, enum digest_alg alg, struct slice username, struct slice realm,
	       struct slice password);

/* userhash (RFC 7616 3.4.4): H(username ":" realm). Returns the hex length or -1. */
int digest_userhash(char *out, enum digest_alg alg, struct slice username, struct slice realm);

/* What the response hashes, as plain values. */
struct digest_input {
	enum digest_alg alg;
	struct slice ha1; /* hex, as digest_ha1() gives it */
	struct slice nonce;
	struct slice nc;     /* "00000001"; with qop only */
	struct slice cnonce; /* with qop, and with every -sess algorithm */
	struct slice qop;    /* "auth", "auth-int", or p == NULL for RFC 2069 */
	struct slice method; /* the request method, e.g. "REGISTER" */
	struct slice uri;    /* the digest-uri as sent in uri= */
	struct slice body;   /* the message body, for qop=auth-int only */
};

/*
 * request-digest = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2), or
 * H(HA1 ":" nonce ":" HA2) without qop (RFC 2069); HA2 = H(method ":" uri)
 * or, for auth-int, H(method ":" uri ":" H(body)); for -sess algorithms HA1
 * becomes H(HA1 ":" nonce ":" cnonce). Returns the hex length or -1 (unknown
 * algorithm or qop, missing cnonce/nc, bad HA1 length).
 */
int digest_response(char *out, const struct digest_input *in);

/*
 * Check credentials against the stored HA1 (hex) of the user they name: the
 * response is recomputed from the parsed (wire-form) fields and compared in
 * constant time. body is the message body, used only for qop=auth-int.
 * Checking that the nonce is fresh and ours, the realm is ours and the uri
 * matches the Request-URI is the caller's job.
 */
bool digest_verify(const struct sip_auth *cred, struct slice method, struct slice ha1_hex,
		   struct slice body);

#endif
