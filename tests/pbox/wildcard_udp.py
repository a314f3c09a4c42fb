#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A P-Box listening on udp:0.0.0.0:PORT names a real address in its Via and
Record-Route, never 0.0.0.0, which a peer cannot send to.

  wildcard_udp.py PORT NAME [--answer]

Registers a user at a socket of ours, sends an INVITE to 127.0.0.1:PORT and
checks the forwarded copy: Via and Record-Route name NAME (the advertised or
detected address). With --answer (NAME is then 127.0.0.1), the callee
answers 180 to that Via and the caller must get it. Traffic goes to
127.0.0.1 only."""
import random
import re
import socket
import sys

from checks import check, summary



def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2)
    return s


def recv(s):
    try:
        return s.recv(65535).decode("latin-1")
    except socket.timeout:
        return ""


def main():
    port, name, answer = int(sys.argv[1]), sys.argv[2], "--answer" in sys.argv
    run = "%08x" % random.getrandbits(32)
    pbox = ("127.0.0.1", port)
    uac, uas = sock(), sock()
    bob = "bob" + run  # a name of its own: the data dir may hold other runs' bobs
    uas.sendto(("REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKw%s\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:%s@example.com>;tag=r\r\nTo: <sip:%s@example.com>\r\n"
                "Call-ID: wreg-%s\r\nCSeq: 1 REGISTER\r\nContact: <sip:%s@127.0.0.1:%d>\r\n"
                "Expires: 600\r\nContent-Length: 0\r\n\r\n" % (uas.getsockname()[1], run, bob, bob, run,
                                                                bob, uas.getsockname()[1])).encode(), pbox)
    check(recv(uas).startswith("SIP/2.0 200"), "a user registers through the wildcard listener")
    uac.sendto(("INVITE sip:%s@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKwi%s\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=a\r\nTo: <sip:%s@example.com>\r\n"
                "Call-ID: winv-%s\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:%d>\r\n"
                "Content-Length: 0\r\n\r\n" % (bob, uac.getsockname()[1], run, bob, run,
                                               uac.getsockname()[1])).encode(), pbox)
    fwd = recv(uas)
    while fwd and not fwd.startswith("INVITE "):
        fwd = recv(uas)
    via = re.search(r"^Via: SIP/2\.0/UDP ([^:;]+):(\d+);branch=", fwd, re.M)
    rr = re.search(r"^Record-Route: <sip:([^:;>]+):(\d+);lr;dlg=", fwd, re.M)
    check(via is not None and via.group(1) == name,
          "our Via names %s, not 0.0.0.0 (%s)" % (name, via.group(1) if via else "no Via"))
    check(rr is not None and rr.group(1) == name and int(rr.group(2)) == port,
          "our Record-Route names %s:%d" % (name, port))
    check("0.0.0.0" not in fwd, "0.0.0.0 appears nowhere in the forwarded INVITE")
    if answer and via:
        heads = [l for l in fwd.split("\r\n") if re.match(r"(Via|From|Call-ID|CSeq|Record-Route):", l)]
        to = re.search(r"^To: (.*)\r$", fwd, re.M).group(1) + ";tag=b"
        uas.sendto(("SIP/2.0 180 Ringing\r\n%s\r\nTo: %s\r\nContent-Length: 0\r\n\r\n"
                    % ("\r\n".join(heads), to)).encode(), (via.group(1), int(via.group(2))))
        got = recv(uac)
        while got.startswith("SIP/2.0 100"):
            got = recv(uac)
        check(got.startswith("SIP/2.0 180"), "the callee's 180, sent to our Via, reaches the caller")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
