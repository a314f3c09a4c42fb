// SPDX-License-Identifier: MIT
/* Interim: TCP is not built yet; tcp: listen addresses are refused at start. */
#include <errno.h>

#include "core/log.h"
#include "pbox/pbox.h"
#include "pbox/tcp.h"
#include "pbox/worker.h"

int tcp_worker_init(struct worker *w)
{
	(void)w;
	return 0;
}

void tcp_worker_free(struct worker *w)
{
	(void)w;
}

void tcp_event(struct worker *w, uint64_t tag, uint32_t events)
{
	(void)w, (void)tag, (void)events;
}

int tcp_send(struct worker *w, uint64_t conn, const char *buf, size_t len)
{
	(void)w, (void)conn, (void)buf, (void)len;
	return -ENOTCONN;
}

int tcp_send_to(struct worker *w, const struct sockaddr_storage *to, socklen_t tolen,
		const char *buf, size_t len)
{
	(void)w, (void)to, (void)tolen, (void)buf, (void)len;
	return -EPROTONOSUPPORT;
}
