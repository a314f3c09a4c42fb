#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The TCP payload loopback carries to or from some ports, as a packet socket
sees it (root only; no tcpdump needed):

    sniff.py OUTDIR SECONDS PORT...

writes OUTDIR/PORT.bin (every segment's payload with PORT at either end, in
arrival order), prints "ready" once the socket is bound, stops on SIGTERM or
after SECONDS, and prints "dropped N": what the kernel could not queue. tests/shim/test-shim.sh greps those files: a plain flow's
bytes must show, an encrypted flow's must not.
"""
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4  # loopback shows each packet twice: outgoing, then incoming
SOL_PACKET = 263
PACKET_STATISTICS = 6  # struct tpacket_stats: packets, drops (since the last read)
SO_RCVBUFFORCE = 33


def tcp_payload(frame):
    """(sport, dport, payload) of an Ethernet-framed TCP segment, else None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack_from("!H", frame, 12)[0]
    ip = 14
    if etype == 0x0800 and len(frame) >= ip + 20:
        ihl = (frame[ip] & 0x0F) * 4
        if frame[ip + 9] != 6:
            return None
        end = ip + struct.unpack_from("!H", frame, ip + 2)[0]
        t = ip + ihl
    elif etype == 0x86DD and len(frame) >= ip + 40:
        if frame[ip + 6] != 6:  # no extension headers on loopback TCP
            return None
        end = ip + 40 + struct.unpack_from("!H", frame, ip + 4)[0]
        t = ip + 40
    else:
        return None
    if len(frame) < t + 20:
        return None
    sport, dport = struct.unpack_from("!HH", frame, t)
    doff = (frame[t + 12] >> 4) * 4
    return sport, dport, frame[t + doff:min(end, len(frame))]


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    outdir, seconds = sys.argv[1], float(sys.argv[2])
    ports = {int(p) for p in sys.argv[3:]}
    files = {p: open(os.path.join(outdir, "%d.bin" % p), "wb") for p in ports}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:  # root may go past net.core.rmem_max
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind(("lo", 0))
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while not stop and time.monotonic() < end:
        try:
            r, _, _ = select.select([s], [], [], 0.1)
        except InterruptedError:
            continue
        if not r:
            continue
        frame, addr = s.recvfrom(65600)
        if addr[2] == PACKET_OUTGOING:
            continue
        seg = tcp_payload(frame)
        if not seg or not seg[2]:
            continue
        for p in (seg[0], seg[1]):
            if p in files:
                files[p].write(seg[2])
    # what is queued already was sent before we were told to stop
    s.setblocking(False)
    try:
        while True:
            frame, addr = s.recvfrom(65600)
            seg = addr[2] != PACKET_OUTGOING and tcp_payload(frame)
            if seg and seg[2]:
                for p in (seg[0], seg[1]):
                    if p in files:
                        files[p].write(seg[2])
    except BlockingIOError:
        pass
    for f in files.values():
        f.close()
    _, drops = struct.unpack("II", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
    print("dropped %d" % drops, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
