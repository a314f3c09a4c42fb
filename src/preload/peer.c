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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "preload/fdtab.h"
#include "preload/preload.h"

/*
 * fd is a socket-pair end the table does not know (an exec since, or a
 * fork's child of an exec): if it stands for an encrypted flow, the agent
 * knows it by its inode. Only unnamed AF_UNIX stream sockets are asked
 * about, so other programs' socket pairs cost one getsockname.
 */
static bool relay_lookup(int fd, struct fd_info *out)
{
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	struct agent_req req;
	struct agent_rep rep;
	struct stat st;

	if (!getenv(AGENT_ENV) || REAL(getsockname)(fd, (struct sockaddr *)&a, &alen) < 0 ||
	    a.ss_family != AF_UNIX || alen > sizeof(sa_family_t) || fstat(fd, &st) < 0)
		return false;
	rpc_req_init(&req, AGENT_PEER);
	req.ino = (uint64_t)st.st_ino;
	if (rpc_call(&req, -1, &rep, NULL) < 0 || rep.err || rep.addrlen > sizeof(out->peer) ||
	    rep.selflen > sizeof(out->self))
		return false;
	memset(out, 0, sizeof(*out));
	out->kind = FD_RELAY;
	out->family = rep.family;
	out->type = SOCK_STREAM;
	memcpy(&out->peer, &rep.addr, rep.addrlen);
	out->peerlen = rep.addrlen;
	memcpy(&out->self, &rep.self, rep.selflen);
	out->selflen = rep.selflen;
	fdtab_set(fd, out);
	return true;
}

/* fd's entry, asking the agent about a socket-pair end the table has lost. */
static bool lookup(int fd, struct fd_info *out)
{
	return fdtab_get(fd, out) || relay_lookup(fd, out);
}

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

	if (lookup(fd, &i) && (i.kind == FD_FLOW || i.kind == FD_RELAY)) {
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

	if (lookup(fd, &i) && i.kind == FD_RELAY && i.selflen)
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

	if (!fdtab_get(fd, &i) && (level != SOL_SOCKET || name != SO_DOMAIN || !relay_lookup(fd, &i)))
		return REAL(getsockopt)(fd, level, name, val, len);
	if (i.kind != FD_RELAY)
		return REAL(getsockopt)(fd, level, name, val, len);
	if (level == SOL_SOCKET && (name == SO_DOMAIN || name == SO_PROTOCOL) && val && len &&
	    *len >= sizeof(int)) {
		int v = name == SO_DOMAIN ? i.family : IPPROTO_TCP;

		memcpy(val, &v, sizeof(v));
		*len = sizeof(v);
		return 0;
	}
	if (inet_level(level) && val && len) {
		/*
		 * As a TCP socket with no options set would answer: IP_OPTIONS empty
		 * (sshd refuses a connection that has some), the rest 0.
		 */
		if ((level == IPPROTO_IP && name == IP_OPTIONS) || *len < sizeof(int)) {
			*len = 0;
			return 0;
		}
		memset(val, 0, sizeof(int));
		*len = sizeof(int);
		return 0;
	}
	return REAL(getsockopt)(fd, level, name, val, len);
}
