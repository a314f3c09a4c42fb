// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "endpoint/loop.h"
#include "endpoint/ua.h"

/*
 * The items and the thread, under one lock the thread holds while it runs
 * callbacks: loop_del() taking it is what makes "no callback runs after".
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct loop_item *items;
static int epfd = -1;
static pthread_t thread;
static bool running;

/* With nothing to watch the thread lingers this long: a program that opens flow after flow keeps one thread. */
#define LOOP_LINGER_MS 2000

static void *run(void *arg)
{
	uint64_t next_tick = ua_now_ms() + LOOP_TICK_MS, idle_since = 0;

	(void)arg;
	for (;;) {
		struct epoll_event ev[16];
		uint64_t now = ua_now_ms();
		int n = epoll_wait(epfd, ev, 16, now >= next_tick ? 0 : (int)(next_tick - now));

		pthread_mutex_lock(&lock);
		if (!items) {
			now = ua_now_ms();
			if (!idle_since)
				idle_since = now;
			if (now - idle_since >= LOOP_LINGER_MS) {
				/* nothing to watch for a while: the thread ends, the next loop_add starts another */
				running = false;
				close(epfd);
				epfd = -1;
				pthread_mutex_unlock(&lock);
				return NULL;
			}
		} else {
			idle_since = 0;
		}
		for (int i = 0; i < n; i++)
			for (struct loop_item *it = items; it; it = it->next)
				if (it == ev[i].data.ptr) {
					it->readable(it);
					break;
				}
		now = ua_now_ms();
		if (now >= next_tick) {
			for (struct loop_item *it = items; it; it = it->next)
				if (it->tick)
					it->tick(it, now);
			next_tick = now + LOOP_TICK_MS;
		}
		pthread_mutex_unlock(&lock);
	}
}

int loop_add(struct loop_item *it)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = it };
	int ret = 0;

	pthread_mutex_lock(&lock);
	if (!running) {
		if (epfd < 0)
			epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0 || (ret = pthread_create(&thread, NULL, run, NULL))) {
			ret = ret ? ret : errno;
			pthread_mutex_unlock(&lock);
			errno = ret;
			return -1;
		}
		pthread_detach(thread);
		running = true;
	}
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, it->fd, &ev) < 0) {
		ret = errno;
		pthread_mutex_unlock(&lock);
		errno = ret;
		return -1;
	}
	it->next = items;
	items = it;
	pthread_mutex_unlock(&lock);
	return 0;
}

void loop_del(struct loop_item *it)
{
	pthread_mutex_lock(&lock);
	for (struct loop_item **pp = &items; *pp; pp = &(*pp)->next)
		if (*pp == it) {
			*pp = it->next;
			if (epfd >= 0)
				epoll_ctl(epfd, EPOLL_CTL_DEL, it->fd, NULL);
			break;
		}
	pthread_mutex_unlock(&lock);
}
