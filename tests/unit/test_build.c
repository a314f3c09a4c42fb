// SPDX-License-Identifier: MIT
/* The builder, checked by parsing what it builds. */
#include <stdlib.h>

#include "check.h"
#include "sip/build.h"

static struct sip_msg *req, *resp;

/* The parsed request points into this buffer, and the next test reads it. */
static char mem[1024];

static void test_request_round_trip(void)
{
	struct buf b;
	struct sip_err e;
	int n;

	buf_init(&b, mem, sizeof(mem));
	sip_build_request_line(&b, SLICE_LIT("INVITE"),
			       slice_cstr("sip:alice@rr.net;app=ftp;type=server"));
	sip_build_header(&b, "Via",
			 slice_cstr("SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc;rport"));
	sip_build_headerf(&b, "Max-Forwards", "%d", 70);
	sip_build_header(&b, "From", slice_cstr("<sip:bob@acme.org;app=ftp;type=client>;tag=77"));
	sip_build_header(&b, "To", slice_cstr("<sip:alice@rr.net;app=ftp;type=server>"));
	sip_build_header(&b, "Call-ID", slice_cstr("c1@acme.org"));
	sip_build_headerf(&b, "CSeq", "%u INVITE", 1u);
	sip_build_end(&b, slice_cstr("application/sdp"), slice_cstr("v=0\r\n"));
	n = buf_done(&b);
	CHECK(n > 0);
	CHECK(sip_msg_parse(req, mem, (size_t)n, SIP_PARSE_FULL, &e));
	CHECK(req->semantic.what == NULL);
	CHECK_INT(req->content_length, 5);
	CHECK_SLICE(req->body, "v=0\r\n");
	CHECK_SLICE(sip_uri_param(&req->to.uri, "app"), "ftp");
	CHECK_SLICE(req->via[0].branch, "z9hG4bKabc");
}

static void test_response_to_request(void)
{
	char out[1024];
	struct buf b;
	struct sip_err e;
	int n;

	/* req still holds the INVITE of the previous test */
	buf_init(&b, out, sizeof(out));
	sip_build_response_head(&b, req, 486, NULL, slice_cstr("srv1"));
	sip_build_end(&b, SLICE_NULL, SLICE_NULL);
	n = buf_done(&b);
	CHECK(n > 0);
	CHECK(sip_msg_parse(resp, out, (size_t)n, SIP_PARSE_FULL, &e));
	CHECK_INT(resp->status, 486);
	CHECK_SLICE(resp->reason, "Busy Here");
	CHECK_SLICE(resp->to.tag, "srv1");
	CHECK_SLICE(resp->from.tag, "77");
	CHECK_SLICE(resp->call_id, "c1@acme.org");
	CHECK_INT(resp->cseq.method_id, SIP_INVITE);
	CHECK_SLICE(resp->via[0].branch, "z9hG4bKabc");
	CHECK_INT(resp->content_length, 0);
	/* 100 Trying carries no To tag */
	buf_init(&b, out, sizeof(out));
	sip_build_response_head(&b, req, 100, NULL, slice_cstr("srv1"));
	sip_build_end(&b, SLICE_NULL, SLICE_NULL);
	CHECK(sip_msg_parse(resp, out, (size_t)buf_done(&b), SIP_PARSE_FULL, &e));
	CHECK_INT(resp->to.tag.len, 0);
	/* too small a buffer fails as a whole */
	buf_init(&b, out, 60);
	sip_build_response_head(&b, req, 200, NULL, slice_cstr("t"));
	sip_build_end(&b, SLICE_NULL, SLICE_NULL);
	CHECK_INT(buf_done(&b), -1);
}

int main(void)
{
	req = malloc(sizeof(*req));
	resp = malloc(sizeof(*resp));
	RUN(test_request_round_trip);
	RUN(test_response_to_request);
	free(req);
	free(resp);
	return check_summary();
}
