/* SPDX-License-Identifier: MIT */
/* REGISTER; see registrar.c. */
#ifndef NUTSS_PBOX_REGISTRAR_H
#define NUTSS_PBOX_REGISTRAR_H

#include <stdbool.h>

#include "pbox/pbox.h"
#include "sip/msg.h"

/*
 * A REGISTER: true when it has been dealt with (answered), false for one
 * whose bindings this registrar cannot hold (a To that is not sip: or
 * sips:), which the caller proxies on like any other request.
 */
bool registrar_handle(struct worker *w, struct pbox *pb, struct sip_msg *m,
		      const struct packet *pkt);

#endif
