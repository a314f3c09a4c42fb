/* SPDX-License-Identifier: MIT */
/*
 * Timers for one worker: a hashed timing wheel of TIMER_SLOTS slots of
 * TIMER_TICK_MS each (docs/pbox.md, "Transactions"). Arming, cancelling and
 * firing are O(1); a timer further away than one turn of the wheel waits in
 * its slot for the turns to pass. Not thread-safe: each worker owns one
 * wheel and touches only its own timers.
 */
#ifndef NUTSS_PBOX_TIMER_H
#define NUTSS_PBOX_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_TICK_MS 10
/* one turn: 40.96 s, past 64*T1 (32 s): nearly every timer is in its first turn */
#define TIMER_SLOTS 4096

struct timer;
typedef void (*timer_fn)(struct timer *t, void *arg);

/* Embedded in whatever it times (a transaction); zero-initialised = not armed. */
struct timer {
	struct timer *next, **pprev; /* pprev NULL: not armed */
	uint64_t due_ms;
	timer_fn fn;
	void *arg;
};

struct wheel {
	struct timer *slots[TIMER_SLOTS];
	/*
	 * No timer in the slot is due before this (it may be lower than the
	 * truth after a cancel; a sweep makes it exact again). A slot holding
	 * only later turns' timers (timer C, 2xx lifetimes) is then skipped,
	 * not walked, by every run of the event loop in its tick.
	 */
	uint64_t slot_min[TIMER_SLOTS];
	uint64_t now_ms; /* the time the wheel has run up to */
	unsigned armed;
};

void wheel_init(struct wheel *w, uint64_t now_ms);

/* Arm (or re-arm) t to call fn(t, arg) at due_ms; a time already past fires at the next run. */
void timer_arm(struct wheel *w, struct timer *t, uint64_t due_ms, timer_fn fn, void *arg);
/* Disarm t; a no-op when it is not armed. Safe from inside any timer's callback. */
void timer_cancel(struct wheel *w, struct timer *t);
static inline bool timer_armed(const struct timer *t)
{
	return t->pprev != 0;
}

/*
 * Fire every timer due at or before now_ms, in order of slot. A callback
 * may arm or cancel any timer, itself included. Returns how many fired.
 */
unsigned wheel_run(struct wheel *w, uint64_t now_ms);

/* How long an event loop may sleep: TIMER_TICK_MS with timers armed, -1 without. */
int wheel_timeout_ms(const struct wheel *w);

#endif
