// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sip/build.h"

void sip_build_request_line(struct buf *b, struct slice method, struct slice ruri)
{
	buf_slice(b, method);
	buf_put(b, " ", 1);
	buf_slice(b, ruri);
	buf_puts(b, " SIP/2.0\r\n");
}

void sip_build_status_line(struct buf *b, unsigned status, const char *reason)
{
	char code[3] = { (char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
			  (char)('0' + status % 10) };

	/* by hand: on the proxy's hot path, printf costs more than the rest of the line */
	buf_put(b, "SIP/2.0 ", 8);
	buf_put(b, code, 3);
	buf_put(b, " ", 1);
	buf_puts(b, reason ? reason : sip_reason_phrase(status));
	buf_put(b, "\r\n", 2);
}

void sip_build_header(struct buf *b, const char *name, struct slice value)
{
	buf_puts(b, name);
	buf_put(b, ": ", 2);
	buf_slice(b, value);
	buf_put(b, "\r\n", 2);
}

void sip_build_headerf(struct buf *b, const char *name, const char *fmt, ...)
{
	va_list ap;

	buf_puts(b, name);
	buf_put(b, ": ", 2);
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	buf_put(b, "\r\n", 2);
}

void sip_build_copy(struct buf *b, const struct sip_hdr *h)
{
	buf_slice(b, h->line);
	buf_put(b, "\r\n", 2);
}

/*
 * Whether the request's To carries a tag. A full parse knows; after a partial
 * (or failed) parse, look for ";tag=" in the value, which is what a server
 * answering a malformed request has to go on.
 */
static bool to_has_tag(const struct sip_msg *req, const struct sip_hdr *h)
{
	struct slice v = h->value;

	if (req->depth >= SIP_PARSE_FULL)
		return req->to.tag.len != 0;
	for (size_t i = 0; i + 5 <= v.len; i++)
		if (v.p[i] == ';') {
			size_t j = i + 1;

			while (j < v.len && (v.p[j] == ' ' || v.p[j] == '\t'))
				j++;
			if (j + 4 <= v.len && ascii_ieq(v.p + j, "tag=", 4))
				return true;
		}
	return false;
}

void sip_build_response_head(struct buf *b, const struct sip_msg *req, unsigned status,
			     const char *reason, struct slice to_tag)
{
	sip_build_status_line(b, status, reason);
	for (unsigned i = 0; i < req->nhdrs; i++) {
		const struct sip_hdr *h = &req->hdrs[i];

		switch (h->id) {
		case SIP_H_VIA:
		case SIP_H_FROM:
		case SIP_H_CALL_ID:
		case SIP_H_CSEQ:
			sip_build_copy(b, h);
			break;
		case SIP_H_TO:
			sip_build_copy(b, h);
			if (status > 100 && to_tag.len && !to_has_tag(req, h)) {
				b->len -= b->overflow ? 0 : 2;
				buf_puts(b, ";tag=");
				buf_slice(b, to_tag);
				buf_put(b, "\r\n", 2);
			}
			break;
		}
	}
}

void sip_build_end(struct buf *b, struct slice content_type, struct slice body)
{
	if (content_type.len)
		sip_build_header(b, "Content-Type", content_type);
	buf_puts(b, "Content-Length: ");
	buf_uint(b, body.len);
	buf_put(b, "\r\n\r\n", 4);
	buf_slice(b, body);
}

void sip_build_rest_with_body(struct buf *b, const struct sip_msg *m, unsigned first,
			      struct slice body)
{
	for (unsigned i = first; i < m->nhdrs; i++)
		if (m->hdrs[i].id != SIP_H_CONTENT_LENGTH)
			sip_build_copy(b, &m->hdrs[i]);
	sip_build_end(b, SLICE_NULL, body);
}
