/* SPDX-License-Identifier: MIT */
/* A worker's own state; see worker.c. */
#ifndef NUTSS_PBOX_WORKER_H
#define NUTSS_PBOX_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pbox/pbox.h"

struct store;
#include "sip/limits.h"

struct worker_stats {
	uint64_t received, sent, send_dropped, too_large, refused, forwarded;
};

struct worker {
	struct pbox *pb;
	unsigned id;
	pthread_t thread;
	bool started;
	int epfd;
	int udp_pub[CONFIG_MAX_LISTEN];	 /* SO_REUSEPORT on the listen port */
	int udp_priv[CONFIG_MAX_LISTEN]; /* ephemeral port: our Via, so responses come back here */
	struct sockaddr_storage pub_addr[CONFIG_MAX_LISTEN], priv_addr[CONFIG_MAX_LISTEN];
	socklen_t pub_addrlen[CONFIG_MAX_LISTEN], priv_addrlen[CONFIG_MAX_LISTEN];
	struct sip_msg *msg; /* parse scratch, reused for every message */
	struct store *store; /* this worker's own SQLite connection (registrations) */
	struct {
		struct mmsghdr hdr[PBOX_BATCH];
		struct iovec iov[PBOX_BATCH];
		struct sockaddr_storage addr[PBOX_BATCH];
		char buf[PBOX_BATCH][SIP_MAX_MSG_SIZE + 1]; /* +1: a full buffer means truncated */
	} in;
	struct outq {
		int fd;
		unsigned n;
		struct mmsghdr hdr[PBOX_BATCH];
		struct iovec iov[PBOX_BATCH];
		struct sockaddr_storage addr[PBOX_BATCH];
		char buf[PBOX_BATCH][SIP_MAX_MSG_SIZE];
	} out;
	struct worker_stats stats;
};

void worker_flush(struct worker *w);

#endif
