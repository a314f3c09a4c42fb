// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "endpoint/discover.h"
#include "proto/discovery.h"

#define MAX_TARGETS 4

struct target {
	struct sockaddr_storage a;
	socklen_t len;
	char text[INET6_ADDRSTRLEN];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool target_add(struct target *t, unsigned *n, int af, const void *addr)
{
	if (*n >= MAX_TARGETS)
		return false;
	memset(&t[*n], 0, sizeof(t[*n]));
	if (af == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&t[*n].a;

		s->sin_family = AF_INET;
		s->sin_port = htons(EP_DISCOVER_PORT);
		memcpy(&s->sin_addr, addr, 4);
		t[*n].len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&t[*n].a;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(EP_DISCOVER_PORT);
		memcpy(&s->sin6_addr, addr, 16);
		t[*n].len = sizeof(*s);
	}
	inet_ntop(af, addr, t[*n].text, sizeof(t[*n].text));
	(*n)++;
	return true;
}

/*
 * The default routes' gateways, from /proc/net/route (IPv4: destination
 * and mask 0, gateway flag) and /proc/net/ipv6_route (::/0 with a next hop).
 * Lines longer than the buffer are skipped whole.
 */
static void default_gateways(struct target *t, unsigned *n)
{
	char line[512];
	FILE *f = fopen("/proc/net/route", "re");

	while (f && fgets(line, sizeof(line), f)) {
		char ifname[32];
		unsigned dst, gw, flags, mask;

		if (sscanf(line, "%31s %x %x %x %*d %*d %*d %x", ifname, &dst, &gw, &flags,
			   &mask) == 5 &&
		    dst == 0 && mask == 0 && (flags & 0x3) == 0x3 && gw) /* RTF_UP | RTF_GATEWAY */
			target_add(t, n, AF_INET, &gw); /* as the kernel wrote it: network order */
	}
	if (f)
		fclose(f);
	f = fopen("/proc/net/ipv6_route", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char dst[33], src[33], hop[33];
		unsigned dlen, slen;
		uint8_t a[16];
		bool ok = true;

		if (sscanf(line, "%32s %x %32s %x %32s", dst, &dlen, src, &slen, hop) != 5 ||
		    dlen || strspn(dst, "0") != 32 || strlen(hop) != 32)
			continue;
		for (int i = 0; i < 16 && ok; i++) {
			unsigned byte;

			ok = sscanf(hop + 2 * i, "%2x", &byte) == 1;
			a[i] = (uint8_t)byte;
		}
		if (ok && strspn(hop, "0") != 32)
			target_add(t, n, AF_INET6, a);
	}
	if (f)
		fclose(f);
}

/* The first P-Box of a reply that speaks UDP. */
static bool pick(const struct discovery *d, struct addr_spec *pbox)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	for (unsigned i = 0; i < d->npbox; i++) {
		char host[INET6_ADDRSTRLEN], spec[INET6_ADDRSTRLEN + 16];

		if (d->pbox[i].proto != 0 && d->pbox[i].proto != IPPROTO_UDP)
			continue;
		if (!memcmp(d->pbox[i].addr, mapped, 12)) {
			inet_ntop(AF_INET, d->pbox[i].addr + 12, host, sizeof(host));
			snprintf(spec, sizeof(spec), "udp:%s:%u", host, d->pbox[i].port);
		} else {
			inet_ntop(AF_INET6, d->pbox[i].addr, host, sizeof(host));
			snprintf(spec, sizeof(spec), "udp:[%s]:%u", host, d->pbox[i].port);
		}
		if (addr_parse_spec(pbox, spec))
			return true;
	}
	return false;
}

/* Probe one target. 1: answered; 0: nothing (or refused); -1: a local error, in why. */
static int probe(const struct target *t, struct addr_spec *pbox, char *why, size_t whylen)
{
	uint8_t out[EP_DISCOVER_PROBE_LEN] = { 'N', 'T', 'K', 'Q', 1 }, in[512];
	int fd = socket(t->a.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)&t->a, t->len) < 0) {
		snprintf(why, whylen, "cannot probe %s: %s", t->text, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (int try = 0; try < EP_DISCOVER_TRIES; try++) {
		uint64_t until = now_ms() + EP_DISCOVER_WAIT_MS;

		if (send(fd, out, sizeof(out), 0) < 0 && errno != ECONNREFUSED)
			break;
		for (uint64_t now = now_ms(); now < until; now = now_ms()) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			struct discovery d;
			const char *bad;
			ssize_t n;

			if (poll(&p, 1, (int)(until - now)) <= 0)
				continue;
			/* connected: only the target's address and the probed port get here */
			n = recv(fd, in, sizeof(in), 0);
			if (n < 0 && errno == ECONNREFUSED) {
				close(fd); /* the target itself answered: no M-Box dropped the probe
					    */
				return 0;
			}
			if (n > 0 && discovery_parse(&d, in, (size_t)n, &bad) && pick(&d, pbox)) {
				close(fd);
				return 1;
			}
		}
	}
	close(fd);
	return 0;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char target[INET6_ADDRSTRLEN + 1];
	struct addr_spec pbox;
	uint64_t until_ms;
} cache;

int ep_discover(struct addr_spec *pbox, const char *target, char *why, size_t whylen)
{
	struct target t[MAX_TARGETS];
	unsigned n = 0;
	char tried[256] = "";
	int r = 0;

	if (!target)
		target = "";
	pthread_mutex_lock(&cache_lock);
	if (cache.until_ms > now_ms() && !strcmp(cache.target, target)) {
		*pbox = cache.pbox;
		pthread_mutex_unlock(&cache_lock);
		return 0;
	}
	pthread_mutex_unlock(&cache_lock);
	if (*target) {
		uint8_t a[16];

		if (inet_pton(AF_INET, target, a) == 1)
			target_add(t, &n, AF_INET, a);
		else if (inet_pton(AF_INET6, target, a) == 1)
			target_add(t, &n, AF_INET6, a);
		else {
			snprintf(why, whylen, "'%.64s' is not an IP address to probe", target);
			return -1;
		}
	} else {
		default_gateways(t, &n);
		if (!n) {
			snprintf(why, whylen, "no default gateway to probe for an M-Box");
			return -1;
		}
	}
	for (unsigned i = 0; i < n && r <= 0; i++) {
		size_t used = strlen(tried);

		snprintf(tried + used, sizeof(tried) - used, "%s%s", used ? ", " : "", t[i].text);
		r = probe(&t[i], pbox, why, whylen);
	}
	if (r <= 0) {
		if (r == 0)
			snprintf(why, whylen, "no M-Box answered a discovery probe toward %s",
				 tried);
		return -1;
	}
	pthread_mutex_lock(&cache_lock);
	snprintf(cache.target, sizeof(cache.target), "%s", target);
	cache.pbox = *pbox;
	cache.until_ms = now_ms() + EP_DISCOVER_CACHE_S * 1000ull;
	pthread_mutex_unlock(&cache_lock);
	return 0;
}
