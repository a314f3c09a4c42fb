// SPDX-License-Identifier: MIT
/*
 * nutss sip lint [--json] [--strict] FILE...
 *
 * Each file is one SIP message, as it would arrive in a datagram. Exit 0
 * when every file is a valid message, 1 when any is not, 2 on usage or I/O
 * errors. Problems that leave a message well-formed but one a server must
 * refuse (RFC 4475 section 3.3: a missing required header, one header given
 * two different values) are warnings, naming the status a server answers;
 * --strict makes them errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "sip/msg.h"
#include "sip/sdp.h"

/* Read one byte more than a message may be, so "too large" is reported as such. */
static const char *body_warning; /* set when the semantic warning is about the SDP body */
#define LINT_READ_MAX (SIP_MAX_MSG_SIZE + 1)

static void usage(FILE *f)
{
	fprintf(f, "usage: nutss sip lint [--json] [--strict] FILE...\n"
		   "\n"
		   "Parse each FILE as one SIP message (RFC 3261) and report whether it is valid.\n"
		   "  --json    print the parsed structure of each message as JSON\n"
		   "  --strict  treat warnings (well-formed messages a server must refuse,\n"
		   "            e.g. a missing To or two different Call-IDs) as errors\n"
		   "\n"
		   "Output: 'FILE: ok', 'FILE: error: WHAT (line L, col C)' or\n"
		   "'FILE: warning: WHAT (line L, col C); a server answers NNN'.\n"
		   "Exit status: 0 all valid, 1 some invalid, 2 usage or I/O error.\n");
}

static void line_col(const char *buf, const char *at, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = buf; p < at; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void json_params(struct json *j, const char *key, const struct sip_param *p, unsigned n)
{
	json_obj_begin(j, key);
	for (unsigned i = 0; i < n; i++) {
		char name[256];

		slice_copy(name, sizeof(name), p[i].name);
		json_str(j, name, p[i].value);
	}
	json_obj_end(j);
}

static const char *scheme_name(const struct sip_uri *u)
{
	switch (u->scheme_id) {
	case SIP_SCHEME_SIP:
		return "sip";
	case SIP_SCHEME_SIPS:
		return "sips";
	case SIP_SCHEME_TEL:
		return "tel";
	}
	return "other";
}

static void json_uri(struct json *j, const char *key, const struct sip_uri *u)
{
	json_obj_begin(j, key);
	json_str(j, "raw", u->raw);
	json_cstr(j, "scheme", scheme_name(u));
	if (u->scheme_id == SIP_SCHEME_OTHER) {
		json_str(j, "scheme_name", u->scheme);
		json_str(j, "opaque", u->opaque);
	} else {
		json_str(j, "user", u->user.len ? u->user : SLICE_NULL);
		if (u->password.p)
			json_str(j, "password", u->password);
		if (u->scheme_id != SIP_SCHEME_TEL) {
			json_str(j, "host", u->host);
			json_cstr(j, "host_type", u->host_type == SIP_HOST_IPV6   ? "ipv6"
						  : u->host_type == SIP_HOST_IPV4 ? "ipv4"
										  : "name");
			if (u->port)
				json_int(j, "port", u->port);
			else
				json_null(j, "port");
		}
		json_params(j, "params", u->params, u->nparams);
		if (u->headers.len)
			json_str(j, "headers", u->headers);
	}
	json_obj_end(j);
}

static void json_addr(struct json *j, const char *key, const struct sip_addr *a)
{
	json_obj_begin(j, key);
	if (a->star) {
		json_bool(j, "star", true);
		json_obj_end(j);
		return;
	}
	json_str(j, "display", a->display.len ? a->display : SLICE_NULL);
	json_uri(j, "uri", &a->uri);
	json_params(j, "params", a->params, a->nparams);
	json_obj_end(j);
}

static void json_addrs(struct json *j, const char *key, const struct sip_addr *a, unsigned n)
{
	json_arr_begin(j, key);
	for (unsigned i = 0; i < n; i++)
		json_addr(j, NULL, &a[i]);
	json_arr_end(j);
}

static void json_tags(struct json *j, const char *key, const struct sip_msg *m, uint8_t id)
{
	json_arr_begin(j, key);
	for (unsigned i = 0; i < m->ntags; i++)
		if (m->tags[i].hdr_id == id)
			json_str(j, NULL, m->tags[i].tag);
	json_arr_end(j);
}

static bool body_is_sdp(const struct sip_msg *m)
{
	return m->body.len && SLICE_CASEEQ_LIT(m->content_type, "application") &&
	       SLICE_CASEEQ_LIT(m->content_subtype, "sdp");
}

static void json_sdp(struct json *j, const struct sdp *s)
{
	json_obj_begin(j, "sdp");
	json_str(j, "session_name", s->session_name);
	if (s->conn.present)
		json_str(j, "connection", s->conn.address);
	json_arr_begin(j, "media");
	for (unsigned i = 0; i < s->nmedia; i++) {
		const struct sdp_media *md = &s->media[i];

		json_obj_begin(j, NULL);
		json_str(j, "media", md->media);
		json_int(j, "port", md->port);
		json_str(j, "proto", md->proto);
		json_str(j, "fmt", md->fmt);
		if (md->conn.present)
			json_str(j, "connection", md->conn.address);
		json_obj_begin(j, "attributes");
		for (unsigned k = 0; k < s->nattrs; k++) {
			char name[128];

			if (s->attrs[k].media != (int)i)
				continue;
			slice_copy(name, sizeof(name), s->attrs[k].name);
			json_str(j, name, s->attrs[k].value);
		}
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

/* A NUTSS flow descriptor (paper 2, Table 2) when the message carries one. */
static void json_flow(struct json *j, const struct sdp *s)
{
	struct flow_desc f = { 0 };
	struct sip_err e = { 0 };

	if (!sdp_has_flow(s) || !sdp_flow(s, &f, &e))
		return;
	json_obj_begin(j, "flow");
	json_str(j, "protocol", f.protocol);
	json_str(j, "app", f.app);
	json_str(j, "address", f.address);
	json_int(j, "port", f.port);
	json_str(j, "enc", f.enc);
	json_arr_begin(j, "taint");
	for (unsigned i = 0; i < f.ntaint; i++)
		json_str(j, NULL, f.taint[i]);
	json_arr_end(j);
	json_arr_begin(j, "tokens");
	for (unsigned i = 0; i < f.ntokens; i++) {
		json_obj_begin(j, NULL);
		json_str(j, "domain", f.tokens[i].domain);
		json_str(j, "token", f.tokens[i].value);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void json_msg(struct json *j, const struct sip_msg *m, const struct sdp *sdp)
{
	if (m->is_request) {
		json_cstr(j, "type", "request");
		json_str(j, "method", m->method);
		json_uri(j, "request_uri", &m->ruri);
	} else {
		json_cstr(j, "type", "response");
		json_int(j, "status", m->status);
		json_str(j, "reason", m->reason);
	}
	json_str(j, "version", m->version);

	json_arr_begin(j, "headers");
	for (unsigned i = 0; i < m->nhdrs; i++) {
		json_obj_begin(j, NULL);
		json_str(j, "name", m->hdrs[i].name);
		json_cstr(j, "canonical", m->hdrs[i].id ? sip_hdr_name(m->hdrs[i].id) : NULL);
		json_str(j, "value", m->hdrs[i].value);
		json_obj_end(j);
	}
	json_arr_end(j);

	json_arr_begin(j, "via");
	for (unsigned i = 0; i < m->nvia; i++) {
		const struct sip_via *v = &m->via[i];

		json_obj_begin(j, NULL);
		json_str(j, "protocol", v->protocol);
		json_str(j, "version", v->version);
		json_str(j, "transport", v->transport);
		json_str(j, "host", v->host);
		if (v->port)
			json_int(j, "port", v->port);
		else
			json_null(j, "port");
		json_str(j, "branch", v->branch);
		json_str(j, "received", v->received);
		json_bool(j, "rport", v->has_rport);
		json_params(j, "params", v->params, v->nparams);
		json_obj_end(j);
	}
	json_arr_end(j);

	if (m->from.raw.p)
		json_addr(j, "from", &m->from);
	if (m->to.raw.p)
		json_addr(j, "to", &m->to);
	json_str(j, "call_id", m->call_id);
	if (m->cseq.method.p) {
		json_obj_begin(j, "cseq");
		json_int(j, "seq", m->cseq.seq);
		json_str(j, "method", m->cseq.method);
		json_obj_end(j);
	}
	if (m->max_forwards >= 0)
		json_int(j, "max_forwards", m->max_forwards);
	if (m->content_length >= 0)
		json_int(j, "content_length", m->content_length);
	if (m->expires >= 0)
		json_int(j, "expires", m->expires);
	if (m->content_type.p) {
		char ct[256];

		snprintf(ct, sizeof(ct), "%.*s/%.*s", SLICE_FMT(m->content_type),
			 SLICE_FMT(m->content_subtype));
		json_cstr(j, "content_type", ct);
	}
	json_addrs(j, "contact", m->contact, m->ncontact);
	json_addrs(j, "route", m->route, m->nroute);
	json_addrs(j, "record_route", m->record_route, m->nrecord_route);
	json_addrs(j, "path", m->path, m->npath);
	json_tags(j, "require", m, SIP_H_REQUIRE);
	json_tags(j, "proxy_require", m, SIP_H_PROXY_REQUIRE);
	json_tags(j, "supported", m, SIP_H_SUPPORTED);
	json_arr_begin(j, "auth");
	for (unsigned i = 0; i < m->nauth; i++) {
		json_obj_begin(j, NULL);
		json_cstr(j, "header", sip_hdr_name(m->auth[i].hdr_id));
		json_str(j, "scheme", m->auth[i].auth.scheme);
		json_params(j, "params", m->auth[i].auth.params, m->auth[i].auth.nparams);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_int(j, "body_length", (long long)m->body.len);
	json_str(j, "body", m->body);
	if (sdp) {
		json_sdp(j, sdp);
		json_flow(j, sdp);
	}
	if (m->trailing)
		json_int(j, "trailing_bytes", (long long)m->trailing);
}

/*
 * The SDP of the message, when it has one. A body that does not parse is a
 * warning, not an error: the SIP message itself is well-formed, and a proxy
 * forwards it (a UAS would answer 400 or 488).
 */
static const struct sdp *check_sdp(struct sip_msg *m, struct sdp *sdp)
{
	struct sip_err e = { 0 };

	if (!body_is_sdp(m))
		return NULL;
	if (sdp_parse(sdp, m->body, SDP_FULL, &e))
		return sdp;
	if (!m->semantic.what) {
		m->semantic = e;
		m->semantic.at = e.at ? e.at : m->body.p;
		m->semantic.status = 488;
		body_warning = e.what;
	}
	return NULL;
}

/* Returns 0 valid, 1 invalid, 2 I/O error. */
static int lint_one(const char *path, bool as_json, bool strict, struct sip_msg *m, struct sdp *sdp)
{
	const struct sdp *parsed_sdp = NULL;
	struct sip_err err;
	char *buf;
	size_t len;
	unsigned line, col;
	int ret;
	bool ok;

	ret = cli_read_file(path, LINT_READ_MAX, &buf, &len);
	if (ret == -EFBIG) {
		/* a message, just one no server takes: invalid (1), as the README says, not an I/O error */
		if (as_json) {
			struct json j;

			json_init(&j, stdout);
			json_obj_begin(&j, NULL);
			json_cstr(&j, "file", path);
			json_bool(&j, "valid", false);
			json_obj_begin(&j, "error");
			json_cstr(&j, "message", "message too large");
			json_int(&j, "status", 513);
			json_obj_end(&j);
			json_obj_end(&j);
		} else {
			printf("%s: error: message too large (over %d bytes)\n", path, SIP_MAX_MSG_SIZE);
		}
		return 1;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-ret));
		return 2;
	}
	ok = sip_msg_parse(m, buf, len, SIP_PARSE_FULL, &err);
	body_warning = NULL;
	if (ok)
		parsed_sdp = check_sdp(m, sdp);
	if (as_json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_cstr(&j, "file", path);
		json_bool(&j, "valid", ok && !(strict && m->semantic.what));
		if (!ok) {
			line_col(buf, err.at ? err.at : buf, &line, &col);
			json_obj_begin(&j, "error");
			json_cstr(&j, "message", err.what);
			json_int(&j, "line", line);
			json_int(&j, "col", col);
			json_int(&j, "status", err.status);
			json_obj_end(&j);
		} else {
			json_msg(&j, m, parsed_sdp);
			json_arr_begin(&j, "warnings");
			if (m->semantic.what) {
				line_col(buf, m->semantic.at, &line, &col);
				json_obj_begin(&j, NULL);
				json_cstr(&j, "message", m->semantic.what);
				json_int(&j, "line", line);
				json_int(&j, "col", col);
				json_int(&j, "status", m->semantic.status);
				json_obj_end(&j);
			}
			json_arr_end(&j);
		}
		json_obj_end(&j);
	} else if (!ok) {
		line_col(buf, err.at ? err.at : buf, &line, &col);
		printf("%s: error: %s (line %u, col %u)\n", path, err.what, line, col);
	} else if (m->semantic.what) {
		line_col(buf, m->semantic.at, &line, &col);
		printf("%s: %s: %s%s (line %u, col %u); a server answers %d\n", path,
		       strict ? "error" : "warning", body_warning ? "SDP body: " : "",
		       m->semantic.what, line, col, m->semantic.status);
	} else {
		printf("%s: ok\n", path);
	}
	free(buf);
	if (!ok || (strict && m->semantic.what))
		return 1;
	return 0;
}

static int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool as_json = false, strict = false;
	struct sip_msg *m;
	struct sdp *sdp;
	int c, worst = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jsh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = true;
			break;
		case 's':
			strict = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	m = malloc(sizeof(*m)); /* tens of KiB: not for the stack */
	sdp = malloc(sizeof(*sdp));
	if (!m || !sdp) {
		perror("nutss");
		free(m);
		free(sdp);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		int r = lint_one(argv[i], as_json, strict, m, sdp);

		if (r > worst)
			worst = r;
	}
	free(m);
	free(sdp);
	return worst;
}

int cmd_sip(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "lint"))
		return cmd_lint(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
