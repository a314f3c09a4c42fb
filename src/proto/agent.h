/* SPDX-License-Identifier: MIT */
/*
 * The local protocol between libnutss-preload.so (src/preload/, in every
 * process of a `nutss run` session) and the session's agent (src/agent/,
 * a process `nutss run` starts before it execs the command).
 *
 * One request per connection: the shim connects a SOCK_SEQPACKET unix
 * socket to $NUTSS_AGENT (a path in a 0700 directory of the session; the
 * agent also checks SO_PEERCRED's uid), sends one struct agent_req, maybe
 * with one descriptor (SCM_RIGHTS), and reads one struct agent_rep, maybe
 * with one descriptor. Fixed-size, host-endian, versioned: both ends are
 * on this machine and of one build.
 *
 *   RESOLVE  name: host "web.server.alice.example.com.nutss"
 *            -> v4, v6: the addresses that stand for it in this session
 *   REVERSE  addr: one of those addresses -> name: its host name
 *   CONNECT  fd: the program's socket; addr: the address it connects to
 *            (one of ours); type -> addr: where the shim connect()s the
 *            program's socket, which the agent has bound and whose flow
 *            it has authorized; or, when the flow is encrypted, an fd
 *            (AGENT_REP_FD): one end of a socket pair that takes the
 *            program's socket's place, TLS running in the agent
 *   LISTEN   port, type: the program listens on port; the agent registers
 *            the name --serve gave it (AGENT_REP_NOT_SERVED: none, leave it)
 *   ACCEPT   fd: a connection the program accepted; port: the listening
 *            port -> ok (an authorized flow), err EACCES (none: close it),
 *            or AGENT_REP_FD: encrypted, this socket-pair end instead
 *   PEER     ino: the inode of a socket-pair end the program holds, maybe
 *            since before an exec -> addr, self, family: what getpeername,
 *            getsockname and SO_DOMAIN say of the encrypted flow it stands
 *            for; err ENOENT when it stands for none
 *
 * err is 0 or an errno; status and reason are the P-Box's when it answered
 * (nutss_last_status in the library's terms). RESOLVE fails with err
 * EINVAL when the host is not a well-formed name.
 */
#ifndef NUTSS_PROTO_AGENT_H
#define NUTSS_PROTO_AGENT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#define AGENT_ENV	"NUTSS_AGENT" /* the agent's socket path */
#define AGENT_MAGIC	0x4e545341u   /* "NTSA" */
#define AGENT_VERSION	1
#define AGENT_NAME_MAX	320 /* a host name (253) or a descriptor (256), NUL included */
#define AGENT_REASON_MAX 256

/*
 * The addresses names stand for: ranges no real host has. IPv4 240.0.0.0/4
 * (reserved, RFC 1112 4; never routed), IPv6 100::/64 (discard-only, RFC
 * 6666). The agent numbers names from 1 within them; connect() to anything
 * else never reaches the agent.
 */
#define AGENT_V4_NET  0xf0000000u /* 240.0.0.0, host order */
#define AGENT_V4_MASK 0xf0000000u
#define AGENT_V6_NET  0x0100u	  /* the first 16 bits of 100::/64; the next 48 are zero */

static inline int agent_addr_is_ours(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) & AGENT_V4_MASK) ==
		       AGENT_V4_NET;
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t v6[8] = { 0x01, 0x00, 0, 0, 0, 0, 0, 0 };
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (!__builtin_memcmp(a, v6, 8))
			return 1;
		return !__builtin_memcmp(a, mapped, 12) && (a[12] & 0xf0) == 0xf0;
	}
	return 0;
}

enum agent_op {
	AGENT_RESOLVE = 1,
	AGENT_REVERSE = 2,
	AGENT_CONNECT = 3,
	AGENT_LISTEN = 4,
	AGENT_ACCEPT = 5,
	AGENT_PEER = 6,
};

struct agent_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;	  /* enum agent_op */
	int32_t type;	  /* SOCK_STREAM or SOCK_DGRAM */
	uint16_t port;	  /* LISTEN, ACCEPT: the program's listening port */
	uint16_t pad;
	uint32_t addrlen; /* of addr */
	uint64_t ino;	  /* PEER */
	struct sockaddr_storage addr;
	char name[AGENT_NAME_MAX];
};

#define AGENT_REP_FD	     0x1u /* a descriptor came with the reply */
#define AGENT_REP_NOT_SERVED 0x2u /* LISTEN: no --serve for this port */

struct agent_rep {
	uint32_t magic;
	int32_t err;	 /* 0 or an errno */
	uint32_t flags;	 /* AGENT_REP_* */
	uint16_t status; /* the SIP status when the P-Box answered, else 0 */
	uint16_t pad;
	struct in_addr v4;   /* RESOLVE */
	struct in6_addr v6;  /* RESOLVE */
	uint32_t addrlen;    /* of addr */
	struct sockaddr_storage addr;
	uint32_t selflen;    /* of self */
	int32_t family;	     /* PEER: the family of the socket the pair's end replaced */
	struct sockaddr_storage self; /* CONNECT with AGENT_REP_FD, PEER: the flow's local end */
	char name[AGENT_NAME_MAX];
	char reason[AGENT_REASON_MAX];
};

#endif
