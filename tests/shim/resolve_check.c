// SPDX-License-Identifier: MIT
/*
 * The resolver hooks of libnutss-preload.so (src/preload/resolve.c), seen
 * from a program: run it under `nutss run` with a .nutss host name,
 *
 *	nutss run -- build/asan/tests/shim/resolve_check web.server.alice.example.com.nutss
 *
 * and it prints PASS or FAIL per check and "N passed, N failed". Every
 * address must be in the session's ranges (240.0.0.0/4, 100::/64), every
 * call must agree with the others about them, and a name that is not
 * .nutss ("localhost") must still resolve through libc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int passed, failed;

static void result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		passed++;
	else
		failed++;
}

static bool ours4(const struct in_addr *a)
{
	return (ntohl(a->s_addr) & 0xf0000000u) == 0xf0000000u;
}

static bool ours6(const struct in6_addr *a)
{
	static const unsigned char net[8] = { 0x01, 0x00 };

	return !memcmp(a->s6_addr, net, 8);
}

static bool is_mapped_of(const struct in6_addr *a, const struct in_addr *v4)
{
	return IN6_IS_ADDR_V4MAPPED(a) && !memcmp(&a->s6_addr[12], v4, 4);
}

/* The families glibc's AI_ADDRCONFIG counts: an address other than 127.0.0.1 or ::1. */
static void configured(bool *v4, bool *v6)
{
	struct ifaddrs *ifa, *i;

	*v4 = *v6 = false;
	if (getifaddrs(&ifa) < 0) {
		*v4 = *v6 = true;
		return;
	}
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
			*v4 = true;
		if (i->ifa_addr->sa_family == AF_INET6 &&
		    !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			*v6 = true;
	}
	freeifaddrs(ifa);
}

/* What one getaddrinfo() answer holds. */
struct answer {
	int err;
	unsigned n, n4, n6, nmapped;
	int first_family;
	struct in_addr v4;  /* the (one) IPv4 address */
	struct in6_addr v6; /* the (one) IPv6 address, not mapped */
	bool v4_same, v6_same, in_range, port_ok, types_ok, v6_before_mapped;
	char canon[NI_MAXHOST];
};

static struct answer ask(const char *host, const char *serv, int flags, int family, int socktype,
			 int port)
{
	struct addrinfo hints = { .ai_flags = flags, .ai_family = family, .ai_socktype = socktype };
	struct answer a = { .v4_same = true,
			    .v6_same = true,
			    .in_range = true,
			    .port_ok = true,
			    .types_ok = true,
			    .v6_before_mapped = true };
	struct addrinfo *res, *p;
	int seen_types = 0;

	a.err = getaddrinfo(host, serv, flags < 0 ? NULL : &hints, &res);
	if (a.err)
		return a;
	a.first_family = res->ai_family;
	if (res->ai_canonname)
		snprintf(a.canon, sizeof(a.canon), "%s", res->ai_canonname);
	for (p = res; p; p = p->ai_next) {
		a.n++;
		if (p != res && p->ai_canonname)
			a.canon[0] = '?'; /* glibc names the first result only */
		if (p->ai_socktype == SOCK_STREAM && p->ai_protocol == IPPROTO_TCP)
			seen_types |= 1;
		else if (p->ai_socktype == SOCK_DGRAM && p->ai_protocol == IPPROTO_UDP)
			seen_types |= 2;
		else if (p->ai_socktype == SOCK_RAW)
			seen_types |= 4;
		if (p->ai_family == AF_INET && p->ai_addrlen == sizeof(struct sockaddr_in)) {
			const struct sockaddr_in *s = (const void *)p->ai_addr;

			if (a.n4++ && s->sin_addr.s_addr != a.v4.s_addr)
				a.v4_same = false;
			a.v4 = s->sin_addr;
			a.in_range &= ours4(&s->sin_addr);
			a.port_ok &= ntohs(s->sin_port) == port;
		} else if (p->ai_family == AF_INET6 &&
			   p->ai_addrlen == sizeof(struct sockaddr_in6)) {
			const struct sockaddr_in6 *s = (const void *)p->ai_addr;

			if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
				struct in_addr m;

				memcpy(&m, &s->sin6_addr.s6_addr[12], 4);
				a.nmapped++;
				a.in_range &= ours4(&m);
			} else {
				if (a.nmapped)
					a.v6_before_mapped = false;
				if (a.n6++ && memcmp(&a.v6, &s->sin6_addr, sizeof(a.v6)))
					a.v6_same = false;
				a.v6 = s->sin6_addr;
				a.in_range &= ours6(&s->sin6_addr);
			}
			a.port_ok &= ntohs(s->sin6_port) == port;
		} else {
			a.in_range = false;
		}
	}
	/* with no socket type asked, glibc's three: TCP, UDP and raw */
	a.types_ok = socktype ? seen_types == (socktype == SOCK_STREAM ? 1 : 2) : seen_types == 7;
	freeaddrinfo(res); /* glibc's, freeing the shim's list */
	return a;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s |= 0x20;
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "web.server.alice.example.com.nutss";
	char canon[NI_MAXHOST], name[NI_MAXHOST], serv[NI_MAXSERV], buf[1024], t4[64], t6[64];
	struct in_addr v4 = { 0 };
	struct in6_addr v6 = IN6ADDR_ANY_INIT;
	struct hostent he, *hp;
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(8080) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(8080) };
	struct answer a;
	bool c4, c6;
	int e, herr;

	snprintf(canon, sizeof(canon), "%s", host);
	if (canon[0] && canon[strlen(canon) - 1] == '.')
		canon[strlen(canon) - 1] = 0;
	lower(canon);
	configured(&c4, &c6);

	/* getaddrinfo, by hints */
	a = ask(host, "80", AI_V4MAPPED, AF_INET, 0, 80);
	result(!a.err && a.n4 == 3 && !a.n6 && !a.nmapped && a.in_range && a.v4_same && a.port_ok &&
		       a.types_ok,
	       "getaddrinfo AF_INET: one IPv4 address in 240.0.0.0/4, TCP, UDP, raw, port 80 (%s)",
	       a.err ? gai_strerror(a.err) : "ok");
	v4 = a.v4;
	a = ask(host, "80", 0, AF_INET6, 0, 80);
	result(!a.err && a.n6 == 3 && !a.n4 && !a.nmapped && a.in_range && a.v6_same && a.port_ok &&
		       a.types_ok,
	       "getaddrinfo AF_INET6: one IPv6 address in 100::/64 (%s)",
	       a.err ? gai_strerror(a.err) : "ok");
	v6 = a.v6;
	inet_ntop(AF_INET, &v4, t4, sizeof(t4));
	inet_ntop(AF_INET6, &v6, t6, sizeof(t6));
	printf("# %s is %s and %s\n", host, t4, t6);

	a = ask(host, NULL, -1, 0, 0, 0);
	/* NULL hints are AI_V4MAPPED | AI_ADDRCONFIG */
	result(!a.err && a.in_range && a.types_ok && a.port_ok && a.n4 == (c4 || !c6 ? 3u : 0u) &&
		       a.n6 == (c6 || !c4 ? 3u : 0u) && (!a.n4 || a.first_family == AF_INET) &&
		       (!a.n4 || a.v4.s_addr == v4.s_addr) && (!a.n6 || !memcmp(&a.v6, &v6, 16)),
	       "getaddrinfo NULL hints: IPv4 first, then IPv6, families as AI_ADDRCONFIG allows "
	       "(configured: v4 %d, v6 %d; got %u + %u)",
	       c4, c6, a.n4, a.n6);
	a = ask(host, "80", 0, AF_UNSPEC, SOCK_STREAM, 80);
	result(!a.err && a.n == 2 && a.n4 == 1 && a.n6 == 1 && a.first_family == AF_INET &&
		       a.types_ok && a.in_range,
	       "getaddrinfo AF_UNSPEC SOCK_STREAM: IPv4 then IPv6, TCP only");
	a = ask(host, "80", AI_V4MAPPED, AF_INET6, SOCK_STREAM, 80);
	result(!a.err && a.n == 1 && a.n6 == 1 && !memcmp(&a.v6, &v6, 16),
	       "getaddrinfo AF_INET6 AI_V4MAPPED: the IPv6 address alone (there is one)");
	{
		struct addrinfo hints = { .ai_flags = AI_V4MAPPED | AI_ALL,
					  .ai_family = AF_INET6,
					  .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL;
		bool ok;

		e = getaddrinfo(host, "80", &hints, &res);
		ok = !e && res && res->ai_next && !res->ai_next->ai_next &&
		     !memcmp(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, &v6, 16) &&
		     is_mapped_of(&((struct sockaddr_in6 *)res->ai_next->ai_addr)->sin6_addr, &v4);
		result(ok,
		       "getaddrinfo AF_INET6 AI_V4MAPPED|AI_ALL: the IPv6 address, then ::ffff:%s",
		       t4);
		if (!e)
			freeaddrinfo(res);
	}
	a = ask(host, "80", AI_ADDRCONFIG, AF_UNSPEC, SOCK_STREAM, 80);
	result(!a.err && a.n4 == (c4 || !c6 ? 1u : 0u) && a.n6 == (c6 || !c4 ? 1u : 0u),
	       "getaddrinfo AI_ADDRCONFIG: IPv4 %s, IPv6 %s", c4 || !c6 ? "yes" : "no",
	       c6 || !c4 ? "yes" : "no");
	a = ask(host, "80", AI_ADDRCONFIG, AF_INET6, SOCK_STREAM, 80);
	result(c6 ? !a.err && a.n6 == 1 : a.err == EAI_NONAME,
	       "getaddrinfo AF_INET6 AI_ADDRCONFIG: %s", c6 ? "the IPv6 address" : "EAI_NONAME");
	a = ask(host, "80", AI_NUMERICHOST, AF_UNSPEC, 0, 80);
	result(a.err == EAI_NONAME, "getaddrinfo AI_NUMERICHOST: EAI_NONAME (%s)",
	       a.err ? gai_strerror(a.err) : "answered");
	a = ask(host, NULL, AI_CANONNAME, AF_INET, SOCK_STREAM, 0);
	result(!a.err && !strcmp(a.canon, canon), "getaddrinfo AI_CANONNAME: \"%s\" on the first",
	       a.canon);
	a = ask(host, "http", 0, AF_INET, SOCK_STREAM, 80);
	result(!a.err ? a.port_ok : a.err == EAI_SERVICE,
	       "getaddrinfo service \"http\": port 80 (%s)", a.err ? gai_strerror(a.err) : "ok");
	a = ask(host, "http", AI_NUMERICSERV, AF_INET, SOCK_STREAM, 80);
	result(a.err == EAI_NONAME, "getaddrinfo AI_NUMERICSERV \"http\": EAI_NONAME");
	a = ask(host, "80", 0, AF_INET, SOCK_RAW, 80);
	result(a.err == EAI_SERVICE, "getaddrinfo SOCK_RAW with a service: EAI_SERVICE");
	a = ask(host, "80", 0, 12345, 0, 80);
	result(a.err == EAI_FAMILY, "getaddrinfo family 12345: EAI_FAMILY");
	a = ask(host, "80", 0x10000, AF_INET, 0, 80);
	result(a.err == EAI_BADFLAGS, "getaddrinfo flag 0x10000: EAI_BADFLAGS");
	a = ask("Web..nutss", "80", 0, AF_INET, 0, 80);
	result(a.err == EAI_NONAME, "getaddrinfo malformed \"Web..nutss\": EAI_NONAME (%s)",
	       a.err ? gai_strerror(a.err) : "answered");

	/* gethostbyname and friends */
	hp = gethostbyname(host);
	result(hp && hp->h_addrtype == AF_INET && hp->h_length == 4 && hp->h_addr_list[0] &&
		       !hp->h_addr_list[1] && !memcmp(hp->h_addr_list[0], &v4, 4) &&
		       !strcmp(hp->h_name, canon) && hp->h_aliases && !hp->h_aliases[0],
	       "gethostbyname: %s named %s", t4, hp ? hp->h_name : hstrerror(h_errno));
	hp = gethostbyname2(host, AF_INET6);
	result(hp && hp->h_addrtype == AF_INET6 && hp->h_length == 16 &&
		       !memcmp(hp->h_addr_list[0], &v6, 16),
	       "gethostbyname2 AF_INET6: %s", t6);
	hp = NULL;
	e = gethostbyname_r(host, &he, buf, sizeof(buf), &hp, &herr);
	result(!e && hp == &he && !memcmp(he.h_addr_list[0], &v4, 4) && !strcmp(he.h_name, canon),
	       "gethostbyname_r: %s", t4);
	hp = &he;
	e = gethostbyname_r(host, &he, buf, 16, &hp, &herr);
	result(e == ERANGE && !hp && herr == NETDB_INTERNAL,
	       "gethostbyname_r with 16 bytes: ERANGE (%d)", e);
	e = gethostbyname2_r(host, AF_INET6, &he, buf, sizeof(buf), &hp, &herr);
	result(!e && hp && !memcmp(he.h_addr_list[0], &v6, 16), "gethostbyname2_r AF_INET6: %s",
	       t6);
	hp = gethostbyname("web..nutss");
	result(!hp && h_errno == HOST_NOT_FOUND, "gethostbyname malformed: HOST_NOT_FOUND");

	/* reverse */
	s4.sin_addr = v4;
	e = getnameinfo((struct sockaddr *)&s4, sizeof(s4), name, sizeof(name), serv, sizeof(serv),
			NI_NUMERICSERV | NI_NAMEREQD);
	result(!e && !strcmp(name, canon) && !strcmp(serv, "8080"),
	       "getnameinfo %s: \"%s\" port \"%s\" (%s)", t4, e ? "" : name, e ? "" : serv,
	       e ? gai_strerror(e) : "ok");
	s6.sin6_addr = v6;
	e = getnameinfo((struct sockaddr *)&s6, sizeof(s6), name, sizeof(name), NULL, 0,
			NI_NAMEREQD);
	result(!e && !strcmp(name, canon), "getnameinfo %s: \"%s\"", t6, e ? "" : name);
	memset(&s6.sin6_addr, 0, 16);
	s6.sin6_addr.s6_addr[10] = s6.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s6.sin6_addr.s6_addr[12], &v4, 4);
	e = getnameinfo((struct sockaddr *)&s6, sizeof(s6), name, sizeof(name), NULL, 0,
			NI_NAMEREQD);
	result(!e && !strcmp(name, canon), "getnameinfo ::ffff:%s: \"%s\"", t4, e ? "" : name);
	e = getnameinfo((struct sockaddr *)&s4, sizeof(s4), name, sizeof(name), NULL, 0,
			NI_NUMERICHOST);
	result(!e && !strcmp(name, t4), "getnameinfo NI_NUMERICHOST: \"%s\"", e ? "" : name);
	e = getnameinfo((struct sockaddr *)&s4, sizeof(s4), name, 8, NULL, 0, 0);
	result(e == EAI_OVERFLOW, "getnameinfo into 8 bytes: EAI_OVERFLOW");
	inet_pton(AF_INET, "255.255.255.254", &s4.sin_addr);
	e = getnameinfo((struct sockaddr *)&s4, sizeof(s4), name, sizeof(name), NULL, 0,
			NI_NAMEREQD);
	result(e == EAI_NONAME, "getnameinfo unnumbered 255.255.255.254 NI_NAMEREQD: EAI_NONAME");
	e = getnameinfo((struct sockaddr *)&s4, sizeof(s4), name, sizeof(name), NULL, 0, 0);
	result(!e && !strcmp(name, "255.255.255.254"),
	       "getnameinfo unnumbered 255.255.255.254: the number");

	/* forward, then reverse, then forward again */
	{
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL, *res2 = NULL;
		bool ok = false;

		if (!getaddrinfo(host, "22", &hints, &res) &&
		    !getnameinfo(res->ai_addr, res->ai_addrlen, name, sizeof(name), NULL, 0,
				 NI_NAMEREQD) &&
		    !getaddrinfo(name, "22", &hints, &res2))
			ok = res->ai_addrlen == res2->ai_addrlen &&
			     !memcmp(res->ai_addr, res2->ai_addr, res->ai_addrlen);
		result(ok, "forward, reverse, forward: the same address");
		if (res)
			freeaddrinfo(res);
		if (res2)
			freeaddrinfo(res2);
	}

	hp = gethostbyaddr(&v4, 4, AF_INET);
	result(hp && !strcmp(hp->h_name, canon) && hp->h_addrtype == AF_INET &&
		       !memcmp(hp->h_addr_list[0], &v4, 4),
	       "gethostbyaddr %s: %s", t4, hp ? hp->h_name : hstrerror(h_errno));
	hp = gethostbyaddr(&v6, 16, AF_INET6);
	result(hp && !strcmp(hp->h_name, canon) && hp->h_addrtype == AF_INET6,
	       "gethostbyaddr %s: %s", t6, hp ? hp->h_name : hstrerror(h_errno));
	hp = NULL;
	e = gethostbyaddr_r(&v4, 4, AF_INET, &he, buf, sizeof(buf), &hp, &herr);
	result(!e && hp && !strcmp(he.h_name, canon), "gethostbyaddr_r %s", t4);
	e = gethostbyaddr_r(&v4, 4, AF_INET, &he, buf, 8, &hp, &herr);
	result(e == ERANGE && !hp, "gethostbyaddr_r with 8 bytes: ERANGE");

	/* not ours: libc's */
	{
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL;
		bool ok = false;

		e = getaddrinfo("localhost", "80", &hints, &res);
		if (!e)
			for (struct addrinfo *p = res; p; p = p->ai_next)
				ok |= (p->ai_family == AF_INET &&
				       ntohl(((struct sockaddr_in *)p->ai_addr)->sin_addr.s_addr) ==
					       INADDR_LOOPBACK) ||
				      (p->ai_family == AF_INET6 &&
				       IN6_IS_ADDR_LOOPBACK(
					       &((struct sockaddr_in6 *)p->ai_addr)->sin6_addr));
		result(ok, "getaddrinfo localhost: the loopback address, through libc (%s)",
		       e ? gai_strerror(e) : "ok");
		if (!e)
			freeaddrinfo(res);
	}
	hp = gethostbyname("localhost");
	result(hp && hp->h_addrtype == AF_INET &&
		       ntohl(((struct in_addr *)hp->h_addr_list[0])->s_addr) == INADDR_LOOPBACK,
	       "gethostbyname localhost: 127.0.0.1, through libc");
	s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e = getnameinfo((struct sockaddr *)&s4, sizeof(s4), name, sizeof(name), NULL, 0,
			NI_NUMERICHOST);
	result(!e && !strcmp(name, "127.0.0.1"),
	       "getnameinfo 127.0.0.1 NI_NUMERICHOST, through libc");

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
