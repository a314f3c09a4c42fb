// SPDX-License-Identifier: MIT
/*
 * nutss mbox stats|flows|flush|detach: the running M-Box, through the maps
 * nutss-mboxd pinned (docs/mbox.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli/cli.h"
#include "mbox/attach.h"
#include "mbox/mbox_kern_user.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss mbox [--pin-dir DIR] stats [--json]\n"
		"       nutss mbox [--pin-dir DIR] flows\n"
		"       nutss mbox [--pin-dir DIR] flush\n"
		"       nutss mbox detach IFACE\n"
		"\n"
		"The running M-Box, through the maps nutss-mboxd pinned in DIR (default\n"
		"/sys/fs/bpf/nutss):\n"
		"  stats   what happened to packets and tickets, summed over the CPUs\n"
		"  flows   the admitted flows, with their age, idle time and time left\n"
		"  flush   forget every admitted flow (their next packets are dropped)\n"
		"  detach  take the M-Box off IFACE: everything passes there again\n"
		"Exit status: 0 done, 1 no M-Box (nothing pinned), 2 usage or error.\n");
}

static int open_map(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "nutss mbox: %s: %s (is nutss-mboxd running? --pin-dir)\n", path,
			strerror(errno));
	return fd;
}

static int stats(const char *dir, bool json)
{
	int fd = open_map(dir, "counters"), ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (fd < 0)
		return 1;
	v = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));
	if (!v)
		return 2;
	if (json)
		printf("{");
	for (__u32 c = 0; c < MBOX_COUNTERS; c++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &c, v) == 0)
			for (int i = 0; i < ncpu; i++)
				sum += v[i];
		if (json)
			printf("%s\"%s\":%" PRIu64, c ? "," : "", mbox_counter_names[c], sum);
		else
			printf("%-24s %" PRIu64 "\n", mbox_counter_names[c], sum);
	}
	if (json)
		printf("}\n");
	free(v);
	close(fd);
	return 0;
}

static const char *ep(const uint8_t a[16], __be16 port, char *out, size_t len)
{
	static const uint8_t v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char text[INET6_ADDRSTRLEN];
	bool is4 = !memcmp(a, v4, 12);

	inet_ntop(is4 ? AF_INET : AF_INET6, is4 ? a + 12 : a, text, sizeof(text));
	snprintf(out, len, is4 ? "%s:%u" : "[%s]:%u", text, ntohs(port));
	return out;
}

static int flows(const char *dir)
{
	int fd = open_map(dir, "flows"), cfd = open_map(dir, "config");
	struct mbox_flow_key k, next;
	struct mbox_config cfg;
	struct timespec ts;
	uint64_t now;
	__u32 zero = 0;
	unsigned n = 0;
	void *prev = NULL;

	if (fd < 0 || cfd < 0 || bpf_map_lookup_elem(cfd, &zero, &cfg) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	printf("%-5s %-45s %-45s %8s %8s %8s %s\n", "proto", "endpoint", "endpoint", "age", "idle",
	       "left", "key");
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct mbox_flow f;
		char a[64], b[64];

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &f) < 0)
			continue;
		{
			uint64_t age = now - f.admitted_ns, idle = now - f.last_ns;
			uint64_t life = (uint64_t)cfg.max_lifetime_s * 1000000000u,
				 idl = (uint64_t)cfg.idle_timeout_s * 1000000000u;
			int64_t left = (int64_t)(life - age) < (int64_t)(idl - idle)
					       ? (int64_t)(life - age)
					       : (int64_t)(idl - idle);

			printf("%-5s %-45s %-45s %7" PRIu64 "s %7" PRIu64 "s %7" PRId64 "s %u\n",
			       k.proto == IPPROTO_TCP ? "tcp" : "udp", ep(k.a, k.pa, a, sizeof(a)),
			       ep(k.b, k.pb, b, sizeof(b)), age / 1000000000u, idle / 1000000000u,
			       left > 0 ? left / 1000000000 : 0, f.key_serial);
		}
		n++;
	}
	printf("%u flow(s)\n", n);
	close(fd);
	close(cfd);
	return 0;
}

static int flush(const char *dir)
{
	int fd = open_map(dir, "flows");
	struct mbox_flow_key k;
	unsigned n = 0;

	if (fd < 0)
		return 1;
	while (bpf_map_get_next_key(fd, NULL, &k) == 0 && bpf_map_delete_elem(fd, &k) == 0)
		n++;
	printf("%u flow(s) forgotten\n", n);
	close(fd);
	return 0;
}

int cmd_mbox(int argc, char **argv)
{
	const char *dir = "/sys/fs/bpf/nutss";
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "--pin-dir")) {
		dir = argv[2];
		i = 3;
	}
	if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
		usage(i < argc ? stdout : stderr);
		return i < argc ? 0 : 2;
	}
	libbpf_set_print(NULL);
	if (!strcmp(argv[i], "stats") && (argc == i + 1 || (argc == i + 2 && !strcmp(argv[i + 1], "--json"))))
		return stats(dir, argc == i + 2);
	if (!strcmp(argv[i], "flows") && argc == i + 1)
		return flows(dir);
	if (!strcmp(argv[i], "flush") && argc == i + 1)
		return flush(dir);
	if (!strcmp(argv[i], "detach") && argc == i + 2) {
		char why[160];

		if (mbox_detach(argv[i + 1], why, sizeof(why)) < 0) {
			fprintf(stderr, "nutss mbox detach: %s: %s\n", argv[i + 1], why);
			return 2;
		}
		printf("%s: the M-Box is off; everything passes there\n", argv[i + 1]);
		return 0;
	}
	usage(stderr);
	return 2;
}
