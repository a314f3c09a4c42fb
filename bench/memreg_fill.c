// SPDX-License-Identifier: MIT
/*
 * memreg_fill: put COUNT registrations in DATA_DIR's store (the SQLite file
 * nutss-pboxd reads at start, src/pbox/store.h), through the store API in
 * one transaction, so the schema is the daemon's own. bench/memreg-daemon.sh
 * then starts the daemon on it and on an empty store and compares their
 * resident sets. The bindings have the shape bench_memreg.c gives them: one
 * AOR each, a contact, a two-attribute descriptor, a Call-ID, and an expiry
 * far in the future (so the daemon's start-up expiry sweep keeps them).
 *
 *   memreg_fill DATA_DIR [COUNT]      (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbox/store.h"

int main(int argc, char **argv)
{
	unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
	struct store *st;
	int ret;

	if (argc < 2 || !count) {
		fprintf(stderr, "usage: memreg_fill DATA_DIR [COUNT>0]\n");
		return 2;
	}
	ret = store_open(&st, argv[1], STORE_CREATE);
	if (ret < 0) {
		fprintf(stderr, "memreg_fill: %s: %s\n", argv[1], store_strerror(ret));
		return 1;
	}
	ret = store_begin(st);
	for (unsigned long i = 0; ret >= 0 && i < count; i++) {
		char aor[64], contact[96], desc[128], callid[64];
		struct store_binding b = {
			.aor = aor,
			.contact = contact,
			.descriptor = desc,
			.path = NULL,
			.call_id = callid,
			.q = 1.0,
			.cseq = 1,
			.expires_at = 4000000000,
		};

		snprintf(aor, sizeof(aor), "user%lu@bench.example", i);
		snprintf(contact, sizeof(contact), "sip:user%lu@10.%lu.%lu.%lu:5060", i,
			 i >> 16 & 255, i >> 8 & 255, i & 255);
		snprintf(desc, sizeof(desc), "user%lu@bench.example;app=ftp;type=server", i);
		snprintf(callid, sizeof(callid), "%08lx-reg@10.0.0.1", i);
		ret = store_binding_put(st, &b);
		if (ret < 0)
			fprintf(stderr, "memreg_fill: binding %lu: %s (%s)\n", i,
				store_strerror(ret), store_errmsg(st));
	}
	if (ret >= 0)
		ret = store_commit(st);
	else
		store_rollback(st);
	if (ret < 0)
		fprintf(stderr, "memreg_fill: commit: %s (%s)\n", store_strerror(ret),
			store_errmsg(st));
	store_close(st);
	if (ret < 0)
		return 1;
	printf("memreg_fill: %lu bindings in %s\n", count, argv[1]);
	return 0;
}
