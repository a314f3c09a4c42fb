// SPDX-License-Identifier: MIT
/*
 * bench_policy: policy decisions per second, against the cost of parsing
 * the INVITE that carries the flow, in the same process and the same run.
 *
 * Contenders, interleaved within every repeat so that noise lands on all:
 *   fig5             paper 2 Figure 5 on an Acme user from outside (the
 *                    longest path: four ifs, a require, a redirect with uid())
 *   rules1000        a generated 1,000-rule policy (one rule per server, as
 *                    an enterprise lists its services) on a flow that matches
 *                    rule 736; runs on to.user compile to one hash lookup
 *   rules1000_miss   the same policy, a flow no rule matches (default deny)
 *   rules1000_linear the same policy with the lookup tables off: every rule
 *                    tested in turn, the cost when rules share no IS-attribute
 *   invite_parse     sip_msg_parse(SIP_PARSE_FULL) of a ~1 kB INVITE with SDP
 *                    carrying that flow: the work a P-Box does before policy
 *
 * Usage: bench_policy [-t seconds-per-run] [-r repeats]
 * The last line is for scripts:
 *   policy: fig5=<N>/s rules1000=<N>/s rules1000_linear=<N>/s invite_parse=<N>/s ratio=<X>
 * with ratio = rules1000 / invite_parse: how many 1,000-rule decisions fit in
 * the time of one parse. The target is ratio > 1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "policy/policy.h"
#include "sip/msg.h"

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

#define SDP_BODY                                                                                   \
	"v=0\r\n"                                                                                  \
	"o=carol 2890844526 2890844527 IN IP4 198.51.100.23\r\n"                                   \
	"s=-\r\n"                                                                                  \
	"c=IN IP4 198.51.100.23\r\n"                                                               \
	"t=0 0\r\n"                                                                                \
	"m=data 32524 tcp ftp\r\n"                                                                 \
	"a=enc:none\r\n"                                                                           \
	"a=taint:carol.confidential\r\n"

/* A NUTSS flow request after one P-Box hop: descriptors in From and To, the flow in SDP. */
static const char invite[] =
	"INVITE sip:srv736@acme.org;app=ftp;type=server SIP/2.0\r\n"
	"Via: SIP/2.0/UDP pbox.partner6.net;branch=z9hG4bK2d4790.1;rport\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK74bf9a1c;rport=5062"
	";received=203.0.113.7\r\n"
	"Max-Forwards: 69\r\n"
	"Route: <sip:pbox.acme.org;lr>\r\n"
	"Record-Route: <sip:pbox.partner6.net;lr>\r\n"
	"From: <sip:carol@eng.partner6.net;app=ftp;type=client;software=lftp;version=4.9>"
	";tag=9fxced76sl\r\n"
	"To: <sip:srv736@acme.org;app=ftp;type=server>\r\n"
	"Call-ID: 3848276298220188511@eng.partner6.net\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:carol@198.51.100.23:5062;transport=udp>\r\n"
	"Proxy-Authorization: Digest username=\"carol\", realm=\"partner6.net\""
	", nonce=\"84a4cc6f3082121f32b42a2187831a9e\", uri=\"sip:srv736@acme.org\""
	", response=\"7587245234b3434cc3412213e5f113a5\", algorithm=MD5"
	", cnonce=\"0a4f113b\", qop=auth, nc=00000001\r\n"
	"User-Agent: nutss/0.1\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 155\r\n"
	"\r\n" SDP_BODY;

#define INVITE_LEN (sizeof(invite) - 1)
#define SDP_LEN	   (sizeof(SDP_BODY) - 1)
#define BATCH	   256

enum contender { FIG5, RULES, RULES_MISS, RULES_LINEAR, PARSE, NCONTENDERS };

static const char *const names[NCONTENDERS] = { "fig5", "rules1000", "rules1000_miss",
						"rules1000_linear", "invite_parse" };

static void die(const char *what)
{
	fprintf(stderr, "bench_policy: %s\n", what);
	exit(1);
}

/*
 * One rule per server: who may reach it, with what, and how. Every rule
 * tests to.user with IS, as a real listing of services does, so the
 * compiler turns the 1,000 into one lookup; rules1000_linear measures the
 * same text with that off.
 */
static char *generate(size_t *len)
{
	static const char *const apps[] = { "ftp", "web", "ssh", "imap" };
	size_t cap = 1000 * 200, o = 0;
	char *t = malloc(cap);

	if (!t)
		die(strerror(errno));
	o += (size_t)snprintf(t + o, cap - o, "# generated: 1000 rules\n");
	for (int i = 0; i < 1000; i++) {
		const char *app = apps[i % 4];

		o += (size_t)snprintf(
			t + o, cap - o,
			"if (to.user IS srv%03d@acme.org AND to.app IS %s\n"
			"    AND from.domain LIKE *.partner%d.net AND from.app IS %s)\n",
			i, app, i % 10, app);
		if (i % 4 == 0)
			o += (size_t)snprintf(t + o, cap - o,
					      "\tif (flow.enc NOT ssl) require(ssl)\n");
		o += (size_t)snprintf(t + o, cap - o, "\taccept()\nend\n");
	}
	*len = o;
	return t;
}

static struct policy *load(const char *name, const char *text, size_t len, unsigned index_min)
{
	struct policy *p = policy_new();
	struct policy_err err;

	if (!p)
		die("out of memory");
	policy_set_index_min(p, index_min);
	if (policy_add(p, name, text, len, &err) < 0)
		die(err.text);
	return p;
}

static struct flow_desc flow(const char *from, const char *to)
{
	struct flow_desc f;
	struct sip_err e = { 0 };

	memset(&f, 0, sizeof(f));
	if (!desc_parse(&f.from, slice_cstr(from), &e) || !desc_parse(&f.to, slice_cstr(to), &e))
		die("bad descriptor");
	f.protocol = SLICE_LIT("tcp");
	f.app = SLICE_LIT("ftp");
	f.enc = SLICE_LIT("none");
	f.port = 32524;
	f.address = SLICE_LIT("198.51.100.23");
	return f;
}

static double run_policy(const struct policy *p, const struct flow_desc *f, double secs)
{
	struct policy_decision d;
	unsigned long n = 0;
	double t0 = bench_now(), t;

	do {
		for (int i = 0; i < BATCH; i++) {
			bench_sink += policy_eval(p, f, &d, NULL);
			__asm__ volatile("" ::: "memory");
		}
		n += BATCH;
		t = bench_now() - t0;
	} while (t < secs);
	return (double)n / t;
}

static double run_parse(struct sip_msg *m, double secs)
{
	struct sip_err err;
	unsigned long n = 0, bad = 0;
	double t0 = bench_now(), t;

	do {
		for (int i = 0; i < BATCH; i++) {
			bad += !sip_msg_parse(m, invite, INVITE_LEN, SIP_PARSE_FULL, &err);
			bench_sink += m->nhdrs;
			__asm__ volatile("" ::: "memory");
		}
		n += BATCH;
		t = bench_now() - t0;
	} while (t < secs);
	if (bad)
		die("the INVITE failed to parse inside the timed loop");
	return (double)n / t;
}

/* A benchmark that times the wrong answer is worse than none. */
static void expect(const struct policy *p, const struct flow_desc *f, enum policy_verdict v,
		   unsigned line, const char *what)
{
	struct policy_decision d;

	if (policy_eval(p, f, &d, NULL) != v || (line && (!d.site || d.site->line != line)))
		die(what);
}

int main(int argc, char **argv)
{
	double secs = 0.2, rate[NCONTENDERS][BENCH_MAX_REPEATS], med[NCONTENDERS];
	int repeats = 7, opt;
	struct policy *p5, *prules, *plinear;
	struct flow_desc f5, fr, fmiss;
	struct sip_msg *m;
	struct sip_err err;
	size_t rlen;
	char *rules;

	while ((opt = getopt(argc, argv, "t:r:")) != -1) {
		switch (opt) {
		case 't':
			secs = atof(optarg);
			break;
		case 'r':
			repeats = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-t seconds-per-run] [-r repeats]\n", argv[0]);
			return 2;
		}
	}
	if (secs <= 0 || repeats < 5 || repeats > BENCH_MAX_REPEATS)
		die("-t must be positive and -r between 5 and 64");

	rules = generate(&rlen);
	p5 = load("fig5.pol", fig5, strlen(fig5), 8);
	prules = load("rules1000.pol", rules, rlen, 8);
	plinear = load("rules1000.pol", rules, rlen, 0);
	f5 = flow("bob@acme.org;app=ftp;type=client;location=home",
		  "root@acme.org;app=ftp;type=server");
	fr = flow("carol@eng.partner6.net;app=ftp;type=client;software=lftp;version=4.9",
		  "srv736@acme.org;app=ftp;type=server");
	fmiss = flow("carol@eng.partner6.net;app=ftp;type=client",
		     "nobody@acme.org;app=ftp;type=server");
	expect(p5, &f5, POLICY_REDIRECT, 11, "fig5 did not redirect the outside user");
	expect(prules, &fr, POLICY_ACCEPT, 0, "rules1000 did not accept rule 736's flow");
	expect(plinear, &fr, POLICY_ACCEPT, 0, "rules1000 (linear) did not accept");
	expect(prules, &fmiss, POLICY_DENY, 0, "rules1000 accepted a flow no rule names");
	{
		struct policy_decision a, b;

		policy_eval(prules, &fr, &a, NULL);
		policy_eval(plinear, &fr, &b, NULL);
		if (!a.site || !b.site || a.site->line != b.site->line)
			die("indexed and linear rules1000 disagree");
	}
	m = malloc(sizeof(*m));
	if (!m)
		die(strerror(errno));
	if (!sip_msg_parse(m, invite, INVITE_LEN, SIP_PARSE_FULL, &err))
		die(err.what);
	if (m->body.len != SDP_LEN || m->nvia != 2)
		die("the INVITE did not parse as expected");

	printf("policies: fig5 (%zu bytes), rules1000 (%zu bytes, 1000 rules)\n", strlen(fig5),
	       rlen);
	printf("message: INVITE with SDP, %zu bytes\n", INVITE_LEN);
	printf("runs: %d repeats x %.2f s per contender, interleaved\n\n", repeats, secs);

	run_policy(prules, &fr, secs / 3);
	run_parse(m, secs / 3);

	printf("%-6s", "repeat");
	for (int c = 0; c < NCONTENDERS; c++)
		printf(" %16s", names[c]);
	printf("\n");
	for (int r = 0; r < repeats; r++) {
		rate[FIG5][r] = run_policy(p5, &f5, secs);
		rate[RULES][r] = run_policy(prules, &fr, secs);
		rate[RULES_MISS][r] = run_policy(prules, &fmiss, secs);
		rate[RULES_LINEAR][r] = run_policy(plinear, &fr, secs);
		rate[PARSE][r] = run_parse(m, secs);
		printf("%-6d", r + 1);
		for (int c = 0; c < NCONTENDERS; c++)
			printf(" %14.0f/s", rate[c][r]);
		printf("\n");
	}
	printf("\n%-18s %14s %10s\n", "median", "per second", "ns each");
	for (int c = 0; c < NCONTENDERS; c++) {
		med[c] = bench_median(rate[c], repeats);
		printf("%-18s %14.0f %10.1f\n", names[c], med[c], 1e9 / med[c]);
	}
	printf("\nratio = rules1000 / invite_parse = %.1f (a 1,000-rule decision costs %.2f of a "
	       "parse)\n",
	       med[RULES] / med[PARSE], med[PARSE] / med[RULES]);
	printf("\npolicy: fig5=%.0f/s rules1000=%.0f/s rules1000_miss=%.0f/s "
	       "rules1000_linear=%.0f/s "
	       "invite_parse=%.0f/s ratio=%.1f\n",
	       med[FIG5], med[RULES], med[RULES_MISS], med[RULES_LINEAR], med[PARSE],
	       med[RULES] / med[PARSE]);
	free(m);
	free(rules);
	policy_free(p5);
	policy_free(prules);
	policy_free(plinear);
	return 0;
}
