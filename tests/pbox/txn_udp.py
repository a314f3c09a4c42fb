#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drive nutss-pboxd's transaction layer over UDP with hand-made messages
and check what it sends each way (RFC 3261 16 and 17):

  uac ──▶ pboxd :P ──▶ uas1 (bob's first contact, q=1.0)
                  └──▶ uas2 (bob's second contact, q=0.5)

The daemon must run with auth off, domain example.com and a short T1
(sip_t1 = 50 ms, so timer B/F = 3.2 s). Every wait is bounded.
Usage: txn_udp.py PBOX_PORT     Prints PASS/FAIL lines and "N passed, N failed".
       txn_udp.py PBOX_PORT --ipv6
  (the daemon also listens on udp:[::1]:PBOX_PORT: a call between two
  IPv6 endpoints, registered and forwarded over IPv6)
       txn_udp.py PBOX_PORT --auth USER:PASSWORD UAS_PORT
  (auth on, MD5, bob@example.com bound to 127.0.0.1:UAS_PORT: only checks
  that a request is authenticated once per transaction, not once per copy)
"""
import hashlib
import random
import re
import select
import socket
import sys
import time

from checks import check, summary

T1 = 0.05
RUN = "%08x" % random.getrandbits(32)


def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


def port(s):
    return s.getsockname()[1]


def recv(s, timeout, want=None):
    """The next message on s within timeout that matches want (a regex), or None."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return None
        data = s.recv(65535).decode("latin-1")
        if want is None or re.search(want, data, re.S | re.M):
            return data


def recv_req(s, method, call, timeout=1):
    """The next request of that method and call (not a stale copy from another case)."""
    return recv(s, timeout, r"\A%s .*^Call-ID: %s-" % (method, call))


def recv_resp(s, call, code=r"\d{3}", timeout=1, cseq=None):
    """The next response of that call (status matching code, CSeq method cseq if given)."""
    deadline = time.monotonic() + timeout
    while True:
        m = recv(s, max(deadline - time.monotonic(), 0.001), r"\ASIP/2\.0 %s " % code)
        if m is None or ("Call-ID: %s-" % call in m and
                         (cseq is None or cseq in (hdr(m, "CSeq") or ""))):
            return m


def collect(s, seconds):
    """Everything s receives during seconds."""
    out = []
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return out
        r, _, _ = select.select([s], [], [], left)
        if r:
            out.append(s.recv(65535).decode("latin-1"))


def hdr(msg, name):
    m = re.search(r"^%s[ \t]*:[ \t]*(.*?)\r$" % name, msg, re.M | re.I)
    return m.group(1) if m else None


def top_branch(msg):
    m = re.search(r"^Via:[^\r]*?;branch=([^;,\r ]+)", msg, re.M | re.I)
    return m.group(1) if m else None


def status(msg):
    m = re.match(r"SIP/2\.0 (\d{3})", msg or "")
    return int(m.group(1)) if m else None


def request(method, ruri, s, call, branch, cseq=1, cseq_method=None, extra="", to_tag=""):
    return ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a%s\r\n"
            "To: <sip:bob@example.com>%s\r\nCall-ID: %s-%s@test\r\nCSeq: %d %s\r\n"
            "Contact: <sip:alice@127.0.0.1:%d>\r\n%sContent-Length: 0\r\n\r\n") % (
                method, ruri, port(s), branch, call, to_tag and ";tag=" + to_tag, call, RUN, cseq,
                cseq_method or method, port(s), extra)


def response(req, code, reason, to_tag="u1", extra=""):
    """A UAS's answer to req: its Via, From, To (+ tag), Call-ID, CSeq."""
    heads = [l for l in req.split("\r\n")
             if re.match(r"(Via|From|Call-ID|CSeq|Record-Route)[ \t]*:", l, re.I)]
    to = hdr(req, "To")
    if code > 100 and ";tag=" not in to:
        to += ";tag=" + to_tag
    return "SIP/2.0 %d %s\r\n%s\r\nTo: %s\r\n%sContent-Length: 0\r\n\r\n" % (
        code, reason, "\r\n".join(heads), to, extra)


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def authorization(challenge, user, password, method, uri):
    """A Proxy-Authorization answering challenge (RFC 2617, MD5, qop=auth when offered)."""
    p = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    ha1 = md5("%s:%s:%s" % (user, p["realm"], password))
    ha2 = md5("%s:%s" % (method, uri))
    user_at = "%s@%s" % (user, p["realm"])
    if "auth" in p.get("qop", "").split(","):
        cnonce, nc = "c%s" % RUN, "00000001"
        resp = md5("%s:%s:%s:%s:auth:%s" % (ha1, p["nonce"], nc, cnonce, ha2))
        return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
                'algorithm=MD5, qop=auth, nc=%s, cnonce="%s"') % (
                    user, p["realm"], p["nonce"], uri, resp, nc, cnonce)
    resp = md5("%s:%s:%s" % (ha1, p["nonce"], ha2))
    return 'Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5' % (
        user, p["realm"], p["nonce"], uri, resp)


def auth_once(pbox, user, password, uas_port):
    """An authenticated INVITE's retransmission is the same transaction: no new challenge."""
    uac = sock()
    uas = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    uas.bind(("127.0.0.1", uas_port))
    uri = "sip:bob@example.com"
    uac.sendto(request("INVITE", uri, uac, "F", "z9hG4bKf1" + RUN).encode(), pbox)
    ch = recv_resp(uac, "F", "407")
    check(ch is not None, "F: an INVITE without credentials is challenged 407")
    if ch is None:
        return
    uac.sendto(request("ACK", uri, uac, "F", "z9hG4bKf1" + RUN,
                       to_tag=re.search(r";tag=([^;\r]+)", hdr(ch, "To")).group(1)).encode(), pbox)
    cred = authorization(hdr(ch, "Proxy-Authenticate"), user.split("@")[0], password, "INVITE", uri)
    inv = request("INVITE", uri, uac, "F", "z9hG4bKf2" + RUN, cseq=2,
                  extra="Proxy-Authorization: %s\r\n" % cred)
    uac.sendto(inv.encode(), pbox)
    check(status(recv_resp(uac, "F", "100")) == 100, "F: with credentials: 100 Trying")
    check(recv_req(uas, "INVITE", "F") is not None, "F: the authenticated INVITE is forwarded")
    uac.sendto(inv.encode(), pbox)  # the same copy again: its nonce is spent
    got = [status(m) for m in collect(uac, 0.5) if "Call-ID: F-" in m]
    check(got and all(c == 100 for c in got),
          "F: its retransmission gets the 100 again, not a new challenge (%s)" % got)
    # a To tag is no way around the challenge: there is no dialog we routed
    uac.sendto(request("INVITE", uri, uac, "H", "z9hG4bKh1" + RUN, to_tag="made-up").encode(), pbox)
    check(status(recv_resp(uac, "H", "[2-6]..")) == 403 and recv_req(uas, "INVITE", "H", 0.3) is None,
          "H: an uncredentialed INVITE with a made-up To tag is refused 403, not forwarded")

    # relaying is for our users: an outsider may call our names, not use us to go elsewhere
    def outsider(call, ruri, extra=""):
        return request("INVITE", ruri, uac, call, "z9hG4bK%s1%s" % (call, RUN), extra=extra).replace(
            "From: <sip:alice@example.com>", "From: <sip:mallory@evil.test>")

    for call, ruri, extra, what in (
            ("RA", "sip:carol@other.test", "", "to another domain"),
            ("RB", "sip:bob@127.0.0.1:%d" % uas_port, "", "to an address"),
            ("RC", uri, "Route: <sip:127.0.0.1:%d;lr>\r\n" % uas_port, "steered past the lookup by a Route")):
        uac.sendto(outsider(call, ruri, extra).encode(), pbox)
        r = recv_resp(uac, call, "[2-6]..")
        check(status(r) == 403 and "relaying" in (hdr(r, "Warning") or "") and
              recv_req(uas, "INVITE", call, 0.3) is None,
              "%s: an outsider's INVITE %s is refused 403 (relaying), not forwarded" % (call, what))
    # a REGISTER whose To we cannot hold is proxied on (RFC 4475 unksm2): relaying too
    reg = ("REGISTER sip:other.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKrr%s\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:mallory@evil.test>;tag=m\r\nTo: <tel:+15550100>\r\n"
           "Call-ID: RR-%s@test\r\nCSeq: 1 REGISTER\r\nContact: <sip:m@127.0.0.1:9>\r\n"
           "Content-Length: 0\r\n\r\n") % (port(uac), RUN, RUN)
    uac.sendto(reg.encode(), pbox)
    r = recv_resp(uac, "RR", "[2-6]..")
    check(status(r) == 403 and "relaying" in (hdr(r, "Warning") or ""),
          "RR: an outsider's REGISTER for a tel: To, proxied on, is refused 403 (relaying)")
    # an in-dialog request that does not follow a dialog of ours is relaying too
    bye = request("BYE", "sip:bob@127.0.0.1:%d" % uas_port, uac, "RF", "z9hG4bKrf1" + RUN,
                  to_tag="x")
    uac.sendto(bye.replace("From: <sip:alice@example.com>", "From: <sip:mallory@evil.test>").encode(),
               pbox)
    r = recv_resp(uac, "RF", "[2-6]..")
    check(status(r) == 403 and "relaying" in (hdr(r, "Warning") or "") and
          recv_req(uas, "BYE", "RF", 0.3) is None,
          "RF: an outsider's BYE to an address, outside our dialogs, is refused 403 (relaying)")
    uac.sendto(bye.replace("branch=z9hG4bKrf1", "branch=z9hG4bKrf2").encode(), pbox)
    check(status(recv_resp(uac, "RF", "[2-6]..")) == 407,
          "RF: our user's is challenged 407 like an initial request")
    uac.sendto(outsider("RD", uri).encode(), pbox)
    check(recv_req(uas, "INVITE", "RD", 1) is not None,
          "RD: an outsider's INVITE for one of our names is routed to it (policy decides, none here)")
    uac.sendto(request("INVITE", "sip:carol@other.test", uac, "RE", "z9hG4bKre1" + RUN).encode(), pbox)
    check(status(recv_resp(uac, "RE", "[2-6]..")) == 407,
          "RE: our user's INVITE to another domain is challenged 407: relaying needs credentials")


def ipv6_call(pbox_port):
    """REGISTER and INVITE over IPv6: Via, received/rport and contacts with brackets."""
    def sock6():
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        return s
    pbox = ("::1", pbox_port)
    uac, uas = sock6(), sock6()
    uas.sendto((("REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:%d;branch=z9hG4bKr6%s\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:carol@example.com>;tag=r\r\nTo: <sip:carol@example.com>\r\n"
                "Call-ID: reg6-%s@test\r\nCSeq: 1 REGISTER\r\nContact: <sip:carol@[::1]:%d>\r\n"
                "Expires: 600\r\nContent-Length: 0\r\n\r\n") % (port(uas), RUN, RUN, port(uas))).encode(), pbox)
    check(status(recv(uas, 2)) == 200, "G: carol registers an IPv6 contact over IPv6")
    inv = ("INVITE sip:carol@example.com SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:%d;branch=z9hG4bKg%s;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=g\r\nTo: <sip:carol@example.com>\r\n"
           "Call-ID: G-%s@test\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@[::1]:%d>\r\n"
           "Content-Length: 0\r\n\r\n") % (port(uac), RUN, RUN, port(uac))
    uac.sendto(inv.encode(), pbox)
    fwd = recv_req(uas, "INVITE", "G", 2)

    check(fwd is not None and "received=::1" in fwd and "rport=%d" % port(uac) in fwd,
          "G: the INVITE reaches the IPv6 contact, our Via learnt received/rport")
    if fwd is None:
        return
    v = re.search(r"^Via: SIP/2\.0/UDP \[([0-9a-f:]+)\]:(\d+)", fwd, re.M)
    uas.sendto(response(fwd, 200, "OK", "c6").encode(), (v.group(1), int(v.group(2))))
    check(status(recv_resp(uac, "G", "200", 2)) == 200, "G: the 200 comes back over IPv6")


def cap(pbox, uas_port):
    """max_transactions = 2 (one worker): a third INVITE in flight is refused with 503;
    the two held are still served, and once they end (timer H) the room is back."""
    uac, uas = sock(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    uas.bind(("127.0.0.1", uas_port))

    def invite(call):
        uac.sendto(request("INVITE", "sip:bob@example.com", uac, call, "z9hG4bK" + call + RUN)
                   .encode(), pbox)

    invite("K1")
    invite("K2")
    fwd = [recv_req(uas, "INVITE", "K1", 2), recv_req(uas, "INVITE", "K2", 2)]
    check(None not in fwd, "K: two INVITEs forwarded while the table has room")
    invite("K3")
    refused = recv_resp(uac, "K3", "503", 1)
    check(refused is not None and "too many transactions" in refused,
          "K: a third INVITE in flight is answered 503 (max_transactions = 2)")
    check(recv_req(uas, "INVITE", "K3", 0.3) is None, "K: and is not forwarded")
    if None in fwd:
        return
    for f in fwd:  # busy: each goes back up, unacknowledged, until timer H ends it
        v = re.search(r"^Via: SIP/2\.0/UDP ([0-9.]+):(\d+)", f, re.M)
        uas.sendto(response(f, 486, "Busy Here").encode(), (v.group(1), int(v.group(2))))
    got = [recv_resp(uac, c, "486", 2) for c in ("K1", "K2")]
    check(None not in got, "K: the two held transactions still carry their answers up")
    time.sleep(64 * T1 + 0.5)  # timer H, 64*T1, ends both
    invite("K4")
    check(recv_req(uas, "INVITE", "K4", 2) is not None,
          "K: once they have ended, a new INVITE is forwarded again")


def dialogs(send, uac, uas):
    """F: in-dialog requests go only along dialogs the P-Box record-routed (;dlg=)."""
    send(uac, request("INVITE", "sip:bob@example.com", uac, "F", "z9hG4bKf" + RUN))
    fwd = recv_req(uas, "INVITE", "F", 2) or ""
    rr = re.search(r"^Record-Route: <([^>]*;lr;dlg=[0-9a-f]{16})>\r$", fwd, re.M)
    check(rr is not None, "the INVITE is record-routed with a ;dlg= MAC")
    rr = rr.group(1) if rr else "sip:127.0.0.1;lr"
    send(uas, response(fwd, 200, "OK", to_tag="f1"))
    check(status(recv_resp(uac, "F", "200")) == 200, "F: the 200 goes up")
    route = "Route: <%s>\r\n" % rr
    bye_ruri = "sip:bob@127.0.0.1:%d" % port(uas)

    def bye(branch, extra, to_tag="f1"):
        return request("BYE", bye_ruri, uac, "F", branch, cseq=2, extra=extra, to_tag=to_tag)

    send(uac, request("ACK", bye_ruri, uac, "F", "z9hG4bKfa" + RUN, extra=route, to_tag="f1"))
    check(recv_req(uas, "ACK", "F", 1) is not None, "F: the ACK of the 2xx follows the route set")
    send(uac, bye("z9hG4bKfb" + RUN, route))
    got = recv_req(uas, "BYE", "F", 1)
    check(got is not None and "dlg=" not in (hdr(got, "Route") or ""),
          "F: the caller's BYE follows the route set; our Route entry is taken off")
    if got:
        send(uas, response(got, 200, "OK", to_tag="f1"))
        recv_resp(uac, "F", "200", 1, cseq="BYE")
    # the callee's request: From and To swapped, the caller's tag now in To
    callee_bye = ("BYE sip:alice@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKfc%s\r\n"
                  "Max-Forwards: 70\r\n%sFrom: <sip:bob@example.com>;tag=f1\r\n"
                  "To: <sip:alice@example.com>;tag=aF\r\nCall-ID: F-%s@test\r\nCSeq: 1 BYE\r\n"
                  "Content-Length: 0\r\n\r\n") % (port(uac), port(uas), RUN, route, RUN)
    send(uas, callee_bye)
    got = recv_req(uac, "BYE", "F", 1)
    check(got is not None, "F: the callee's BYE follows the route set too")
    if got:
        send(uac, response(got, 200, "OK"))

    # forgeries: a To tag, but no dialog we routed
    send(uac, request("INVITE", "sip:bob@example.com", uac, "G", "z9hG4bKg1" + RUN, to_tag="x"))
    check(status(recv_resp(uac, "G", "[2-6]..")) == 403 and recv_req(uas, "INVITE", "G", 0.3) is None,
          "G: an INVITE with a made-up To tag is refused 403, not routed by name past auth and policy")
    ours = re.sub(r";dlg=[0-9a-f]{16}", "", rr)
    for what, r in (("without ;dlg=", ours), ("with a wrong ;dlg=", ours + ";dlg=0123456789abcdef"),
                    ("with another dialog's ;dlg=", rr)):
        send(uac, request("BYE", bye_ruri, uac, "G", "z9hG4bKg%d%s" % (len(what), RUN),
                          extra="Route: <%s>\r\n" % r, to_tag="x"))
        check(status(recv_resp(uac, "G", "[2-6]..")) == 403 and recv_req(uas, "BYE", "G", 0.3) is None,
              "G: a BYE whose Route names us %s is refused 403" % what)
    send(uac, request("ACK", bye_ruri, uac, "G", "z9hG4bKga" + RUN, extra="Route: <%s>\r\n" % ours,
                      to_tag="x"))
    check(recv_req(uas, "ACK", "G", 0.5) is None and recv(uac, 0.1, r"CSeq: 1 ACK") is None,
          "G: such an ACK is dropped without a response")


def main():
    pbox = ("127.0.0.1", int(sys.argv[1]))
    if "--cap" in sys.argv:
        cap(pbox, int(sys.argv[sys.argv.index("--cap") + 1]))
        return summary()
    if "--ipv6" in sys.argv:
        ipv6_call(int(sys.argv[1]))
        return summary()
    if "--auth" in sys.argv:
        i = sys.argv.index("--auth")
        user, password = sys.argv[i + 1].split(":", 1)
        auth_once(pbox, user, password, int(sys.argv[i + 2]))
        return summary()
    uac, uas1, uas2 = sock(), sock(), sock()

    def send(s, msg):
        """Requests go to the P-Box's port; responses to their top Via (RFC 3261 18.2.2),
        which names the sending socket of the worker that holds the transaction."""
        to = pbox
        if msg.startswith("SIP/2.0 "):
            v = re.search(r"^Via: SIP/2\.0/UDP ([0-9.]+):(\d+)", msg, re.M)
            to = (v.group(1), int(v.group(2)))
        s.sendto(msg.encode("latin-1"), to)

    # bob has two contacts, uas1 preferred
    send(uas1, ("REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKr1%s\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=r\r\nTo: <sip:bob@example.com>\r\n"
                "Call-ID: reg-%s@test\r\nCSeq: 1 REGISTER\r\n"
                "Contact: <sip:bob@127.0.0.1:%d>;q=1.0, <sip:bob@127.0.0.1:%d>;q=0.5\r\n"
                "Expires: 600\r\nContent-Length: 0\r\n\r\n") % (port(uas1), RUN, RUN, port(uas1), port(uas2)))
    check(status(recv(uas1, 2)) == 200, "bob registers two contacts")

    # --- A: 100 Trying, retransmissions, CANCEL, hop-by-hop ACK, timer G ---
    inv = request("INVITE", "sip:bob@example.com", uac, "A", "z9hG4bKa" + RUN)
    t0 = time.monotonic()
    send(uac, inv)
    trying = status(recv(uac, 1))
    waited = time.monotonic() - t0
    check(trying == 100 and 0.15 < waited < 0.6,
          "INVITE answered 100 Trying when nothing rang within 200 ms (%.2f s)" % waited)
    fwd = recv_req(uas1, "INVITE", "A", 1)

    check(fwd is not None, "INVITE forwarded to the preferred contact")
    check(fwd is not None and re.search(r"^Via: SIP/2\.0/UDP 127\.0\.0\.1:%d;branch=z9hG4bKa%s;"
                                        r"rport=%d;received=127\.0\.0\.1\r$" % (port(uac), RUN, port(uac)),
                                        fwd, re.M),
          "the caller's Via learnt rport and received (RFC 3581)")
    branch = top_branch(fwd or "")
    send(uac, inv)  # a retransmission from the caller
    check(status(recv(uac, 1)) == 100, "a retransmitted INVITE gets the 100 again")
    copies = [m for m in collect(uas1, 6 * T1) if m.startswith("INVITE ")]
    check(copies and all(top_branch(m) == branch for m in copies),
          "timer A retransmits downstream on the same branch, the caller's copy is absorbed (%d copies)"
          % len(copies))
    # our branch: prefix, a counter in hex (least significant digit first),
    # "." and a MAC of the counter. A response must carry it as we wrote it.
    counter, mac = branch.rsplit(".", 1) if "." in branch else (branch, "")
    check(re.fullmatch(r"[0-9a-f]{16}", mac) is not None, "our branch ends in a 64-bit MAC")
    flipped = mac[:-1] + ("0" if mac[-1:] != "0" else "1")
    for forged, what in ((counter + "0." + mac, "its counter respelled (a leading zero)"),
                         (counter + "." + flipped, "a wrong MAC"),
                         (counter, "no MAC: the prefix and a counter are guessable")):
        send(uas1, response((fwd or "").replace(branch, forged, 1), 183, "Forged"))
        check(recv_resp(uac, "A", "183", 0.3) is None,
              "a response on our branch with %s is not taken for ours" % what)
    send(uas1, response(fwd, 180, "Ringing"))
    check(status(recv_resp(uac, "A", "180")) == 180, "180 goes up")
    # A response passes on byte for byte but for our via-parm, even when a
    # header comes before the Via and our via-parm shares its line.
    vias = re.findall(r"^Via: (.*)\r$", fwd or "", re.M)
    tail = ("%s\r\nTo: %s;tag=u1\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n"
            % ("\r\n".join(l for l in (fwd or "").split("\r\n")
                           if re.match(r"(From|Call-ID|CSeq):", l)), hdr(fwd or "", "To")))
    send(uas1, "SIP/2.0 183 Session Progress\r\nServer: t\r\nVia: %s\r\n%s" % (", ".join(vias), tail))
    got = recv_resp(uac, "A", "183")
    check(len(vias) == 2 and got == "SIP/2.0 183 Session Progress\r\nServer: t\r\nVia: %s\r\n%s"
          % (vias[-1], tail), "a 183 goes up with only our via-parm taken out of a shared Via line")
    collect(uas1, 2 * T1)  # copies already on their way when the 180 arrived
    late = [m for m in collect(uas1, 8 * T1) if m.startswith("INVITE ")]
    check(not late, "timer A stops after the provisional response")
    send(uac, request("CANCEL", "sip:bob@example.com", uac, "A", "z9hG4bKa" + RUN))
    ok = recv_resp(uac, "A", cseq="CANCEL")
    check(status(ok) == 200, "CANCEL answered 200 by the proxy")
    can = recv_req(uas1, "CANCEL", "A", 1)
    check(can is not None and top_branch(can) == branch, "CANCEL sent downstream on the INVITE's branch")
    send(uas1, response(can or fwd, 200, "OK"))
    send(uas1, response(fwd, 487, "Request Terminated"))
    ack = recv_req(uas1, "ACK", "A", 1)
    check(ack is not None and top_branch(ack) == branch and "1 ACK" in (hdr(ack, "CSeq") or "")
          and ";tag=u1" in (hdr(ack, "To") or ""), "the 487 is acknowledged hop by hop by the proxy")
    finals = [m for m in collect(uac, 8 * T1) if status(m) == 487]
    check(len(finals) >= 2, "487 goes up and timer G resends it until the ACK (%d copies)" % len(finals))
    send(uac, request("ACK", "sip:bob@example.com", uac, "A", "z9hG4bKa" + RUN, to_tag="u1"))
    time.sleep(2 * T1)
    collect(uac, 0.05)
    after = [m for m in collect(uac, 8 * T1) if status(m) == 487]
    check(not after, "the caller's ACK stops timer G")
    check(not [m for m in collect(uas1, 0.1) if m.startswith("ACK ")],
          "the caller's ACK for the 487 ends at the proxy")

    # --- B: serial forking on a failure response ---
    inv = request("INVITE", "sip:bob@example.com", uac, "B", "z9hG4bKb" + RUN)
    send(uac, inv)
    f1 = recv_req(uas1, "INVITE", "B", 1)
    check(f1 is not None, "B: INVITE to the first contact")
    send(uas1, response(f1, 503, "Service Unavailable"))
    a1 = recv_req(uas1, "ACK", "B", 1)
    check(a1 is not None, "B: the 503 is acknowledged")
    f2 = recv_req(uas2, "INVITE", "B", 1)
    check(f2 is not None and top_branch(f2) != top_branch(f1),
          "B: after the 503 the INVITE goes to the next contact, on a new branch")
    send(uas2, response(f2, 180, "Ringing", "u2"))
    send(uas2, response(f2, 200, "OK", "u2", "Contact: <sip:bob@127.0.0.1:%d>\r\n" % port(uas2)))
    got = [status(m) for m in collect(uac, 0.5) if "Call-ID: B-" in m]
    check(200 in got and 503 not in got, "B: the caller sees the second contact's 200, not the 503 (%s)" % got)
    send(uas2, response(f2, 200, "OK", "u2"))  # the UAS retransmits its 2xx
    check(status(recv_resp(uac, "B", "200")) == 200, "B: a retransmitted 2xx still goes up")
    send(uac, inv)
    check(not [m for m in collect(uas2, 0.3) if m.startswith("INVITE ")],
          "B: an INVITE retransmission after the 2xx is absorbed")

    # --- C: serial forking on a timeout (timer B = 64*T1) ---
    send(uac, request("INVITE", "sip:bob@example.com", uac, "C", "z9hG4bKc" + RUN))
    c1 = recv_req(uas1, "INVITE", "C", 1)
    check(c1 is not None, "C: INVITE to the first contact, which stays silent")
    t0 = time.monotonic()
    c2 = recv_req(uas2, "INVITE", "C", 64 * T1 + 3)
    waited = time.monotonic() - t0
    check(c2 is not None and waited > 64 * T1 * 0.8,
          "C: after timer B the next contact gets it (%.1f s)" % waited)
    send(uas2, response(c2 or c1, 486, "Busy Here", "u2"))
    check(status(recv_resp(uac, "C", "[2-6]..")) == 486, "C: the only failure response (486) goes up")

    # --- D: every contact fails: the best response goes up ---
    send(uac, request("INVITE", "sip:bob@example.com", uac, "D", "z9hG4bKd" + RUN))
    d1 = recv_req(uas1, "INVITE", "D", 1)
    send(uas1, response(d1 or "", 486, "Busy Here"))
    d2 = recv_req(uas2, "INVITE", "D", 1)
    send(uas2, response(d2 or "", 503, "Service Unavailable", "u2"))
    check(status(recv_resp(uac, "D", "[2-6]..")) == 486, "D: 486 beats 503 when every contact fails")

    dialogs(send, uac, uas1)

    # --- E: a non-INVITE nobody answers: timer E, then F, then 408 ---
    opt = request("OPTIONS", "sip:bob@example.com", uac, "E", "z9hG4bKe" + RUN)
    send(uac, opt)
    e1 = [m for m in collect(uas1, 20 * T1) if m.startswith("OPTIONS ")]
    check(len(e1) >= 3 and len({top_branch(m) for m in e1}) == 1,
          "E: timer E retransmits the OPTIONS on one branch (%d copies)" % len(e1))
    final = recv_resp(uac, "E", "[2-6]..", 2 * 64 * T1 + 3)
    check(status(final) == 408, "E: after both contacts time out the caller gets 408")
    send(uac, opt)
    check(status(recv_resp(uac, "E", "[2-6]..")) == 408, "E: a retransmission gets the 408 again")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
