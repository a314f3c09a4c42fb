// SPDX-License-Identifier: MIT
/*
 * dialog.c: the ;dlg= of our Record-Route lets in-dialog requests of that
 * dialog through, from either end, and nothing else (docs/pbox.md,
 * "In-dialog requests"). End to end this is in tests/pbox/txn_udp.py; here
 * the cases a UA seldom sends: a Call-ID too long to enter the MAC whole,
 * our Route behind our outbound-proxy Route, and another key.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "pbox/dialog.h"
#include "pbox/pbox.h"
#include "sip/msg.h"

static struct pbox pb;
static struct sip_msg *msg;
static char call_id[601];

static void setup(const char *secret)
{
	memset(&pb, 0, sizeof(pb));
	snprintf(pb.cfg.domain, sizeof(pb.cfg.domain), "example.com");
	pb.cfg.listen[0].proto = LISTEN_UDP;
	snprintf(pb.cfg.listen[0].host, sizeof(pb.cfg.listen[0].host), "192.0.2.1");
	pb.cfg.listen[0].port = 5060;
	pb.cfg.nlisten = 1;
	CHECK_INT(dialog_key_init(&pb, (const uint8_t *)secret, strlen(secret)), 0);
}

/* A request parsed in full into msg; false (and a failed check) if it does not parse. */
static bool parse(char *buf, const char *ruri, const char *routes, const char *from_tag,
		  const char *to_tag, const char *cid)
{
	struct sip_err err = { 0 };
	int n = snprintf(buf, 4096,
			 "BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKt1\r\n"
			 "%sMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=%s\r\n"
			 "To: <sip:bob@example.net>%s%s\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\n"
			 "Content-Length: 0\r\n\r\n",
			 ruri, routes, from_tag, *to_tag ? ";tag=" : "", to_tag, cid);
	bool ok = sip_msg_parse(msg, buf, (size_t)n, SIP_PARSE_FULL, &err);

	CHECK(ok);
	return ok;
}

/* The ;dlg= of the dialog whose caller's tag is tag, as our Record-Route would carry it. */
static void param_for(const char *cid, const char *tag, char out[DIALOG_PARAM_LEN + 1])
{
	static char buf[4096];

	if (parse(buf, "sip:bob@example.net", "", tag, "", cid))
		dialog_param(&pb, msg, out);
}

static enum dialog_verdict verdict(const char *ruri, const char *routes, const char *from_tag,
				   const char *to_tag, const char *cid)
{
	static char buf[4096];

	return parse(buf, ruri, routes, from_tag, to_tag, cid) ? dialog_check(&pb, msg)
							       : DIALOG_FORGED;
}

static void test_both_ends_of_a_dialog(void)
{
	char dlg[DIALOG_PARAM_LEN + 1], route[128];

	setup("the data dir's secret");
	param_for("c1@192.0.2.7", "caller", dlg);
	CHECK(!strncmp(dlg, ";dlg=", 5) && strlen(dlg) == DIALOG_PARAM_LEN);
	snprintf(route, sizeof(route), "Route: <sip:192.0.2.1:5060;lr%s>\r\n", dlg);
	/* the caller's request: its tag in From; the callee's: in To */
	CHECK_INT(verdict("sip:bob@192.0.2.9", route, "caller", "callee", "c1@192.0.2.7"),
		  DIALOG_OURS);
	CHECK_INT(verdict("sip:alice@192.0.2.7", route, "callee", "caller", "c1@192.0.2.7"),
		  DIALOG_OURS);
	/* another dialog's: another Call-ID, or neither tag the caller's */
	CHECK_INT(verdict("sip:bob@192.0.2.9", route, "caller", "callee", "c2@192.0.2.7"),
		  DIALOG_FORGED);
	CHECK_INT(verdict("sip:bob@192.0.2.9", route, "mallory", "callee", "c1@192.0.2.7"),
		  DIALOG_FORGED);
	/* the same Route under another key (another P-Box, or a new nonce.key) */
	setup("another secret");
	CHECK_INT(verdict("sip:bob@192.0.2.9", route, "caller", "callee", "c1@192.0.2.7"),
		  DIALOG_FORGED);
}

static void test_long_call_id(void)
{
	char dlg[DIALOG_PARAM_LEN + 1], route[128];

	/* longer than the part of the MAC's input a Call-ID may fill: it enters hashed */
	memset(call_id, 'a', sizeof(call_id) - 1);
	setup("the data dir's secret");
	param_for(call_id, "caller", dlg);
	snprintf(route, sizeof(route), "Route: <sip:192.0.2.1:5060;lr%s>\r\n", dlg);
	CHECK_INT(verdict("sip:bob@192.0.2.9", route, "caller", "callee", call_id), DIALOG_OURS);
	call_id[450] = 'b'; /* one byte well past the first 400 */
	CHECK_INT(verdict("sip:bob@192.0.2.9", route, "caller", "callee", call_id), DIALOG_FORGED);
}

static void test_routes_and_names(void)
{
	char dlg[DIALOG_PARAM_LEN + 1], routes[256];

	setup("the data dir's secret");
	param_for("c1@192.0.2.7", "caller", dlg);
	/* a UA that puts its outbound proxy (us) in front of the route set */
	snprintf(routes, sizeof(routes),
		 "Route: <sip:192.0.2.1:5060;lr>, <sip:192.0.2.1:5060;lr%s>\r\n", dlg);
	CHECK_INT(verdict("sip:bob@192.0.2.9", routes, "caller", "callee", "c1@192.0.2.7"),
		  DIALOG_OURS);
	/* ours, but without ;dlg= or with garbage in it */
	CHECK_INT(verdict("sip:bob@192.0.2.9", "Route: <sip:192.0.2.1:5060;lr>\r\n", "caller",
			  "callee", "c1@192.0.2.7"),
		  DIALOG_FORGED);
	CHECK_INT(verdict("sip:bob@192.0.2.9", "Route: <sip:192.0.2.1;lr;dlg=xyz>\r\n", "caller",
			  "callee", "c1@192.0.2.7"),
		  DIALOG_FORGED);
	/* no Route: by name is refused, to an address or another server is elsewhere */
	CHECK_INT(verdict("sip:bob@example.com", "", "caller", "callee", "c1@192.0.2.7"),
		  DIALOG_FORGED);
	CHECK_INT(verdict("sip:bob@192.0.2.9", "", "caller", "callee", "c1@192.0.2.7"),
		  DIALOG_ELSEWHERE);
	CHECK_INT(verdict("sip:bob@example.com", "Route: <sip:proxy.example.net;lr>\r\n", "caller",
			  "callee", "c1@192.0.2.7"),
		  DIALOG_ELSEWHERE);
}

int main(void)
{
	msg = malloc(sizeof(*msg));
	if (!msg)
		return 1;
	RUN(test_both_ends_of_a_dialog);
	RUN(test_long_call_id);
	RUN(test_routes_and_names);
	free(msg);
	return check_summary();
}
