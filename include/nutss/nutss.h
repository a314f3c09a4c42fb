/* SPDX-License-Identifier: MIT */
/*
 * libnutss: flows to names, authorized by every domain on the way.
 *
 * A server listens on a name (alice@example.com;app=echo;type=server), a
 * client connects to one; the library does the signalling through the
 * domain's P-Box (paper 2, Table 4):
 *
 *	nutss_listen	REGISTER, refreshed before it expires
 *	nutss_connect	INVITE; the ticket along the path; connect()
 *	nutss_accept	the INVITE answered (200 OK), the flow's connection taken
 *	nutss_close	BYE
 *
 * and hands back real kernel sockets: read, write, poll and epoll them as
 * any other. Errors are -1 and errno, as libc's; nutss_last_status() adds
 * the SIP status and the P-Box's reason (a denied flow names the policy
 * line that denied it).
 *
 * Configuration comes from the environment, never from a command line:
 *	NUTSS_USER		who we are: bob@example.com
 *	NUTSS_PASSWORD_FILE	a file holding the password (first line)
 *	NUTSS_PBOX		the domain's P-Box: udp:127.0.0.1:5060
 *	NUTSS_TIMEOUT_MS	how long a connect may take (default 8000)
 *
 * Thread-safe. Nothing starts in a constructor: the first call does the
 * work. docs/endpoint.md and libnutss(3) say more.
 */
#ifndef NUTSS_NUTSS_H
#define NUTSS_NUTSS_H

#include <stddef.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NUTSS_NAME_MAX 256 /* a descriptor: user@domain;key=value... */

/* Who is at the other end of a flow, as the signalling established it. */
struct nutss_peer {
	char name[NUTSS_NAME_MAX]; /* the peer's descriptor: the From (or To) of the INVITE */
	struct sockaddr_storage addr; /* its address and port on the flow */
	socklen_t addrlen;
};

/*
 * Listen on name with type SOCK_STREAM (TCP flows) or SOCK_DGRAM (UDP
 * flows): registers name with the P-Box (digest authentication) and keeps
 * the registration fresh from a thread of the library's. port 0 picks one.
 * Returns a descriptor to give nutss_accept() and to poll for readability:
 * for SOCK_STREAM the listening socket itself, for SOCK_DGRAM an eventfd.
 * Errors: EACCES (credentials refused), ETIMEDOUT (no P-Box answer),
 * EINVAL (a bad name or configuration), and those of socket() and bind().
 */
int nutss_listen(const char *name, int type, unsigned short port);

/*
 * The next authorized flow on a listener: a connected socket, flags as
 * accept4's (SOCK_NONBLOCK, SOCK_CLOEXEC). Only a connection from the
 * 5-tuple an INVITE authorized is accepted; any other is closed, counted
 * (nutss_listen_refused) and skipped. With the listener non-blocking,
 * EAGAIN when none is ready. peer may be NULL.
 */
int nutss_accept(int listener, struct nutss_peer *peer, int flags);

/* Connections to a listener closed because no INVITE authorized them. */
unsigned long nutss_listen_refused(int listener);

/*
 * A flow to name: INVITE through the P-Box, then a ticket along the path,
 * confirmed by the other end, then the connection. type SOCK_STREAM or
 * SOCK_DGRAM; flags SOCK_NONBLOCK and SOCK_CLOEXEC apply to the returned
 * socket (the call itself waits for the flow). Errors: EACCES (the policy
 * or the credentials refused it), EHOSTUNREACH (no such name registered),
 * ECONNREFUSED (the other end refused), ETIMEDOUT (no answer, or the
 * ticket was never confirmed), EPROTONOSUPPORT (the encryption required
 * cannot be provided), EINVAL, and those of socket() and connect().
 */
int nutss_connect(const char *name, int type, int flags, struct nutss_peer *peer);

/* End a flow (BYE) and close its socket, or stop a listener. 0 or -1. */
int nutss_close(int fd);

/*
 * The SIP status of this thread's last failed nutss_ call (0 when it never
 * reached the P-Box) and, in reason, the P-Box's words: its Warning text
 * ("policy: denied at /etc/nutss/domain.pol:12") or the reason phrase.
 */
int nutss_last_status(char *reason, size_t len);

#ifdef __cplusplus
}
#endif

#endif
