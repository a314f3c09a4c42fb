/* SPDX-License-Identifier: MIT */
/*
 * nutss-pboxd configuration: defaults, then the config file (-c), then the
 * command line, all through config_set(), so a key means the same thing
 * wherever it is written. See examples/nutss-pboxd.conf.
 */
#ifndef NUTSS_PBOX_CONFIG_H
#define NUTSS_PBOX_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONFIG_MAX_LISTEN   16
#define CONFIG_MAX_POLICIES 16
#define CONFIG_MAX_WORKERS  256

enum listen_proto { LISTEN_UDP, LISTEN_TCP };

struct listen_addr {
	uint8_t proto; /* enum listen_proto */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[96]; /* "udp:127.0.0.1:5060" as given, for logs */
	char host[64]; /* the address in canonical text form, as a URI or Via names it */
	uint16_t port;
};

struct config {
	char domain[256];
	struct listen_addr listen[CONFIG_MAX_LISTEN];
	unsigned nlisten;
	bool listen_from_cli; /* --listen replaces the file's list rather than adding to it */
	char data_dir[PATH_MAX];
	unsigned workers; /* 0: one per core */
	bool auth;
	char auth_algorithms[64]; /* offered, in order: "SHA-256 MD5" */
	bool auth_check_uri;	  /* the digest uri must be the Request-URI (RFC 2617 3.2.2.5) */
	unsigned nonce_ttl;	  /* seconds */
	unsigned t1_ms;		  /* RFC 3261 T1: round-trip estimate; every SIP timer scales with it */
	int log_level;		  /* enum log_level */
	char user[64];		  /* drop to this user after binding, when started as root */
	char advertise[64];	  /* the address a wildcard listen is named by in Via and Record-Route */
	unsigned max_tcp_connections;
	unsigned max_tcp_per_peer;
	unsigned tcp_idle_timeout; /* seconds */
	unsigned max_message_size;
	unsigned max_transactions; /* per worker; past it new requests get 503 */
	unsigned transaction_memory; /* MiB per worker touched at start (pool_reserve) */
	unsigned batch_wait_us;	     /* under load, a worker's pause between turns (worker.c) */
	unsigned token_lifetime;     /* seconds a flow's token admits its ticket (docs/protocol.md) */
	bool token_source_check;     /* tokens only for addresses requests and answers came from */
	struct listen_addr next_hop; /* where requests go that no rule routes; addrlen 0: none */
	char policies[CONFIG_MAX_POLICIES][PATH_MAX];
	unsigned npolicies;
};

void config_defaults(struct config *c);

/* Set one key; on error writes a message (no file/line) into err. */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);

/* Parse a whole file's bytes; errors as "name:line: message". */
int config_parse(struct config *c, const char *name, const char *buf, size_t len, char *err,
		 size_t errlen);
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* "udp:ADDR:PORT", "tcp:[::1]:5060", or "ADDR:PORT" (udp). */
int config_parse_listen(struct listen_addr *l, const char *spec, char *err, size_t errlen);

/* What must hold before the daemon starts (a domain, a listen address, ...). */
int config_check(const struct config *c, char *err, size_t errlen);
/*
 * Name each wildcard listen address (0.0.0.0, ::) by a real one in our Via
 * and Record-Route, which peers send to: the advertise setting when it is
 * of that family, else the first address of an interface that is up and
 * not loopback, else loopback. Logged at info; call before workers start.
 */
void config_name_wildcards(struct config *c);

#endif
