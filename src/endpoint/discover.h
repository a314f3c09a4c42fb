/* SPDX-License-Identifier: MIT */
/*
 * Finding the P-Box when none is configured (docs/protocol.md §5): send a
 * probe that an M-Box on the path drops, and read the discovery reply it
 * draws, which names the domain's P-Boxes. The probe goes to NUTSS_DISCOVER
 * (an address beyond the M-Box) or else to the default gateways.
 */
#ifndef NUTSS_ENDPOINT_DISCOVER_H
#define NUTSS_ENDPOINT_DISCOVER_H

#include <stddef.h>

#include "core/addr.h"

#define EP_DISCOVER_PORT      9	  /* the discard port: a probe nothing drops goes nowhere */
#define EP_DISCOVER_PROBE_LEN 128 /* big enough for a reply naming every P-Box */
#define EP_DISCOVER_TRIES     3	  /* probes per target */
#define EP_DISCOVER_WAIT_MS   250 /* for a reply to each */
#define EP_DISCOVER_CACHE_S   60  /* an answer is reused this long (M-Boxes rate-limit replies) */

/*
 * The P-Box (UDP) an M-Box names in reply to probes toward target (an IP
 * address; NULL or "": the default gateways). 0, or -1 with why set.
 */
int ep_discover(struct addr_spec *pbox, const char *target, char *why, size_t whylen);

#endif
