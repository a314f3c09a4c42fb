/* SPDX-License-Identifier: MIT */
/*
 * The P-Box's persistent store (docs/pbox.md, "Store"): users (digest HA1
 * only, never a password) and registrations, in SQLite 3 at
 * DATA_DIR/nutss.db.
 *
 * The database runs in WAL mode with synchronous=NORMAL: once store_commit()
 * (or a write outside store_begin()) has returned, the change is in the WAL
 * file and survives a kill -9 of the process; STORE_SYNC_FULL also makes it
 * survive a power cut, at the cost of an fsync per commit.
 *
 * Nothing read back is trusted: the file may have been edited by hand or by
 * an attacker with write access to DATA_DIR, so every row is checked against
 * the same rules as the API's inputs before a caller sees it.
 *
 * Threads: a handle belongs to one thread at a time (it holds cached
 * prepared statements and the connection is opened without SQLite's mutex).
 * Several threads or processes may each open their own handle on the same
 * directory: WAL gives readers a consistent snapshot while one writer
 * commits, and writers wait up to STORE_BUSY_TIMEOUT_MS for each other
 * before a call fails with -EBUSY. SQLite must be built thread-safe
 * (serialized or multi-thread); store_open() refuses a single-thread build.
 *
 * Every function returns 0 (or a count where it says so) or a negative
 * errno: -EINVAL for an input that breaks the rules below, -ENOENT for a
 * user or binding that is not there, -EBUSY when the database stayed locked,
 * -EBADMSG for a database that is not a nutss store or holds a malformed
 * row, -EPROTONOSUPPORT for a schema newer than this program, -EIO for other
 * SQLite failures (store_errmsg() has SQLite's words).
 */
#ifndef NUTSS_PBOX_STORE_H
#define NUTSS_PBOX_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sip/limits.h"

#define STORE_DB_NAME	      "nutss.db"
#define STORE_SCHEMA_VERSION  1	   /* PRAGMA user_version of the schema we write */
#define STORE_BUSY_TIMEOUT_MS 5000 /* how long a writer waits for another */
#define STORE_AOR_MAX	      256  /* user@domain */
#define STORE_CONTACT_MAX     SIP_MAX_URI_LEN
#define STORE_DESCRIPTOR_MAX  1024 /* user@domain;key=value... */
#define STORE_PATH_MAX	      4096 /* Path header value(s), RFC 3327 */
#define STORE_CALL_ID_MAX     256
#define STORE_MD5_HEX_LEN     32
#define STORE_SHA256_HEX_LEN  64

/* store_open() flags. */
#define STORE_CREATE	(1u << 0) /* mkdir -p DATA_DIR (0700) and create the database */
#define STORE_SYNC_FULL (1u << 1) /* synchronous=FULL: commits survive a power cut */

struct store;

/*
 * Open DATA_DIR/nutss.db. Without STORE_CREATE a missing directory or
 * database is -ENOENT. A new database file is created mode 0600 (its -wal
 * and -shm files follow). A database whose user_version is newer than
 * STORE_SCHEMA_VERSION is refused with -EPROTONOSUPPORT and left untouched.
 */
int store_open(struct store **out, const char *data_dir, unsigned flags);
void store_close(struct store *s); /* NULL is a no-op; rolls back an open transaction */

/*
 * Group writes into one transaction (BEGIN IMMEDIATE: the write lock is
 * taken now, so a later write cannot fail for lock contention mid-way).
 * Without store_begin() each write is its own transaction.
 */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* The database path and SQLite's message for the last failure, for diagnostics. */
const char *store_path(const struct store *s);
const char *store_errmsg(const struct store *s);
/* strerror() with the store's meaning of the errnos above. */
const char *store_strerror(int err);

/*
 * Users. aor is user@domain: no scheme, no parameters, the domain in lower
 * case, at most STORE_AOR_MAX bytes. An HA1 is lower-case hex of its
 * algorithm's length, or NULL when the user has none for that algorithm (at
 * least one is required). store_user_put() inserts or replaces the HA1s
 * (keeping the creation time); store_user_del() also deletes the user's
 * bindings, atomically. store_user_get() writes "" for an absent HA1.
 */
int store_user_put(struct store *s, const char *aor, const char *ha1_md5, const char *ha1_sha256);
int store_user_del(struct store *s, const char *aor);
int store_user_get(struct store *s, const char *aor, char ha1_md5[STORE_MD5_HEX_LEN + 1],
		   char ha1_sha256[STORE_SHA256_HEX_LEN + 1]);

/*
 * Call cb for each user, in AOR order. A callback returning non-zero stops
 * the walk and that value is returned. It may call any other store function
 * on s (but not store_user_list itself: -EBUSY). Rows that fail validation
 * are skipped, and the walk then ends with -EBADMSG after every valid row
 * has been delivered, so one bad row neither hides the others nor goes
 * unnoticed.
 */
int store_user_list(struct store *s, int (*cb)(void *arg, const char *aor), void *arg);

/*
 * One registration. contact is a URI (sip_uri_parse); descriptor is the
 * registered endpoint descriptor, whose user@domain must be aor (NULL: the
 * aor itself); path (NULL or "") and call_id (NULL or "") are optional; q in
 * [0, 1]; cseq at most SIP_MAX_CSEQ; expires_at is Unix time, ignored for a
 * static binding, which never expires. Strings hold no control characters.
 * In what store_binding_list() hands out, absent path and call_id are "".
 */
struct store_binding {
	const char *aor, *contact, *descriptor, *path, *call_id;
	double q;
	uint32_t cseq;
	int64_t expires_at;
	bool is_static;
};

/* Insert, or replace the binding with the same (aor, contact). */
int store_binding_put(struct store *s, const struct store_binding *b);
/* Delete one binding, or with contact NULL all of aor's; -ENOENT when none was there. */
int store_binding_del(struct store *s, const char *aor, const char *contact);
/*
 * Call cb for each static binding and each one with expires_at > now, of aor
 * (NULL: of every AOR), ordered by aor, then q descending, then contact. The
 * strings are valid only during the callback. Callback and bad-row rules as
 * for store_user_list().
 */
int store_binding_list(struct store *s, const char *aor, int64_t now,
		       int (*cb)(void *arg, const struct store_binding *b), void *arg);
/* Delete non-static bindings with expires_at <= now; returns how many. */
int store_expire(struct store *s, int64_t now);

#endif
