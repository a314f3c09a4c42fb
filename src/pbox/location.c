// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "pbox/location.h"

#define STRIPES		256
#define INITIAL_BUCKETS 64

/* One allocation per binding: the strings follow the struct. */
struct binding {
	struct binding *next;
	int64_t expires_at;
	uint32_t cseq;
	float q;
	uint16_t contact_len, desc_len, path_len, callid_len;
	char data[]; /* contact, descriptor, path, call-id, each NUL-terminated */
};

struct aor {
	struct aor *next;
	uint32_t hash;
	uint16_t len;
	struct binding *bindings;
	char name[]; /* user@domain, domain lower-cased */
};

struct stripe {
	pthread_rwlock_t lock;
	struct aor **buckets;
	unsigned nbuckets, count;
	uint64_t bindings, bytes;
} __attribute__((aligned(64))); /* one cache line of lock per stripe: no false sharing */

struct location {
	struct stripe stripes[STRIPES];
};

/*
 * The keyed hash (core/hash.h) of user@domain with the domain part
 * lower-cased: with auth off anyone may register, and an unkeyed hash would
 * let them pick names that share a bucket. Folded a piece at a time, each
 * piece's hash the salt of the next.
 */
static uint32_t hash_aor(struct slice aor)
{
	char buf[256];
	uint64_t h = aor.len;
	bool domain = false;
	size_t i = 0;

	do {
		size_t n = 0;

		for (; n < sizeof(buf) && i < aor.len; n++, i++) {
			char c = aor.p[i];

			if (c == '@')
				domain = true;
			buf[n] = domain ? (char)ascii_lower((unsigned char)c) : c;
		}
		h = hash_bytes(buf, n, h);
	} while (i < aor.len);
	return (uint32_t)h;
}

static bool aor_eq(const struct aor *a, struct slice aor)
{
	const char *at = memchr(aor.p, '@', aor.len);
	size_t ulen = at ? (size_t)(at - aor.p) : aor.len;

	return a->len == aor.len && !memcmp(a->name, aor.p, ulen) &&
	       ascii_ieq(a->name + ulen, aor.p + ulen, aor.len - ulen);
}

int location_new(struct location **out)
{
	struct location *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	for (unsigned i = 0; i < STRIPES; i++) {
		pthread_rwlock_init(&l->stripes[i].lock, NULL);
		l->stripes[i].buckets = calloc(INITIAL_BUCKETS, sizeof(struct aor *));
		if (!l->stripes[i].buckets) {
			location_free(l);
			return -ENOMEM;
		}
		l->stripes[i].nbuckets = INITIAL_BUCKETS;
	}
	*out = l;
	return 0;
}

void location_free(struct location *l)
{
	if (!l)
		return;
	for (unsigned i = 0; i < STRIPES; i++) {
		struct stripe *s = &l->stripes[i];

		for (unsigned b = 0; s->buckets && b < s->nbuckets; b++) {
			struct aor *a = s->buckets[b], *an;

			for (; a; a = an) {
				struct binding *x = a->bindings, *xn;

				for (; x; x = xn) {
					xn = x->next;
					free(x);
				}
				an = a->next;
				free(a);
			}
		}
		free(s->buckets);
		pthread_rwlock_destroy(&s->lock);
	}
	free(l);
}

static struct stripe *stripe_of(struct location *l, uint32_t h)
{
	return &l->stripes[h & (STRIPES - 1)];
}

static struct aor **find(struct stripe *s, uint32_t h, struct slice aor)
{
	struct aor **pp = &s->buckets[(h >> 8) & (s->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && aor_eq(*pp, aor))
			return pp;
	return pp;
}

/* Double the bucket array when the load passes 1: keeps lookups O(1) at any size. */
static void grow(struct stripe *s)
{
	unsigned n = s->nbuckets * 2;
	struct aor **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return; /* keep working with longer chains */
	for (unsigned b = 0; b < s->nbuckets; b++) {
		struct aor *a = s->buckets[b], *an;

		for (; a; a = an) {
			an = a->next;
			a->next = nb[(a->hash >> 8) & (n - 1)];
			nb[(a->hash >> 8) & (n - 1)] = a;
		}
	}
	free(s->buckets);
	s->buckets = nb;
	s->nbuckets = n;
}

static const char *b_contact(const struct binding *x)
{
	return x->data;
}

static const char *b_desc(const struct binding *x)
{
	return x->data + x->contact_len + 1;
}

static const char *b_path(const struct binding *x)
{
	return b_desc(x) + x->desc_len + 1;
}

static const char *b_callid(const struct binding *x)
{
	return b_path(x) + x->path_len + 1;
}

static size_t binding_size(const struct binding *x)
{
	return sizeof(*x) + x->contact_len + x->desc_len + x->path_len + x->callid_len + 4;
}

static struct binding *binding_new(const struct loc_binding *b)
{
	size_t n = b->contact.len + b->descriptor.len + b->path.len + b->call_id.len + 4;
	struct binding *x = malloc(sizeof(*x) + n);
	char *p;

	if (!x)
		return NULL;
	x->next = NULL;
	x->expires_at = b->expires_at;
	x->cseq = b->cseq;
	x->q = b->q;
	x->contact_len = (uint16_t)b->contact.len;
	x->desc_len = (uint16_t)b->descriptor.len;
	x->path_len = (uint16_t)b->path.len;
	x->callid_len = (uint16_t)b->call_id.len;
	p = x->data;
	memcpy(p, b->contact.p, b->contact.len);
	p[b->contact.len] = '\0';
	p += b->contact.len + 1;
	if (b->descriptor.len)
		memcpy(p, b->descriptor.p, b->descriptor.len);
	p[b->descriptor.len] = '\0';
	p += b->descriptor.len + 1;
	if (b->path.len)
		memcpy(p, b->path.p, b->path.len);
	p[b->path.len] = '\0';
	p += b->path.len + 1;
	if (b->call_id.len)
		memcpy(p, b->call_id.p, b->call_id.len);
	p[b->call_id.len] = '\0';
	return x;
}

static bool expired(const struct binding *x, int64_t now)
{
	return x->expires_at && x->expires_at <= now;
}

int location_update(struct location *l, const struct loc_binding *b, int64_t now)
{
	uint32_t h = hash_aor(b->aor);
	struct stripe *s = stripe_of(l, h);
	struct binding **xp, *nx;
	struct aor **ap, *a;
	unsigned count = 0;
	int ret = 0;

	if (b->contact.len >= LOC_MAX_CONTACT || b->descriptor.len >= LOC_MAX_DESC ||
	    b->path.len >= LOC_MAX_PATH || b->call_id.len >= LOC_MAX_CALLID || !b->aor.len ||
	    b->aor.len > 0xffff || !b->contact.len)
		return -ENAMETOOLONG;
	nx = binding_new(b);
	if (!nx)
		return -ENOMEM;
	pthread_rwlock_wrlock(&s->lock);
	ap = find(s, h, b->aor);
	if (!*ap) {
		a = malloc(sizeof(*a) + b->aor.len + 1);
		if (!a) {
			ret = -ENOMEM;
			goto out;
		}
		a->next = NULL;
		a->hash = h;
		a->len = (uint16_t)b->aor.len;
		a->bindings = NULL;
		memcpy(a->name, b->aor.p, b->aor.len);
		a->name[b->aor.len] = '\0';
		*ap = a;
		s->bytes += sizeof(*a) + b->aor.len + 1;
		if (++s->count > s->nbuckets)
			grow(s);
		ap = find(s, h, b->aor);
	}
	a = *ap;
	for (xp = &a->bindings; *xp; xp = &(*xp)->next) {
		struct binding *x = *xp;

		if (x->contact_len == b->contact.len &&
		    !memcmp(b_contact(x), b->contact.p, b->contact.len)) {
			if (!expired(x, now) && x->callid_len == b->call_id.len &&
			    !memcmp(b_callid(x), b->call_id.p, b->call_id.len) &&
			    b->cseq <= x->cseq) {
				ret = -EALREADY;
				goto out;
			}
			/* replace in place */
			nx->next = x->next;
			*xp = nx;
			s->bytes += binding_size(nx) - binding_size(x);
			free(x);
			nx = NULL;
			goto out;
		}
		count += !expired(x, now);
	}
	if (count >= LOC_MAX_BINDINGS) {
		ret = -E2BIG;
		goto out;
	}
	*xp = nx;
	s->bindings++;
	s->bytes += binding_size(nx);
	nx = NULL;
out:
	pthread_rwlock_unlock(&s->lock);
	free(nx);
	return ret;
}

int location_remove(struct location *l, struct slice aor, struct slice contact)
{
	uint32_t h = hash_aor(aor);
	struct stripe *s = stripe_of(l, h);
	struct aor **ap;
	int n = 0;

	pthread_rwlock_wrlock(&s->lock);
	ap = find(s, h, aor);
	if (*ap) {
		struct binding **xp = &(*ap)->bindings;

		while (*xp) {
			struct binding *x = *xp;

			if (!contact.len || (x->contact_len == contact.len &&
					     !memcmp(b_contact(x), contact.p, contact.len))) {
				*xp = x->next;
				s->bindings--;
				s->bytes -= binding_size(x);
				free(x);
				n++;
			} else {
				xp = &x->next;
			}
		}
	}
	pthread_rwlock_unlock(&s->lock);
	return n;
}

static void copy_out(struct loc_candidate *c, const struct binding *x, int score)
{
	memcpy(c->contact, b_contact(x), (size_t)x->contact_len + 1);
	memcpy(c->descriptor, b_desc(x), (size_t)x->desc_len + 1);
	memcpy(c->path, b_path(x), (size_t)x->path_len + 1);
	c->score = score;
	c->q = x->q;
	c->expires_at = x->expires_at;
}

unsigned location_get(struct location *l, struct slice aor, int64_t now, struct loc_candidate *out,
		      unsigned max)
{
	uint32_t h = hash_aor(aor);
	struct stripe *s = stripe_of(l, h);
	struct aor **ap;
	unsigned n = 0;

	pthread_rwlock_rdlock(&s->lock);
	ap = find(s, h, aor);
	for (const struct binding *x = *ap ? (*ap)->bindings : NULL; x && n < max; x = x->next)
		if (!expired(x, now))
			copy_out(&out[n++], x, 0);
	pthread_rwlock_unlock(&s->lock);
	return n;
}

/*
 * Binding a, with score agreeing attributes, ranks above candidate b: more
 * agreeing attributes, then higher q, then the latest expiry (the most
 * recent registration).
 */
static bool better(int score, const struct binding *a, const struct loc_candidate *b)
{
	if (score != b->score)
		return score > b->score;
	if (a->q != b->q)
		return a->q > b->q;
	return (a->expires_at ? a->expires_at : INT64_MAX) >
	       (b->expires_at ? b->expires_at : INT64_MAX);
}

unsigned location_lookup(struct location *l, const struct desc *dest, int64_t now,
			 struct loc_candidate *out, unsigned max)
{
	struct slice aor = dest->aor;
	uint32_t h = hash_aor(aor);
	struct stripe *s = stripe_of(l, h);
	struct aor **ap;
	unsigned n = 0;

	pthread_rwlock_rdlock(&s->lock);
	ap = find(s, h, aor);
	for (const struct binding *x = *ap ? (*ap)->bindings : NULL; x; x = x->next) {
		struct desc reg;
		struct sip_err err = { 0 };
		int score;
		unsigned i;

		if (expired(x, now))
			continue;
		/* A stored descriptor always parsed when it was registered. */
		if (!desc_parse(&reg, slice_make(b_desc(x), x->desc_len), &err))
			continue;
		score = desc_match(dest, &reg);
		if (score < 0)
			continue;
		/*
		 * Insertion into the ranked list, dropping the worst when full;
		 * ranked before it is copied, so its 2 KB are copied once, into
		 * its place.
		 */
		for (i = n; i > 0 && better(score, x, &out[i - 1]); i--)
			if (i < max)
				out[i] = out[i - 1];
		if (i < max) {
			copy_out(&out[i], x, score);
			if (n < max)
				n++;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	return n;
}

void location_stats(struct location *l, uint64_t *bindings, uint64_t *bytes)
{
	*bindings = *bytes = 0;
	for (unsigned i = 0; i < STRIPES; i++) {
		struct stripe *s = &l->stripes[i];

		pthread_rwlock_rdlock(&s->lock);
		*bindings += s->bindings;
		*bytes += s->bytes + s->nbuckets * sizeof(struct aor *);
		pthread_rwlock_unlock(&s->lock);
	}
}
