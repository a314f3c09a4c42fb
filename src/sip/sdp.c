// SPDX-License-Identifier: MIT
/*
 * SDP parsing: one pass over "<type>=<value>" lines, each line checked for
 * its place in the description (see the decisions in sdp.h) and its value
 * split into slices. The flow reader and the builder at the end are the
 * NUTSS part (paper 2, Table 2).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "sip/chars.h"
#include "sip/sdp.h"

/* ---- fields ---- */

/*
 * Split v into exactly n fields separated by spaces. RFC 4566 wants one SP
 * between fields; runs of them and trailing ones are tolerated because real
 * user agents send them. With rest, the last field is everything after the
 * first n-1 (trailing spaces trimmed), for m= formats.
 */
static bool split_fields(struct slice v, struct slice *out, unsigned n, bool rest)
{
	const char *p = v.p, *end = v.p + v.len;

	while (end > p && end[-1] == ' ')
		end--;
	for (unsigned i = 0; i < n; i++) {
		const char *s;

		while (p < end && *p == ' ')
			p++;
		s = p;
		if (rest && i == n - 1)
			p = end;
		else
			while (p < end && *p != ' ')
				p++;
		if (p == s)
			return false;
		out[i] = slice_make(s, (size_t)(p - s));
	}
	return p == end;
}

static bool all_in(struct slice s, unsigned cls)
{
	for (size_t i = 0; i < s.len; i++)
		if (!cc_is((unsigned char)s.p[i], cls))
			return false;
	return s.len > 0;
}

static bool is_token(struct slice s)
{
	return all_in(s, CC_TOKEN);
}

static bool is_digits(struct slice s)
{
	return all_in(s, CC_DIGIT);
}

/* proto = token *("/" token): "RTP/AVP", "UDP/TLS/RTP/SAVPF", "tcp" */
static bool is_proto(struct slice s)
{
	struct cur c = cur_of(s);

	do {
		if (!cur_span(&c, CC_TOKEN).len)
			return false;
	} while (cur_accept(&c, '/'));
	return cur_eof(&c);
}

/* An IN IP4/IP6 address: a host name or an IP address (hex, '.', ':'). */
static bool is_ip_address(struct slice s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!cc_is((unsigned char)s.p[i], CC_HOSTNAME) && s.p[i] != ':')
			return false;
	return s.len > 0;
}

/* What a NUTSS flow value may be: visible characters, no white space. */
static bool is_visible(struct slice s)
{
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] <= ' ' || s.p[i] == 0x7f)
			return false;
	return s.len > 0;
}

static bool parse_uint(struct slice s, uint64_t max, uint64_t *v)
{
	struct cur c = cur_of(s);

	return cur_uint(&c, max, v) && cur_eof(&c);
}

/* typed-time = 1*DIGIT [d|h|m|s], optionally negative in z= offsets */
static bool is_typed_time(struct slice s, bool signed_ok)
{
	if (signed_ok && s.len && s.p[0] == '-')
		s = slice_make(s.p + 1, s.len - 1);
	if (s.len > 1) {
		char u = s.p[s.len - 1];

		if (u == 'd' || u == 'h' || u == 'm' || u == 's')
			s.len--;
	}
	return is_digits(s);
}

/* ---- one line each ---- */

/*
 * c=<nettype> <addrtype> <address>. For IN IP4 the address may carry the
 * paper's ":<port>" or multicast "/<ttl>[/<count>]"; for IN IP6 "/<count>".
 * Other network types are carried unchecked.
 */
static bool parse_conn(struct sdp_conn *conn, struct slice v, struct sip_err *err)
{
	struct slice f[3];
	const char *p, *end;
	uint64_t n;
	bool ip4, ip6;

	if (!split_fields(v, f, 3, false))
		return sip_fail(err, v.p, "c= needs <nettype> <addrtype> <address>");
	if (!is_token(f[0]) || !is_token(f[1]))
		return sip_fail(err, v.p, "malformed c= network or address type");
	*conn = (struct sdp_conn){
		.nettype = f[0], .addrtype = f[1], .address = f[2], .naddr = 1, .present = true
	};
	ip4 = slice_eq_cstr(f[0], "IN") && slice_eq_cstr(f[1], "IP4");
	ip6 = slice_eq_cstr(f[0], "IN") && slice_eq_cstr(f[1], "IP6");
	if (!ip4 && !ip6)
		return true;
	p = f[2].p;
	end = f[2].p + f[2].len;
	while (p < end && *p != '/' && (ip6 || *p != ':'))
		p++;
	conn->address = slice_make(f[2].p, (size_t)(p - f[2].p));
	if (!is_ip_address(conn->address))
		return sip_fail(err, f[2].p, "malformed c= address");
	if (p == end)
		return true;
	if (*p == ':') {
		if (!parse_uint(slice_make(p + 1, (size_t)(end - p - 1)), 65535, &n))
			return sip_fail(err, p, "malformed port in c= address");
		conn->port = (uint16_t)n;
		return true;
	}
	/* multicast: IP4 "/ttl[/count]", IP6 "/count" */
	{
		struct cur c = { p + 1, end };

		if (!cur_uint(&c, ip4 ? 255 : 65535, &n) || (ip6 && !n))
			return sip_fail(err, p, "malformed multicast suffix in c= address");
		if (ip4)
			conn->ttl = (uint8_t)n;
		else
			conn->naddr = (uint16_t)n;
		if (ip4 && cur_accept(&c, '/')) {
			if (!cur_uint(&c, 65535, &n) || !n)
				return sip_fail(err, c.p, "malformed address count in c= address");
			conn->naddr = (uint16_t)n;
		}
		if (!cur_eof(&c))
			return sip_fail(err, c.p, "malformed multicast suffix in c= address");
	}
	return true;
}

static bool split_fmts(struct sdp_media *m, struct sip_err *err)
{
	const char *p = m->fmt.p, *end = m->fmt.p + m->fmt.len;

	m->nfmts = 0;
	while (p < end) {
		const char *s = p;

		while (p < end && *p != ' ')
			p++;
		if (m->nfmts >= SDP_MAX_FMTS)
			return sip_fail(err, s, "too many formats on an m= line");
		m->fmts[m->nfmts] = slice_make(s, (size_t)(p - s));
		if (!is_token(m->fmts[m->nfmts]))
			return sip_fail(err, s, "malformed m= format");
		m->nfmts++;
		while (p < end && *p == ' ')
			p++;
	}
	return true;
}

/* m=<media> <port>[/<n>] <proto> <fmt> ..., or the paper's m=data <app> <proto> */
static bool parse_media(struct sdp_media *m, struct slice v, struct sip_err *err)
{
	struct slice f[4];
	struct cur c;
	uint64_t n;

	memset(m, 0, sizeof(*m));
	m->nports = 1;
	if (split_fields(v, f, 3, false) && slice_eq_cstr(f[0], "data") &&
	    !cc_is((unsigned char)f[1].p[0], CC_DIGIT)) {
		m->media = f[0];
		m->fmt = f[1];
		m->proto = f[2];
		m->paper_form = true;
		if (!is_proto(m->proto))
			return sip_fail(err, f[2].p, "malformed m= protocol");
		return split_fmts(m, err);
	}
	if (!split_fields(v, f, 4, true))
		return sip_fail(err, v.p, "m= needs <media> <port> <proto> <format>");
	m->media = f[0];
	m->proto = f[2];
	m->fmt = f[3];
	if (!is_token(m->media))
		return sip_fail(err, f[0].p, "malformed m= media type");
	c = cur_of(f[1]);
	if (!cur_uint(&c, 65535, &n))
		return sip_fail(err, f[1].p, "m= port is not a number from 0 to 65535");
	m->port = (uint16_t)n;
	if (cur_accept(&c, '/')) {
		if (!cur_uint(&c, 65535, &n) || !n)
			return sip_fail(err, c.p, "malformed m= port count");
		m->nports = (uint16_t)n;
	}
	if (!cur_eof(&c))
		return sip_fail(err, c.p, "malformed m= port");
	if (!is_proto(m->proto))
		return sip_fail(err, f[2].p, "malformed m= protocol");
	return split_fmts(m, err);
}

/* a=<name> or a=<name>:<value>; the value is any text, kept as it is */
static bool parse_attr(struct sdp *s, struct slice v, struct sip_err *err)
{
	struct cur c = cur_of(v);
	struct sdp_attr *a;

	if (s->nattrs >= SDP_MAX_ATTRS)
		return sip_fail(err, v.p, "too many a= lines");
	a = &s->attrs[s->nattrs];
	a->name = cur_span(&c, CC_TOKEN);
	if (!a->name.len)
		return sip_fail(err, v.p, "a= line without an attribute name");
	a->value = SLICE_NULL;
	if (cur_accept(&c, ':'))
		a->value = cur_rest(&c);
	else if (!cur_eof(&c))
		return sip_fail(err, c.p, "malformed attribute name");
	a->media = (int8_t)((int)s->nmedia - 1);
	s->nattrs++;
	return true;
}

/* b=<bwtype>:<bandwidth> */
static bool parse_bw(struct sdp *s, struct slice v, struct sip_err *err)
{
	struct cur c = cur_of(v);
	struct sdp_bw *b;
	uint64_t n;

	if (s->nbw >= SDP_MAX_BANDWIDTHS)
		return sip_fail(err, v.p, "too many b= lines");
	b = &s->bw[s->nbw];
	b->type = cur_span(&c, CC_TOKEN);
	if (!b->type.len || !cur_accept(&c, ':'))
		return sip_fail(err, v.p, "b= needs <bwtype>:<bandwidth>");
	if (!cur_uint(&c, UINT32_MAX, &n) || !cur_eof(&c))
		return sip_fail(err, c.p, "b= bandwidth is not a 32-bit number");
	b->kbps = (uint32_t)n;
	b->media = (int8_t)((int)s->nmedia - 1);
	s->nbw++;
	return true;
}

/* t=<start> <stop> */
static bool parse_time(struct sdp *s, struct slice v, struct sip_err *err)
{
	struct slice f[2];
	struct sdp_time *t;

	if (s->ntimes >= SDP_MAX_TIMES)
		return sip_fail(err, v.p, "too many t= lines");
	if (!split_fields(v, f, 2, false) || !is_digits(f[0]) || !is_digits(f[1]))
		return sip_fail(err, v.p, "t= needs <start-time> <stop-time>");
	t = &s->times[s->ntimes++];
	*t = (struct sdp_time){ .start = f[0], .stop = f[1], .first_repeat = s->nrepeats };
	return true;
}

/* r=<interval> <duration> <offset>..., all typed times */
static bool parse_repeat(struct sdp *s, struct slice v, struct sip_err *err)
{
	struct slice f[3];

	if (!s->ntimes)
		return sip_fail(err, v.p, "r= before any t=");
	if (s->nrepeats >= SDP_MAX_REPEATS)
		return sip_fail(err, v.p, "too many r= lines");
	if (!split_fields(v, f, 3, true) || !is_typed_time(f[0], false) ||
	    !is_typed_time(f[1], false))
		return sip_fail(err, v.p, "r= needs <interval> <duration> <offsets>");
	for (struct cur c = cur_of(f[2]); !cur_eof(&c);) {
		struct cur w = c;

		cur_span(&c, CC_ALPHA | CC_DIGIT);
		if (!is_typed_time(slice_make(w.p, (size_t)(c.p - w.p)), false))
			return sip_fail(err, w.p, "malformed r= offset");
		while (cur_accept(&c, ' '))
			;
	}
	s->repeats[s->nrepeats++] = v;
	s->times[s->ntimes - 1].nrepeat++;
	return true;
}

/* z=<adjustment time> <offset> ... in pairs */
static bool parse_zone(struct slice v, struct sip_err *err)
{
	struct cur c = cur_of(v);
	unsigned n = 0;

	while (!cur_eof(&c)) {
		const char *w = c.p;

		while (!cur_eof(&c) && *c.p != ' ')
			c.p++;
		if (!is_typed_time(slice_make(w, (size_t)(c.p - w)), n % 2 == 1))
			return sip_fail(err, w, "malformed z= time or offset");
		n++;
		while (cur_accept(&c, ' '))
			;
	}
	if (!n || n % 2)
		return sip_fail(err, v.p, "z= needs <adjustment time> <offset> pairs");
	return true;
}

static bool add_contact(struct slice *list, unsigned *n, struct slice v, struct sip_err *err)
{
	if (*n >= SDP_MAX_CONTACTS)
		return sip_fail(err, v.p, "too many e= or p= lines");
	list[(*n)++] = v;
	return true;
}

/* A field that may appear once per level. */
static bool set_once(struct slice *field, struct slice v, const char *line, const char *what,
		     struct sip_err *err)
{
	if (field->p)
		return sip_fail(err, line, what);
	*field = v;
	return true;
}

/* ---- the description ---- */

/*
 * One line, type and value already separated and checked for framing.
 * Returns false with err set when the line is wrong or out of place.
 */
static bool parse_line(struct sdp *s, char type, struct slice v, const char *line,
		       struct sip_err *err)
{
	struct sdp_media *m = s->nmedia ? &s->media[s->nmedia - 1] : NULL;

	/* session-only lines: once the first m= is seen they are out of place */
	if (m && strchr("vosueptrz", type))
		return sip_fail(err, line, "session-level line after m=");
	switch (type) {
	case 'v':
		return sip_fail(err, line, "v= must be the first line, once");
	case 'o':
		if (s->origin[0].p)
			return sip_fail(err, line, "more than one o=");
		if (!split_fields(v, s->origin, 6, false) || !is_digits(s->origin[1]) ||
		    !is_digits(s->origin[2]) || !is_token(s->origin[3]) || !is_token(s->origin[4]))
			return sip_fail(err, line,
					"o= needs <username> <sess-id> <sess-version> "
					"<nettype> <addrtype> <address>");
		return true;
	case 's':
		if (!v.len)
			return sip_fail(err, line, "empty s= (RFC 4566: use \"s= \" or \"s=-\")");
		return set_once(&s->session_name, v, line, "more than one s=", err);
	case 'i':
		return set_once(m ? &m->info : &s->info, v, line, "more than one i= at one level",
				err);
	case 'u':
		return set_once(&s->uri, v, line, "more than one u=", err);
	case 'e':
		return add_contact(s->emails, &s->nemails, v, err);
	case 'p':
		return add_contact(s->phones, &s->nphones, v, err);
	case 'c':
		if (m) {
			struct sdp_conn extra;

			/* more layered-multicast addresses are checked and counted */
			return parse_conn(m->nconn++ ? &extra : &m->conn, v, err);
		}
		if (s->conn.present)
			return sip_fail(err, line, "more than one c= at session level");
		return parse_conn(&s->conn, v, err);
	case 'b':
		return parse_bw(s, v, err);
	case 't':
		return parse_time(s, v, err);
	case 'r':
		return parse_repeat(s, v, err);
	case 'z':
		if (!parse_zone(v, err))
			return false;
		return set_once(&s->zone, v, line, "more than one z=", err);
	case 'k':
		return set_once(m ? &m->key : &s->key, v, line, "more than one k= at one level",
				err);
	case 'a':
		return parse_attr(s, v, err);
	case 'm':
		if (s->nmedia >= SDP_MAX_MEDIA)
			return sip_fail(err, line, "too many m= lines");
		if (!parse_media(&s->media[s->nmedia], v, err))
			return false;
		s->nmedia++;
		return true;
	default:
		return sip_fail(err, line,
				"unknown line type (RFC 4566 says to ignore the whole "
				"description)");
	}
}

bool sdp_parse(struct sdp *s, struct slice body, enum sdp_mode mode, struct sip_err *err)
{
	const char *p = body.p, *end = body.p + body.len;
	unsigned lines = 0;

	memset(s, 0, sizeof(*s));
	if (body.len > SDP_MAX_LEN)
		return sip_fail_status(err, body.p, 413, "session description too large");
	while (p < end) {
		const char *nl = scan_byte(p, end, '\n');
		const char *lend = nl ? nl : end;
		struct slice v;
		char type;

		/* RFC 4566 5: CRLF, but a parser should accept a bare LF too. */
		if (lend > p && lend[-1] == '\r')
			lend--;
		if (lend == p) {
			/* empty lines only at the very end: what follows must be line ends */
			for (const char *q = p; q < end; q++)
				if (*q != '\r' && *q != '\n')
					return sip_fail(err, p,
							"empty line in session description");
			break;
		}
		if (++lines > SDP_MAX_LINES)
			return sip_fail(err, p, "too many lines in session description");
		if (lend - p > SDP_MAX_LINE_LEN)
			return sip_fail(err, p, "session description line too long");
		if (lend - p < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z')
			return sip_fail(err, p, "expected <letter>=<value>");
		type = p[0];
		v = slice_make(p + 2, (size_t)(lend - p - 2));
		for (const char *q = v.p; q < v.p + v.len; q++)
			if (*q == '\0' || *q == '\r' || *q == '\n')
				return sip_fail(err, q, "NUL, CR or LF inside a line");
		/* "s= " is RFC 4566's own way to write an empty session name */
		if (v.len && (v.p[0] == ' ' || v.p[0] == '\t') && type != 's')
			return sip_fail(err, v.p, "white space after '='");
		if (!v.len && type != 's')
			return sip_fail(err, v.p, "empty value");
		if (type == 'v') {
			if (lines != 1 || !slice_eq_cstr(v, "0"))
				return sip_fail(err, p, "v=0 must be the first line, once");
			s->version = v;
		} else if (lines == 1 && mode == SDP_FULL) {
			return sip_fail(err, p, "a session description must start with v=");
		} else if (!parse_line(s, type, v, p, err)) {
			return false;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (mode == SDP_FULL &&
	    (!s->version.p || !s->origin[0].p || !s->session_name.p || !s->ntimes))
		return sip_fail(err, end, "a session description needs v=, o=, s= and t=");
	return true;
}

const struct sdp_attr *sdp_attr(const struct sdp *s, int media, const char *name)
{
	for (unsigned i = 0; i < s->nattrs; i++)
		if (s->attrs[i].media == media && slice_eq_cstr(s->attrs[i].name, name))
			return &s->attrs[i];
	return NULL;
}

/* ---- NUTSS flows ---- */

static int data_section(const struct sdp *s)
{
	for (unsigned i = 0; i < s->nmedia; i++)
		if (slice_eq_cstr(s->media[i].media, "data"))
			return (int)i;
	return -1;
}

bool sdp_has_flow(const struct sdp *s)
{
	return data_section(s) >= 0;
}

/* A flow value: trailing white space dropped, then it must be one visible word. */
static bool flow_value(const struct sdp_attr *a, struct slice *out, struct sip_err *err)
{
	struct slice v = a->value;

	while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
		v.len--;
	if (!is_visible(v))
		return sip_fail(err, a->name.p, "a NUTSS flow attribute needs one word as value");
	*out = v;
	return true;
}

/* "<domain> <token>": two words, nothing else. */
static bool token_value(const struct sdp_attr *a, struct flow_token *out, struct sip_err *err)
{
	struct slice v = a->value;
	const char *sp;

	while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
		v.len--;
	sp = v.p ? memchr(v.p, ' ', v.len) : NULL;
	if (!sp)
		return sip_fail(err, a->name.p, "a=nutss-token needs a domain and a token");
	out->domain = slice_make(v.p, (size_t)(sp - v.p));
	out->value = slice_make(sp + 1, v.len - out->domain.len - 1);
	if (!is_visible(out->domain) || !is_visible(out->value))
		return sip_fail(err, a->name.p, "a=nutss-token needs a domain and a token");
	return true;
}

/*
 * The one attribute called name at one level; two of them would let two
 * readers of the same flow see different things, so that fails.
 */
static bool unique_attr(const struct sdp *s, int media, const char *name,
			const struct sdp_attr **out, struct sip_err *err)
{
	*out = NULL;
	for (unsigned i = 0; i < s->nattrs; i++) {
		const struct sdp_attr *a = &s->attrs[i];

		if (a->media != media || !slice_eq_cstr(a->name, name))
			continue;
		if (*out)
			return sip_fail(err, a->name.p, "a NUTSS flow attribute given twice");
		*out = a;
	}
	return true;
}

/* Media level first, then session level. */
static bool flow_attr(const struct sdp *s, int media, const char *name, struct slice *out,
		      struct sip_err *err)
{
	const struct sdp_attr *a = NULL, *sa;

	if (media >= 0 && !unique_attr(s, media, name, &a, err))
		return false;
	if (!unique_attr(s, -1, name, &sa, err))
		return false;
	if (!a)
		a = sa;
	*out = SLICE_NULL;
	return !a || flow_value(a, out, err);
}

bool sdp_flow(const struct sdp *s, struct flow_desc *f, struct sip_err *err)
{
	int mi = data_section(s); /* -1: session level only */
	const struct sdp_media *m = mi >= 0 ? &s->media[mi] : NULL;
	const struct sdp_conn *conn;

	for (unsigned i = (unsigned)mi + 1; m && i < s->nmedia; i++)
		if (slice_eq_cstr(s->media[i].media, "data"))
			return sip_fail(err, s->media[i].media.p, "more than one m=data section");
	if (m && m->nconn > 1)
		return sip_fail(err, m->media.p, "more than one c= in the m=data section");
	conn = m && m->conn.present ? &m->conn : s->conn.present ? &s->conn : NULL;
	if (conn &&
	    (!slice_eq_cstr(conn->nettype, "IN") ||
	     (!slice_eq_cstr(conn->addrtype, "IP4") && !slice_eq_cstr(conn->addrtype, "IP6"))))
		return sip_fail(err, conn->nettype.p, "a NUTSS flow needs c=IN IP4 or c=IN IP6");
	if (m && !m->paper_form && conn && conn->port && conn->port != m->port)
		return sip_fail(err, conn->address.p, "c= port disagrees with the m= port");
	f->protocol = m ? m->proto : SLICE_NULL;
	/* the app is the first format; the NUTSS form has exactly one */
	f->app = m && m->nfmts ? m->fmts[0] : SLICE_NULL;
	f->address = conn ? conn->address : SLICE_NULL;
	f->port = !m || m->paper_form ? (conn ? conn->port : 0) : m->port;
	if (!flow_attr(s, mi, "enc", &f->enc, err))
		return false;
	f->ntokens = 0;
	for (unsigned i = 0; i < s->nattrs; i++) {
		const struct sdp_attr *t = &s->attrs[i];
		struct flow_token *ft = &f->tokens[f->ntokens];

		if ((t->media != -1 && t->media != mi) || !slice_eq_cstr(t->name, "nutss-token"))
			continue;
		if (f->ntokens >= FLOW_MAX_TOKENS)
			return sip_fail(err, t->name.p, "too many a=nutss-token lines");
		if (!token_value(t, ft, err))
			return false;
		/* one token a domain: two would let two M-Boxes of it disagree */
		for (unsigned k = 0; k < f->ntokens; k++)
			if (slice_caseeq(f->tokens[k].domain, ft->domain))
				return sip_fail(err, t->name.p, "two a=nutss-token lines for one domain");
		f->ntokens++;
	}
	f->ntaint = 0;
	for (unsigned i = 0; i < s->nattrs; i++) {
		const struct sdp_attr *t = &s->attrs[i];

		if ((t->media != -1 && t->media != mi) || !slice_eq_cstr(t->name, "taint"))
			continue;
		if (f->ntaint >= FLOW_MAX_TAINTS)
			return sip_fail(err, t->name.p, "too many a=taint lines");
		if (!flow_value(t, &f->taint[f->ntaint], err))
			return false;
		f->ntaint++;
	}
	return true;
}

static const char *addrtype_of(struct slice addr)
{
	return scan_byte(addr.p, addr.p + addr.len, ':') ? "IP6" : "IP4";
}

int sdp_build_flow(char *buf, size_t len, const struct flow_desc *f, struct slice origin)
{
	struct slice addr = f->address.len ? f->address : SLICE_LIT("0.0.0.0");
	struct slice proto = f->protocol.len ? f->protocol : SLICE_LIT("tcp");
	struct slice app = f->app.len ? f->app : SLICE_LIT("-");
	struct buf b;

	if (!origin.len)
		origin = addr;
	/* refuse what would not parse back to the same flow */
	if (!is_ip_address(addr) || !is_ip_address(origin) || !is_proto(proto) || !is_token(app) ||
	    (f->enc.len && !is_visible(f->enc)) || f->ntaint > FLOW_MAX_TAINTS ||
	    f->ntokens > FLOW_MAX_TOKENS || !len)
		return -1;
	for (unsigned i = 0; i < f->ntaint; i++)
		if (!is_visible(f->taint[i]))
			return -1;
	for (unsigned i = 0; i < f->ntokens; i++)
		if (!is_visible(f->tokens[i].domain) || !is_visible(f->tokens[i].value))
			return -1;
	buf_init_str(&b, buf, len);
	buf_printf(&b,
		   "v=0\r\no=- 0 0 IN %s %.*s\r\ns=-\r\nc=IN %s %.*s\r\nt=0 0\r\n"
		   "m=data %u %.*s %.*s\r\n",
		   addrtype_of(origin), SLICE_FMT(origin), addrtype_of(addr), SLICE_FMT(addr),
		   f->port, SLICE_FMT(proto), SLICE_FMT(app));
	if (f->enc.len)
		buf_printf(&b, "a=enc:%.*s\r\n", SLICE_FMT(f->enc));
	for (unsigned i = 0; i < f->ntaint; i++)
		buf_printf(&b, "a=taint:%.*s\r\n", SLICE_FMT(f->taint[i]));
	for (unsigned i = 0; i < f->ntokens; i++)
		buf_printf(&b, "a=nutss-token:%.*s %.*s\r\n", SLICE_FMT(f->tokens[i].domain),
			   SLICE_FMT(f->tokens[i].value));
	buf_str(&b);
	return buf_done(&b);
}

static void edit_add(struct buf *b, const struct sdp_edit *e)
{
	if (e->enc.p) {
		buf_puts(b, "a=enc:");
		buf_slice(b, e->enc);
		buf_put(b, "\r\n", 2);
	}
	for (unsigned i = 0; i < e->nadd; i++) {
		buf_slice(b, e->add[i]);
		buf_put(b, "\r\n", 2);
	}
}

bool sdp_edit_flow(struct buf *b, struct slice body, const struct sdp_edit *e)
{
	const char *p = body.p, *end = body.p + body.len;
	bool has_data = false, in_data = false, added = false, session = true;

	if ((e->enc.p && !is_visible(e->enc)) || (e->addr.p && !is_ip_address(e->addr)))
		return false;
	for (unsigned i = 0; i < e->nadd; i++)
		if (!e->add[i].len || memchr(e->add[i].p, '\n', e->add[i].len) ||
		    memchr(e->add[i].p, '\r', e->add[i].len))
			return false;
	/* is there an m=data section? (the additions go at its end, else at the session's) */
	for (const char *q = p; q < end;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));

		if (end - q >= 7 && !memcmp(q, "m=data ", 7))
			has_data = true;
		q = nl ? nl + 1 : end;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct slice line = slice_make(p, (size_t)((nl ? nl : end) - p));

		p = nl ? nl + 1 : end;
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		if (!line.len)
			continue; /* the empty lines sdp_parse allows at the end */
		if (line.len >= 2 && !memcmp(line.p, "m=", 2)) {
			/* leaving the place where the additions go */
			if (!added && (in_data || (!has_data && session))) {
				edit_add(b, e);
				added = true;
			}
			session = false;
			in_data = line.len >= 7 && !memcmp(line.p, "m=data ", 7);
			if (in_data && e->port) {
				const char *sp = memchr(line.p + 7, ' ', line.len - 7);

				buf_puts(b, "m=data ");
				buf_uint(b, e->port);
				if (sp)
					buf_put(b, sp, (size_t)(line.p + line.len - sp));
				buf_put(b, "\r\n", 2);
				continue;
			}
		} else if (e->enc.p && line.len >= 6 && !memcmp(line.p, "a=enc:", 6) &&
			   (session || in_data)) {
			continue;
		} else if (e->drop_tokens_of.p && line.len > 14 + e->drop_tokens_of.len &&
			   !memcmp(line.p, "a=nutss-token:", 14) &&
			   line.p[14 + e->drop_tokens_of.len] == ' ' &&
			   slice_caseeq(slice_make(line.p + 14, e->drop_tokens_of.len),
					e->drop_tokens_of)) {
			continue;
		} else if (e->addr.p && line.len >= 2 && !memcmp(line.p, "c=", 2) &&
			   (session || in_data)) {
			buf_puts(b, memchr(e->addr.p, ':', e->addr.len) ? "c=IN IP6 " : "c=IN IP4 ");
			buf_slice(b, e->addr);
			buf_put(b, "\r\n", 2);
			continue;
		}
		buf_slice(b, line);
		buf_put(b, "\r\n", 2);
	}
	if (!added)
		edit_add(b, e);
	return !b->overflow;
}
