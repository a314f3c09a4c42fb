// SPDX-License-Identifier: MIT
/* nutss: the operator's command. A table of subcommands, as wg(8) does it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "sip", cmd_sip, "check SIP messages (sip lint)" },
	{ "policy", cmd_policy, "check policy files and test decisions" },
	{ "user", cmd_user, "add, delete and list users (digest HA1 only)" },
	{ "reg", cmd_reg, "show and edit registrations, add static bindings" },
	{ "key", cmd_key, "the domain's capability-token keys: new, list, rotate, retire" },
	{ "listen", cmd_listen, "register a name and relay the flows to it (netcat-like)" },
	{ "connect", cmd_connect, "open a flow to a name and relay it (netcat-like)" },
	{ "mbox", cmd_mbox, "the running M-Box: stats, flows, flush, detach" },
	{ "discover", cmd_discover, "ask the M-Box on the path where the P-Box is" },
	{ "run", cmd_run, "run an unmodified program on names (the shim)" },
};

static const char *data_dir; /* --data-dir, when given */

static void usage(FILE *f)
{
	fprintf(f, "usage: nutss [--data-dir DIR] <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f,
		"\n--data-dir DIR  the P-Box's data directory (default: $NUTSS_DATA_DIR, else %s)\n"
		"'nutss <command> --help' describes each one.\n",
		CLI_DEFAULT_DATA_DIR);
}

const char *cli_data_dir(void)
{
	const char *env = getenv("NUTSS_DATA_DIR");

	if (data_dir)
		return data_dir;
	return env && *env ? env : CLI_DEFAULT_DATA_DIR;
}

int cli_read_file(const char *path, size_t max, char **out, size_t *outlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf;
	size_t n;
	int ret = 0;

	if (!f)
		return -errno;
	/* One byte more than allowed tells "exactly max" from "too big". */
	buf = malloc(max + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		ret = -EIO;
		free(buf);
		goto out;
	}
	if (n > max) {
		ret = -EFBIG;
		free(buf);
		goto out;
	}
	*out = buf;
	*outlen = n;
out:
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	/* Global options come before the command, so each command keeps its own getopt. */
	while (argc > 1 && !strncmp(argv[1], "--data-dir", 10)) {
		if (argv[1][10] == '=') {
			data_dir = argv[1] + 11;
		} else if (argv[1][10] == '\0' && argc > 2) {
			data_dir = argv[2];
			argc--;
			argv++;
		} else {
			usage(stderr);
			return 2;
		}
		if (!*data_dir) {
			fprintf(stderr, "nutss: --data-dir needs a directory\n");
			return 2;
		}
		argc--;
		argv++;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "nutss: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
