// SPDX-License-Identifier: MIT
/*
 * nutss listen NAME [--udp] [--port N] [--exec CMD] [--keep]
 * nutss connect NAME [--udp]
 *
 * Netcat on names: a flow by libnutss, relayed to stdin and stdout (or, for
 * listen --exec, handed to a command as its stdin and stdout). Identity and
 * P-Box come from NUTSS_USER, NUTSS_PASSWORD_FILE and NUTSS_PBOX.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nutss/nutss.h"

static volatile sig_atomic_t stopping;

/* listen --exec: each command's process and the flow it was given, closed (BYE) when it exits */
#define EXEC_MAX 1024
static struct {
	pid_t pid;
	int fd;
} running[EXEC_MAX];
static unsigned nrunning;

static void reap(int options)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, options)) > 0)
		for (unsigned i = 0; i < nrunning; i++)
			if (running[i].pid == pid) {
				nutss_close(running[i].fd);
				running[i] = running[--nrunning];
				break;
			}
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *f, const char *verb)
{
	if (!strcmp(verb, "listen"))
		fprintf(f,
			"usage: nutss listen NAME [--udp] [--port N] [--exec CMD] [--keep]\n"
			"\n"
			"Register NAME (e.g. alice@example.com;app=echo;type=server) with the P-Box and\n"
			"relay the first authorized flow to stdin and stdout; --keep takes the next one\n"
			"after it, --exec runs CMD (with sh -c) for each flow, on its stdin and stdout,\n"
			"until SIGTERM or SIGINT. Connections that no INVITE authorized are closed.\n"
			"  --udp     UDP flows (default TCP)\n"
			"  --port N  the flow port (default: any)\n"
			"\n");
	else
		fprintf(f,
			"usage: nutss connect NAME [--udp]\n"
			"\n"
			"Open a flow to NAME through the P-Box and relay it to stdin and stdout until\n"
			"both directions end. A refused flow exits 1 saying why: the P-Box's status\n"
			"and reason (a policy denial names the policy line).\n"
			"  --udp     a UDP flow (default TCP)\n"
			"\n");
	fprintf(f, "Environment: NUTSS_USER (bob@example.com), NUTSS_PASSWORD_FILE (a file with the\n"
		   "password, mode 0600), NUTSS_PBOX (udp:ADDR:PORT), NUTSS_TIMEOUT_MS.\n"
		   "Exit status: 0 done, 1 the flow was refused or failed, 2 usage.\n");
}

static int fail(const char *verb, const char *what)
{
	char reason[256];
	int status = nutss_last_status(reason, sizeof(reason));
	int e = errno;

	if (status)
		fprintf(stderr, "nutss %s: %s: %s (%d %s)\n", verb, what, strerror(e), status, reason);
	else if (reason[0])
		fprintf(stderr, "nutss %s: %s: %s (%s)\n", verb, what, strerror(e), reason);
	else
		fprintf(stderr, "nutss %s: %s: %s\n", verb, what, strerror(e));
	return 1;
}

/* Relay stdin -> fd and fd -> stdout until both directions end (or one fails). */
static void relay(int fd, bool dgram)
{
	static char buf[65536];
	bool in_open = true, out_open = true;

	while ((in_open || out_open) && !stopping) {
		struct pollfd p[2] = { { .fd = in_open ? 0 : -1, .events = POLLIN },
				       { .fd = out_open ? fd : -1, .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, 200) < 0 && errno != EINTR)
			return;
		if (p[0].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false;
				if (!dgram)
					shutdown(fd, SHUT_WR);
				if (dgram)
					return; /* a datagram flow has no half-close: stdin's end is the end */
			} else {
				for (ssize_t o = 0; o < n;) {
					ssize_t w = send(fd, buf + o, (size_t)(n - o), MSG_NOSIGNAL);

					if (w < 0) {
						if (errno == EINTR)
							continue;
						return;
					}
					o += w;
				}
			}
		}
		if (p[1].revents) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0) {
				out_open = false;
				if (!dgram || n < 0)
					return;
			}
			for (ssize_t o = 0; o < n;) {
				ssize_t w = write(1, buf + o, (size_t)(n - o));

				if (w < 0) {
					if (errno == EINTR)
						continue;
					return;
				}
				o += w;
			}
		}
	}
}

static void describe(const char *what, const struct nutss_peer *p)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (p->addr.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&p->addr)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&p->addr)->sin_port);
	} else if (p->addr.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&p->addr)->sin6_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&p->addr)->sin6_port);
	}
	fprintf(stderr, "nutss: %s %s at %s port %u\n", what, p->name, host, port);
}

int cmd_listen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "udp", no_argument, NULL, 'u' },   { "port", required_argument, NULL, 'p' },
		{ "exec", required_argument, NULL, 'e' }, { "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },  { 0 },
	};
	const char *cmd = NULL;
	bool udp = false, keep = false;
	unsigned long port = 0;
	int c, lfd;

	optind = 1;
	while ((c = getopt_long(argc, argv, "up:e:kh", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'u':
			udp = true;
			break;
		case 'p':
			port = strtoul(optarg, &end, 10);
			if (*end || port > 65535) {
				fprintf(stderr, "nutss listen: --port %s is not a port\n", optarg);
				return 2;
			}
			break;
		case 'e':
			cmd = optarg;
			break;
		case 'k':
			keep = true;
			break;
		case 'h':
			usage(stdout, "listen");
			return 0;
		default:
			usage(stderr, "listen");
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, "listen");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (cmd)
		signal(SIGCHLD, SIG_DFL);
	lfd = nutss_listen(argv[optind], udp ? SOCK_DGRAM : SOCK_STREAM, (unsigned short)port);
	if (lfd < 0)
		return fail("listen", argv[optind]);
	{
		struct sockaddr_storage a;
		socklen_t len = sizeof(a);

		/* a TCP listener is the listening socket itself: its port is the flow port */
		if (!udp && getsockname(lfd, (struct sockaddr *)&a, &len) == 0)
			fprintf(stderr, "nutss: listening as %s (tcp port %u)\n", argv[optind],
				ntohs(((struct sockaddr_in *)&a)->sin_port));
		else
			fprintf(stderr, "nutss: listening as %s\n", argv[optind]);
	}
	/*
	 * Non-blocking: a connection no INVITE authorized makes poll() say
	 * readable, and nutss_accept() skips it; blocking, it would then wait
	 * in accept() for the next one, deaf to SIGTERM.
	 */
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	while (!stopping) {
		struct nutss_peer peer;
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int fd;

		reap(WNOHANG);
		if (poll(&p, 1, 200) <= 0)
			continue;
		fd = nutss_accept(lfd, &peer, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fail("listen", "accept");
			break;
		}
		describe("flow from", &peer);
		if (cmd) {
			pid_t pid = fork();

			if (pid == 0) {
				dup2(fd, 0);
				dup2(fd, 1);
				execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
				_exit(127);
			}
			if (pid < 0 || nrunning == EXEC_MAX) {
				fprintf(stderr, "nutss listen: %s\n",
					pid < 0 ? strerror(errno) : "too many flows running");
				nutss_close(fd);
				continue;
			}
			/* ours stays open until the command exits: then the flow ends (BYE) */
			running[nrunning].pid = pid;
			running[nrunning++].fd = fd;
			continue;
		}
		relay(fd, udp);
		nutss_close(fd);
		if (!keep)
			break;
	}
	if (nutss_listen_refused(lfd))
		fprintf(stderr, "nutss: %lu connection(s) or ticket(s) refused: no INVITE authorized them\n",
			nutss_listen_refused(lfd));
	nutss_close(lfd);
	/* stopping: the commands still running are asked to stop, then their flows end */
	for (unsigned i = 0; i < nrunning; i++)
		kill(running[i].pid, SIGTERM);
	reap(0);
	return 0;
}

int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "udp", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct nutss_peer peer;
	bool udp = false;
	int c, fd;

	optind = 1;
	while ((c = getopt_long(argc, argv, "uh", opts, NULL)) != -1) {
		if (c == 'u') {
			udp = true;
		} else if (c == 'h') {
			usage(stdout, "connect");
			return 0;
		} else {
			usage(stderr, "connect");
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, "connect");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fd = nutss_connect(argv[optind], udp ? SOCK_DGRAM : SOCK_STREAM, SOCK_CLOEXEC, &peer);
	if (fd < 0)
		return fail("connect", argv[optind]);
	describe("flow to", &peer);
	relay(fd, udp);
	nutss_close(fd);
	return 0;
}
