#!/usr/bin/env python3
"""Derive TCP corner cases from a real Ethernet/IPv4 TLS capture (a
handshake that starts with SYN, SYN-ACK, ACK, ClientHello, then the
server's flight), for tests of capture/flow.c and engine/pipeline.c.

Usage: tcpedit.py MODE in.pcap out.pcap

  synack-stray      before the real SYN-ACK, a stray one with another ISN
                    (+0x1C000000, ~470 MB away) that acknowledges nothing
                    the client sent (ack = client ISN + 12346)
  synack-middlebox  before the real SYN-ACK, one with another ISN that also
                    acknowledges the SYN (a middlebox answering too): only
                    the client's ACK tells which one it took
  iplen             the IPv4 total length of the segment carrying the
                    ServerHello claims 200 bytes more than the frame holds
  rst-then-data     the client resets right after its ClientHello; the
                    server's flight, already in flight, arrives after the
                    RST; nothing else follows

Checksums are not recomputed (tlsscope and tshark do not check them).
"""
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        raise SystemExit("tcpedit.py: little-endian microsecond pcap expected")
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack("<IIII", data[off:off + 16])
        recs.append([sec, usec, bytearray(data[off + 16:off + 16 + caplen]), wirelen])
        off += 16 + caplen
    return data[:24], recs


def write_pcap(path, hdr, recs):
    with open(path, "wb") as f:
        f.write(hdr)
        for sec, usec, frame, wirelen in recs:
            f.write(struct.pack("<IIII", sec, usec, len(frame), wirelen))
            f.write(frame)


IP = 14  # Ethernet header


def tcp_off(fr):
    return IP + (fr[IP] & 0x0F) * 4


def flags(fr):
    return fr[tcp_off(fr) + 13]


def seq(fr):
    return struct.unpack("!I", fr[tcp_off(fr) + 4:tcp_off(fr) + 8])[0]


def ack(fr):
    return struct.unpack("!I", fr[tcp_off(fr) + 8:tcp_off(fr) + 12])[0]


def set_seq_ack(fr, s, a):
    t = tcp_off(fr)
    fr[t + 4:t + 12] = struct.pack("!II", s & 0xFFFFFFFF, a & 0xFFFFFFFF)


def payload(fr):
    t = tcp_off(fr)
    tot = struct.unpack("!H", fr[IP + 2:IP + 4])[0]
    return fr[t + (fr[t + 12] >> 4) * 4:IP + tot]


def sport(fr):
    return struct.unpack("!H", fr[tcp_off(fr):tcp_off(fr) + 2])[0]


SYN, ACK, RST = 0x02, 0x10, 0x04


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    mode, src, dst = sys.argv[1:]
    hdr, recs = read_pcap(src)
    synack = next(i for i, r in enumerate(recs) if flags(r[2]) & (SYN | ACK) == SYN | ACK)
    syn = next(i for i, r in enumerate(recs) if flags(r[2]) & (SYN | ACK) == SYN)
    client_port = sport(recs[syn][2])
    cisn = seq(recs[syn][2])
    if mode in ("synack-stray", "synack-middlebox"):
        fake = [recs[synack][0], recs[synack][1], bytearray(recs[synack][2]), recs[synack][3]]
        a = cisn + 12346 if mode == "synack-stray" else cisn + 1
        set_seq_ack(fake[2], seq(fake[2]) + 0x1C000000, a)
        recs.insert(synack, fake)
    elif mode == "iplen":
        sh = next(r for r in recs if payload(r[2])[:1] == b"\x16" and payload(r[2])[5:6] == b"\x02")
        tot = struct.unpack("!H", sh[2][IP + 2:IP + 4])[0]
        sh[2][IP + 2:IP + 4] = struct.pack("!H", tot + 200)
    elif mode == "rst-then-data":
        ch = next(i for i, r in enumerate(recs)
                  if sport(r[2]) == client_port and payload(r[2])[5:6] == b"\x01")
        chf = recs[ch][2]
        rst = bytearray(chf[:tcp_off(chf) + 20])
        rst[tcp_off(rst) + 12] = 5 << 4
        rst[IP + 2:IP + 4] = struct.pack("!H", len(rst) - IP)
        set_seq_ack(rst, seq(chf) + len(payload(chf)), ack(chf))
        rst[tcp_off(rst) + 13] = RST | ACK
        out = recs[:ch + 1] + [[recs[ch][0], recs[ch][1] + 1, rst, len(rst)]]
        # the server's first flight: its segments up to the client's next data
        for r in recs[ch + 1:]:
            if sport(r[2]) == client_port:
                if len(payload(r[2])):
                    break
                continue
            out.append(r)
        recs = out
    else:
        sys.stderr.write(__doc__)
        return 2
    write_pcap(dst, hdr, recs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
