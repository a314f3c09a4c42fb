// SPDX-License-Identifier: MIT
/*
 * The SIP message parser. One pass splits the start line and the header
 * lines (an inline byte scan for line ends, folds kept inside values), names each header
 * with a switch on its length, then the typed headers are parsed from their
 * value slices. Nothing is copied and nothing is allocated; the only state
 * reset per message is a handful of counters.
 */
#include <errno.h>
#include <string.h>

#include "sip/chars.h"
#include "sip/msg.h"

/* ---- names ---------------------------------------------------------- */

/* Each name with its length, so that a lookup costs no strlen(). */
#define METHOD(id, name) [id] = { name, sizeof(name) - 1 }
static const struct {
	const char *name;
	uint8_t len;
} methods[] = {
	METHOD(SIP_INVITE, "INVITE"),	  METHOD(SIP_ACK, "ACK"),
	METHOD(SIP_BYE, "BYE"),		  METHOD(SIP_CANCEL, "CANCEL"),
	METHOD(SIP_REGISTER, "REGISTER"), METHOD(SIP_OPTIONS, "OPTIONS"),
	METHOD(SIP_PRACK, "PRACK"),	  METHOD(SIP_SUBSCRIBE, "SUBSCRIBE"),
	METHOD(SIP_NOTIFY, "NOTIFY"),	  METHOD(SIP_PUBLISH, "PUBLISH"),
	METHOD(SIP_INFO, "INFO"),	  METHOD(SIP_REFER, "REFER"),
	METHOD(SIP_MESSAGE, "MESSAGE"),	  METHOD(SIP_UPDATE, "UPDATE"),
};
#undef METHOD

/* Methods are case-sensitive (RFC 3261 7.1); the first letter picks the candidates. */
enum sip_method sip_method_id(struct slice s)
{
	static const uint8_t by_first[26][3] = {
		['A' - 'A'] = { SIP_ACK },
		['B' - 'A'] = { SIP_BYE },
		['C' - 'A'] = { SIP_CANCEL },
		['I' - 'A'] = { SIP_INVITE, SIP_INFO },
		['M' - 'A'] = { SIP_MESSAGE },
		['N' - 'A'] = { SIP_NOTIFY },
		['O' - 'A'] = { SIP_OPTIONS },
		['P' - 'A'] = { SIP_PRACK, SIP_PUBLISH },
		['R' - 'A'] = { SIP_REGISTER, SIP_REFER },
		['S' - 'A'] = { SIP_SUBSCRIBE },
		['U' - 'A'] = { SIP_UPDATE },
	};

	if (!s.len || s.p[0] < 'A' || s.p[0] > 'Z')
		return SIP_METHOD_OTHER;
	for (unsigned i = 0; i < 3 && by_first[s.p[0] - 'A'][i]; i++) {
		uint8_t id = by_first[s.p[0] - 'A'][i];

		if (s.len == methods[id].len && memcmp(s.p, methods[id].name, s.len) == 0)
			return (enum sip_method)id;
	}
	return SIP_METHOD_OTHER;
}

const char *sip_method_name(enum sip_method m)
{
	if ((unsigned)m >= sizeof(methods) / sizeof(methods[0]))
		return NULL;
	return methods[m].name;
}

static const char *const hdr_names[SIP_H__COUNT] = {
	[SIP_H_VIA] = "Via",
	[SIP_H_FROM] = "From",
	[SIP_H_TO] = "To",
	[SIP_H_CALL_ID] = "Call-ID",
	[SIP_H_CSEQ] = "CSeq",
	[SIP_H_MAX_FORWARDS] = "Max-Forwards",
	[SIP_H_CONTENT_LENGTH] = "Content-Length",
	[SIP_H_CONTACT] = "Contact",
	[SIP_H_ROUTE] = "Route",
	[SIP_H_RECORD_ROUTE] = "Record-Route",
	[SIP_H_PATH] = "Path",
	[SIP_H_CONTENT_TYPE] = "Content-Type",
	[SIP_H_EXPIRES] = "Expires",
	[SIP_H_REQUIRE] = "Require",
	[SIP_H_PROXY_REQUIRE] = "Proxy-Require",
	[SIP_H_SUPPORTED] = "Supported",
	[SIP_H_UNSUPPORTED] = "Unsupported",
	[SIP_H_AUTHORIZATION] = "Authorization",
	[SIP_H_PROXY_AUTHORIZATION] = "Proxy-Authorization",
	[SIP_H_WWW_AUTHENTICATE] = "WWW-Authenticate",
	[SIP_H_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
	[SIP_H_DATE] = "Date",
	[SIP_H_ALLOW] = "Allow",
	[SIP_H_ACCEPT] = "Accept",
	[SIP_H_SUBJECT] = "Subject",
	[SIP_H_CONTENT_ENCODING] = "Content-Encoding",
	[SIP_H_EVENT] = "Event",
	[SIP_H_REFER_TO] = "Refer-To",
	[SIP_H_WARNING] = "Warning",
	[SIP_H_USER_AGENT] = "User-Agent",
};

const char *sip_hdr_name(enum sip_hdr_id id)
{
	return (unsigned)id < SIP_H__COUNT ? hdr_names[id] : NULL;
}

/* RFC 3261 7.3.3 compact forms, indexed by lower-case letter. */
static const uint8_t compact[26] = {
	['c' - 'a'] = SIP_H_CONTENT_TYPE, ['e' - 'a'] = SIP_H_CONTENT_ENCODING,
	['f' - 'a'] = SIP_H_FROM,	  ['i' - 'a'] = SIP_H_CALL_ID,
	['k' - 'a'] = SIP_H_SUPPORTED,	  ['l' - 'a'] = SIP_H_CONTENT_LENGTH,
	['m' - 'a'] = SIP_H_CONTACT,	  ['o' - 'a'] = SIP_H_EVENT,
	['r' - 'a'] = SIP_H_REFER_TO,	  ['s' - 'a'] = SIP_H_SUBJECT,
	['t' - 'a'] = SIP_H_TO,		  ['v' - 'a'] = SIP_H_VIA,
};

/* The same names in lower case, for the comparison in name_is(). */
static const char *const hdr_lower[SIP_H__COUNT] = {
	[SIP_H_VIA] = "via",
	[SIP_H_FROM] = "from",
	[SIP_H_TO] = "to",
	[SIP_H_CALL_ID] = "call-id",
	[SIP_H_CSEQ] = "cseq",
	[SIP_H_MAX_FORWARDS] = "max-forwards",
	[SIP_H_CONTENT_LENGTH] = "content-length",
	[SIP_H_CONTACT] = "contact",
	[SIP_H_ROUTE] = "route",
	[SIP_H_RECORD_ROUTE] = "record-route",
	[SIP_H_PATH] = "path",
	[SIP_H_CONTENT_TYPE] = "content-type",
	[SIP_H_EXPIRES] = "expires",
	[SIP_H_REQUIRE] = "require",
	[SIP_H_PROXY_REQUIRE] = "proxy-require",
	[SIP_H_SUPPORTED] = "supported",
	[SIP_H_UNSUPPORTED] = "unsupported",
	[SIP_H_AUTHORIZATION] = "authorization",
	[SIP_H_PROXY_AUTHORIZATION] = "proxy-authorization",
	[SIP_H_WWW_AUTHENTICATE] = "www-authenticate",
	[SIP_H_PROXY_AUTHENTICATE] = "proxy-authenticate",
	[SIP_H_DATE] = "date",
	[SIP_H_ALLOW] = "allow",
	[SIP_H_ACCEPT] = "accept",
	[SIP_H_SUBJECT] = "subject",
	[SIP_H_CONTENT_ENCODING] = "content-encoding",
	[SIP_H_EVENT] = "event",
	[SIP_H_REFER_TO] = "refer-to",
	[SIP_H_WARNING] = "warning",
	[SIP_H_USER_AGENT] = "user-agent",
};

static inline bool name_is(const char *name, size_t len, enum sip_hdr_id id)
{
	/*
	 * Callers pick candidates by length, so the names are known to be len
	 * long. lit_ieq(), not token_is_lower(): known_name() asks before the
	 * name is known to be a token ("Call\rID" must not be Call-ID).
	 */
	return lit_ieq(name, hdr_lower[id], len);
}

/*
 * Name a header: the length and the first letter pick at most one
 * candidate, and one comparison confirms it. (Compact forms are the names
 * of length 1.) A table rather than a switch: one load.
 */
#define C(len, c0, id) [len][(c0) - 'a'] = (id)
static const uint8_t candidates[20][26] = {
	C(2, 't', SIP_H_TO),
	C(3, 'v', SIP_H_VIA),
	C(4, 'f', SIP_H_FROM),
	C(4, 'c', SIP_H_CSEQ),
	C(4, 'p', SIP_H_PATH),
	C(4, 'd', SIP_H_DATE),
	C(5, 'r', SIP_H_ROUTE),
	C(5, 'a', SIP_H_ALLOW),
	C(5, 'e', SIP_H_EVENT),
	C(6, 'a', SIP_H_ACCEPT),
	C(7, 'c', SIP_H_CALL_ID), /* or Contact: see sip_hdr_lookup() */
	C(7, 'e', SIP_H_EXPIRES),
	C(7, 'r', SIP_H_REQUIRE),
	C(7, 's', SIP_H_SUBJECT),
	C(7, 'w', SIP_H_WARNING),
	C(8, 'r', SIP_H_REFER_TO),
	C(9, 's', SIP_H_SUPPORTED),
	C(10, 'u', SIP_H_USER_AGENT),
	C(11, 'u', SIP_H_UNSUPPORTED),
	C(12, 'm', SIP_H_MAX_FORWARDS),
	C(12, 'c', SIP_H_CONTENT_TYPE),
	C(12, 'r', SIP_H_RECORD_ROUTE),
	C(13, 'a', SIP_H_AUTHORIZATION),
	C(13, 'p', SIP_H_PROXY_REQUIRE),
	C(14, 'c', SIP_H_CONTENT_LENGTH),
	C(16, 'w', SIP_H_WWW_AUTHENTICATE),
	C(16, 'c', SIP_H_CONTENT_ENCODING),
	C(18, 'p', SIP_H_PROXY_AUTHENTICATE),
	C(19, 'p', SIP_H_PROXY_AUTHORIZATION),
};
#undef C

/* c0 is the first byte with 0x20 OR-ed in: a letter only if it was one */
static inline enum sip_hdr_id candidate(size_t len, unsigned char c0)
{
	if (len >= 20 || c0 < 'a' || c0 > 'z')
		return SIP_H_OTHER;
	return (enum sip_hdr_id)candidates[len][c0 - 'a'];
}

/* sip_hdr_lookup(), inline for split_headers()'s known_name() */
static inline enum sip_hdr_id lookup(const char *name, size_t len)
{
	unsigned char c0 = (unsigned char)(name[0] | 0x20);
	enum sip_hdr_id id;

	if (len == 1)
		return c0 >= 'a' && c0 <= 'z' ? (enum sip_hdr_id)compact[c0 - 'a'] : SIP_H_OTHER;
	id = candidate(len, c0);
	if (id == SIP_H_OTHER)
		return id;
	if (name_is(name, len, id))
		return id;
	/* the one clash of length and first letter: Call-ID and Contact */
	if (id == SIP_H_CALL_ID && name_is(name, len, SIP_H_CONTACT))
		return SIP_H_CONTACT;
	return SIP_H_OTHER;
}

enum sip_hdr_id sip_hdr_lookup(const char *name, size_t len)
{
	return lookup(name, len);
}

/*
 * A known header's name, read from the colon after it rather than by a
 * class span: the position of the ':' gives the length, and lookup()
 * (through lit_ieq()) checks every byte.
 * So the name is a token ended by ':', as split_headers() would find it.
 * Returns SIP_H__COUNT, "take the general path", for anything else: no
 * ':' in the first 16 bytes, white space before it, an unknown name.
 */
static enum sip_hdr_id known_name(const char *p, const char *end, size_t *len)
{
#ifdef __SSE2__
	unsigned colon;
	size_t n;
	enum sip_hdr_id id;

	if (end - p < 16)
		return SIP_H__COUNT;
	colon = (unsigned)_mm_movemask_epi8(
		_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
			       _mm_set1_epi8(':')));
	if (!colon)
		return SIP_H__COUNT;
	n = (size_t)__builtin_ctz(colon);
	*len = n;
	/* a known name is all letters and "-" (lookup() checks every byte) */
	id = n ? lookup(p, n) : SIP_H_OTHER;
	return id == SIP_H_OTHER ? SIP_H__COUNT : id;
#else
	(void)p, (void)end, (void)len;
	return SIP_H__COUNT;
#endif
}

/* ---- start line ------------------------------------------------------ */

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is served (505 otherwise). */
static bool parse_version(struct slice v, struct sip_err *err)
{
	struct cur c = cur_of(v);
	uint64_t major, minor;

	if (v.len < 4 || !lit_ieq(v.p, "sip/", 4))
		return sip_fail(err, v.p, "malformed SIP version");
	c.p += 4;
	if (!cur_uint(&c, 999, &major) || !cur_accept(&c, '.') || !cur_uint(&c, 999, &minor) ||
	    !cur_eof(&c))
		return sip_fail(err, v.p, "malformed SIP version");
	if (major != 2 || minor != 0)
		return sip_fail_status(err, v.p, 505, "unsupported SIP version");
	return true;
}

static bool parse_status_line(struct sip_msg *m, struct slice line, struct sip_err *err)
{
	struct cur c = cur_of(line);
	const char *sp = memchr(line.p, ' ', line.len);
	uint64_t code;

	if (!sp)
		return sip_fail(err, line.p, "malformed status line");
	m->version = slice_make(line.p, (size_t)(sp - line.p));
	if (!parse_version(m->version, err))
		return false;
	c.p = sp + 1;
	/* Status-Code = 3DIGIT: "4294967301" must be an error, not a wrap. */
	if (c.end - c.p < 3 || !cc_is((unsigned char)c.p[0], CC_DIGIT) ||
	    !cc_is((unsigned char)c.p[1], CC_DIGIT) || !cc_is((unsigned char)c.p[2], CC_DIGIT) ||
	    (c.end - c.p > 3 && c.p[3] != ' '))
		return sip_fail(err, c.p, "status code is not three digits");
	code = (uint64_t)((c.p[0] - '0') * 100 + (c.p[1] - '0') * 10 + (c.p[2] - '0'));
	if (code < 100 || code > 699)
		return sip_fail(err, c.p, "status code out of range");
	m->status = (uint16_t)code;
	c.p += 3;
	if (cur_accept(&c, ' '))
		m->reason = cur_rest(&c);
	for (const char *q = m->reason.p; q && q < c.end; q++)
		if ((unsigned char)*q < 0x20 && *q != '\t')
			return sip_fail(err, q, "control character in reason phrase");
	return true;
}

static bool parse_request_line(struct sip_msg *m, struct slice line, struct sip_err *err)
{
	struct cur c = cur_of(line);
	const char *sp2;

	m->method = cur_span(&c, CC_TOKEN);
	if (!m->method.len)
		return sip_fail(err, c.p, "malformed request line: no method");
	if (m->method.len > SIP_MAX_METHOD_LEN)
		return sip_fail(err, c.p, "method too long");
	if (!cur_accept(&c, ' '))
		return sip_fail(err, c.p,
				"malformed request line: expected one space after the method");
	if (cur_peek(&c) == ' ')
		return sip_fail(err, c.p, "malformed request line: more than one space");
	if (cur_peek(&c) == '<')
		return sip_fail(err, c.p, "Request-URI must not be enclosed in <>");
	sp2 = scan_byte(c.p, c.end, ' ');
	if (!sp2)
		return sip_fail(err, c.end, "malformed request line: no SIP version");
	m->ruri_raw = slice_make(c.p, (size_t)(sp2 - c.p));
	c.p = sp2 + 1;
	if (cur_peek(&c) == ' ')
		return sip_fail(err, c.p, "malformed request line: more than one space");
	m->version = cur_rest(&c);
	if (!(m->version.len == 7 && memcmp(m->version.p, "SIP/2.0", 7) == 0) &&
	    (memchr(m->version.p, ' ', m->version.len) ||
	     memchr(m->version.p, '\t', m->version.len))) {
		struct slice t = slice_rtrim_lws(m->version);

		/* "sip:a@b; lr SIP/2.0" (RFC 4475 lwsruri) vs "... SIP/2.0  " (trws) */
		if (memchr(t.p, ' ', t.len) || memchr(t.p, '\t', t.len))
			return sip_fail(err, sp2, "white space inside the Request-URI");
		return sip_fail(err, t.p + t.len, "white space at the end of the request line");
	}
	if (!parse_version(m->version, err))
		return false;
	m->method_id = (uint8_t)sip_method_id(m->method);
	if (!sip_uri_parse(&m->ruri, m->ruri_raw, &m->pool, err))
		return false;
	/* RFC 3261 19.1.5: a Request-URI never carries escaped headers. */
	if (m->ruri.headers.len && m->ruri.scheme_id != SIP_SCHEME_OTHER)
		return sip_fail(err, m->ruri.headers.p - 1,
				"headers are not allowed in a Request-URI");
	return true;
}

/* ---- typed headers --------------------------------------------------- */

/*
 * A single-value header given twice with different values: the message is
 * well-formed but a server must answer 400 (RFC 4475 3.3.8, multi01).
 */
static void note_repeat(struct sip_msg *m, unsigned h, const char *what)
{
	sip_fail(&m->semantic, m->hdrs[h].name.p, what);
}

/* value must be used up, apart from trailing LWS. */
static bool at_end(struct cur *c, struct sip_err *err, const char *what)
{
	cur_skip_lws(c);
	if (!cur_eof(c))
		return sip_fail(err, c->p, what);
	return true;
}

static bool parse_via(struct sip_msg *m, unsigned h, struct sip_err *err)
{
	struct cur c = cur_of(m->hdrs[h].value);

	do {
		struct sip_via *v;
		uint64_t port;

		if (m->nvia >= SIP_MAX_VIA)
			return sip_fail(err, c.p, "too many Via entries");
		v = &m->via[m->nvia++];
		/* every field is set below or here; no memset (see uri_init()) */
		v->port = 0;
		v->has_rport = false;
		v->branch = SLICE_NULL;
		v->received = SLICE_NULL;
		v->rport = SLICE_NULL;
		v->maddr = SLICE_NULL;
		v->ttl = SLICE_NULL;
		v->hdr = (uint8_t)h;
		cur_skip_lws(&c);
		v->raw.p = c.p;
		/* sent-protocol = name SLASH version SLASH transport, SLASH = SWS "/" SWS */
		if (c.end - c.p > 8 && lit_ieq(c.p, "sip/2.0/", 8)) {
			/* as nearly every Via is written */
			v->protocol = slice_make(c.p, 3);
			v->version = slice_make(c.p + 4, 3);
			c.p += 8;
		} else {
			v->protocol = cur_span(&c, CC_TOKEN);
			if (!v->protocol.len || !cur_sep(&c, '/'))
				return sip_fail(err, c.p, "malformed Via sent-protocol");
			v->version = cur_span(&c, CC_TOKEN);
			if (!v->version.len || !cur_sep(&c, '/'))
				return sip_fail(err, c.p, "malformed Via sent-protocol");
		}
		v->transport = cur_span(&c, CC_TOKEN);
		if (!v->transport.len)
			return sip_fail(err, c.p, "malformed Via transport");
		cur_skip_lws(&c);
		/* sent-by = host [ COLON port ] */
		{
			const char *hs = c.p;

			if (cur_accept(&c, '[')) {
				while (c.p < c.end && (cc_is((unsigned char)*c.p, CC_HEX) ||
						       *c.p == ':' || *c.p == '.'))
					c.p++;
				if (!cur_accept(&c, ']') || c.p - hs < 4)
					return sip_fail(err, hs, "malformed IPv6 reference in Via");
				v->host = slice_make(hs + 1, (size_t)(c.p - hs - 2));
				v->host_type = SIP_HOST_IPV6;
			} else {
				v->host = cur_span(&c, CC_HOSTNAME);
				if (!v->host.len)
					return sip_fail(err, hs, "missing host in Via");
				v->host_type = cc_is((unsigned char)v->host.p[0], CC_DIGIT) &&
							       sip_host_is_ipv4(v->host)
						       ? SIP_HOST_IPV4
						       : SIP_HOST_NAME;
			}
		}
		if (cur_sep(&c, ':')) {
			if (!cur_uint(&c, 65535, &port))
				return sip_fail(err, c.p, "malformed or out-of-range port in Via");
			v->port = (uint16_t)port;
		}
		if (!sip_params_parse(&c, &m->pool, &v->params, &v->nparams, err))
			return false;
		for (unsigned i = 0; i < v->nparams; i++) {
			const struct sip_param *p = &v->params[i];

			switch (p->name.len) {
			case 3:
				if (SLICE_IS_LIT(p->name, "ttl"))
					v->ttl = p->value;
				break;
			case 5:
				if (SLICE_IS_LIT(p->name, "rport")) {
					v->has_rport = true;
					v->rport = p->value;
				} else if (SLICE_IS_LIT(p->name, "maddr")) {
					v->maddr = p->value;
				}
				break;
			case 6:
				if (SLICE_IS_LIT(p->name, "branch"))
					v->branch = p->value;
				break;
			case 8:
				if (SLICE_IS_LIT(p->name, "received"))
					v->received = p->value;
				break;
			}
		}
		v->raw.len = (size_t)(c.p - v->raw.p);
	} while (cur_sep(&c, ','));
	return at_end(&c, err, "unexpected character in Via");
}

/* Call-ID = word [ "@" word ] */
static bool parse_call_id(struct sip_msg *m, unsigned h, struct sip_err *err)
{
	struct slice v = m->hdrs[h].value;
	struct cur c = cur_of(v);

	if (!cur_span(&c, CC_WORD).len)
		return sip_fail(err, c.p, "empty or malformed Call-ID");
	if (cur_accept(&c, '@') && !cur_span(&c, CC_WORD).len)
		return sip_fail(err, c.p, "malformed Call-ID");
	if (!cur_eof(&c))
		return sip_fail(err, c.p, "malformed Call-ID");
	if (m->call_id.p && !slice_eq(m->call_id, v))
		note_repeat(m, h, "Call-ID repeated with a different value");
	else
		m->call_id = v;
	return true;
}

static bool parse_cseq(struct sip_msg *m, unsigned h, struct sip_err *err)
{
	struct cur c = cur_of(m->hdrs[h].value);
	struct sip_cseq cs;
	uint64_t seq;

	if (!cur_uint(&c, SIP_MAX_CSEQ, &seq))
		return sip_fail(err, c.p, "CSeq number missing or larger than 2**31-1");
	cs.seq = (uint32_t)seq;
	cur_skip_lws(&c);
	cs.method = cur_span(&c, CC_TOKEN);
	if (!cs.method.len)
		return sip_fail(err, c.p, "CSeq without a method");
	if (!at_end(&c, err, "unexpected character in CSeq"))
		return false;
	cs.method_id = (uint8_t)sip_method_id(cs.method);
	if (m->cseq.method.p) {
		if (m->cseq.seq != cs.seq || !slice_eq(m->cseq.method, cs.method))
			note_repeat(m, h, "CSeq repeated with a different value");
		return true;
	}
	m->cseq = cs;
	return true;
}

static bool parse_small_uint(struct slice v, uint64_t max, uint64_t *out, struct sip_err *err,
			     const char *what)
{
	struct cur c = cur_of(v);

	/* Point at the number itself: an overflow stops the cursor half-way. */
	if (!cur_uint(&c, max, out) || !cur_eof(&c))
		return sip_fail(err, v.p, what);
	return true;
}

/*
 * name-addr / addr-spec with header parameters (From, To, Contact, Route,
 * Record-Route, Path). In the addr-spec form a URI ends at ';', ',' or white
 * space, and one containing '?' must have been enclosed in <> (RFC 3261
 * 20.10), which is the RFC 4475 regbadct case.
 */
static bool parse_addr(struct sip_msg *m, struct cur *c, struct sip_addr *a, bool allow_star,
		       struct sip_err *err)
{
	const char *s;
	struct slice uri;

	/* Field by field, and a->uri by sip_uri_parse(): see uri_init(). */
	a->display = SLICE_NULL;
	a->tag = SLICE_NULL;
	a->expires = SLICE_NULL;
	a->q = SLICE_NULL;
	a->params = NULL;
	a->nparams = 0;
	a->star = false;
	a->hdr = 0;
	cur_skip_lws(c);
	a->raw.p = c->p;
	if (allow_star && cur_peek(c) == '*') {
		c->p++;
		a->star = true;
		a->raw.len = 1;
		memset(&a->uri, 0, sizeof(a->uri));
		return true;
	}
	s = c->p;
	if (cur_peek(c) == '"') {
		struct slice inner;

		if (!cur_quoted(c, &inner, err))
			return false;
		a->display = slice_make(s, (size_t)(c->p - s));
		cur_skip_lws(c);
		if (cur_peek(c) != '<')
			return sip_fail(err, c->p, "expected '<' after the display name");
	} else if (cur_peek(c) != '<') {
		/* Either *(token LWS) "<" or an addr-spec: look for the '<'. */
		struct cur t = *c;
		const char *dend = s;

		while (cur_span(&t, CC_TOKEN).len) {
			dend = t.p;
			cur_skip_lws(&t);
		}
		if (cur_peek(&t) == '<') {
			a->display = slice_make(s, (size_t)(dend - s));
			*c = t;
		}
	}
	if (cur_accept(c, '<')) {
		const char *gt = scan_byte(c->p, c->end, '>');

		if (!gt)
			return sip_fail(err, c->p, "missing '>'");
		uri = slice_make(c->p, (size_t)(gt - c->p));
		if (uri.len && (uri.p[0] == ' ' || uri.p[0] == '\t' || uri.p[uri.len - 1] == ' ' ||
				uri.p[uri.len - 1] == '\t'))
			return sip_fail(err, uri.p, "white space inside <>");
		c->p = gt + 1;
		if (!sip_uri_parse(&a->uri, uri, &m->pool, err))
			return false;
	} else {
		const char *u = c->p;

		while (c->p < c->end && *c->p != ';' && *c->p != ',' && *c->p != ' ' &&
		       *c->p != '\t' && *c->p != '\r' && *c->p != '\n')
			c->p++;
		uri = slice_make(u, (size_t)(c->p - u));
		if (!memchr(uri.p, ':', uri.len))
			return sip_fail(err, u,
					"expected a URI or 'name <URI>' (a display name with "
					"special characters must be quoted)");
		if (memchr(uri.p, '?', uri.len))
			return sip_fail(err, memchr(uri.p, '?', uri.len),
					"a URI with headers must be enclosed in <>");
		if (!sip_uri_parse(&a->uri, uri, &m->pool, err))
			return false;
	}
	if (!sip_params_parse(c, &m->pool, &a->params, &a->nparams, err))
		return false;
	for (unsigned i = 0; i < a->nparams; i++) {
		const struct sip_param *p = &a->params[i];

		if (SLICE_IS_LIT(p->name, "tag"))
			a->tag = p->value;
		else if (SLICE_IS_LIT(p->name, "expires"))
			a->expires = p->value;
		else if (SLICE_IS_LIT(p->name, "q"))
			a->q = p->value;
	}
	a->raw.len = (size_t)(c->p - a->raw.p);
	return true;
}

static bool parse_from_to(struct sip_msg *m, unsigned h, struct sip_addr *a, const char *what,
			  struct sip_err *err)
{
	struct cur c = cur_of(m->hdrs[h].value);
	struct sip_addr tmp, *dst = a->raw.p ? &tmp : a;

	if (!parse_addr(m, &c, dst, false, err))
		return false;
	if (!at_end(&c, err, "unexpected character after the address"))
		return false;
	if (dst == a)
		a->hdr = (uint8_t)h;
	else if (!slice_eq(a->raw, tmp.raw))
		note_repeat(m, h, what);
	return true;
}

static bool parse_addr_list(struct sip_msg *m, unsigned h, struct sip_addr *list, uint8_t *n,
			    bool allow_star, struct sip_err *err)
{
	struct cur c = cur_of(m->hdrs[h].value);

	do {
		struct sip_addr *a;

		if (*n >= SIP_MAX_ADDR_ENTRIES)
			return sip_fail(err, c.p, "too many addresses in one header field");
		a = &list[*n];
		if (!parse_addr(m, &c, a, allow_star, err))
			return false;
		a->hdr = (uint8_t)h;
		(*n)++;
	} while (cur_sep(&c, ','));
	return at_end(&c, err, "unexpected character in address list");
}

static bool parse_tags(struct sip_msg *m, unsigned h, struct sip_err *err)
{
	struct cur c = cur_of(m->hdrs[h].value);

	if (cur_eof(&c)) /* Supported: with no tags is legal */
		return true;
	do {
		struct slice t = cur_span(&c, CC_TOKEN);

		if (!t.len)
			return sip_fail(err, c.p, "malformed option tag");
		if (m->ntags >= SIP_MAX_OPTION_TAGS)
			return sip_fail(err, c.p, "too many option tags");
		m->tags[m->ntags].tag = t;
		m->tags[m->ntags].hdr_id = m->hdrs[h].id;
		m->ntags++;
	} while (cur_sep(&c, ','));
	return at_end(&c, err, "unexpected character in option tags");
}

/* media-type = m-type SLASH m-subtype *(SEMI m-parameter) */
static bool parse_content_type(struct sip_msg *m, unsigned h, struct sip_err *err)
{
	struct cur c = cur_of(m->hdrs[h].value);
	const struct sip_param *params;
	uint16_t n;

	m->content_type = cur_span(&c, CC_TOKEN);
	if (!m->content_type.len || !cur_sep(&c, '/'))
		return sip_fail(err, c.p, "malformed Content-Type");
	m->content_subtype = cur_span(&c, CC_TOKEN);
	if (!m->content_subtype.len)
		return sip_fail(err, c.p, "malformed Content-Type");
	if (!sip_params_parse(&c, &m->pool, &params, &n, err))
		return false;
	return at_end(&c, err, "unexpected character in Content-Type");
}

/* rfc1123-date = wkday "," SP date1 SP time SP "GMT" (RFC 3261 20.17) */
static bool parse_date(struct slice v, struct sip_err *err)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *p = v.p;
	bool ok = false;

	if (v.len != 29)
		return sip_fail(err, v.p,
				"malformed Date (expected e.g. 'Sat, 13 Nov 2010 23:29:00 GMT')");
	for (unsigned i = 0; i < 7; i++)
		ok |= !memcmp(p, days[i], 3);
	if (!ok || p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' ' || p[16] != ' ' ||
	    p[19] != ':' || p[22] != ':' || p[25] != ' ')
		return sip_fail(err, v.p, "malformed Date");
	ok = false;
	for (unsigned i = 0; i < 12; i++)
		ok |= !memcmp(p + 8, months[i], 3);
	static const uint8_t digit_at[] = { 5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24 };
	for (unsigned i = 0; i < sizeof(digit_at); i++)
		if (!cc_is((unsigned char)p[digit_at[i]], CC_DIGIT))
			return sip_fail(err, p + digit_at[i], "malformed Date");
	if (!ok)
		return sip_fail(err, p + 8, "malformed Date month");
	if (memcmp(p + 26, "GMT", 3))
		return sip_fail(err, p + 26, "Date must be in GMT");
	return true;
}

/* ---- the message ----------------------------------------------------- */

static void reset(struct sip_msg *m)
{
	/* Only counters and the fields tested for presence: the arrays are not cleared. */
	m->depth = 0;
	m->is_request = false; /* read by whoever answers a message that failed early */
	m->trailing = 0;
	m->method = SLICE_NULL;
	m->reason = SLICE_NULL;
	m->version = SLICE_NULL;
	m->ruri_raw = SLICE_NULL;
	m->method_id = 0;
	m->status = 0;
	m->nhdrs = 0;
	m->seen = 0;
	m->nvia = 0;
	m->call_id = SLICE_NULL;
	memset(&m->cseq, 0, sizeof(m->cseq));
	m->max_forwards = -1;
	m->content_length = -1;
	/* From and To are zeroed at the end of a full parse when absent (see there). */
	m->from.raw = SLICE_NULL;
	m->to.raw = SLICE_NULL;
	m->ncontact = m->nroute = m->nrecord_route = m->npath = 0;
	m->contact_star = false;
	m->expires = -1;
	m->content_type = SLICE_NULL;
	m->content_subtype = SLICE_NULL;
	m->ntags = 0;
	m->nauth = 0;
	m->semantic = (struct sip_err){ 0 };
	m->pool = (struct sip_pool){ m->pool_v, 0, SIP_MAX_PARAMS };
}

/* Split the header section into m->hdrs; returns the first byte of the body. */
static const char *split_headers(struct sip_msg *m, const char *p, const char *end,
				 struct sip_err *err)
{
	for (;;) {
		const char *q, *nl, *lend;
		enum sip_hdr_id id;
		struct sip_hdr *h;
		struct cur c;

		if (p >= end)
			return sip_fail(err, end, "header section not ended by an empty line"),
			       NULL;
		/* Anything but a header name here is the end of the section or an error. */
		if (!cc_is((unsigned char)*p, CC_TOKEN)) {
			if (*p == '\r' && end - p >= 2 && p[1] == '\n')
				return p + 2;
			if (*p == '\n')
				return sip_fail(err, p,
						"line ended by LF alone (SIP lines end with CRLF)"),
				       NULL;
			if (*p == ' ' || *p == '\t')
				return sip_fail(err, p, "header line begins with white space"),
				       NULL;
			if (*p == '\r')
				return sip_fail(err, p, "stray CR in header section"), NULL;
			return sip_fail(err, p, "malformed header line: expected 'name:'"), NULL;
		}
		if (m->nhdrs >= SIP_MAX_HEADERS)
			return sip_fail_status(err, p, 413, "too many header lines"), NULL;
		h = &m->hdrs[m->nhdrs];
		c = (struct cur){ p, end };
		id = known_name(p, end, &h->name.len);
		if (id != SIP_H__COUNT) {
			h->name.p = p;
			c.p = p + h->name.len;
		} else {
			h->name = cur_span(&c, CC_TOKEN);
			if (c.p < end && *c.p != ':') /* HCOLON = *( SP / HTAB ) ":" SWS */
				while (c.p < end && (*c.p == ' ' || *c.p == '\t'))
					c.p++;
			if (c.p >= end || *c.p != ':')
				return sip_fail(err, c.p, "malformed header line: expected 'name:'"),
				       NULL;
			id = sip_hdr_lookup(h->name.p, h->name.len);
		}
		c.p++;
		/* the line ends at the first LF not followed by white space (a fold) */
		for (q = c.p;; q = nl + 1) {
			nl = scan_byte(q, end, '\n');
			if (!nl)
				return sip_fail(err, p, "header line not ended by CRLF"), NULL;
			/*
			 * Bare LF would let this parser and sip_frame() disagree on
			 * where a message ends, which is how requests get smuggled.
			 */
			if (nl[-1] != '\r')
				return sip_fail(err, nl,
						"line ended by LF alone (SIP lines end with CRLF)"),
				       NULL;
			if (nl + 1 >= end || (nl[1] != ' ' && nl[1] != '\t'))
				break;
		}
		lend = nl - 1;
		if (lend - p > SIP_MAX_HEADER_LEN)
			return sip_fail_status(err, p, 413, "header line too long"), NULL;
		h->line = slice_make(p, (size_t)(lend - p));
		c.end = lend;
		cur_skip_lws(&c);
		h->value = slice_rtrim_lws(cur_rest(&c));
		h->id = (uint8_t)id;
		m->seen |= 1ull << id;
		m->nhdrs++;
		p = nl + 1;
	}
}

static bool parse_partial_headers(struct sip_msg *m, struct sip_err *err)
{
	for (unsigned i = 0; i < m->nhdrs; i++) {
		struct slice v = m->hdrs[i].value;
		uint64_t n;

		switch (m->hdrs[i].id) {
		case SIP_H_VIA:
			if (!parse_via(m, i, err))
				return false;
			break;
		case SIP_H_CALL_ID:
			if (!parse_call_id(m, i, err))
				return false;
			break;
		case SIP_H_CSEQ:
			if (!parse_cseq(m, i, err))
				return false;
			break;
		case SIP_H_MAX_FORWARDS:
			if (!parse_small_uint(v, SIP_MAX_FORWARDS_MAX, &n, err,
					      "Max-Forwards must be a number from 0 to 255"))
				return false;
			if (m->max_forwards >= 0 && (uint64_t)m->max_forwards != n)
				note_repeat(m, i, "Max-Forwards repeated with a different value");
			else
				m->max_forwards = (int)n;
			break;
		case SIP_H_CONTENT_LENGTH:
			if (v.len && v.p[0] == '-')
				return sip_fail(err, v.p, "negative Content-Length");
			if (!parse_small_uint(v, SIP_MAX_MSG_SIZE, &n, err,
					      "Content-Length must be a number no larger than the "
					      "maximum message size"))
				return false;
			if (m->content_length >= 0 && (uint64_t)m->content_length != n)
				note_repeat(m, i, "Content-Length repeated with a different value");
			else if (m->content_length < 0)
				m->content_length = (int64_t)n;
			break;
		}
	}
	return true;
}

/* Required in every message (RFC 3261 8.1.1); absent ones make a 400, not a parse error. */
static void check_required(struct sip_msg *m)
{
	static const uint8_t required[] = { SIP_H_TO, SIP_H_FROM, SIP_H_CSEQ, SIP_H_CALL_ID,
					    SIP_H_VIA };
	static const char *const missing[] = {
		"missing To header",	  "missing From header", "missing CSeq header",
		"missing Call-ID header", "missing Via header",
	};

	for (unsigned i = 0; i < sizeof(required); i++)
		if (!(m->seen & (1ull << required[i])))
			sip_fail(&m->semantic, m->buf, missing[i]);
}

bool sip_msg_parse(struct sip_msg *m, const char *buf, size_t len, enum sip_parse_depth depth,
		   struct sip_err *err)
{
	const char *p = buf, *end = buf + len, *eol, *body;
	struct sip_err ignored = { 0 };
	struct slice line;
	bool start_ok;
	size_t avail;

	if (err)
		*err = (struct sip_err){ 0 };
	reset(m);
	m->buf = buf;
	m->len = 0;
	if (len > SIP_MAX_MSG_SIZE)
		return sip_fail_status(err, buf, 513, "message too large");
	/* RFC 3261 7.5: ignore CRLFs before the start line. */
	while (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
		p += 2;
	m->buf = p;
	eol = scan_byte(p, end, '\n');
	if (!eol || eol == p || eol[-1] != '\r')
		return sip_fail(err, eol ? eol : p, "start line not ended by CRLF");
	line = slice_make(p, (size_t)(eol - 1 - p));
	if (!line.len)
		return sip_fail(err, p, "empty start line");
	m->is_request = !(line.len >= 4 && lit_ieq(line.p, "sip/", 4));
	start_ok = m->is_request ? parse_request_line(m, line, err) : parse_status_line(m, line, err);
	/*
	 * Split the header lines even after a bad start line: a server answers
	 * 400 or 505 by copying Via, From, To, Call-ID and CSeq from them.
	 */
	body = split_headers(m, eol + 1, end, start_ok ? err : &ignored);
	if (!start_ok || !body || !parse_partial_headers(m, err))
		return false;

	avail = (size_t)(end - body);
	if (m->content_length > (int64_t)avail)
		return sip_fail(err, body, "Content-Length larger than the body");
	m->body = slice_make(body, m->content_length >= 0 ? (size_t)m->content_length : avail);
	m->trailing = avail - m->body.len;
	m->len = (size_t)(m->body.p + m->body.len - m->buf);

	if (m->is_request && m->cseq.method.p && !slice_eq(m->cseq.method, m->method))
		return sip_fail(err, m->cseq.method.p,
				"CSeq method does not match the request method");
	check_required(m);
	m->depth = SIP_PARSE_PARTIAL;
	if (depth == SIP_PARSE_FULL)
		return sip_msg_parse_full(m, err);
	return true;
}

static bool check_contact(struct sip_msg *m, struct sip_err *err)
{
	for (unsigned i = 0; i < m->ncontact; i++) {
		struct sip_addr *a = &m->contact[i];
		struct cur c;
		uint64_t v;

		if (a->star) {
			if (m->ncontact > 1)
				return sip_fail(err, a->raw.p,
						"'Contact: *' must be the only contact");
			m->contact_star = true;
		}
		if (a->expires.len) {
			c = cur_of(a->expires);
			if (!cur_uint(&c, SIP_MAX_EXPIRES, &v) || !cur_eof(&c))
				return sip_fail(err, a->expires.p,
						"Contact expires must be a number below 2**32");
		}
	}
	return true;
}

bool sip_msg_parse_full(struct sip_msg *m, struct sip_err *err)
{
	if (m->depth >= SIP_PARSE_FULL)
		return true;
	for (unsigned i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		uint64_t n;
		bool ok = true;

		switch (h->id) {
		case SIP_H_FROM:
			ok = parse_from_to(m, i, &m->from, "From repeated with a different value",
					   err);
			break;
		case SIP_H_TO:
			ok = parse_from_to(m, i, &m->to, "To repeated with a different value", err);
			break;
		case SIP_H_CONTACT:
			ok = parse_addr_list(m, i, m->contact, &m->ncontact, true, err);
			break;
		case SIP_H_ROUTE:
			ok = parse_addr_list(m, i, m->route, &m->nroute, false, err);
			break;
		case SIP_H_RECORD_ROUTE:
			ok = parse_addr_list(m, i, m->record_route, &m->nrecord_route, false, err);
			break;
		case SIP_H_PATH:
			ok = parse_addr_list(m, i, m->path, &m->npath, false, err);
			break;
		case SIP_H_CONTENT_TYPE:
			ok = parse_content_type(m, i, err);
			break;
		case SIP_H_EXPIRES:
			ok = parse_small_uint(h->value, SIP_MAX_EXPIRES, &n, err,
					      "Expires must be a number below 2**32");
			if (ok && m->expires >= 0 && (uint64_t)m->expires != n)
				note_repeat(m, i, "Expires repeated with a different value");
			else if (ok)
				m->expires = (int64_t)n;
			break;
		case SIP_H_REQUIRE:
		case SIP_H_PROXY_REQUIRE:
		case SIP_H_SUPPORTED:
		case SIP_H_UNSUPPORTED:
			ok = parse_tags(m, i, err);
			break;
		case SIP_H_AUTHORIZATION:
		case SIP_H_PROXY_AUTHORIZATION:
		case SIP_H_WWW_AUTHENTICATE:
		case SIP_H_PROXY_AUTHENTICATE:
			if (m->nauth >= SIP_MAX_AUTH)
				return sip_fail(err, h->name.p, "too many authentication headers");
			ok = sip_auth_parse(&m->auth[m->nauth].auth, h->value, &m->pool, err);
			m->auth[m->nauth].hdr_id = h->id;
			m->auth[m->nauth].hdr = (uint8_t)i;
			m->nauth += ok;
			break;
		case SIP_H_DATE:
			ok = parse_date(h->value, err);
			break;
		}
		if (!ok)
			return false;
	}
	if (!check_contact(m, err))
		return false;
	/*
	 * A message without From or To (a 400 for the server, but parsed) must
	 * not show the previous message's: those slices may point into a freed
	 * buffer. Done here, on the rare path, not in reset() for every message.
	 */
	if (!m->from.raw.p)
		memset(&m->from, 0, sizeof(m->from));
	if (!m->to.raw.p)
		memset(&m->to, 0, sizeof(m->to));
	m->depth = SIP_PARSE_FULL;
	return true;
}

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id)
{
	if (id != SIP_H_OTHER && !(m->seen & (1ull << id)))
		return NULL;
	for (unsigned i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			return &m->hdrs[i];
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, const char *name)
{
	for (unsigned i = 0; i < m->nhdrs; i++)
		if (slice_caseeq_cstr(m->hdrs[i].name, name))
			return &m->hdrs[i];
	return NULL;
}

bool sip_msg_has(const struct sip_msg *m, enum sip_hdr_id id)
{
	return m->seen & (1ull << id);
}

/* ---- stream framing -------------------------------------------------- */

int sip_frame(const char *buf, size_t len, size_t max, size_t *skip, size_t *msglen)
{
	const char *p = buf, *end = buf + len, *hend, *line;
	int64_t cl = -1;

	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	*skip = (size_t)(p - buf);
	*msglen = 0;
	if (p == end)
		return 0;
	hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
	if (!hend) {
		if ((size_t)(end - p) > max)
			return -EMSGSIZE;
		return 0;
	}
	hend += 4;
	if ((size_t)(hend - p) > max)
		return -EMSGSIZE;
	/* Find Content-Length among the header lines (skipping the start line). */
	line = (const char *)memchr(p, '\n', (size_t)(hend - p)) + 1;
	while (line < hend - 2) {
		const char *nl = memchr(line, '\n', (size_t)(hend - line));
		struct cur c = { line, nl };
		struct slice name;

		if (*line != ' ' && *line != '\t') {
			name = cur_span(&c, CC_TOKEN);
			while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
				c.p++;
			if (cur_accept(&c, ':') &&
			    sip_hdr_lookup(name.p, name.len) == SIP_H_CONTENT_LENGTH) {
				uint64_t v;

				cur_skip_lws(&c);
				if (!cur_uint(&c, UINT64_MAX, &v))
					return cc_is((unsigned char)cur_peek(&c), CC_DIGIT)
						       ? -EMSGSIZE
						       : -EBADMSG;
				if (v > max)
					return -EMSGSIZE;
				while (c.p < c.end && (*c.p == ' ' || *c.p == '\t' || *c.p == '\r'))
					c.p++;
				if (!cur_eof(&c) || (cl >= 0 && (uint64_t)cl != v))
					return -EBADMSG;
				cl = (int64_t)v;
			}
		}
		line = nl + 1;
	}
	/* RFC 3261 18.3: on a stream, Content-Length is mandatory. */
	if (cl < 0)
		return -EBADMSG;
	if ((size_t)(hend - p) + (size_t)cl > max)
		return -EMSGSIZE;
	if ((size_t)(end - hend) < (size_t)cl)
		return 0;
	*msglen = (size_t)(hend - p) + (size_t)cl;
	return 1;
}

/* ---- reason phrases -------------------------------------------------- */

const char *sip_reason_phrase(unsigned status)
{
	switch (status) {
	case 100:
		return "Trying";
	case 180:
		return "Ringing";
	case 181:
		return "Call Is Being Forwarded";
	case 182:
		return "Queued";
	case 183:
		return "Session Progress";
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Moved Temporarily";
	case 305:
		return "Use Proxy";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 407:
		return "Proxy Authentication Required";
	case 408:
		return "Request Timeout";
	case 410:
		return "Gone";
	case 413:
		return "Request Entity Too Large";
	case 414:
		return "Request-URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Unsupported URI Scheme";
	case 420:
		return "Bad Extension";
	case 421:
		return "Extension Required";
	case 423:
		return "Interval Too Brief";
	case 480:
		return "Temporarily Unavailable";
	case 481:
		return "Call/Transaction Does Not Exist";
	case 482:
		return "Loop Detected";
	case 483:
		return "Too Many Hops";
	case 484:
		return "Address Incomplete";
	case 486:
		return "Busy Here";
	case 487:
		return "Request Terminated";
	case 488:
		return "Not Acceptable Here";
	case 491:
		return "Request Pending";
	case 500:
		return "Server Internal Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Server Time-out";
	case 505:
		return "Version Not Supported";
	case 513:
		return "Message Too Large";
	case 600:
		return "Busy Everywhere";
	case 603:
		return "Decline";
	case 604:
		return "Does Not Exist Anywhere";
	case 606:
		return "Not Acceptable";
	}
	return "Unknown";
}
