#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A black-box mutation fuzzer for a running nutss-pboxd: malformed SIP over
UDP and TCP from many source ports, for a bounded time, then proof that the
daemon still answers a valid request on both transports. It knows nothing of
the daemon's insides; tests/fuzz/fuzz_pbox.c is the coverage-guided half.

Seeds: the RFC 4475 corpus (when given), examples/sip/, and a call's worth
of messages written here (REGISTER, INVITE with SDP, CANCEL, ACK, BYE, a
response to one of the daemon's branches). Mutations work on bytes (flips,
inserts, deletes, splices), on lines (duplicate, drop, swap, cut CRLFs) and
on values (boundary numbers, very long tokens, long Proxy-Require lists, the
reproducer of issue 15).

Usage: blackbox.py PORT SECONDS [--seed N] [--corpus DIR] [--host H]
Prints PASS/FAIL lines and "N passed, N failed"; the shell script around it
checks the daemon's log for sanitizer reports.
"""
import argparse
import glob
import os
import random
import select
import socket
import sys
import time

from checks import check, summary

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def seeds(corpus):
    out = []
    if corpus:
        for p in sorted(glob.glob(os.path.join(corpus, "*.dat"))):
            with open(p, "rb") as f:
                out.append(f.read())
    for p in sorted(glob.glob(os.path.join(TOP, "examples", "sip", "*.sip"))):
        with open(p, "rb") as f:
            out.append(f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    sdp = (b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           b"m=data 9000 tcp ftp\r\na=enc:none\r\n")
    head = (b"Via: SIP/2.0/UDP 127.0.0.1:7000;branch=z9hG4bKbb1;rport\r\nMax-Forwards: 70\r\n"
            b"From: <sip:alice@example.com;app=ftp;type=client>;tag=f1\r\n"
            b"To: <sip:bob@example.com;app=ftp;type=server>\r\nCall-ID: bb1@test\r\n")
    out += [
        b"REGISTER sip:example.com SIP/2.0\r\n" + head.replace(b"bob", b"alice") +
        b"CSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:7000>;expires=60\r\n"
        b"Path: <sip:p1@127.0.0.1:7001;lr>\r\nContent-Length: 0\r\n\r\n",
        b"INVITE sip:bob@example.com;app=ftp;type=server SIP/2.0\r\n" + head +
        b"CSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:7000>\r\n"
        b"Proxy-Authorization: Digest username=\"alice\", realm=\"example.com\", "
        b"nonce=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", uri=\"sip:bob@example.com\", "
        b"response=\"00000000000000000000000000000000\", qop=auth, nc=00000001, cnonce=\"c\"\r\n"
        b"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n" % len(sdp) + sdp,
        b"CANCEL sip:bob@example.com SIP/2.0\r\n" + head + b"CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
        b"ACK sip:bob@example.com SIP/2.0\r\n" + head.replace(b"server>", b"server>;tag=t2") +
        b"CSeq: 1 ACK\r\nRoute: <sip:127.0.0.1;lr;dlg=0011223344556677>\r\nContent-Length: 0\r\n\r\n",
        b"BYE sip:bob@127.0.0.1:7002 SIP/2.0\r\n" + head.replace(b"server>", b"server>;tag=t2") +
        b"CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKp0000000000\r\n"
        b"From: <sip:alice@example.com;app=ftp;type=client>;tag=f1\r\n"
        b"To: <sip:bob@example.com;app=ftp;type=server>;tag=t2\r\nCall-ID: bb1@test\r\n"
        b"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n" % len(sdp) + sdp,
        b"OPTIONS sip:bob@example.com SIP/2.0\r\n" + head + b"CSeq: 1 OPTIONS\r\n"
        b"Proxy-Require: foo, " + b"x" * 300 + b"\r\nContent-Length: 0\r\n\r\n",
    ]
    return out


BOUNDARY = [b"0", b"-1", b"1", b"255", b"256", b"65535", b"65536", b"2147483647", b"2147483648",
            b"4294967295", b"4294967296", b"18446744073709551615", b"99999999999999999999999",
            b"", b" ", b"\x00", b"%00", b"\"", b"\\", b"<", b">", b";", b",", b"=", b"@", b":",
            b"[", b"]", b"[::1]", b"sip:", b"z9hG4bK"]


def long_token(rng):
    n = rng.choice([64, 127, 128, 255, 256, 257, 511, 512, 1023, 1024, 4096, 20000])
    return bytes([rng.choice(b"abcxyz0189-.!%*_+`'~")]) * n


def mutate(rng, data, pool):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(12)
        if not data:
            data += rng.choice(pool)
        if op == 0:  # flip bits
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(data))
                data[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # random bytes in
            i = rng.randrange(len(data) + 1)
            data[i:i] = os.urandom(rng.randint(1, 16))
        elif op == 2:  # a run out
            i = rng.randrange(len(data))
            del data[i:i + rng.randint(1, 64)]
        elif op == 3:  # splice with another seed
            other = rng.choice(pool)
            i, j = rng.randrange(len(data) + 1), rng.randrange(len(other) + 1)
            data = data[:i] + other[j:]
        lines = bytes(data).split(b"\r\n")
        if op == 4 and len(lines) > 1:  # duplicate a line, many times
            i = rng.randrange(len(lines))
            lines[i:i] = [lines[i]] * rng.choice([1, 2, 10, 100, 400])
        elif op == 5 and len(lines) > 1:  # drop a line
            del lines[rng.randrange(len(lines))]
        elif op == 6 and len(lines) > 2:  # swap two lines
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 7:  # a value becomes a boundary value
            i = rng.randrange(len(lines))
            k = lines[i].find(b":")
            v = rng.choice(BOUNDARY) if rng.random() < 0.6 else long_token(rng)
            lines[i] = (lines[i][:k + 1] + b" " + v) if k >= 0 else v
        elif op == 8:  # a number anywhere becomes a boundary value
            i = rng.randrange(len(lines))
            parts = lines[i].split(b" ")
            j = rng.randrange(len(parts))
            parts[j] = rng.choice(BOUNDARY)
            lines[i] = b" ".join(parts)
        elif op == 9:  # a long parameter or header
            i = rng.randrange(len(lines))
            lines[i] += rng.choice([b";", b",", b" ", b";tag=", b";branch=", b";maddr="]) + long_token(rng)
        elif op == 10:  # Proxy-Require / Require with many or long tags
            tags = b", ".join(long_token(rng)[:rng.randint(1, 300)] for _ in range(rng.randint(1, 40)))
            lines.insert(min(1, len(lines)), rng.choice([b"Proxy-Require: ", b"Require: ", b"Supported: "]) + tags)
        elif op == 11:  # line ends: CRLF cut, LF only, folded
            i = rng.randrange(len(lines))
            lines[i] = lines[i] + rng.choice([b"\n", b"\r", b"\r\n ", b"\r\n\t", b""])
        data = bytearray(b"\r\n".join(lines))
    return bytes(data[:65536])


def options(proto, sport, n):
    return ("OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bKbbok%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:probe@example.com>;tag=ok%d\r\nTo: <sip:example.com>\r\n"
            "Call-ID: bbok%d@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % (
                proto, sport, n, n, n)).encode()


def udp_answers(host, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    s.settimeout(0.5)
    try:
        for _ in range(6):  # retransmit as a SIP client would
            s.sendto(options("UDP", s.getsockname()[1], n), (host, port))
            try:
                while True:
                    d = s.recv(65535)
                    if d.startswith(b"SIP/2.0 200") and b"bbok%d@" % n in d:
                        return True
            except socket.timeout:
                pass
        return False
    finally:
        s.close()


def tcp_answers(host, port, n):
    try:
        s = socket.create_connection((host, port), timeout=2)
    except OSError:
        return False
    try:
        s.sendall(options("TCP", s.getsockname()[1], n))
        data, deadline = b"", time.monotonic() + 3
        while time.monotonic() < deadline and b"bbok%d@" % n not in data:
            r, _, _ = select.select([s], [], [], max(0, deadline - time.monotonic()))
            if not r:
                break
            more = s.recv(65535)
            if not more:
                break
            data += more
        return data.startswith(b"SIP/2.0 200") and b"bbok%d@" % n in data
    except OSError:
        return False
    finally:
        s.close()


class Tcp:
    """A few connections kept open, written in pieces, closed or reset at random."""

    def __init__(self, host, port, rng):
        self.host, self.port, self.rng, self.conns = host, port, rng, []
        self.opened = self.failed = 0

    def send(self, data):
        rng = self.rng
        if len(self.conns) < 4 or rng.random() < 0.05:
            try:
                s = socket.create_connection((self.host, self.port), timeout=1)
                s.setblocking(False)
                self.conns.append(s)
                self.opened += 1
            except OSError:
                self.failed += 1
        if not self.conns:
            return
        s = rng.choice(self.conns)
        # stream framing: whole, cut in pieces, or several messages at once
        pieces = [data] if rng.random() < 0.5 else [data[i:i + rng.randint(1, 200)]
                                                   for i in range(0, len(data), 200)]
        try:
            for p in pieces:
                s.send(p)
            if rng.random() < 0.02:  # an abortive close (RST)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                raise OSError
            try:
                while s.recv(65535):
                    pass
            except BlockingIOError:
                pass
        except OSError:
            s.close()
            self.conns.remove(s)

    def close(self):
        for s in self.conns:
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--corpus")
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 32)
    print("seed %d (replay with --seed %d)" % (seed, seed))
    rng = random.Random(seed)
    pool = seeds(a.corpus)
    udp = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(8)]
    for s in udp:
        s.bind((a.host, 0))
        s.setblocking(False)
    tcp = Tcp(a.host, a.port, rng)
    check(udp_answers(a.host, a.port, 0), "the daemon answers OPTIONS over UDP before the run")
    sent = {"udp": 0, "tcp": 0}
    answers = 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        for _ in range(50):
            data = mutate(rng, rng.choice(pool), pool)
            if rng.random() < 0.8:
                try:
                    rng.choice(udp).sendto(data, (a.host, a.port))
                    sent["udp"] += 1
                except OSError:
                    pass  # EMSGSIZE, ENOBUFS: the next one
            else:
                tcp.send(data)
                sent["tcp"] += 1
        for s in udp:  # read what came back, so our buffers never fill
            try:
                while s.recv(65535):
                    answers += 1
            except (BlockingIOError, ConnectionRefusedError):
                pass
    tcp.close()
    print("sent %d UDP and %d TCP messages (%d connections, %d refused), %d UDP answers" % (
        sent["udp"], sent["tcp"], tcp.opened, tcp.failed, answers))
    check(sent["udp"] > 0 and sent["tcp"] > 0, "mutated messages sent on both transports")
    check(answers > 0, "the daemon answered some of them")
    check(udp_answers(a.host, a.port, 1), "the daemon answers OPTIONS over UDP after the run")
    check(tcp_answers(a.host, a.port, 2), "the daemon answers OPTIONS over TCP after the run")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
