// SPDX-License-Identifier: MIT
/*
 * The shim's side of the agent protocol (src/proto/agent.h): one
 * SOCK_SEQPACKET connection per request, so that threads, forks and execs
 * never share a half-read reply. And the lookups every hook needs.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "preload/preload.h"

void *libc_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		/* no libc function to call: going on would bypass the program's own call */
		shim_warn("libc has no %s: cannot go on", name);
		abort();
	}
	return p;
}

void shim_warn(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* one write: lines of several threads do not interleave */
	if (write(STDERR_FILENO, "nutss: ", 7) < 0 || write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere to say it */
	}
}

void rpc_req_init(struct agent_req *req, enum agent_op op)
{
	memset(req, 0, sizeof(*req));
	req->magic = AGENT_MAGIC;
	req->version = AGENT_VERSION;
	req->op = (uint16_t)op;
}

static int agent_socket(void)
{
	const char *path = getenv(AGENT_ENV);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, e;

	if (!path || !*path) {
		errno = ENOENT;
		return -1;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (REAL(connect)(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno == ENOENT ? ECONNREFUSED : errno;
		REAL(close)(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int rpc_call(const struct agent_req *req, int fd_in, struct agent_rep *rep, int *fd_out)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)req, .iov_len = sizeof(*req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;
	int fd, e;

	if (fd_out)
		*fd_out = -1;
	fd = agent_socket();
	if (fd < 0)
		return -1;
	if (fd_in >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd_in, sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*req))
		goto fail;
	memset(&u, 0, sizeof(u));
	iov = (struct iovec){ .iov_base = rep, .iov_len = sizeof(*rep) };
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			int got;

			memcpy(&got, CMSG_DATA(cm), sizeof(int));
			if (fd_out && *fd_out < 0)
				*fd_out = got;
			else
				REAL(close)(got);
		}
	if (n == 0) {
		errno = ECONNREFUSED; /* the agent went away mid-request */
		goto fail;
	}
	if (n != (ssize_t)sizeof(*rep) || rep->magic != AGENT_MAGIC || (mh.msg_flags & MSG_TRUNC)) {
		errno = EPROTO;
		goto fail;
	}
	rep->name[sizeof(rep->name) - 1] = 0;
	rep->reason[sizeof(rep->reason) - 1] = 0;
	REAL(close)(fd);
	return 0;
fail:
	e = errno ? errno : EPROTO;
	if (fd_out && *fd_out >= 0) {
		REAL(close)(*fd_out);
		*fd_out = -1;
	}
	REAL(close)(fd);
	errno = e;
	return -1;
}
