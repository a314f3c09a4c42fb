/* SPDX-License-Identifier: MIT */
/* The accepting side; see listen.c. */
#ifndef NUTSS_ENDPOINT_LISTEN_H
#define NUTSS_ENDPOINT_LISTEN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "endpoint/connect.h"
#include "endpoint/dialog.h"

struct listener;

/* A TCP flow an INVITE authorized (listen_take). */
struct listen_flow {
	struct ep_dialog d;
	char peer[NUTSS_NAME_MAX]; /* the caller, as authenticated */
	char enc[EP_ENC_MAX];	   /* "" or the encryption the flow must carry */
	char peer_fp[EP_FP_MAX];   /* the caller's certificate fingerprint when encrypted */
};

/* Stop the listener whose descriptor is fd (unregister, close). false when fd is none. */
bool listen_close(int fd);

/*
 * Register name for TCP flows to port, on which the caller listens itself
 * (nutss run's agent: the program's socket); tickets are taken on UDP port.
 * fp: our certificate's fingerprint, so an INVITE asking for TLS is
 * answered (NULL: 488). NULL with errno and nutss_last_status on failure.
 */
struct listener *listen_serve(const char *name, uint16_t port, const char *fp);

/* The flow an INVITE authorized from peer, taken off the list (false: none; counted refused). */
bool listen_take(struct listener *l, const struct sockaddr_storage *peer, struct listen_flow *lf);

/* The listener's UA: what a taken flow's dialog_attach() needs. */
const struct ua *listen_ua(const struct listener *l);

/* Unregister and free (NULL: nothing). */
void listen_stop(struct listener *l);

#endif
