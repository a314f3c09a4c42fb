// SPDX-License-Identifier: MIT
/*
 * nutss [--data-dir DIR] user add|passwd|del|list
 *
 * The users the P-Box authenticates. Only HA1 = H(user:realm:password) is
 * stored, for MD5 and SHA-256, with the realm the domain of the AOR; the
 * password lives in one buffer that is wiped before the command returns.
 * Also home to the helpers reg.c shares: opening the store and reading an AOR.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "pbox/store.h"
#include "sip/desc.h"
#include "sip/digest.h"

#define PASSWORD_MAX 1024 /* bytes, not counting the newline */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss [--data-dir DIR] user add USER@DOMAIN [--password-stdin]\n"
		"       nutss [--data-dir DIR] user passwd USER@DOMAIN [--password-stdin]\n"
		"       nutss [--data-dir DIR] user del USER@DOMAIN\n"
		"       nutss [--data-dir DIR] user list\n"
		"\n"
		"Manage the users the P-Box authenticates with SIP digest (RFC 3261 22).\n"
		"  add     create a user; fails if it exists (use passwd to change a password)\n"
		"  passwd  set a new password for an existing user\n"
		"  del     delete a user and every binding registered for its AOR\n"
		"  list    print every user's AOR, one per line\n"
		"\n"
		"The password is never stored: only HA1 = H(user:realm:password) for MD5 and\n"
		"SHA-256, with realm = DOMAIN (the domain is lower-cased). It is read from the\n"
		"terminal twice without echo, or with --password-stdin as one line from stdin\n"
		"(the trailing newline, or CR LF, is removed). Empty passwords are refused;\n"
		"passwords are at most %d bytes.\n"
		"\n"
		"The store is DIR/" STORE_DB_NAME ", DIR being --data-dir, else $NUTSS_DATA_DIR,\n"
		"else " CLI_DEFAULT_DATA_DIR "; 'add' creates it (mode 0700/0600) if needed.\n"
		"A running nutss-pboxd sees user changes after SIGHUP.\n"
		"Exit status: 0 done, 1 no such user / user exists, 2 usage or I/O error.\n",
		PASSWORD_MAX);
}

int cli_store_open(struct store **out, unsigned flags)
{
	const char *dir = cli_data_dir();
	int ret = store_open(out, dir, flags);

	if (ret < 0) {
		fprintf(stderr, "nutss: %s/%s: %s\n", dir, STORE_DB_NAME, store_strerror(ret));
		if (ret == -ENOENT && !(flags & STORE_CREATE))
			fprintf(stderr,
				"nutss: no store in %s yet (use --data-dir or "
				"$NUTSS_DATA_DIR to pick another)\n",
				dir);
		return 2;
	}
	return 0;
}

int cli_store_fail(struct store *s, const char *what, int err)
{
	fprintf(stderr, "nutss: %s: %s: %s", store_path(s), what, store_strerror(err));
	if (err == -EIO || err == -EBUSY)
		fprintf(stderr, " (%s)", store_errmsg(s));
	fputc('\n', stderr);
	return 2;
}

int cli_aor(char *out, size_t len, const char *in)
{
	struct desc d;
	size_t n = strlen(in);

	if (n == 0 || n >= len || n > STORE_AOR_MAX || !desc_parse(&d, slice_make(in, n), NULL) ||
	    d.nattrs || d.aor.p != in || d.aor.len != n) {
		fprintf(stderr, "nutss: '%s' is not an address of record (want USER@DOMAIN)\n", in);
		return 2;
	}
	memcpy(out, in, n + 1);
	/* Domains are case-insensitive (RFC 3261 19.1.4); the store keeps them lower case. */
	for (char *p = out + d.user.len + 1; *p; p++)
		*p = (char)ascii_lower((unsigned char)*p);
	return 0;
}

/* ---- reading the password ---- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * Read one line from fd into buf, a byte at a time so that nothing beyond
 * the line sits in a stdio buffer we could not wipe. Returns the length
 * without the line end, -1 on error or interruption, -2 when too long.
 */
static int read_line(int fd, char *buf, size_t max)
{
	size_t n = 0;
	bool too_long = false;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0) {
			if (errno == EINTR && !interrupted)
				continue;
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (n < max)
			buf[n++] = c;
		else
			too_long = true;
	}
	if (too_long)
		return -2;
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (int)n;
}

/* Prompt on the terminal with echo off; the signal handlers put echo back on the way out. */
static int read_tty(const char *prompt, char *buf, size_t max)
{
	struct termios old, noecho;
	struct sigaction sa = { .sa_handler = on_signal }, saved[4];
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGTSTP };
	int n;

	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return -1;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;
	/* No SA_RESTART: a ^C must break the read so the terminal can be restored. */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &saved[i]);
	n = -1;
	/*
	 * Echo goes off (dropping any typeahead) before the prompt shows, so
	 * whatever is typed after the prompt is neither echoed nor flushed.
	 */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) == 0) {
		fputs(prompt, stderr);
		fflush(stderr);
		n = read_line(STDIN_FILENO, buf, max);
		tcsetattr(STDIN_FILENO, TCSADRAIN, &old);
	}
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &saved[i], NULL);
	if (interrupted) {
		fputc('\n', stderr);
		return -1;
	}
	return n;
}

/* Read the password into pw (PASSWORD_MAX + 1 bytes). Returns its length or an exit status < 0. */
static int read_password(const char *aor, bool from_stdin, char *pw)
{
	char again[PASSWORD_MAX + 1], prompt[STORE_AOR_MAX + 32];
	int n, m;

	if (from_stdin) {
		n = read_line(STDIN_FILENO, pw, PASSWORD_MAX);
	} else {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "nutss: stdin is not a terminal: use --password-stdin\n");
			return -2;
		}
		snprintf(prompt, sizeof(prompt), "Password for %s: ", aor);
		n = read_tty(prompt, pw, PASSWORD_MAX);
		if (n > 0) {
			m = read_tty("Again: ", again, PASSWORD_MAX);
			if (m != n || memcmp(pw, again, (size_t)n))
				n = m < 0 ? m : -3;
			OPENSSL_cleanse(again, sizeof(again));
		}
	}
	switch (n) {
	case -1:
		fprintf(stderr, "nutss: could not read the password%s\n",
			interrupted ? " (interrupted)" : "");
		return -2;
	case -2:
		fprintf(stderr, "nutss: password longer than %d bytes\n", PASSWORD_MAX);
		return -2;
	case -3:
		fprintf(stderr, "nutss: the passwords do not match\n");
		return -2;
	case 0:
		fprintf(stderr, "nutss: empty password refused\n");
		return -2;
	}
	if (n < 0 || memchr(pw, '\0', (size_t)n)) {
		fprintf(stderr, "nutss: password holds a NUL byte\n");
		return -2;
	}
	return n;
}

/*
 * Set aor's HA1s from a password read now. must_exist: passwd; otherwise
 * add, which refuses an existing user. The check and the write share one
 * transaction, so two concurrent adds cannot both succeed.
 */
static int set_password(const char *aor, bool from_stdin, bool must_exist)
{
	char pw[PASSWORD_MAX + 1], md5[DIGEST_HEX_BUF], sha[DIGEST_HEX_BUF];
	char old_md5[STORE_MD5_HEX_LEN + 1], old_sha[STORE_SHA256_HEX_LEN + 1];
	const char *at = strchr(aor, '@');
	struct slice user = slice_make(aor, (size_t)(at - aor)), realm = slice_cstr(at + 1);
	struct store *s = NULL;
	bool have_md5, have_sha;
	int n, ret, status = 2;

	if (cli_store_open(&s, must_exist ? 0 : STORE_CREATE))
		return 2;
	/* Fail before prompting when the answer is already known. */
	ret = store_user_get(s, aor, old_md5, old_sha);
	if (ret == 0 && !must_exist) {
		fprintf(stderr, "nutss: user %s already exists (use 'nutss user passwd')\n", aor);
		status = 1;
		goto out;
	}
	if (ret == -ENOENT && must_exist) {
		fprintf(stderr, "nutss: user %s: no such user\n", aor);
		status = 1;
		goto out;
	}
	if (ret < 0 && ret != -ENOENT) {
		status = cli_store_fail(s, aor, ret);
		goto out;
	}

	n = read_password(aor, from_stdin, pw);
	if (n < 0)
		goto out;
	/* MD5 may be missing under a FIPS-only provider; SHA-256 alone still works. */
	have_md5 = digest_alg_available(DIGEST_MD5) &&
		   digest_ha1(md5, DIGEST_MD5, user, realm, slice_make(pw, (size_t)n)) ==
			   STORE_MD5_HEX_LEN;
	have_sha = digest_ha1(sha, DIGEST_SHA256, user, realm, slice_make(pw, (size_t)n)) ==
		   STORE_SHA256_HEX_LEN;
	OPENSSL_cleanse(pw, sizeof(pw));
	if (!have_md5 && !have_sha) {
		fprintf(stderr, "nutss: could not compute HA1 for %s\n", aor);
		goto out;
	}

	ret = store_begin(s);
	if (ret < 0) {
		status = cli_store_fail(s, aor, ret);
		goto out;
	}
	ret = store_user_get(s, aor, old_md5, old_sha);
	if (ret < 0 && ret != -ENOENT) {
		store_rollback(s);
		status = cli_store_fail(s, aor, ret);
		goto out;
	}
	if ((ret == 0) != must_exist) {
		/* Someone else added or deleted it while we were prompting. */
		fprintf(stderr, "nutss: user %s %s meanwhile\n", aor,
			must_exist ? "was deleted" : "was added");
		store_rollback(s);
		status = 1;
		goto out;
	}
	ret = store_user_put(s, aor, have_md5 ? md5 : NULL, have_sha ? sha : NULL);
	if (ret == 0)
		ret = store_commit(s);
	if (ret < 0) {
		store_rollback(s);
		status = cli_store_fail(s, aor, ret);
		goto out;
	}
	status = 0;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(md5, sizeof(md5));
	OPENSSL_cleanse(sha, sizeof(sha));
	OPENSSL_cleanse(old_md5, sizeof(old_md5));
	OPENSSL_cleanse(old_sha, sizeof(old_sha));
	store_close(s);
	return status;
}

static int del(const char *aor)
{
	struct store *s = NULL;
	int ret, status = 0;

	if (cli_store_open(&s, 0))
		return 2;
	ret = store_user_del(s, aor);
	if (ret == -ENOENT) {
		fprintf(stderr, "nutss: user %s: no such user\n", aor);
		status = 1;
	} else if (ret < 0) {
		status = cli_store_fail(s, aor, ret);
	}
	store_close(s);
	return status;
}

static int print_aor(void *arg, const char *aor)
{
	(void)arg;
	return puts(aor) < 0 ? -EIO : 0;
}

static int list(void)
{
	struct store *s = NULL;
	int ret, status = 0;

	if (cli_store_open(&s, 0))
		return 2;
	ret = store_user_list(s, print_aor, NULL);
	if (ret < 0)
		status = cli_store_fail(s, "listing users", ret);
	store_close(s);
	if (fflush(stdout) != 0)
		status = 2;
	return status;
}

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = { { "password-stdin", no_argument, NULL, 'p' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	char aor[STORE_AOR_MAX + 1];
	const char *verb;
	bool from_stdin = false;
	int opt;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	verb = argv[1];
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(stdout);
		return 0;
	}
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			from_stdin = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind + 1;
	argv += optind + 1;

	if (!strcmp(verb, "list")) {
		if (argc != 0 || from_stdin)
			goto bad_usage;
		return list();
	}
	if (strcmp(verb, "add") && strcmp(verb, "passwd") && strcmp(verb, "del")) {
		fprintf(stderr, "nutss: user: unknown command '%s'\n", verb);
		goto bad_usage;
	}
	if (argc != 1 || (from_stdin && !strcmp(verb, "del")))
		goto bad_usage;
	if (cli_aor(aor, sizeof(aor), argv[0]))
		return 2;
	if (!strcmp(verb, "del"))
		return del(aor);
	return set_password(aor, from_stdin, !strcmp(verb, "passwd"));
bad_usage:
	usage(stderr);
	return 2;
}
