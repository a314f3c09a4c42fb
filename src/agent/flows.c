// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/diag.h"
#include "agent/flows.h"
#include "core/log.h"
#include "endpoint/dialog.h"
#include "endpoint/ua.h"

struct watched {
	int key, proto;
	struct sockaddr_storage local, remote;
	uint64_t since_ms;
	bool seen; /* found held once: from then on, not found means ended */
	struct watched *next;
};

struct relay {
	int key;
	struct relay_info ri;
	struct relay *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct watched *watched;
static struct relay *relays;
static unsigned nwatched, nrelays;
static int next_key = -2; /* -1 is every call's error: never a key */

int flows_key(void)
{
	int k;

	pthread_mutex_lock(&lock);
	k = next_key--;
	if (next_key > -2) /* wrapped, after two billion flows */
		next_key = -2;
	pthread_mutex_unlock(&lock);
	return k;
}

static socklen_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

int flows_watch(int key, int proto, const struct sockaddr *local, const struct sockaddr *remote)
{
	struct watched *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->key = key;
	w->proto = proto;
	memcpy(&w->local, local, sa_len(local));
	memcpy(&w->remote, remote, sa_len(remote));
	w->since_ms = ua_now_ms();
	pthread_mutex_lock(&lock);
	w->next = watched;
	watched = w;
	nwatched++;
	pthread_mutex_unlock(&lock);
	return 0;
}

void flows_relay_begin(int key, const struct relay_info *ri)
{
	struct relay *r = calloc(1, sizeof(*r));

	pthread_mutex_lock(&lock);
	nrelays++;
	if (r) { /* without it, only getpeername after an exec is poorer */
		r->key = key;
		r->ri = *ri;
		r->next = relays;
		relays = r;
	}
	pthread_mutex_unlock(&lock);
}

bool flows_relay_find(uint64_t ino, struct relay_info *out)
{
	bool found = false;

	pthread_mutex_lock(&lock);
	for (struct relay *r = relays; r && !found; r = r->next)
		if (r->ri.ino == ino) {
			*out = r->ri;
			found = true;
		}
	pthread_mutex_unlock(&lock);
	return found;
}

void flows_relay_done(void *arg, int err)
{
	int key = (int)(intptr_t)arg;

	if (err)
		log_info("encrypted flow %d ended: %s", key, strerror(err));
	/* as a plain flow's end says it (flows_tick): what tests and operators look for */
	log_debug("flow %d: its relay ended: BYE", key);
	dialog_close(key);
	pthread_mutex_lock(&lock);
	nrelays--;
	for (struct relay **pp = &relays; *pp; pp = &(*pp)->next)
		if ((*pp)->key == key) {
			struct relay *r = *pp;

			*pp = r->next;
			free(r);
			break;
		}
	pthread_mutex_unlock(&lock);
}

void flows_tick(uint64_t now_ms)
{
	struct watched *ended = NULL;

	pthread_mutex_lock(&lock);
	for (struct watched **pp = &watched; *pp;) {
		struct watched *w = *pp;
		int s = diag_socket(w->proto, (struct sockaddr *)&w->local,
				    (struct sockaddr *)&w->remote);

		if (s == DIAG_HELD)
			w->seen = true;
		/*
		 * Not held: ended. Not found: ended too, once it was seen, or after the
		 * grace a program gets between our answer and its connect().
		 */
		if (s == DIAG_ORPHAN ||
		    (s == DIAG_NONE && (w->seen || now_ms - w->since_ms > FLOWS_GRACE_MS))) {
			*pp = w->next;
			w->next = ended;
			ended = w;
			nwatched--;
			continue;
		}
		pp = &w->next;
	}
	pthread_mutex_unlock(&lock);
	/* the BYEs outside the lock: each may wait for its 200 */
	while (ended) {
		struct watched *w = ended;

		ended = w->next;
		log_debug("flow %d: its socket is closed: BYE", w->key);
		dialog_close(w->key);
		free(w);
	}
}

unsigned flows_live(void)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = nwatched + nrelays;
	pthread_mutex_unlock(&lock);
	return n;
}

void flows_end_all(void)
{
	pthread_mutex_lock(&lock);
	struct watched *w = watched;

	watched = NULL;
	nwatched = 0;
	pthread_mutex_unlock(&lock);
	while (w) {
		struct watched *next = w->next;

		dialog_close(w->key);
		free(w);
		w = next;
	}
}
