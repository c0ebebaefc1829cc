#!/usr/bin/env python3
"""mkhostile.py — writes tests/tui/hostile.pcap: TLS handshakes whose SNI and
certificate fields carry what must never reach a terminal raw (escape
sequences, BEL, C1 controls as UTF-8, bidirectional overrides) next to
legitimate non-ASCII (Latin accents, combining marks, double-width CJK),
plus a connection without SNI over IPv6. The browser's golden screens show
how each is escaped and how wide characters line up.

The capture is committed (keys and ECDSA signatures are random, so a
regenerated file has other fingerprints and the goldens would change);
this script documents how it was made:
    python3 tests/tui/mkhostile.py tests/tui/hostile.pcap
It also writes the certificate as hostile.pcap's neighbour hostile-store.pem,
a trust store under which the name checks fail (with the SNI in the reason).

Python 3 standard library + the openssl CLI (through tests/tools/x509build.py).
"""
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import x509build as xb  # noqa: E402

T0 = 1704103200  # 2024-01-01T10:00:00Z


def hostile_cert(tmp):
    key = xb.gen_key(tmp, "hostile", "ec:P-256")
    cn = "\x1b[31mred\x1b[0m \u00fctf8 \u4f8b\u3048 \u202eevil\u202c"
    subject = xb.name(("C", "BE"), ("O", "Bell\x07 \u009b2J Corp"), ("CN", cn))
    exts = [
        xb.ext_bc(False),
        xb.ext_san(dns=[b"\x1b]0;title\x07.example", "xn--caf-dma.example", "\u00e9.example"]),
        xb.ext_ski(key.key_id()),
    ]
    return xb.certificate(subject, subject, 0x1B5B324A, T0 - 86400, T0 + 3650 * 86400, key, key,
                          extensions=exts)


def u16(v):
    return struct.pack("!H", v)


def u24(v):
    return struct.pack("!I", v)[1:]


def handshake(typ, body):
    return bytes([typ]) + u24(len(body)) + body


def record(typ, body):
    return bytes([typ]) + u16(0x0303) + u16(len(body)) + body


def client_hello(sni):
    exts = b""
    if sni is not None:
        entry = b"\x00" + u16(len(sni)) + sni
        sn = u16(len(entry)) + entry
        exts += u16(0) + u16(len(sn)) + sn
    groups = u16(4) + u16(0x001d) + u16(0x0017)
    exts += u16(10) + u16(len(groups)) + groups
    body = u16(0x0303) + bytes(range(32)) + b"\x00"
    suites = [0xC02B, 0xC02F, 0xC02C, 0xC030]
    body += u16(2 * len(suites)) + b"".join(u16(s) for s in suites) + b"\x01\x00"
    body += u16(len(exts)) + exts
    return record(22, handshake(1, body))


def server_flight(der):
    sh = u16(0x0303) + bytes(range(32, 64)) + b"\x00" + u16(0xC02B) + b"\x00"
    cert = u24(len(der)) + der
    msgs = handshake(2, sh) + handshake(11, u24(len(cert)) + cert) + handshake(14, b"")
    return record(22, msgs)


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Conn:
    def __init__(self, v6, cip, sip, cport, sport):
        self.v6, self.cip, self.sip, self.cport, self.sport = v6, cip, sip, cport, sport
        self.seq = {0: 1000, 1: 5000}

    def packet(self, frm, flags, payload=b""):
        src, dst = (self.cip, self.sip) if frm == 0 else (self.sip, self.cip)
        sport, dport = (self.cport, self.sport) if frm == 0 else (self.sport, self.cport)
        ack = self.seq[1 - frm]
        tcp = struct.pack("!HHIIBBHHH", sport, dport, self.seq[frm], ack, 5 << 4, flags, 65535,
                          0, 0) + payload
        if self.v6:
            pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
        else:
            pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        c = csum(pseudo + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        if self.v6:
            ip = struct.pack("!IHBB", 0x60000000, len(tcp), 6, 64) + src + dst
            eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x86\xdd"
        else:
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src,
                              dst)
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
            ip = hdr
            eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
        self.seq[frm] += len(payload) + (1 if flags & 0x03 else 0)
        return eth + ip + tcp


def v4(a):
    return bytes(int(x) for x in a.split("."))


def main(out):
    with tempfile.TemporaryDirectory() as tmp:
        der = hostile_cert(tmp)
    SYN, ACK, FIN, PSH, RST = 0x02, 0x10, 0x01, 0x08, 0x04
    scenarios = [
        # (conn, sni, server answers, client alert)
        (Conn(False, v4("192.0.2.10"), v4("192.0.2.66"), 43001, 443),
         b"\x1b]0;pwned\x07\x1b[2Jevil.example", True, True),
        (Conn(False, v4("192.0.2.10"), v4("192.0.2.66"), 43002, 443),
         "\u4f8b\u3048.\u30c6\u30b9\u30c8.example\u202e".encode(), True, True),
        (Conn(False, v4("192.0.2.10"), v4("192.0.2.67"), 43003, 8443),
         "u\u0308n\u00efc\u00f6d\u00e9.example".encode(), False, False),
        (Conn(True, bytes.fromhex("fd0000000000000000000000000000" + "10"),
              bytes.fromhex("fd0000000000000000000000000000" + "20"), 43004, 443),
         None, True, True),
    ]
    frames = []
    t = T0
    for conn, sni, answers, alert in scenarios:
        seq = [(0, SYN, b""), (1, SYN | ACK, b""), (0, ACK, b""), (0, PSH | ACK, client_hello(sni))]
        if answers:
            seq.append((1, PSH | ACK, server_flight(der)))
            if alert:
                seq.append((0, PSH | ACK, record(21, b"\x02\x30")))
            seq += [(0, FIN | ACK, b""), (1, FIN | ACK, b""), (0, ACK, b"")]
        else:
            seq.append((1, RST | ACK, b""))
        for frm, flags, payload in seq:
            t += 0.001
            frames.append((t, conn.packet(frm, flags, payload)))
        t += 1
    with open(os.path.join(os.path.dirname(out) or ".", "hostile-store.pem"), "w") as f:
        f.write(xb.pem(der))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for ts, data in frames:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "hostile.pcap")
