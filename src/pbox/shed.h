/* SPDX-License-Identifier: MIT */
/*
 * UDP overload shedding for one worker (docs/pbox.md, "Overload"). A
 * worker is overloaded while its socket holds more than it can take in one
 * batch, turn after turn. Each source (address and port) has a count of the
 * requests refused to it in the current second; while overloaded, the
 * datagrams of a source already refused SHED_REFUSALS times this second are
 * dropped before they are parsed. A source whose requests succeed (a request
 * forwarded, a 2xx) has its count cleared, so a caller that answers its
 * challenges is never shed; a flood of unauthenticated or malformed
 * requests from one source costs a hash lookup per datagram.
 */
#ifndef NUTSS_PBOX_SHED_H
#define NUTSS_PBOX_SHED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define SHED_SLOTS	4096 /* sources tracked per worker (a direct-mapped table) */
#define SHED_REFUSALS	16   /* refusals per source and second before it is shed */
#define SHED_FULL_TURNS 2    /* full recvmmsg batches in a row that mean overload */

struct shed_slot {
	uint64_t key; /* hash of the source address and port; 0 = free */
	uint32_t second;
	uint32_t refused;
};

struct shed {
	struct shed_slot slot[SHED_SLOTS];
	unsigned full_turns; /* consecutive full batches */
	uint64_t dropped, dropped_logged;
	uint64_t log_after_ms;
};

/* Note one recvmmsg batch of n datagrams (of max); true while overloaded. */
bool shed_batch(struct shed *s, unsigned n, unsigned max);
static inline bool shed_overloaded(const struct shed *s)
{
	return s->full_turns >= SHED_FULL_TURNS;
}
/* While overloaded: whether the datagram from src is to be dropped unread. */
bool shed_drop(struct shed *s, const struct sockaddr_storage *src, uint64_t now_ms);
/* A request from src was refused (4xx-6xx), or succeeded. */
void shed_refused(struct shed *s, const struct sockaddr_storage *src, uint64_t now_ms);
void shed_ok(struct shed *s, const struct sockaddr_storage *src, uint64_t now_ms);

#endif
