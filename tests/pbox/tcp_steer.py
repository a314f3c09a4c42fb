#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Where nutss-pboxd's new TCP connections go (src/pbox/tcp.c, tcp_steer()),
against a running daemon with --workers 2 --log-level debug, listening on
tcp:127.0.0.1:PORT and logging to LOG: every new connection to worker-0 at
a light load, spread over both workers once worker-0 is busy, gathered on
worker-0 again once the load is gone. Which worker accepted a connection is
read from the daemon's debug line for it. Every wait is bounded.

Usage: tcp_steer.py PORT LOG    Prints PASS/FAIL lines and "N passed, N failed".
"""
import re
import socket
import sys
import threading
import time

from checks import check, summary

PORT, LOG = int(sys.argv[1]), sys.argv[2]
seq = 0


def options(s):
    global seq
    seq += 1
    port = s.getsockname()[1]
    return ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
            "Via: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKsteer%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:probe@example.com>;tag=s%d\r\n"
            "To: <sip:127.0.0.1>\r\nCall-ID: steer%d@test\r\nCSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n" % (PORT, port, seq, seq, seq)).encode()


def one_connection():
    """Open a connection, get one answer, close; its local port, or None."""
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=3) as s:
            s.sendall(options(s))
            return s.getsockname()[1] if s.recv(4096).startswith(b"SIP/2.0 200") else None
    except OSError:
        return None


def log_text():
    with open(LOG, errors="replace") as f:
        return f.read()


def accepted_by(ports, timeout=5):
    """{port: worker name} from the daemon's log for each of ports."""
    found = {}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for w, p in re.findall(r"\[(worker-\d+)\] TCP: connection from 127\.0\.0\.1 port (\d+) "
                               r"accepted", log_text()):
            if int(p) in ports:
                found[int(p)] = w
        if len(found) == len(ports):
            break
        time.sleep(0.1)
    return found


def wait_log(pattern, after, timeout):
    """True once pattern is in the log beyond offset after (within timeout)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if re.search(pattern, log_text()[after:]):
            return True
        time.sleep(0.1)
    return False


def sequential(n, what, pause=0.0):
    """n connections one after the other, pause seconds apart (a light load
    must stay light on a slow machine under a sanitizer too)."""
    ports = []
    for _ in range(n):
        p = one_connection()
        if p:
            ports.append(p)
        time.sleep(pause)
    check(len(ports) == n, "%s: %d of %d connections answered" % (what, len(ports), n))
    return accepted_by(set(ports))


# 1. A light load: one connection at a time, all to worker-0.
by = sequential(20, "light load", 0.02)
check(len(by) == 20 and set(by.values()) == {"worker-0"},
      "light load: 20 new connections all accepted by worker-0 (%s)" % sorted(set(by.values())))

# 2. Load worker-0 (the load's own connections are gathered on it) until it spreads.
stop = threading.Event()
answers = [0]


def load():
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
            while not stop.is_set():
                s.sendall(b"".join(options(s) for _ in range(50)))
                got = b""
                while got.count(b"SIP/2.0 200") < 50:
                    d = s.recv(65536)
                    if not d:
                        return
                    got += d
                answers[0] += 50
    except OSError:
        pass


mark = len(log_text())
threads = [threading.Thread(target=load, daemon=True) for _ in range(4)]
for t in threads:
    t.start()
spread = wait_log(r"\[worker-0\] TCP: worker-0 at \d+% of a CPU: new connections spread", mark, 20)
check(spread, "under load: worker-0 says it spreads new connections (%d answers)" % answers[0])
if spread:
    by = sequential(40, "under load")
    workers = sorted(set(by.values()))
    check(workers == ["worker-0", "worker-1"],
          "under load: 40 new connections accepted by both workers (%s)" % workers)
mark = len(log_text())
stop.set()
for t in threads:
    t.join(10)

# 3. The load gone, new connections are gathered on worker-0 again.
calm = wait_log(r"TCP: light load: new connections go to worker-0", mark, 20)
check(calm, "load gone: worker-0 says it gathers new connections again")
if calm:
    by = sequential(20, "load gone", 0.02)
    check(len(by) == 20 and set(by.values()) == {"worker-0"},
          "load gone: 20 new connections all accepted by worker-0 (%s)"
          % sorted(set(by.values())))

# 4. Long-lived connections must not pile up on worker-0: past 256 it spreads.
# From five addresses, under the per-peer limit (64) of each.
def hold(n, held):
    for i in range(n):
        s = socket.socket()
        try:
            s.bind(("127.0.0.%d" % (2 + i % 5), 0))
            s.settimeout(3)
            s.connect(("127.0.0.1", PORT))
            held.append(s)
        except OSError:
            s.close()


mark = len(log_text())
held = []
hold(260, held)
check(len(held) == 260, "260 idle connections open (%d)" % len(held))
spread = wait_log(r"TCP: worker-0 holds \d+ connections: new connections spread", mark, 10)
check(spread, "worker-0 spreads new connections once it holds 256")
if spread:
    mark = len(log_text())
    hold(40, held)
    late = {}
    end = time.monotonic() + 5
    while len(late) < 40 and time.monotonic() < end:
        time.sleep(0.1)
        late = dict((p, w) for w, p in re.findall(
            r"\[(worker-\d+)\] TCP: connection from (127\.0\.0\.[2-6] port \d+)",
            log_text()[mark:]))
    check(len(late) == 40 and set(late.values()) == {"worker-0", "worker-1"},
          "40 more connections then went to both workers (%d: %s)"
          % (len(late), sorted(set(late.values()))))
for s in held:
    s.close()

sys.exit(summary())
