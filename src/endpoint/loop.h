/* SPDX-License-Identifier: MIT */
/*
 * The library's one background thread: it answers the signalling that
 * arrives while the program is elsewhere (INVITEs to a listener, tickets,
 * in-dialog BYEs), retransmits our 200s until their ACK and refreshes
 * registrations. Started by the first call that needs it, never by a
 * constructor; it ends when nothing has been left to watch for two seconds.
 */
#ifndef NUTSS_ENDPOINT_LOOP_H
#define NUTSS_ENDPOINT_LOOP_H

#include <stdint.h>

#define LOOP_TICK_MS 50 /* timers: retransmissions, registration refresh */

struct loop_item {
	int fd;
	void (*readable)(struct loop_item *it); /* in the loop thread */
	void (*tick)(struct loop_item *it, uint64_t now_ms); /* every LOOP_TICK_MS, may be NULL */
	struct loop_item *next;
};

/* Watch it (starting the thread if need be). 0, or -1 with errno. */
int loop_add(struct loop_item *it);
/* Stop watching it; when this returns, no callback of it runs or will run. */
void loop_del(struct loop_item *it);

#endif
