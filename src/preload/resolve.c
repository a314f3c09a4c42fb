// SPDX-License-Identifier: MIT
/*
 * The resolver hooks (docs/shim.md, "Names"). A host ending in ".nutss" (any
 * case, one trailing dot allowed) is the session agent's to resolve: it
 * answers with the two addresses that stand for the name in this session,
 * 240.0.0.0 + N and 100::N (src/agent/names.h). Everything else goes to
 * libc untouched, and so does every reverse lookup of an address not in
 * those ranges. What a hook returns for a .nutss name follows glibc's
 * contract for the call, down to the order getaddrinfo() checks its
 * arguments in and the memory its results live in.
 *
 * Errors, for a .nutss name:
 *   malformed (the agent says EINVAL)    EAI_NONAME   HOST_NOT_FOUND
 *   not in a session ($NUTSS_AGENT unset) EAI_FAIL     NO_RECOVERY
 *   the agent is gone or talks nonsense   EAI_FAIL     NO_RECOVERY
 *   the session's table is full (ENOSPC)  EAI_FAIL     NO_RECOVERY
 *   interrupted, busy (EAGAIN, EINTR)     EAI_AGAIN    TRY_AGAIN
 *   out of memory                         EAI_MEMORY   NETDB_INTERNAL, errno ENOMEM
 *   out of descriptors and the like       EAI_SYSTEM   NETDB_INTERNAL, errno
 * and a line on stderr says why, but for a malformed name the agent did not
 * explain. A .nutss name never reaches DNS: outside a session it fails, it
 * does not leak.
 */
#include <errno.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/slice.h"
#include "preload/preload.h"

#define SUFFIX	   ".nutss"
#define SUFFIX_LEN (sizeof(SUFFIX) - 1)

/* Every flag glibc 2.36 accepts (0x300 are its deprecated IDN flags); more is EAI_BADFLAGS. */
#define GAI_FLAGS 0x7ff
#define GNI_FLAGS 0xff
/* glibc's defaults when hints is NULL. */
#define GAI_DEFAULT_FLAGS (AI_V4MAPPED | AI_ADDRCONFIG)
#define SERVBUF_MAX	  (1 << 20) /* the largest getservbyname_r() buffer we try */

/* What the agent's answer means, whichever call asked. */
enum outcome {
	OK,
	NONAME, /* not a name */
	NOADDR, /* a name, but not of the family asked */
	AGAIN,	/* try again */
	FAIL,	/* no session, no agent, a full table */
	NOMEM,	/* ENOMEM */
	SYSERR, /* see errno */
};

static const int eai_of[] = {
	[OK] = 0,	   [NONAME] = EAI_NONAME, [NOADDR] = EAI_NONAME, [AGAIN] = EAI_AGAIN,
	[FAIL] = EAI_FAIL, [NOMEM] = EAI_MEMORY,  [SYSERR] = EAI_SYSTEM,
};
static const int herr_of[] = {
	[OK] = 0,
	[NONAME] = HOST_NOT_FOUND,
	[NOADDR] = NO_DATA,
	[AGAIN] = TRY_AGAIN,
	[FAIL] = NO_RECOVERY,
	[NOMEM] = NETDB_INTERNAL,
	[SYSERR] = NETDB_INTERNAL,
};

static bool is_nutss(const char *host)
{
	size_t n;

	if (!host)
		return false;
	n = strlen(host);
	if (n && host[n - 1] == '.')
		n--;
	return n >= SUFFIX_LEN && ascii_ieq(host + n - SUFFIX_LEN, SUFFIX, SUFFIX_LEN);
}

/* The host as a canonical name: lowercase, no trailing dot. False when it is too long to be one. */
static bool normalize(const char *host, char *out, size_t size)
{
	size_t n = strnlen(host, size);

	if (n && host[n - 1] == '.')
		n--;
	if (n >= size)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)ascii_lower((unsigned char)host[i]);
	out[n] = 0;
	return true;
}

/* What a failed rpc_call() (errno e) or an agent's err means; says so on stderr. */
static enum outcome failure(const char *what, int e, bool from_agent, const char *reason)
{
	enum outcome o = FAIL;

	if (from_agent && e == EINVAL) {
		if (*reason)
			shim_warn("%s: %s", what, reason);
		return NONAME;
	}
	if (e == EAGAIN || e == EINTR || e == ETIMEDOUT)
		o = AGAIN;
	else if (e == ENOMEM)
		o = NOMEM;
	else if (!from_agent && (e == EMFILE || e == ENFILE || e == ENOBUFS))
		o = SYSERR;
	if (!from_agent && e == ENOENT)
		shim_warn("%s: not in a nutss run session ($%s is unset)", what, AGENT_ENV);
	else if (!from_agent && e == ECONNREFUSED)
		shim_warn("%s: the session's agent is gone", what);
	else if (from_agent && e == ENOSPC)
		shim_warn("%s: the session holds as many names as it can", what);
	else if (*reason)
		shim_warn("%s: %s", what, reason);
	else {
		errno = e;
		shim_warn("%s: %s: %m", what,
			  from_agent ? "the agent says" : "cannot ask the agent");
	}
	errno = e;
	return o;
}

/*
 * A name's addresses never change while its session lasts (the agent never
 * forgets one), so a process keeps what it learned: a program that connects
 * to a name again and again (an HTTP client's pool, a retry loop) asks the
 * agent once. CACHE_NAMES of them, the oldest replaced; a fork's child has
 * its parent's (the same session), an exec starts afresh.
 */
#define CACHE_NAMES 64

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static bool cache_atfork;
static unsigned cache_next;
static struct {
	char host[AGENT_NAME_MAX]; /* lowercased, no trailing dot; "" when empty */
	struct in_addr v4;
	struct in6_addr v6;
} cache[CACHE_NAMES];

/* A fork while another thread holds the lock: the child must not inherit it held. */
static void cache_before_fork(void)
{
	pthread_mutex_lock(&cache_lock);
}

static void cache_after_fork(void)
{
	pthread_mutex_unlock(&cache_lock);
}

/* host as the cache keys it into key (sizeof AGENT_NAME_MAX); false when it does not fit. */
static bool cache_key(const char *host, char *key)
{
	size_t n = strlen(host);

	if (n && host[n - 1] == '.')
		n--;
	if (n >= AGENT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)host[i]);
	key[n] = 0;
	return true;
}

static bool cache_get(const char *key, struct in_addr *v4, struct in6_addr *v6)
{
	bool hit = false;

	pthread_mutex_lock(&cache_lock);
	for (unsigned i = 0; i < CACHE_NAMES && !hit; i++)
		if (cache[i].host[0] && !strcmp(cache[i].host, key)) {
			*v4 = cache[i].v4;
			*v6 = cache[i].v6;
			hit = true;
		}
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

static void cache_put(const char *key, const struct in_addr *v4, const struct in6_addr *v6)
{
	pthread_mutex_lock(&cache_lock);
	if (!cache_atfork) {
		pthread_atfork(cache_before_fork, cache_after_fork, cache_after_fork);
		cache_atfork = true;
	}
	snprintf(cache[cache_next].host, sizeof(cache[cache_next].host), "%s", key);
	cache[cache_next].v4 = *v4;
	cache[cache_next].v6 = *v6;
	cache_next = (cache_next + 1) % CACHE_NAMES;
	pthread_mutex_unlock(&cache_lock);
}

/* Ask the agent for host's addresses (once a process). */
static enum outcome resolve(const char *host, struct in_addr *v4, struct in6_addr *v6)
{
	struct agent_req req;
	struct agent_rep rep;
	char key[AGENT_NAME_MAX];
	size_t n = strlen(host);

	if (n >= sizeof(req.name)) {
		shim_warn("%.64s...: name longer than %zu bytes", host, sizeof(req.name) - 1);
		return NONAME;
	}
	if (cache_key(host, key) && cache_get(key, v4, v6))
		return OK;
	rpc_req_init(&req, AGENT_RESOLVE);
	memcpy(req.name, host, n + 1);
	if (rpc_call(&req, -1, &rep, NULL) < 0)
		return failure(host, errno, false, "");
	if (rep.err)
		return failure(host, rep.err, true, rep.reason);
	*v4 = rep.v4;
	*v6 = rep.v6;
	if (cache_key(host, key))
		cache_put(key, v4, v6);
	return OK;
}

/*
 * Ask the agent for the name of sa, one of our addresses. OK with name
 * filled, NONAME when the session has no such name, NOMEM... otherwise;
 * FAIL with errno ENOENT, quietly, when there is no session to ask.
 */
static enum outcome reverse(const struct sockaddr *sa, socklen_t salen, char *name, size_t size)
{
	struct agent_req req;
	struct agent_rep rep;
	char what[64];

	if (salen > sizeof(req.addr))
		salen = sizeof(req.addr);
	rpc_req_init(&req, AGENT_REVERSE);
	memcpy(&req.addr, sa, salen);
	req.addrlen = salen;
	if (rpc_call(&req, -1, &rep, NULL) < 0) {
		int e = errno;

		if (e == ENOENT)
			return FAIL;
		if (!inet_ntop(
			    sa->sa_family,
			    sa->sa_family == AF_INET
				    ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
				    : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr,
			    what, sizeof(what)))
			strcpy(what, "address");
		return failure(what, e, false, "");
	}
	if (rep.err == ENOENT)
		return NONAME;
	if (rep.err) {
		snprintf(what, sizeof(what), "reverse lookup");
		return failure(what, rep.err, true, rep.reason);
	}
	if (strlen(rep.name) >= size)
		return NONAME; /* cannot be: the agent's names are host names */
	strcpy(name, rep.name);
	return OK;
}

static bool v6_set(const struct in6_addr *a)
{
	static const struct in6_addr any;

	return memcmp(a, &any, sizeof(any)) != 0;
}

/* ::ffff:a.b.c.d */
static struct in6_addr mapped(struct in_addr v4)
{
	struct in6_addr a = { 0 };

	a.s6_addr[10] = a.s6_addr[11] = 0xff;
	memcpy(&a.s6_addr[12], &v4, 4);
	return a;
}

/* -------- getaddrinfo -------- */

/*
 * glibc's table of socket types and protocols (gaih_inet_typeproto): with
 * neither in the hints, the default ones; a service name is looked up for
 * each protocol by its name; "raw" takes any protocol and no service.
 */
struct typeproto {
	int socktype, protocol;
	bool dflt, anyproto; /* among the defaults; any protocol, no service */
	const char *name;
};

static const struct typeproto typeproto[] = {
	{ SOCK_STREAM, IPPROTO_TCP, true, false, "tcp" },
	{ SOCK_DGRAM, IPPROTO_UDP, true, false, "udp" },
	{ SOCK_DCCP, IPPROTO_DCCP, false, false, "dccp" },
	{ SOCK_DGRAM, IPPROTO_UDPLITE, false, false, "udplite" },
	{ SOCK_STREAM, IPPROTO_SCTP, false, false, "sctp" },
	{ SOCK_SEQPACKET, IPPROTO_SCTP, false, false, "sctp" },
	{ SOCK_RAW, 0, true, true, "raw" },
};
#define NTYPEPROTO (sizeof(typeproto) / sizeof(typeproto[0]))

struct tuple {
	int socktype, protocol;
	uint16_t port; /* network order */
};

/* getservbyname_r(), with room enough: 0, or an EAI_* error. */
static int serv_port(const char *name, const char *proto, uint16_t *port)
{
	char stack[1024], *buf = stack, *big = NULL;
	size_t size = sizeof(stack);
	struct servent se, *s = NULL;
	int r;

	while ((r = getservbyname_r(name, proto, &se, buf, size, &s)) == ERANGE &&
	       size < SERVBUF_MAX) {
		char *p = realloc(big, size * 2);

		if (!p) {
			free(big);
			return EAI_MEMORY;
		}
		buf = big = p;
		size *= 2;
	}
	if (!r && s)
		*port = (uint16_t)s->s_port;
	free(big);
	return !r && s ? 0 : EAI_SERVICE;
}

/*
 * The (socket type, protocol, port) triples to return, as glibc's
 * get_servtuples() finds them. serv is NULL for no service, num its number
 * or -1 when it is a name. The count, or an EAI_* error (negative).
 */
static int tuples(const struct addrinfo *h, const char *serv, int num, struct tuple *t)
{
	const struct typeproto *tp = NULL;
	int n = 0, e;

	if (h->ai_socktype || h->ai_protocol) {
		for (unsigned i = 0; i < NTYPEPROTO && !tp; i++)
			if ((!h->ai_socktype || h->ai_socktype == typeproto[i].socktype) &&
			    (!h->ai_protocol || typeproto[i].anyproto ||
			     h->ai_protocol == typeproto[i].protocol))
				tp = &typeproto[i];
		if (!tp)
			return h->ai_socktype ? EAI_SOCKTYPE : EAI_SERVICE;
		if (serv && tp->anyproto)
			return EAI_SERVICE;
	}
	if (!serv || num >= 0) {
		uint16_t port = htons((uint16_t)(serv ? num : 0)); /* 70000 is 4464, as in glibc */

		if (tp) {
			t[0] = (struct tuple){ tp->socktype,
					       tp->anyproto ? h->ai_protocol : tp->protocol, port };
			return 1;
		}
		for (unsigned i = 0; i < NTYPEPROTO; i++)
			if (typeproto[i].dflt)
				t[n++] = (struct tuple){ typeproto[i].socktype,
							 typeproto[i].protocol, port };
		return n;
	}
	if (tp) {
		e = serv_port(serv, tp->name, &t[0].port);
		if (e)
			return e;
		t[0].socktype = tp->socktype;
		t[0].protocol = tp->anyproto ? h->ai_protocol : tp->protocol;
		return 1;
	}
	/* a service name and no hints: every protocol that has it */
	for (unsigned i = 0; i < NTYPEPROTO; i++) {
		if (typeproto[i].anyproto)
			continue;
		e = serv_port(serv, typeproto[i].name, &t[n].port);
		if (e == EAI_MEMORY)
			return e;
		if (e)
			continue;
		t[n].socktype = typeproto[i].socktype;
		t[n].protocol = typeproto[i].protocol;
		n++;
	}
	return n ? n : EAI_SERVICE;
}

/*
 * AI_ADDRCONFIG as glibc's __check_pf() sees it: a family counts when an
 * interface has an address of it other than 127.0.0.1 or ::1. When the
 * interfaces cannot be listed, both count (glibc's answer too).
 */
static void addrconfig(bool *v4, bool *v6)
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
		else if (i->ifa_addr->sa_family == AF_INET6 &&
			 !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			*v6 = true;
	}
	freeifaddrs(ifa);
}

/*
 * One result: struct addrinfo and its sockaddr in ONE malloc'd block, as
 * glibc lays them out, so that glibc's own freeaddrinfo() (which we do not
 * hook) frees our lists: it frees each node and its ai_canonname, nothing
 * else. ai_canonname is a block of its own, on the first node only.
 */
static struct addrinfo *new_node(int flags, int family, const struct tuple *t, const void *addr)
{
	socklen_t len =
		family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	struct addrinfo *ai = calloc(1, sizeof(*ai) + len);

	if (!ai)
		return NULL;
	ai->ai_flags = flags;
	ai->ai_family = family;
	ai->ai_socktype = t->socktype;
	ai->ai_protocol = t->protocol;
	ai->ai_addrlen = len;
	ai->ai_addr = (struct sockaddr *)(ai + 1);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;

		sin->sin_family = AF_INET;
		sin->sin_port = t->port;
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ai->ai_addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = t->port;
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
	}
	return ai;
}

struct addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} a;
};

static void free_list(struct addrinfo *ai)
{
	while (ai) {
		struct addrinfo *next = ai->ai_next;

		free(ai->ai_canonname);
		free(ai);
		ai = next;
	}
}

static int nutss_getaddrinfo(const char *host, const char *service, const struct addrinfo *hints,
			     struct addrinfo **res)
{
	static const struct addrinfo defaults = { .ai_flags = GAI_DEFAULT_FLAGS };
	struct addr addr[2]; /* AF_UNSPEC: v4, v6; AF_INET6 with AI_ALL: v6, mapped v4 */
	struct tuple t[NTYPEPROTO];
	struct addrinfo *head = NULL, **tail = &head;
	unsigned naddr = 0;
	int family, num = -1, nt;
	struct in_addr v4;
	struct in6_addr v6;
	const char *serv = NULL;
	char canon[AGENT_NAME_MAX];
	enum outcome o;

	/* in glibc's order: flags, family, AI_ADDRCONFIG, service, socket type, the name */
	if (!hints)
		hints = &defaults;
	if (hints->ai_flags & ~GAI_FLAGS)
		return EAI_BADFLAGS;
	family = hints->ai_family;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return EAI_FAMILY;
	if (hints->ai_flags & AI_ADDRCONFIG) {
		bool c4, c6;

		addrconfig(&c4, &c6);
		/* glibc narrows AF_UNSPEC to the one family configured; to none, it does not */
		if (family == AF_UNSPEC && c4 != c6)
			family = c4 ? AF_INET : AF_INET6;
		else if ((family == AF_INET && !c4) || (family == AF_INET6 && !c6))
			return EAI_NONAME;
	}
	if (service && *service) {
		char *end;

		serv = service;
		num = (int)strtoul(service, &end, 10); /* glibc's parse: " 80", "+80" are 80 */
		if (*end) {
			if (hints->ai_flags & AI_NUMERICSERV)
				return EAI_NONAME;
			num = -1;
		}
	}
	nt = tuples(hints, serv, num, t);
	if (nt < 0)
		return nt;
	if (hints->ai_flags & AI_NUMERICHOST)
		return EAI_NONAME; /* a .nutss name is never a numeric address */
	if (!res) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	o = resolve(host, &v4, &v6);
	if (o != OK)
		return eai_of[o];

	/*
	 * IPv4 first for AF_UNSPEC: a program that tries only the first
	 * address then needs no IPv6 socket, which hosts and containers with
	 * IPv6 disabled refuse; both addresses reach the same name.
	 */
	if ((family == AF_UNSPEC || family == AF_INET) && v4.s_addr)
		addr[naddr++] = (struct addr){ AF_INET, { .v4 = v4 } };
	if ((family == AF_UNSPEC || family == AF_INET6) && v6_set(&v6))
		addr[naddr++] = (struct addr){ AF_INET6, { .v6 = v6 } };
	/* AI_V4MAPPED: the mapped IPv4 address when there is no IPv6 one, or, with AI_ALL, too */
	if (family == AF_INET6 && (hints->ai_flags & AI_V4MAPPED) && v4.s_addr &&
	    (!naddr || (hints->ai_flags & AI_ALL)))
		addr[naddr++] = (struct addr){ AF_INET6, { .v6 = mapped(v4) } };
	if (!naddr)
		return EAI_NONAME;

	for (unsigned i = 0; i < naddr; i++)
		for (int j = 0; j < nt; j++) {
			*tail = new_node(hints->ai_flags, addr[i].family, &t[j], &addr[i].a);
			if (!*tail)
				goto nomem;
			tail = &(*tail)->ai_next;
		}
	if (hints->ai_flags & AI_CANONNAME) {
		if (!normalize(host, canon, sizeof(canon)))
			return EAI_NONAME; /* cannot be: resolve() checked the length */
		head->ai_canonname = strdup(canon);
		if (!head->ai_canonname)
			goto nomem;
	}
	*res = head;
	return 0;
nomem:
	free_list(head);
	return EAI_MEMORY;
}

EXPORT int getaddrinfo(const char *name, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	if (!is_nutss(name))
		return REAL(getaddrinfo)(name, service, hints, res);
	return nutss_getaddrinfo(name, service, hints, res);
}

/* -------- gethostbyname and gethostbyaddr -------- */

/*
 * A struct hostent of one address in buf: the alias and address lists
 * first (aligned for pointers), then the address, then the name. 0 or
 * ERANGE.
 */
static int fill_hostent(struct hostent *he, char *buf, size_t buflen, const char *name, int af,
			const void *addr, size_t addrlen)
{
	uintptr_t pad = (uintptr_t)buf % sizeof(char *)
				? sizeof(char *) - (uintptr_t)buf % sizeof(char *)
				: 0;
	size_t namelen = strlen(name) + 1;
	char **list;

	if (!buf || buflen < pad || buflen - pad < 3 * sizeof(char *) + addrlen + namelen)
		return ERANGE;
	list = (char **)(void *)(buf + pad);
	list[0] = NULL; /* no aliases */
	list[1] = (char *)(list + 3);
	list[2] = NULL;
	memcpy(list[1], addr, addrlen);
	memcpy(list[1] + addrlen, name, namelen);
	*he = (struct hostent){
		.h_name = list[1] + addrlen,
		.h_aliases = &list[0],
		.h_addrtype = af,
		.h_length = (int)addrlen,
		.h_addr_list = &list[1],
	};
	return 0;
}

/* gethostbyname2_r() for a .nutss name: glibc's return values (0 with *result NULL: not found). */
static int nutss_byname(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			struct hostent **result, int *herr)
{
	char canon[AGENT_NAME_MAX];
	struct in_addr v4;
	struct in6_addr v6;
	enum outcome o;
	int e;

	*result = NULL;
	if (af != AF_INET && af != AF_INET6) {
		*herr = NETDB_INTERNAL;
		errno = EAFNOSUPPORT;
		return EAFNOSUPPORT;
	}
	o = resolve(name, &v4, &v6);
	if (o == OK && (af == AF_INET ? !v4.s_addr : !v6_set(&v6)))
		o = NOADDR;
	if (o == OK && !normalize(name, canon, sizeof(canon)))
		o = NONAME;
	if (o != OK) {
		e = errno;
		*herr = herr_of[o];
		if (o == AGAIN)
			return EAGAIN;
		return o == NOMEM || o == SYSERR ? e : 0;
	}
	e = af == AF_INET ? fill_hostent(ret, buf, buflen, canon, af, &v4, sizeof(v4))
			  : fill_hostent(ret, buf, buflen, canon, af, &v6, sizeof(v6));
	if (e) {
		*herr = NETDB_INTERNAL;
		errno = e;
		return e;
	}
	*herr = NETDB_SUCCESS;
	*result = ret;
	return 0;
}

/*
 * The non-reentrant calls' results, one per thread and call (glibc keeps one
 * per call). Thread-specific data rather than __thread: it works whatever
 * code model the objects were compiled with.
 */
struct hostbuf {
	struct hostent he;
	char buf[4 * sizeof(char *) + sizeof(struct in6_addr) + AGENT_NAME_MAX];
};

enum { BYNAME, BYNAME2, BYADDR };

static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;
static bool buf_key_ok;

static void make_key(void)
{
	buf_key_ok = !pthread_key_create(&buf_key, free);
}

static struct hostbuf *hostbuf(int which)
{
	struct hostbuf *hb;

	pthread_once(&buf_once, make_key);
	if (!buf_key_ok) {
		errno = EAGAIN;
		return NULL;
	}
	hb = pthread_getspecific(buf_key);
	if (!hb) {
		hb = calloc(3, sizeof(*hb));
		if (!hb)
			return NULL;
		if (pthread_setspecific(buf_key, hb)) {
			free(hb);
			errno = ENOMEM;
			return NULL;
		}
	}
	return &hb[which];
}

static struct hostent *byname_static(int which, const char *name, int af)
{
	struct hostbuf *hb = hostbuf(which);
	struct hostent *r;
	int herr;

	if (!hb) {
		h_errno = NETDB_INTERNAL;
		return NULL;
	}
	nutss_byname(name, af, &hb->he, hb->buf, sizeof(hb->buf), &r, &herr);
	h_errno = herr;
	return r;
}

EXPORT struct hostent *gethostbyname(const char *name)
{
	if (!is_nutss(name))
		return REAL(gethostbyname)(name);
	return byname_static(BYNAME, name, AF_INET);
}

EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	if (!is_nutss(name))
		return REAL(gethostbyname2)(name, af);
	return byname_static(BYNAME2, name, af);
}

EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
			   struct hostent **result, int *h_errnop)
{
	int herr, e;

	if (!is_nutss(name))
		return REAL(gethostbyname_r)(name, ret, buf, buflen, result, h_errnop);
	e = nutss_byname(name, AF_INET, ret, buf, buflen, result, &herr);
	if (h_errnop)
		*h_errnop = herr;
	return e;
}

EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			    struct hostent **result, int *h_errnop)
{
	int herr, e;

	if (!is_nutss(name))
		return REAL(gethostbyname2_r)(name, af, ret, buf, buflen, result, h_errnop);
	e = nutss_byname(name, af, ret, buf, buflen, result, &herr);
	if (h_errnop)
		*h_errnop = herr;
	return e;
}

/* addr (len bytes of family type) as a sockaddr, when it is one of ours. */
static bool our_addr(const void *addr, socklen_t len, int type, struct sockaddr_storage *ss,
		     socklen_t *sslen)
{
	memset(ss, 0, sizeof(*ss));
	if (!addr)
		return false;
	if (type == AF_INET && len == sizeof(struct in_addr)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, len);
		*sslen = sizeof(*sin);
	} else if (type == AF_INET6 && len == sizeof(struct in6_addr)) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, len);
		*sslen = sizeof(*sin6);
	} else {
		return false;
	}
	return agent_addr_is_ours((struct sockaddr *)ss, *sslen);
}

/*
 * gethostbyaddr_r() for one of our addresses: 1 when it answered (its
 * return value in *ret_), 0 when libc should (no session).
 */
static int nutss_byaddr(const struct sockaddr_storage *ss, socklen_t sslen, const void *addr,
			socklen_t len, int type, struct hostent *ret, char *buf, size_t buflen,
			struct hostent **result, int *herr, int *ret_)
{
	char name[AGENT_NAME_MAX];
	enum outcome o;
	int e;

	*result = NULL;
	o = reverse((const struct sockaddr *)ss, sslen, name, sizeof(name));
	if (o == FAIL && errno == ENOENT)
		return 0;
	if (o != OK) {
		e = errno;
		*herr = herr_of[o];
		*ret_ = o == AGAIN ? EAGAIN : o == NOMEM || o == SYSERR ? e : 0;
		return 1;
	}
	e = fill_hostent(ret, buf, buflen, name, type, addr, len);
	if (e) {
		*herr = NETDB_INTERNAL;
		errno = e;
		*ret_ = e;
		return 1;
	}
	*herr = NETDB_SUCCESS;
	*result = ret;
	*ret_ = 0;
	return 1;
}

EXPORT int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret,
			   char *buf, size_t buflen, struct hostent **result, int *h_errnop)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int herr, r;

	if (!our_addr(addr, len, type, &ss, &sslen) ||
	    !nutss_byaddr(&ss, sslen, addr, len, type, ret, buf, buflen, result, &herr, &r))
		return REAL(gethostbyaddr_r)(addr, len, type, ret, buf, buflen, result, h_errnop);
	if (h_errnop)
		*h_errnop = herr;
	return r;
}

EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	struct sockaddr_storage ss;
	struct hostent *result;
	struct hostbuf *hb;
	socklen_t sslen;
	int herr, r;

	if (!our_addr(addr, len, type, &ss, &sslen))
		return REAL(gethostbyaddr)(addr, len, type);
	hb = hostbuf(BYADDR);
	if (!hb) {
		h_errno = NETDB_INTERNAL;
		return NULL;
	}
	if (!nutss_byaddr(&ss, sslen, addr, len, type, &hb->he, hb->buf, sizeof(hb->buf), &result,
			  &herr, &r))
		return REAL(gethostbyaddr)(addr, len, type);
	h_errno = herr;
	return result;
}

/* -------- getnameinfo -------- */

EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
		       char *serv, socklen_t servlen, int flags)
{
	char name[AGENT_NAME_MAX];
	enum outcome o;
	int e;

	/* libc answers whatever is not a host name of ours, its errors included */
	if (!sa || salen < sizeof(sa_family_t) || !agent_addr_is_ours(sa, salen) || !host ||
	    !hostlen || (flags & ~GNI_FLAGS) || (flags & NI_NUMERICHOST))
		return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	o = reverse(sa, salen, name, sizeof(name));
	if (o == FAIL && errno == ENOENT) /* no session: 240.0.0.0/4 is nobody's */
		return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	if (o == AGAIN || o == NOMEM || o == SYSERR)
		return eai_of[o];
	if (o != OK) {
		/* glibc: no name is the numeric address, unless a name is required */
		if (flags & NI_NAMEREQD)
			return EAI_NONAME;
		return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen,
					 flags | NI_NUMERICHOST);
	}
	if (strlen(name) >= hostlen)
		return EAI_OVERFLOW;
	if (serv && servlen) {
		e = REAL(getnameinfo)(sa, salen, NULL, 0, serv, servlen, flags);
		if (e)
			return e;
	}
	strcpy(host, name);
	return 0;
}
