// SPDX-License-Identifier: MIT
/* UDP overload shedding: who is dropped unread, and who never is. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pbox/shed.h"

static struct shed s;

static struct sockaddr_storage src(const char *ip, unsigned port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return ss;
}

static void test_overload_needs_full_batches(void)
{
	memset(&s, 0, sizeof(s));
	CHECK(!shed_batch(&s, 32, 32));
	CHECK(shed_batch(&s, 32, 32)); /* SHED_FULL_TURNS = 2 */
	CHECK(shed_batch(&s, 32, 32));
	CHECK(!shed_batch(&s, 31, 32)); /* the socket ran dry: caught up */
	CHECK(!shed_overloaded(&s));
}

static void test_refused_sources_are_shed(void)
{
	struct sockaddr_storage bad = src("192.0.2.1", 5060), good = src("192.0.2.1", 5062);
	uint64_t now = 10000;

	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < SHED_REFUSALS - 1; i++)
		shed_refused(&s, &bad, now);
	CHECK(!shed_drop(&s, &bad, now));
	shed_refused(&s, &bad, now);
	CHECK(shed_drop(&s, &bad, now));
	/* the same address from another port is another source */
	CHECK(!shed_drop(&s, &good, now));
	/* the count is per second */
	CHECK(!shed_drop(&s, &bad, now + 1000));
	CHECK_INT(s.dropped, 1);
}

static void test_success_clears(void)
{
	struct sockaddr_storage caller = src("198.51.100.7", 40000);
	uint64_t now = 50000;

	memset(&s, 0, sizeof(s));
	/* a caller at a high rate: one 407 per call, each answered */
	for (unsigned i = 0; i < 10 * SHED_REFUSALS; i++) {
		shed_refused(&s, &caller, now);
		shed_ok(&s, &caller, now);
	}
	CHECK(!shed_drop(&s, &caller, now));
}

int main(void)
{
	RUN(test_overload_needs_full_batches);
	RUN(test_refused_sources_are_shed);
	RUN(test_success_clears);
	return check_summary();
}
