/* SPDX-License-Identifier: MIT */
/*
 * nutss run --serve PORT=ATTRS: which of the program's listening ports
 * stand for which names. A name is registered when the program listens on
 * its port (not before: a flow must find someone there), unregistered when
 * no socket listens there any more.
 */
#ifndef NUTSS_AGENT_SERVE_H
#define NUTSS_AGENT_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERVE_MAX 32 /* --serve options in one session */

struct listener;

/*
 * "8000=app=web" (or "8000=app=web;type=server"; type=server when absent)
 * for user@domain: the name alice@example.com;app=web;type=server on port
 * 8000. 0, or -1 with why.
 */
int serve_add(const char *spec, const char *user, const char *domain, char *why, size_t len);

/*
 * The program listens on port: register its name, once (fp: our
 * certificate's fingerprint). 1 registered (or already), 0 not a served
 * port, -1 with errno and nutss_last_status when the P-Box refused.
 */
int serve_listen(uint16_t port, const char *fp);

/* The listener of a registered port, or NULL. */
struct listener *serve_find(uint16_t port);

/* Unregister the ports nothing listens on any more (every FLOWS_TICK_MS). */
void serve_tick(void);

/* Ports registered now. */
unsigned serve_live(void);

/* Unregister all, at exit. */
void serve_stop_all(void);

#endif
