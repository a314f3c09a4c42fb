/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's SIP user agent (RFC 3261 8, 12, 17.1, 22): one UDP socket
 * on the address that faces the P-Box, requests built with the message
 * builder, client transactions with their retransmissions, and the
 * client's half of digest authentication. Everything goes to the P-Box.
 */
#ifndef NUTSS_ENDPOINT_UA_H
#define NUTSS_ENDPOINT_UA_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "endpoint/env.h"
#include "sip/msg.h"

#define UA_T1_MS 500  /* RFC 3261 T1 */
#define UA_T2_MS 4000 /* and T2 */
#define UA_TAG_LEN 16 /* hex digits in our tags, branches and Call-IDs */

struct ua {
	int fd;			/* UDP, bound to ip, not connected: in-dialog requests come from any P-Box port */
	char ip[INET6_ADDRSTRLEN]; /* our address toward the P-Box */
	uint16_t port;
	uint16_t contact_port; /* the port our Contact names, when not this socket's (0: port) */
	struct sockaddr_storage local; /* ip, port 0: where flow sockets bind */
	socklen_t locallen;
	const struct ep_cfg *cfg;
};

/* A request to build (ua_build). Strings are whole header values. */
struct ua_req {
	const char *method;
	const char *ruri;
	const char *from; /* "<sip:bob@example.com;type=client>;tag=..." */
	const char *to;
	const char *call_id;
	uint32_t cseq;
	const char *route; /* Route value, or NULL */
	const char *extra; /* whole header lines, or NULL */
	const char *ctype; /* Content-Type when there is a body */
	const char *body;
	size_t bodylen;
	char branch[8 + UA_TAG_LEN]; /* filled by ua_build */
};

int ua_open(struct ua *ua, const struct ep_cfg *cfg);
void ua_close(struct ua *ua);
/* A socket of type on our address, at port (0: any); reuse: SO_REUSEADDR and SO_REUSEPORT. */
int ua_socket(const struct ua *ua, int type, uint16_t port, bool reuse);
/* n random hex digits, NUL-terminated. */
void ua_random(char *out, size_t n);

/* Build r (a new branch each call) into out, with an auth line when given. Length or -1. */
int ua_build(const struct ua *ua, struct ua_req *r, const char *auth, char *out, size_t cap);
int ua_send(const struct ua *ua, const void *buf, size_t len);
/* Send to an address (a response to a Via). */
int ua_send_to(const struct ua *ua, const void *buf, size_t len, const struct sockaddr *to,
	       socklen_t tolen);
/*
 * The next message from the P-Box's address within timeout_ms, fully
 * parsed into m (buf holds it). 1, 0 on timeout, -1 on error. Anything
 * from elsewhere, or that does not parse, is dropped.
 */
int ua_recv(const struct ua *ua, char *buf, size_t cap, struct sip_msg *m, int timeout_ms);

/*
 * Answer req (from the P-Box) with status: its Vias, From, To (with to_tag
 * when given and it has none), Call-ID and CSeq, then extra (whole header
 * lines) and body; sent to its top Via's address (received/rport when
 * set), where the P-Box's transaction waits.
 */
int ua_reply(const struct ua *ua, const struct sip_msg *req, unsigned status, const char *to_tag,
	     const char *extra, const char *ctype, const char *body, size_t bodylen);
/* The same into out (for retransmission), its length or -1; to and tolen: where it goes. */
int ua_reply_build(const struct ua *ua, const struct sip_msg *req, unsigned status,
		   const char *to_tag, const char *extra, const char *ctype, const char *body,
		   size_t bodylen, char *out, size_t cap, struct sockaddr_storage *to,
		   socklen_t *tolen);

/* "Authorization: Digest ...\r\n" (Proxy- for a 407) answering challenge. Length or -1. */
int ua_credentials(const struct ua *ua, const struct sip_msg *challenge, const char *method,
		   const char *uri, char *line, size_t cap);

/*
 * A client transaction: send r, retransmit it as RFC 3261 17.1 says, answer
 * one 401/407 with credentials (the request goes again, CSeq one up), and
 * return the final status with the response parsed in resp (its bytes in
 * out). An INVITE's non-2xx is acknowledged here. -1 with errno ETIMEDOUT
 * when nothing final came within timeout_ms.
 */
int ua_transaction(const struct ua *ua, struct ua_req *r, char *out, size_t cap,
		   struct sip_msg *resp, int timeout_ms);

/* The errno a final status means for the caller (403 EACCES, 404 EHOSTUNREACH...). */
int ua_errno(unsigned status);
/* What the P-Box said: the Warning's text, else the reason phrase; into out. */
const char *ua_reason(const struct sip_msg *m, char *out, size_t len);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t ua_now_ms(void);

#endif
