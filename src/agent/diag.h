/* SPDX-License-Identifier: MIT */
/*
 * Whether a socket still exists and is held by some process, asked of the
 * kernel (NETLINK_SOCK_DIAG): how the agent knows a flow has ended without
 * holding a reference to its socket, whichever process held the last one
 * and however it let go (close, exit, a kill).
 */
#ifndef NUTSS_AGENT_DIAG_H
#define NUTSS_AGENT_DIAG_H

#include <stdint.h>
#include <sys/socket.h>

enum diag_state {
	DIAG_NONE = 0,	 /* no such socket (yet, or any more) */
	DIAG_HELD = 1,	 /* a process holds it */
	DIAG_ORPHAN = 2, /* it exists, but no process holds it (closing, TIME_WAIT): ended */
};

/*
 * The socket of proto (IPPROTO_TCP, IPPROTO_UDP) from local to remote
 * (IPv4, IPv6, v4-mapped IPv6 taken as IPv4). DIAG_HELD, DIAG_ORPHAN, DIAG_NONE, or
 * -errno when the kernel could not be asked.
 */
int diag_socket(int proto, const struct sockaddr *local, const struct sockaddr *remote);

/* Whether some process holds a TCP socket listening on port. 1, 0 or -errno. */
int diag_listening(uint16_t port);

#endif
