#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed inputs for fuzz_pbox (the whole-path target): whole conversations in
its operation format (see the comment at the top of fuzz_pbox.c), so the
fuzzer starts from calls that get through auth, policy and routing, and
mutates from there. Writes one file per conversation into DIR.

Usage: pbox_seeds.py DIR [RFC4475_DIR]
"""
import os
import struct
import sys

UDP, AUTH, TCP, CLOSE, ANSWER, TIME = 0, 1, 2, 3, 4, 5
# sources (fuzz_pbox.c): 0 alice's UA, 1 bob's contact, 2 carol's (IPv6), 3 the next hop,
# 4 10.1.2.3, 5 2001:db8::7, 6 ourselves, 7 alice's UA as a v4-mapped IPv6 address


def op(kind, arg, data=b""):
    if kind == CLOSE:
        return bytes([kind, arg])
    if kind == TIME:
        return bytes([kind]) + struct.pack("<H", arg)
    if kind == ANSWER:
        return bytes([kind]) + struct.pack("<HH", arg - 100, len(data)) + data
    return bytes([kind, arg]) + struct.pack("<H", len(data)) + data


def sdp(enc=b"none", taint=None):
    body = (b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            b"m=data 9000 tcp ftp\r\na=enc:" + enc + b"\r\n")
    if taint:
        body += b"a=taint:" + taint + b"\r\n"
    return body


def request(method, ruri, frm=b"alice", to=b"bob;app=ftp;type=server", transport=b"UDP", port=5070,
            cid=b"c1", cseq=1, body=b"", extra=b"", to_tag=b"", branch=b"z9hG4bKs1"):
    h = (method + b" " + ruri + b" SIP/2.0\r\n"
         b"Via: SIP/2.0/" + transport + b" 127.0.0.1:%d;branch=%s;rport\r\n" % (port, branch) +
         b"Max-Forwards: 70\r\n"
         b"From: <sip:" + frm + b"@example.com;app=ftp;type=client>;tag=f" + cid + b"\r\n"
         b"To: <sip:" + to.split(b";")[0] + b"@example.com" +
         (b";" + to.split(b";", 1)[1] if b";" in to else b"") + b">" +
         (b";tag=" + to_tag if to_tag else b"") + b"\r\n"
         b"Call-ID: " + cid + b"@fuzz\r\nCSeq: %d " % cseq + method + b"\r\n"
         b"Contact: <sip:" + frm + b"@127.0.0.1:%d>\r\n" % port + extra)
    if body:
        h += b"Content-Type: application/sdp\r\n"
    return h + b"Content-Length: %d\r\n\r\n" % len(body) + body


def register(user, port, transport=b"UDP", expires=60, cid=b"r1", extra=b""):
    return (b"REGISTER sip:example.com SIP/2.0\r\n"
            b"Via: SIP/2.0/" + transport + b" 127.0.0.1:%d;branch=z9hG4bKr%s\r\n" % (port, cid) +
            b"Max-Forwards: 70\r\nFrom: <sip:" + user + b"@example.com>;tag=r\r\n"
            b"To: <sip:" + user + b"@example.com>\r\nCall-ID: " + cid + b"@fuzz\r\nCSeq: 1 REGISTER\r\n"
            b"Contact: <sip:" + user + b"@127.0.0.1:%d>;expires=%d;+sip.instance=\"x\"\r\n" % (port, expires) +
            extra + b"Content-Length: 0\r\n\r\n")


BOB = b"sip:bob@example.com;app=ftp;type=server"
ANS = b"Contact: <sip:bob@127.0.0.1:5071>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"


def answer_sdp(enc=b"none"):
    body = sdp(enc)
    return ANS % len(body) + body


def in_dialog(method, cseq, cid=b"c1", body=b""):
    # Route: the Record-Route the P-Box put in the request it forwarded ($R)
    return (method + b" sip:bob@127.0.0.1:5071 SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK" + method + b"%d\r\n" % cseq +
            b"Max-Forwards: 70\r\nRoute: $R\r\n"
            b"From: <sip:alice@example.com;app=ftp;type=client>;tag=f" + cid + b"\r\n"
            b"To: <sip:bob@example.com;app=ftp;type=server>;tag=fz\r\n"
            b"Call-ID: " + cid + b"@fuzz\r\nCSeq: %d " % cseq + method + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body)


def cancel(cid=b"c1"):
    return (b"CANCEL " + BOB + b" SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKs1;rport\r\n"
            b"Max-Forwards: 70\r\nFrom: <sip:alice@example.com;app=ftp;type=client>;tag=f" + cid + b"\r\n"
            b"To: <sip:bob@example.com;app=ftp;type=server>\r\nCall-ID: " + cid + b"@fuzz\r\n"
            b"CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n")


def seeds():
    inv = request(b"INVITE", BOB, body=sdp())
    yield "call", (op(AUTH, 0, inv) + op(ANSWER, 100) + op(ANSWER, 180) +
                   op(ANSWER, 200, answer_sdp()) + op(UDP, 0, in_dialog(b"ACK", 1)) +
                   op(UDP, 0, in_dialog(b"BYE", 2)) + op(ANSWER, 200))
    yield "call-no-auth", op(UDP, 0, inv) + op(UDP, 0, inv)
    yield "cancel", op(AUTH, 0, inv) + op(ANSWER, 180) + op(UDP, 0, cancel()) + op(ANSWER, 487) + op(TIME, 1000)
    yield "busy-then-fork", op(AUTH, 0, inv) + op(ANSWER, 486) + op(TIME, 2000) + op(ANSWER, 200, answer_sdp())
    yield "timeouts", op(AUTH, 0, inv) + op(TIME, 125) + op(TIME, 250) + op(TIME, 500) + op(TIME, 8000) + op(TIME, 50000)
    yield "retransmit", op(AUTH, 0, inv) + op(UDP, 0, inv) + op(ANSWER, 180) + op(UDP, 0, inv)
    yield "register", op(AUTH, 0, register(b"alice", 5070)) + op(UDP, 0, register(b"alice", 5070, expires=0))
    yield "register-path", op(AUTH, 4, register(b"bob", 5071, extra=b"Path: <sip:edge@10.1.2.3;lr>\r\nSupported: path\r\n"))
    yield "register-then-call", (op(AUTH, 0, register(b"alice", 5070)) +
                                 op(AUTH, 1, request(b"INVITE", b"sip:alice@example.com", frm=b"bob", to=b"alice", port=5071, body=sdp())) +
                                 op(ANSWER, 200))
    yield "tcp-call", (op(TCP, 0, request(b"INVITE", BOB, transport=b"TCP", body=sdp())) +
                       op(TCP, 0, request(b"OPTIONS", b"sip:example.com", transport=b"TCP", cid=b"o2")) + op(CLOSE, 0))
    yield "tcp-v6-split", (op(TCP, 1, register(b"bob", 5071, transport=b"TCP")[:40]) +
                           op(TCP, 1, register(b"bob", 5071, transport=b"TCP")[40:]) + op(CLOSE, 0x81))
    yield "tcp-dave", op(AUTH, 0, request(b"INVITE", b"sip:dave@example.com;app=ssh;type=server", to=b"dave;app=ssh;type=server", body=sdp())) + op(ANSWER, 200, answer_sdp())
    yield "via-path", op(AUTH, 0, request(b"INVITE", b"sip:erin@example.com;app=ftp;type=server", to=b"erin;app=ftp;type=server", body=sdp())) + op(ANSWER, 503)
    yield "carol-ssl", op(AUTH, 0, request(b"INVITE", b"sip:carol@example.com", to=b"carol", body=sdp(b"ssl"))) + op(ANSWER, 200, answer_sdp(b"ssl"))
    yield "carol-plain", op(AUTH, 0, request(b"INVITE", b"sip:carol@example.com", to=b"carol", body=sdp()))
    yield "web-redirect", op(AUTH, 1, request(b"INVITE", b"sip:carol@example.com;app=web", frm=b"bob", to=b"carol;app=web", body=sdp()))
    yield "confidential", op(AUTH, 0, request(b"INVITE", BOB, body=sdp(taint=b"hr.confidential")))
    yield "other-domain", op(AUTH, 0, request(b"INVITE", b"sip:zed@other.org", to=b"zed", body=sdp())) + op(ANSWER, 404)
    yield "relay-refused", op(UDP, 4, request(b"INVITE", b"sip:zed@other.org", frm=b"mallory", to=b"zed"))
    yield "wrong-user", op(AUTH, 5, request(b"MESSAGE", BOB, frm=b"carol"))
    yield "proxy-require", op(UDP, 0, request(b"OPTIONS", BOB, extra=b"Proxy-Require: foo, " + b"x" * 300 + b"\r\n"))
    yield "options-us", op(UDP, 6, request(b"OPTIONS", b"sip:example.com", cid=b"o1")) + op(UDP, 7, request(b"INFO", b"sip:127.0.0.1", cid=b"o3"))
    yield "response-stray", op(UDP, 3, b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKp0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
    if len(sys.argv) > 2:  # the RFC 4475 torture tests, one datagram each
        for fn in sorted(os.listdir(sys.argv[2])):
            if fn.endswith(".dat"):
                with open(os.path.join(sys.argv[2], fn), "rb") as f:
                    msg = f.read()[:65000]
                with open(os.path.join(out, "rfc4475-" + fn[:-4]), "wb") as f:
                    f.write(op(UDP, 0, msg))


if __name__ == "__main__":
    main()
