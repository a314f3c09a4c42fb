// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pbox/store.h"
#include "pbox/users.h"

struct user {
	struct user *next;
	char ha1_md5[33];
	char ha1_sha256[65];
	char aor[];
};

struct users {
	struct user **buckets;
	unsigned nbuckets, count;
	struct store *store; /* only while loading */
	int error;
};

/* user@domain: the user part is case-sensitive, the domain is not (RFC 3261 19.1.4). */
static uint32_t hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	bool domain = false;

	for (size_t i = 0; i < n; i++) {
		domain |= p[i] == '@';
		h = (h ^ (domain ? ascii_lower((unsigned char)p[i]) : (unsigned char)p[i])) *
		    16777619u;
	}
	return h;
}

static bool aor_eq(const char *a, struct slice b)
{
	const char *at = memchr(b.p, '@', b.len);
	size_t ulen = at ? (size_t)(at - b.p) : b.len;

	return strlen(a) == b.len && !memcmp(a, b.p, ulen) &&
	       ascii_ieq(a + ulen, b.p + ulen, b.len - ulen);
}

static int add(void *arg, const char *aor)
{
	struct users *u = arg;
	size_t n = strlen(aor);
	struct user *x = calloc(1, sizeof(*x) + n + 1);
	uint32_t b;

	if (!x)
		return u->error = -ENOMEM;
	memcpy(x->aor, aor, n + 1);
	if (store_user_get(u->store, aor, x->ha1_md5, x->ha1_sha256) < 0) {
		free(x);
		return 0; /* deleted meanwhile */
	}
	b = hash(aor, n) & (u->nbuckets - 1);
	x->next = u->buckets[b];
	u->buckets[b] = x;
	u->count++;
	return 0;
}

int users_load(struct users **out, const char *data_dir)
{
	struct users *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	u->nbuckets = 1u << 16;
	u->buckets = calloc(u->nbuckets, sizeof(*u->buckets));
	if (!u->buckets) {
		free(u);
		return -ENOMEM;
	}
	ret = store_open(&u->store, data_dir, STORE_CREATE);
	if (ret < 0)
		goto err;
	ret = store_user_list(u->store, add, u);
	store_close(u->store);
	u->store = NULL;
	if (ret < 0 || (ret = u->error) < 0)
		goto err;
	*out = u;
	return 0;
err:
	users_free(u);
	return ret;
}

void users_free(struct users *u)
{
	if (!u)
		return;
	for (unsigned i = 0; u->buckets && i < u->nbuckets; i++) {
		struct user *x = u->buckets[i], *n;

		for (; x; x = n) {
			n = x->next;
			free(x);
		}
	}
	free(u->buckets);
	free(u);
}

int users_ha1(const struct users *u, struct slice aor, enum digest_alg alg,
	      char out[DIGEST_HEX_BUF])
{
	const struct user *x;

	if (!u)
		return -ENOENT;
	for (x = u->buckets[hash(aor.p, aor.len) & (u->nbuckets - 1)]; x; x = x->next) {
		if (!aor_eq(x->aor, aor))
			continue;
		switch (alg) {
		case DIGEST_MD5:
		case DIGEST_MD5_SESS:
			if (!x->ha1_md5[0])
				return -ENOENT;
			memcpy(out, x->ha1_md5, 33);
			return 0;
		case DIGEST_SHA256:
		case DIGEST_SHA256_SESS:
			if (!x->ha1_sha256[0])
				return -ENOENT;
			memcpy(out, x->ha1_sha256, 65);
			return 0;
		default:
			return -ENOENT;
		}
	}
	return -ENOENT;
}

unsigned users_count(const struct users *u)
{
	return u ? u->count : 0;
}
