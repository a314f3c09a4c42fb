// SPDX-License-Identifier: MIT
/*
 * Fuzz the policy compiler and evaluator: any bytes either compile or give
 * a positioned error, never a crash; the tree printer agrees with the
 * compiler about what is valid; and a policy decides every flow exactly the
 * same with and without the IS-lookup tables (compile.c), which is the
 * promise that makes those tables safe to use.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFLOWS 5

static struct flow_desc flows[NFLOWS];

static void init_flows(void)
{
	static const char *const ends[NFLOWS][2] = {
		{ "bob@acme.org;app=ftp;type=client;location=internal",
		  "root@acme.org;app=ftp;type=server" },
		{ "Bob@ACME.org;app=FTP;type=client", "root@acme.org;app=ftp;type=server" },
		{ "eve@evil.net;app=web", "alice@rr.net;app=web;type=server;software=x" },
		{ "a@b", "c@d" },
		{ "user7@partner3.net;app=ftp;type=client", "srv7@acme.org;app=ftp;type=server" },
	};
	struct sip_err err = { 0 };

	for (int i = 0; i < NFLOWS; i++) {
		if (!desc_parse(&flows[i].from, slice_cstr(ends[i][0]), &err) ||
		    !desc_parse(&flows[i].to, slice_cstr(ends[i][1]), &err))
			abort();
	}
	flows[0].protocol = SLICE_LIT("tcp");
	flows[0].app = SLICE_LIT("ftp");
	flows[0].port = 21;
	flows[1].enc = SLICE_LIT("none");
	flows[1].taint[0] = SLICE_LIT("bob.confidential");
	flows[1].taint[1] = SLICE_LIT("x");
	flows[1].ntaint = 2;
	flows[2].address = SLICE_LIT("128.84.223.109");
	flows[4].enc = SLICE_LIT("ssl");
}

static bool same(const struct policy_decision *a, const struct policy_decision *b)
{
	if (a->verdict != b->verdict || !a->site != !b->site || a->nrequire != b->nrequire ||
	    a->has_uid != b->has_uid || a->uid != b->uid || a->nparams != b->nparams ||
	    !slice_eq(a->redirect, b->redirect) || !slice_eq(a->reason, b->reason))
		return false;
	if (a->site && (a->site->line != b->site->line || a->site->col != b->site->col))
		return false;
	for (unsigned i = 0; i < a->nrequire; i++)
		if (!slice_eq(a->require[i], b->require[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct policy *indexed = policy_new(), *plain = policy_new();
	struct policy_err e1, e2, e3;
	int r1, r2, r3;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		init_flows();
	}
	if (!indexed || !plain || !devnull)
		abort();
	policy_set_index_min(indexed, 2);
	policy_set_index_min(plain, 0);
	r1 = policy_add(indexed, "f", (const char *)data, size, &e1);
	r2 = policy_add(plain, "f", (const char *)data, size, &e2);
	r3 = policy_print_tree(devnull, "f", (const char *)data, size, &e3);
	if (r1 != r2 || r1 != r3 || (r1 == -EINVAL && (strcmp(e1.text, e2.text) || !e1.line)))
		abort();
	if (r1 == 0) {
		for (int i = 0; i < NFLOWS; i++) {
			struct policy_decision d1, d2;
			struct policy_trace t;

			policy_eval(indexed, &flows[i], &d1, &t);
			policy_eval(plain, &flows[i], &d2, NULL);
			if (!same(&d1, &d2) || t.n > POLICY_TRACE_MAX)
				abort();
			if (d1.verdict != POLICY_DENY && !d1.site)
				abort();
		}
	}
	policy_free(indexed);
	policy_free(plain);
	return 0;
}
