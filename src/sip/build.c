// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sip/build.h"

void sip_buf_init(struct sip_buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
}

void sip_buf_put(struct sip_buf *b, const void *s, size_t n)
{
	if (!n) /* s may be NULL for an empty slice */
		return;
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void sip_buf_puts(struct sip_buf *b, const char *s)
{
	sip_buf_put(b, s, strlen(s));
}

void sip_buf_slice(struct sip_buf *b, struct slice s)
{
	sip_buf_put(b, s.p, s.len);
}

void sip_buf_uint(struct sip_buf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
	while ((v /= 10));
	sip_buf_put(b, tmp + sizeof(tmp) - n, n);
}

static void vprintf_(struct sip_buf *b, const char *fmt, va_list ap)
{
	int n;

	if (b->overflow)
		return;
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	b->len += (size_t)n;
}

void sip_buf_printf(struct sip_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf_(b, fmt, ap);
	va_end(ap);
}

int sip_buf_done(const struct sip_buf *b)
{
	return b->overflow ? -1 : (int)b->len;
}

void sip_build_request_line(struct sip_buf *b, struct slice method, struct slice ruri)
{
	sip_buf_slice(b, method);
	sip_buf_put(b, " ", 1);
	sip_buf_slice(b, ruri);
	sip_buf_puts(b, " SIP/2.0\r\n");
}

void sip_build_status_line(struct sip_buf *b, unsigned status, const char *reason)
{
	char code[3] = { (char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
			  (char)('0' + status % 10) };

	/* by hand: on the proxy's hot path, printf costs more than the rest of the line */
	sip_buf_put(b, "SIP/2.0 ", 8);
	sip_buf_put(b, code, 3);
	sip_buf_put(b, " ", 1);
	sip_buf_puts(b, reason ? reason : sip_reason_phrase(status));
	sip_buf_put(b, "\r\n", 2);
}

void sip_build_header(struct sip_buf *b, const char *name, struct slice value)
{
	sip_buf_puts(b, name);
	sip_buf_put(b, ": ", 2);
	sip_buf_slice(b, value);
	sip_buf_put(b, "\r\n", 2);
}

void sip_build_headerf(struct sip_buf *b, const char *name, const char *fmt, ...)
{
	va_list ap;

	sip_buf_puts(b, name);
	sip_buf_put(b, ": ", 2);
	va_start(ap, fmt);
	vprintf_(b, fmt, ap);
	va_end(ap);
	sip_buf_put(b, "\r\n", 2);
}

void sip_build_copy(struct sip_buf *b, const struct sip_hdr *h)
{
	sip_buf_slice(b, h->line);
	sip_buf_put(b, "\r\n", 2);
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

void sip_build_response_head(struct sip_buf *b, const struct sip_msg *req, unsigned status,
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
				sip_buf_puts(b, ";tag=");
				sip_buf_slice(b, to_tag);
				sip_buf_put(b, "\r\n", 2);
			}
			break;
		}
	}
}

void sip_build_end(struct sip_buf *b, struct slice content_type, struct slice body)
{
	if (content_type.len)
		sip_build_header(b, "Content-Type", content_type);
	sip_buf_puts(b, "Content-Length: ");
	sip_buf_uint(b, body.len);
	sip_buf_put(b, "\r\n\r\n", 4);
	sip_buf_slice(b, body);
}
