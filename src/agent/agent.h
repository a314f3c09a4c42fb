/* SPDX-License-Identifier: MIT */
/*
 * The agent of a `nutss run` session (docs/shim.md): one process beside the
 * program, which does for every process of the session what libnutss does
 * for one (signalling, tickets, the dialogs and their BYEs) and runs the
 * TLS of encrypted flows. The shim (src/preload/) asks it over a unix
 * socket (src/proto/agent.h). Being a process of its own is what lets
 * flows and registrations outlive a fork, an exec or a daemonizing program,
 * and keeps the credentials out of the program.
 */
#ifndef NUTSS_AGENT_H
#define NUTSS_AGENT_H

#include <limits.h>
#include <sys/types.h>

#define AGENT_THREADS_MAX 256 /* requests served at once; more wait in the socket's backlog */

struct agent_cfg {
	char dir[PATH_MAX];   /* the session's directory (0700): the socket is in it */
	char sock[108];	      /* dir/agent.sock */
	pid_t cmd;	      /* the program: the session ends after it, once nothing of it is left */
	int ready_fd;	      /* "ok\n" or the reason the agent cannot start, then closed */
};

/* Serve the session until it ends. The exit status. */
int agent_run(struct agent_cfg *cfg);

#endif
