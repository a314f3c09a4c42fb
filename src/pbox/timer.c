// SPDX-License-Identifier: MIT
#include <string.h>

#include "pbox/timer.h"

static unsigned slot_of(uint64_t ms)
{
	return (unsigned)((ms / TIMER_TICK_MS) % TIMER_SLOTS);
}

void wheel_init(struct wheel *w, uint64_t now_ms)
{
	memset(w, 0, sizeof(*w));
	for (unsigned i = 0; i < TIMER_SLOTS; i++)
		w->slot_min[i] = UINT64_MAX;
	w->now_ms = now_ms;
}

static void unlink_timer(struct timer *t)
{
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

void timer_cancel(struct wheel *w, struct timer *t)
{
	if (!timer_armed(t))
		return;
	unlink_timer(t);
	w->armed--;
}

void timer_arm(struct wheel *w, struct timer *t, uint64_t due_ms, timer_fn fn, void *arg)
{
	struct timer **head;
	unsigned s;

	timer_cancel(w, t);
	/* the past is the next tick: a slot the wheel has already passed would wait a turn */
	if (due_ms < w->now_ms)
		due_ms = w->now_ms;
	t->due_ms = due_ms;
	t->fn = fn;
	t->arg = arg;
	s = slot_of(due_ms);
	head = &w->slots[s];
	if (due_ms < w->slot_min[s])
		w->slot_min[s] = due_ms;
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	t->pprev = head;
	*head = t;
	w->armed++;
}

unsigned wheel_run(struct wheel *w, uint64_t now_ms)
{
	unsigned fired = 0;
	uint64_t ticks, from = w->now_ms;

	if (now_ms < from)
		return 0; /* clocks only move forward here */
	/* callbacks arming "now" must land where the sweep (this one or the next) looks */
	w->now_ms = now_ms;
	/*
	 * Visit each slot between the last run and now once; after a full turn
	 * every slot has been seen, so a long pause costs at most one turn.
	 */
	ticks = now_ms / TIMER_TICK_MS - from / TIMER_TICK_MS;
	if (ticks >= TIMER_SLOTS)
		ticks = TIMER_SLOTS - 1;
	for (uint64_t i = 0; i <= ticks; i++) {
		unsigned s = slot_of(from + i * TIMER_TICK_MS);
		/*
		 * Sweep a detached copy of the slot: a callback that re-arms for
		 * "now" lands in the live slot and waits for the next sweep
		 * instead of firing forever in this one. A callback may still
		 * cancel a timer in the copy: its pprev points into it.
		 */
		struct timer *pending;

		if (w->slot_min[s] > now_ms)
			continue; /* nothing due here yet */
		pending = w->slots[s];
		w->slots[s] = NULL;
		w->slot_min[s] = UINT64_MAX; /* rebuilt by what goes back (or is armed) below */
		if (pending)
			pending->pprev = &pending;
		while (pending) {
			struct timer *t = pending;

			unlink_timer(t);
			if (t->due_ms <= now_ms) {
				w->armed--;
				t->fn(t, t->arg);
				fired++;
				continue;
			}
			/* a later turn: back into its slot (this one) */
			if (t->due_ms < w->slot_min[s])
				w->slot_min[s] = t->due_ms;
			t->next = w->slots[s];
			if (t->next)
				t->next->pprev = &t->next;
			t->pprev = &w->slots[s];
			w->slots[s] = t;
		}
	}
	return fired;
}

int wheel_timeout_ms(const struct wheel *w)
{
	return w->armed ? TIMER_TICK_MS : -1;
}
