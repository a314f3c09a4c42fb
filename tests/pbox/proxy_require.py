#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 15's reproducer and its neighbours, against a running nutss-pboxd
on udp:127.0.0.1:PORT and tcp:127.0.0.1:PORT: a Proxy-Require whose tags
do not fit the 420's Unsupported line (one datagram, no credentials) once
overflowed a stack buffer. The 420 must list the tags that fit, whole, and
say how many it left out.

Usage: proxy_require.py PORT     Prints PASS/FAIL lines and "N passed, N failed".
"""
import re
import socket
import sys
import time

from checks import check, summary

n_req = 0


def request(proto, sport, tags):
    global n_req
    n_req += 1
    return ("OPTIONS sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bKpr%d\r\nMax-Forwards: 70\r\n"
            "From: <sip:mallory@example.net>;tag=m%d\r\nTo: <sip:bob@example.com>\r\n"
            "Call-ID: pr%d@test\r\nCSeq: 1 OPTIONS\r\nProxy-Require: %s\r\n"
            "Content-Length: 0\r\n\r\n" % (proto, sport, n_req, n_req, n_req, tags)).encode()


def over_udp(port, tags):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2)
    try:
        s.sendto(request("UDP", s.getsockname()[1], tags), ("127.0.0.1", port))
        return s.recv(65535).decode("latin-1")
    except OSError:
        return ""
    finally:
        s.close()


def over_tcp(port, tags):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        return ""
    try:
        s.sendall(request("TCP", s.getsockname()[1], tags))
        data, deadline = b"", time.monotonic() + 2
        while b"\r\n\r\n" not in data and time.monotonic() < deadline:
            more = s.recv(65535)
            if not more:
                break
            data += more
        return data.decode("latin-1")
    except OSError:
        return ""
    finally:
        s.close()


def header(resp, name):
    m = re.search(r"^%s: *(.*?)\r$" % name, resp, re.M | re.I)
    return m.group(1) if m else None


def main():
    port = int(sys.argv[1])
    for proto, send in (("UDP", over_udp), ("TCP", over_tcp)):
        # the reproducer: one short tag, then one of 300 bytes
        r = send(port, "foo, " + "x" * 300)
        check(r.startswith("SIP/2.0 420 "), "%s: a 300-byte tag gets a 420 (got %r)" % (proto, r[:40]))
        check(header(r, "Unsupported") == "foo, " + "x" * 300,
              "%s: the 420 lists both tags, whole" % proto)
        # more than fits: 24 tags of 30 bytes (the parser takes at most 32)
        tags = ["t%02d" % i + "y" * 27 for i in range(24)]
        r = send(port, ", ".join(tags))
        u = header(r, "Unsupported") or ""
        listed = [t.strip() for t in u.split(",") if t.strip()]
        check(r.startswith("SIP/2.0 420 "), "%s: 24 long tags get a 420" % proto)
        check(0 < len(listed) < 24 and listed == tags[:len(listed)] and len(u) < 512,
              "%s: the 420 lists the first %d tags whole, in %d bytes" % (proto, len(listed), len(u)))
        w = header(r, "Warning") or ""
        check(("%d more unsupported option tag(s) not listed" % (24 - len(listed))) in w,
              "%s: its Warning counts the %d left out (%r)" % (proto, 24 - len(listed), w))
        # one tag longer than the whole line: still refused, none listed
        r = send(port, "z" * 2000)
        check(r.startswith("SIP/2.0 420 ") and header(r, "Unsupported") is None and
              "1 more unsupported" in (header(r, "Warning") or ""),
              "%s: a 2000-byte tag alone gets a 420 that lists none and says so" % proto)
        # a supported tag is no reason to refuse
        r = send(port, "path")
        check(r and not r.startswith("SIP/2.0 420"), "%s: Proxy-Require: path is not refused (%r)" % (proto, r[:40]))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
