// SPDX-License-Identifier: MIT
/*
 * SDP parsing: one pass over "<type>=<value>" lines. RFC 4566 5 says a
 * description with a type letter the parser does not know must be ignored
 * whole, so an unknown letter is an error here, not a skipped line.
 */
#include <stdio.h>
#include <string.h>

#include "sip/chars.h"
#include "sip/sdp.h"

static bool split_fields(struct slice v, struct slice *out, unsigned n, bool rest_in_last)
{
	struct cur c = cur_of(v);

	for (unsigned i = 0; i < n; i++) {
		const char *s = c.p;

		if (i == n - 1 && rest_in_last) {
			out[i] = cur_rest(&c);
			return out[i].len > 0;
		}
		while (c.p < c.end && *c.p != ' ')
			c.p++;
		out[i] = slice_make(s, (size_t)(c.p - s));
		if (!out[i].len)
			return false;
		if (i < n - 1 && !cur_accept(&c, ' '))
			return false;
	}
	return cur_eof(&c);
}

static bool parse_port(struct slice s, uint16_t *port)
{
	struct cur c = cur_of(s);
	uint64_t v;

	if (!cur_uint(&c, 65535, &v) || !cur_eof(&c))
		return false;
	*port = (uint16_t)v;
	return true;
}

/* c=<nettype> <addrtype> <address>, and the paper's "<address>:<port>" for IP4 */
static bool parse_conn(struct sdp_conn *conn, struct slice v, struct sip_err *err)
{
	struct slice f[3];

	if (!split_fields(v, f, 3, false))
		return sip_fail(err, v.p, "c= needs <nettype> <addrtype> <address>");
	conn->nettype = f[0];
	conn->addrtype = f[1];
	conn->address = f[2];
	conn->port = 0;
	conn->present = true;
	if (slice_eq_cstr(f[1], "IP4")) {
		const char *colon = scan_byte(f[2].p, f[2].p + f[2].len, ':');

		if (colon) {
			conn->address = slice_make(f[2].p, (size_t)(colon - f[2].p));
			if (!parse_port(
				    slice_make(colon + 1, (size_t)(f[2].p + f[2].len - colon - 1)),
				    &conn->port))
				return sip_fail(err, colon, "malformed port in c= address");
		}
	}
	if (!conn->address.len)
		return sip_fail(err, f[2].p, "empty c= address");
	return true;
}

/* m=<media> <port>[/<n>] <proto> <fmt> ..., or the paper's m=data <app> <proto> */
static bool parse_media(struct sdp_media *m, struct slice v, struct sip_err *err)
{
	struct slice f[4];
	struct cur c;
	uint64_t n;

	m->nports = 1;
	m->port = 0;
	m->paper_form = false;
	m->conn.present = false;
	if (split_fields(v, f, 3, false) && slice_eq_cstr(f[0], "data") &&
	    !cc_is((unsigned char)f[1].p[0], CC_DIGIT)) {
		m->media = f[0];
		m->fmt = f[1];
		m->proto = f[2];
		m->paper_form = true;
		return true;
	}
	if (!split_fields(v, f, 4, true))
		return sip_fail(err, v.p, "m= needs <media> <port> <proto> <format>");
	m->media = f[0];
	m->proto = f[2];
	m->fmt = f[3];
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
	return true;
}

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

bool sdp_parse(struct sdp *s, struct slice body, enum sdp_mode mode, struct sip_err *err)
{
	const char *p = body.p, *end = body.p + body.len;
	unsigned lines = 0;
	bool seen_o = false, seen_s = false, seen_t = false;

	memset(s, 0, sizeof(*s));
	if (body.len > SDP_MAX_LEN)
		return sip_fail(err, body.p, "session description too large");
	while (p < end) {
		const char *nl = scan_byte(p, end, '\n');
		const char *lend = nl ? nl : end;
		struct slice v;
		char type;

		/* RFC 4566 5: CRLF, but a parser should accept a bare LF too. */
		if (lend > p && lend[-1] == '\r')
			lend--;
		if (lend == p) {
			/* an empty line is allowed only as the very end */
			if (nl && nl + 1 < end)
				return sip_fail(err, p, "empty line in session description");
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
		if (lines == 1 && mode == SDP_FULL && type != 'v')
			return sip_fail(err, p, "a session description must start with v=");
		switch (type) {
		case 'v':
			if (lines != 1 || !slice_eq_cstr(v, "0"))
				return sip_fail(err, p, "v=0 must be the first line, once");
			s->version = v;
			break;
		case 'o':
			if (s->nmedia || !split_fields(v, s->origin, 6, false))
				return sip_fail(err, p, "o= needs six fields, before any m=");
			seen_o = true;
			break;
		case 's':
			if (s->nmedia)
				return sip_fail(err, p, "s= after m=");
			s->session_name = v;
			seen_s = true;
			break;
		case 't':
			if (s->nmedia)
				return sip_fail(err, p, "t= after m=");
			seen_t = true;
			break;
		case 'c':
			if (!parse_conn(s->nmedia ? &s->media[s->nmedia - 1].conn : &s->conn, v,
					err))
				return false;
			break;
		case 'm':
			if (s->nmedia >= SDP_MAX_MEDIA)
				return sip_fail(err, p, "too many m= lines");
			if (!parse_media(&s->media[s->nmedia], v, err))
				return false;
			s->nmedia++;
			break;
		case 'a':
			if (!parse_attr(s, v, err))
				return false;
			break;
		case 'i':
		case 'u':
		case 'e':
		case 'p':
		case 'b':
		case 'r':
		case 'z':
		case 'k':
			break; /* known, carried, not interpreted */
		default:
			return sip_fail(err, p,
					"unknown line type (RFC 4566 says to ignore the whole "
					"description)");
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (mode == SDP_FULL && (!s->version.p || !seen_o || !seen_s || !seen_t))
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

/* Media level first, then session level. */
static const struct sdp_attr *flow_attr(const struct sdp *s, int media, const char *name)
{
	const struct sdp_attr *a = sdp_attr(s, media, name);

	return a ? a : sdp_attr(s, -1, name);
}

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

bool sdp_flow(const struct sdp *s, struct flow_desc *f, struct sip_err *err)
{
	int mi = data_section(s); /* -1: session level only */
	const struct sdp_media *m = mi >= 0 ? &s->media[mi] : NULL;
	const struct sdp_conn *conn;
	const struct sdp_attr *a;

	f->protocol = m ? m->proto : SLICE_NULL;
	/* the app is the first format token; the NUTSS form has exactly one */
	f->app = m ? m->fmt : SLICE_NULL;
	for (size_t i = 0; i < f->app.len; i++)
		if (f->app.p[i] == ' ')
			f->app.len = i;
	conn = m && m->conn.present ? &m->conn : s->conn.present ? &s->conn : NULL;
	f->address = conn ? conn->address : SLICE_NULL;
	f->port = !m || m->paper_form ? (conn ? conn->port : 0) : m->port;
	a = flow_attr(s, mi, "enc");
	f->enc = a ? a->value : SLICE_NULL;
	a = flow_attr(s, mi, "nutss-token");
	f->token = a ? a->value : SLICE_NULL;
	f->ntaint = 0;
	for (unsigned i = 0; i < s->nattrs; i++) {
		const struct sdp_attr *t = &s->attrs[i];

		if ((t->media == -1 || t->media == mi) && slice_eq_cstr(t->name, "taint")) {
			if (f->ntaint >= FLOW_MAX_TAINTS)
				return sip_fail(err, t->name.p, "too many a=taint lines");
			f->taint[f->ntaint++] = t->value.p ? t->value : slice_make(t->name.p, 0);
		}
	}
	return true;
}

/* What may go into an SDP field: visible characters, no spaces (they separate fields). */
static bool sdp_safe(struct slice v)
{
	for (size_t i = 0; i < v.len; i++)
		if ((unsigned char)v.p[i] <= ' ' || v.p[i] == 0x7f)
			return false;
	return true;
}

int sdp_build_flow(char *buf, size_t len, const struct flow_desc *f, struct slice origin)
{
	struct slice addr = f->address.len ? f->address : slice_cstr("0.0.0.0");
	struct slice proto = f->protocol.len ? f->protocol : slice_cstr("tcp");
	struct slice app = f->app.len ? f->app : slice_cstr("-");
	const char *at = scan_byte(addr.p, addr.p + addr.len, ':') ? "IP6" : "IP4";
	const char *ot;
	size_t o = 0;
	int n;

	if (!origin.len)
		origin = addr;
	ot = scan_byte(origin.p, origin.p + origin.len, ':') ? "IP6" : "IP4";
	if (!sdp_safe(addr) || !sdp_safe(proto) || !sdp_safe(app) || !sdp_safe(origin) ||
	    !sdp_safe(f->enc) || !sdp_safe(f->token))
		return -1;
	n = snprintf(buf, len,
		     "v=0\r\no=- 0 0 IN %s %.*s\r\ns=-\r\nc=IN %s %.*s\r\nt=0 0\r\n"
		     "m=data %u %.*s %.*s\r\n",
		     ot, SLICE_FMT(origin), at, SLICE_FMT(addr), f->port, SLICE_FMT(proto),
		     SLICE_FMT(app));
	if (n < 0 || (size_t)n >= len)
		return -1;
	o = (size_t)n;
	if (f->enc.len) {
		n = snprintf(buf + o, len - o, "a=enc:%.*s\r\n", SLICE_FMT(f->enc));
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
	}
	for (unsigned i = 0; i < f->ntaint; i++) {
		if (!sdp_safe(f->taint[i]))
			return -1;
		n = snprintf(buf + o, len - o, "a=taint:%.*s\r\n", SLICE_FMT(f->taint[i]));
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
	}
	if (f->token.len) {
		n = snprintf(buf + o, len - o, "a=nutss-token:%.*s\r\n", SLICE_FMT(f->token));
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
	}
	return (int)o;
}
