/* SPDX-License-Identifier: MIT */
/*
 * The users a P-Box authenticates: address of record -> HA1 per algorithm,
 * read from the store at start and on SIGHUP into an immutable table that
 * workers read without locks; a reload builds a new table and swaps the
 * pointer (the old one is freed at the next reload, by when no worker can
 * still be inside a lookup that began before the swap).
 */
#ifndef NUTSS_PBOX_USERS_H
#define NUTSS_PBOX_USERS_H

#include "core/slice.h"
#include "sip/digest.h"

struct users;

/* Load every user from the store in data_dir. */
int users_load(struct users **out, const char *data_dir);
void users_free(struct users *u);

/* HA1 (lowercase hex) of aor for alg; -ENOENT for an unknown user or an algorithm without HA1. */
int users_ha1(const struct users *u, struct slice aor, enum digest_alg alg,
	      char out[DIGEST_HEX_BUF]);
unsigned users_count(const struct users *u);

#endif
