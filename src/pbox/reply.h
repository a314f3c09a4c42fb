/* SPDX-License-Identifier: MIT */
/* Stateless responses of our own making; see reply.c. */
#ifndef NUTSS_PBOX_REPLY_H
#define NUTSS_PBOX_REPLY_H

#include <stddef.h>

#include "pbox/pbox.h"
#include "sip/msg.h"

/*
 * Answer req statelessly, to where it came from. warning, when given, goes
 * into a Warning: 399 header; extra_headers are whole "Name: value\r\n" lines.
 */
void reply_send(struct worker *w, const struct packet *pkt, const struct sip_msg *req,
		unsigned status, const char *warning, const char *extra_headers);
/* The same response built into out; its length, or -1 (not to be sent). */
int reply_build(struct worker *w, const struct sip_msg *req, unsigned status, const char *warning,
		const char *extra_headers, char *out, size_t cap);

#endif
