/* SPDX-License-Identifier: MIT */
/*
 * In-dialog requests are routed only along dialogs this P-Box authorized
 * (docs/pbox.md, "In-dialog requests"). The Record-Route we put in a
 * dialog-creating request carries ;dlg=, a MAC over its Call-ID and the
 * caller's From tag under a key derived from the data dir's secret; both
 * ends copy it into their route sets, so their later requests (ACK, BYE,
 * re-INVITE, NOTIFY) come back with it in a Route. A request with a To tag
 * but no such Route was not in a dialog we let through: without the check,
 * a To tag alone would skip authentication and policy.
 */
#ifndef NUTSS_PBOX_DIALOG_H
#define NUTSS_PBOX_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pbox;
struct sip_msg;

/* ";dlg=" and 16 hex digits */
#define DIALOG_PARAM_LEN 21

/* Derive the route key from the data dir's secret (the nonce key); 0 or -errno. */
int dialog_key_init(struct pbox *pb, const uint8_t *secret, size_t len);

/* The Record-Route parameter for a dialog-creating request m: ";dlg=..." and a NUL. */
void dialog_param(const struct pbox *pb, const struct sip_msg *m,
		  char out[static DIALOG_PARAM_LEN + 1]);

enum dialog_verdict {
	DIALOG_FORGED,	  /* it names us, or a name of ours, outside any dialog we routed */
	DIALOG_OURS,	  /* along a dialog we record-routed: its ;dlg= verifies */
	DIALOG_ELSEWHERE, /* not through us: relaying, like an initial request */
};

/*
 * Where an in-dialog request m (its To has a tag) stands: when its first
 * Route names us, one of its leading Routes naming us must carry a ;dlg=
 * made for its Call-ID and one of its tags (the caller's From tag, which
 * is the To tag of the callee's requests); without a Route naming us, its
 * Request-URI must not name our domain (no dialog is routed by name).
 */
enum dialog_verdict dialog_check(const struct pbox *pb, const struct sip_msg *m);

#endif
