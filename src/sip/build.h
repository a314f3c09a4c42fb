/* SPDX-License-Identifier: MIT */
/*
 * Building SIP messages into a caller's buffer. Writes never go past the
 * buffer: the first write that does not fit sets `overflow` and every later
 * write is ignored, so a builder sequence needs one check at the end
 * (sip_buf_done()), not one per line.
 */
#ifndef NUTSS_SIP_BUILD_H
#define NUTSS_SIP_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"
#include "sip/msg.h"

struct sip_buf {
	char *p;
	size_t len;
	size_t cap;
	bool overflow;
};

void sip_buf_init(struct sip_buf *b, char *mem, size_t cap);
void sip_buf_put(struct sip_buf *b, const void *s, size_t n);
void sip_buf_puts(struct sip_buf *b, const char *s);
void sip_buf_slice(struct sip_buf *b, struct slice s);
/* A number in decimal, without printf. */
void sip_buf_uint(struct sip_buf *b, uint64_t v);
void sip_buf_printf(struct sip_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The length written, or -1 if anything did not fit. */
int sip_buf_done(const struct sip_buf *b);

/* method as written (an extension method is copied like any other). */
void sip_build_request_line(struct sip_buf *b, struct slice method, struct slice ruri);
/* reason NULL: the standard phrase for the code. */
void sip_build_status_line(struct sip_buf *b, unsigned status, const char *reason);
void sip_build_header(struct sip_buf *b, const char *name, struct slice value);
void sip_build_headerf(struct sip_buf *b, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy a parsed header line as it was written. */
void sip_build_copy(struct sip_buf *b, const struct sip_hdr *h);

/*
 * Start a response to req (RFC 3261 8.2.6.2): the status line, then every
 * Via in order, From, To (with to_tag added when To has no tag and the
 * status is above 100), Call-ID and CSeq, copied from the request. The
 * caller adds any further headers and ends with sip_build_end().
 */
void sip_build_response_head(struct sip_buf *b, const struct sip_msg *req, unsigned status,
			     const char *reason, struct slice to_tag);

/* Content-Type (when given), Content-Length, the empty line and the body. */
void sip_build_end(struct sip_buf *b, struct slice content_type, struct slice body);

#endif
