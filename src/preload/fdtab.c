// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "preload/fdtab.h"
#include "preload/preload.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_info *tab; /* indexed by fd, grown on demand */
static unsigned cap;
static unsigned used; /* entries set: 0 keeps every lookup off the lock */
static bool atfork_set;

/* A fork while another thread holds the lock: the child must not inherit it held. */
static void before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&lock);
}

bool fdtab_get(int fd, struct fd_info *out)
{
	bool ok = false;

	if (fd < 0 || !__atomic_load_n(&used, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&lock);
	if ((unsigned)fd < cap && tab[fd].kind != FD_NONE) {
		*out = tab[fd];
		ok = true;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

/* Under the lock: room for fd. */
static bool grow(int fd)
{
	unsigned n = cap ? cap : 64;
	struct fd_info *t;

	if ((unsigned)fd < cap)
		return true;
	if (fd >= FDTAB_MAX)
		return false;
	while (n <= (unsigned)fd)
		n *= 2;
	t = realloc(tab, n * sizeof(*t));
	if (!t)
		return false;
	memset(t + cap, 0, (n - cap) * sizeof(*t));
	tab = t;
	cap = n;
	return true;
}

static void put(int fd, const struct fd_info *in)
{
	if (tab[fd].kind == FD_NONE && in->kind != FD_NONE)
		__atomic_add_fetch(&used, 1, __ATOMIC_RELEASE);
	else if (tab[fd].kind != FD_NONE && in->kind == FD_NONE)
		__atomic_sub_fetch(&used, 1, __ATOMIC_RELEASE);
	tab[fd] = *in;
}

bool fdtab_set(int fd, const struct fd_info *in)
{
	bool ok;

	if (fd < 0)
		return false;
	pthread_mutex_lock(&lock);
	if (!atfork_set) {
		pthread_atfork(before_fork, after_fork, after_fork);
		atfork_set = true;
	}
	ok = grow(fd);
	if (ok)
		put(fd, in);
	pthread_mutex_unlock(&lock);
	if (!ok)
		shim_warn("descriptor %d: cannot follow it (getpeername will show the real address)", fd);
	return ok;
}

void fdtab_clear(int fd)
{
	static const struct fd_info none;

	if (fd < 0 || !__atomic_load_n(&used, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&lock);
	if ((unsigned)fd < cap)
		put(fd, &none);
	pthread_mutex_unlock(&lock);
}

void fdtab_clear_range(unsigned first, unsigned last)
{
	static const struct fd_info none;

	if (!__atomic_load_n(&used, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&lock);
	for (unsigned fd = first; fd < cap && fd <= last; fd++)
		put((int)fd, &none);
	pthread_mutex_unlock(&lock);
}

void fdtab_dup(int oldfd, int newfd)
{
	struct fd_info info;

	if (oldfd == newfd || newfd < 0)
		return;
	if (fdtab_get(oldfd, &info))
		fdtab_set(newfd, &info);
	else
		fdtab_clear(newfd);
}
