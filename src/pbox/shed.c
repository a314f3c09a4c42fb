// SPDX-License-Identifier: MIT
/* UDP overload shedding; see shed.h. */
#include <netinet/in.h>
#include <string.h>

#include "pbox/shed.h"

/* A 64-bit mix of address and port; never 0 (0 marks a free slot). */
static uint64_t source_key(const struct sockaddr_storage *ss)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	const unsigned char *p;
	size_t n;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		p = a->sin6_addr.s6_addr;
		n = sizeof(a->sin6_addr);
		h ^= a->sin6_port;
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		p = (const unsigned char *)&a->sin_addr;
		n = sizeof(a->sin_addr);
		h ^= (uint64_t)a->sin_port << 32;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	return h | 1;
}

static struct shed_slot *slot_of(struct shed *s, uint64_t key)
{
	return &s->slot[(key >> 7) & (SHED_SLOTS - 1)];
}

bool shed_batch(struct shed *s, unsigned n, unsigned max)
{
	s->full_turns = n == max ? s->full_turns + 1 : 0;
	return shed_overloaded(s);
}

bool shed_drop(struct shed *s, const struct sockaddr_storage *src, uint64_t now_ms)
{
	uint64_t key = source_key(src);
	struct shed_slot *e = slot_of(s, key);

	if (e->key != key || e->second != (uint32_t)(now_ms / 1000) || e->refused < SHED_REFUSALS)
		return false;
	s->dropped++;
	return true;
}

void shed_refused(struct shed *s, const struct sockaddr_storage *src, uint64_t now_ms)
{
	uint64_t key = source_key(src);
	struct shed_slot *e = slot_of(s, key);
	uint32_t second = (uint32_t)(now_ms / 1000);

	/* a colliding source takes the slot over: the table forgets, it never blames wrongly */
	if (e->key != key || e->second != second)
		*e = (struct shed_slot){ .key = key, .second = second };
	e->refused++;
}

void shed_ok(struct shed *s, const struct sockaddr_storage *src, uint64_t now_ms)
{
	uint64_t key = source_key(src);
	struct shed_slot *e = slot_of(s, key);

	(void)now_ms;
	if (e->key == key)
		e->refused = 0;
}
