/* SPDX-License-Identifier: MIT */
/*
 * What the shim knows about some of the program's descriptors: flows it
 * connected by name (getpeername answers the name's address), socket pairs
 * standing in for encrypted flows, listening sockets of served ports. It
 * follows dup, dup2, dup3, F_DUPFD and close (fd.c); fork copies it; exec
 * forgets it (the flows themselves carry on: the agent tracks them).
 */
#ifndef NUTSS_PRELOAD_FDTAB_H
#define NUTSS_PRELOAD_FDTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define FDTAB_MAX 1048576 /* descriptors it follows: fds past this are the program's alone */

enum fd_kind {
	FD_NONE = 0,
	FD_FLOW,   /* a kernel socket the program connected by name */
	FD_RELAY,  /* a socket pair's end standing in for an encrypted flow */
	FD_LISTEN, /* a listening socket of a --serve port */
};

struct fd_info {
	uint8_t kind;		      /* enum fd_kind */
	uint16_t port;		      /* FD_LISTEN: its port */
	int family, type;	      /* FD_RELAY: the socket the program had made */
	struct sockaddr_storage peer; /* FD_FLOW, FD_RELAY: what getpeername says */
	socklen_t peerlen;
	struct sockaddr_storage self; /* FD_RELAY: what getsockname says */
	socklen_t selflen;
};

/* fd's entry into out; false when none. Cheap when the table is empty. */
bool fdtab_get(int fd, struct fd_info *out);
/* Set fd's entry. false: out of memory or fd too large (the entry is lost, said once). */
bool fdtab_set(int fd, const struct fd_info *in);
/* Forget fd. */
void fdtab_clear(int fd);
/* Forget [first, last]. */
void fdtab_clear_range(unsigned first, unsigned last);
/* newfd becomes a copy of oldfd (dup2 semantics: whatever newfd had goes). */
void fdtab_dup(int oldfd, int newfd);

#endif
