// SPDX-License-Identifier: MIT
/*
 * libnutss as a program sees it, built against the tree's nutss.pc:
 * errors follow libc (-1 and errno) and nutss_last_status says why,
 * before any network is involved. Prints PASS/FAIL and "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nutss/nutss.h>

static int passed, failed;

static void expect(const char *what, int ret, int err, const char *reason_has)
{
	char reason[256];
	int e = errno;
	int ok = ret == -1 && e == err;

	nutss_last_status(reason, sizeof(reason));
	ok = ok && strstr(reason, reason_has) != NULL;
	printf("%s %s (errno %s, reason \"%s\")\n", ok ? "PASS" : "FAIL", what, strerror(e),
	       reason);
	passed += ok;
	failed += !ok;
}

int main(int argc, char **argv)
{
	const char *name = "alice@example.com;app=echo;type=server";
	char pw[] = "/tmp/api_errors.XXXXXX";
	int fd;

	(void)argc;
	(void)argv;
	unsetenv("NUTSS_USER");
	expect("connect without NUTSS_USER: EINVAL", nutss_connect(name, SOCK_STREAM, 0, NULL),
	       EINVAL, "NUTSS_USER is not set");
	setenv("NUTSS_USER", "bob", 1);
	expect("NUTSS_USER without a domain: EINVAL", nutss_connect(name, SOCK_STREAM, 0, NULL),
	       EINVAL, "is not user@domain");
	setenv("NUTSS_USER", "bob@example.com", 1);
	setenv("NUTSS_PBOX", "tcp:127.0.0.1:5060", 1);
	expect("NUTSS_PBOX over TCP: EINVAL", nutss_connect(name, SOCK_STREAM, 0, NULL), EINVAL,
	       "is not udp:ADDR:PORT");
	setenv("NUTSS_PBOX", "udp:127.0.0.1:9", 1);
	unsetenv("NUTSS_PASSWORD_FILE");
	expect("no NUTSS_PASSWORD_FILE: EINVAL", nutss_connect(name, SOCK_STREAM, 0, NULL), EINVAL,
	       "NUTSS_PASSWORD_FILE is not set");
	fd = mkstemp(pw);
	if (fd < 0 || write(fd, "secret\n", 7) != 7)
		return 2;
	close(fd);
	chmod(pw, 0644);
	setenv("NUTSS_PASSWORD_FILE", pw, 1);
	expect("a password file others can read: EACCES", nutss_connect(name, SOCK_STREAM, 0, NULL),
	       EACCES, "chmod 600");
	chmod(pw, 0600);
	expect("not a name: EINVAL", nutss_connect("not a name", SOCK_STREAM, 0, NULL), EINVAL,
	       "is not a name");
	expect("a bad type: EINVAL", nutss_connect(name, SOCK_RAW, 0, NULL), EINVAL, "SOCK_STREAM");
	expect("accept on a descriptor that is no listener: EBADF", nutss_accept(0, NULL, 0), EBADF,
	       "not a nutss listener");
	/* no P-Box configured: discovery, which nothing on loopback answers */
	unsetenv("NUTSS_PBOX");
	setenv("NUTSS_DISCOVER", "not-an-address", 1);
	expect("NUTSS_DISCOVER not an address: EHOSTUNREACH",
	       nutss_connect(name, SOCK_STREAM, 0, NULL), EHOSTUNREACH, "is not an IP address");
	setenv("NUTSS_DISCOVER", "127.0.0.1", 1);
	expect("no P-Box and no M-Box to ask: EHOSTUNREACH, saying so",
	       nutss_connect(name, SOCK_STREAM, 0, NULL), EHOSTUNREACH,
	       "no M-Box answered a discovery probe toward 127.0.0.1");
	setenv("NUTSS_PBOX", "udp:127.0.0.1:9", 1);
	/* a P-Box that is not there: the connect fails in bounded time, not a hang */
	setenv("NUTSS_TIMEOUT_MS", "600", 1);
	expect("no P-Box at the address: ETIMEDOUT, saying so",
	       nutss_connect(name, SOCK_STREAM, 0, NULL), ETIMEDOUT, "no answer from the P-Box");
	unlink(pw);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
