// SPDX-License-Identifier: MIT
/* The worker's timer wheel: order, cancel, re-arm, far timers, long pauses. */
#include <stdlib.h>

#include "check.h"
#include "pbox/timer.h"

static struct wheel w;
static int order[64], norder;

static void record(struct timer *t, void *arg)
{
	(void)t;
	if (norder < 64)
		order[norder++] = (int)(intptr_t)arg;
}

static void test_fires_when_due(void)
{
	struct timer a = { 0 }, b = { 0 };

	wheel_init(&w, 1000);
	norder = 0;
	timer_arm(&w, &a, 1500, record, (void *)1); /* T1 */
	timer_arm(&w, &b, 1100, record, (void *)2);
	CHECK_INT(wheel_run(&w, 1099), 0);
	CHECK_INT(wheel_run(&w, 1100), 1);
	CHECK_INT(order[0], 2);
	CHECK(!timer_armed(&b));
	CHECK(timer_armed(&a));
	CHECK_INT(wheel_timeout_ms(&w), TIMER_TICK_MS);
	CHECK_INT(wheel_run(&w, 1600), 1);
	CHECK_INT(order[1], 1);
	CHECK_INT(wheel_timeout_ms(&w), -1);
}

static void test_cancel_and_rearm(void)
{
	struct timer a = { 0 };

	wheel_init(&w, 0);
	norder = 0;
	timer_arm(&w, &a, 100, record, (void *)1);
	timer_cancel(&w, &a);
	timer_cancel(&w, &a); /* twice is fine */
	CHECK_INT(wheel_run(&w, 200), 0);
	timer_arm(&w, &a, 300, record, (void *)1);
	timer_arm(&w, &a, 400, record, (void *)2); /* re-arming moves it */
	CHECK_INT(wheel_run(&w, 350), 0);
	CHECK_INT(wheel_run(&w, 400), 1);
	CHECK_INT(order[0], 2);
}

/* Past one turn of the wheel (timer B: 64*T1 = 32 s) the timer waits its turns. */
static void test_far_future(void)
{
	struct timer b = { 0 };

	wheel_init(&w, 0);
	norder = 0;
	timer_arm(&w, &b, 32000, record, (void *)7);
	for (uint64_t t = 10; t < 32000; t += 10)
		CHECK_INT(wheel_run(&w, t), 0);
	CHECK_INT(wheel_run(&w, 32000), 1);
	CHECK_INT(order[0], 7);
}

/*
 * Timers a turn apart share a slot: the later one is skipped (slot_min), not
 * lost, whether the earlier one fires or is cancelled first.
 */
static void test_shared_slot(void)
{
	const uint64_t turn = (uint64_t)TIMER_SLOTS * TIMER_TICK_MS;
	struct timer a = { 0 }, b = { 0 }, c = { 0 };

	wheel_init(&w, 0);
	norder = 0;
	timer_arm(&w, &a, 100, record, (void *)1);
	timer_arm(&w, &b, 100 + turn, record, (void *)2);
	timer_arm(&w, &c, 100 + 2 * turn, record, (void *)3);
	timer_cancel(&w, &a);
	for (uint64_t t = 10; t < 100 + turn; t += 10)
		CHECK_INT(wheel_run(&w, t), 0);
	CHECK_INT(wheel_run(&w, 100 + turn), 1);
	CHECK_INT(order[0], 2);
	timer_arm(&w, &a, 100 + turn + 5, record, (void *)4); /* same slot, this turn */
	CHECK_INT(wheel_run(&w, 100 + turn + 4), 0);
	CHECK_INT(wheel_run(&w, 100 + turn + 5), 1);
	CHECK_INT(order[1], 4);
	for (uint64_t t = 110 + turn; t < 100 + 2 * turn; t += 10)
		CHECK_INT(wheel_run(&w, t), 0);
	CHECK_INT(wheel_run(&w, 100 + 2 * turn), 1);
	CHECK_INT(order[2], 3);
	CHECK_INT(wheel_timeout_ms(&w), -1);
}

/* A long pause (a stopped process) fires everything overdue in one run. */
static void test_long_pause(void)
{
	struct timer t[20] = { { 0 } };

	wheel_init(&w, 0);
	norder = 0;
	for (int i = 0; i < 20; i++)
		timer_arm(&w, &t[i], (uint64_t)(i + 1) * 700, record, (void *)(intptr_t)i);
	CHECK_INT(wheel_run(&w, 100000), 20);
	CHECK_INT(wheel_timeout_ms(&w), -1);
}

/* Retransmission style: a callback re-arms itself, even for "now", without looping. */
static struct timer retrans;
static int sent;

static void resend(struct timer *t, void *arg)
{
	struct wheel *wh = arg;

	sent++;
	if (sent < 5)
		timer_arm(wh, t, wh->now_ms, resend, wh); /* "as soon as possible" */
}

static void test_rearm_from_callback(void)
{
	wheel_init(&w, 0);
	sent = 0;
	memset(&retrans, 0, sizeof(retrans));
	timer_arm(&w, &retrans, 500, resend, &w);
	CHECK_INT(wheel_run(&w, 500), 1); /* once per run, not forever */
	for (uint64_t t = 510; t < 600; t += 10)
		wheel_run(&w, t);
	CHECK_INT(sent, 5);
	CHECK(!timer_armed(&retrans));
}

/* A callback cancelling another timer due in the same slot. */
static struct timer victim;

static void kill_victim(struct timer *t, void *arg)
{
	(void)t;
	timer_cancel(arg, &victim);
	record(t, (void *)1);
}

static void test_cancel_from_callback(void)
{
	struct timer killer = { 0 };

	wheel_init(&w, 0);
	norder = 0;
	memset(&victim, 0, sizeof(victim));
	timer_arm(&w, &victim, 100, record, (void *)2);
	timer_arm(&w, &killer, 100, kill_victim, &w);
	CHECK_INT(wheel_run(&w, 100), 1);
	CHECK_INT(norder, 1);
	CHECK_INT(order[0], 1);
	CHECK(!timer_armed(&victim));
}

int main(void)
{
	RUN(test_fires_when_due);
	RUN(test_cancel_and_rearm);
	RUN(test_far_future);
	RUN(test_shared_slot);
	RUN(test_long_pause);
	RUN(test_rearm_from_callback);
	RUN(test_cancel_from_callback);
	return check_summary();
}
