// SPDX-License-Identifier: MIT
/*
 * close, dup, dup2, dup3, fcntl(F_DUPFD...), close_range: the shim's table
 * follows the program's descriptors. The flows themselves need nothing
 * here: the agent sees a flow's socket closed by whichever process let go
 * of it last, however it did.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "preload/fdtab.h"
#include "preload/preload.h"

EXPORT int close(int fd)
{
	fdtab_clear(fd);
	return REAL(close)(fd);
}

EXPORT int dup(int oldfd)
{
	int fd = REAL(dup)(oldfd);

	if (fd >= 0)
		fdtab_dup(oldfd, fd);
	return fd;
}

EXPORT int dup2(int oldfd, int newfd)
{
	int fd = REAL(dup2)(oldfd, newfd);

	if (fd >= 0)
		fdtab_dup(oldfd, fd);
	return fd;
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int fd = REAL(dup3)(oldfd, newfd, flags);

	if (fd >= 0)
		fdtab_dup(oldfd, fd);
	return fd;
}

/* glibc reads fcntl's third argument as a pointer-sized word, whatever cmd: so do we. */
static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
	int r = real(fd, cmd, arg);

	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		fdtab_dup(fd, r);
	return r;
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(REAL(fcntl), fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...);
EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(REAL(fcntl64), fd, cmd, arg);
}

EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	int r = REAL(close_range)(first, last, flags);

	/* CLOSE_RANGE_CLOEXEC only marks them; CLOSE_RANGE_UNSHARE closes too */
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		fdtab_clear_range(first, last);
	return r;
}
