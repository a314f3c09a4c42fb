/* SPDX-License-Identifier: MIT */
/*
 * nutss-pboxd's shared state: the configuration, the registrations, and
 * the workers (docs/pbox.md). One `struct pbox` per process.
 */
#ifndef NUTSS_PBOX_H
#define NUTSS_PBOX_H

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pbox/config.h"

#define PBOX_BATCH 32 /* datagrams per recvmmsg/sendmmsg */

struct keyring;
struct location;
struct nonce_ctx;
struct policy;
struct users;
struct worker;

struct pbox {
	struct config cfg;
	struct location *loc;
	struct nonce_ctx *nonces;
	struct users *users;   /* swapped on SIGHUP */
	struct policy *policy; /* swapped on SIGHUP; NULL: no policy files, flows unchecked */
	struct keyring *keys;  /* swapped on SIGHUP; NULL: no domain keys, no tokens */
	struct worker **workers;
	unsigned nworkers;
	volatile sig_atomic_t stop; /* set by the main thread; workers poll it */
	char totag[24];		    /* the To tag of our own responses: random per process */
	uint64_t dialog_key[2];	    /* the MAC key of our Record-Routes (dialog.c) */
	unsigned loaded;	    /* registrations restored from the store at start */
};

/* An IPv4 or IPv6 address in the room it needs (a sockaddr_storage takes 128 bytes). */
union inet_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* A received datagram or stream message, with where it came from. */
struct packet {
	const char *buf;
	size_t len;
	struct sockaddr_storage src;
	socklen_t srclen;
	unsigned listen; /* index into cfg.listen */
	int fd;		 /* the socket it came in on */
	uint8_t proto;	 /* enum listen_proto: how it came, so how to answer */
	uint64_t conn;	 /* TCP: the connection's id (tcp.h), stable while it is open; 0 for UDP */
};

int worker_start(struct pbox *pb, unsigned id, struct worker **out);
void worker_join(struct worker *w);
void worker_free(struct worker *w);

/* Queue a datagram for the worker's next sendmmsg batch. */
void worker_send(struct worker *w, int fd, const struct sockaddr *to, socklen_t tolen,
		 const char *buf, size_t len);
/* Send to where pkt came from, the way it came: its UDP socket or its TCP connection. */
void worker_reply(struct worker *w, const struct packet *pkt, const char *buf, size_t len);
/*
 * Send a request we forward: over UDP from the worker's private socket
 * beside listen address li (its port is in our Via), over TCP on this
 * worker's connection to `to` (opened when there is none). 0 or -errno.
 */
int worker_forward(struct worker *w, uint8_t proto, unsigned li, const struct sockaddr_storage *to,
		   socklen_t tolen, const char *buf, size_t len);

/* proxy.c: what happens to one message (the per-message path of docs/pbox.md). */
struct sip_msg;
void proxy_handle(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt);

#endif
