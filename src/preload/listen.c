// SPDX-License-Identifier: MIT
/*
 * listen() on a --serve port registers its name (the agent does it, and a
 * refusal fails listen() with the P-Box's reason); accept() and accept4()
 * on it return only connections whose flow an INVITE authorized: any other
 * is closed and the next one taken, as libnutss's nutss_accept does. An
 * encrypted flow comes back as a socket pair's end, TLS running in the
 * agent.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/fdtab.h"
#include "preload/preload.h"

EXPORT int listen(int fd, int backlog)
{
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	struct agent_req req;
	struct agent_rep rep;
	struct fd_info info = { .kind = FD_LISTEN };
	int type = 0;
	socklen_t tl = sizeof(type);
	int r = REAL(listen)(fd, backlog);

	if (r < 0 || !getenv(AGENT_ENV))
		return r;
	if (getsockname(fd, (struct sockaddr *)&a, &alen) < 0 ||
	    (a.ss_family != AF_INET && a.ss_family != AF_INET6) ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM)
		return r;
	rpc_req_init(&req, AGENT_LISTEN);
	req.type = type;
	req.port = ntohs(((struct sockaddr_in *)&a)->sin_port); /* same offset in sockaddr_in6 */
	if (rpc_call(&req, -1, &rep, NULL) < 0) {
		shim_warn("listen on port %u: the session's agent: %s", req.port, strerror(errno));
		return r; /* not a served port as far as we can tell: the program's own business */
	}
	if (rep.flags & AGENT_REP_NOT_SERVED)
		return r;
	if (rep.err) {
		shim_warn("port %u: cannot register its name: %s (%s)", req.port, strerror(rep.err),
			  rep.reason);
		errno = rep.err;
		return -1;
	}
	info.port = req.port;
	fdtab_set(fd, &info);
	return r;
}

static int accept_common(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	struct fd_info l, info = { 0 };
	struct agent_req req;
	struct agent_rep rep;

	if (!fdtab_get(fd, &l) || l.kind != FD_LISTEN)
		return REAL(accept4)(fd, addr, addrlen, flags);
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int c = REAL(accept4)(fd, (struct sockaddr *)&peer, &plen, flags), nfd = -1;

		if (c < 0)
			return -1;
		rpc_req_init(&req, AGENT_ACCEPT);
		req.type = SOCK_STREAM;
		req.port = l.port;
		if (rpc_call(&req, c, &rep, &nfd) < 0) {
			shim_warn("accept on port %u: the session's agent: %s", l.port,
				  strerror(errno));
			REAL(close)(c);
			errno = ECONNABORTED;
			return -1;
		}
		if (rep.err) {
			/* no INVITE authorized it: closed, and the next one */
			REAL(close)(c);
			continue;
		}
		if (rep.flags & AGENT_REP_FD) {
			if (nfd < 0 || REAL(dup3)(nfd, c, (flags & SOCK_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
				if (nfd >= 0)
					REAL(close)(nfd);
				REAL(close)(c);
				errno = ECONNABORTED;
				return -1;
			}
			REAL(close)(nfd);
			if (flags & SOCK_NONBLOCK)
				REAL(fcntl)(c, F_SETFL, REAL(fcntl)(c, F_GETFL) | O_NONBLOCK);
			info.kind = FD_RELAY;
			info.family = peer.ss_family;
			info.type = SOCK_STREAM;
			memcpy(&info.peer, &peer, plen);
			info.peerlen = plen;
			info.selflen = sizeof(info.self);
			getsockname(fd, (struct sockaddr *)&info.self, &info.selflen);
			fdtab_set(c, &info);
		} else if (nfd >= 0) {
			REAL(close)(nfd);
		}
		if (addr && addrlen) {
			memcpy(addr, &peer, plen < *addrlen ? plen : *addrlen);
			*addrlen = plen;
		}
		return c;
	}
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	return accept_common(fd, addr, addrlen, 0);
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	return accept_common(fd, addr, addrlen, flags);
}
