/* SPDX-License-Identifier: MIT */
/*
 * A domain's token keys, in DATA_DIR/keys (mode 0600; docs/protocol.md,
 * "Domain keys"): at most two live keys, the newest makes tokens and
 * either verifies them, so a rotation drops no flow. Written by
 * `nutss key`, read by nutss-pboxd (at start and on SIGHUP) and
 * nutss-mboxd. A key's secret is never logged nor printed.
 */
#ifndef NUTSS_PROTO_KEYS_H
#define NUTSS_PROTO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"

#define KEYS_FILE     "keys"
#define KEYS_MAX      2	   /* live at once: the signing key and the one before */
#define KEYS_MAX_FILE 4096 /* the file; a longer one is not ours */
#define KEYS_DOMAIN_MAX 255

struct domain_key {
	uint8_t id[TOKEN_KEY_ID_LEN]; /* domain tag, then the serial (big-endian) */
	uint32_t serial;
	uint8_t secret[TOKEN_KEY_LEN];
	int64_t created; /* seconds since the epoch */
};

struct keyring {
	char domain[KEYS_DOMAIN_MAX + 1];
	unsigned n;
	struct domain_key keys[KEYS_MAX]; /* keys[0] is the newest: it signs */
};

/* The first 4 bytes of SHA-256("nutss-domain:" + the domain in lower case). 0 or -EINVAL. */
int keys_domain_tag(const char *domain, uint8_t tag[4]);
/* Parse a keys file's text. 0, or -EINVAL with a "line N: ..." message in err. */
int keys_parse(struct keyring *kr, const char *text, size_t len, char *err, size_t errlen);
/* Read DATA_DIR/keys: 0, -ENOENT when there is none, -EINVAL (err says why), -errno. */
int keys_load(struct keyring *kr, const char *data_dir, char *err, size_t errlen);
/* Write it (0600, through a temporary file and rename: never half-written). 0 or -errno. */
int keys_save(const struct keyring *kr, const char *data_dir);
/* A new keyring for domain with one fresh key (getrandom). 0 or -errno. */
int keys_new(struct keyring *kr, const char *domain, int64_t now);
/* A fresh signing key; the previous one stays to verify; older ones go. 0 or -errno. */
int keys_rotate(struct keyring *kr, int64_t now);
/* Drop the key with this serial; not the last one (-EBUSY). 0 or -ENOENT. */
int keys_retire(struct keyring *kr, uint32_t serial);
const struct domain_key *keys_signing(const struct keyring *kr);
const struct domain_key *keys_find(const struct keyring *kr, const uint8_t id[TOKEN_KEY_ID_LEN]);
/* Wipe the secrets (before freeing or reusing the memory). */
void keys_clear(struct keyring *kr);

#endif
