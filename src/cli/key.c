// SPDX-License-Identifier: MIT
/*
 * nutss [--data-dir DIR] key new|list|rotate|retire
 *
 * The domain's token keys (src/proto/keys.h, docs/protocol.md "Domain
 * keys"). Secrets are never printed: list shows ids, serials and ages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "proto/keys.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss [--data-dir DIR] key new DOMAIN\n"
		"       nutss [--data-dir DIR] key list [--json]\n"
		"       nutss [--data-dir DIR] key rotate\n"
		"       nutss [--data-dir DIR] key retire SERIAL\n"
		"\n"
		"The domain's capability-token keys, in DIR/" KEYS_FILE " (mode 0600).\n"
		"  new     the first key for DOMAIN; refuses if DIR/" KEYS_FILE " exists\n"
		"  list    each key's serial, id (domain tag and serial, as tokens carry it),\n"
		"          creation time and role; never the secret\n"
		"  rotate  a new signing key; the previous one still verifies tokens it made,\n"
		"          so no flow is dropped; any older key is removed (at most %d live)\n"
		"  retire  remove a key now (tokens it made stop verifying); not the last one\n"
		"\n"
		"A running nutss-pboxd picks up a change on SIGHUP; nutss-mboxd watches the file.\n"
		"Exit status: 0 done, 1 no such key / keys exist, 2 usage or I/O error.\n",
		KEYS_MAX);
}

static int load(struct keyring *kr)
{
	char err[256];
	int ret = keys_load(kr, cli_data_dir(), err, sizeof(err));

	if (ret == -ENOENT) {
		fprintf(stderr, "nutss key: no keys in %s (nutss key new DOMAIN)\n", cli_data_dir());
		return 1;
	}
	if (ret < 0) {
		fprintf(stderr, "nutss key: %s\n", err);
		return 2;
	}
	return 0;
}

static int save(struct keyring *kr, const char *what)
{
	int ret = keys_save(kr, cli_data_dir());

	if (ret < 0) {
		fprintf(stderr, "nutss key: cannot write %s/%s: %s\n", cli_data_dir(), KEYS_FILE,
			strerror(-ret));
		keys_clear(kr);
		return 2;
	}
	printf("%s: key %" PRIu32 " signs for %s\n", what, kr->keys[0].serial, kr->domain);
	keys_clear(kr);
	return 0;
}

static void id_hex(const struct domain_key *k, char out[2 * TOKEN_KEY_ID_LEN + 1])
{
	for (unsigned i = 0; i < TOKEN_KEY_ID_LEN; i++)
		sprintf(out + 2 * i, "%02x", k->id[i]);
}

static int list(bool json)
{
	struct keyring kr;
	int ret = load(&kr);

	if (ret)
		return ret;
	if (json)
		printf("{\"domain\":\"%s\",\"keys\":[", kr.domain);
	else
		printf("domain %s\n%-8s %-16s %-20s %s\n", kr.domain, "serial", "id", "created",
		       "role");
	for (unsigned i = 0; i < kr.n; i++) {
		char id[2 * TOKEN_KEY_ID_LEN + 1], when[32];
		time_t t = (time_t)kr.keys[i].created;
		struct tm tm;

		id_hex(&kr.keys[i], id);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		if (json)
			printf("%s{\"serial\":%" PRIu32 ",\"id\":\"%s\",\"created\":\"%s\","
			       "\"role\":\"%s\"}",
			       i ? "," : "", kr.keys[i].serial, id, when, i ? "verify" : "sign");
		else
			printf("%-8" PRIu32 " %-16s %-20s %s\n", kr.keys[i].serial, id, when,
			       i ? "verifies" : "signs and verifies");
	}
	if (json)
		printf("]}\n");
	keys_clear(&kr);
	return 0;
}

int cmd_key(int argc, char **argv)
{
	struct keyring kr;
	const char *verb = argc > 1 ? argv[1] : NULL;
	int ret;

	if (!verb || !strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(verb ? stdout : stderr);
		return verb ? 0 : 2;
	}
	if (!strcmp(verb, "new") && argc == 3) {
		char err[256];

		ret = keys_load(&kr, cli_data_dir(), err, sizeof(err));
		keys_clear(&kr);
		if (ret != -ENOENT) {
			fprintf(stderr, "nutss key: %s/%s exists: use 'nutss key rotate'\n",
				cli_data_dir(), KEYS_FILE);
			return 1;
		}
		if (mkdir(cli_data_dir(), 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "nutss key: cannot create %s: %s\n", cli_data_dir(),
				strerror(errno));
			return 2;
		}
		ret = keys_new(&kr, argv[2], (int64_t)time(NULL));
		if (ret == -EINVAL) {
			fprintf(stderr, "nutss key: '%s' is not a domain name\n", argv[2]);
			return 2;
		}
		if (ret < 0) {
			fprintf(stderr, "nutss key: cannot make a key: %s\n", strerror(-ret));
			return 2;
		}
		return save(&kr, "new");
	}
	if (!strcmp(verb, "list") && (argc == 2 || (argc == 3 && !strcmp(argv[2], "--json"))))
		return list(argc == 3);
	if (!strcmp(verb, "rotate") && argc == 2) {
		if ((ret = load(&kr)))
			return ret;
		ret = keys_rotate(&kr, (int64_t)time(NULL));
		if (ret < 0) {
			fprintf(stderr, "nutss key: cannot rotate: %s\n", strerror(-ret));
			keys_clear(&kr);
			return 2;
		}
		return save(&kr, "rotated");
	}
	if (!strcmp(verb, "retire") && argc == 3) {
		char *end;
		unsigned long serial = strtoul(argv[2], &end, 10);

		if (*end || !*argv[2] || serial > UINT32_MAX) {
			fprintf(stderr, "nutss key: '%s' is not a key serial (see nutss key list)\n",
				argv[2]);
			return 2;
		}
		if ((ret = load(&kr)))
			return ret;
		ret = keys_retire(&kr, (uint32_t)serial);
		if (ret == -ENOENT || ret == -EBUSY) {
			fprintf(stderr, "nutss key: %s\n",
				ret == -ENOENT ? "no key with that serial"
					       : "that is the only key: rotate first");
			keys_clear(&kr);
			return 1;
		}
		return save(&kr, "retired");
	}
	usage(stderr);
	return 2;
}
