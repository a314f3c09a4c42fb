/* SPDX-License-Identifier: MIT */
/*
 * The location table: address of record -> bindings (RFC 3261 10.3), each
 * with the descriptor it registered (paper 2, 3.2: partial descriptors are
 * fine). Striped: 256 stripes, each its own hash table under its own rwlock,
 * so lookups from all workers proceed together (docs/pbox.md).
 */
#ifndef NUTSS_PBOX_LOCATION_H
#define NUTSS_PBOX_LOCATION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"
#include "sip/desc.h"

#define LOC_MAX_CONTACT	   512	/* a contact URI */
#define LOC_MAX_DESC	   512	/* a registered descriptor, "alice@rr.net;app=ftp" */
#define LOC_MAX_PATH	   1024 /* the Path header values, comma-joined */
#define LOC_MAX_CALLID	   256
#define LOC_MAX_BINDINGS   16 /* per address of record */
#define LOC_MAX_CANDIDATES 16 /* returned by one lookup */

struct location;

struct loc_binding {
	struct slice aor;	 /* user@domain */
	struct slice contact;	 /* the Contact URI */
	struct slice descriptor; /* the registered descriptor */
	struct slice path;
	struct slice call_id;
	uint32_t cseq;
	float q;
	int64_t expires_at; /* 0: static, never expires */
};

/* A copy taken under the stripe lock: safe to use after the lock is gone. */
struct loc_candidate {
	char contact[LOC_MAX_CONTACT];
	char path[LOC_MAX_PATH];
	char descriptor[LOC_MAX_DESC];
	int score; /* agreeing attributes (desc_match) */
	float q;
	int64_t expires_at;
};

int location_new(struct location **out);
void location_free(struct location *l);

/*
 * Add or refresh a binding (keyed by aor and contact). RFC 3261 10.3 step 7:
 * the same Call-ID with a CSeq not above the stored one is refused with
 * -EALREADY. -E2BIG past LOC_MAX_BINDINGS, -ENAMETOOLONG for oversized fields.
 */
int location_update(struct location *l, const struct loc_binding *b, int64_t now);
/* Remove one binding, or all of aor's when contact is empty. Returns the count. */
int location_remove(struct location *l, struct slice aor, struct slice contact);

/* The unexpired bindings of aor, as registered (for a REGISTER's 200 OK). */
unsigned location_get(struct location *l, struct slice aor, int64_t now, struct loc_candidate *out,
		      unsigned max);

/*
 * Partial-attribute lookup (paper 2, 3.2): bindings of dest's user@domain whose
 * descriptor does not conflict with dest, most agreeing attributes first, then
 * higher q, then the most recent registration.
 */
unsigned location_lookup(struct location *l, const struct desc *dest, int64_t now,
			 struct loc_candidate *out, unsigned max);

/* Registrations held, and the bytes they take (for mem_per_reg). */
void location_stats(struct location *l, uint64_t *bindings, uint64_t *bytes);

#endif
