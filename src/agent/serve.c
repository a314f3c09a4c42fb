// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/diag.h"
#include "agent/serve.h"
#include "core/log.h"
#include "endpoint/listen.h"
#include "nutss/nutss.h"
#include "sip/desc.h"

struct served {
	uint16_t port;
	char name[NUTSS_NAME_MAX];
	struct listener *l; /* registered, or NULL */
	unsigned misses;    /* ticks in a row nothing listened */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct served served[SERVE_MAX];
static unsigned nserved;

int serve_add(const char *spec, const char *user, const char *domain, char *why, size_t len)
{
	char *end, canon[NUTSS_NAME_MAX], raw[NUTSS_NAME_MAX + 64];
	unsigned long port = strtoul(spec, &end, 10);
	struct desc d;
	struct sip_err err;

	if (nserved >= SERVE_MAX) {
		snprintf(why, len, "at most %d --serve", SERVE_MAX);
		return -1;
	}
	if (end == spec || *end != '=' || !port || port > 65535 || !end[1]) {
		snprintf(why, len, "--serve %s: PORT=ATTRS, e.g. 8000=app=web", spec);
		return -1;
	}
	for (unsigned i = 0; i < nserved; i++)
		if (served[i].port == port) {
			snprintf(why, len, "--serve: port %lu twice", port);
			return -1;
		}
	snprintf(raw, sizeof(raw), "%s@%s;%s%s", user, domain, end + 1,
		 strstr(end + 1, "type=") ? "" : ";type=server");
	if (strlen(raw) >= NUTSS_NAME_MAX || !desc_parse(&d, slice_cstr(raw), &err) ||
	    desc_format(&d, canon, sizeof(canon)) < 0) {
		snprintf(why, len, "--serve %s: '%s' is not a name", spec, raw);
		return -1;
	}
	served[nserved].port = (uint16_t)port;
	snprintf(served[nserved].name, sizeof(served[nserved].name), "%s", canon);
	nserved++;
	return 0;
}

static struct served *by_port(uint16_t port)
{
	for (unsigned i = 0; i < nserved; i++)
		if (served[i].port == port)
			return &served[i];
	return NULL;
}

int serve_listen(uint16_t port, const char *fp)
{
	struct served *s;
	int ret = 1;

	pthread_mutex_lock(&lock);
	s = by_port(port);
	if (!s)
		ret = 0;
	else if (!s->l) {
		/* under the lock: a program listening on :: and 0.0.0.0 registers once */
		s->l = listen_serve(s->name, port, fp);
		if (!s->l)
			ret = -1;
		else
			log_info("%s: registered (port %u)", s->name, port);
	}
	if (s)
		s->misses = 0;
	pthread_mutex_unlock(&lock);
	return ret;
}

struct listener *serve_find(uint16_t port)
{
	struct served *s;
	struct listener *l;

	pthread_mutex_lock(&lock);
	s = by_port(port);
	l = s ? s->l : NULL;
	pthread_mutex_unlock(&lock);
	return l;
}

void serve_tick(void)
{
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nserved; i++) {
		struct served *s = &served[i];

		/* two looks in a row: a program that closes and reopens its socket keeps the name */
		if (!s->l || diag_listening(s->port) != 0 || ++s->misses < 2)
			continue;
		log_info("%s: nothing listens on port %u any more: unregistered", s->name, s->port);
		listen_stop(s->l);
		s->l = NULL;
	}
	pthread_mutex_unlock(&lock);
}

unsigned serve_live(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nserved; i++)
		n += served[i].l != NULL;
	pthread_mutex_unlock(&lock);
	return n;
}

void serve_stop_all(void)
{
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nserved; i++) {
		listen_stop(served[i].l);
		served[i].l = NULL;
	}
	pthread_mutex_unlock(&lock);
}
