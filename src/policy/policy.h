/* SPDX-License-Identifier: MIT */
/*
 * The NUTSS policy language (paper 2, section 4.3; docs/policy.md has the
 * grammar and the semantics). A domain administrator writes
 *
 *	if (from.type IS client
 *	    AND to.type IS server)
 *		accept()
 *	end
 *
 * and every P-Box runs it on every flow, so the text is compiled once into
 * flat arrays of instructions (conditions become jumps, runs of rules that
 * test one attribute for equality become a hash lookup) and a decision is a
 * walk over those arrays that never allocates.
 *
 * A struct policy holds any number of compiled files (one per domain, one
 * per endpoint, ...). It is immutable once loaded: any number of threads may
 * call policy_eval() on it at once.
 */
#ifndef NUTSS_POLICY_H
#define NUTSS_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/slice.h"
#include "sip/desc.h"

#define POLICY_MAX_TEXT	   (8u << 20) /* bytes in one policy file */
#define POLICY_MAX_NEST	   64	      /* nested ifs, parentheses and NOTs */
#define POLICY_MAX_TERMS   256	      /* comparisons in one condition */
#define POLICY_MAX_KEYS	   64	      /* distinct descriptor keys (from.X/to.X) in a policy */
#define POLICY_MAX_KEY_LEN 63
#define POLICY_MAX_VALUE   1024 /* bytes in one value, pattern, reason or target */
#define POLICY_MAX_PARAMS  4	/* parameters of one redirect() */
#define POLICY_MAX_REQUIRE 4	/* distinct require()s one decision can carry */
#define POLICY_TRACE_MAX   64	/* steps a trace records before it is truncated */

struct policy;

/* A compile error: "file:line:col: message", ready to print. */
struct policy_err {
	unsigned line, col; /* 1-based; 0 when the error has no position (I/O) */
	char text[512];
};

/* A statement of the source, for traces and for the P-Box's 403 Warning. */
struct policy_site {
	const char *file;   /* the name the file was loaded under */
	unsigned line, col; /* where the statement starts */
	struct slice label; /* the line's "B:" label without the colon; empty if none */
	struct slice text;  /* the statement, one line: "if (from.app NOT ftp OR ...)" */
};

enum policy_verdict {
	POLICY_DENY = 0,
	POLICY_ACCEPT,
	POLICY_REDIRECT, /* authorized, but through the middlebox in .redirect */
};

struct policy_decision {
	enum policy_verdict verdict;
	/* The statement that decided; NULL when nothing did (least privilege denies). */
	const struct policy_site *site;
	struct slice reason;   /* deny("reason"), or a reason of ours; .p NULL if none */
	struct slice redirect; /* "clean.acme.org:8110" for POLICY_REDIRECT */
	/* Flow modifications, in the order they were reached. */
	struct slice require[POLICY_MAX_REQUIRE]; /* encryption values: "ssl" means a=enc:ssl */
	unsigned nrequire;
	struct slice params[POLICY_MAX_PARAMS]; /* literal redirect() parameters */
	unsigned nparams;
	bool has_uid; /* redirect(..., uid()): the flow carries .uid */
	uint64_t uid;
};

enum policy_step_kind {
	POLICY_STEP_FALSE, /* an if's condition was false */
	POLICY_STEP_TRUE,  /* an if's condition was true */
	POLICY_STEP_ACTION,
};

struct policy_step {
	const struct policy_site *site;
	enum policy_step_kind kind;
};

/* Every if evaluated and every action reached, in order. */
struct policy_trace {
	struct policy_step step[POLICY_TRACE_MAX];
	unsigned n;
	bool truncated;
};

struct policy *policy_new(void);
void policy_free(struct policy *p);

/*
 * Compile one file's text and add it to p. name appears in errors and
 * traces. Returns 0, -EINVAL with err filled (p is unchanged), -EFBIG or
 * -ENOMEM.
 */
int policy_add(struct policy *p, const char *name, const char *text, size_t len,
	       struct policy_err *err);
/* Read path and policy_add() it. -errno on I/O errors (err says which). */
int policy_load(struct policy *p, const char *path, struct policy_err *err);

/* How many files p holds. */
unsigned policy_nfiles(const struct policy *p);

/*
 * Decide a flow. Files are evaluated in the order they were added; a deny
 * from any file wins, then a redirect, then an accept; when no file decides
 * the flow is denied. trace may be NULL. Never allocates.
 */
enum policy_verdict policy_eval(const struct policy *p, const struct flow_desc *f,
				struct policy_decision *d, struct policy_trace *trace);

/* "accept", "deny", "redirect". */
const char *policy_verdict_name(enum policy_verdict v);

/*
 * The uid() of a redirected flow: a 64-bit hash of the flow's endpoints and
 * SDP, mixed with session (the P-Box passes the Call-ID; may be empty) so
 * both legs of one redirected flow carry the same value.
 */
uint64_t policy_uid(const struct flow_desc *f, struct slice session);

/*
 * Print how the parser read a file: every if with the statements it
 * governs, indented, and "end" where a block closes. The tool for checking
 * which if an end belongs to (docs/policy.md, "Which if an end closes").
 */
int policy_print_tree(FILE *out, const char *name, const char *text, size_t len,
		      struct policy_err *err);

/*
 * Tests and benchmarks: runs of at least min_run rules that test the same
 * attribute with IS are compiled into a hash lookup (default 8; 0 turns the
 * lookup off). Applies to files added afterwards. Decisions are the same
 * either way; only the cost differs.
 */
void policy_set_index_min(struct policy *p, unsigned min_run);

#endif
