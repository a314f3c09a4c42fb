/* SPDX-License-Identifier: MIT */
/* The nutss command: one file per subcommand, dispatched from nutss.c. */
#ifndef NUTSS_CLI_H
#define NUTSS_CLI_H

#include <stdio.h>

/*
 * Every subcommand takes the arguments after its own name (argv[0] is the
 * subcommand) and returns the process exit status: 0 success, 1 a negative
 * verdict (invalid input, denied), 2 usage or I/O error.
 */
int cmd_sip(int argc, char **argv);
int cmd_policy(int argc, char **argv);

/* Read a whole file (or "-" for stdin) up to max bytes. Returns 0 or -errno (-EFBIG). */
int cli_read_file(const char *path, size_t max, char **out, size_t *outlen);

#endif
