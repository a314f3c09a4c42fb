/* SPDX-License-Identifier: MIT */
/*
 * Names and the addresses that stand for them in a `nutss run` session
 * (docs/shim.md). A program that cannot say "alice@example.com;app=web;
 * type=server" says the host name the paper gives it (paper 2, section 5):
 *
 *	web.server.alice.example.com.nutss	APP.TYPE.USER.DOMAIN.nutss
 *
 * and the agent hands out an address for it: the session's Nth name is
 * 240.0.0.0 + N and 100::N (src/proto/agent.h), which connect() brings back
 * to the agent. Parsing and formatting are pure; the table has a mutex of
 * its own, because every thread of the agent resolves.
 */
#ifndef NUTSS_AGENT_NAMES_H
#define NUTSS_AGENT_NAMES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define NAMES_LABEL_MAX 63  /* bytes in one label (RFC 1035 2.3.4) */
#define NAMES_HOST_MAX	253 /* bytes in a host name, without the trailing dot (RFC 1035) */
#define NAMES_SUFFIX	".nutss"
/*
 * A buffer that holds any descriptor names_parse() writes, NUL included: the
 * descriptor of a host is 3 bytes longer than the host ("user@domain;app=;
 * type=" against four dots and ".nutss").
 */
#define NAMES_DESC_SIZE (NAMES_HOST_MAX + 3 + 1)
/* The longest descriptor the table keeps, NUL included (names_lookup: -ENAMETOOLONG). */
#define NAMES_KEY_SIZE 1024
/* Names a session holds unless told otherwise. */
#define NAMES_DEFAULT_MAX 65536u
/*
 * The most any table can hold: 240.0.0.0/4 has 2^28 addresses; index 0 is
 * the network itself and 0x0fffffff would be 255.255.255.255, the broadcast.
 */
#define NAMES_LIMIT 0x0ffffffeu

/*
 * The descriptor a host name stands for: "web.server.alice.example.com.nutss"
 * -> "alice@example.com;app=web;type=server", lowercased (host names are
 * case-insensitive, so a user with capitals has no host name). Labels are
 * RFC 1123's: letters, digits and hyphens, not first or last, 1 to 63 bytes;
 * the name at most 253 bytes, one trailing dot allowed, the suffix in any
 * case; at least one domain label. False on anything else, with *why (may be
 * NULL) set to a static sentence; desc gets nothing then. Thread-safe.
 */
bool names_parse(const char *host, char *desc, size_t len, const char **why);

/*
 * The host name of a descriptor: its user, domain, app and type (all
 * required; other attributes have no place in a host name and are left out,
 * so the name stands for a partial descriptor that matches the same
 * registrations). Writes the host without a trailing dot, lowercased.
 * Returns its length, or -EINVAL (not a descriptor, a part missing, a part
 * that is no label, a user with capitals), -ENAMETOOLONG (over 253 bytes),
 * -ERANGE (len too small). Thread-safe.
 */
int names_format(const char *desc, char *host, size_t len);

struct names_table;

/* An empty table of at most max names (1..NAMES_LIMIT); NULL with errno. */
struct names_table *names_new(unsigned max);
void names_free(struct names_table *t);

/*
 * The addresses of desc (either out pointer may be NULL), numbering it when
 * it is new: the same descriptor always gets the same addresses. Keys are
 * compared byte for byte, so pass names_parse()'s canonical output. Returns
 * the index (1..max), or -EINVAL (empty or NULL desc), -ENAMETOOLONG (not
 * under NAMES_KEY_SIZE), -ENOSPC (the table holds max names), -ENOMEM.
 */
int names_lookup(struct names_table *t, const char *desc, struct in_addr *v4, struct in6_addr *v6);

/*
 * The descriptor an address stands for: AF_INET 240.0.0.0/4, AF_INET6
 * 100::/64 or ::ffff:240.0.0.0/100 (the port is not looked at). Returns 0,
 * or -EAFNOSUPPORT (not one of those ranges, or too short for its family),
 * -ENOENT (in range, but no name has that number), -ERANGE (size too small).
 */
int names_reverse(struct names_table *t, const struct sockaddr *sa, socklen_t salen, char *desc,
		  size_t size);

/* How many names the table holds. */
unsigned names_count(struct names_table *t);

#endif
