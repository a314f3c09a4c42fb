// SPDX-License-Identifier: MIT
/* Host names <-> descriptors, and the session's name table (src/agent/names.h). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent/names.h"
#include "check.h"
#include "proto/agent.h"

static void check_parse(const char *host, const char *want)
{
	char desc[NAMES_DESC_SIZE];
	const char *why = NULL;

	if (!names_parse(host, desc, sizeof(desc), &why)) {
		fprintf(stderr, "  %s: %s\n", host, why ? why : "(no reason)");
		check_failed_in_test = 1;
		return;
	}
	CHECK_STR(desc, want);
}

static void check_bad(const char *host)
{
	char desc[NAMES_DESC_SIZE] = "untouched";
	const char *why = NULL;

	if (names_parse(host, desc, sizeof(desc), &why)) {
		fprintf(stderr, "  \"%s\" parsed to \"%s\"\n", host ? host : "(null)", desc);
		check_failed_in_test = 1;
	}
	CHECK(why != NULL);
}

static void test_parse(void)
{
	check_parse("web.server.alice.example.com.nutss", "alice@example.com;app=web;type=server");
	check_parse("ftp.server.alice.domain.org.encoded.nutss",
		    "alice@domain.org.encoded;app=ftp;type=server");
	check_parse("a.b.c.d.nutss", "c@d;app=a;type=b");
	check_parse("Web.SERVER.Alice.Example.COM.NUTSS", "alice@example.com;app=web;type=server");
	check_parse("web.server.alice.example.com.nutss.", "alice@example.com;app=web;type=server");
	check_parse("web.server.alice.example.com.NuTsS.", "alice@example.com;app=web;type=server");
	check_parse("x-1.type-2.bob-3.xn--bcher-kva.example.nutss",
		    "bob-3@xn--bcher-kva.example;app=x-1;type=type-2");
	check_parse("9.8.7.10.0.0.1.nutss", "7@10.0.0.1;app=9;type=8");
}

static void test_parse_bad(void)
{
	char l64[80], big[400];

	check_bad(NULL);
	check_bad("");
	check_bad(".");
	check_bad("nutss");
	check_bad(".nutss");
	check_bad("..nutss");
	check_bad("web.server.alice.example.com");
	check_bad("web.server.alice.example.com.nutss..");
	check_bad("web.server.alice.example.com.nutss.x");
	check_bad("web.server.alice.example.com.nuts");
	check_bad("web.server.alice.example.com.xnutss");
	check_bad("web.server.alice.example.comnutss");
	check_bad("web.server.alice.nutss"); /* no domain */
	check_bad("web.server.nutss");
	check_bad("web.nutss");
	check_bad("web.server.alice..nutss");	  /* empty domain */
	check_bad(".server.alice.example.nutss"); /* empty app */
	check_bad("web..alice.example.nutss");
	check_bad("web.server..example.nutss");
	check_bad("web.server.alice.example..com.nutss");
	check_bad("web.server.alice..example.com.nutss");
	check_bad("web.server.alice.example.com..nutss");
	check_bad("web.server.al_ice.example.com.nutss");
	check_bad("web.server.al ice.example.com.nutss");
	check_bad("web.server.al@ice.example.com.nutss");
	check_bad("web.server.alice@example.com.nutss");
	check_bad("web;x.server.alice.example.com.nutss");
	check_bad("web.server.alice.exa%6dple.com.nutss");
	check_bad("web.server.alic\xc3\xa9.example.com.nutss");
	check_bad("-web.server.alice.example.com.nutss");
	check_bad("web-.server.alice.example.com.nutss");
	check_bad("web.server.alice.-example.com.nutss");
	check_bad("web.server.alice.example.com-.nutss");
	check_bad("web.server.alice.example.com.-nutss");

	/* a 63-byte label is fine, 64 is not */
	memset(l64, 'a', 63);
	snprintf(l64 + 63, sizeof(l64) - 63, ".s.u.d.nutss");
	check_parse(
		l64,
		"u@d;app=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;type=s");
	memset(l64, 'a', 64);
	snprintf(l64 + 64, sizeof(l64) - 64, ".s.u.d.nutss");
	check_bad(l64);
	memset(l64, 'a', 64);
	snprintf(l64 + 64, sizeof(l64) - 64, ".nutss");
	memcpy(big, "a.s.u.", 6);
	snprintf(big + 6, sizeof(big) - 6, "%s", l64);
	check_bad(big); /* a 64-byte domain label */
}

/* A host of exactly n bytes (n >= 13): a.b.c.<labels of d>.nutss */
static void make_host(char *buf, size_t n)
{
	size_t i = 0;

	memcpy(buf, "a.b.c.", 6);
	i = 6;
	while (i < n - 6) {
		size_t left = n - 6 - i, l = left > 63 ? 63 : left;

		if (left > 63 && left - 63 < 2)
			l = left - 2; /* leave room for ".x", not an empty label */
		memset(buf + i, 'd', l);
		i += l;
		if (i < n - 6)
			buf[i++] = '.';
	}
	memcpy(buf + i, ".nutss", 7);
}

static void test_parse_limits(void)
{
	char host[NAMES_HOST_MAX + 8], desc[NAMES_DESC_SIZE], host2[NAMES_HOST_MAX + 1];
	const char *why;
	int n;

	make_host(host, NAMES_HOST_MAX);
	CHECK_INT(strlen(host), NAMES_HOST_MAX);
	CHECK(names_parse(host, desc, sizeof(desc), &why));
	CHECK_INT(strlen(desc), NAMES_HOST_MAX + 3); /* the longest descriptor fits exactly */
	n = names_format(desc, host2, sizeof(host2));
	CHECK_INT(n, NAMES_HOST_MAX);
	CHECK_STR(host2, host);
	CHECK_INT(names_format(desc, host2, sizeof(host2) - 1), -ERANGE);
	CHECK(!names_parse(host, desc, NAMES_DESC_SIZE - 1, &why)); /* no room */
	CHECK(!names_parse(host, desc, 0, &why));
	/* with its trailing dot it is still 253 */
	strcat(host, ".");
	CHECK(names_parse(host, desc, sizeof(desc), &why));
	make_host(host, NAMES_HOST_MAX + 1);
	CHECK(!names_parse(host, desc, sizeof(desc), &why));
	strcat(host, ".");
	CHECK(!names_parse(host, desc, sizeof(desc), &why));
	CHECK(!names_parse(host, desc, sizeof(desc), NULL)); /* why may be NULL */
}

static void check_format(const char *desc, const char *want)
{
	char host[NAMES_HOST_MAX + 1];
	int n = names_format(desc, host, sizeof(host));

	CHECK_INT(n, (long long)strlen(want));
	if (n >= 0)
		CHECK_STR(host, want);
}

static void test_format(void)
{
	char host[NAMES_HOST_MAX + 1], desc[1024];

	check_format("alice@example.com;app=web;type=server", "web.server.alice.example.com.nutss");
	check_format("sip:alice@example.com;type=server;app=web",
		     "web.server.alice.example.com.nutss");
	check_format("alice@Example.COM;APP=Web;Type=SERVER", "web.server.alice.example.com.nutss");
	/* other attributes have no place in a host name */
	check_format("bob@rr.net;app=ftp;type=client;software=x;version=2",
		     "ftp.client.bob.rr.net.nutss");
	CHECK_INT(names_format("alice@example.com;app=web", host, sizeof(host)), -EINVAL);
	CHECK_INT(names_format("alice@example.com;type=server", host, sizeof(host)), -EINVAL);
	CHECK_INT(names_format("alice@example.com;app;type=server", host, sizeof(host)), -EINVAL);
	CHECK_INT(names_format("alice@example.com;app=w.b;type=server", host, sizeof(host)),
		  -EINVAL);
	CHECK_INT(names_format("al.ice@example.com;app=web;type=server", host, sizeof(host)),
		  -EINVAL);
	CHECK_INT(names_format("al_ice@example.com;app=web;type=server", host, sizeof(host)),
		  -EINVAL);
	CHECK_INT(names_format("Alice@example.com;app=web;type=server", host, sizeof(host)),
		  -EINVAL);
	CHECK_INT(names_format("alice@[::1];app=web;type=server", host, sizeof(host)), -EINVAL);
	CHECK_INT(names_format("example.com;app=web;type=server", host, sizeof(host)), -EINVAL);
	CHECK_INT(names_format("", host, sizeof(host)), -EINVAL);
	CHECK_INT(names_format(NULL, host, sizeof(host)), -EINVAL);
	CHECK_INT(names_format("alice@example.com;app=web;type=server", host, 0), -ERANGE);
	CHECK_INT(names_format("alice@example.com;app=web;type=server", host, 34), -ERANGE);
	CHECK_INT(names_format("alice@example.com;app=web;type=server", host, 35), 34);
	/* 5 domain labels of 50: 254 + 9 bytes */
	snprintf(desc, sizeof(desc), "u@%.50s.%.50s.%.50s.%.50s.%.50s;app=a;type=t",
		 "dddddddddddddddddddddddddddddddddddddddddddddddddd",
		 "dddddddddddddddddddddddddddddddddddddddddddddddddd",
		 "dddddddddddddddddddddddddddddddddddddddddddddddddd",
		 "dddddddddddddddddddddddddddddddddddddddddddddddddd",
		 "dddddddddddddddddddddddddddddddddddddddddddddddddd");
	CHECK_INT(names_format(desc, host, sizeof(host)), -ENAMETOOLONG);
}

static void test_round_trip(void)
{
	static const char *const hosts[] = {
		"web.server.alice.example.com.nutss",
		"a.b.c.d.nutss",
		"ssh.server.bob-2.cs.cornell.edu.nutss",
		"x.y.z.1.2.3.4.nutss",
	};
	char desc[NAMES_DESC_SIZE], host[NAMES_HOST_MAX + 1], desc2[NAMES_DESC_SIZE];

	for (unsigned i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		CHECK(names_parse(hosts[i], desc, sizeof(desc), NULL));
		CHECK(names_format(desc, host, sizeof(host)) > 0);
		CHECK_STR(host, hosts[i]);
		CHECK(names_parse(host, desc2, sizeof(desc2), NULL));
		CHECK_STR(desc2, desc);
	}
}

static void sin4(struct sockaddr_in *s, struct in_addr a)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_addr = a;
	s->sin_port = htons(80);
}

static void sin6(struct sockaddr_in6 *s, struct in6_addr a)
{
	memset(s, 0, sizeof(*s));
	s->sin6_family = AF_INET6;
	s->sin6_addr = a;
}

static void test_table(void)
{
	struct names_table *t = names_new(NAMES_DEFAULT_MAX);
	struct in_addr a4, b4, c4;
	struct in6_addr a6, b6;
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	char desc[NAMES_DESC_SIZE], text[64];

	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_INT(names_lookup(t, "alice@example.com;app=web;type=server", &a4, &a6), 1);
	CHECK_INT(names_lookup(t, "bob@example.com;app=web;type=server", &b4, &b6), 2);
	CHECK_INT(names_lookup(t, "alice@example.com;app=web;type=server", &c4, NULL), 1);
	CHECK_INT(a4.s_addr, c4.s_addr);
	CHECK_INT(names_lookup(t, "bob@example.com;app=web;type=server", NULL, NULL), 2);
	CHECK_INT(names_count(t), 2);
	CHECK_STR(inet_ntop(AF_INET, &a4, text, sizeof(text)), "240.0.0.1");
	CHECK_STR(inet_ntop(AF_INET, &b4, text, sizeof(text)), "240.0.0.2");
	CHECK_STR(inet_ntop(AF_INET6, &a6, text, sizeof(text)), "100::1");
	CHECK_STR(inet_ntop(AF_INET6, &b6, text, sizeof(text)), "100::2");

	sin4(&s4, b4);
	CHECK(agent_addr_is_ours((struct sockaddr *)&s4, sizeof(s4)));
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4), desc, sizeof(desc)), 0);
	CHECK_STR(desc, "bob@example.com;app=web;type=server");
	sin6(&s6, a6);
	CHECK(agent_addr_is_ours((struct sockaddr *)&s6, sizeof(s6)));
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)), 0);
	CHECK_STR(desc, "alice@example.com;app=web;type=server");
	inet_pton(AF_INET6, "::ffff:240.0.0.2", &s6.sin6_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)), 0);
	CHECK_STR(desc, "bob@example.com;app=web;type=server");

	/* ours, but no such name */
	inet_pton(AF_INET6, "::ffff:240.0.0.3", &s6.sin6_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)),
		  -ENOENT);
	inet_pton(AF_INET6, "100::3", &s6.sin6_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)),
		  -ENOENT);
	inet_pton(AF_INET6, "100::", &s6.sin6_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)),
		  -ENOENT);
	inet_pton(AF_INET6, "100::1:0:0:1", &s6.sin6_addr); /* above 2^32 */
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)),
		  -ENOENT);
	inet_pton(AF_INET, "240.0.0.0", &s4.sin_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4), desc, sizeof(desc)),
		  -ENOENT);
	inet_pton(AF_INET, "255.255.255.255", &s4.sin_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4), desc, sizeof(desc)),
		  -ENOENT);

	/* not ours */
	inet_pton(AF_INET, "239.255.255.255", &s4.sin_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4), desc, sizeof(desc)),
		  -EAFNOSUPPORT);
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4), desc, sizeof(desc)),
		  -EAFNOSUPPORT);
	inet_pton(AF_INET6, "100:0:0:1::1", &s6.sin6_addr); /* 100::/48 but not /64 */
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)),
		  -EAFNOSUPPORT);
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &s6.sin6_addr);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)),
		  -EAFNOSUPPORT);
	inet_pton(AF_INET6, "::240.0.0.1", &s6.sin6_addr); /* v4-compatible is not mapped */
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s6, sizeof(s6), desc, sizeof(desc)),
		  -EAFNOSUPPORT);
	sin4(&s4, a4);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4) - 1, desc, sizeof(desc)),
		  -EAFNOSUPPORT);
	CHECK_INT(names_reverse(t, NULL, 0, desc, sizeof(desc)), -EAFNOSUPPORT);
	s4.sin_family = AF_UNIX;
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4), desc, sizeof(desc)),
		  -EAFNOSUPPORT);

	/* too small a buffer */
	sin4(&s4, a4);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4), desc, 10), -ERANGE);
	CHECK_INT(names_reverse(t, (struct sockaddr *)&s4, sizeof(s4), desc, 0), -ERANGE);

	CHECK_INT(names_lookup(t, "", &a4, &a6), -EINVAL);
	CHECK_INT(names_lookup(t, NULL, &a4, &a6), -EINVAL);
	{
		char *big = malloc(NAMES_KEY_SIZE + 1);

		memset(big, 'x', NAMES_KEY_SIZE);
		big[NAMES_KEY_SIZE] = 0;
		CHECK_INT(names_lookup(t, big, NULL, NULL), -ENAMETOOLONG);
		big[NAMES_KEY_SIZE - 1] = 0;
		CHECK_INT(names_lookup(t, big, NULL, NULL), 3);
		free(big);
	}
	names_free(t);
	names_free(NULL);
}

static void test_bound(void)
{
	struct names_table *t = names_new(1000);
	struct in_addr v4;
	struct in6_addr v6;
	char desc[64], text[64];

	CHECK(t != NULL);
	if (!t)
		return;
	for (unsigned i = 1; i <= 1000; i++) {
		snprintf(desc, sizeof(desc), "u%u@example.com;app=a;type=t", i);
		CHECK_INT(names_lookup(t, desc, &v4, &v6), i);
	}
	CHECK_STR(inet_ntop(AF_INET, &v4, text, sizeof(text)), "240.0.3.232");
	CHECK_STR(inet_ntop(AF_INET6, &v6, text, sizeof(text)), "100::3e8");
	CHECK_INT(names_lookup(t, "one@more.example;app=a;type=t", &v4, &v6), -ENOSPC);
	CHECK_INT(names_lookup(t, "u7@example.com;app=a;type=t", &v4, NULL),
		  7); /* old names still resolve */
	CHECK_INT(names_count(t), 1000);
	names_free(t);

	errno = 0;
	CHECK(names_new(0) == NULL && errno == EINVAL);
	CHECK(names_new(NAMES_LIMIT + 1) == NULL && errno == EINVAL);
	t = names_new(NAMES_LIMIT);
	CHECK(t != NULL);
	names_free(t);
}

#define THREADS	   8
#define PER_THREAD 3000

static struct names_table *shared;

/* Every thread looks up the same names in a different order; all must agree. */
static void *hammer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	uint32_t *seen = calloc(PER_THREAD, sizeof(*seen));
	char desc[64];

	for (unsigned k = 0; k < PER_THREAD; k++) {
		unsigned i = (k * 7 + id * 1013) % PER_THREAD;
		struct in_addr v4;
		struct sockaddr_in s = { .sin_family = AF_INET };
		char back[64];

		snprintf(desc, sizeof(desc), "u%u@example.com;app=a;type=t", i);
		if (names_lookup(shared, desc, &v4, NULL) <= 0)
			return (void *)1;
		seen[i] = v4.s_addr;
		s.sin_addr = v4;
		if (names_reverse(shared, (struct sockaddr *)&s, sizeof(s), back, sizeof(back)) ||
		    strcmp(back, desc))
			return (void *)1;
	}
	return seen;
}

static void test_threads(void)
{
	pthread_t th[THREADS];
	uint32_t *seen[THREADS];

	shared = names_new(NAMES_DEFAULT_MAX);
	CHECK(shared != NULL);
	if (!shared)
		return;
	for (unsigned i = 0; i < THREADS; i++)
		CHECK_INT(pthread_create(&th[i], NULL, hammer, (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < THREADS; i++) {
		void *r;

		pthread_join(th[i], &r);
		seen[i] = (uintptr_t)r > 1 ? r : NULL;
		CHECK(seen[i] != NULL);
	}
	CHECK_INT(names_count(shared), PER_THREAD);
	for (unsigned i = 1; i < THREADS; i++)
		if (seen[0] && seen[i])
			CHECK(!memcmp(seen[0], seen[i], PER_THREAD * sizeof(uint32_t)));
	for (unsigned i = 0; i < THREADS; i++)
		free(seen[i]);
	names_free(shared);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_parse_bad);
	RUN(test_parse_limits);
	RUN(test_format);
	RUN(test_round_trip);
	RUN(test_table);
	RUN(test_bound);
	RUN(test_threads);
	return check_summary();
}
