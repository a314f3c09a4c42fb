// SPDX-License-Identifier: MIT
/*
 * How the agent knows a flow has ended (src/agent/diag.c) and which ports
 * it serves (src/agent/serve.c), against real sockets on loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/diag.h"
#include "agent/serve.h"
#include "check.h"

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0)
		return -1;
	return fd;
}

/* A connected pair on loopback: c (client) and s (accepted), their addresses. */
static void pair(int *l, int *c, int *s, struct sockaddr_in *ca, struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*ca);

	*l = listener(sa);
	*c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(*c, (struct sockaddr *)sa, sizeof(*sa)) == 0);
	*s = accept(*l, NULL, NULL);
	CHECK(*s >= 0);
	CHECK(getsockname(*c, (struct sockaddr *)ca, &len) == 0);
}

static void test_held_then_closed(void)
{
	struct sockaddr_in ca, sa;
	int l, c, s, st;

	pair(&l, &c, &s, &ca, &sa);
	CHECK_INT(diag_socket(IPPROTO_TCP, (struct sockaddr *)&ca, (struct sockaddr *)&sa), DIAG_HELD);
	CHECK_INT(diag_socket(IPPROTO_TCP, (struct sockaddr *)&sa, (struct sockaddr *)&ca), DIAG_HELD);
	/* a dup keeps it held: only the last reference counts */
	int d = dup(c);

	close(c);
	CHECK_INT(diag_socket(IPPROTO_TCP, (struct sockaddr *)&ca, (struct sockaddr *)&sa), DIAG_HELD);
	/* a child holding it after the parent let go: still held */
	pid_t child = fork();

	if (child == 0) {
		usleep(300000);
		_exit(0);
	}
	close(d);
	CHECK_INT(diag_socket(IPPROTO_TCP, (struct sockaddr *)&ca, (struct sockaddr *)&sa), DIAG_HELD);
	waitpid(child, &st, 0);
	/* the last holder exited: closing (FIN_WAIT) or gone, never held */
	st = diag_socket(IPPROTO_TCP, (struct sockaddr *)&ca, (struct sockaddr *)&sa);
	CHECK(st == DIAG_ORPHAN || st == DIAG_NONE);
	/* the server side sees the peer's FIN but still holds its socket (CLOSE_WAIT) */
	CHECK_INT(diag_socket(IPPROTO_TCP, (struct sockaddr *)&sa, (struct sockaddr *)&ca), DIAG_HELD);
	close(s);
	st = diag_socket(IPPROTO_TCP, (struct sockaddr *)&sa, (struct sockaddr *)&ca);
	CHECK(st == DIAG_ORPHAN || st == DIAG_NONE);
	close(l);
}

static void test_never_connected(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in b = a;

	a.sin_port = htons(1);
	b.sin_port = htons(2);
	CHECK_INT(diag_socket(IPPROTO_TCP, (struct sockaddr *)&a, (struct sockaddr *)&b), DIAG_NONE);
	/* mixed families: refused, not guessed */
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	CHECK_INT(diag_socket(IPPROTO_TCP, (struct sockaddr *)&a, (struct sockaddr *)&v6),
		  -EAFNOSUPPORT);
}

static void test_udp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in b;
	socklen_t len = sizeof(a);
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(bind(v, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(getsockname(v, (struct sockaddr *)&a, &len) == 0);
	CHECK(connect(u, (struct sockaddr *)&a, sizeof(a)) == 0);
	len = sizeof(b);
	CHECK(getsockname(u, (struct sockaddr *)&b, &len) == 0);
	CHECK_INT(diag_socket(IPPROTO_UDP, (struct sockaddr *)&b, (struct sockaddr *)&a), DIAG_HELD);
	close(u);
	CHECK_INT(diag_socket(IPPROTO_UDP, (struct sockaddr *)&b, (struct sockaddr *)&a), DIAG_NONE);
	close(v);
}

static void test_listening(void)
{
	struct sockaddr_in a;
	int l = listener(&a);
	uint16_t port = ntohs(a.sin_port);

	CHECK_INT(diag_listening(port), 1);
	close(l);
	CHECK_INT(diag_listening(port), 0);
}

static void test_serve_specs(void)
{
	char why[256];

	CHECK_INT(serve_add("8000=app=web", "alice", "example.com", why, sizeof(why)), 0);
	CHECK_INT(serve_add("8001=app=ssh;type=server", "alice", "example.com", why, sizeof(why)), 0);
	CHECK_INT(serve_add("8000=app=other", "alice", "example.com", why, sizeof(why)), -1);
	CHECK(strstr(why, "twice") != NULL);
	CHECK_INT(serve_add("0=app=web", "alice", "example.com", why, sizeof(why)), -1);
	CHECK_INT(serve_add("65536=app=web", "alice", "example.com", why, sizeof(why)), -1);
	CHECK_INT(serve_add("80", "alice", "example.com", why, sizeof(why)), -1);
	CHECK_INT(serve_add("80=", "alice", "example.com", why, sizeof(why)), -1);
	CHECK_INT(serve_add("x=app=web", "alice", "example.com", why, sizeof(why)), -1);
	/* nothing registered until the program listens, and no port that was not given */
	CHECK_INT(serve_live(), 0);
	CHECK(serve_find(8000) == NULL);
	CHECK_INT(serve_listen(9999, NULL), 0);
}

int main(void)
{
	RUN(test_held_then_closed);
	RUN(test_never_connected);
	RUN(test_udp);
	RUN(test_listening);
	RUN(test_serve_specs);
	return check_summary();
}
