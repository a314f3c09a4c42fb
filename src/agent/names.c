// SPDX-License-Identifier: MIT
/* Host names <-> descriptors, and the session's table of names and addresses (names.h). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/names.h"
#include "core/buf.h"
#include "core/hash.h"
#include "proto/agent.h"
#include "sip/desc.h"

#define HASH_SALT 0x6e616d6573ull /* "names": no other table's keys mix with these */

static bool is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* One RFC 1123 label: 1..63 letters, digits and hyphens, no hyphen first or last. */
static bool label_ok(struct slice l, const char **why)
{
	if (!l.len) {
		*why = "empty label";
		return false;
	}
	if (l.len > NAMES_LABEL_MAX) {
		*why = "label longer than 63 bytes";
		return false;
	}
	for (size_t i = 0; i < l.len; i++)
		if (!is_ldh((unsigned char)l.p[i])) {
			*why = "a label holds letters, digits and hyphens only";
			return false;
		}
	if (l.p[0] == '-' || l.p[l.len - 1] == '-') {
		*why = "a label neither starts nor ends with a hyphen";
		return false;
	}
	return true;
}

/* A domain: labels separated by single dots. */
static bool domain_ok(struct slice d, const char **why)
{
	size_t start = 0;

	for (size_t i = 0; i <= d.len; i++) {
		if (i < d.len && d.p[i] != '.')
			continue;
		if (!label_ok(slice_make(d.p + start, i - start), why))
			return false;
		start = i + 1;
	}
	return true;
}

static void put_lower(struct buf *b, struct slice s)
{
	for (size_t i = 0; i < s.len; i++) {
		char c = (char)ascii_lower((unsigned char)s.p[i]);

		buf_put(b, &c, 1);
	}
}

bool names_parse(const char *host, char *desc, size_t len, const char **why)
{
	struct slice label[3], domain;
	const char *dummy, *p;
	size_t n, suffix = sizeof(NAMES_SUFFIX) - 1;
	struct buf b;

	if (!why)
		why = &dummy;
	if (!host) {
		*why = "no name";
		return false;
	}
	n = strnlen(host, NAMES_HOST_MAX + 2);
	if (n && host[n - 1] == '.')
		n--; /* the root: "alice.example.com." is "alice.example.com" */
	if (n > NAMES_HOST_MAX) {
		*why = "name longer than 253 bytes";
		return false;
	}
	if (n < suffix || !ascii_ieq(host + n - suffix, NAMES_SUFFIX, suffix)) {
		*why = "not a .nutss name";
		return false;
	}
	n -= suffix;
	/* app, type and user: the first three labels */
	p = host;
	for (unsigned i = 0; i < 3; i++) {
		const char *dot = memchr(p, '.', (size_t)(host + n - p));

		if (!dot) {
			*why = "a name is app.type.user.domain.nutss";
			return false;
		}
		label[i] = slice_make(p, (size_t)(dot - p));
		if (!label_ok(label[i], why))
			return false;
		p = dot + 1;
	}
	domain = slice_make(p, (size_t)(host + n - p));
	if (!domain.len) {
		*why = "a name is app.type.user.domain.nutss";
		return false;
	}
	if (!domain_ok(domain, why))
		return false;
	if (!len) {
		*why = "no room for the descriptor";
		return false;
	}
	buf_init_str(&b, desc, len);
	put_lower(&b, label[2]);
	buf_put(&b, "@", 1);
	put_lower(&b, domain);
	buf_put(&b, ";app=", 5);
	put_lower(&b, label[0]);
	buf_put(&b, ";type=", 6);
	put_lower(&b, label[1]);
	buf_str(&b);
	if (buf_done(&b) < 0) {
		desc[0] = 0;
		*why = "no room for the descriptor";
		return false;
	}
	return true;
}

int names_format(const char *desc, char *host, size_t len)
{
	struct slice app, type;
	struct sip_err err = { 0 };
	const char *why;
	struct desc d;
	struct buf b;
	int n;

	if (!desc || !desc_parse(&d, slice_cstr(desc), &err))
		return -EINVAL;
	app = desc_get(&d, "app");
	type = desc_get(&d, "type");
	if (!app.p || !type.p || !label_ok(app, &why) || !label_ok(type, &why) ||
	    !label_ok(d.user, &why) || !domain_ok(d.domain, &why))
		return -EINVAL;
	/* users are case-sensitive: "Alice" has no lowercase name of its own */
	for (size_t i = 0; i < d.user.len; i++)
		if (d.user.p[i] >= 'A' && d.user.p[i] <= 'Z')
			return -EINVAL;
	if (app.len + type.len + d.user.len + d.domain.len + 3 + sizeof(NAMES_SUFFIX) >
	    NAMES_HOST_MAX + 1)
		return -ENAMETOOLONG;
	if (!len)
		return -ERANGE;
	buf_init_str(&b, host, len);
	put_lower(&b, app);
	buf_put(&b, ".", 1);
	put_lower(&b, type);
	buf_put(&b, ".", 1);
	put_lower(&b, d.user);
	buf_put(&b, ".", 1);
	put_lower(&b, d.domain);
	buf_put(&b, NAMES_SUFFIX, sizeof(NAMES_SUFFIX) - 1);
	buf_str(&b);
	n = buf_done(&b);
	if (n < 0) {
		host[0] = 0;
		return -ERANGE;
	}
	return n;
}

/*
 * The table: names by index in an array (index i is name[i - 1]) and, to
 * find a descriptor's index, chains of indexes in a hash table.
 */
struct name {
	char *desc;
	uint32_t hash;
	uint32_t next; /* the next index in this bucket's chain; 0 ends it */
};

struct names_table {
	pthread_mutex_t lock;
	uint32_t max;
	uint32_t n, cap; /* names held; room in name[] */
	struct name *name;
	uint32_t nbuckets; /* a power of two, at least n */
	uint32_t *bucket;  /* the first index of each chain; 0: empty */
};

struct names_table *names_new(unsigned max)
{
	struct names_table *t;

	if (!max || max > NAMES_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max = max;
	t->nbuckets = 64;
	t->bucket = calloc(t->nbuckets, sizeof(*t->bucket));
	if (!t->bucket) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void names_free(struct names_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->n; i++)
		free(t->name[i].desc);
	free(t->name);
	free(t->bucket);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static void index_addrs(uint32_t index, struct in_addr *v4, struct in6_addr *v6)
{
	if (v4)
		v4->s_addr = htonl(AGENT_V4_NET | index);
	if (v6) {
		memset(v6, 0, sizeof(*v6));
		v6->s6_addr[0] = AGENT_V6_NET >> 8;
		v6->s6_addr[1] = AGENT_V6_NET & 0xff;
		for (unsigned i = 0; i < 4; i++)
			v6->s6_addr[15 - i] = (uint8_t)(index >> (8 * i));
	}
}

/* The index an address stands for (0: none could), or -EAFNOSUPPORT when it is not ours. */
static int64_t addr_index(const struct sockaddr *sa, socklen_t salen)
{
	const uint8_t *a;
	uint32_t v;

	if (!sa || salen < sizeof(sa_family_t) || !agent_addr_is_ours(sa, salen))
		return -EAFNOSUPPORT;
	if (sa->sa_family == AF_INET)
		return ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) & ~AGENT_V4_MASK;
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (a[10] == 0xff) { /* ::ffff:240.0.0.0/100 */
		memcpy(&v, a + 12, 4);
		return ntohl(v) & ~AGENT_V4_MASK;
	}
	for (unsigned i = 8; i < 12; i++)
		if (a[i])
			return 0; /* above any index we hand out */
	memcpy(&v, a + 12, 4);
	return ntohl(v);
}

static int grow(struct names_table *t)
{
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;
		struct name *p;

		if (cap > t->max || cap < t->cap)
			cap = t->max;
		p = realloc(t->name, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->name = p;
		t->cap = cap;
	}
	if (t->n >= t->nbuckets && t->nbuckets < (1u << 31)) {
		uint32_t nb = t->nbuckets * 2, *b = calloc(nb, sizeof(*b));

		if (!b)
			return -ENOMEM;
		for (uint32_t i = 1; i <= t->n; i++) {
			struct name *e = &t->name[i - 1];

			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = i;
		}
		free(t->bucket);
		t->bucket = b;
		t->nbuckets = nb;
	}
	return 0;
}

int names_lookup(struct names_table *t, const char *desc, struct in_addr *v4, struct in6_addr *v6)
{
	uint32_t h, i;
	size_t n;
	int ret;

	if (!desc || !*desc)
		return -EINVAL;
	n = strnlen(desc, NAMES_KEY_SIZE);
	if (n >= NAMES_KEY_SIZE)
		return -ENAMETOOLONG;
	h = hash_bytes(desc, n, HASH_SALT);
	pthread_mutex_lock(&t->lock);
	for (i = t->bucket[h & (t->nbuckets - 1)]; i; i = t->name[i - 1].next)
		if (t->name[i - 1].hash == h && !strcmp(t->name[i - 1].desc, desc))
			goto found;
	if (t->n >= t->max) {
		ret = -ENOSPC;
		goto out;
	}
	ret = grow(t);
	if (ret < 0)
		goto out;
	i = t->n + 1;
	t->name[i - 1].desc = strndup(desc, n);
	if (!t->name[i - 1].desc) {
		ret = -ENOMEM;
		goto out;
	}
	t->name[i - 1].hash = h;
	t->name[i - 1].next = t->bucket[h & (t->nbuckets - 1)];
	t->bucket[h & (t->nbuckets - 1)] = i;
	t->n++;
found:
	index_addrs(i, v4, v6);
	ret = (int)i;
out:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int names_reverse(struct names_table *t, const struct sockaddr *sa, socklen_t salen, char *desc,
		  size_t size)
{
	int64_t i = addr_index(sa, salen);
	int ret = 0;

	if (i < 0)
		return (int)i;
	pthread_mutex_lock(&t->lock);
	if (i < 1 || i > t->n)
		ret = -ENOENT;
	else if (!slice_copy(desc, size, slice_cstr(t->name[i - 1].desc)))
		ret = -ERANGE;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

unsigned names_count(struct names_table *t)
{
	unsigned n;

	pthread_mutex_lock(&t->lock);
	n = t->n;
	pthread_mutex_unlock(&t->lock);
	return n;
}
