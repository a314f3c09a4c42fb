/* SPDX-License-Identifier: MIT */
/*
 * What the shim's hooks share (docs/shim.md). Each hooked call family is in
 * a file of its own (resolve.c, connect.c, listen.c, fd.c, peer.c); they
 * reach libc's own functions through libc_sym() and the session's agent
 * through rpc_call(). Nothing runs in a constructor: the first hooked call
 * that needs something looks it up.
 */
#ifndef NUTSS_PRELOAD_H
#define NUTSS_PRELOAD_H

#include <sys/socket.h>

#include "proto/agent.h"

#define HIDDEN __attribute__((visibility("hidden")))
#define EXPORT __attribute__((visibility("default")))

/*
 * libc's definition of name (dlsym RTLD_NEXT), looked up once; a libc
 * without it is fatal (a message on stderr, then abort), never a silent
 * bypass.
 */
HIDDEN void *libc_sym(const char *name);

/* Declare and fetch a libc function: REAL(connect)(fd, sa, len). */
#define REAL(fn)                                                                              \
	({                                                                                     \
		static __typeof__(fn) *real_##fn;                                              \
		__typeof__(fn) *p_ = __atomic_load_n(&real_##fn, __ATOMIC_ACQUIRE);            \
		if (!p_) {                                                                     \
			p_ = (__typeof__(fn) *)libc_sym(#fn);                                  \
			__atomic_store_n(&real_##fn, p_, __ATOMIC_RELEASE);                    \
		}                                                                              \
		p_;                                                                            \
	})

/*
 * One request to the agent ($NUTSS_AGENT): send req with fd_in (-1: none),
 * fill rep and *fd_out (-1 when none came; fd_out may be NULL when none is
 * expected). 0, or -1 with errno: ENOENT (not in a `nutss run` session),
 * ECONNREFUSED (the agent is gone), EPROTO (a reply that makes no sense).
 * Safe in any thread and after fork; the descriptor it opens is CLOEXEC
 * and closed before it returns.
 */
HIDDEN int rpc_call(const struct agent_req *req, int fd_in, struct agent_rep *rep, int *fd_out);

/* A request of op, magic and version set, the rest zero. */
HIDDEN void rpc_req_init(struct agent_req *req, enum agent_op op);

/* A line on stderr, prefixed "nutss: " (what the shim refuses, and why). */
HIDDEN void shim_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
