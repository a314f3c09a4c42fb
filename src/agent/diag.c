// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/diag.h"

#define DIAG_BUF 16384 /* one read of the kernel's answers */

struct diag_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
};

/* addr's family, address (v4-mapped IPv6 as IPv4) and port into the request's id. */
static int put_addr(const struct sockaddr *sa, __be32 out[4], __be16 *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		out[0] = s->sin_addr.s_addr;
		*port = s->sin_port;
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		*port = s6->sin6_port;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(&out[0], &s6->sin6_addr.s6_addr[12], 4);
			return AF_INET;
		}
		memcpy(out, &s6->sin6_addr, 16);
		return AF_INET6;
	}
	return -1;
}

/*
 * Send req; call each answer's inet_diag_msg. 0, or -errno (-ENOENT: none).
 * One netlink socket a thread, kept: the ticker asks about every flow every
 * FLOWS_TICK_MS. Answers to an earlier request (one cut short by an error)
 * are told apart by their sequence number and skipped.
 */
static int ask(struct diag_req *req, void (*each)(const struct inet_diag_msg *, void *), void *arg)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	static __thread char buf[DIAG_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	static __thread int fd = -1;
	static __thread uint32_t seq;
	bool dump = req->nlh.nlmsg_flags & NLM_F_DUMP;

	if (fd < 0 && (fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) < 0)
		return -errno;
	req->nlh.nlmsg_len = sizeof(*req);
	req->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req->nlh.nlmsg_seq = ++seq;
	errno = 0;
	if (sendto(fd, req, sizeof(*req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		goto broken;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto broken;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) ? e->error : -EPROTO;
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
			    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				each(NLMSG_DATA(h), arg);
			if (!dump) /* an exact lookup has one answer */
				return 0;
		}
	}
broken: {
	int e = errno ? -errno : -EPROTO; /* recv's 0: the kernel closed it */

	close(fd);
	fd = -1;
	return e;
}
}

struct lookup {
	__be16 dport; /* the remote port asked for */
	int state;
};

static void held(const struct inet_diag_msg *m, void *arg)
{
	struct lookup *l = arg;

	/*
	 * The kernel's lookup falls back to a listening socket on the local port
	 * when the connection is gone: that is not the flow.
	 */
	if (m->idiag_state == TCP_LISTEN || m->id.idiag_dport != l->dport) {
		l->state = DIAG_NONE;
		return;
	}
	/* an orphan (its last descriptor closed, FIN sent) has no inode */
	l->state = m->idiag_inode && m->idiag_state != TCP_TIME_WAIT && m->idiag_state != TCP_CLOSE
			   ? DIAG_HELD
			   : DIAG_ORPHAN;
}

int diag_socket(int proto, const struct sockaddr *local, const struct sockaddr *remote)
{
	struct diag_req req = { .nlh.nlmsg_flags = NLM_F_REQUEST };
	struct lookup l = { .state = DIAG_NONE };
	int lf, rf, ret;

	lf = put_addr(local, req.r.id.idiag_src, &req.r.id.idiag_sport);
	rf = put_addr(remote, req.r.id.idiag_dst, &req.r.id.idiag_dport);
	if (lf < 0 || lf != rf)
		return -EAFNOSUPPORT;
	l.dport = req.r.id.idiag_dport;
	if (proto == IPPROTO_UDP) {
		/* the kernel's UDP lookup takes the pair the other way round (its comment: "historical") */
		__be32 a[4];
		__be16 p = req.r.id.idiag_sport;

		memcpy(a, req.r.id.idiag_src, sizeof(a));
		memcpy(req.r.id.idiag_src, req.r.id.idiag_dst, sizeof(a));
		memcpy(req.r.id.idiag_dst, a, sizeof(a));
		req.r.id.idiag_sport = req.r.id.idiag_dport;
		req.r.id.idiag_dport = p;
	}
	req.r.sdiag_family = (__u8)lf;
	req.r.sdiag_protocol = (__u8)proto;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	ret = ask(&req, held, &l);
	if (ret == -ENOENT)
		return DIAG_NONE;
	return ret < 0 ? ret : l.state;
}

struct listening {
	uint16_t port;
	int found;
};

static void listen_match(const struct inet_diag_msg *m, void *arg)
{
	struct listening *l = arg;

	if (ntohs(m->id.idiag_sport) == l->port && m->idiag_inode)
		l->found = 1;
}

int diag_listening(uint16_t port)
{
	struct listening l = { .port = port };
	static const int families[] = { AF_INET, AF_INET6 };

	for (unsigned i = 0; i < 2 && !l.found; i++) {
		struct diag_req req = { .nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP };
		int ret;

		req.r.sdiag_family = (__u8)families[i];
		req.r.sdiag_protocol = IPPROTO_TCP;
		req.r.idiag_states = 1u << TCP_LISTEN;
		ret = ask(&req, listen_match, &l);
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	return l.found;
}
