#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The P-Box's half of a flow's negotiation (issue 16, docs/protocol.md),
with hand-made SIP over UDP:

  alice (uac) ──INVITE+offer──▶ pboxd :P ──▶ bob (uas, static binding :U)
              ◀──200+answer+token──       ◀──200+answer──

The daemon runs with auth on (MD5), domain example.com, a policy that
requires a=enc:ssl to bob;app=secure, and domain keys in DATA. Each token
is checked here, independently of the C code, against the key in
DATA/keys and the 5-tuple of the offer and answer (tests/proto/vectors.py).

Usage: flow_sdp.py PBOX_PORT UAS_PORT DATA_DIR NUTSS PBOXD_PID
Prints PASS/FAIL lines and "N passed, N failed".
"""
import os
import re
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proto"))
import txn_udp as t  # noqa: E402 (the helpers: sockets, waits, digest)
import vectors  # noqa: E402
from checks import check, summary  # noqa: E402

RUN = t.RUN
n_call = 0


def sdp(addr, port, enc=None, extra=""):
    body = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=data %d tcp ftp\r\n"
            % (addr, addr, port))
    if enc:
        body += "a=enc:%s\r\n" % enc
    return body + extra


def invite(uac, call, ruri, body, cred=None, cseq=1, branch=None):
    extra = "Content-Type: application/sdp\r\n"
    if cred:
        extra += "Proxy-Authorization: %s\r\n" % cred
    msg = t.request("INVITE", ruri, uac, call, branch or "z9hG4bK%s%d" % (call, cseq), cseq=cseq,
                    extra=extra)
    return msg.replace("Content-Length: 0\r\n\r\n", "Content-Length: %d\r\n\r\n%s" % (len(body), body))


def body_of(msg):
    head, _, body = msg.partition("\r\n\r\n")
    return head, body


def content_length_right(msg):
    head, body = body_of(msg)
    cl = t.hdr(head + "\r\n", "Content-Length")
    return cl is not None and int(cl) == len(body.encode("latin-1"))


def call(pbox, uac, uas, ruri, offer, answer_of, tag):
    """INVITE (answering the 407), then bob's answer: what alice and bob saw."""
    global n_call
    n_call += 1
    c = "%s%d" % (tag, n_call)
    uac.sendto(invite(uac, c, ruri, offer).encode(), pbox)
    ch = t.recv_resp(uac, c, "407")
    if ch is None:
        return c, None, None, None
    to_tag = re.search(r";tag=([^;\r]+)", t.hdr(ch, "To")).group(1)
    uac.sendto(t.request("ACK", ruri, uac, c, "z9hG4bK%s1" % c, to_tag=to_tag).encode(), pbox)
    cred = t.authorization(t.hdr(ch, "Proxy-Authenticate"), "alice", "alice-pw", "INVITE", ruri)
    uac.sendto(invite(uac, c, ruri, offer, cred, cseq=2).encode(), pbox)
    fwd = t.recv_req(uas, "INVITE", c)
    if fwd is None:
        got = t.recv_resp(uac, c, "[3-6]..")
        return c, None, None, got
    ans = answer_of(fwd)
    if ans is None:
        return c, fwd, None, None
    resp = t.response(fwd, 200, "OK", extra="Contact: <sip:bob@127.0.0.1:%d>\r\n"
                      "Content-Type: application/sdp\r\n" % t.port(uas))
    resp = resp.replace("Content-Length: 0\r\n\r\n", "Content-Length: %d\r\n\r\n%s" % (len(ans), ans))
    # to the top Via's sent-by, as a UA does: the worker that holds the transaction
    via = re.search(r"^Via: SIP/2\.0/UDP ([0-9.]+):(\d+)", fwd, re.M)
    uas.sendto(resp.encode(), (via.group(1), int(via.group(2))))
    got = t.recv_resp(uac, c, "[2-6]..", timeout=2)
    return c, fwd, resp, got


def token_lines(msg):
    return re.findall(r"^a=nutss-token:(\S+) ([0-9a-f]+)\r$", body_of(msg or "")[1], re.M)


def keys(data):
    out = {}
    for line in open(os.path.join(data, "keys")):
        w = line.split()
        if len(w) == 4 and w[0] == "key":
            out[int(w[1])] = bytes.fromhex(w[3])
    return out


def token_ok(hexs, data, src, sport, dst, dport, proto=6):
    """The token verifies under DATA/keys for this 5-tuple; its serial, or None."""
    wire = bytes.fromhex(hexs)
    kid, expiry, uid = wire[:8], struct.unpack(">I", wire[8:12])[0], struct.unpack(">Q", wire[12:20])[0]
    serial = struct.unpack(">I", kid[4:])[0]
    k = keys(data).get(serial)
    if k is None or kid != vectors.key_id("example.com", serial):
        return None
    if not time.time() - 5 < expiry - 60 < time.time() + 5:  # token_lifetime = 60
        return None
    _, _, want = vectors.token(k, "example.com", serial, expiry, proto, src, sport, dst, dport, uid)
    return serial if want == wire else None


def answer_with(enc=None, addr="127.0.0.1", port=9999, extra=""):
    return lambda fwd: sdp(addr, port, enc, extra)


def main():
    pbox_port, uas_port, data, nutss, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    pbox = ("127.0.0.1", pbox_port)
    uac = t.sock()
    uas = t.socket.socket(t.socket.AF_INET, t.socket.SOCK_DGRAM)
    uas.bind(("127.0.0.1", uas_port))
    bob = "sip:bob@example.com;app=ftp;type=server"
    secure = "sip:bob@example.com;app=secure;type=server"

    # 1. a flow by name: the answer comes back with our token for its 5-tuple
    offer = sdp("127.0.0.1", 40000, "none")
    c, fwd, resp, got = call(pbox, uac, uas, bob, offer, answer_with(), "A")
    check(fwd is not None and body_of(fwd)[1] == offer,
          "A: an offer nothing requires reaches bob as it was sent")
    check(t.status(got) == 200, "A: alice gets the 200 (%s)" % t.status(got))
    toks = token_lines(got)
    check(len(toks) == 1 and toks[0][0] == "example.com",
          "A: the 200 carries one a=nutss-token for example.com (%s)" % toks)
    check(bool(toks) and token_ok(toks[0][1], data, "127.0.0.1", 40000, "127.0.0.1", 9999) == 1,
          "A: the token verifies under key 1 for tcp 127.0.0.1:40000 -> 127.0.0.1:9999")
    check(got is not None and content_length_right(got), "A: Content-Length fits the new body")
    check(bool(toks) and token_ok(toks[0][1], data, "127.0.0.1", 40001, "127.0.0.1", 9999) is None,
          "A: and not for another source port")

    # 1b. the 200 hands alice a nonce for her next INVITE (RFC 7616 3.5): no 407 round trip
    info = t.hdr(got or "", "Proxy-Authentication-Info") or ""
    nn = re.search(r'nextnonce="([^"]+)"', info)
    check(nn is not None, "A: the 200 carries Proxy-Authentication-Info: nextnonce (%s)" % info)
    if nn:
        ch = 'Digest realm="example.com", nonce="%s", algorithm=MD5, qop="auth"' % nn.group(1)
        for tag, want in (("N", "forwarded at once"), ("R", "refused: a nonce is good once")):
            c = "%s%d" % (tag, n_call)
            cred = t.authorization(ch, "alice", "alice-pw", "INVITE", bob)
            uac.sendto(invite(uac, c, bob, sdp("127.0.0.1", 40010), cred).encode(), pbox)
            if tag == "N":
                fwd = t.recv_req(uas, "INVITE", c)
                check(fwd is not None, "N: an INVITE with the nextnonce is %s, no 407" % want)
            else:
                got = t.recv_resp(uac, c, "407")
                check(got is not None and "stale=true" in (t.hdr(got, "Proxy-Authenticate") or ""),
                      "R: the same nonce again is %s (407 stale)" % want)

    # 2. require(enc): the offer is given a=enc:ssl; an answer without it is refused
    c, fwd, resp, got = call(pbox, uac, uas, secure, sdp("127.0.0.1", 40002, "none"),
                             answer_with("ssl", port=9998), "B")
    fb = body_of(fwd or "")[1]
    check("a=enc:ssl\r\n" in fb and "a=enc:none" not in fb,
          "B: require(ssl) puts a=enc:ssl in the offer bob gets, in place of a=enc:none")
    check(fwd is not None and content_length_right(fwd), "B: the offer's Content-Length fits")
    check(t.status(got) == 200 and token_ok(token_lines(got)[0][1], data, "127.0.0.1", 40002,
                                            "127.0.0.1", 9998) == 1,
          "B: bob answers with ssl: alice gets a 200 with a token")
    c, fwd, resp, got = call(pbox, uac, uas, secure, sdp("127.0.0.1", 40004),
                             answer_with("none", port=9997), "C")
    w = t.hdr(got or "", "Warning") or ""
    check(t.status(got) == 488 and "dropped a=enc:ssl" in w,
          "C: bob's answer drops the encryption: alice gets 488 saying so (%s %s)" % (t.status(got), w))
    after = t.collect(uas, 0.5)
    check(any(m.startswith("ACK sip:bob@127.0.0.1:%d " % uas_port) for m in after) and
          any(m.startswith("BYE sip:bob@127.0.0.1:%d " % uas_port) and "CSeq: 3 BYE" in m
              for m in after),
          "C: and bob's 200 is acknowledged and hung up with a BYE")
    # alice acknowledges the 488 hop by hop
    uac.sendto(t.request("ACK", secure, uac, c, "z9hG4bK%s2" % c, cseq=2,
                         to_tag=re.search(r";tag=([^;\r]+)", t.hdr(got or "To: x;tag=y", "To")).group(1)
                         ).encode(), pbox)

    # 3. a token only for the address the request came from
    c, fwd, resp, got = call(pbox, uac, uas, bob, sdp("192.0.2.66", 40006), answer_with(), "D")
    w = t.hdr(got or "", "Warning") or ""
    check(fwd is None and t.status(got) == 403 and "192.0.2.66" in w and "127.0.0.1" in w,
          "D: an offer naming someone else's address is refused 403, naming both (%s)" % w)
    c, fwd, resp, got = call(pbox, uac, uas, bob, sdp("127.0.0.1", 40008),
                             answer_with(addr="198.51.100.7"), "E")
    w = t.hdr(got or "", "Warning") or ""
    check(t.status(got) == 403 and "198.51.100.7" in w,
          "E: an answer naming another address than its source: alice gets 403 (%s)" % w)
    check(any(m.startswith("BYE ") for m in t.collect(uas, 0.5)), "E: and bob gets a BYE")

    # 4. a token for our domain in the offer is not the caller's to give
    forged = "a=nutss-token:example.com " + "00" * 28 + "\r\na=nutss-token:other.org " + "11" * 28 + "\r\n"
    c, fwd, resp, got = call(pbox, uac, uas, bob, sdp("127.0.0.1", 40010, extra=forged),
                             answer_with(extra="a=nutss-token:example.com " + "22" * 28 + "\r\n"), "F")
    fb = body_of(fwd or "")[1]
    check("example.com" not in fb and "other.org " + "11" * 28 in fb,
          "F: the offer's example.com token is dropped, another domain's kept")
    toks = token_lines(got)
    check(len(toks) == 1 and token_ok(toks[0][1], data, "127.0.0.1", 40010, "127.0.0.1", 9999) == 1,
          "F: the answer's forged example.com token is replaced by ours")

    # 5. key rotation: after SIGHUP tokens come from the new key
    subprocess.run([nutss, "--data-dir", data, "key", "rotate"], check=True, stdout=subprocess.DEVNULL)
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.5)
    c, fwd, resp, got = call(pbox, uac, uas, bob, sdp("127.0.0.1", 40012), answer_with(), "G")
    toks = token_lines(got)
    check(bool(toks) and token_ok(toks[0][1], data, "127.0.0.1", 40012, "127.0.0.1", 9999) == 2,
          "G: after nutss key rotate and SIGHUP the token is made with key 2")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
