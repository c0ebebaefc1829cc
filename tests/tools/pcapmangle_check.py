#!/usr/bin/env python3
"""Smoke test for tests/tools/pcapmangle: build a small Ethernet/IPv4 TLS 1.2
handshake capture, run every mode, and check what each output must hold.

usage: pcapmangle_check.py PCAPMANGLE WORKDIR
"""
import os
import struct
import subprocess
import sys

CLIENT = (bytes([10, 0, 0, 1]), 40000)
SERVER = (bytes([10, 0, 0, 2]), 443)
CISN, SISN = 1000, 0xFFFFFC00  # the server stream wraps past 2^32


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(frm, seq, ack, flags, payload=b""):
    (sa, sp), (da, dp) = (CLIENT, SERVER) if frm == "c" else (SERVER, CLIENT)
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags,
                      65535, 0, 0) + payload
    tsum = csum(sa + da + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", tsum) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, sa, da)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + tcp


def record(body, ctype=22):
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


def hs(mtype, body):
    return struct.pack("!B", mtype) + len(body).to_bytes(3, "big") + body


CH = hs(1, b"\x03\x03" + b"R" * 32 + b"\x00" + b"\x00\x02\x00\x2f" + b"\x01\x00")
SH = hs(2, b"\x03\x03" + b"S" * 32 + b"\x00" + b"\x00\x2f" + b"\x00")
CERT_DER = b"\x30\x82\x05\xd8" + bytes(range(256)) * 6  # 1540 bytes, not a real cert
CERT = hs(11, (len(CERT_DER) + 3).to_bytes(3, "big") + len(CERT_DER).to_bytes(3, "big")
          + CERT_DER)
SHD = hs(14, b"")
SERVER_FLIGHT = record(SH + CERT + SHD)  # one record, as many servers send it
CLIENT_HELLO = record(CH)
SEG = 1000
A, PA, S, F = 0x10, 0x18, 0x02, 0x01


def build():
    pk = []
    pk.append(frame("c", CISN, 0, S))
    pk.append(frame("s", SISN, CISN + 1, S | A))
    pk.append(frame("c", CISN + 1, SISN + 1, A))
    pk.append(frame("c", CISN + 1, SISN + 1, PA, CLIENT_HELLO))
    cend = CISN + 1 + len(CLIENT_HELLO)
    off = 0
    while off < len(SERVER_FLIGHT):
        chunk = SERVER_FLIGHT[off:off + SEG]
        pk.append(frame("s", SISN + 1 + off, cend, PA if off + SEG >= len(SERVER_FLIGHT) else A,
                        chunk))
        off += len(chunk)
    send = SISN + 1 + len(SERVER_FLIGHT)
    pk.append(frame("c", cend, send, A))
    pk.append(frame("c", cend, send, F | A))
    pk.append(frame("s", send, cend + 1, F | A))
    pk.append(frame("c", cend + 1, send + 1, A))
    return pk


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i * 1000, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), hex(magic)
    assert struct.unpack("<I", data[20:24])[0] == 1
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, cap, wire = struct.unpack("<IIII", data[off:off + 16])
        out.append((sec, frac, cap, wire, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return out


def tcp_of(fr):
    """(from, seq, ack, flags, payload, checksum_ok) of an Ethernet/IPv4/TCP frame."""
    eth = 14
    while fr[eth - 2:eth] == b"\x81\x00":
        eth += 4
    ip = fr[eth:]
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:tot]
    sp, dp, seq, ack, off, flags = struct.unpack("!HHIIBB", tcp[:14])
    ok = csum(ip[:ihl]) == 0 and csum(ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp)) + tcp) == 0
    return ("c" if sp == CLIENT[1] else "s"), seq, ack, flags, tcp[(off >> 4) * 4:], ok


def stream(frames, who, isn):
    """Reassemble one direction, first copy of each byte winning."""
    got = {}
    for fr in frames:
        frm, seq, ack, flags, pl, ok = tcp_of(fr[4])
        if frm != who or not pl:
            continue
        rel = (seq - isn - 1) & 0xFFFFFFFF
        for i, b in enumerate(pl):
            got.setdefault(rel + i, b)
    return bytes(got[i] for i in range(len(got)))


def records(data):
    out, off = [], 0
    while off + 5 <= len(data):
        t, v, n = struct.unpack("!BHH", data[off:off + 5])
        out.append((t, data[off + 5:off + 5 + n]))
        off += 5 + n
    return out


fails = 0


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", what)


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    src = os.path.join(work, "in.pcap")
    orig = build()
    write_pcap(src, orig)
    outs = {}
    for mode in ["reorder", "retransmit-overlap", "overlap-differ", "split-client-hello",
                 "split-records", "midstream", "snaplen96", "truncate", "vlan"]:
        dst = os.path.join(work, mode + ".pcap")
        r = subprocess.run([tool, mode, src, dst], capture_output=True, text=True)
        check(r.returncode == 0, "%s exited %d: %s" % (mode, r.returncode, r.stderr.strip()))
        if mode != "truncate":
            outs[mode] = read_pcap(dst)
    n = len(orig)

    # Every rewritten TCP frame has valid checksums.
    for mode, fr in outs.items():
        if mode in ("snaplen96",):
            continue
        for i, f in enumerate(fr):
            check(tcp_of(f[4])[5], "%s frame %d checksum" % (mode, i + 1))

    # reorder: the server flight's two segments swap places, times stay.
    r = outs["reorder"]
    check([f[1] for f in r] == [i * 1000000 for i in range(n)], "reorder keeps timestamps (ns)")
    check(r[4][4] == orig[5] and r[5][4] == orig[4], "reorder swaps server segments 1 and 2")

    # retransmit-overlap: one copy per server data segment, same stream;
    # overlap-differ: same count, copies differ at their first byte.
    r = outs["retransmit-overlap"]
    nsrv = sum(1 for f in orig if tcp_of(f)[0] == "s" and tcp_of(f)[4])
    check(len(r) == n + nsrv, "retransmit-overlap adds %d copies" % nsrv)
    check(stream(r, "s", SISN) == SERVER_FLIGHT, "retransmit-overlap keeps the stream")
    check(r[5][4] == r[4][4], "segment 1 sent twice")
    second = tcp_of(r[7][4])  # copy of segment 2: starts half of segment 1 back
    n2 = len(SERVER_FLIGHT) - SEG
    check(second[1] == (SISN + 1 + SEG - SEG // 2) & 0xFFFFFFFF, "copy shifted by half")
    check(second[4] == SERVER_FLIGHT[SEG // 2:SEG // 2 + n2], "copy carries the same bytes")
    d = tcp_of(outs["overlap-differ"][7][4])
    check(d[4][0] == SERVER_FLIGHT[SEG // 2] ^ 0xFF and d[4][1:] == second[4][1:],
          "overlap-differ flips one byte")

    # split-client-hello: three consecutive segments carrying the record.
    r = outs["split-client-hello"]
    segs = [tcp_of(f[4]) for f in r if tcp_of(f[4])[0] == "c" and tcp_of(f[4])[4]]
    check(len(segs) == 3, "ClientHello in 3 segments")
    check(b"".join(s[4] for s in segs) == CLIENT_HELLO, "split keeps the bytes")
    check([s[1] for s in segs] == [CISN + 1, CISN + 1 + len(CLIENT_HELLO) // 3,
                                   CISN + 1 + 2 * (len(CLIENT_HELLO) // 3)], "split seq numbers")

    # split-records: handshake records of <= 512 bytes, same messages, the
    # Certificate spanning records, later seqs and client ACKs shifted.
    r = outs["split-records"]
    srv = stream(r, "s", SISN)
    recs = records(srv)
    check(all(t == 22 and len(b) <= 512 for t, b in recs), "records are <= 512 bytes")
    check(b"".join(b for t, b in recs) == SH + CERT + SHD, "handshake bytes unchanged")
    delta = len(srv) - len(SERVER_FLIGHT)
    check(delta == 5 * (len(recs) - 1), "flight grew by the new record headers")
    cstart = len(SH)
    bounds, acc = [], 0
    for t, b in recs:
        acc += len(b)
        bounds.append(acc)
    check(any(cstart < x < cstart + len(CERT) for x in bounds), "Certificate spans records")
    fin = tcp_of(r[-2][4])
    check(fin[0] == "s" and fin[1] == (SISN + 1 + len(SERVER_FLIGHT) + delta) & 0xFFFFFFFF,
          "server FIN shifted")
    last_ack = tcp_of(r[-1][4])
    check(last_ack[2] == (SISN + 2 + len(SERVER_FLIGHT) + delta) & 0xFFFFFFFF,
          "client ACK shifted")

    # midstream: nothing before the ServerHello segment.
    r = outs["midstream"]
    check(len(r) == n - 4 and r[0][4] == orig[4], "midstream starts at the ServerHello")

    # snaplen96: caplen <= 96, wire length kept.
    r = outs["snaplen96"]
    check(all(f[2] == min(96, len(o)) and f[3] == len(o) for f, o in zip(r, orig)),
          "snaplen96 cuts at 96")

    # truncate: the last record cut in half.
    full = 24 + sum(16 + len(f) for f in orig)
    size = os.path.getsize(os.path.join(work, "truncate.pcap"))
    check(size == full - (16 + len(orig[-1])) // 2, "truncate cuts the last record in half")

    # vlan: one 802.1Q tag with VID 100 in every frame.
    r = outs["vlan"]
    check(all(f[4][12:16] == b"\x81\x00\x00\x64" and f[4][16:] == o[12:]
              for f, o in zip(r, orig)), "vlan tag 100 everywhere")

    # Bad input: not Ethernet, not a capture.
    bad = os.path.join(work, "sll2.pcap")
    with open(bad, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 276))
    res = subprocess.run([tool, "vlan", bad, os.path.join(work, "x.pcap")], capture_output=True,
                         text=True)
    check(res.returncode == 2 and "is not Ethernet" in res.stderr, "non-Ethernet input refused")
    res = subprocess.run([tool, "bogus-mode", src, os.path.join(work, "x.pcap")],
                         capture_output=True, text=True)
    check(res.returncode == 2 and "usage" in res.stderr, "unknown mode")

    print("pcapmangle: %s" % ("ok" if not fails else "%d checks failed" % fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
