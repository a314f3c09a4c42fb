// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"

bool addr_parse_spec(struct addr_spec *a, const char *spec)
{
	const char *s = spec, *colon;
	char host[64], *end;
	unsigned long port;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (!strncmp(s, "udp:", 4)) {
		s += 4;
	} else if (!strncmp(s, "tcp:", 4)) {
		a->tcp = true;
		s += 4;
	}
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return false;
		hlen = (size_t)(rb - s - 1);
		s++;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		hlen = (size_t)(colon - s);
	}
	if (hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (!colon[1] || colon[1] == '-' || colon[1] == '+')
		return false;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port < 1 || port > 65535)
		return false;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&a->addr)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->addr;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a->addrlen = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, a->host, sizeof(a->host));
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&a->addr)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a->addrlen = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, a->host, sizeof(a->host));
	} else {
		return false;
	}
	a->port = (uint16_t)port;
	return true;
}

socklen_t addr_in_family(const struct sockaddr_storage *in, int family,
			 struct sockaddr_storage *out)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)in;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (in->ss_family == family && (family == AF_INET || family == AF_INET6)) {
		*out = *in;
		return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	}
	if (family != AF_INET6 || in->ss_family != AF_INET)
		return 0;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = v4->sin_port;
	s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s6->sin6_addr.s6_addr[12], &v4->sin_addr, 4);
	return sizeof(*s6);
}
