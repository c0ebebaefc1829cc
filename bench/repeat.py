#!/usr/bin/env python3
"""repeat.py IN.pcap N OUT.pcap — the capture N times in a row, each copy
shifted in time to begin 120 s after the previous one ended (past tlsscope's
60 s SYN timeout, so the repeated 4-tuples are new connections, not port
reuse). For bench/run.sh's check that memory does not grow with the size of
the capture. Plain little-endian pcap in and out.
"""
import struct
import sys


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    src, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(src, "rb") as f:
        gh = f.read(24)
        magic = struct.unpack("<I", gh[:4])[0]
        assert magic in (0xA1B2C3D4, 0xA1B23C4D), "LE pcap only"
        body = f.read()
    # first and last timestamp (seconds) of the input
    first = struct.unpack("<I", body[0:4])[0]
    pos, last = 0, first
    while pos + 16 <= len(body):
        sec, _, caplen, _ = struct.unpack("<IIII", body[pos:pos + 16])
        last = max(last, sec)
        pos += 16 + caplen
    shift = last - first + 120
    with open(dst, "wb") as o:
        o.write(gh)
        for k in range(n):
            pos = 0
            out = bytearray(body)
            while pos + 16 <= len(out):
                sec, frac, caplen, wl = struct.unpack("<IIII", out[pos:pos + 16])
                struct.pack_into("<I", out, pos, sec + k * shift)
                pos += 16 + caplen
            o.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
