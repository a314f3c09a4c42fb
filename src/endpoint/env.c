// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "endpoint/discover.h"
#include "endpoint/env.h"
#include "nutss/nutss.h"

static __thread struct {
	int status;
	char reason[256];
} last;

int ep_fail(int err, int status, const char *fmt, ...)
{
	va_list ap;

	last.status = status;
	va_start(ap, fmt);
	vsnprintf(last.reason, sizeof(last.reason), fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

void ep_ok(void)
{
	last.status = 0;
	last.reason[0] = 0;
}

int nutss_last_status(char *reason, size_t len)
{
	if (reason && len)
		snprintf(reason, len, "%s", last.reason);
	return last.status;
}

/* The first line of NUTSS_PASSWORD_FILE: a file only its owner can read. */
static int read_password(struct ep_cfg *c, const char *path)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *nl;

	if (fd < 0)
		return ep_fail(errno == ENOENT ? ENOENT : EACCES, 0, "NUTSS_PASSWORD_FILE %s: %s",
			       path, strerror(errno));
	if (fstat(fd, &st) == 0 && (st.st_mode & 077)) {
		close(fd);
		return ep_fail(
			EACCES, 0,
			"NUTSS_PASSWORD_FILE %s is readable by others (mode %03o): chmod 600 it",
			path, (unsigned)(st.st_mode & 0777));
	}
	n = read(fd, c->password, sizeof(c->password) - 1);
	close(fd);
	if (n < 0)
		return ep_fail(EIO, 0, "NUTSS_PASSWORD_FILE %s: %s", path, strerror(errno));
	c->password[n] = 0;
	nl = strpbrk(c->password, "\r\n");
	if (nl)
		*nl = 0;
	else if (n == (ssize_t)sizeof(c->password) - 1)
		return ep_fail(EINVAL, 0, "NUTSS_PASSWORD_FILE %s: password longer than %d bytes",
			       path, EP_PASSWORD_MAX);
	if (!c->password[0])
		return ep_fail(EINVAL, 0, "NUTSS_PASSWORD_FILE %s is empty", path);
	return 0;
}

int ep_cfg_load(struct ep_cfg *c)
{
	const char *user = getenv("NUTSS_USER"), *pw = getenv("NUTSS_PASSWORD_FILE");
	const char *pbox = getenv("NUTSS_PBOX"), *tmo = getenv("NUTSS_TIMEOUT_MS");
	const char *at;

	memset(c, 0, sizeof(*c));
	if (!user || !*user)
		return ep_fail(EINVAL, 0, "NUTSS_USER is not set (e.g. bob@example.com)");
	at = strchr(user, '@');
	if (!at || at == user || !at[1] || strchr(at + 1, '@') || strpbrk(user, " ;<>\"\r\n") ||
	    (size_t)(at - user) >= sizeof(c->user) || strlen(at + 1) >= sizeof(c->domain))
		return ep_fail(EINVAL, 0, "NUTSS_USER '%s' is not user@domain", user);
	memcpy(c->user, user, (size_t)(at - user));
	snprintf(c->domain, sizeof(c->domain), "%s", at + 1);
	if (pbox && *pbox && (!addr_parse_spec(&c->pbox, pbox) || c->pbox.tcp))
		return ep_fail(EINVAL, 0, "NUTSS_PBOX '%s' is not udp:ADDR:PORT (IPv6 in brackets)",
			       pbox);
	c->timeout_ms = EP_TIMEOUT_MS;
	if (tmo && *tmo) {
		char *end;
		unsigned long v = strtoul(tmo, &end, 10);

		if (*end || v < 100 || v > 600000)
			return ep_fail(EINVAL, 0, "NUTSS_TIMEOUT_MS '%s' is not 100 to 600000",
				       tmo);
		c->timeout_ms = (unsigned)v;
	}
	if (!pw || !*pw)
		return ep_fail(EINVAL, 0,
			       "NUTSS_PASSWORD_FILE is not set (a file holding the password)");
	if (read_password(c, pw) < 0)
		return -1;
	if (!pbox || !*pbox) {
		char why[256];

		/* none configured: ask the M-Box on the path (docs/protocol.md §5), last, for it
		 * waits */
		if (ep_discover(&c->pbox, getenv("NUTSS_DISCOVER"), why, sizeof(why)) < 0) {
			ep_cfg_clear(c);
			return ep_fail(EHOSTUNREACH, 0,
				       "NUTSS_PBOX is not set (e.g. udp:127.0.0.1:5060) and "
				       "discovery failed: %s",
				       why);
		}
	}
	return 0;
}

void ep_cfg_clear(struct ep_cfg *c)
{
	OPENSSL_cleanse(c->password, sizeof(c->password));
}
