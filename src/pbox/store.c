// SPDX-License-Identifier: MIT
/*
 * The P-Box's persistent store in SQLite (docs/pbox.md, "Store"). Every
 * statement is prepared once at open and reused; every value crosses the
 * boundary through one validator, whichever way it goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pbox/store.h"
#include "sip/desc.h"
#include "sip/uri.h"

/* The schema of docs/pbox.md; keep the two in step. */
static const char schema_sql[] =
	"CREATE TABLE users(aor TEXT PRIMARY KEY, ha1_md5 TEXT, ha1_sha256 TEXT,"
	" created INTEGER);"
	"CREATE TABLE bindings(aor TEXT, contact TEXT, descriptor TEXT, path TEXT, q REAL,"
	" call_id TEXT, cseq INTEGER, expires_at INTEGER, static INTEGER,"
	" PRIMARY KEY (aor, contact));"
	/* store_expire() runs every few seconds: let it find the dead without a scan. */
	"CREATE INDEX bindings_expiry ON bindings(expires_at) WHERE static = 0;";

#define BINDING_COLS "aor, contact, descriptor, path, q, call_id, cseq, expires_at, static"

/*
 * A tampered file could hold a gigabyte in one cell; SQLite refuses to
 * materialise anything longer than this instead of allocating it.
 */
#define STORE_VALUE_MAX (64 * 1024)

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_USER_PUT,
	ST_USER_GET,
	ST_USER_DEL,
	ST_USER_LIST,
	ST_BINDING_PUT,
	ST_BINDING_DEL,
	ST_BINDING_DEL_AOR,
	ST_BINDING_LIST,
	ST_BINDING_LIST_AOR,
	ST_EXPIRE,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT store_op",
	[ST_RELEASE] = "RELEASE store_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO store_op",
	[ST_USER_PUT] =
		"INSERT INTO users(aor, ha1_md5, ha1_sha256, created) VALUES(?1, ?2, ?3, ?4)"
		" ON CONFLICT(aor) DO UPDATE SET ha1_md5 = excluded.ha1_md5,"
		" ha1_sha256 = excluded.ha1_sha256",
	[ST_USER_GET] = "SELECT ha1_md5, ha1_sha256 FROM users WHERE aor = ?1",
	[ST_USER_DEL] = "DELETE FROM users WHERE aor = ?1",
	[ST_USER_LIST] = "SELECT ha1_md5, ha1_sha256, aor FROM users ORDER BY aor",
	[ST_BINDING_PUT] = "INSERT OR REPLACE INTO bindings(" BINDING_COLS ")"
			   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_BINDING_DEL] = "DELETE FROM bindings WHERE aor = ?1 AND contact = ?2",
	[ST_BINDING_DEL_AOR] = "DELETE FROM bindings WHERE aor = ?1",
	[ST_BINDING_LIST] = "SELECT " BINDING_COLS " FROM bindings"
			    " WHERE static <> 0 OR expires_at > ?1 ORDER BY aor, q DESC, contact",
	[ST_BINDING_LIST_AOR] = "SELECT " BINDING_COLS " FROM bindings WHERE aor = ?2"
				" AND (static <> 0 OR expires_at > ?1) ORDER BY q DESC, contact",
	[ST_EXPIRE] = "DELETE FROM bindings WHERE static = 0 AND expires_at <= ?1",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	/* A list callback may use the handle, but not restart its own walk. */
	bool listing_users, listing_bindings;
	char path[];
};

/* SQLite's result code to our errno. */
static int sqerr(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH:
		return -EBADMSG;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_CANTOPEN: {
		int e = db ? sqlite3_system_errno(db) : 0;

		return e > 0 ? -e : -EIO;
	}
	}
	return -EIO;
}

/* ---- validators: the same rules for what goes in and what comes out ---- */

/* No control characters (a value may end up in a header line); bytes >= 0x80 pass. */
static bool valid_text(const char *s, size_t n, size_t max)
{
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool valid_hex(const char *s, size_t n, size_t want)
{
	if (n != want)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* user@domain exactly: no scheme, port, parameters or password; the domain in lower case. */
static bool valid_aor(const char *s, size_t n)
{
	struct desc d;

	if (n == 0 || !valid_text(s, n, STORE_AOR_MAX) || !desc_parse(&d, slice_make(s, n), NULL))
		return false;
	/* The aor slice must be all of s: "sip:", ":port" or ";x" would leave some over. */
	if (d.nattrs || d.aor.p != s || d.aor.len != n)
		return false;
	for (size_t i = 0; i < d.domain.len; i++)
		if (d.domain.p[i] >= 'A' && d.domain.p[i] <= 'Z')
			return false;
	return true;
}

static bool valid_contact(const char *s, size_t n)
{
	struct sip_uri u;

	return n > 0 && valid_text(s, n, STORE_CONTACT_MAX) &&
	       sip_uri_parse(&u, slice_make(s, n), NULL, NULL);
}

/* A descriptor of aor: its user@domain is aor (the domain compared without case). */
static bool valid_descriptor(const char *s, size_t n, const char *aor)
{
	char buf[STORE_AOR_MAX + 1];
	struct desc d;
	int len;

	if (n == 0 || !valid_text(s, n, STORE_DESCRIPTOR_MAX) ||
	    !desc_parse(&d, slice_make(s, n), NULL))
		return false;
	len = desc_aor(&d, buf, sizeof(buf));
	return len > 0 && d.user.len < (size_t)len && strlen(aor) == (size_t)len &&
	       !memcmp(buf, aor, d.user.len) &&
	       ascii_ieq(buf + d.user.len, aor + d.user.len, (size_t)len - d.user.len);
}

/* Call-ID = word ["@" word]: visible ASCII only. */
static bool valid_call_id(const char *s, size_t n)
{
	if (n > STORE_CALL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static bool valid_binding(const struct store_binding *b)
{
	if (!b->aor || !valid_aor(b->aor, strlen(b->aor)))
		return false;
	if (!b->contact || !valid_contact(b->contact, strlen(b->contact)))
		return false;
	if (b->descriptor && !valid_descriptor(b->descriptor, strlen(b->descriptor), b->aor))
		return false;
	if (b->path && !valid_text(b->path, strlen(b->path), STORE_PATH_MAX))
		return false;
	if (b->call_id && !valid_call_id(b->call_id, strlen(b->call_id)))
		return false;
	/* Written so that NaN fails too. */
	if (!(b->q >= 0.0 && b->q <= 1.0))
		return false;
	if (b->cseq > SIP_MAX_CSEQ)
		return false;
	if (!b->is_static && b->expires_at < 0)
		return false;
	return true;
}

/* ---- statements ---- */

static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Run a statement that returns no rows. */
static int run(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sqerr(s->db, rc);

	done(st);
	return ret;
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	int rc =
		v && *v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);

	return rc == SQLITE_OK ? 0 : -EIO;
}

/*
 * A TEXT column of the current row as a C string, or NULL when it is not
 * text or has a NUL inside (a C caller would see a shorter value than
 * SQLite compares). *n gets its length.
 */
static const char *col_text(sqlite3_stmt *st, int i, size_t *n)
{
	const char *v;

	if (sqlite3_column_type(st, i) != SQLITE_TEXT)
		return NULL;
	v = (const char *)sqlite3_column_text(st, i);
	*n = (size_t)sqlite3_column_bytes(st, i);
	if (!v || strlen(v) != *n)
		return NULL;
	return v;
}

/* An optional TEXT column: NULL reads as "". Returns NULL only when malformed. */
static const char *col_opt_text(sqlite3_stmt *st, int i, size_t *n)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		*n = 0;
		return "";
	}
	return col_text(st, i, n);
}

/* ---- open and close ---- */

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);
	struct stat sb;

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			break;
	}
	if (stat(dir, &sb) < 0)
		return -errno;
	return S_ISDIR(sb.st_mode) ? 0 : -ENOTDIR;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return sqerr(db, rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : sqerr(db, rc);
}

/* Create the schema in an empty database; leave any other one as it is. */
static int check_schema(sqlite3 *db)
{
	int version = 0, objects = 0, ret;
	int rc;

	ret = pragma_int(db, "PRAGMA user_version", &version);
	if (ret < 0)
		return ret;
	if (version > STORE_SCHEMA_VERSION)
		return -EPROTONOSUPPORT;
	if (version == STORE_SCHEMA_VERSION)
		return 0;

	/* Two processes may open a new store at once: decide under the write lock. */
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sqerr(db, rc);
	ret = pragma_int(db, "PRAGMA user_version", &version);
	if (ret < 0)
		goto out;
	if (version > STORE_SCHEMA_VERSION) {
		ret = -EPROTONOSUPPORT;
		goto out;
	}
	if (version == STORE_SCHEMA_VERSION)
		goto out;
	ret = pragma_int(db, "SELECT count(*) FROM sqlite_master", &objects);
	if (ret < 0)
		goto out;
	if (objects) {
		/* Version 0 with tables in it: somebody else's database. */
		ret = -EBADMSG;
		goto out;
	}
	rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		ret = sqerr(db, rc);
out:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* Settings that make a hostile database file harmless to open and read. */
static int harden(sqlite3 *db)
{
	int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

	/* We use neither triggers nor views: a file that brings some gets them ignored. */
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
#ifdef SQLITE_DBCONFIG_ENABLE_VIEW
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
#endif
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
#endif
	if (rc != SQLITE_OK)
		return sqerr(db, rc);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, STORE_VALUE_MAX);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 4096);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	rc = sqlite3_exec(db, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sqerr(db, rc);
}

static int set_journal(sqlite3 *db, unsigned flags)
{
	sqlite3_stmt *st;
	bool wal;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sqerr(db, rc);
	rc = sqlite3_step(st);
	/* SQLite answers with the mode now in force, which may not be the one asked for. */
	wal = rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0) ?: "", "wal");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sqerr(db, rc);
	if (!wal)
		return -EIO;
	/* HA1s are password equivalents: overwrite deleted rows when it costs no extra I/O. */
	rc = sqlite3_exec(db,
			  flags & STORE_SYNC_FULL
				  ? "PRAGMA synchronous = FULL; PRAGMA secure_delete = FAST"
				  : "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = FAST",
			  NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sqerr(db, rc);
}

int store_open(struct store **out, const char *data_dir, unsigned flags)
{
	struct store *s;
	size_t n;
	int ret, rc, fd, version = 0;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (!out || !data_dir || !*data_dir || (flags & ~(STORE_CREATE | STORE_SYNC_FULL)))
		return -EINVAL;
	if (!sqlite3_threadsafe())
		return -ENOTSUP;
	n = strlen(data_dir) + 1 + sizeof(STORE_DB_NAME);
	if (n > PATH_MAX)
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s) + n);
	if (!s)
		return -ENOMEM;
	snprintf(s->path, n, "%s/%s", data_dir, STORE_DB_NAME);

	if (flags & STORE_CREATE) {
		ret = mkdir_p(data_dir);
		if (ret < 0)
			goto err;
		/*
		 * Create the file ourselves so that it is 0600 whatever the
		 * umask; SQLite gives the -wal and -shm files the same mode.
		 */
		fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			ret = -errno;
			goto err;
		}
		close(fd);
	} else if (access(s->path, F_OK) < 0) {
		ret = -errno;
		goto err;
	}
#ifdef SQLITE_OPEN_NOFOLLOW
	oflags |= SQLITE_OPEN_NOFOLLOW;
#endif
	rc = sqlite3_open_v2(s->path, &s->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		ret = sqerr(s->db, rc);
		goto err;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	ret = harden(s->db);
	if (ret < 0)
		goto err;
	/* Refuse a newer schema before changing anything in the file. */
	ret = pragma_int(s->db, "PRAGMA user_version", &version);
	if (ret < 0)
		goto err;
	if (version > STORE_SCHEMA_VERSION) {
		ret = -EPROTONOSUPPORT;
		goto err;
	}
	ret = set_journal(s->db, flags);
	if (ret < 0)
		goto err;
	ret = check_schema(s->db);
	if (ret < 0)
		goto err;
	for (int i = 0; i < ST__COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&s->st[i], NULL);
		if (rc != SQLITE_OK) {
			/* A table or column is missing: a version-1 file that isn't ours. */
			ret = (rc & 0xff) == SQLITE_ERROR ? -EBADMSG : sqerr(s->db, rc);
			goto err;
		}
	}
	*out = s;
	return 0;
err:
	store_close(s);
	return ret;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	/* Closing with a transaction open rolls it back. */
	sqlite3_close_v2(s->db);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s ? s->path : "";
}

const char *store_errmsg(const struct store *s)
{
	return s && s->db ? sqlite3_errmsg(s->db) : "no database";
}

const char *store_strerror(int err)
{
	switch (-err) {
	case EPROTONOSUPPORT:
		return "database schema is newer than this nutss understands (upgrade nutss)";
	case EBADMSG:
		return "not a nutss database, or it holds a malformed record";
	case EBUSY:
		return "database is locked by another process";
	case EINVAL:
		return "invalid value";
	}
	return strerror(-err);
}

/* ---- transactions ---- */

int store_begin(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		return -EALREADY;
	return run(s, s->st[ST_BEGIN]);
}

int store_commit(struct store *s)
{
	int ret;

	if (sqlite3_get_autocommit(s->db))
		return -EINVAL;
	ret = run(s, s->st[ST_COMMIT]);
	/* Never leave the caller wondering whether its writes are still pending. */
	if (ret < 0 && !sqlite3_get_autocommit(s->db))
		run(s, s->st[ST_ROLLBACK]);
	return ret;
}

int store_rollback(struct store *s)
{
	/* No transaction open: nothing to undo, which is what a cleanup path wants. */
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return run(s, s->st[ST_ROLLBACK]);
}

/* ---- users ---- */

/* Columns 0 and 1 of the current row: the HA1s, at least one present. */
static bool read_ha1s(sqlite3_stmt *st, const char **md5, size_t *md5_len, const char **sha,
		      size_t *sha_len)
{
	*md5 = col_opt_text(st, 0, md5_len);
	*sha = col_opt_text(st, 1, sha_len);
	return *md5 && *sha && (*md5_len || *sha_len) &&
	       (!*md5_len || valid_hex(*md5, *md5_len, STORE_MD5_HEX_LEN)) &&
	       (!*sha_len || valid_hex(*sha, *sha_len, STORE_SHA256_HEX_LEN));
}

int store_user_put(struct store *s, const char *aor, const char *ha1_md5, const char *ha1_sha256)
{
	sqlite3_stmt *st = s->st[ST_USER_PUT];
	int ret;

	if (!aor || !valid_aor(aor, strlen(aor)) || (!ha1_md5 && !ha1_sha256) ||
	    (ha1_md5 && !valid_hex(ha1_md5, strlen(ha1_md5), STORE_MD5_HEX_LEN)) ||
	    (ha1_sha256 && !valid_hex(ha1_sha256, strlen(ha1_sha256), STORE_SHA256_HEX_LEN)))
		return -EINVAL;
	if ((ret = bind_text(st, 1, aor)) < 0 || (ret = bind_text(st, 2, ha1_md5)) < 0 ||
	    (ret = bind_text(st, 3, ha1_sha256)) < 0 ||
	    sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL)) != SQLITE_OK) {
		done(st);
		return ret < 0 ? ret : -EIO;
	}
	return run(s, st);
}

int store_user_get(struct store *s, const char *aor, char ha1_md5[STORE_MD5_HEX_LEN + 1],
		   char ha1_sha256[STORE_SHA256_HEX_LEN + 1])
{
	sqlite3_stmt *st = s->st[ST_USER_GET];
	const char *md5, *sha;
	size_t md5_len, sha_len;
	int rc, ret;

	if (!aor || !valid_aor(aor, strlen(aor)))
		return -EINVAL;
	if ((ret = bind_text(st, 1, aor)) < 0) {
		done(st);
		return ret;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = rc == SQLITE_DONE ? -ENOENT : sqerr(s->db, rc);
		goto out;
	}
	if (!read_ha1s(st, &md5, &md5_len, &sha, &sha_len)) {
		ret = -EBADMSG;
		goto out;
	}
	memcpy(ha1_md5, md5, md5_len + 1);
	memcpy(ha1_sha256, sha, sha_len + 1);
	ret = 0;
out:
	done(st);
	return ret;
}

int store_user_del(struct store *s, const char *aor)
{
	sqlite3_stmt *st;
	int ret;

	if (!aor || !valid_aor(aor, strlen(aor)))
		return -EINVAL;
	/* A savepoint nests inside store_begin() and is a transaction of its own outside. */
	ret = run(s, s->st[ST_SAVEPOINT]);
	if (ret < 0)
		return ret;
	st = s->st[ST_USER_DEL];
	if ((ret = bind_text(st, 1, aor)) < 0 || (ret = run(s, st)) < 0)
		goto err;
	if (sqlite3_changes(s->db) == 0) {
		ret = -ENOENT;
		goto err;
	}
	st = s->st[ST_BINDING_DEL_AOR];
	if ((ret = bind_text(st, 1, aor)) < 0 || (ret = run(s, st)) < 0)
		goto err;
	ret = run(s, s->st[ST_RELEASE]);
	if (ret < 0)
		goto err;
	return 0;
err:
	done(st);
	run(s, s->st[ST_ROLLBACK_TO]);
	run(s, s->st[ST_RELEASE]);
	return ret;
}

int store_user_list(struct store *s, int (*cb)(void *arg, const char *aor), void *arg)
{
	sqlite3_stmt *st = s->st[ST_USER_LIST];
	bool bad = false;
	int rc, ret = 0;

	if (!cb)
		return -EINVAL;
	if (s->listing_users)
		return -EBUSY;
	s->listing_users = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *aor, *md5, *sha;
		size_t n, md5_len, sha_len;

		/* A user whose HA1s are unusable is reported, not listed. */
		aor = col_text(st, 2, &n);
		if (!aor || !valid_aor(aor, n) || !read_ha1s(st, &md5, &md5_len, &sha, &sha_len)) {
			bad = true;
			continue;
		}
		ret = cb(arg, aor);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqerr(s->db, rc);
	if (!ret && bad)
		ret = -EBADMSG;
	done(st);
	s->listing_users = false;
	return ret;
}

/* ---- bindings ---- */

int store_binding_put(struct store *s, const struct store_binding *b)
{
	sqlite3_stmt *st = s->st[ST_BINDING_PUT];
	int ret;

	if (!b || !valid_binding(b))
		return -EINVAL;
	if ((ret = bind_text(st, 1, b->aor)) < 0 || (ret = bind_text(st, 2, b->contact)) < 0 ||
	    (ret = bind_text(st, 3, b->descriptor ? b->descriptor : b->aor)) < 0 ||
	    (ret = bind_text(st, 4, b->path)) < 0 || (ret = bind_text(st, 6, b->call_id)) < 0)
		goto err;
	if (sqlite3_bind_double(st, 5, b->q) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, b->cseq) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, b->is_static ? 0 : b->expires_at) != SQLITE_OK ||
	    sqlite3_bind_int(st, 9, b->is_static) != SQLITE_OK) {
		ret = -EIO;
		goto err;
	}
	return run(s, st);
err:
	done(st);
	return ret;
}

int store_binding_del(struct store *s, const char *aor, const char *contact)
{
	sqlite3_stmt *st = s->st[contact ? ST_BINDING_DEL : ST_BINDING_DEL_AOR];
	int ret;

	if (!aor || !valid_aor(aor, strlen(aor)) ||
	    (contact && !valid_contact(contact, strlen(contact))))
		return -EINVAL;
	if ((ret = bind_text(st, 1, aor)) < 0 ||
	    (contact && (ret = bind_text(st, 2, contact)) < 0)) {
		done(st);
		return ret;
	}
	ret = run(s, st);
	if (ret < 0)
		return ret;
	return sqlite3_changes(s->db) ? 0 : -ENOENT;
}

/* Read the current row into b; false when any column breaks the rules. */
static bool read_binding(sqlite3_stmt *st, struct store_binding *b)
{
	sqlite3_int64 v;
	size_t n;

	memset(b, 0, sizeof(*b));
	if (!(b->aor = col_text(st, 0, &n)) || !(b->contact = col_text(st, 1, &n)) ||
	    !(b->descriptor = col_text(st, 2, &n)) || !(b->path = col_opt_text(st, 3, &n)) ||
	    !(b->call_id = col_opt_text(st, 5, &n)))
		return false;
	if (sqlite3_column_type(st, 4) != SQLITE_FLOAT &&
	    sqlite3_column_type(st, 4) != SQLITE_INTEGER)
		return false;
	b->q = sqlite3_column_double(st, 4);
	if (sqlite3_column_type(st, 6) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, 7) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, 8) != SQLITE_INTEGER)
		return false;
	v = sqlite3_column_int64(st, 6);
	if (v < 0 || v > SIP_MAX_CSEQ)
		return false;
	b->cseq = (uint32_t)v;
	b->expires_at = sqlite3_column_int64(st, 7);
	v = sqlite3_column_int64(st, 8);
	if (v != 0 && v != 1)
		return false;
	b->is_static = v;
	return valid_binding(b);
}

int store_binding_list(struct store *s, const char *aor, int64_t now,
		       int (*cb)(void *arg, const struct store_binding *b), void *arg)
{
	sqlite3_stmt *st = s->st[aor ? ST_BINDING_LIST_AOR : ST_BINDING_LIST];
	bool bad = false;
	int rc, ret = 0;

	if (!cb || (aor && !valid_aor(aor, strlen(aor))))
		return -EINVAL;
	if (s->listing_bindings)
		return -EBUSY;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
	    (aor && (ret = bind_text(st, 2, aor)) < 0)) {
		done(st);
		return ret < 0 ? ret : -EIO;
	}
	s->listing_bindings = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_binding b;

		if (!read_binding(st, &b)) {
			bad = true;
			continue;
		}
		ret = cb(arg, &b);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqerr(s->db, rc);
	if (!ret && bad)
		ret = -EBADMSG;
	done(st);
	s->listing_bindings = false;
	return ret;
}

int store_expire(struct store *s, int64_t now)
{
	sqlite3_stmt *st = s->st[ST_EXPIRE];
	int ret;

	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK) {
		done(st);
		return -EIO;
	}
	ret = run(s, st);
	if (ret < 0)
		return ret;
	/* changes() counts this statement's rows; a count beyond INT_MAX is not a real store. */
	return sqlite3_changes(s->db);
}
