// SPDX-License-Identifier: MIT
/* Interim: forwards to the first target without keeping state (replaced by the transaction layer). */
#include <stdio.h>
#include <stdlib.h>

#include "pbox/pbox.h"
#include "pbox/proxy.h"
#include "pbox/txn.h"
#include "pbox/worker.h"
#include "sip/msg.h"

struct txn_table {
	unsigned n;
};

int txn_table_new(struct worker *w, struct txn_table **out)
{
	(void)w;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -12;
}

void txn_table_free(struct txn_table *t)
{
	free(t);
}

unsigned txn_count(const struct txn_table *t)
{
	return t->n;
}

bool txn_request(struct worker *w, struct sip_msg *m, const struct packet *pkt)
{
	(void)w, (void)m, (void)pkt;
	return false;
}

bool txn_response(struct worker *w, struct sip_msg *m, const struct packet *pkt)
{
	(void)w, (void)m, (void)pkt;
	return false;
}

void txn_forward(struct worker *w, struct sip_msg *m, const struct packet *pkt,
		 const struct route_target *targets, unsigned ntargets, bool drop_first_route)
{
	static __thread char out[SIP_MAX_MSG_SIZE];
	static unsigned long long counter;
	char branch[40];
	unsigned li;
	int n;

	(void)ntargets;
	snprintf(branch, sizeof(branch), "z9hG4bKi%llx", __atomic_add_fetch(&counter, 1, 0));
	n = route_build(w, m, pkt, &targets[0], drop_first_route, branch, out, sizeof(out), &li);
	if (n > 0)
		worker_forward(w, targets[0].proto, li, &targets[0].to, targets[0].tolen, out,
			       (size_t)n);
}
