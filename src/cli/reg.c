// SPDX-License-Identifier: MIT
/*
 * nutss [--data-dir DIR] reg list|add|del
 *
 * The P-Box's registrations as the store holds them: what REGISTER put
 * there, and static bindings an operator adds for a service that has no SIP
 * stack of its own (an ftp server reached as alice@rr.net;app=ftp).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "pbox/store.h"
#include "sip/desc.h"
#include "sip/uri.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define REG_DEFAULT_EXPIRES 3600 /* RFC 3261 10.2.1.1's suggestion for a REGISTER */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss [--data-dir DIR] reg list [USER@DOMAIN]\n"
		"       nutss [--data-dir DIR] reg add USER@DOMAIN CONTACT-URI\n"
		"                 [--expires SECONDS | --static] [--descriptor DESCRIPTOR]\n"
		"       nutss [--data-dir DIR] reg del USER@DOMAIN [CONTACT-URI]\n"
		"\n"
		"Show and edit the P-Box's bindings (address of record -> contact).\n"
		"  list  a table of the current bindings (of one AOR, or all): AOR, contact,\n"
		"        descriptor and seconds until expiry, or 'static'\n"
		"  add   add or replace the binding of CONTACT-URI (a sip: or sips: URI) for\n"
		"        the AOR, e.g. for a service with no SIP stack of its own:\n"
		"          nutss reg add alice@rr.net sip:10.0.0.5:21 --static \\\n"
		"              --descriptor 'alice@rr.net;app=ftp;type=server'\n"
		"        --expires SECONDS  expire after SECONDS (default %d)\n"
		"        --static           never expire (also kept across daemon restarts)\n"
		"        --descriptor D     the endpoint descriptor registered (default: the\n"
		"                           AOR); its USER@DOMAIN must be the AOR\n"
		"  del   delete the binding of CONTACT-URI, or every binding of the AOR\n"
		"\n"
		"The store is DIR/" STORE_DB_NAME ", DIR being --data-dir, else $NUTSS_DATA_DIR,\n"
		"else " CLI_DEFAULT_DATA_DIR "; 'add' creates it if needed. A running\n"
		"nutss-pboxd loads bindings when it starts.\n"
		"Exit status: 0 done, 1 no such binding, 2 usage or I/O error.\n",
		REG_DEFAULT_EXPIRES);
}

/* ---- list ---- */

struct row {
	char *aor, *contact, *descriptor, *expires;
};

struct table {
	struct row *v;
	size_t n, cap;
	int64_t now;
};

static int add_row(void *arg, const struct store_binding *b)
{
	struct table *t = arg;
	struct row *r;
	char exp[32];

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct row *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	if (b->is_static)
		snprintf(exp, sizeof(exp), "static");
	else
		snprintf(exp, sizeof(exp), "%" PRId64 "s", b->expires_at - t->now);
	r = &t->v[t->n];
	r->aor = strdup(b->aor);
	r->contact = strdup(b->contact);
	r->descriptor = strdup(b->descriptor);
	r->expires = strdup(exp);
	t->n++;
	if (!r->aor || !r->contact || !r->descriptor || !r->expires)
		return -ENOMEM;
	return 0;
}

static int list(const char *aor)
{
	struct table t = { .now = time(NULL) };
	struct store *s = NULL;
	int ret, status = 0;

	if (cli_store_open(&s, 0))
		return 2;
	ret = store_binding_list(s, aor, t.now, add_row, &t);
	if (ret < 0 && ret != -EBADMSG) {
		status = cli_store_fail(s, aor ? aor : "listing bindings", ret);
		goto out;
	}
	if (t.n) {
		int wa = 3, wc = 7, wd = 10; /* the headings' widths */

		for (size_t i = 0; i < t.n; i++) {
			wa = MAX(wa, (int)strlen(t.v[i].aor));
			wc = MAX(wc, (int)strlen(t.v[i].contact));
			wd = MAX(wd, (int)strlen(t.v[i].descriptor));
		}
		printf("%-*s  %-*s  %-*s  %s\n", wa, "AOR", wc, "CONTACT", wd, "DESCRIPTOR",
		       "EXPIRES");
		for (size_t i = 0; i < t.n; i++)
			printf("%-*s  %-*s  %-*s  %s\n", wa, t.v[i].aor, wc, t.v[i].contact, wd,
			       t.v[i].descriptor, t.v[i].expires);
	}
	/* Malformed rows were skipped; the good ones are printed, then the news. */
	if (ret == -EBADMSG)
		status = cli_store_fail(s, "listing bindings", ret);
	if (fflush(stdout) != 0)
		status = 2;
out:
	for (size_t i = 0; i < t.n; i++) {
		free(t.v[i].aor);
		free(t.v[i].contact);
		free(t.v[i].descriptor);
		free(t.v[i].expires);
	}
	free(t.v);
	store_close(s);
	return status;
}

/* ---- add and del ---- */

static int check_contact(const char *contact)
{
	struct sip_err err = { 0 };
	struct sip_uri u;

	if (strlen(contact) > STORE_CONTACT_MAX) {
		fprintf(stderr, "nutss: contact URI longer than %d bytes\n", STORE_CONTACT_MAX);
		return 2;
	}
	if (!sip_uri_parse(&u, slice_cstr(contact), NULL, &err)) {
		fprintf(stderr, "nutss: '%s' is not a valid URI: %s\n", contact,
			err.what ? err.what : "syntax error");
		return 2;
	}
	if (u.scheme_id != SIP_SCHEME_SIP && u.scheme_id != SIP_SCHEME_SIPS) {
		fprintf(stderr, "nutss: '%s': a contact must be a sip: or sips: URI\n", contact);
		return 2;
	}
	return 0;
}

static int check_descriptor(const char *descriptor, const char *aor)
{
	struct sip_err err = { 0 };
	char buf[STORE_AOR_MAX + 1], canon[STORE_AOR_MAX + 1];
	struct desc d;

	if (strlen(descriptor) > STORE_DESCRIPTOR_MAX) {
		fprintf(stderr, "nutss: descriptor longer than %d bytes\n", STORE_DESCRIPTOR_MAX);
		return 2;
	}
	if (!desc_parse(&d, slice_cstr(descriptor), &err)) {
		fprintf(stderr, "nutss: '%s' is not a valid descriptor: %s\n", descriptor,
			err.what ? err.what : "syntax error");
		return 2;
	}
	if (desc_aor(&d, buf, sizeof(buf)) < 0 || cli_aor(canon, sizeof(canon), buf) ||
	    strcmp(canon, aor)) {
		fprintf(stderr, "nutss: descriptor '%s' does not describe %s\n", descriptor, aor);
		return 2;
	}
	return 0;
}

static int add(const char *aor, const char *contact, const char *descriptor, long long expires,
	       bool is_static)
{
	struct store_binding b = {
		.aor = aor,
		.contact = contact,
		.descriptor = descriptor,
		.q = 1.0,
		.expires_at = (int64_t)time(NULL) + expires,
		.is_static = is_static,
	};
	struct store *s = NULL;
	int ret, status = 0;

	if (check_contact(contact) || (descriptor && check_descriptor(descriptor, aor)))
		return 2;
	if (cli_store_open(&s, STORE_CREATE))
		return 2;
	ret = store_binding_put(s, &b);
	if (ret < 0)
		status = cli_store_fail(s, aor, ret);
	store_close(s);
	return status;
}

static int del(const char *aor, const char *contact)
{
	struct store *s = NULL;
	int ret, status = 0;

	if (contact && check_contact(contact))
		return 2;
	if (cli_store_open(&s, 0))
		return 2;
	ret = store_binding_del(s, aor, contact);
	if (ret == -ENOENT) {
		fprintf(stderr, "nutss: %s%s%s: no such binding\n", aor, contact ? " " : "",
			contact ? contact : "");
		status = 1;
	} else if (ret < 0) {
		status = cli_store_fail(s, aor, ret);
	}
	store_close(s);
	return status;
}

int cmd_reg(int argc, char **argv)
{
	static const struct option opts[] = { { "expires", required_argument, NULL, 'e' },
					      { "static", no_argument, NULL, 's' },
					      { "descriptor", required_argument, NULL, 'd' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	char aor[STORE_AOR_MAX + 1];
	const char *verb, *descriptor = NULL;
	long long expires = -1;
	bool is_static = false, add_opts = false;
	char *end;
	int opt;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	verb = argv[1];
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(stdout);
		return 0;
	}
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			errno = 0;
			expires = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || expires < 1 ||
			    expires > (long long)SIP_MAX_EXPIRES) {
				fprintf(stderr, "nutss: --expires '%s': want 1 to %u seconds\n",
					optarg, SIP_MAX_EXPIRES);
				return 2;
			}
			add_opts = true;
			break;
		case 's':
			is_static = true;
			add_opts = true;
			break;
		case 'd':
			descriptor = optarg;
			add_opts = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind + 1;
	argv += optind + 1;

	if (strcmp(verb, "list") && strcmp(verb, "add") && strcmp(verb, "del")) {
		fprintf(stderr, "nutss: reg: unknown command '%s'\n", verb);
		goto bad_usage;
	}
	if (strcmp(verb, "add") && add_opts)
		goto bad_usage;
	if (!strcmp(verb, "list")) {
		if (argc > 1)
			goto bad_usage;
		if (argc == 1 && cli_aor(aor, sizeof(aor), argv[0]))
			return 2;
		return list(argc ? aor : NULL);
	}
	if (argc < 1 || argc > 2 || (!strcmp(verb, "add") && argc != 2))
		goto bad_usage;
	if (cli_aor(aor, sizeof(aor), argv[0]))
		return 2;
	if (!strcmp(verb, "del"))
		return del(aor, argc == 2 ? argv[1] : NULL);
	if (is_static && expires >= 0) {
		fprintf(stderr, "nutss: --static and --expires exclude each other\n");
		return 2;
	}
	return add(aor, argv[1], descriptor, expires < 0 ? REG_DEFAULT_EXPIRES : expires,
		   is_static);
bad_usage:
	usage(stderr);
	return 2;
}
