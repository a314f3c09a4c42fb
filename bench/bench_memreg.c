// SPDX-License-Identifier: MIT
/*
 * mem_per_reg: the memory one registration costs in the P-Box's location
 * table (src/pbox/location.c, what nutss-pboxd holds for each binding),
 * with 1,000,000 of them loaded: the growth of this process's resident set
 * (VmRSS: the allocations, the index and the allocator's overhead) divided
 * by the count. Each binding looks like a registered endpoint: its own
 * address of record, a contact URI, a NUTSS descriptor with two
 * attributes, a Call-ID and an expiry.
 *
 *   bench_memreg [COUNT]      (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbox/location.h"

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = atol(line + 6);
	fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	uint64_t nb = 0, bytes = 0;
	struct location *loc;
	long before, after;

	if (!count || location_new(&loc) < 0) {
		fprintf(stderr, "usage: bench_memreg [COUNT>0]\n");
		return 2;
	}
	before = rss_kib();
	for (unsigned long i = 0; i < count; i++) {
		char aor[64], contact[96], desc[128], callid[64];
		struct loc_binding b;
		int na = snprintf(aor, sizeof(aor), "user%lu@bench.example", i);
		int nc = snprintf(contact, sizeof(contact), "sip:user%lu@10.%lu.%lu.%lu:5060", i,
				  i >> 16 & 255, i >> 8 & 255, i & 255);
		int nd = snprintf(desc, sizeof(desc), "user%lu@bench.example;app=ftp;type=server", i);
		int ni = snprintf(callid, sizeof(callid), "%08lx-reg@10.0.0.1", i);

		b = (struct loc_binding){
			.aor = slice_make(aor, (size_t)na),
			.contact = slice_make(contact, (size_t)nc),
			.descriptor = slice_make(desc, (size_t)nd),
			.path = SLICE_NULL,
			.call_id = slice_make(callid, (size_t)ni),
			.cseq = 1,
			.q = 1.0f,
			.expires_at = 4000000000,
		};
		if (location_update(loc, &b, 1) < 0) {
			fprintf(stderr, "bench_memreg: binding %lu refused\n", i);
			return 1;
		}
	}
	after = rss_kib();
	location_stats(loc, &nb, &bytes);
	printf("memreg: bindings=%llu table_bytes=%llu (%.0f B each) rss_growth=%ld KiB\n",
	       (unsigned long long)nb, (unsigned long long)bytes, (double)bytes / (double)nb,
	       after - before);
	printf("mem_per_reg=%.0fB\n", (double)(after - before) * 1024.0 / (double)count);
	location_free(loc);
	return 0;
}
