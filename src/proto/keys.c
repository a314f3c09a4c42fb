// SPDX-License-Identifier: MIT
/*
 * The keys file: text, so an operator can see what is there (`nutss key
 * list` shows it without the secrets), one key a line:
 *
 *	# comments
 *	domain example.com
 *	key <serial> <created> <32 hex digits>
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/buf.h"
#include "core/hex.h"
#include "proto/keys.h"

int keys_domain_tag(const char *domain, uint8_t tag[4])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char lower[KEYS_DOMAIN_MAX + 16] = "nutss-domain:";
	size_t n = strlen(lower), dl = strlen(domain);
	unsigned mdlen = 0;

	if (!dl || dl > KEYS_DOMAIN_MAX)
		return -EINVAL;
	for (size_t i = 0; i < dl; i++)
		lower[n++] = (char)tolower((unsigned char)domain[i]);
	if (!EVP_Digest(lower, n, md, &mdlen, EVP_sha256(), NULL) || mdlen < 4)
		return -EIO;
	memcpy(tag, md, 4);
	return 0;
}

static void set_id(struct domain_key *k, const uint8_t tag[4])
{
	memcpy(k->id, tag, 4);
	k->id[4] = (uint8_t)(k->serial >> 24);
	k->id[5] = (uint8_t)(k->serial >> 16);
	k->id[6] = (uint8_t)(k->serial >> 8);
	k->id[7] = (uint8_t)k->serial;
}

static bool valid_domain(const char *d)
{
	size_t n = strlen(d);

	if (!n || n > KEYS_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)d[i]) && d[i] != '-' && d[i] != '.')
			return false;
	return true;
}

/* Keep newest first: the signing key is keys[0]. */
static void sort_keys(struct keyring *kr)
{
	if (kr->n == 2 && kr->keys[1].serial > kr->keys[0].serial) {
		struct domain_key t = kr->keys[0];

		kr->keys[0] = kr->keys[1];
		kr->keys[1] = t;
		OPENSSL_cleanse(&t, sizeof(t));
	}
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		goto fail;                                                                         \
	} while (0)

int keys_parse(struct keyring *kr, const char *text, size_t len, char *err, size_t errlen)
{
	char line[256];
	unsigned lineno = 0;
	size_t at = 0;
	uint8_t tag[4];

	memset(kr, 0, sizeof(*kr));
	if (len > KEYS_MAX_FILE)
		FAIL("file larger than %d bytes", KEYS_MAX_FILE);
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - (text + at)) : len - at;
		char *p, *save, *word[5];
		unsigned nw = 0;

		lineno++;
		if (ll >= sizeof(line))
			FAIL("line %u: longer than %zu bytes", lineno, sizeof(line) - 1);
		memcpy(line, text + at, ll);
		line[ll] = 0;
		at += ll + (nl != NULL);
		if (memchr(line, 0, ll))
			FAIL("line %u: NUL byte", lineno);
		for (p = strtok_r(line, " \t\r", &save); p && nw < 5; p = strtok_r(NULL, " \t\r", &save))
			word[nw++] = p;
		if (!nw || word[0][0] == '#')
			continue;
		if (!strcmp(word[0], "domain") && nw == 2) {
			if (kr->domain[0])
				FAIL("line %u: a second domain", lineno);
			if (!valid_domain(word[1]))
				FAIL("line %u: '%s' is not a domain name", lineno, word[1]);
			snprintf(kr->domain, sizeof(kr->domain), "%s", word[1]);
		} else if (!strcmp(word[0], "key") && nw == 4) {
			struct domain_key *k;
			char *end;
			unsigned long long serial, created;

			if (kr->n == KEYS_MAX)
				FAIL("line %u: more than %d keys (rotation keeps two)", lineno, KEYS_MAX);
			k = &kr->keys[kr->n];
			errno = 0;
			serial = strtoull(word[1], &end, 10);
			if (errno || *end || !serial || serial > UINT32_MAX || word[1][0] == '-')
				FAIL("line %u: key serial must be 1 to %u", lineno, UINT32_MAX);
			created = strtoull(word[2], &end, 10);
			if (errno || *end || word[2][0] == '-' || created > INT64_MAX)
				FAIL("line %u: bad creation time", lineno);
			if (strlen(word[3]) != 2 * TOKEN_KEY_LEN ||
			    !hex_decode(word[3], TOKEN_KEY_LEN, k->secret))
				FAIL("line %u: a key is %d hex digits", lineno, 2 * TOKEN_KEY_LEN);
			for (unsigned i = 0; i < kr->n; i++)
				if (kr->keys[i].serial == serial)
					FAIL("line %u: key %llu twice", lineno, serial);
			k->serial = (uint32_t)serial;
			k->created = (int64_t)created;
			kr->n++;
		} else {
			FAIL("line %u: expected 'domain NAME' or 'key SERIAL CREATED HEX'", lineno);
		}
	}
	if (!kr->domain[0])
		FAIL("no 'domain' line");
	if (!kr->n)
		FAIL("no keys");
	if (keys_domain_tag(kr->domain, tag) < 0)
		FAIL("cannot hash the domain name");
	for (unsigned i = 0; i < kr->n; i++)
		set_id(&kr->keys[i], tag);
	sort_keys(kr);
	OPENSSL_cleanse(line, sizeof(line));
	return 0;
fail:
	OPENSSL_cleanse(line, sizeof(line));
	keys_clear(kr);
	return -EINVAL;
}

int keys_load(struct keyring *kr, const char *data_dir, char *err, size_t errlen)
{
	char path[4096], text[KEYS_MAX_FILE + 1];
	struct stat st;
	ssize_t n;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", data_dir, KEYS_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077)) {
		close(fd);
		snprintf(err, errlen, "%s: readable by others (mode %03o): chmod 600 it", path,
			 (unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -EIO;
	}
	ret = keys_parse(kr, text, (size_t)n, err, errlen);
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

int keys_save(const struct keyring *kr, const char *data_dir)
{
	char path[4096], tmp[4112], text[KEYS_MAX_FILE];
	struct stat st;
	struct buf b;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", data_dir, KEYS_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	buf_init(&b, text, sizeof(text));
	buf_printf(&b,
		   "# nutss domain keys (nutss key). Anyone who can read this file can make\n"
		   "# tokens for %s: keep it mode 0600, never copy it into a log.\n"
		   "domain %s\n",
		   kr->domain, kr->domain);
	for (unsigned i = 0; i < kr->n; i++) {
		buf_printf(&b, "key %" PRIu32 " %" PRId64 " ", kr->keys[i].serial,
			   kr->keys[i].created);
		if (buf_fits(&b, 2 * TOKEN_KEY_LEN)) {
			hex_encode(kr->keys[i].secret, TOKEN_KEY_LEN, b.p + b.len);
			b.len += 2 * TOKEN_KEY_LEN;
		} else {
			b.overflow = true;
		}
		buf_put(&b, "\n", 1);
	}
	if (buf_done(&b) < 0)
		return -ENOSPC;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	/*
	 * The new file belongs to whoever owned the old one (else the data
	 * directory's owner): root rotating the keys of a daemon that runs as
	 * nobody must not leave it a file it cannot read.
	 */
	if (stat(path, &st) == 0 || stat(data_dir, &st) == 0)
		if (fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM)
			ret = -errno;
	if (ret || fchmod(fd, 0600) < 0 || write(fd, text, b.len) != (ssize_t)b.len || fsync(fd) < 0)
		ret = ret ? ret : errno ? -errno : -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

static int fresh(struct domain_key *k, uint32_t serial, int64_t now, const char *domain)
{
	uint8_t tag[4];
	size_t got = 0;

	while (got < sizeof(k->secret)) {
		ssize_t r = getrandom(k->secret + got, sizeof(k->secret) - got, 0);

		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			got += (size_t)r;
	}
	k->serial = serial;
	k->created = now;
	if (keys_domain_tag(domain, tag) < 0)
		return -EINVAL;
	set_id(k, tag);
	return 0;
}

int keys_new(struct keyring *kr, const char *domain, int64_t now)
{
	memset(kr, 0, sizeof(*kr));
	if (!valid_domain(domain))
		return -EINVAL;
	snprintf(kr->domain, sizeof(kr->domain), "%s", domain);
	kr->n = 1;
	return fresh(&kr->keys[0], 1, now, domain);
}

int keys_rotate(struct keyring *kr, int64_t now)
{
	struct domain_key k;
	int ret;

	if (!kr->n)
		return -ENOENT;
	if (kr->keys[0].serial == UINT32_MAX)
		return -EOVERFLOW;
	ret = fresh(&k, kr->keys[0].serial + 1, now, kr->domain);
	if (ret < 0)
		return ret;
	kr->keys[1] = kr->keys[0]; /* the old signing key still verifies */
	kr->keys[0] = k;
	kr->n = 2;
	OPENSSL_cleanse(&k, sizeof(k));
	return 0;
}

int keys_retire(struct keyring *kr, uint32_t serial)
{
	for (unsigned i = 0; i < kr->n; i++) {
		if (kr->keys[i].serial != serial)
			continue;
		if (kr->n == 1)
			return -EBUSY;
		memmove(&kr->keys[i], &kr->keys[i + 1], (kr->n - i - 1) * sizeof(kr->keys[0]));
		kr->n--;
		OPENSSL_cleanse(&kr->keys[kr->n], sizeof(kr->keys[0]));
		return 0;
	}
	return -ENOENT;
}

const struct domain_key *keys_signing(const struct keyring *kr)
{
	return kr && kr->n ? &kr->keys[0] : NULL;
}

const struct domain_key *keys_find(const struct keyring *kr, const uint8_t id[TOKEN_KEY_ID_LEN])
{
	for (unsigned i = 0; kr && i < kr->n; i++)
		if (!memcmp(kr->keys[i].id, id, TOKEN_KEY_ID_LEN))
			return &kr->keys[i];
	return NULL;
}

void keys_clear(struct keyring *kr)
{
	if (kr)
		OPENSSL_cleanse(kr, sizeof(*kr));
}
