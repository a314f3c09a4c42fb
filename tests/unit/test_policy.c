// SPDX-License-Identifier: MIT
/*
 * The policy language: the end rule on the paper's figures and the cases
 * around them, every operator and action, the partial-attribute semantics,
 * error positions, multi-file decisions, and that the IS-lookup tables
 * never change a decision.
 */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "policy/policy.h"

static const char fig4[] = "1:if (from.type IS client\n"
			   "2: AND to.type IS server)\n"
			   "3: accept()\n"
			   "4:end\n";

static const char fig5[] = "1:if (to.user IS root@acme.org\n"
			   "2: AND to.app IS ftp\n"
			   "3: AND to.type IS server)\n"
			   "4: if (from.user NOT LIKE *@acme.org)\n"
			   "5: deny()\n"
			   "6: if (from.app NOT ftp\n"
			   "7: OR from.type NOT client)\n"
			   "8: deny()\n"
			   "9: if (from.location NOT internal)\n"
			   "A: require(ssl)\n"
			   "B: redirect(clean.acme.org:8110, uid())\n"
			   "C:end\n";

static struct flow_desc flow(const char *from, const char *to)
{
	struct flow_desc f;
	struct sip_err e = { 0 };

	memset(&f, 0, sizeof(f));
	if (!desc_parse(&f.from, slice_cstr(from), &e) || !desc_parse(&f.to, slice_cstr(to), &e))
		fprintf(stderr, "  bad descriptor in test: %s / %s\n", from, to);
	return f;
}

static struct policy *compile(const char *text, unsigned index_min)
{
	struct policy *p = policy_new();
	struct policy_err err;

	policy_set_index_min(p, index_min);
	if (policy_add(p, "t.pol", text, strlen(text), &err) < 0) {
		fprintf(stderr, "  unexpected error: %s\n", err.text);
		policy_free(p);
		return NULL;
	}
	return p;
}

/* The verdict of text on f, checked to be the same with and without lookup tables. */
static struct policy *kept;

static enum policy_verdict decide(const char *text, const struct flow_desc *f,
				  struct policy_decision *d)
{
	struct policy *a = compile(text, 1), *b = compile(text, 0);
	struct policy_decision d2;
	enum policy_verdict v = POLICY_DENY;

	memset(d, 0, sizeof(*d));

	if (a && b) {
		v = policy_eval(a, f, d, NULL);
		CHECK_INT(policy_eval(b, f, &d2, NULL), v);
		CHECK_INT(d2.nrequire, d->nrequire);
		CHECK(!d2.site == !d->site);
		if (d->site && d2.site)
			CHECK_INT(d2.site->line, d->site->line);
	}
	/* d points into a: keep it until the next decision. */
	policy_free(kept);
	kept = a;
	policy_free(b);
	return v;
}

static enum policy_verdict v(const char *text, const char *from, const char *to)
{
	struct flow_desc f = flow(from, to);
	struct policy_decision d;

	return decide(text, &f, &d);
}

/* How the parser read text, as `nutss policy check --tree` prints it. */
static char *tree(const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct policy_err err;

	if (policy_print_tree(f, "t.pol", text, strlen(text), &err) < 0)
		fprintf(f, "error: %s\n", err.text);
	fclose(f);
	return buf;
}

#define CHECK_TREE(text, expect)                                                                   \
	do {                                                                                       \
		char *t_ = tree(text);                                                             \
		CHECK_STR(t_, expect);                                                             \
		free(t_);                                                                          \
	} while (0)

static void test_figure4(void)
{
	const char *srv = "alice@rr.net;app=ftp;type=server";

	CHECK_TREE(fig4, "   1  if (from.type IS client AND to.type IS server)\n"
			 "   3      accept()\n"
			 "   4  end\n");
	CHECK_INT(v(fig4, "bob@acme.org;app=ftp;type=client", srv), POLICY_ACCEPT);
	CHECK_INT(v(fig4, "bob@acme.org;app=ftp;type=server", srv), POLICY_DENY);
	/* Partial attributes: a client that does not say what it is is not a client. */
	CHECK_INT(v(fig4, "bob@acme.org;app=ftp", srv), POLICY_DENY);
	CHECK_INT(v(fig4, "bob@acme.org;type=client", "alice@rr.net"), POLICY_DENY);
}

static void test_figure5_tree(void)
{
	static const char expect[] =
		"   1  if (to.user IS root@acme.org AND to.app IS ftp AND to.type IS server)\n"
		"   4      if (from.user NOT LIKE *@acme.org)\n"
		"   5          deny()\n"
		"   6      if (from.app NOT ftp OR from.type NOT client)\n"
		"   8          deny()\n"
		"   9      if (from.location NOT internal)\n"
		"  10          require(ssl)\n"
		"  11      redirect(clean.acme.org:8110, uid())\n"
		"  12  end\n";
	char nolabels[sizeof(fig5)];
	size_t o = 0;

	CHECK_TREE(fig5, expect);
	/* The same without the line labels. */
	for (const char *p = fig5; *p; p++) {
		if (p == fig5 || p[-1] == '\n')
			p = strchr(p, ':') + 1;
		nolabels[o++] = *p;
	}
	nolabels[o] = '\0';
	CHECK_TREE(nolabels, expect);
}

static void test_figure5_flows(void)
{
	const char *srv = "root@acme.org;app=ftp;type=server";
	struct flow_desc f;
	struct policy_decision d;

	/* An Acme user's ftp client inside the enterprise: through the virus checker. */
	f = flow("bob@acme.org;app=ftp;type=client;location=internal", srv);
	CHECK_INT(decide(fig5, &f, &d), POLICY_REDIRECT);
	CHECK_SLICE(d.redirect, "clean.acme.org:8110");
	CHECK(d.has_uid);
	CHECK_INT(d.nrequire, 0);
	/* From outside (or not saying where from): ssl required, and still redirected. */
	f = flow("bob@acme.org;app=ftp;type=client;location=home", srv);
	CHECK_INT(decide(fig5, &f, &d), POLICY_REDIRECT);
	CHECK_INT(d.nrequire, 1);
	CHECK_SLICE(d.require[0], "ssl");
	f = flow("bob@acme.org;app=ftp;type=client", srv);
	CHECK_INT(decide(fig5, &f, &d), POLICY_REDIRECT);
	CHECK_INT(d.nrequire, 1);
	/* Not an Acme user, not an ftp client, not a client at all. */
	CHECK_INT(v(fig5, "eve@evil.net;app=ftp;type=client;location=internal", srv), POLICY_DENY);
	CHECK_INT(v(fig5, "bob@acme.org;app=web;type=client;location=internal", srv), POLICY_DENY);
	CHECK_INT(v(fig5, "bob@acme.org;app=ftp;location=internal", srv), POLICY_DENY);
	/* Not the FTP server: the policy has nothing to say, and that denies. */
	CHECK_INT(v(fig5, "bob@acme.org;app=ftp;type=client", "root@acme.org;app=web;type=server"),
		  POLICY_DENY);
	CHECK_INT(v(fig5, "bob@acme.org;app=ftp;type=client", "root@acme.org"), POLICY_DENY);
	/* user@domain: the user part is exact, the domain is not (RFC 3261 19.1.4). */
	CHECK_INT(v(fig5, "bob@ACME.org;app=ftp;type=client", "root@Acme.Org;app=ftp;type=server"),
		  POLICY_REDIRECT);
	CHECK_INT(v(fig5, "bob@acme.org;app=ftp;type=client", "Root@acme.org;app=ftp;type=server"),
		  POLICY_DENY);
}

static void test_end_rule(void)
{
	/* A short if, then a block at the same level: the end is the block's. */
	CHECK_TREE("if (from.app IS a) deny()\nif (from.app IS b)\naccept()\nend\n",
		   "   1  if (from.app IS a)\n"
		   "   1      deny()\n"
		   "   2  if (from.app IS b)\n"
		   "   3      accept()\n"
		   "   4  end\n");
	CHECK_INT(v("if (from.app IS a) deny()\nif (from.app IS b)\naccept()\nend\n", "x@y;app=b",
		    "z@w"),
		  POLICY_ACCEPT);
	/* Nested blocks. */
	CHECK_TREE("if (from.app IS a)\nif (to.app IS b)\naccept()\nend\ndeny()\nend\n",
		   "   1  if (from.app IS a)\n"
		   "   2      if (to.app IS b)\n"
		   "   3          accept()\n"
		   "   4      end\n"
		   "   5      deny()\n"
		   "   6  end\n");
	/* A block of several actions. */
	CHECK_TREE("if (from.app IS a) require(ssl) accept() end deny()",
		   "   1  if (from.app IS a)\n"
		   "   1      require(ssl)\n"
		   "   1      accept()\n"
		   "   1  end\n"
		   "   1  deny()\n");
	/* Figure 5 without line B: the last inner if still governs one statement. */
	CHECK_TREE("if (to.app IS ftp)\nif (from.app NOT ftp) deny()\nif (from.x IS y) "
		   "require(ssl)\nend\n",
		   "   1  if (to.app IS ftp)\n"
		   "   2      if (from.app NOT ftp)\n"
		   "   2          deny()\n"
		   "   3      if (from.x IS y)\n"
		   "   3          require(ssl)\n"
		   "   4  end\n");
	/* No end anywhere: each if governs the next statement, which may be an if. */
	CHECK_TREE("if (from.a IS 1)\nif (from.b IS 2)\naccept()\ndeny()\n",
		   "   1  if (from.a IS 1)\n"
		   "   2      if (from.b IS 2)\n"
		   "   3          accept()\n"
		   "   4  deny()\n");
	/* Keywords in any case; comments anywhere. */
	CHECK_TREE("IF (from.a is 1 And NoT from.b LiKe x*) # why\n  Accept() END",
		   "   1  IF (from.a is 1 And NoT from.b LiKe x*)\n"
		   "   2      Accept()\n"
		   "   2  END\n");
}

static void check_error(const char *text, const char *expect)
{
	struct policy *p = policy_new();
	struct policy_err err;

	CHECK_INT(policy_add(p, "t.pol", text, strlen(text), &err), -EINVAL);
	CHECK_STR(err.text, expect);
	CHECK_INT(policy_nfiles(p), 0);
	policy_free(p);
}

static void test_errors(void)
{
	check_error("if (from.app IS ftp\n  accept()\nend\n",
		    "t.pol:2:3: expected ')' to close the condition, got 'accept'");
	check_error("if (from.app IS ftp) end", "t.pol:1:22: expected a statement after the "
						"condition, got 'end'");
	check_error("accept()\nend\n", "t.pol:2:1: 'end' without an 'if' to close");
	check_error("if (x.y IS 1) accept()",
		    "t.pol:1:5: expected an attribute (from.X, to.X or flow.X), got 'x.y'");
	check_error("if (flow.color IS red) accept()",
		    "t.pol:1:5: unknown flow attribute (flow.protocol, flow.app, flow.enc, "
		    "flow.taint, flow.address or flow.port)");
	check_error("if (from.app IS \"ftp) accept()", "t.pol:1:17: unterminated string");
	check_error("if (from.app == ftp) accept()",
		    "t.pol:1:14: expected IS, NOT or LIKE, got '=='");
	check_error("if (from.app IS end) accept()",
		    "t.pol:1:17: expected a value (write a value that is a keyword in quotes), "
		    "got 'end'");
	check_error("if (from.app IS ftp) redirect(nohost)",
		    "t.pol:1:31: redirect() needs host:port, port 1-65535");
	check_error("if (from.app IS ftp) redirect(h:70000)",
		    "t.pol:1:31: redirect() needs host:port, port 1-65535");
	check_error("if (from.app IS ftp) accept(now)",
		    "t.pol:1:29: expected ')': accept() takes no arguments, got 'now'");
	check_error("if (from.app IS ftp) allow()",
		    "t.pol:1:22: expected a statement: if, accept(), deny(), redirect() or "
		    "require(), got 'allow'");
	check_error("uid()", "t.pol:1:1: uid() is a parameter of redirect(), not a statement");
	check_error("require(a:b)", "t.pol:1:9: require() takes an encryption, e.g. ssl or ipsec");
	check_error("if (from.a IS 1) accept() end end",
		    "t.pol:1:27: 'end' without an 'if' to close");
	check_error("if (from.a IS\001) accept()", "t.pol:1:14: control character 0x01");
	check_error("if from.a IS 1 accept()", "t.pol:1:4: expected '(' after if, got 'from.a'");
	check_error("if (from. IS 1) accept()", "t.pol:1:5: missing attribute name");
	check_error("if (from.a IS 1) accept()\nif (", "t.pol:2:5: expected an attribute (from.X, "
						       "to.X or flow.X), got end of file");
}

static void test_limits(void)
{
	char *deep = malloc(4 * POLICY_MAX_NEST + 64), *o = deep;

	/* Deep nesting is an error, not a stack overflow. */
	o += sprintf(o, "if ");
	for (int i = 0; i < POLICY_MAX_NEST + 1; i++)
		*o++ = '(';
	sprintf(o, "from.a IS 1");
	check_error(deep, "t.pol:1:68: nested too deeply");
	free(deep);
}

static void test_operators(void)
{
	const char *to = "s@t";

	/* AND binds tighter than OR: a OR (b AND c). */
	CHECK_INT(v("if (from.a IS 1 OR from.b IS 1 AND from.c IS 1) accept()", "u@d;a=1", to),
		  POLICY_ACCEPT);
	CHECK_INT(v("if ((from.a IS 1 OR from.b IS 1) AND from.c IS 1) accept()", "u@d;a=1", to),
		  POLICY_DENY);
	CHECK_INT(v("if (NOT from.a IS 1) accept()", "u@d;a=2", to), POLICY_ACCEPT);
	CHECK_INT(v("if (NOT NOT from.a IS 1) accept()", "u@d;a=1", to), POLICY_ACCEPT);
	CHECK_INT(v("if (from.a IS NOT 1) accept()", "u@d;a=2", to), POLICY_ACCEPT);
	/* Globs. */
	CHECK_INT(v("if (from.a LIKE f?p) accept()", "u@d;a=ftp", to), POLICY_ACCEPT);
	CHECK_INT(v("if (from.a LIKE f?p) accept()", "u@d;a=fp", to), POLICY_DENY);
	CHECK_INT(v("if (from.a LIKE *t*) accept()", "u@d;a=ftp", to), POLICY_ACCEPT);
	CHECK_INT(v("if (from.a LIKE a*b*c) accept()", "u@d;a=aXbYbZc", to), POLICY_ACCEPT);
	CHECK_INT(v("if (from.a LIKE a*b*c) accept()", "u@d;a=aXbYbZ", to), POLICY_DENY);
	CHECK_INT(v("if (from.a LIKE \\*) accept()", "u@d;a=x", to), POLICY_DENY);
	CHECK_INT(v("if (from.a LIKE \"x\\?\") accept()", "u@d;a=xy", to), POLICY_DENY);
	CHECK_INT(v("if (from.a IS x*) accept()", "u@d;a=xy", to), POLICY_DENY); /* IS: no globs */
	/* Tokens compare without case, and so do keys. */
	CHECK_INT(v("if (from.APP IS FTP) accept()", "u@d;app=ftp", to), POLICY_ACCEPT);
	CHECK_INT(v("if (from.domain IS ACME.org) accept()", "u@acme.ORG", to), POLICY_ACCEPT);
}

static void test_absent(void)
{
	const char *to = "s@t";

	/* Absent attributes never match IS or LIKE, and always match NOT and NOT LIKE. */
	CHECK_INT(v("if (from.app IS ftp) accept()", "u@d", to), POLICY_DENY);
	CHECK_INT(v("if (from.app LIKE *) accept()", "u@d", to), POLICY_DENY);
	CHECK_INT(v("if (from.app LIKE *) accept()", "u@d;app", to), POLICY_ACCEPT);
	CHECK_INT(v("if (from.app NOT ftp) accept()", "u@d", to), POLICY_ACCEPT);
	CHECK_INT(v("if (from.app NOT LIKE f*) accept()", "u@d", to), POLICY_ACCEPT);
	CHECK_INT(v("if (from.app IS \"\") accept()", "u@d;app", to), POLICY_ACCEPT);
	CHECK_INT(v("if (flow.enc NOT ssl) accept()", "u@d", to), POLICY_ACCEPT);
	CHECK_INT(v("if (flow.port IS 0) accept()", "u@d", to), POLICY_DENY);
	CHECK_INT(v("if (flow.taint NOT x) accept()", "u@d", to), POLICY_ACCEPT);
}

static void test_flow_attrs(void)
{
	struct flow_desc f = flow("u@d", "s@t");
	struct policy_decision d;

	f.protocol = SLICE_LIT("tcp");
	f.app = SLICE_LIT("ftp");
	f.port = 21;
	f.address = SLICE_LIT("128.84.223.109");
	f.taint[0] = SLICE_LIT("bob.confidential");
	f.taint[1] = SLICE_LIT("alice.secret");
	f.ntaint = 2;
	CHECK_INT(decide("if (flow.protocol IS tcp AND flow.app IS ftp AND flow.port IS 21 AND "
			 "flow.address LIKE 128.84.*) accept()",
			 &f, &d),
		  POLICY_ACCEPT);
	/* Several taints: IS matches any; NOT is its negation, so none may match. */
	CHECK_INT(decide("if (flow.taint IS alice.secret) accept()", &f, &d), POLICY_ACCEPT);
	CHECK_INT(decide("if (flow.taint NOT alice.secret) accept()", &f, &d), POLICY_DENY);
	CHECK_INT(decide("if (flow.taint LIKE bob.*) deny(\"bob's data\")", &f, &d), POLICY_DENY);
	CHECK_SLICE(d.reason, "bob's data");
	/* require() changes the flow that later tests see. */
	CHECK_INT(decide("require(ssl) if (flow.enc IS ssl) accept()", &f, &d), POLICY_ACCEPT);
	CHECK_INT(d.nrequire, 1);
	CHECK_INT(decide("require(ssl) require(SSL) require(enc:ipsec) accept()", &f, &d),
		  POLICY_ACCEPT);
	CHECK_INT(d.nrequire, 2);
	CHECK_SLICE(d.require[1], "ipsec");
	CHECK_INT(decide("require(a) require(b) require(c) require(d) require(e) accept()", &f, &d),
		  POLICY_DENY);
}

static void test_actions(void)
{
	struct flow_desc f = flow("u@d", "s@t");
	struct policy_decision d;

	/* The first accept, deny or redirect ends evaluation. */
	CHECK_INT(decide("accept() deny()", &f, &d), POLICY_ACCEPT);
	CHECK_INT(decide("deny(why) accept()", &f, &d), POLICY_DENY);
	CHECK_SLICE(d.reason, "why");
	CHECK_INT(decide("redirect(m.x:9, uid(), \"a b\", c) accept()", &f, &d), POLICY_REDIRECT);
	CHECK_SLICE(d.redirect, "m.x:9");
	CHECK(d.has_uid);
	CHECK(d.uid == policy_uid(&f, SLICE_NULL));
	CHECK(d.uid != policy_uid(&f, SLICE_LIT("call-1")));
	CHECK_INT(d.nparams, 2);
	CHECK_SLICE(d.params[0], "a b");
	/* Falling off the end denies, and says nothing decided. */
	CHECK_INT(decide("require(ssl)", &f, &d), POLICY_DENY);
	CHECK(d.site == NULL && d.nrequire == 0);
	CHECK_INT(decide("", &f, &d), POLICY_DENY);
	CHECK_INT(decide("# nothing but a comment\n", &f, &d), POLICY_DENY);
}

static void test_trace(void)
{
	struct policy *p = compile(fig5, 8);
	struct flow_desc f =
		flow("bob@acme.org;app=ftp;type=client", "root@acme.org;app=ftp;type=server");
	struct policy_decision d;
	struct policy_trace t;

	if (!p)
		return;
	CHECK_INT(policy_eval(p, &f, &d, &t), POLICY_REDIRECT);
	CHECK_INT(t.n, 6);
	CHECK_INT(t.step[0].kind, POLICY_STEP_TRUE);
	CHECK_INT(t.step[1].kind, POLICY_STEP_FALSE);
	CHECK_INT(t.step[3].site->line, 9);
	CHECK_INT(t.step[3].kind, POLICY_STEP_TRUE);
	CHECK_SLICE(t.step[4].site->label, "A");
	CHECK_SLICE(t.step[4].site->text, "require(ssl)");
	CHECK_SLICE(t.step[5].site->label, "B");
	CHECK(d.site == t.step[5].site);
	CHECK_STR(d.site->file, "t.pol");
	policy_free(p);
}

static void test_multi_file(void)
{
	struct policy *p = policy_new();
	struct policy_err err;
	struct policy_decision d;
	struct flow_desc ftp = flow("bob@acme.org;app=ftp;type=client;location=internal",
				    "root@acme.org;app=ftp;type=server");
	struct flow_desc web =
		flow("bob@acme.org;app=web;type=client", "alice@acme.org;app=web;type=server");
	struct flow_desc eve =
		flow("eve@evil.net;app=ftp;type=client", "root@acme.org;app=ftp;type=server");
	static const char other[] = "if (to.app IS ftp) redirect(other.box:1)";

	CHECK_INT(policy_add(p, "fig4.pol", fig4, strlen(fig4), &err), 0);
	CHECK_INT(policy_add(p, "fig5.pol", fig5, strlen(fig5), &err), 0);
	CHECK_INT(policy_nfiles(p), 2);
	/* A redirect outranks an accept; a deny outranks both; abstaining is no veto. */
	CHECK_INT(policy_eval(p, &ftp, &d, NULL), POLICY_REDIRECT);
	CHECK_STR(d.site->file, "fig5.pol");
	CHECK_INT(policy_eval(p, &web, &d, NULL), POLICY_ACCEPT);
	CHECK_STR(d.site->file, "fig4.pol");
	CHECK_INT(policy_eval(p, &eve, &d, NULL), POLICY_DENY);
	CHECK_INT(d.site->line, 5);
	/* Two middleboxes for one flow: denied rather than bypassing either. */
	CHECK_INT(policy_add(p, "other.pol", other, strlen(other), &err), 0);
	CHECK_INT(policy_eval(p, &ftp, &d, NULL), POLICY_DENY);
	CHECK_SLICE(d.reason, "conflicting redirects");
	/* A file with an error leaves the policy as it was. */
	CHECK_INT(policy_add(p, "bad.pol", "if (", 4, &err), -EINVAL);
	CHECK_INT(policy_nfiles(p), 3);
	CHECK_INT(policy_load(p, "/nonexistent/x.pol", &err), -ENOENT);
	CHECK_STR(err.text, "/nonexistent/x.pol: No such file or directory");
	policy_free(p);
	policy_free(NULL);
}

/* A thousand rules on to.user become one lookup; decisions must not change. */
static void test_index(void)
{
	size_t cap = 200 * 1000, o = 0;
	char *text = malloc(cap);
	struct policy *a, *b;

	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(text + o, cap - o,
				      "if (to.user IS srv%d@acme.org AND from.app IS %s)\n"
				      "  %s\nend\n",
				      i % 700, i % 3 ? "ftp" : "web",
				      i % 5 ? "accept()" : "deny(\"five\")");
	o += (size_t)snprintf(text + o, cap - o, "if (to.app IS ftp) redirect(x.y:1)\n");
	a = compile(text, 8);
	b = compile(text, 0);
	if (a && b) {
		for (int i = 0; i < 800; i += 7) {
			char to[64];
			struct flow_desc f;
			struct policy_decision d1, d2;

			snprintf(to, sizeof(to), "srv%d@ACME.org;app=%s", i, i % 2 ? "ftp" : "web");
			f = flow(i % 3 ? "u@d;app=ftp" : "u@d;app=web", to);
			CHECK_INT(policy_eval(a, &f, &d1, NULL), policy_eval(b, &f, &d2, NULL));
			CHECK(d1.site && d2.site ? d1.site->line == d2.site->line
						 : d1.site == d2.site);
		}
	}
	policy_free(a);
	policy_free(b);
	free(text);
}

int main(void)
{
	RUN(test_figure4);
	RUN(test_figure5_tree);
	RUN(test_figure5_flows);
	RUN(test_end_rule);
	RUN(test_errors);
	RUN(test_limits);
	RUN(test_operators);
	RUN(test_absent);
	RUN(test_flow_attrs);
	RUN(test_actions);
	RUN(test_trace);
	RUN(test_multi_file);
	RUN(test_index);
	policy_free(kept);
	return check_summary();
}
