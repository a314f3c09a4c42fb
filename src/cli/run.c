// SPDX-License-Identifier: MIT
/*
 * nutss run [OPTIONS] -- CMD ARGS...: an unmodified program on names
 * (docs/shim.md). Starts the session's agent (src/agent/), then execs CMD
 * with libnutss-preload.so preloaded, in this process: the program keeps
 * our PID, terminal and exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/serve.h"
#include "cli/cli.h"
#include "cli/target.h"
#include "core/log.h"
#include "endpoint/env.h"
#include "nutss/nutss.h"
#include "proto/agent.h"

#define PRELOAD_NAME "libnutss-preload.so"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss run [--serve PORT=ATTRS]... [--user USER@DOMAIN]\n"
		"                 [--password-file FILE] [--pbox udp:ADDR:PORT]\n"
		"                 [--log-level LEVEL] -- CMD [ARGS...]\n"
		"\n"
		"Run an unmodified program on NUTSS names. It resolves APP.TYPE.USER.DOMAIN.nutss\n"
		"(web.server.alice.example.com.nutss) and connecting there opens the flow to\n"
		"alice@example.com;app=web;type=server, authorized by the P-Box and the M-Boxes\n"
		"on the way; --serve PORT=ATTRS registers USER;ATTRS;type=server when the program\n"
		"listens on PORT, and its accept() returns only flows authorized to it. A flow\n"
		"whose policy requires encryption runs TLS, the peers authenticated by the\n"
		"certificate fingerprints the signalling carried.\n"
		"\n"
		"  --serve PORT=ATTRS     e.g. 8000=app=web (repeat)\n"
		"  --user U@D             who we are (else $NUTSS_USER)\n"
		"  --password-file FILE   its password (else $NUTSS_PASSWORD_FILE)\n"
		"  --pbox udp:ADDR:PORT   the P-Box (else $NUTSS_PBOX, else discovered)\n"
		"  --log-level L          the agent's: error, warn (default), info, debug\n"
		"\n"
		"Refused, exit 126: static binaries, Go programs, setuid/setgid files (the shim\n"
		"could not see their connections). CMD not found: 127. Otherwise CMD's status.\n");
}

/* The shim: $NUTSS_PRELOAD, else beside this binary. */
static int preload_path(char *out, size_t len)
{
	const char *env = getenv("NUTSS_PRELOAD");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -1;
		self[n] = 0;
		snprintf(out, len, "%s/%s", dirname(self), PRELOAD_NAME);
	}
	if (strchr(out, ':') || strchr(out, ' ')) {
		errno = EINVAL; /* LD_PRELOAD would split it */
		return -1;
	}
	return access(out, R_OK);
}

/* The agent, as a grandchild in a session of its own: not ours to wait for, nor CMD's. */
static int start_agent(struct agent_cfg *cfg)
{
	int pfd[2];
	pid_t child;
	char msg[512];
	ssize_t n;
	int status;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	cfg->cmd = getpid();
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		close(pfd[0]);
		setsid();
		if (fork() == 0) {
			cfg->ready_fd = pfd[1];
			/* stdin and stdout are the program's */
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);

			if (null >= 0) {
				dup2(null, STDIN_FILENO);
				dup2(null, STDOUT_FILENO);
				close(null);
			}
			log_set_thread("agent");
			_exit(agent_run(cfg));
		}
		_exit(0);
	}
	close(pfd[1]);
	waitpid(child, &status, 0);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	if (n <= 0) {
		fprintf(stderr, "nutss run: the agent did not start\n");
		return -1;
	}
	msg[n] = 0;
	if (strcmp(msg, "ok\n")) {
		fprintf(stderr, "nutss run: %s", msg);
		return -1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serve", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "pbox", required_argument, NULL, 'b' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct ep_cfg cfg;
	static struct agent_cfg acfg;
	const char *serves[SERVE_MAX];
	unsigned nserves = 0;
	char path[PATH_MAX], preload[PATH_MAX], why[512], env[2 * PATH_MAX + 16];
	const char *tmp, *old;
	int c, level = LOG_WARN, r;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nserves >= SERVE_MAX) {
				fprintf(stderr, "nutss run: at most %d --serve\n", SERVE_MAX);
				return 2;
			}
			serves[nserves++] = optarg;
			break;
		case 'u':
			setenv("NUTSS_USER", optarg, 1);
			break;
		case 'p':
			setenv("NUTSS_PASSWORD_FILE", optarg, 1);
			break;
		case 'b':
			setenv("NUTSS_PBOX", optarg, 1);
			break;
		case 'l':
			level = log_level_parse(optarg);
			if (level < 0) {
				fprintf(stderr, "nutss run: --log-level: error, warn, info or debug\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	r = target_check(argv[optind], path, sizeof(path), why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "nutss run: %s%s\n", why, r == -1 ? "; refused" : "");
		return r == -1 ? 126 : 127;
	}
	/* the configuration now, so a mistake is said before the program starts */
	if (ep_cfg_load(&cfg) < 0) {
		nutss_last_status(why, sizeof(why));
		fprintf(stderr, "nutss run: %s\n", why);
		return 2;
	}
	for (unsigned i = 0; i < nserves; i++)
		if (serve_add(serves[i], cfg.user, cfg.domain, why, sizeof(why)) < 0) {
			fprintf(stderr, "nutss run: %s\n", why);
			ep_cfg_clear(&cfg);
			return 2;
		}
	ep_cfg_clear(&cfg);
	if (preload_path(preload, sizeof(preload)) < 0) {
		fprintf(stderr, "nutss run: the shim %s: %s\n", preload, strerror(errno));
		return 2;
	}
	tmp = getenv("XDG_RUNTIME_DIR");
	if (!tmp || access(tmp, W_OK) < 0)
		tmp = "/tmp";
	snprintf(acfg.dir, sizeof(acfg.dir), "%s/nutss-run.XXXXXX", tmp);
	if (!mkdtemp(acfg.dir) ||
	    (size_t)snprintf(acfg.sock, sizeof(acfg.sock), "%s/agent.sock", acfg.dir) >=
		    sizeof(acfg.sock)) {
		fprintf(stderr, "nutss run: a session directory in %s: %s\n", tmp, strerror(errno));
		return 2;
	}
	log_set_level((enum log_level)level);
	acfg.ready_fd = -1;
	if (start_agent(&acfg) < 0) {
		rmdir(acfg.dir);
		return 2;
	}
	old = getenv("LD_PRELOAD");
	snprintf(env, sizeof(env), "%s%s%s", preload, old && *old ? ":" : "", old ? old : "");
	setenv("LD_PRELOAD", env, 1);
	setenv(AGENT_ENV, acfg.sock, 1);
	/* the program needs no password: the agent has it */
	unsetenv("NUTSS_PASSWORD_FILE");
	execv(path, argv + optind);
	fprintf(stderr, "nutss run: %s: %s\n", path, strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
