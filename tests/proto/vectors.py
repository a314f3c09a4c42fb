#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/protocol.md's test vectors, computed here independently of the C
code (SipHash-2-4 written from the paper, the layout from the document), so
the C implementation (tests/unit/test_token.c) and the BPF program are
checked against a second implementation, not against themselves.

Usage: vectors.py      prints the vectors as the C unit test and the doc use them
"""
import hashlib
import ipaddress
import struct

M = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M


def siphash24(key, msg):
    k0, k1 = struct.unpack("<QQ", key)
    v0, v1 = k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d
    v2, v3 = k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573

    def rnd():
        nonlocal v0, v1, v2, v3
        v0 = (v0 + v1) & M; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
        v2 = (v2 + v3) & M; v3 = rotl(v3, 16); v3 ^= v2
        v0 = (v0 + v3) & M; v3 = rotl(v3, 21); v3 ^= v0
        v2 = (v2 + v1) & M; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)

    b = len(msg) << 56
    full = len(msg) // 8 * 8
    for i in range(0, full, 8):
        m, = struct.unpack("<Q", msg[i:i + 8])
        v3 ^= m; rnd(); rnd(); v0 ^= m
    tail = msg[full:] + b"\0" * 8
    m = b | struct.unpack("<Q", tail[:8])[0]
    v3 ^= m; rnd(); rnd(); v0 ^= m
    v2 ^= 0xff
    for _ in range(4):
        rnd()
    return v0 ^ v1 ^ v2 ^ v3


def addr16(text):
    a = ipaddress.ip_address(text)
    return (b"\0" * 10 + b"\xff\xff" + a.packed) if a.version == 4 else a.packed


def key_id(domain, serial):
    return hashlib.sha256(b"nutss-domain:" + domain.lower().encode()).digest()[:4] + struct.pack(">I", serial)


def token(key, domain, serial, expiry, proto, src, sport, dst, dport, uid=0):
    kid = key_id(domain, serial)
    msg = (kid + struct.pack(">IBB2x", expiry, proto, 1) + addr16(src) + addr16(dst) +
           struct.pack(">HH4xQ", sport, dport, uid))
    assert len(msg) == 64
    mac = siphash24(key, msg)
    wire = kid + struct.pack(">IQ", expiry, uid) + struct.pack("<Q", mac)
    return msg, mac, wire


def ticket(ttype, proto, src, sport, dst, dport, tid, tokens):
    return (struct.pack(">IBBBB", 0x4e544b54, 1, ttype, proto, len(tokens)) + addr16(src) +
            addr16(dst) + struct.pack(">HHI", sport, dport, tid) + b"".join(tokens))


KEY1 = bytes(range(16))
KEY2 = bytes(range(0x10, 0x20))
CASES = [
    # name, key, domain, serial, expiry, proto, src, sport, dst, dport, uid
    ("v4_tcp", KEY1, "example.com", 1, 1767225600, 6, "192.0.2.10", 40000, "198.51.100.20", 8080, 0),
    ("v6_udp_uid", KEY1, "example.com", 2, 1767225600, 17, "2001:db8::1", 5000, "2001:db8::2", 6000,
     0x0123456789abcdef),
    ("v4_tcp_net", KEY2, "example.net", 7, 1767225600, 6, "192.0.2.10", 40000, "198.51.100.20", 8080, 0),
]


def main():
    assert siphash24(bytes(range(16)), bytes(range(15))) == 0xa129ca6149be45e5  # the paper's vector
    wires = {}
    for c in CASES:
        msg, mac, wire = token(*c[1:])
        wires[c[0]] = wire
        print("%s key_id=%s mac=%016x" % (c[0], key_id(c[2], c[3]).hex(), mac))
        print("  msg   %s" % msg.hex())
        print("  token %s" % wire.hex())
    t1 = ticket(1, 6, "192.0.2.10", 40000, "198.51.100.20", 8080, 0x01020304,
                [wires["v4_tcp"], wires["v4_tcp_net"]])
    print("ticket_two_domains %s" % t1.hex())
    t2 = ticket(2, 6, "192.0.2.10", 40000, "198.51.100.20", 8080, 0x01020304, [])
    print("confirm %s" % t2.hex())


if __name__ == "__main__":
    main()
