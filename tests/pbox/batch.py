#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""batch_wait_us against a running nutss-pboxd (worker.c, batch_wait).

    batch.py PORT WAIT_MS [--off]

OPTIONS to the P-Box itself, answered 200 at once, timed one by one. At a
light load (one every 100 ms, less than one a wait) nothing waits. Under a
load of one every 2 ms, the worker pauses WAIT_MS between turns, so answers
come in clumps: some wait, none more than WAIT_MS and a margin. With --off
(the daemon runs with batch_wait_us = 0) none waits at either load.

TCP, under the same UDP load: sixteen connections opened at once are all
answered within a wait (not one a turn), and a client that closes with
SO_LINGER, whose close() blocks until the P-Box closes its side, is not
kept waiting for the batch.
Prints PASS/FAIL lines and "N passed, N failed"; only loopback traffic.
"""
import select
import socket
import struct
import sys
import threading
import time

from checks import check, summary



def options(port, me, n, transport="UDP"):
    return ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bKbw%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=bw\r\nTo: <sip:127.0.0.1:%d>\r\n"
            "Call-ID: bw-%d@test\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n"
            % (port, transport, me, n, port, n, n)).encode()


def run(port, count, gap):
    """Send count OPTIONS gap seconds apart; the round trip of each, in ms (None: lost)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    me = s.getsockname()[1]
    sent, rtt = {}, {}
    start = time.monotonic()
    deadline = start + count * gap + 2
    n = 0
    while time.monotonic() < deadline and len(rtt) < count:
        now = time.monotonic()
        if n < count and now >= start + n * gap:
            sent[n] = time.monotonic()
            s.sendto(options(port, me, n), ("127.0.0.1", port))
            n += 1
            continue
        wait = max(0, min(start + n * gap if n < count else deadline, deadline) - now)
        if select.select([s], [], [], wait)[0]:
            data = s.recv(65536).decode("latin-1")
            for line in data.split("\r\n"):
                if line.startswith("Call-ID: bw-"):
                    k = int(line[len("Call-ID: bw-"):].split("@")[0])
                    if k in sent and k not in rtt:
                        rtt[k] = (time.monotonic() - sent[k]) * 1000
    s.close()
    return [rtt.get(k) for k in range(count)]


def tcp_open(port, n, linger=False):
    """A connection that has sent one OPTIONS."""
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if linger:  # as SIPp does: close() waits up to 1 s for the ACK of our FIN
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 1))
    c.settimeout(2)
    c.connect(("127.0.0.1", port))
    c.sendall(options(port, c.getsockname()[1], n, "TCP"))
    return c


def tcp_answered(c):
    """Wait (bounded) for the 200 on c; c, or None (closed) if none came."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            got = c.recv(65536)
            if not got:
                break
            data += got
    except socket.timeout:
        pass
    if not data.startswith(b"SIP/2.0 200"):
        c.close()
        return None
    return c


def tcp_checks(port, wait):
    """Under UDP load (so the worker batches): accepts and closes do not wait for turns."""
    stop = threading.Event()
    udp = []  # round trips of the load, in ms

    def load():
        while not stop.is_set():
            udp.extend(r for r in run(port, 25, 0.002) if r is not None)

    loader = threading.Thread(target=load)
    loader.start()
    try:
        time.sleep(0.2)
        start = time.monotonic()
        conns = [tcp_answered(c) for c in [tcp_open(port, 1000 + i) for i in range(16)]]
        took = (time.monotonic() - start) * 1000
        check(all(conns), "TCP: sixteen connections at once answered (%d)" % sum(1 for c in conns if c))
        check(took < wait * 2 + 20, "TCP: sixteen connections at once answered in %.1f ms: not one "
              "a turn (wait %g ms)" % (took, wait))
        for c in conns:
            if c:
                c.close()
        closes = []
        for i in range(10):
            c = tcp_answered(tcp_open(port, 2000 + i, linger=True))
            if not c:
                continue
            time.sleep(0.005)
            start = time.monotonic()
            c.shutdown(socket.SHUT_RDWR)
            c.close()
            closes.append((time.monotonic() - start) * 1000)
        closes.sort()
        median = closes[len(closes) // 2] if closes else -1
        check(len(closes) == 10 and median < wait / 4,
              "TCP: a lingering client's close() is not kept for the batch (median %.1f ms of %d)"
              % (median, len(closes)))
    finally:
        stop.set()
        loader.join(30)
    return sum(1 for r in udp if r >= wait / 2), len(udp)


def main():
    port, wait = int(sys.argv[1]), float(sys.argv[2])
    off = "--off" in sys.argv
    light = run(port, 10, 0.1)
    check(all(r is not None for r in light), "light load: every OPTIONS answered")
    worst = max(r for r in light if r is not None) if any(light) else -1
    check(0 <= worst < wait / 2, "light load: nothing waits (worst %.1f ms, wait %g ms)" % (worst, wait))
    heavy = run(port, 250, 0.002)
    got = [r for r in heavy if r is not None]
    check(len(got) == len(heavy), "one every 2 ms: every OPTIONS answered (%d of %d)" % (len(got), len(heavy)))
    slow = sum(1 for r in got if r >= wait / 2)
    worst = max(got) if got else -1
    if off:
        check(slow <= len(got) // 50, "batch_wait_us = 0: none waits (%d of %d over %g ms)"
              % (slow, len(got), wait / 2))
    else:
        check(slow >= len(got) // 10, "one every 2 ms: answers wait for the batch (%d of %d over %g ms)"
              % (slow, len(got), wait / 2))
        check(worst < wait * 1.5 + 15, "one every 2 ms: none waits much more than batch_wait_us "
              "(worst %.1f ms)" % worst)
    slow, n = tcp_checks(port, wait)
    if not off:  # else the TCP checks above prove nothing
        check(slow >= n // 10, "TCP checks: the worker was batching meanwhile (%d of %d UDP answers "
              "over %g ms)" % (slow, n, wait / 2))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
