/* SPDX-License-Identifier: MIT */
/*
 * Building SIP messages into a caller's bounded buffer (core/buf.h): a
 * builder sequence needs one check at the end (buf_done()), not one per line.
 */
#ifndef NUTSS_SIP_BUILD_H
#define NUTSS_SIP_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/slice.h"
#include "sip/msg.h"

/* method as written (an extension method is copied like any other). */
void sip_build_request_line(struct buf *b, struct slice method, struct slice ruri);
/* reason NULL: the standard phrase for the code. */
void sip_build_status_line(struct buf *b, unsigned status, const char *reason);
void sip_build_header(struct buf *b, const char *name, struct slice value);
void sip_build_headerf(struct buf *b, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy a parsed header line as it was written. */
void sip_build_copy(struct buf *b, const struct sip_hdr *h);

/*
 * Start a response to req (RFC 3261 8.2.6.2): the status line, then every
 * Via in order, From, To (with to_tag added when To has no tag and the
 * status is above 100), Call-ID and CSeq, copied from the request. The
 * caller adds any further headers and ends with sip_build_end().
 */
void sip_build_response_head(struct buf *b, const struct sip_msg *req, unsigned status,
			     const char *reason, struct slice to_tag);

/*
 * m's header lines from index first on, as they came, but Content-Length;
 * then body with a Content-Length that fits it: a message given a new body.
 */
void sip_build_rest_with_body(struct buf *b, const struct sip_msg *m, unsigned first,
			      struct slice body);

/* Content-Type (when given), Content-Length, the empty line and the body. */
void sip_build_end(struct buf *b, struct slice content_type, struct slice body);

#endif
