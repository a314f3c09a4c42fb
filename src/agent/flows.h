/* SPDX-License-Identifier: MIT */
/*
 * The flows of a session, from setup to BYE. The agent holds no reference
 * to a plain flow's socket (the program's last close must close it), so it
 * asks the kernel every FLOWS_TICK_MS whether some process still holds it
 * (diag.c); an encrypted flow ends when its relay does. Either way the
 * dialog (endpoint/dialog.c, keyed here by a negative id instead of a
 * descriptor) sends its BYE.
 */
#ifndef NUTSS_AGENT_FLOWS_H
#define NUTSS_AGENT_FLOWS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define FLOWS_TICK_MS 250   /* how often plain flows are looked at */
#define FLOWS_GRACE_MS 2000 /* a flow not yet seen connected may take this long to appear */

/* A key for dialog_attach() and the flows here: negative, never a descriptor. */
int flows_key(void);

/* Watch the proto socket local -> remote; when no process holds it, BYE key's dialog. */
int flows_watch(int key, int proto, const struct sockaddr *local, const struct sockaddr *remote);

/* What the program's end of an encrypted flow's socket pair stands for. */
struct relay_info {
	uint64_t ino; /* the inode of the program's end */
	int family;   /* of the socket it replaced */
	struct sockaddr_storage peer, self;
	socklen_t peerlen, selflen;
};

/* A relay that ended (tls.c's done callback; arg: the key as intptr_t): BYE its dialog. */
void flows_relay_done(void *arg, int err);

/* A relay begun for key: counted live, and findable by its inode, until flows_relay_done. */
void flows_relay_begin(int key, const struct relay_info *ri);

/* The relay whose program end has inode ino; false when none. */
bool flows_relay_find(uint64_t ino, struct relay_info *out);

/* Look at the watched flows (the agent's loop, every FLOWS_TICK_MS). */
void flows_tick(uint64_t now_ms);

/* Flows not yet ended: the session lasts while there are some. */
unsigned flows_live(void);

/* End every flow (BYE), at the agent's exit. */
void flows_end_all(void);

#endif
