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
int cmd_user(int argc, char **argv);
int cmd_reg(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_mbox(int argc, char **argv);
int cmd_discover(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Where the store lives: --data-dir, else $NUTSS_DATA_DIR, else this. */
#define CLI_DEFAULT_DATA_DIR "/var/lib/nutss"
const char *cli_data_dir(void);

/*
 * Shared by the commands that use the store (user.c). Each prints what went
 * wrong, naming the file or AOR, and returns 0 or the exit status 2.
 */
struct store;
int cli_store_open(struct store **out, unsigned flags);
int cli_store_fail(struct store *s, const char *what, int err);
/* Check USER@DOMAIN and copy it into out with the domain lower-cased. */
int cli_aor(char *out, size_t len, const char *in);

/* Read a whole file (or "-" for stdin) up to max bytes. Returns 0 or -errno (-EFBIG). */
int cli_read_file(const char *path, size_t max, char **out, size_t *outlen);

#endif
