// SPDX-License-Identifier: MIT
/*
 * getpeername, getsockname, getsockopt, setsockopt: a flow connected by
 * name shows the name's address as its peer (what the program connected
 * to); a socket pair standing in for an encrypted flow answers as the TCP
 * socket it replaces: its family, the flow's addresses, and TCP and IP
 * options taken and ignored (the agent's socket carries the flow).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "preload/fdtab.h"
#include "preload/preload.h"

static int give(const struct sockaddr_storage *a, socklen_t alen, struct sockaddr *out,
		socklen_t *outlen)
{
	if (!out || !outlen) {
		errno = EFAULT;
		return -1;
	}
	/* as the kernel: truncated to the caller's room, the full length reported */
	memcpy(out, a, alen < *outlen ? alen : *outlen);
	*outlen = alen;
	return 0;
}

EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct fd_info i;

	if (fdtab_get(fd, &i) && (i.kind == FD_FLOW || i.kind == FD_RELAY)) {
		/* a flow the program closed and the peer ended is still "connected" here: check */
		if (i.kind == FD_FLOW) {
			struct sockaddr_storage real;
			socklen_t rl = sizeof(real);

			if (REAL(getpeername)(fd, (struct sockaddr *)&real, &rl) < 0)
				return -1;
		}
		return give(&i.peer, i.peerlen, addr, len);
	}
	return REAL(getpeername)(fd, addr, len);
}

EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct fd_info i;

	if (fdtab_get(fd, &i) && i.kind == FD_RELAY && i.selflen)
		return give(&i.self, i.selflen, addr, len);
	return REAL(getsockname)(fd, addr, len);
}

static bool inet_level(int level)
{
	return level == IPPROTO_TCP || level == IPPROTO_IP || level == IPPROTO_IPV6;
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct fd_info i;

	if (inet_level(level) && fdtab_get(fd, &i) && i.kind == FD_RELAY)
		return 0;
	return REAL(setsockopt)(fd, level, name, val, len);
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct fd_info i;

	if (!fdtab_get(fd, &i) || i.kind != FD_RELAY)
		return REAL(getsockopt)(fd, level, name, val, len);
	if (level == SOL_SOCKET && (name == SO_DOMAIN || name == SO_PROTOCOL) && val && len &&
	    *len >= sizeof(int)) {
		int v = name == SO_DOMAIN ? i.family : IPPROTO_TCP;

		memcpy(val, &v, sizeof(v));
		*len = sizeof(v);
		return 0;
	}
	if (inet_level(level) && val && len) {
		memset(val, 0, *len);
		return 0;
	}
	return REAL(getsockopt)(fd, level, name, val, len);
}
