// SPDX-License-Identifier: MIT
/*
 * connect() to an address that stands for a name (src/proto/agent.h): the
 * agent authorizes the flow on the program's own socket (binds it, INVITE,
 * ticket), then the real connect() runs here, blocking or not as the
 * program made the socket: EINPROGRESS, poll, epoll and SO_ERROR behave as
 * they always do. Only the signalling before it waits (about a millisecond;
 * at most NUTSS_TIMEOUT_MS when the P-Box does not answer).
 *
 * An encrypted flow: the agent connects and runs TLS itself; the program's
 * descriptor becomes one end of a socket pair (its O_NONBLOCK and
 * FD_CLOEXEC kept) and connect() returns 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "preload/fdtab.h"
#include "preload/preload.h"

/* errno for a connect the shim could not even ask about. */
static int no_agent(int e, const char *what)
{
	if (e == ENOENT)
		shim_warn("connect to %s: not in a nutss run session (no $%s)", what, AGENT_ENV);
	else
		shim_warn("connect to %s: the session's agent: %s", what, strerror(e));
	return ENETUNREACH;
}

static void describe(const struct sockaddr *sa, char *out, size_t len)
{
	struct agent_req req;
	struct agent_rep rep;

	rpc_req_init(&req, AGENT_REVERSE);
	memcpy(&req.addr, sa, sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						       : sizeof(struct sockaddr_in6));
	req.addrlen = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
					       : sizeof(struct sockaddr_in6);
	if (rpc_call(&req, -1, &rep, NULL) == 0 && !rep.err)
		snprintf(out, len, "%s", rep.name);
	else
		snprintf(out, len, "a name's address");
}

/*
 * The socket pair's end takes fd's place, with fl, fd's status flags as the
 * program left them: by now the agent has made the socket (one file
 * description with ours) non-blocking for its TLS, which a blocking program
 * must not inherit.
 */
static int take_place(int fd, int nfd, int fl)
{
	int fdfl = REAL(fcntl)(fd, F_GETFD);

	if (fdfl < 0 || REAL(dup3)(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
		int e = errno;

		REAL(close)(nfd);
		return -e;
	}
	REAL(close)(nfd);
	if (fl & O_NONBLOCK)
		REAL(fcntl)(fd, F_SETFL, REAL(fcntl)(fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct agent_req req;
	struct agent_rep rep;
	struct fd_info info = { 0 };
	char what[AGENT_NAME_MAX];
	int type = 0, family = 0, nfd = -1, flags, r;
	socklen_t tl = sizeof(type), fl = sizeof(family);

	if (!sa || len < sizeof(sa_family_t) || !agent_addr_is_ours(sa, len))
		return REAL(connect)(fd, sa, len);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &fl) < 0)
		return -1; /* EBADF, ENOTSOCK: as connect would */
	flags = REAL(fcntl)(fd, F_GETFL); /* before the agent has the socket */
	if (flags < 0)
		return -1;
	if (family != sa->sa_family) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (type != SOCK_STREAM && type != SOCK_DGRAM) {
		errno = EPROTOTYPE; /* raw sockets and the like have no flow */
		return -1;
	}
	rpc_req_init(&req, AGENT_CONNECT);
	req.type = type;
	memcpy(&req.addr, sa, len < sizeof(req.addr) ? len : sizeof(req.addr));
	req.addrlen = len < sizeof(req.addr) ? len : sizeof(req.addr);
	if (rpc_call(&req, fd, &rep, &nfd) < 0) {
		describe(sa, what, sizeof(what));
		errno = no_agent(errno, what);
		return -1;
	}
	if (rep.err) {
		describe(sa, what, sizeof(what));
		if (rep.reason[0])
			shim_warn("%s: %s (%s)", what, strerror(rep.err), rep.reason);
		errno = rep.err;
		return -1;
	}
	info.family = family;
	info.type = type;
	memcpy(&info.peer, sa, req.addrlen);
	info.peerlen = req.addrlen;
	if (rep.flags & AGENT_REP_FD) {
		if (nfd < 0) {
			errno = EPROTO;
			return -1;
		}
		r = take_place(fd, nfd, flags);
		if (r < 0) {
			errno = -r;
			return -1;
		}
		info.kind = FD_RELAY;
		memcpy(&info.self, &rep.self, sizeof(info.self));
		info.selflen = rep.selflen;
		fdtab_set(fd, &info);
		return 0;
	}
	if (nfd >= 0)
		REAL(close)(nfd);
	info.kind = FD_FLOW;
	fdtab_set(fd, &info);
	return REAL(connect)(fd, (struct sockaddr *)&rep.addr, rep.addrlen);
}
