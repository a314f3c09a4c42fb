// SPDX-License-Identifier: MIT
/*
 * URI parsing (RFC 3261 19.1 and 25.1, RFC 3966 for tel). The userinfo of a
 * SIP URI may contain almost anything ("sip:user;par=u%40x@host" is one user
 * part), so the parser first looks for the '@' that ends it: '@' cannot occur
 * unescaped in a host, parameter or header, so the first one is the end of
 * the userinfo.
 */
#include <string.h>

#include "sip/chars.h"
#include "sip/limits.h"
#include "sip/uri.h"

static bool pool_add(struct sip_pool *pool, struct slice name, struct slice value,
		     struct sip_err *err)
{
	if (!pool)
		return true;
	if (pool->n >= pool->cap)
		return sip_fail(err, name.p, "too many parameters");
	pool->v[pool->n].name = name;
	pool->v[pool->n].value = value;
	pool->n++;
	return true;
}

bool sip_host_ipv4(struct slice s, uint8_t addr[4])
{
	const char *p = s.p, *end = s.p + s.len;

	/* four groups of one to three digits, each at most 255, dot separated */
	for (unsigned g = 0; g < 4; g++) {
		unsigned val, d;

		if (p >= end || (val = (unsigned char)*p - '0') > 9)
			return false;
		p++;
		if (p < end && (d = (unsigned char)*p - '0') <= 9) {
			val = val * 10 + d;
			p++;
			if (p < end && (d = (unsigned char)*p - '0') <= 9) {
				val = val * 10 + d;
				p++;
				if (val > 255)
					return false;
			}
		}
		addr[g] = (uint8_t)val;
		if (g < 3 && (p >= end || *p++ != '.'))
			return false;
	}
	return p == end; /* a fourth digit, or anything else, is no address */
}

/*
 * host = hostname / IPv4address / IPv6reference. Hostname labels are
 * alphanumerics and '-', dot separated, with an optional trailing dot.
 */
static bool parse_host(struct cur *c, struct slice *host, uint8_t *type, struct sip_err *err)
{
	const char *s = c->p;

	if (cur_accept(c, '[')) {
		struct slice v6;

		v6.p = c->p;
		while (c->p < c->end &&
		       (cc_is((unsigned char)*c->p, CC_HEX) || *c->p == ':' || *c->p == '.'))
			c->p++;
		v6.len = (size_t)(c->p - v6.p);
		if (!v6.len || !memchr(v6.p, ':', v6.len) || !cur_accept(c, ']'))
			return sip_fail(err, c->p, "malformed IPv6 reference");
		*host = v6;
		*type = SIP_HOST_IPV6;
		return true;
	}
	*host = cur_span(c, CC_HOSTNAME);
	if (!host->len)
		return sip_fail(err, s, "missing host");
	if (host->p[0] == '.' || host->p[0] == '-')
		return sip_fail(err, s, "malformed host name");
	*type = cc_is((unsigned char)host->p[0], CC_DIGIT) && sip_host_is_ipv4(*host)
		    ? SIP_HOST_IPV4
		    : SIP_HOST_NAME;
	return true;
}

static bool parse_port(struct cur *c, uint16_t *port, struct sip_err *err)
{
	uint64_t v;

	if (!cur_uint(c, 65535, &v))
		return sip_fail(err, c->p, "malformed or out-of-range port");
	*port = (uint16_t)v;
	return true;
}

/* uri-parameters: *( ";" pname [ "=" pvalue ] ), no whitespace anywhere. */
static bool parse_uri_params(struct sip_uri *u, struct cur *c, struct sip_pool *pool,
			     struct sip_err *err)
{
	unsigned first = pool ? pool->n : 0;
	const char *s = c->p;

	while (cur_accept(c, ';')) {
		struct slice name, value = SLICE_NULL;

		if (!cur_span_escaped(c, CC_PARAM, &name))
			return sip_fail(err, c->p, "malformed %-escape in URI parameter");
		if (!name.len)
			return sip_fail(err, c->p, "empty URI parameter");
		if (cur_accept(c, '=')) {
			if (!cur_span_escaped(c, CC_PARAM, &value))
				return sip_fail(err, c->p, "malformed %-escape in URI parameter");
			if (!value.len)
				return sip_fail(err, c->p, "empty URI parameter value");
		}
		switch (name.len) { /* the parameters a proxy acts on */
		case 2:
			u->lr |= SLICE_IS_LIT(name, "lr");
			break;
		case 4:
			if (SLICE_IS_LIT(name, "user"))
				u->user_param = value;
			break;
		case 5:
			if (SLICE_IS_LIT(name, "maddr"))
				u->maddr = value;
			break;
		case 9:
			if (SLICE_IS_LIT(name, "transport"))
				u->transport = value;
			break;
		}
		if (!pool_add(pool, name, value, err))
			return false;
	}
	u->params_raw = slice_make(s, (size_t)(c->p - s));
	if (pool) {
		u->params = pool->v + first;
		u->nparams = (uint16_t)(pool->n - first);
	}
	return true;
}

/* headers = "?" header *( "&" header ), header = hname "=" hvalue */
static bool parse_uri_headers(struct sip_uri *u, struct cur *c, struct sip_err *err)
{
	const char *s;

	if (!cur_accept(c, '?'))
		return true;
	s = c->p;
	do {
		struct slice name, value;

		if (!cur_span_escaped(c, CC_HNV, &name) || !name.len)
			return sip_fail(err, c->p, "malformed URI header name");
		if (!cur_accept(c, '='))
			return sip_fail(err, c->p, "URI header without '='");
		if (!cur_span_escaped(c, CC_HNV, &value))
			return sip_fail(err, c->p, "malformed %-escape in URI header");
	} while (cur_accept(c, '&'));
	u->headers = slice_make(s, (size_t)(c->p - s));
	return true;
}

static bool parse_sip(struct sip_uri *u, struct cur *c, struct sip_pool *pool, struct sip_err *err)
{
	const char *at = scan_byte(c->p, c->end, '@');

	if (at) {
		struct cur uc = {c->p, at};

		if (!cur_span_escaped(&uc, CC_USER, &u->user))
			return sip_fail(err, uc.p, "malformed %-escape in URI user");
		if (!u->user.len)
			return sip_fail(err, c->p, "empty user part in URI");
		if (cur_accept(&uc, ':')) {
			if (!cur_span_escaped(&uc, CC_PASSWORD, &u->password))
				return sip_fail(err, uc.p, "malformed %-escape in URI password");
		}
		if (!cur_eof(&uc))
			return sip_fail(err, uc.p, "invalid character in URI user part");
		c->p = at + 1;
	}
	u->hostport.p = c->p;
	if (!parse_host(c, &u->host, &u->host_type, err))
		return false;
	if (cur_accept(c, ':') && !parse_port(c, &u->port, err))
		return false;
	u->hostport.len = (size_t)(c->p - u->hostport.p);
	if (!parse_uri_params(u, c, pool, err) || !parse_uri_headers(u, c, err))
		return false;
	if (!cur_eof(c))
		return sip_fail(err, c->p, "invalid character in URI");
	return true;
}

/* tel: telephone-subscriber; we keep the number and its parameters. */
static bool parse_tel(struct sip_uri *u, struct cur *c, struct sip_pool *pool, struct sip_err *err)
{
	const char *s = c->p;

	while (c->p < c->end &&
	       (cc_is((unsigned char)*c->p, CC_HEX) || strchr("+-.()*#pPwW", *c->p)))
		c->p++;
	u->user = slice_make(s, (size_t)(c->p - s));
	if (!u->user.len)
		return sip_fail(err, s, "empty telephone number");
	if (!parse_uri_params(u, c, pool, err))
		return false;
	if (!cur_eof(c))
		return sip_fail(err, c->p, "invalid character in tel URI");
	return true;
}

/*
 * Field by field rather than memset: the compiler turns a memset of this
 * size into `rep stos`, whose start-up cost was a tenth of a full message
 * parse (seven URIs per INVITE).
 */
static void uri_init(struct sip_uri *u, struct slice s)
{
	u->raw = s;
	u->scheme = SLICE_NULL;
	u->user = SLICE_NULL;
	u->password = SLICE_NULL;
	u->host = SLICE_NULL;
	u->hostport = SLICE_NULL;
	u->params_raw = SLICE_NULL;
	u->headers = SLICE_NULL;
	u->opaque = SLICE_NULL;
	u->transport = SLICE_NULL;
	u->maddr = SLICE_NULL;
	u->user_param = SLICE_NULL;
	u->scheme_id = SIP_SCHEME_OTHER;
	u->host_type = SIP_HOST_NONE;
	u->port = 0;
	u->params = NULL;
	u->nparams = 0;
	u->lr = false;
}

/* flatten: one function per URI, not four calls deep (eight URIs in an INVITE) */
__attribute__((flatten)) bool sip_uri_parse(struct sip_uri *u, struct slice s,
					    struct sip_pool *pool, struct sip_err *err)
{
	struct cur c = cur_of(s);

	uri_init(u, s);
	if (s.len > SIP_MAX_URI_LEN)
		return sip_fail(err, s.p, "URI too long");
	/* Nearly every URI is sip:, so look for it before scanning a scheme. */
	if (s.len > 4 && lit_ieq(s.p, "sip:", 4)) {
		u->scheme = slice_make(s.p, 3);
		u->scheme_id = SIP_SCHEME_SIP;
		c.p += 4;
		return parse_sip(u, &c, pool, err);
	}
	if (!s.len || !cc_is((unsigned char)s.p[0], CC_ALPHA))
		return sip_fail(err, s.p, "URI has no scheme");
	u->scheme = cur_span(&c, CC_SCHEME);
	if (!cur_accept(&c, ':'))
		return sip_fail(err, c.p, "URI has no scheme");

	if (SLICE_IS_LIT(u->scheme, "sip")) {
		u->scheme_id = SIP_SCHEME_SIP;
		return parse_sip(u, &c, pool, err);
	}
	if (SLICE_IS_LIT(u->scheme, "sips")) {
		u->scheme_id = SIP_SCHEME_SIPS;
		return parse_sip(u, &c, pool, err);
	}
	if (SLICE_IS_LIT(u->scheme, "tel")) {
		u->scheme_id = SIP_SCHEME_TEL;
		return parse_tel(u, &c, pool, err);
	}
	/* absoluteURI of another scheme: kept opaque, but only legal characters. */
	u->scheme_id = SIP_SCHEME_OTHER;
	if (!cur_span_escaped(&c, CC_URIC | CC_UNRESERVED, &u->opaque) || !u->opaque.len ||
	    !cur_eof(&c))
		return sip_fail(err, c.p, "invalid character in URI");
	return true;
}

bool sip_uri_parse_userhost(struct sip_uri *u, struct slice s, struct sip_pool *pool,
			    struct sip_err *err)
{
	struct cur c = cur_of(s);

	uri_init(u, s);
	u->scheme_id = SIP_SCHEME_SIP;
	if (s.len > SIP_MAX_URI_LEN)
		return sip_fail(err, s.p, "URI too long");
	return parse_sip(u, &c, pool, err);
}

struct slice sip_uri_param(const struct sip_uri *u, const char *name)
{
	for (unsigned i = 0; i < u->nparams; i++)
		if (slice_caseeq_cstr(u->params[i].name, name))
			return u->params[i].value.p ? u->params[i].value
						    : slice_make(u->params[i].name.p, 0);
	return SLICE_NULL;
}

bool sip_uri_has_param(const struct sip_uri *u, const char *name)
{
	return sip_uri_param(u, name).p != NULL;
}

int sip_unescape(char *dst, size_t dstlen, struct slice s)
{
	size_t o = 0;

	for (size_t i = 0; i < s.len; i++) {
		char ch = s.p[i];

		if (ch == '%' && i + 2 < s.len && hexval((unsigned char)s.p[i + 1]) >= 0 &&
		    hexval((unsigned char)s.p[i + 2]) >= 0) {
			ch = (char)(hexval((unsigned char)s.p[i + 1]) << 4 |
				    hexval((unsigned char)s.p[i + 2]));
			i += 2;
		}
		if (o >= dstlen)
			return -1;
		dst[o++] = ch;
	}
	return (int)o;
}

/* generic-param values: token / host / quoted-string. */
static bool parse_gen_value(struct cur *c, struct slice *value, struct sip_err *err)
{
	const char *s = c->p;

	if (cur_peek(c) == '"') {
		struct slice inner;

		if (!cur_quoted(c, &inner, err))
			return false;
	} else {
		cur_span(c, CC_TOKEN | CC_HOST);
	}
	*value = slice_make(s, (size_t)(c->p - s));
	if (!value->len)
		return sip_fail(err, s, "empty parameter value");
	return true;
}

bool sip_params_parse(struct cur *c, struct sip_pool *pool, const struct sip_param **first,
		      uint16_t *n, struct sip_err *err)
{
	unsigned start = pool ? pool->n : 0;

	while (cur_sep(c, ';')) {
		struct slice name, value = SLICE_NULL;

		name = cur_span(c, CC_TOKEN);
		if (!name.len)
			return sip_fail(err, c->p, "empty or malformed parameter");
		if (cur_sep(c, '=') && !parse_gen_value(c, &value, err))
			return false;
		if (!pool_add(pool, name, value, err))
			return false;
	}
	if (pool) {
		*first = pool->v + start;
		*n = (uint16_t)(pool->n - start);
	} else {
		*first = NULL;
		*n = 0;
	}
	return true;
}
