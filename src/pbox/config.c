// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/addr.h"
#include "core/conf.h"
#include "pbox/config.h"
#include "sip/digest.h"

void config_defaults(struct config *c)
{
	char err[64];
	const char *env = getenv("NUTSS_DATA_DIR");

	memset(c, 0, sizeof(*c));
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", env && *env ? env : "/var/lib/nutss");
	c->auth = true;
	/*
	 * MD5 alone: the SIP clients people run today give up on a challenge
	 * they cannot compute, even when another in the same response is MD5
	 * (baresip 1.0's libre: "Function not implemented"; SIPp 3.6 when
	 * SHA-256 comes first). Credentials a client sends with SHA-256 are
	 * still checked with SHA-256: the nonce is the same, the HA1 of both is
	 * stored. auth_algorithms = SHA-256 MD5 offers both (RFC 8760).
	 */
	snprintf(c->auth_algorithms, sizeof(c->auth_algorithms), "MD5");
	c->nonce_ttl = 30;
	c->t1_ms = 500;
	c->auth_check_uri = true;
	c->log_level = LOG_INFO;
	snprintf(c->user, sizeof(c->user), "nobody");
	c->max_tcp_connections = 10000;
	c->max_tcp_per_peer = 64;
	c->tcp_idle_timeout = 120;
	c->max_message_size = 65535;
	/*
	 * RFC 3261 and 6026 keep a UDP call's INVITE and BYE transactions 32 s
	 * after they end: 64 per call/s. 2^20 is ~16,000 calls/s from one peer
	 * (one peer's requests all reach one worker), above what a worker can
	 * process; 0.5-0.8 KB each.
	 */
	c->max_transactions = 1u << 20;
	c->transaction_memory = 32;
	c->batch_wait_us = 1000;
	c->token_lifetime = 60;
	c->token_source_check = true;
	config_parse_listen(&c->listen[0], "udp:0.0.0.0:5060", err, sizeof(err));
	config_parse_listen(&c->listen[1], "tcp:0.0.0.0:5060", err, sizeof(err));
	c->nlisten = 2;
}

int config_parse_listen(struct listen_addr *l, const char *spec, char *err, size_t errlen)
{
	struct addr_spec a;

	memset(l, 0, sizeof(*l));
	if (!addr_parse_spec(&a, spec))
		goto bad;
	l->proto = a.tcp ? LISTEN_TCP : LISTEN_UDP;
	l->addr = a.addr;
	l->addrlen = a.addrlen;
	snprintf(l->text, sizeof(l->text), "%s:%s", a.tcp ? "tcp" : "udp",
		 spec + (!strncmp(spec, "udp:", 4) || !strncmp(spec, "tcp:", 4) ? 4 : 0));
	/* canonical form ("::1", not "0:0::1"), computed once: compared on every message */
	snprintf(l->host, sizeof(l->host), "%s", a.host);
	l->port = a.port;
	return 0;
bad:
	snprintf(err, errlen,
		 "bad listen address '%s' (want udp:ADDR:PORT or tcp:ADDR:PORT, "
		 "IPv6 in brackets)",
		 spec);
	return -EINVAL;
}

int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	unsigned n = 0;
	int ret = 0;

	if (!strcmp(key, "domain")) {
		ret = conf_str(c->domain, sizeof(c->domain), value);
		if (!ret && (!*value || strchr(value, ' ') || strchr(value, '@')))
			ret = -EINVAL;
	} else if (!strcmp(key, "listen")) {
		if (c->nlisten >= CONFIG_MAX_LISTEN) {
			snprintf(err, errlen, "more than %d listen addresses", CONFIG_MAX_LISTEN);
			return -E2BIG;
		}
		ret = config_parse_listen(&c->listen[c->nlisten], value, err, errlen);
		if (ret < 0)
			return ret;
		c->nlisten++;
	} else if (!strcmp(key, "data_dir")) {
		ret = conf_str(c->data_dir, sizeof(c->data_dir), value);
	} else if (!strcmp(key, "workers")) {
		ret = conf_uint(value, 0, CONFIG_MAX_WORKERS, &c->workers);
	} else if (!strcmp(key, "auth")) {
		ret = conf_bool(value, &c->auth);
	} else if (!strcmp(key, "auth_check_uri")) {
		ret = conf_bool(value, &c->auth_check_uri);
	} else if (!strcmp(key, "auth_algorithms")) {
		char tmp[64], *save, *tok;

		ret = conf_str(tmp, sizeof(tmp), value);
		for (tok = ret ? NULL : strtok_r(tmp, " ,", &save); tok;
		     tok = strtok_r(NULL, " ,", &save))
			if (digest_alg_of(slice_cstr(tok)) == DIGEST_ALG_UNKNOWN)
				ret = -EINVAL;
		if (!ret)
			ret = conf_str(c->auth_algorithms, sizeof(c->auth_algorithms), value);
	} else if (!strcmp(key, "sip_t1")) {
		ret = conf_uint(value, 10, 10000, &c->t1_ms);
	} else if (!strcmp(key, "nonce_ttl")) {
		ret = conf_uint(value, 1, 3600, &c->nonce_ttl);
	} else if (!strcmp(key, "log_level")) {
		c->log_level = log_level_parse(value);
		ret = c->log_level < 0 ? -EINVAL : 0;
	} else if (!strcmp(key, "advertise")) {
		struct in6_addr a;

		ret = inet_pton(AF_INET, value, &a) == 1 || inet_pton(AF_INET6, value, &a) == 1
			      ? conf_str(c->advertise, sizeof(c->advertise), value)
			      : -EINVAL;
	} else if (!strcmp(key, "user")) {
		ret = conf_str(c->user, sizeof(c->user), value);
	} else if (!strcmp(key, "max_transactions")) {
		ret = conf_uint(value, 1, 1u << 24, &c->max_transactions);
	} else if (!strcmp(key, "transaction_memory")) {
		ret = conf_uint(value, 0, 65536, &c->transaction_memory);
	} else if (!strcmp(key, "batch_wait_us")) {
		ret = conf_uint(value, 0, 100000, &c->batch_wait_us);
	} else if (!strcmp(key, "max_tcp_connections")) {
		ret = conf_uint(value, 1, 1000000, &c->max_tcp_connections);
	} else if (!strcmp(key, "max_tcp_per_peer")) {
		ret = conf_uint(value, 1, 1000000, &c->max_tcp_per_peer);
	} else if (!strcmp(key, "tcp_idle_timeout")) {
		ret = conf_uint(value, 1, 86400, &c->tcp_idle_timeout);
	} else if (!strcmp(key, "max_message_size")) {
		ret = conf_uint(value, 1024, 65535, &n);
		c->max_message_size = n;
	} else if (!strcmp(key, "token_lifetime")) {
		ret = conf_uint(value, 1, 86400, &c->token_lifetime);
	} else if (!strcmp(key, "token_source_check")) {
		ret = conf_bool(value, &c->token_source_check);
	} else if (!strcmp(key, "next_hop")) {
		return config_parse_listen(&c->next_hop, value, err, errlen);
	} else if (!strcmp(key, "policy")) {
		if (c->npolicies >= CONFIG_MAX_POLICIES) {
			snprintf(err, errlen, "more than %d policy files", CONFIG_MAX_POLICIES);
			return -E2BIG;
		}
		ret = conf_str(c->policies[c->npolicies], sizeof(c->policies[0]), value);
		c->npolicies += !ret;
	} else {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -ENOENT;
	}
	if (ret < 0)
		snprintf(err, errlen, "bad value '%s' for %s", value, key);
	return ret;
}

/* The file's first listen line replaces the built-in defaults; the rest is config_set. */
struct file_state {
	struct config *c;
	bool listen_seen;
};

static int set_from_file(void *arg, const char *key, const char *value, char *msg, size_t msglen)
{
	struct file_state *st = arg;

	if (!strcmp(key, "listen") && !st->listen_seen) {
		st->c->nlisten = 0;
		st->listen_seen = true;
	}
	return config_set(st->c, key, value, msg, msglen);
}

int config_parse(struct config *c, const char *name, const char *buf, size_t len, char *err,
		 size_t errlen)
{
	struct file_state st = { c, false };

	return conf_parse(name, buf, len, set_from_file, &st, err, errlen);
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct file_state st = { c, false };

	return conf_load(path, set_from_file, &st, err, errlen);
}

int config_check(const struct config *c, char *err, size_t errlen)
{
	if (!c->domain[0]) {
		snprintf(err, errlen, "no domain: give --domain NAME or 'domain = NAME'");
		return -EINVAL;
	}
	if (!c->nlisten) {
		snprintf(err, errlen, "no listen address");
		return -EINVAL;
	}
	if (c->max_tcp_per_peer > c->max_tcp_connections) {
		snprintf(err, errlen, "max_tcp_per_peer is larger than max_tcp_connections");
		return -EINVAL;
	}
	return 0;
}

static bool is_wildcard(const struct listen_addr *l)
{
	if (l->addr.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&l->addr)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&l->addr)->sin6_addr);
}

/* The first address of family af on an interface that is up and not loopback. */
static bool first_address(int af, char *out, size_t len)
{
	struct ifaddrs *all, *i;
	bool found = false;

	if (getifaddrs(&all) < 0)
		return false;
	for (i = all; i && !found; i = i->ifa_next) {
		const void *a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != af || !(i->ifa_flags & IFF_UP) ||
		    (i->ifa_flags & IFF_LOOPBACK))
			continue;
		a = af == AF_INET ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
				  : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		/* a link-local IPv6 address needs a zone to be reached: not one to hand out */
		if (af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)a))
			continue;
		found = inet_ntop(af, a, out, (socklen_t)len) != NULL;
	}
	freeifaddrs(all);
	return found;
}

void config_name_wildcards(struct config *c)
{
	for (unsigned i = 0; i < c->nlisten; i++) {
		struct listen_addr *l = &c->listen[i];
		int af = l->addr.ss_family;
		struct in6_addr probe;
		const char *why = "set advertise to choose";

		if (!is_wildcard(l))
			continue;
		if (c->advertise[0] && inet_pton(af, c->advertise, &probe) == 1) {
			snprintf(l->host, sizeof(l->host), "%s", c->advertise);
			why = "advertise";
		} else if (!first_address(af, l->host, sizeof(l->host))) {
			snprintf(l->host, sizeof(l->host), "%s",
				 af == AF_INET ? "127.0.0.1" : "::1");
			why = "no other interface is up; set advertise";
		}
		log_info("%s is named %s in our Via and Record-Route (%s)", l->text, l->host, why);
	}
}
