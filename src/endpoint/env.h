/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's configuration, from the environment (NUTSS_USER,
 * NUTSS_PASSWORD_FILE, NUTSS_PBOX or else discovery through the M-Box,
 * NUTSS_TIMEOUT_MS), and the error each thread's last call left
 * (nutss_last_status).
 */
#ifndef NUTSS_ENDPOINT_ENV_H
#define NUTSS_ENDPOINT_ENV_H

#include <stddef.h>

#include "core/addr.h"

#define EP_PASSWORD_MAX 1024 /* bytes in NUTSS_PASSWORD_FILE's first line */
#define EP_TIMEOUT_MS	8000 /* a connect's default bound */

struct ep_cfg {
	char user[128];	  /* "bob" */
	char domain[256]; /* "example.com" */
	char password[EP_PASSWORD_MAX + 1];
	struct addr_spec pbox;
	unsigned timeout_ms;
};

/* Read the environment. 0, or -1 with errno (EINVAL, EACCES, ENOENT) and the reason set. */
int ep_cfg_load(struct ep_cfg *c);
/* Wipe the password. */
void ep_cfg_clear(struct ep_cfg *c);

/*
 * Record this thread's failure: errno err, SIP status (0 when none), and a
 * reason for nutss_last_status. Returns -1, with errno set, for
 * `return ep_fail(...)`.
 */
int ep_fail(int err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A call that succeeds clears the last failure. */
void ep_ok(void);

#endif
