// SPDX-License-Identifier: MIT
/*
 * bench_parse: messages per second of our SIP parser (full and partial
 * depth) against libosip2's osip_message_parse() on the same bytes, in the
 * same process, so the comparison survives a noisy or slow machine.
 *
 * Each repeat runs the three contenders back to back for about the same wall
 * time; interleaving them means a burst of noise (another build, frequency
 * scaling) lands on all three rather than on whichever happened to run then.
 * We report the median of the repeats, which ignores the odd outlier.
 *
 * Usage: bench_parse [-t seconds-per-run] [-r repeats] [-x] [-n calls]
 *   -x runs only our parser (for profilers, where libosip2 is noise);
 *   -n parses the proxy benchmark's call mix that many times and exits.
 * The last line is for scripts:
 *   parse: nutss_full=<N>/s nutss_partial=<N>/s libosip2=<N>/s ratio_full=<X>
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <osipparser2/osip_parser.h>

#include "bench.h"
#include "sip/msg.h"

/*
 * What a UA's INVITE looks like after one proxy hop: the proxy has added its
 * Via and Record-Route, the UA's Via carries received/rport, the route set is
 * loose-routed, and the UA has answered a 407 with Digest credentials. The
 * SDP offer is a typical audio-only one. The Content-Length is checked
 * against the body at startup so an edit cannot leave it stale.
 */
#define SDP_BODY                                                                                   \
	"v=0\r\n"                                                                                  \
	"o=alice 2890844526 2890844527 IN IP4 198.51.100.23\r\n"                                   \
	"s=-\r\n"                                                                                  \
	"c=IN IP4 198.51.100.23\r\n"                                                               \
	"t=0 0\r\n"                                                                                \
	"m=audio 49170 RTP/AVP 0 8 101\r\n"                                                        \
	"a=rtpmap:0 PCMU/8000\r\n"                                                                 \
	"a=rtpmap:8 PCMA/8000\r\n"                                                                 \
	"a=rtpmap:101 telephone-event/8000\r\n"                                                    \
	"a=fmtp:101 0-16\r\n"                                                                      \
	"a=ptime:20\r\n"                                                                           \
	"a=sendrecv\r\n"

static const char invite[] =
	"INVITE sip:bob@biloxi.com;transport=udp SIP/2.0\r\n"
	"Via: SIP/2.0/UDP pbox1.atlanta.com;branch=z9hG4bK2d4790.1;rport\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK74bf9a1c;rport=5062"
	";received=203.0.113.7\r\n"
	"Max-Forwards: 69\r\n"
	"Route: <sip:pbox2.biloxi.com;lr>, <sip:edge.biloxi.com:5060;lr>\r\n"
	"Record-Route: <sip:pbox1.atlanta.com;lr>\r\n"
	"From: \"Alice\" <sip:alice@atlanta.com>;tag=9fxced76sl\r\n"
	"To: Bob <sip:bob@biloxi.com>\r\n"
	"Call-ID: 3848276298220188511@atlanta.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@198.51.100.23:5062;transport=udp>;expires=3600\r\n"
	"Proxy-Authorization: Digest username=\"alice\", realm=\"atlanta.com\""
	", nonce=\"84a4cc6f3082121f32b42a2187831a9e\", uri=\"sip:bob@biloxi.com\""
	", response=\"7587245234b3434cc3412213e5f113a5\", algorithm=MD5"
	", cnonce=\"0a4f113b\", qop=auth, nc=00000001\r\n"
	"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE\r\n"
	"Supported: replaces, timer\r\n"
	"User-Agent: Softphone/2.1\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 244\r\n"
	"\r\n" SDP_BODY;

#define INVITE_LEN (sizeof(invite) - 1)
#define SDP_LEN	   (sizeof(SDP_BODY) - 1)

/* Parses between clock reads: the clock stays noise, and a run stops close to its target. */
#define BATCH 256
/* Short slices per contender and repeat, alternated (see main()). */
#define SLICES 10

enum contender { NUTSS_FULL, NUTSS_PARTIAL, LIBOSIP2, NCONTENDERS };

static const char *const names[NCONTENDERS] = { "nutss_full", "nutss_partial", "libosip2" };

static void die(const char *fmt, const char *what)
{
	fprintf(stderr, "bench_parse: ");
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	exit(1);
}

static bool parse_nutss(struct sip_msg *m, enum sip_parse_depth depth, struct sip_err *err)
{
	return sip_msg_parse(m, invite, INVITE_LEN, depth, err);
}

/*
 * Fail loudly if our parser errs or skips work: a benchmark that times the
 * early return of an error path reports a splendid and meaningless number.
 */
#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond))                                                                       \
			die("nutss parse did not produce %s", #cond);                              \
	} while (0)

static void check_nutss(struct sip_msg *m)
{
	struct sip_err err;
	const struct sip_auth *a;

	if (!parse_nutss(m, SIP_PARSE_PARTIAL, &err))
		die("nutss partial parse failed: %s", err.what);
	EXPECT(m->depth == SIP_PARSE_PARTIAL);
	EXPECT(m->nvia == 2);
	EXPECT(m->body.len == SDP_LEN);

	if (!parse_nutss(m, SIP_PARSE_FULL, &err))
		die("nutss full parse failed: %s", err.what);
	if (m->semantic.what)
		die("nutss flags the message: %s", m->semantic.what);
	EXPECT(m->depth == SIP_PARSE_FULL);
	EXPECT(m->method_id == SIP_INVITE);
	EXPECT(m->ruri.lr == false && m->ruri.transport.len == 3);
	EXPECT(m->nvia == 2);
	EXPECT(m->via[0].branch.len && m->via[0].has_rport && !m->via[0].rport.len);
	EXPECT(m->via[1].received.len && m->via[1].rport.len);
	EXPECT(m->max_forwards == 69);
	EXPECT(m->nroute == 2 && m->route[0].uri.lr && m->route[1].uri.lr);
	EXPECT(m->route[1].uri.port == 5060);
	EXPECT(m->nrecord_route == 1 && m->record_route[0].uri.lr);
	EXPECT(m->from.display.len && m->from.tag.len && m->from.uri.user.len);
	EXPECT(m->to.uri.host.len && !m->to.tag.len);
	EXPECT(m->call_id.len);
	EXPECT(m->cseq.seq == 314159 && m->cseq.method_id == SIP_INVITE);
	EXPECT(m->ncontact == 1 && m->contact[0].expires.len && m->contact[0].uri.transport.len);
	EXPECT(m->contact[0].uri.port == 5062);
	EXPECT(m->ntags == 2);
	EXPECT(m->nauth == 1);
	a = &m->auth[0].auth;
	EXPECT(a->is_digest && a->alg == DIGEST_MD5);
	EXPECT(a->username.len && a->realm.len && a->nonce.len && a->uri.len);
	EXPECT(a->response.len == 32 && a->cnonce.len && a->qop.len && a->nc.len == 8);
	EXPECT(m->content_type.len && m->content_subtype.len);
	EXPECT(m->content_length == (int64_t)SDP_LEN && m->body.len == SDP_LEN);
}

/* The same for libosip2: it must accept the message and see what we see. */
static void check_osip(void)
{
	osip_message_t *sip;
	int ret;

	if (osip_message_init(&sip) != 0)
		die("%s", "osip_message_init failed");
	ret = osip_message_parse(sip, invite, INVITE_LEN);
	if (ret != 0)
		die("%s", "libosip2 rejected the message");
	if (osip_list_size(&sip->vias) != 2)
		die("%s", "libosip2 did not see 2 Vias");
	if (osip_list_size(&sip->routes) != 2)
		die("%s", "libosip2 did not see 2 Routes");
	if (osip_list_size(&sip->proxy_authorizations) != 1)
		die("%s", "libosip2 did not see the Proxy-Authorization");
	if (!sip->from || !sip->cseq || osip_list_size(&sip->bodies) != 1)
		die("%s", "libosip2 missed From, CSeq or the body");
	osip_message_free(sip);
}

/*
 * One call of the proxy benchmark (bench/bench-proxy.sh, SIPp's uac.xml and
 * uas.xml) as the proxy receives it, captured with SIPp's -trace_msg:
 * INVITE, 180, 200, ACK, BYE, 200. The proxy parses a request partially
 * and then fully, a response only partially; -n counts calls of this mix,
 * for instruction counters (perf stat, callgrind), which, unlike the clock,
 * are the same from run to run.
 */
static const char *const call_mix[] = {
	"INVITE sip:service@127.0.0.1:15060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:15070;branch=z9hG4bK-25885-1-0\r\n"
	"From: sipp <sip:sipp@127.0.0.1:15070>;tag=25885SIPpTag001\r\n"
	"To: service <sip:service@127.0.0.1:15060>\r\n"
	"Call-ID: 1-25885@127.0.0.1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:sipp@127.0.0.1:15070;transport=UDP>\r\n"
	"Max-Forwards: 70\r\n"
	"Subject: Performance Test\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length:   129\r\n"
	"\r\n"
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 6004 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n",

	"SIP/2.0 180 Ringing\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:34436;branch=z9hG4bKpcdfea592001.f2b4fd6c87174925;rport, "
	"SIP/2.0/UDP 127.0.0.1:15070;branch=z9hG4bK-25885-1-0\r\n"
	"Record-Route: <sip:127.0.0.1:15060;lr;dlg=cff0ae8ea2f6b13f>\r\n"
	"From: sipp <sip:sipp@127.0.0.1:15070>;tag=25885SIPpTag001\r\n"
	"To: service <sip:service@127.0.0.1:15060>;tag=25822SIPpTag011\r\n"
	"Call-ID: 1-25885@127.0.0.1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:127.0.0.1:15080;transport=UDP>\r\n"
	"Content-Length: 0\r\n"
	"\r\n",

	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:34436;branch=z9hG4bKpcdfea592001.f2b4fd6c87174925;rport, "
	"SIP/2.0/UDP 127.0.0.1:15070;branch=z9hG4bK-25885-1-0\r\n"
	"Record-Route: <sip:127.0.0.1:15060;lr;dlg=cff0ae8ea2f6b13f>\r\n"
	"From: sipp <sip:sipp@127.0.0.1:15070>;tag=25885SIPpTag001\r\n"
	"To: service <sip:service@127.0.0.1:15060>;tag=25822SIPpTag011\r\n"
	"Call-ID: 1-25885@127.0.0.1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:127.0.0.1:15080;transport=UDP>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length:   129\r\n"
	"\r\n"
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n",

	"ACK sip:127.0.0.1:15080;transport=UDP SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:15070;branch=z9hG4bK-25885-1-5\r\n"
	"Route: <sip:127.0.0.1:15060;lr;dlg=cff0ae8ea2f6b13f>\r\n"
	"From: sipp <sip:sipp@127.0.0.1:15070>;tag=25885SIPpTag001\r\n"
	"To: service <sip:service@127.0.0.1:15060>;tag=25822SIPpTag011\r\n"
	"Call-ID: 1-25885@127.0.0.1\r\n"
	"CSeq: 1 ACK\r\n"
	"Contact: <sip:sipp@127.0.0.1:15070;transport=UDP>\r\n"
	"Max-Forwards: 70\r\n"
	"Subject: Performance Test\r\n"
	"Content-Length: 0\r\n"
	"\r\n",

	"BYE sip:127.0.0.1:15080;transport=UDP SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:15070;branch=z9hG4bK-25885-1-6\r\n"
	"Route: <sip:127.0.0.1:15060;lr;dlg=cff0ae8ea2f6b13f>\r\n"
	"From: sipp <sip:sipp@127.0.0.1:15070>;tag=25885SIPpTag001\r\n"
	"To: service <sip:service@127.0.0.1:15060>;tag=25822SIPpTag011\r\n"
	"Call-ID: 1-25885@127.0.0.1\r\n"
	"CSeq: 2 BYE\r\n"
	"Contact: <sip:sipp@127.0.0.1:15070;transport=UDP>\r\n"
	"Max-Forwards: 70\r\n"
	"Subject: Performance Test\r\n"
	"Content-Length: 0\r\n"
	"\r\n",

	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:34436;branch=z9hG4bKpcdfea592002.8f5b7d49864cd243;rport, "
	"SIP/2.0/UDP 127.0.0.1:15070;branch=z9hG4bK-25885-1-6\r\n"
	"From: sipp <sip:sipp@127.0.0.1:15070>;tag=25885SIPpTag001\r\n"
	"To: service <sip:service@127.0.0.1:15060>;tag=25822SIPpTag011\r\n"
	"Call-ID: 1-25885@127.0.0.1\r\n"
	"CSeq: 2 BYE\r\n"
	"Contact: <sip:127.0.0.1:15080;transport=UDP>\r\n"
	"Content-Length: 0\r\n"
	"\r\n",
};

#define CALL_MSGS (sizeof(call_mix) / sizeof(call_mix[0]))

/* One call's parses, the proxy's way; false if any message fails or is flagged. */
static bool parse_call(struct sip_msg *m, const size_t *lens)
{
	struct sip_err err;

	for (size_t i = 0; i < CALL_MSGS; i++) {
		if (!sip_msg_parse(m, call_mix[i], lens[i], SIP_PARSE_PARTIAL, &err) ||
		    m->semantic.what)
			return false;
		if (m->is_request && !sip_msg_parse_full(m, &err))
			return false;
		bench_sink += m->nhdrs;
		__asm__ volatile("" ::: "memory");
	}
	return true;
}

/* -n: parse the call mix n times and stop, for an instruction counter. */
static int count_calls(struct sip_msg *m, unsigned long n)
{
	size_t lens[CALL_MSGS];
	double t0, t;

	for (size_t i = 0; i < CALL_MSGS; i++)
		lens[i] = strlen(call_mix[i]);
	if (!parse_call(m, lens))
		die("%s", "the call mix does not parse cleanly");
	t0 = bench_now();
	for (unsigned long i = 0; i < n; i++)
		if (!parse_call(m, lens))
			die("%s", "the call mix does not parse cleanly");
	t = bench_now() - t0;
	printf("call mix: %lu calls (%zu messages each) in %.3f s, %.0f calls/s\n", n, CALL_MSGS,
	       t, t > 0 ? (double)n / t : 0);
	return 0;
}

/* One timed run: parse until about `secs` of wall time have passed; returns messages/s. */
static double run_nutss(struct sip_msg *m, enum sip_parse_depth depth, double secs)
{
	struct sip_err err;
	unsigned long n = 0, bad = 0;
	double t0 = bench_now(), t;

	do {
		for (int i = 0; i < BATCH; i++) {
			bad += !parse_nutss(m, depth, &err);
			bench_sink += m->nhdrs;
			/* A compiler barrier: each iteration must really parse. */
			__asm__ volatile("" ::: "memory");
		}
		n += BATCH;
		t = bench_now() - t0;
	} while (t < secs);
	if (bad)
		die("%s", "nutss parse failed inside the timed loop");
	return (double)n / t;
}

static double run_osip(double secs)
{
	osip_message_t *sip;
	unsigned long n = 0, bad = 0;
	double t0 = bench_now(), t;

	do {
		for (int i = 0; i < BATCH; i++) {
			/* What a libosip2 application does per message: init, parse, free. */
			if (osip_message_init(&sip) != 0)
				die("%s", "osip_message_init failed");
			bad += osip_message_parse(sip, invite, INVITE_LEN) != 0;
			bench_sink += (uintptr_t)sip->cseq;
			osip_message_free(sip);
			__asm__ volatile("" ::: "memory");
		}
		n += BATCH;
		t = bench_now() - t0;
	} while (t < secs);
	if (bad)
		die("%s", "libosip2 parse failed inside the timed loop");
	return (double)n / t;
}

int main(int argc, char **argv)
{
	double secs = 0.3, rate[NCONTENDERS][BENCH_MAX_REPEATS], ratio[BENCH_MAX_REPEATS],
	       med[NCONTENDERS];
	int repeats = 7, opt, ret;
	bool only_nutss = false;
	unsigned long ncalls = 0;
	struct sip_msg *m;
	const char *hdr_end, *cl;

	while ((opt = getopt(argc, argv, "t:r:xn:")) != -1) {
		switch (opt) {
		case 't':
			secs = atof(optarg);
			break;
		case 'r':
			repeats = atoi(optarg);
			break;
		case 'x':
			only_nutss = true;
			break;
		case 'n':
			ncalls = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-t seconds-per-run] [-r repeats] [-x] [-n calls]\n",
				argv[0]);
			return 2;
		}
	}
	if (secs <= 0 || repeats < 1 || repeats > BENCH_MAX_REPEATS)
		die("%s", "-t must be positive and -r between 1 and 64");

	hdr_end = strstr(invite, "\r\n\r\n");
	cl = strstr(invite, "\r\nContent-Length: ");
	if (!hdr_end || !cl || strtoul(cl + 18, NULL, 10) != SDP_LEN ||
	    (size_t)(invite + INVITE_LEN - (hdr_end + 4)) != SDP_LEN)
		die("%s", "the test INVITE's Content-Length does not match its body");

	/* Allocated once and reused, as a server would: the parser resets only what it uses. */
	m = malloc(sizeof(*m));
	if (!m)
		die("%s", strerror(errno));
	if (ncalls) {
		ret = count_calls(m, ncalls);
		free(m);
		return ret;
	}
	if (parser_init() != 0)
		die("%s", "libosip2 parser_init failed");
	check_nutss(m);
	if (!only_nutss)
		check_osip();

	printf("message: INVITE with SDP, %zu bytes (%zu header + %zu body)\n", INVITE_LEN,
	       INVITE_LEN - SDP_LEN, SDP_LEN);
	printf("runs: %d repeats x %.2f s per parser in %d alternating slices (best slice kept);\n"
	       "struct sip_msg is %zu bytes\n\n",
	       repeats, secs, SLICES, sizeof(*m));

	/* Warm caches, branch predictors and the CPU clock before anything counts. */
	run_nutss(m, SIP_PARSE_FULL, secs / 3);
	if (!only_nutss)
		run_osip(secs / 3);

	/*
	 * This VM loses bursts of CPU to its neighbours (steal), long enough
	 * to hit one contender of a repeat and not the others. So each repeat
	 * alternates the three over SLICES short slices and keeps each one's
	 * best slice, the one least disturbed; the ratio is taken per repeat,
	 * and the medians over repeats are reported.
	 */
	printf("%-6s %14s %14s %14s %8s\n", "repeat", names[0], names[1], names[2], "ratio");
	for (int r = 0; r < repeats; r++) {
		double slice = secs / SLICES;

		for (int c = 0; c < NCONTENDERS; c++)
			rate[c][r] = 0;
		for (int k = 0; k < SLICES; k++) {
			double v;

			v = run_nutss(m, SIP_PARSE_FULL, slice);
			rate[NUTSS_FULL][r] = v > rate[NUTSS_FULL][r] ? v : rate[NUTSS_FULL][r];
			v = run_nutss(m, SIP_PARSE_PARTIAL, slice);
			rate[NUTSS_PARTIAL][r] =
				v > rate[NUTSS_PARTIAL][r] ? v : rate[NUTSS_PARTIAL][r];
			v = only_nutss ? 0 : run_osip(slice);
			rate[LIBOSIP2][r] = v > rate[LIBOSIP2][r] ? v : rate[LIBOSIP2][r];
		}
		ratio[r] = rate[LIBOSIP2][r] > 0 ? rate[NUTSS_FULL][r] / rate[LIBOSIP2][r] : 0;
		printf("%-6d %12.0f/s %12.0f/s %12.0f/s %8.1f\n", r + 1, rate[NUTSS_FULL][r],
		       rate[NUTSS_PARTIAL][r], rate[LIBOSIP2][r], ratio[r]);
	}

	printf("\n%-14s %14s %10s %12s\n", "median", "msgs/s", "ns/msg", "MB/s");
	for (int c = 0; c < NCONTENDERS; c++) {
		med[c] = bench_median(rate[c], repeats);
		if (med[c] > 0)
			printf("%-14s %14.0f %10.1f %12.1f\n", names[c], med[c], 1e9 / med[c],
			       med[c] * (double)INVITE_LEN / 1e6);
	}
	printf("\nparse: nutss_full=%.0f/s nutss_partial=%.0f/s libosip2=%.0f/s ratio_full=%.1f\n",
	       med[NUTSS_FULL], med[NUTSS_PARTIAL], med[LIBOSIP2], bench_median(ratio, repeats));
	free(m);
	return 0;
}
