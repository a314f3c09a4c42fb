// SPDX-License-Identifier: MIT
/*
 * nutss policy check [--tree] FILE...
 * nutss policy test [--json] FILE... --from URI --to URI [--flow LINE]...
 *
 * check compiles policy files as a P-Box would load them; test decides one
 * flow against them and says why, line by line. docs/policy.md is the
 * language's reference.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "policy/policy.h"
#include "sip/desc.h"
#include "sip/sdp.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss policy check [--tree] FILE...\n"
		"       nutss policy test [--json] FILE... --from URI --to URI [--flow LINE]...\n"
		"\n"
		"check  compile each policy FILE; print errors as FILE:LINE:COL: MESSAGE.\n"
		"       --tree  also print how each file was read: every if with the\n"
		"               statements it governs, indented, and where each end closes.\n"
		"       Exit status: 0 all valid, 1 errors, 2 usage or I/O error.\n"
		"\n"
		"test   decide one flow against the FILEs, loaded together in order (a deny\n"
		"       from any file wins, then a redirect, then an accept; no decision denies).\n"
		"       --from URI, --to URI  the endpoint descriptors, e.g.\n"
		"                             bob@acme.org;app=ftp;type=client\n"
		"       --flow LINE           an SDP line of the flow descriptor (repeatable):\n"
		"                             m=data PORT PROTO APP, c=IN IP4 ADDR[:PORT],\n"
		"                             a=enc:ENC, a=taint:TAINT, a=nutss-token:TOKEN\n"
		"       --json                the same output as JSON\n"
		"       Prints the decision (accept, deny, deny: REASON, redirect HOST:PORT),\n"
		"       then one line per flow modification (require enc:ENC, uid=HEX,\n"
		"       param VALUE), then the trace: each if evaluated (=> true or false)\n"
		"       and each action reached, as FILE:LINE: [LABEL:] STATEMENT.\n"
		"       Exit status: 0 when a decision was made, 2 usage, I/O or policy error.\n");
}

static int check(int argc, char **argv)
{
	static const struct option opts[] = { { "tree", no_argument, NULL, 't' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct policy *p;
	bool tree = false;
	int opt, status = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "th", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			tree = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	p = policy_new();
	if (!p) {
		perror("nutss policy");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		struct policy_err err;
		int ret = policy_load(p, argv[i], &err);

		if (ret < 0) {
			fprintf(stderr, "%s\n", err.text);
			status = ret == -EINVAL ? (status ? status : 1) : 2;
			continue;
		}
		if (tree) {
			char *text;
			size_t len;

			ret = cli_read_file(argv[i], POLICY_MAX_TEXT, &text, &len);
			if (ret < 0) {
				fprintf(stderr, "%s: %s\n", argv[i], strerror(-ret));
				status = 2;
				continue;
			}
			if (optind + 1 < argc)
				printf("%s:\n", argv[i]);
			if (policy_print_tree(stdout, argv[i], text, len, &err) < 0) {
				fprintf(stderr, "%s\n", err.text);
				status = 2;
			}
			free(text);
		}
	}
	policy_free(p);
	return status;
}

/* ---- flows from the command line ---- */

#define FLOW_ARGS_MAX 4096 /* all --flow lines together */

/*
 * The --flow lines are SDP lines (paper 2, Table 2): each is checked on its
 * own so an error names the line, then all are read together by the SDP
 * module, the same code the P-Box reads INVITEs with.
 */
static bool add_flow_line(char *buf, size_t *len, const char *line)
{
	struct sdp one;
	struct sip_err err = { 0 };
	size_t n = strlen(line);

	if (!sdp_parse(&one, slice_make(line, n), SDP_FRAGMENT, &err) || !n ||
	    memchr(line, '\n', n)) {
		fprintf(stderr, "nutss policy test: --flow '%s': %s\n", line,
			err.what ? err.what : "expected one SDP line");
		return false;
	}
	if (*len + n + 2 > FLOW_ARGS_MAX) {
		fprintf(stderr, "nutss policy test: --flow lines longer than %d bytes\n",
			FLOW_ARGS_MAX);
		return false;
	}
	memcpy(buf + *len, line, n);
	memcpy(buf + *len + n, "\r\n", 2);
	*len += n + 2;
	return true;
}

/* ---- printing a decision ---- */

static const char *step_result(enum policy_step_kind k)
{
	return k == POLICY_STEP_TRUE ? "true" : k == POLICY_STEP_FALSE ? "false" : "action";
}

static void print_text(const struct policy_decision *d, const struct policy_trace *t)
{
	switch (d->verdict) {
	case POLICY_ACCEPT:
		printf("accept\n");
		break;
	case POLICY_REDIRECT:
		printf("redirect %.*s\n", SLICE_FMT(d->redirect));
		break;
	case POLICY_DENY:
		if (d->reason.p)
			printf("deny: %.*s\n", SLICE_FMT(d->reason));
		else
			printf("deny\n");
		break;
	}
	for (unsigned i = 0; i < d->nrequire; i++)
		printf("require enc:%.*s\n", SLICE_FMT(d->require[i]));
	if (d->has_uid)
		printf("uid=%016" PRIx64 "\n", d->uid);
	for (unsigned i = 0; i < d->nparams; i++)
		printf("param %.*s\n", SLICE_FMT(d->params[i]));
	for (unsigned i = 0; i < t->n; i++) {
		const struct policy_site *s = t->step[i].site;

		printf("  %s:%u: ", s->file, s->line);
		if (s->label.len)
			printf("%.*s: ", SLICE_FMT(s->label));
		printf("%.*s", SLICE_FMT(s->text));
		if (t->step[i].kind != POLICY_STEP_ACTION)
			printf(" => %s", step_result(t->step[i].kind));
		printf("\n");
	}
	if (t->truncated)
		printf("  ... (trace truncated after %u steps)\n", POLICY_TRACE_MAX);
	if (!d->site)
		printf("  (no accept, deny or redirect reached: denied by default)\n");
}

static void json_site(struct json *j, const char *key, const struct policy_site *s)
{
	if (!s) {
		json_null(j, key);
		return;
	}
	json_obj_begin(j, key);
	json_cstr(j, "file", s->file);
	json_int(j, "line", s->line);
	json_str(j, "label", s->label.len ? s->label : SLICE_NULL);
	json_str(j, "text", s->text);
	json_obj_end(j);
}

static void print_json(const struct policy_decision *d, const struct policy_trace *t)
{
	struct json j;
	char buf[POLICY_MAX_VALUE + 32];

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_cstr(&j, "decision", policy_verdict_name(d->verdict));
	json_str(&j, "redirect", d->verdict == POLICY_REDIRECT ? d->redirect : SLICE_NULL);
	json_str(&j, "reason", d->reason);
	json_site(&j, "decided_by", d->site);
	json_arr_begin(&j, "modifications");
	for (unsigned i = 0; i < d->nrequire; i++) {
		snprintf(buf, sizeof(buf), "require enc:%.*s", SLICE_FMT(d->require[i]));
		json_cstr(&j, NULL, buf);
	}
	if (d->has_uid) {
		snprintf(buf, sizeof(buf), "uid=%016" PRIx64, d->uid);
		json_cstr(&j, NULL, buf);
	}
	for (unsigned i = 0; i < d->nparams; i++) {
		snprintf(buf, sizeof(buf), "param %.*s", SLICE_FMT(d->params[i]));
		json_cstr(&j, NULL, buf);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "trace");
	for (unsigned i = 0; i < t->n; i++) {
		const struct policy_site *s = t->step[i].site;

		json_obj_begin(&j, NULL);
		json_cstr(&j, "file", s->file);
		json_int(&j, "line", s->line);
		json_str(&j, "label", s->label.len ? s->label : SLICE_NULL);
		json_str(&j, "text", s->text);
		json_cstr(&j, "result", step_result(t->step[i].kind));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_bool(&j, "trace_truncated", t->truncated);
	json_obj_end(&j);
}

static int test(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' }, { "to", required_argument, NULL, 't' },
		{ "flow", required_argument, NULL, 'l' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },	  { 0 }
	};
	const char *from = NULL, *to = NULL;
	struct flow_desc f;
	struct policy_decision d;
	struct policy_trace t;
	struct policy *p = NULL;
	struct sip_err serr = { 0 };
	static char flow_buf[FLOW_ARGS_MAX];
	static struct sdp sdp;
	size_t flow_len = 0;
	bool json = false;
	int opt, status = 2;

	memset(&f, 0, sizeof(f));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'l':
			if (!add_flow_line(flow_buf, &flow_len, optarg))
				return 2;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc || !from || !to) {
		fprintf(stderr, "nutss policy test: need FILE..., --from and --to\n");
		usage(stderr);
		return 2;
	}
	if (!sdp_parse(&sdp, slice_make(flow_buf, flow_len), SDP_FRAGMENT, &serr) ||
	    !sdp_flow(&sdp, &f, &serr)) {
		fprintf(stderr, "nutss policy test: --flow lines: %s\n", serr.what);
		return 2;
	}
	if (!desc_parse(&f.from, slice_cstr(from), &serr)) {
		fprintf(stderr, "nutss policy test: --from '%s': %s\n", from, serr.what);
		return 2;
	}
	if (!desc_parse(&f.to, slice_cstr(to), &serr)) {
		fprintf(stderr, "nutss policy test: --to '%s': %s\n", to, serr.what);
		return 2;
	}
	p = policy_new();
	if (!p) {
		perror("nutss policy");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		struct policy_err err;

		if (policy_load(p, argv[i], &err) < 0) {
			fprintf(stderr, "%s\n", err.text);
			goto out;
		}
	}
	policy_eval(p, &f, &d, &t);
	if (json)
		print_json(&d, &t);
	else
		print_text(&d, &t);
	status = 0;
out:
	policy_free(p);
	return status;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "check"))
		return check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "test"))
		return test(argc - 1, argv + 1);
	fprintf(stderr, "nutss policy: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
