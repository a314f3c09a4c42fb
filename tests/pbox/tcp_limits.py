#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""nutss-pboxd's TCP transport and its limits, against a running daemon
started with max_tcp_connections = 24, max_tcp_per_peer = 8,
tcp_idle_timeout = 2, max_message_size = 2048, listening on
tcp:127.0.0.1:PORT and tcp:[::1]:PORT. Every wait is bounded.

Usage: tcp_limits.py PORT      Prints PASS/FAIL lines and "N passed, N failed".
"""
import random
import re
import select
import socket
import sys
import time

from checks import check, summary

RUN = "%08x" % random.getrandbits(32)
n_opt = 0


def options(s):
    """An OPTIONS to the P-Box itself over connection s."""
    global n_opt
    n_opt += 1
    host, port = s.getsockname()[:2]
    h = "[%s]" % host if ":" in host else host
    phost, pport = s.getpeername()[:2]
    us = "%s:%d" % ("[%s]" % phost if ":" in phost else phost, pport)
    return (("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/TCP %s:%d;branch=z9hG4bKt%s%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:probe@example.com>;tag=t%d\r\nTo: <sip:%s>\r\n"
            "Call-ID: tcp%d-%s@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n") % (
                us, h, port, RUN, n_opt, n_opt, us, n_opt, RUN)).encode()


def read_some(s, timeout):
    """Bytes read within timeout; b"" when the peer closed or reset; None on timeout."""
    p = select.poll()  # not select(): the flood below takes descriptors past 1024
    p.register(s, select.POLLIN)
    if not p.poll(max(timeout, 0) * 1000):
        return None
    try:
        return s.recv(65535)
    except (ConnectionResetError, OSError):
        return b""


def answered(s, timeout=2):
    try:
        s.sendall(options(s))
    except OSError:
        return False
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        more = read_some(s, deadline - time.monotonic())
        if not more:
            return False
        data += more
        if re.match(rb"SIP/2\.0 200 ", data) and b"\r\n\r\n" in data:
            return True
    return False


def connect(addr, src=None):
    fam = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(2)
    s.connect(addr)
    s.settimeout(None)
    return s


def alive(s, timeout=0.3):
    """Still open: nothing arrived and the peer did not close or reset it."""
    return read_some(s, timeout) is None


def main():
    port = int(sys.argv[1])
    v4, v6 = ("127.0.0.1", port), ("::1", port)

    a = connect(v4)
    check(answered(a), "OPTIONS over TCP answered 200")
    check(answered(a), "a second request on the same connection answered too")
    try:
        b = connect(v6)
        check(answered(b), "OPTIONS over TCP/IPv6 answered 200")
        b.close()
    except OSError as e:
        check(False, "TCP/IPv6 connect: %s" % e)

    # two messages in one segment, and one split across segments
    m1, m2 = options(a), options(a)
    a.sendall(m1 + m2[:40])
    time.sleep(0.1)
    a.sendall(m2[40:])
    got = b""
    deadline = time.monotonic() + 2
    while got.count(b"SIP/2.0 200 ") < 2 and time.monotonic() < deadline:
        more = read_some(a, deadline - time.monotonic())
        if not more:
            break
        got += more
    check(got.count(b"SIP/2.0 200 ") == 2, "messages framed across and within segments")
    # a keep-alive ping (RFC 5626) gets its pong
    a.sendall(b"\r\n\r\n")
    check(read_some(a, 1) == b"\r\n", "CRLFCRLF keep-alive answered with CRLF")
    a.close()

    # per-peer limit: one source address may hold 8 connections
    held, refused = [], 0
    for _ in range(20):
        try:
            held.append(connect(v4))
        except OSError:
            refused += 1
    time.sleep(0.3)
    open_ = [s for s in held if alive(s, 0.05)]
    check(len(open_) == 8, "one peer opening 20 connections keeps 8 (max_tcp_per_peer), %d kept"
          % len(open_))
    check(answered(open_[0]) if open_ else False, "a kept connection is still served")
    other = connect(v4, src="127.0.0.2")
    check(answered(other), "another peer still gets a connection and an answer")

    # total limit: 24 connections in the process
    extra = []
    for src in ("127.0.0.3", "127.0.0.4", "127.0.0.5"):
        for _ in range(8):
            try:
                extra.append(connect(v4, src=src))
            except OSError:
                pass
    time.sleep(0.3)
    n_open = len([s for s in extra if alive(s, 0.02)])
    check(n_open == 24 - 8 - 1, "past max_tcp_connections new connections are reset (%d of 24 open)"
          % (n_open + 8 + 1))
    for s in held + extra:
        s.close()
    other.close()
    time.sleep(0.5)

    # a flood of connections from one peer: the listener keeps serving the others
    flood = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2 and len(flood) < 2000:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(v4)
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        flood.append(s)
    probe = connect(v4, src="127.0.0.6")
    check(answered(probe), "during a %d-connection flood another peer is served" % len(flood))
    for s in flood:
        s.close()
    probe.close()
    time.sleep(0.5)

    # idle connections are closed after tcp_idle_timeout (2 s)
    idle = connect(v4, src="127.0.0.7")
    t0 = time.monotonic()
    got = read_some(idle, 6)
    waited = time.monotonic() - t0
    check(got == b"" and 1.5 < waited < 5, "an idle connection is closed after %.1f s" % waited)
    idle.close()

    # a message larger than max_message_size: the connection is closed
    big = connect(v4, src="127.0.0.8")
    msg = options(big)
    msg = msg.replace(b"Content-Length: 0", b"X-Filler: " + b"x" * 4000 + b"\r\nContent-Length: 0")
    big.sendall(msg)
    got = read_some(big, 2)
    check(got == b"", "a message over max_message_size gets the connection closed")
    big.close()
    a = connect(v4)
    check(answered(a), "the daemon is still serving afterwards")
    a.close()

    return summary()


if __name__ == "__main__":
    sys.exit(main())
