#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# sniff.py IFACE PORT SECONDS MARKER: capture IPv4 TCP payload to or from
# PORT on IFACE (AF_PACKET, root) for SECONDS, then say whether MARKER
# crossed the wire in the clear. Prints "clear N" or "opaque N" (N: payload
# bytes captured). For tests and the demo: is a flow encrypted?
import socket, struct, sys, time

iface, port, secs, marker = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4].encode()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((iface, 0))
s.settimeout(0.2)
data = bytearray()
end = time.time() + secs
while time.time() < end:
    try:
        f = s.recv(65535)
    except socket.timeout:
        continue
    ip = f[14:]
    if len(ip) < 20 or ip[9] != 6:
        continue
    ihl = (ip[0] & 0x0F) * 4
    tcp = ip[ihl:]
    if len(tcp) < 20:
        continue
    sport, dport = struct.unpack("!HH", tcp[:4])
    if port not in (sport, dport):
        continue
    data += tcp[(tcp[12] >> 4) * 4:]
print(("clear" if marker in data else "opaque"), len(data))
