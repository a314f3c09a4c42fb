#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drive `nutss connect` as a program would, for what a shell pipe cannot
check (tests/flow/test-flow.sh):

  udp-echo NAME BYTES     a UDP flow: BYTES in 1,024-byte datagrams, each
                          sent when the last came back (an echo listener),
                          checksummed at the end
  survive NAME PID CMD..  a TCP flow, one line echoed; then CMD (kill -9 and
                          restart the P-Box: its PID file is PID); then
                          another line echoed on the same flow
  refused PORT            a plain TCP connection to a listener's flow port
                          must be closed at once (no INVITE authorized it)

The environment (NUTSS_USER...) and NUTSS_BIN name who connects and with
what binary. Prints PASS/FAIL lines and "N passed, N failed".
"""
import hashlib
import os
import select
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pbox"))
from checks import check, summary  # noqa: E402

NUTSS = os.environ.get("NUTSS_BIN", "nutss")


def read_exact(f, n, timeout):
    out, end = b"", time.monotonic() + timeout
    while len(out) < n:
        left = end - time.monotonic()
        if left <= 0 or not select.select([f], [], [], left)[0]:
            break
        chunk = os.read(f.fileno(), n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def connect(name, udp=False):
    args = [NUTSS, "connect", name] + (["--udp"] if udp else [])
    return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=0)


def udp_echo(name, total):
    p = connect(name, udp=True)
    sent, got = hashlib.sha256(), hashlib.sha256()
    n = ok = 0
    t0 = time.monotonic()
    while n < total:
        chunk = os.urandom(min(1024, total - n))
        sent.update(chunk)
        p.stdin.write(chunk)
        back = read_exact(p.stdout, len(chunk), 5)
        got.update(back)
        if back != chunk:
            break
        n += len(chunk)
        ok += 1
    p.stdin.close()
    p.wait(timeout=10)
    check(n == total and sent.digest() == got.digest(),
          "UDP flow by name: %d bytes in %d datagrams echoed, sha256 equal (%.1f s)" % (
              n, ok, time.monotonic() - t0))


def survive(name, cmd):
    p = connect(name)
    p.stdin.write(b"before\n")
    check(read_exact(p.stdout, 7, 10) == b"before\n", "a TCP flow by name echoes a line")
    rc = subprocess.run(cmd, shell=False).returncode
    check(rc == 0, "the P-Box killed with -9 and started again (%s)" % rc)
    p.stdin.write(b"after the P-Box came back\n")
    check(read_exact(p.stdout, 26, 10) == b"after the P-Box came back\n",
          "the flow goes on across the P-Box's restart: the fd is the kernel's")
    p.stdin.close()
    p.wait(timeout=10)


def refused(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(5)
    try:
        data = s.recv(100)
    except ConnectionResetError:
        data = b""
    except socket.timeout:
        data = None
    check(data == b"", "a plain connection to the flow port, which no INVITE authorized, is closed")
    s.close()


def main():
    what = sys.argv[1]
    if what == "udp-echo":
        udp_echo(sys.argv[2], int(sys.argv[3]))
    elif what == "survive":
        survive(sys.argv[2], sys.argv[3:])
    elif what == "refused":
        refused(int(sys.argv[2]))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
