// SPDX-License-Identifier: MIT
/*
 * Responses of our own making, stateless, to where the request came from:
 * the lowest layer of the per-message path, which every service may use.
 */
#include "core/log.h"
#include "pbox/reply.h"
#include "pbox/shed.h"
#include "pbox/worker.h"
#include "sip/build.h"

int reply_build(struct worker *w, const struct sip_msg *req, unsigned status,
		      const char *warning, const char *extra_headers, char *out, size_t cap)
{
	struct buf b;
	int n;

	if (!req->is_request || req->method_id == SIP_ACK || !sip_msg_has(req, SIP_H_VIA))
		return -1; /* nothing to answer, or no way to address the answer */
	buf_init(&b, out, cap);
	sip_build_response_head(&b, req, status, NULL, slice_cstr(w->pb->totag));
	if (warning) {
		/* RFC 3261 20.43: 399 = miscellaneous warning; the text is ours, quoted. */
		buf_printf(&b, "Warning: 399 %s \"", w->pb->cfg.domain);
		for (const char *p = warning; *p; p++)
			buf_put(&b, *p == '"' || *p == '\\' ? "'" : p, 1);
		buf_puts(&b, "\"\r\n");
	}
	if (extra_headers)
		buf_puts(&b, extra_headers);
	buf_puts(&b, "Server: nutss-pboxd\r\n");
	sip_build_end(&b, SLICE_NULL, SLICE_NULL);
	n = buf_done(&b);
	if (n < 0)
		log_warn("a %u response did not fit in %zu bytes: not sent", status, cap);
	return n;
}

/* Reply to the source of the request: symmetric response routing (RFC 3581). */
void reply_send(struct worker *w, const struct packet *pkt, const struct sip_msg *req,
		 unsigned status, const char *warning, const char *extra_headers)
{
	char out[4096];
	int n;

	if (pkt->proto == LISTEN_UDP) { /* what overload shedding knows of each source */
		if (status >= 400)
			shed_refused(&w->shed, &pkt->src, w->now_ms);
		else if (status >= 200)
			shed_ok(&w->shed, &pkt->src, w->now_ms);
	}
	n = reply_build(w, req, status, warning, extra_headers, out, sizeof(out));
	if (n > 0)
		worker_reply(w, pkt, out, (size_t)n);
}
