#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Send the RFC 4475 torture messages to a running nutss-pboxd over UDP and
check each reaction against ../shared/testdata/rfc4475/MANIFEST.tsv:

  NNN      a response with that status comes back
  forward  the request reaches the next hop (a sink socket of this script)
  accept   a REGISTER is answered 200 (auth off) or challenged 401 (auth on)
  -        nothing comes back (responses and garbage are dropped)

Usage: rfc4475_udp.py CORPUS_DIR PBOX_PORT SINK_PORT [--auth] [--only FILE...]
Before the corpus, the users that forwarded requests address are registered
with the sink as their contact, so local lookups forward there too; other
domains reach the sink as the P-Box's --next-hop. Prints PASS/FAIL lines.
"""
import os
import random
import re
import socket
import sys

WAIT = 1.0  # seconds to wait for a reaction; every wait is bounded
RUN = b"%08x" % random.getrandbits(32)  # fresh Call-IDs, so a rerun is not an old REGISTER


SINKS = []  # every socket a forwarded request may arrive on


def call_id(data):
    """The Call-ID (or i:) value of a message, or None."""
    m = re.search(rb"\r\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]*)", data, re.I)
    return m.group(1).strip() if m else None


def reaction(pbox, sink, data, timeout=WAIT):
    """Send data; return ('status', code), ('forward', bytes) or ('none', None).

    Only what belongs to data counts: a forward or a response with its
    Call-ID (when it has one), not a 100 Trying, and not the retransmissions
    the P-Box's client transactions send for earlier requests the sink never
    answered."""
    import select
    import time
    want = call_id(data)
    pbox.sendto(data, ("127.0.0.1", PBOX_PORT))
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return ("none", None)
        r, _, _ = select.select([pbox] + SINKS, [], [], left)
        for s in SINKS:
            if s in r:
                fwd = s.recv(65535)
                if want is None or call_id(fwd) == want:
                    return ("forward", fwd)
        if pbox in r:
            resp = pbox.recv(65535)
            m = re.match(rb"SIP/2\.0 (\d{3}) ", resp)
            if m and int(m.group(1)) == 100:
                continue
            if want is not None and call_id(resp) not in (want, None):
                continue
            return ("status", int(m.group(1)) if m else -1)


def drain(*socks):
    socks = socks + tuple(SINKS)
    for s in socks:
        s.setblocking(False)
        try:
            while True:
                s.recv(65535)
        except BlockingIOError:
            pass
        s.setblocking(True)


def ruri_aor(data):
    """user@host of a request's Request-URI, or None."""
    line = data.split(b"\r\n", 1)[0]
    m = re.match(rb"[^ ]+ sips?:([^@ ]+)@([A-Za-z0-9.-]+)", line)
    return (m.group(1), m.group(2)) if m else None


def register(pbox, user, host, sink_port, n):
    msg = (b"REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKreg%d\r\n"
           b"Max-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=r%d\r\nTo: <sip:%s@%s>\r\n"
           b"Call-ID: reg%d-" + RUN + b"@test\r\nCSeq: 1 REGISTER\r\nContact: <sip:sink@127.0.0.1:%d>\r\n"
           b"Expires: 600\r\nContent-Length: 0\r\n\r\n") % (
               host, pbox.getsockname()[1], n, user, host, n, user, host, n, sink_port)
    return msg


def main():
    global PBOX_PORT
    corpus, PBOX_PORT, sink_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    auth = "--auth" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else None
    pbox = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pbox.bind(("127.0.0.1", 0))
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", sink_port))
    SINKS.append(sink)
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(corpus, "MANIFEST.tsv"))
            if l.strip() and not l.startswith("#")]
    if only:
        rows = [r for r in rows if r[0] in only]
    passed = failed = 0
    # A message may name its own next hop in a Route (mpart01: 127.0.0.1:5080): watch it too.
    for f, _, _, want, _ in rows:
        data = open(os.path.join(corpus, f), "rb").read()
        for port in re.findall(rb"\r\nRoute: <sip:127\.0\.0\.1:(\d+)>", data):
            try:
                extra = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                extra.bind(("127.0.0.1", int(port)))
                SINKS.append(extra)
            except OSError:
                print("SKIP watching 127.0.0.1:%s for %s: port in use" % (port.decode(), f))
    # Register the local users the forwarded requests go to (auth off only).
    if not auth:
        for i, (f, _, _, want, _) in enumerate(rows):
            data = open(os.path.join(corpus, f), "rb").read()
            aor = ruri_aor(data)
            if want == "forward" and aor and aor[1].lower() == b"example.com":
                kind, val = reaction(pbox, sink, register(pbox, aor[0], aor[1], sink_port, i))
                if kind != "status" or val != 200:
                    print("FAIL registering %r for %s: %s %s" % (aor[0], f, kind, val))
                    failed += 1
    for f, section, cls, want, title in rows:
        drain(pbox, sink)
        data = open(os.path.join(corpus, f), "rb").read()
        kind, val = reaction(pbox, sink, data)
        if want == "forward":
            ok = kind == "forward"
        elif want == "accept":
            ok = kind == "status" and val == (401 if auth else 200)
        elif want == "-":
            ok = kind in ("none", "forward") and not (kind == "forward" and cls != "valid")
            # a response with no matching transaction may be forwarded statelessly or dropped;
            # what must not happen is an answer to a response
        else:
            ok = kind == "status" and val == int(want)
        print("%s %s (%s, expect %s): got %s %s" % ("PASS" if ok else "FAIL", f, cls, want,
                                                    kind, val if kind == "status" else ""))
        passed += ok
        failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
