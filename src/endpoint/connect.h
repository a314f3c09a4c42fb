/* SPDX-License-Identifier: MIT */
/*
 * The initiating side, for a caller that holds the flow's socket itself:
 * nutss run's agent, whose program created it (src/agent/). nutss_connect()
 * is the same steps on a socket of the library's own.
 */
#ifndef NUTSS_ENDPOINT_CONNECT_H
#define NUTSS_ENDPOINT_CONNECT_H

#include <sys/socket.h>

#include "endpoint/dialog.h"
#include "endpoint/env.h"
#include "endpoint/ua.h"
#include "nutss/nutss.h"

#define EP_ENC_MAX 32  /* an a=enc value: "ssl" */
#define EP_FP_MAX  128 /* an a=fingerprint value: "sha-256 " and 32 hex pairs (103) */

/* A flow set up by ep_flow_open: what to connect to, and the dialog to end. */
struct ep_flow {
	struct sockaddr_storage dst, src; /* the 5-tuple the tokens admit */
	socklen_t dstlen, srclen;
	char peer[NUTSS_NAME_MAX];	  /* the name as asked for, canonical */
	char enc[EP_ENC_MAX];		  /* "" or the encryption the flow must carry */
	char peer_fp[EP_FP_MAX];	  /* the answer's a=fingerprint, "" when none */
	struct ep_dialog d;
	struct ep_cfg cfg;
	struct ua ua; /* the UA the dialog belongs to: open until ep_flow_clear */
};

/*
 * Steps 1 to 4 of a connect to name on fd, a socket of the caller's of type
 * SOCK_STREAM or SOCK_DGRAM, bound here unless it is (our address toward
 * the P-Box, any port; an IPv6 socket may carry an IPv4 flow): INVITE, the
 * answer, the ticket confirmed. fp: our certificate's fingerprint, offered
 * for an encrypted flow (NULL: none, and such a flow fails
 * EPROTONOSUPPORT). The caller connects fd to f->dst. fd is never closed
 * here. 0, or -1 with errno and nutss_last_status as nutss_connect's.
 */
int ep_flow_open(struct ep_flow *f, const char *name, int type, int fd, const char *fp);

/* Free what ep_flow_open left open (the UA), once the dialog is handed on or ended. */
void ep_flow_clear(struct ep_flow *f);

#endif
