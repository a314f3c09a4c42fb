/* SPDX-License-Identifier: MIT */
/*
 * How every parser in src/sip/ says why it failed: what went wrong, where in
 * the input (so `nutss sip lint` can print line and column), and which SIP
 * status a server should answer with.
 */
#ifndef NUTSS_SIP_ERR_H
#define NUTSS_SIP_ERR_H

#include <stdbool.h>
#include <stddef.h>

struct sip_err {
	const char *what; /* static text, e.g. "unterminated quoted string" */
	const char *at;	  /* the byte where the problem is, or NULL */
	int status;	  /* 400, 505, 413, ...; 0 when not set */
};

/* Record a failure (the first one wins) and return false, for `return sip_fail(...)`. */
static inline bool sip_fail(struct sip_err *e, const char *at, const char *what)
{
	if (e && !e->what) {
		e->what = what;
		e->at = at;
		e->status = 400;
	}
	return false;
}

static inline bool sip_fail_status(struct sip_err *e, const char *at, int status,
				   const char *what)
{
	if (e && !e->what) {
		e->what = what;
		e->at = at;
		e->status = status;
	}
	return false;
}

#endif
