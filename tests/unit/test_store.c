// SPDX-License-Identifier: MIT
/* The P-Box store: users, bindings, expiry, schema checks, hostile rows, kill -9. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "pbox/store.h"

#define MD5_A "0123456789abcdef0123456789abcdef"
#define MD5_B "fedcba9876543210fedcba9876543210"
#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char root[] = "/tmp/nutss-test-store-XXXXXX";
static char dir[256];
static int ndirs;

/* A fresh data directory under root for each test (one level deeper, to exercise mkdir -p). */
static const char *fresh_dir(void)
{
	snprintf(dir, sizeof(dir), "%s/t%d/data", root, ndirs++);
	return dir;
}

static struct store *open_new(void)
{
	struct store *s = NULL;

	CHECK_INT(store_open(&s, fresh_dir(), STORE_CREATE), 0);
	return s;
}

/* Run SQL on the store's file behind its back, as a hand edit or an attacker would. */
static void raw_sql(const char *data_dir, const char *sql)
{
	char path[512];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/%s", data_dir, STORE_DB_NAME);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

struct names {
	char v[8][64];
	int n;
};

static int collect_user(void *arg, const char *aor)
{
	struct names *x = arg;

	if (x->n < 8)
		snprintf(x->v[x->n++], sizeof(x->v[0]), "%s", aor);
	return 0;
}

struct bindings {
	char contact[8][128];
	char descriptor[8][128];
	char path[8][128];
	double q[8];
	int64_t expires_at[8];
	bool is_static[8];
	int n;
};

static int collect_binding(void *arg, const struct store_binding *b)
{
	struct bindings *x = arg;

	if (x->n < 8) {
		snprintf(x->contact[x->n], 128, "%s", b->contact);
		snprintf(x->descriptor[x->n], 128, "%s", b->descriptor);
		snprintf(x->path[x->n], 128, "%s", b->path);
		x->q[x->n] = b->q;
		x->expires_at[x->n] = b->expires_at;
		x->is_static[x->n] = b->is_static;
		x->n++;
	}
	return 0;
}

static void test_open_create(void)
{
	struct store *s = NULL;
	char path[512];
	struct stat sb;

	/* Without STORE_CREATE nothing is made. */
	CHECK_INT(store_open(&s, fresh_dir(), 0), -ENOENT);
	CHECK(s == NULL);
	CHECK_INT(store_open(&s, dir, STORE_CREATE | STORE_SYNC_FULL), 0);
	CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	CHECK_STR(store_path(s), path);
	store_close(s);
	store_close(NULL);
	/* Now it exists: opening without STORE_CREATE works. */
	s = NULL;
	CHECK_INT(store_open(&s, dir, 0), 0);
	store_close(s);
	CHECK_INT(store_open(&s, dir, 0x80), -EINVAL);
	CHECK_INT(store_open(&s, "", STORE_CREATE), -EINVAL);
}

static void test_users(void)
{
	struct store *s = open_new();
	char md5[33], sha[65];
	struct names names = { 0 };

	if (!s)
		return;
	CHECK_INT(store_user_get(s, "alice@rr.net", md5, sha), -ENOENT);
	CHECK_INT(store_user_put(s, "alice@rr.net", MD5_A, SHA_A), 0);
	CHECK_INT(store_user_put(s, "bob@rr.net", MD5_B, NULL), 0);
	CHECK_INT(store_user_put(s, "carol@cs.cornell.edu", NULL, SHA_A), 0);
	CHECK_INT(store_user_get(s, "alice@rr.net", md5, sha), 0);
	CHECK_STR(md5, MD5_A);
	CHECK_STR(sha, SHA_A);
	CHECK_INT(store_user_get(s, "bob@rr.net", md5, sha), 0);
	CHECK_STR(md5, MD5_B);
	CHECK_STR(sha, "");
	/* put replaces. */
	CHECK_INT(store_user_put(s, "alice@rr.net", MD5_B, NULL), 0);
	CHECK_INT(store_user_get(s, "alice@rr.net", md5, sha), 0);
	CHECK_STR(md5, MD5_B);
	CHECK_STR(sha, "");
	CHECK_INT(store_user_list(s, collect_user, &names), 0);
	CHECK_INT(names.n, 3);
	CHECK_STR(names.v[0], "alice@rr.net");
	CHECK_STR(names.v[1], "bob@rr.net");
	CHECK_STR(names.v[2], "carol@cs.cornell.edu");
	CHECK_INT(store_user_del(s, "bob@rr.net"), 0);
	CHECK_INT(store_user_del(s, "bob@rr.net"), -ENOENT);
	CHECK_INT(store_user_get(s, "bob@rr.net", md5, sha), -ENOENT);
	names.n = 0;
	CHECK_INT(store_user_list(s, collect_user, &names), 0);
	CHECK_INT(names.n, 2);
	store_close(s);
}

static int stop_at_first(void *arg, const char *aor)
{
	(void)aor;
	++*(int *)arg;
	return 7;
}

/* What users_load() does: look each user up from inside the walk. */
static int nested_get(void *arg, const char *aor)
{
	struct store *s = arg;
	char md5[33], sha[65];

	CHECK_INT(store_user_get(s, aor, md5, sha), 0);
	CHECK_INT(store_user_list(s, collect_user, NULL), -EBUSY);
	return 0;
}

static void test_user_list_callback(void)
{
	struct store *s = open_new();
	int calls = 0;

	if (!s)
		return;
	CHECK_INT(store_user_put(s, "a@x.org", MD5_A, NULL), 0);
	CHECK_INT(store_user_put(s, "b@x.org", MD5_A, NULL), 0);
	CHECK_INT(store_user_list(s, stop_at_first, &calls), 7);
	CHECK_INT(calls, 1);
	CHECK_INT(store_user_list(s, nested_get, s), 0);
	/* The walk was reset: a second one sees everything again. */
	calls = 0;
	CHECK_INT(store_user_list(s, stop_at_first, &calls), 7);
	store_close(s);
}

static void test_bad_inputs(void)
{
	struct store *s = open_new();
	static const char *const bad_aors[] = {
		"",
		"alice",
		"@rr.net",
		"alice@",
		"sip:alice@rr.net",
		"alice@rr.net;app=ftp",
		"alice@rr.net:5060",
		"alice@RR.net",
		"alice:pw@rr.net",
		"al ice@rr.net",
		"alice@rr.net\n",
		"alice@[::1]",
	};
	struct store_binding b = { .aor = "alice@rr.net",
				   .contact = "sip:alice@10.0.0.1:5060",
				   .q = 1.0,
				   .expires_at = 100 };
	struct store_binding x;
	char md5[33], sha[65];
	char big[STORE_AOR_MAX + 16];

	if (!s)
		return;
	for (unsigned i = 0; i < sizeof(bad_aors) / sizeof(bad_aors[0]); i++) {
		if (store_user_put(s, bad_aors[i], MD5_A, NULL) != -EINVAL)
			fprintf(stderr, "  aor \"%s\" was accepted\n", bad_aors[i]);
		CHECK_INT(store_user_put(s, bad_aors[i], MD5_A, NULL), -EINVAL);
		CHECK_INT(store_user_get(s, bad_aors[i], md5, sha), -EINVAL);
		x = b;
		x.aor = bad_aors[i];
		CHECK_INT(store_binding_put(s, &x), -EINVAL);
	}
	memset(big, 'a', sizeof(big));
	memcpy(big + STORE_AOR_MAX - 6, "@rr.net", 8); /* one byte over */
	CHECK_INT(store_user_put(s, big, MD5_A, NULL), -EINVAL);
	/* A user part that starts like a scheme is still a user. */
	CHECK_INT(store_user_put(s, "sipsam@rr.net", MD5_A, NULL), 0);
	CHECK_INT(store_user_put(s, NULL, MD5_A, NULL), -EINVAL);
	CHECK_INT(store_user_put(s, "alice@rr.net", NULL, NULL), -EINVAL);
	CHECK_INT(store_user_put(s, "alice@rr.net", "0123456789ABCDEF0123456789ABCDEF", NULL),
		  -EINVAL);
	CHECK_INT(store_user_put(s, "alice@rr.net", "0123456789abcdef", NULL), -EINVAL);
	CHECK_INT(store_user_put(s, "alice@rr.net", SHA_A, NULL), -EINVAL);
	CHECK_INT(store_user_put(s, "alice@rr.net", MD5_A, MD5_A), -EINVAL);
	CHECK_INT(store_user_put(s, "alice@rr.net", "0123456789abcdef0123456789abcdeg", NULL),
		  -EINVAL);

	CHECK_INT(store_binding_put(s, &b), 0);
	x = b;
	x.contact = "not a uri";
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x.contact = "sip:alice@10.0.0.1\r\nVia: x";
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x.contact = NULL;
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x = b;
	x.descriptor = "bob@rr.net;app=ftp";
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x.descriptor = "alice@rr.net;app=ftp;app=ssh";
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x.descriptor = "alice@RR.NET;app=ftp";
	CHECK_INT(store_binding_put(s, &x), 0);
	x = b;
	x.q = 1.5;
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x.q = -0.1;
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x.q = 0.0 / 0.0;
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x = b;
	x.cseq = 0x80000000u;
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x = b;
	x.expires_at = -1;
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x = b;
	x.call_id = "a b";
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	x = b;
	x.path = "<sip:p1.rr.net;lr>\n";
	CHECK_INT(store_binding_put(s, &x), -EINVAL);
	CHECK_INT(store_binding_del(s, "alice@rr.net", "nope"), -EINVAL);
	CHECK_INT(store_binding_list(s, "ALICE", 0, collect_binding, NULL), -EINVAL);
	store_close(s);
}

static void test_bindings(void)
{
	struct store *s = open_new();
	struct store_binding b = {
		.aor = "alice@rr.net",
		.contact = "sip:alice@10.0.0.1:5060",
		.descriptor = "alice@rr.net;app=ftp;type=server",
		.path = "<sip:p1.rr.net;lr>",
		.call_id = "abc@10.0.0.1",
		.q = 0.5,
		.cseq = 7,
		.expires_at = 1000,
	};
	struct bindings got = { 0 };

	if (!s)
		return;
	CHECK_INT(store_binding_put(s, &b), 0);
	b.contact = "sip:alice@10.0.0.2";
	b.q = 0.9;
	b.descriptor = NULL;
	b.path = NULL;
	b.call_id = NULL;
	CHECK_INT(store_binding_put(s, &b), 0);
	b.aor = "bob@rr.net";
	b.contact = "sip:bob@10.0.0.3";
	CHECK_INT(store_binding_put(s, &b), 0);

	CHECK_INT(store_binding_list(s, "alice@rr.net", 500, collect_binding, &got), 0);
	CHECK_INT(got.n, 2);
	/* Higher q first. */
	CHECK_STR(got.contact[0], "sip:alice@10.0.0.2");
	CHECK_STR(got.descriptor[0], "alice@rr.net"); /* NULL descriptor: the AOR */
	CHECK_STR(got.path[0], "");
	CHECK_STR(got.contact[1], "sip:alice@10.0.0.1:5060");
	CHECK_STR(got.descriptor[1], "alice@rr.net;app=ftp;type=server");
	CHECK_STR(got.path[1], "<sip:p1.rr.net;lr>");
	CHECK(got.q[1] == 0.5);

	/* Replace on (aor, contact). */
	b.aor = "alice@rr.net";
	b.contact = "sip:alice@10.0.0.1:5060";
	b.q = 0.1;
	b.expires_at = 2000;
	CHECK_INT(store_binding_put(s, &b), 0);
	got.n = 0;
	CHECK_INT(store_binding_list(s, "alice@rr.net", 500, collect_binding, &got), 0);
	CHECK_INT(got.n, 2);
	CHECK_STR(got.contact[1], "sip:alice@10.0.0.1:5060");
	CHECK(got.q[1] == 0.1);
	CHECK_INT(got.expires_at[1], 2000);

	/* All AORs; those expired at `now` are not listed. */
	got.n = 0;
	CHECK_INT(store_binding_list(s, NULL, 500, collect_binding, &got), 0);
	CHECK_INT(got.n, 3);
	got.n = 0;
	CHECK_INT(store_binding_list(s, NULL, 1000, collect_binding, &got), 0);
	CHECK_INT(got.n, 1);

	CHECK_INT(store_binding_del(s, "alice@rr.net", "sip:alice@10.0.0.2"), 0);
	CHECK_INT(store_binding_del(s, "alice@rr.net", "sip:alice@10.0.0.2"), -ENOENT);
	CHECK_INT(store_binding_del(s, "bob@rr.net", NULL), 0);
	CHECK_INT(store_binding_del(s, "bob@rr.net", NULL), -ENOENT);
	got.n = 0;
	CHECK_INT(store_binding_list(s, NULL, 0, collect_binding, &got), 0);
	CHECK_INT(got.n, 1);
	store_close(s);
}

static void test_expire_static(void)
{
	struct store *s = open_new();
	struct store_binding b = { .aor = "ftp@rr.net", .contact = "sip:10.0.0.9:2121", .q = 1.0 };
	struct bindings got = { 0 };

	if (!s)
		return;
	b.is_static = true;
	b.expires_at = 5; /* ignored for a static binding */
	CHECK_INT(store_binding_put(s, &b), 0);
	b.is_static = false;
	b.contact = "sip:10.0.0.9:2122";
	b.expires_at = 100;
	CHECK_INT(store_binding_put(s, &b), 0);
	b.contact = "sip:10.0.0.9:2123";
	b.expires_at = 200;
	CHECK_INT(store_binding_put(s, &b), 0);

	CHECK_INT(store_expire(s, 50), 0);
	CHECK_INT(store_expire(s, 100), 1);
	CHECK_INT(store_expire(s, 100), 0);
	got.n = 0;
	CHECK_INT(store_binding_list(s, NULL, 150, collect_binding, &got), 0);
	CHECK_INT(got.n, 2);
	CHECK_INT(store_expire(s, 1LL << 40), 1);
	got.n = 0;
	CHECK_INT(store_binding_list(s, "ftp@rr.net", 1LL << 40, collect_binding, &got), 0);
	CHECK_INT(got.n, 1);
	CHECK_STR(got.contact[0], "sip:10.0.0.9:2121");
	CHECK(got.is_static[0]);
	store_close(s);
}

static void test_user_del_takes_bindings(void)
{
	struct store *s = open_new();
	struct store_binding b = {
		.aor = "alice@rr.net", .contact = "sip:a@1.2.3.4", .q = 1, .expires_at = 100
	};
	struct bindings got = { 0 };

	if (!s)
		return;
	CHECK_INT(store_user_put(s, "alice@rr.net", MD5_A, SHA_A), 0);
	CHECK_INT(store_binding_put(s, &b), 0);
	CHECK_INT(store_user_del(s, "alice@rr.net"), 0);
	CHECK_INT(store_binding_list(s, NULL, 0, collect_binding, &got), 0);
	CHECK_INT(got.n, 0);
	/* Inside a transaction too, and a rollback undoes both deletions. */
	CHECK_INT(store_user_put(s, "alice@rr.net", MD5_A, SHA_A), 0);
	CHECK_INT(store_binding_put(s, &b), 0);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_begin(s), -EALREADY);
	CHECK_INT(store_user_del(s, "alice@rr.net"), 0);
	CHECK_INT(store_user_del(s, "nobody@rr.net"), -ENOENT);
	CHECK_INT(store_rollback(s), 0);
	CHECK_INT(store_binding_list(s, NULL, 0, collect_binding, &got), 0);
	CHECK_INT(got.n, 1);
	store_close(s);
}

static void test_transactions_and_persistence(void)
{
	struct store *s = open_new();
	struct store *r = NULL;
	struct store_binding b = {
		.aor = "alice@rr.net", .contact = "sip:a@1.2.3.4", .q = 1, .expires_at = 100
	};
	char md5[33], sha[65];
	char d[256];
	struct bindings got = { 0 };

	if (!s)
		return;
	snprintf(d, sizeof(d), "%s", dir);
	CHECK_INT(store_commit(s), -EINVAL);
	CHECK_INT(store_rollback(s), 0);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_user_put(s, "alice@rr.net", MD5_A, SHA_A), 0);
	CHECK_INT(store_binding_put(s, &b), 0);
	/* Another handle does not see uncommitted writes. */
	CHECK_INT(store_open(&r, d, 0), 0);
	CHECK_INT(store_user_get(r, "alice@rr.net", md5, sha), -ENOENT);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_user_get(r, "alice@rr.net", md5, sha), 0);
	store_close(r);

	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_user_put(s, "bob@rr.net", MD5_A, NULL), 0);
	CHECK_INT(store_rollback(s), 0);
	CHECK_INT(store_user_get(s, "bob@rr.net", md5, sha), -ENOENT);
	/* Closing with a transaction open loses it. */
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_user_put(s, "carol@rr.net", MD5_A, NULL), 0);
	store_close(s);

	s = NULL;
	CHECK_INT(store_open(&s, d, 0), 0);
	if (!s)
		return;
	CHECK_INT(store_user_get(s, "alice@rr.net", md5, sha), 0);
	CHECK_STR(sha, SHA_A);
	CHECK_INT(store_user_get(s, "carol@rr.net", md5, sha), -ENOENT);
	CHECK_INT(store_binding_list(s, "alice@rr.net", 0, collect_binding, &got), 0);
	CHECK_INT(got.n, 1);
	store_close(s);
}

static void test_schema_version(void)
{
	struct store *s = open_new();
	char d[256];

	store_close(s);
	snprintf(d, sizeof(d), "%s", dir);
	raw_sql(d, "PRAGMA user_version = 99");
	s = NULL;
	CHECK_INT(store_open(&s, d, STORE_CREATE), -EPROTONOSUPPORT);
	CHECK(s == NULL);
	CHECK(strstr(store_strerror(-EPROTONOSUPPORT), "newer") != NULL);

	/* Somebody else's database: tables but no version. */
	fresh_dir();
	CHECK_INT(store_open(&s, dir, STORE_CREATE), 0);
	store_close(s);
	snprintf(d, sizeof(d), "%s", dir);
	raw_sql(d, "PRAGMA user_version = 0");
	s = NULL;
	CHECK_INT(store_open(&s, d, 0), -EBADMSG);

	/* Our version number on a file without our tables. */
	fresh_dir();
	CHECK_INT(store_open(&s, dir, STORE_CREATE), 0);
	store_close(s);
	snprintf(d, sizeof(d), "%s", dir);
	raw_sql(d, "DROP TABLE bindings; CREATE TABLE bindings(x)");
	s = NULL;
	CHECK_INT(store_open(&s, d, 0), -EBADMSG);

	/* Not a database at all. */
	{
		char path[512];
		FILE *f;

		fresh_dir();
		CHECK_INT(store_open(&s, dir, STORE_CREATE), 0);
		store_close(s);
		snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
		unlink(path);
		strcat(path, "-wal");
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
		f = fopen(path, "w");
		CHECK(f != NULL);
		if (f) {
			fputs("this is not an SQLite database, just some text that is long enough "
			      "to fill a header of one hundred bytes or so......................",
			      f);
			fclose(f);
		}
		s = NULL;
		CHECK_INT(store_open(&s, dir, 0), -EBADMSG);
	}
}

/* Rows a hand edit or an attacker put there are skipped and reported, never handed out. */
static void test_hostile_rows(void)
{
	struct store *s = open_new();
	struct names names = { 0 };
	struct bindings got = { 0 };
	char md5[33], sha[65];
	char d[256];

	store_close(s);
	snprintf(d, sizeof(d), "%s", dir);
	raw_sql(d, "INSERT INTO users VALUES('good@rr.net', '" MD5_A "', NULL, 0);"
		   "INSERT INTO users VALUES('bad user@rr.net', '" MD5_A "', NULL, 0);"
		   "INSERT INTO users VALUES('shorthash@rr.net', 'abc', NULL, 0);"
		   "INSERT INTO users VALUES('blob@rr.net', x'00ff', NULL, 0);"
		   "INSERT INTO users VALUES(x'616c696365', '" MD5_A "', NULL, 0);"
		   "INSERT INTO users VALUES('nohash@rr.net', NULL, NULL, 0);"
		   "INSERT INTO bindings VALUES('good@rr.net', 'sip:g@1.2.3.4', 'good@rr.net',"
		   " NULL, 1.0, NULL, 1, 100, 0);"
		   "INSERT INTO bindings VALUES('good@rr.net', 'sip:h@1.2.3.4', 'evil@rr.net',"
		   " NULL, 1.0, NULL, 1, 100, 0);"
		   "INSERT INTO bindings VALUES('good@rr.net', 'sip:i@1.2.3.4', 'good@rr.net',"
		   " NULL, 7.0, NULL, 1, 100, 0);"
		   "INSERT INTO bindings VALUES('good@rr.net', 'sip:j@1.2.3.4', 'good@rr.net',"
		   " 'x' || char(10) || 'y', 1.0, NULL, 1, 100, 0);"
		   "INSERT INTO bindings VALUES('good@rr.net', 'sip:k@1.2.3.4', 'good@rr.net',"
		   " NULL, 1.0, NULL, 'one', 100, 0);"
		   "INSERT INTO bindings VALUES('good@rr.net', 'sip:l@1.2.3.4', 'good@rr.net',"
		   " NULL, 1.0, NULL, 1, 100, 2);"
		   "INSERT INTO bindings VALUES('good@rr.net', 'sip:m@1.2.3.4', 'good@rr.net',"
		   " NULL, 1.0, NULL, 1, 100, 1);"
		   "CREATE TRIGGER t AFTER INSERT ON bindings BEGIN"
		   " DELETE FROM users; END;");
	s = NULL;
	CHECK_INT(store_open(&s, d, 0), 0);
	if (!s)
		return;
	CHECK_INT(store_user_list(s, collect_user, &names), -EBADMSG);
	CHECK_INT(names.n, 1);
	CHECK_STR(names.v[0], "good@rr.net");
	CHECK_INT(store_user_get(s, "shorthash@rr.net", md5, sha), -EBADMSG);
	CHECK_INT(store_user_get(s, "nohash@rr.net", md5, sha), -EBADMSG);
	CHECK_INT(store_user_get(s, "good@rr.net", md5, sha), 0);
	CHECK_INT(store_binding_list(s, NULL, 0, collect_binding, &got), -EBADMSG);
	CHECK_INT(got.n, 2);
	CHECK_STR(got.contact[0], "sip:g@1.2.3.4");
	CHECK_STR(got.contact[1], "sip:m@1.2.3.4");
	/* The planted trigger does not run. */
	{
		struct store_binding b = { .aor = "x@rr.net", .contact = "sip:x@1.1.1.1", .q = 1 };

		CHECK_INT(store_binding_put(s, &b), 0);
		CHECK_INT(store_user_get(s, "good@rr.net", md5, sha), 0);
	}
	store_close(s);
}

/*
 * The property the registrar relies on: once a commit has returned, a
 * kill -9 of the process loses nothing.
 */
static void test_durability_kill9(void)
{
	struct store *s = open_new();
	char d[256];
	int fds[2];
	pid_t pid;
	char buf[8] = { 0 };
	struct bindings got = { 0 };
	int status;

	store_close(s);
	snprintf(d, sizeof(d), "%s", dir);
	CHECK(pipe(fds) == 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct store *c = NULL;
		struct store_binding b = { .aor = "alice@rr.net",
					   .contact = "sip:alice@192.0.2.1:5060",
					   .call_id = "kill9@192.0.2.1",
					   .q = 1,
					   .cseq = 42,
					   .expires_at = 4000000000LL };

		close(fds[0]);
		if (store_open(&c, d, 0) < 0 || store_begin(c) < 0 ||
		    store_binding_put(c, &b) < 0 || store_commit(c) < 0)
			_exit(1);
		if (write(fds[1], "done", 4) != 4)
			_exit(1);
		/* Wait for the kill with the store still open, as a live daemon would be. */
		for (;;)
			pause();
	}
	close(fds[1]);
	CHECK_INT(read(fds[0], buf, 4), 4);
	CHECK_STR(buf, "done");
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fds[0]);

	s = NULL;
	CHECK_INT(store_open(&s, d, 0), 0);
	if (!s)
		return;
	CHECK_INT(store_binding_list(s, "alice@rr.net", 0, collect_binding, &got), 0);
	CHECK_INT(got.n, 1);
	CHECK_STR(got.contact[0], "sip:alice@192.0.2.1:5060");
	store_close(s);
}

int main(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(test_open_create);
	RUN(test_users);
	RUN(test_user_list_callback);
	RUN(test_bad_inputs);
	RUN(test_bindings);
	RUN(test_expire_static);
	RUN(test_user_del_takes_bindings);
	RUN(test_transactions_and_persistence);
	RUN(test_schema_version);
	RUN(test_hostile_rows);
	RUN(test_durability_kill9);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", root);
	}
	return check_summary();
}
