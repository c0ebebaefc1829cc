"""hostile — adversarial captures for tlsscope's limits tests.

Writes classic pcap files (Ethernet/IPv4/TCP) directly; Python 3 standard
library only, no tools needed. Every scenario is a function of a size
parameter so a test can run it at 1x and 4x and compare time and memory.

    python3 hostile.py SCENARIO SIZE OUT.pcap      (see SCENARIOS below)

The TLS messages are just well-formed enough for tlsscope's parser
(RFC 8446 4.1.2 ClientHello, RFC 5246 7.4 handshake framing); nothing here
is cryptographically meaningful.
"""

import os
import struct
import sys

# ---- pcap / Ethernet / IPv4 / TCP ------------------------------------------

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
ETH_HDR = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"


class Pcap:
    """A pcap writer (microsecond timestamps, LINKTYPE_ETHERNET) that keeps
    a running clock. frames are buffered and written in large chunks."""

    def __init__(self, path, snaplen=262144):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        self.t_us = 1700000000 * 1000000
        self.buf = []
        self.nbuf = 0
        self.packets = 0

    def write(self, frame, caplen=None, step_us=10):
        self.t_us += step_us
        cap = len(frame) if caplen is None else caplen
        self.buf.append(struct.pack("<IIII", self.t_us // 1000000, self.t_us % 1000000, cap,
                                    len(frame)))
        self.buf.append(frame[:cap])
        self.nbuf += 16 + cap
        self.packets += 1
        if self.nbuf > 1 << 20:
            self.flush()

    def flush(self):
        self.f.write(b"".join(self.buf))
        self.buf = []
        self.nbuf = 0

    def close(self):
        self.flush()
        self.f.close()


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """Ethernet + IPv4 + TCP; checksums are left zero (tlsscope ignores them,
    as it must for captures taken on the sending host)."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
    return ETH_HDR + iph + tcp + payload


class Conn:
    """One TCP connection; send() splits payload into segments of mss."""

    def __init__(self, pcap, client, server, cport, sport=443, cisn=1000, sisn=5000000):
        self.p = pcap
        self.c, self.s = ip4(client) if isinstance(client, str) else client, \
            ip4(server) if isinstance(server, str) else server
        self.cport, self.sport = cport, sport
        self.seq = {"c": cisn, "s": sisn}

    def frame(self, who, flags, payload=b"", seq=None):
        if who == "c":
            src, dst, sp, dp = self.c, self.s, self.cport, self.sport
        else:
            src, dst, sp, dp = self.s, self.c, self.sport, self.cport
        other = "s" if who == "c" else "c"
        s = self.seq[who] if seq is None else seq
        return tcp_frame(src, dst, sp, dp, s, self.seq[other], flags, payload)

    def handshake(self):
        self.p.write(self.frame("c", SYN))
        self.seq["c"] += 1
        self.p.write(self.frame("s", SYN | ACK))
        self.seq["s"] += 1
        self.p.write(self.frame("c", ACK))

    def send(self, who, data, mss=1460):
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            self.p.write(self.frame(who, PSH | ACK, chunk))
            self.seq[who] += len(chunk)

    def close(self):
        self.p.write(self.frame("c", FIN | ACK))
        self.seq["c"] += 1
        self.p.write(self.frame("s", FIN | ACK))
        self.seq["s"] += 1
        self.p.write(self.frame("c", ACK))


# ---- TLS -------------------------------------------------------------------


def u8(n):
    return struct.pack("!B", n)


def u16(n):
    return struct.pack("!H", n)


def u24(n):
    return struct.pack("!I", n)[1:]


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def vec24(b):
    return u24(len(b)) + b


def record(body, ctype=22, version=0x0303):
    """TLS records of at most 2^14 bytes each (RFC 8446 5.1)."""
    out = []
    for i in range(0, max(len(body), 1), 16384):
        chunk = body[i:i + 16384]
        out.append(u8(ctype) + u16(version) + vec16(chunk))
    return b"".join(out)


def handshake(mtype, body):
    return u8(mtype) + vec24(body)


def ext(etype, data):
    return u16(etype) + vec16(data)


def client_hello(sni=b"server.example", alpn=(), extra_exts=b"", random=b"\x11" * 32):
    exts = b""
    if sni is not None:
        exts += ext(0, vec16(u8(0) + vec16(sni)))  # RFC 6066 3 server_name
    if alpn:
        exts += ext(16, vec16(b"".join(vec8(a) for a in alpn)))  # RFC 7301
    exts += ext(10, vec16(u16(0x001d) + u16(0x0017)))  # supported_groups
    exts += ext(13, vec16(u16(0x0403) + u16(0x0804)))  # signature_algorithms
    exts += extra_exts
    body = (u16(0x0303) + random + vec8(b"") + vec16(u16(0xC02F) + u16(0xC02B)) +
            vec8(b"\x00") + vec16(exts))
    return handshake(1, body)


def server_hello(cipher=0xC02F, alpn=None):
    exts = b""
    if alpn is not None:
        exts += ext(16, vec16(vec8(alpn)))
    body = u16(0x0303) + b"\x22" * 32 + vec8(b"") + u16(cipher) + u8(0) + vec16(exts)
    return handshake(2, body)


def certificate(ders):
    """RFC 5246 7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>."""
    return handshake(11, vec24(b"".join(vec24(d) for d in ders)))


def server_hello_done():
    return handshake(14, b"")


# ---- DER -------------------------------------------------------------------


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def nested_sequences(depth, core=b"\x05\x00"):
    """depth SEQUENCEs inside each other around `core`, built inside out."""
    out = core
    for _ in range(depth):
        out = b"\x30" + der_len(len(out)) + out
    return out


# The P-256 base point (SEC 2 2.4.2): a public key mbedTLS accepts.
P256_G = bytes.fromhex("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                       "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")


def name_cn(cn, value=None):
    """Name with one CN; `value` replaces the whole AttributeValue TLV."""
    v = tlv(0x0C, cn) if value is None else value
    return tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, b"\x55\x04\x03") + v)))


def fake_cert(serial, cn=b"leaf.example", extra_ext=b"", subject=None):
    """A structurally valid certificate (RFC 5280 4.1) with a garbage
    signature: enough for tlsscope to parse names, not to verify."""
    algo = tlv(0x30, tlv(0x06, bytes.fromhex("2a8648ce3d040302")))  # ecdsa-with-SHA256
    name = name_cn(cn)
    validity = tlv(0x30, tlv(0x17, b"230101000000Z") + tlv(0x17, b"330101000000Z"))
    spki = tlv(0x30, tlv(0x30, tlv(0x06, bytes.fromhex("2a8648ce3d0201")) +
                         tlv(0x06, bytes.fromhex("2a8648ce3d030107"))) +
               tlv(0x03, b"\x00" + P256_G))
    exts = b""
    if extra_ext:
        exts = tlv(0xA3, tlv(0x30, extra_ext))
    tbs = tlv(0x30, tlv(0xA0, tlv(0x02, b"\x02")) + tlv(0x02, serial.to_bytes(8, "big")) + algo +
              name + validity + (subject or name) + spki + exts)
    return tlv(0x30, tbs + algo + tlv(0x03, b"\x00" + tlv(0x30, tlv(0x02, b"\x01") +
                                                           tlv(0x02, b"\x01"))))


# ---- scenarios ---------------------------------------------------------------


def client_addr(i):
    """Distinct client endpoints: 10.x.y.z with ports 1024..65535."""
    host = 1 + i // 60000
    return (b"\x0a" + struct.pack("!I", host)[1:]), 1024 + i % 60000


def sc_halfopen(p, n):
    """n distinct connections that only ever send a SYN (a SYN flood)."""
    server = ip4("192.0.2.1")
    for i in range(n):
        c, port = client_addr(i)
        p.write(tcp_frame(c, server, port, 443, 1000 + i, 0, SYN), step_us=1)


def sc_hellos(p, n):
    """n connections whose ClientHello is never answered."""
    server = ip4("192.0.2.1")
    for i in range(n):
        c, port = client_addr(i)
        conn = Conn(p, c, server, port)
        conn.p.write(conn.frame("c", SYN), step_us=1)
        conn.seq["c"] += 1
        conn.send("c", record(client_hello(sni=b"h%d.example" % i)))


def ooo_flows(p, n, nflows, seglen):
    """nflows connections whose servers send n segments in all, each one TLS
    record of seglen bytes, in the worst order for a reassembler: in windows
    of 512 segments, the first segment of every window is never sent (a
    permanent hole), then the odd ones ascending, then the even ones, so
    that most insertions land in the middle of what is held."""
    window = 512
    conns = []
    for f in range(nflows):
        conn = Conn(p, "10.0.0.1", "192.0.2.1", 40000 + f)
        conn.handshake()
        conn.send("c", record(client_hello()))
        conns.append((conn, conn.seq["s"]))
    rec = u8(23) + u16(0x0303) + u16(seglen - 5) + b"\xa5" * (seglen - 5)
    sent, w = 0, 0
    while sent < n:
        first = w * window
        order = list(range(first + 1, first + window, 2)) + list(range(first + 2, first + window, 2))
        for k in order:
            for conn, base in conns:
                p.write(conn.frame("s", ACK, rec, seq=base + k * seglen), step_us=1)
                sent += 1
            if sent >= n:
                break
        w += 1


def sc_ooo(p, n):
    """Endless out-of-order segments on 8 connections: the per-direction
    caps (1024 pieces, 1 MiB) bite over and over."""
    ooo_flows(p, n, 8, 100)


def sc_ooowide(p, n):
    """The same over 96 connections: what they would hold together
    (96 x 1024 pieces) is beyond the table-wide cap of 65536 pieces."""
    ooo_flows(p, n, 96, 100)


def sc_bigcert(p, n):
    """A Certificate message claiming 16 MB, followed by n maximum-length
    records (2^14 bytes) of handshake bytes that never complete it."""
    conn = Conn(p, "10.0.0.1", "192.0.2.1", 40000)
    conn.handshake()
    conn.send("c", record(client_hello()))
    conn.send("s", record(server_hello()))
    conn.send("s", u8(22) + u16(0x0303) + u16(16384) + b"\x0b\xff\xff\xff" + b"\x00" * 16380)
    for _ in range(n):
        conn.send("s", u8(22) + u16(0x0303) + u16(16384) + b"\x30" * 16384, mss=16384 + 5)


def sc_records(p, n):
    """A finished handshake followed by n application_data records of the
    maximum ciphertext length (RFC 5246 6.2.3: 2^14 + 2048)."""
    conn = Conn(p, "10.0.0.1", "192.0.2.1", 40000)
    conn.handshake()
    conn.send("c", record(client_hello()))
    conn.send("s", record(server_hello() + certificate([fake_cert(1)]) + server_hello_done()))
    conn.send("c", record(b"\x01", ctype=20) + record(b"\x00" * 40))
    conn.send("s", record(b"\x01", ctype=20) + record(b"\x00" * 40))
    big = u8(23) + u16(0x0303) + u16(16384 + 2048) + b"\xa5" * (16384 + 2048)
    for i in range(n):
        conn.send("s" if i % 2 else "c", big, mss=65000)
    conn.close()


def sc_deepder(p, n):
    """n connections, each presenting a certificate whose extension holds
    SEQUENCEs nested 30000 deep (about 150 KB of DER, below CERT_MAX_DER),
    and one Certificate message with 20000 tiny certificates."""
    nest, half = nested_sequences(30000), nested_sequences(15000)
    variants = [
        # an unknown extension
        dict(extra_ext=tlv(0x30, tlv(0x06, b"\x2b\x06\x01\x04\x01\x82\x37\x63\x01") +
                           tlv(0x04, nest))),
        # subjectAltName: a directoryName [4] whose Name is nested SEQUENCEs
        dict(extra_ext=tlv(0x30, tlv(0x06, b"\x55\x1d\x11") +
                           tlv(0x04, tlv(0x30, tlv(0xA4, nest))))),
        # a subject attribute whose value is nested SEQUENCEs, not a string
        dict(subject=name_cn(b"", value=nest)),
        # basicConstraints and keyUsage with nested contents
        dict(extra_ext=tlv(0x30, tlv(0x06, b"\x55\x1d\x13") + tlv(0x04, half)) +
             tlv(0x30, tlv(0x06, b"\x55\x1d\x0f") + tlv(0x04, half))),
    ]
    for i in range(n):
        c, port = client_addr(i)
        conn = Conn(p, c, ip4("192.0.2.1"), port)
        conn.handshake()
        conn.send("c", record(client_hello()))
        conn.send("s", record(server_hello() +
                              certificate([fake_cert(i + 1, **variants[i % len(variants)])]) +
                              server_hello_done()), mss=16000)
        conn.close()
    conn = Conn(p, "10.9.9.9", "192.0.2.1", 40000)
    conn.handshake()
    conn.send("c", record(client_hello()))
    conn.send("s", record(server_hello() + certificate([b"\x30\x00"] * 20000) +
                          server_hello_done()), mss=16000)
    conn.close()


def sc_tunnels(p, n):
    """n frames of VXLAN nested in VXLAN 64 deep around a TCP segment
    (PKT_MAX_ENCAP stops the peeling), plus GRE in GRE."""
    inner = tcp_frame(ip4("10.0.0.1"), ip4("10.0.0.2"), 1234, 443, 1, 0, SYN)
    for i in range(n):
        fr = inner
        for _ in range(64):
            udp_payload = b"\x08\x00\x00\x00\x00\x00\x01\x00" + fr  # VXLAN, VNI 1
            udp = struct.pack("!HHHH", 50000, 4789, 8 + len(udp_payload), 0) + udp_payload
            iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                              ip4("10.1.1.1"), ip4("10.1.1.2"))
            fr = ETH_HDR + iph + udp
            if len(fr) > 60000:
                break
        p.write(fr, step_us=1)


def sc_certs(p, n):
    """n connections, each with a distinct server certificate (the
    certificate cache), all to the same server name."""
    for i in range(n):
        c, port = client_addr(i)
        conn = Conn(p, c, ip4("192.0.2.1"), port)
        conn.handshake()
        conn.send("c", record(client_hello(sni=b"s%d.example" % (i % 1000))))
        conn.send("s", record(server_hello() + certificate([fake_cert(i + 1, b"x%d" % i)]) +
                              server_hello_done()))
        conn.close()


def udp_frame(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    return ETH_HDR + iph + udp


def dtls_client_hello(sni=b"server.example", seq=0):
    """A DTLS 1.2 ClientHello in one record (RFC 6347 4.1, 4.2.2)."""
    ch = client_hello(sni=sni)  # TLS form: msg_type, length, body
    body = ch[4:]
    body = u16(0xFEFD) + body[2:34] + body[34:35] + vec8(b"") + body[35:]  # + empty cookie
    hs = u8(1) + u24(len(body)) + u16(0) + u24(0) + u24(len(body)) + body
    return u8(22) + u16(0xFEFD) + u16(0) + struct.pack("!Q", seq)[2:] + vec16(hs)


def sc_dtls_hellos(p, n):
    """n DTLS associations (distinct client ports) that each send one
    ClientHello and never hear back."""
    server = ip4("192.0.2.1")
    for i in range(n):
        c, port = client_addr(i)
        p.write(udp_frame(c, server, port, 4433, dtls_client_hello(b"d%d.example" % i)), step_us=1)


SCENARIOS = {
    "dtls_hellos": sc_dtls_hellos,
    "halfopen": sc_halfopen,
    "hellos": sc_hellos,
    "ooo": sc_ooo,
    "ooowide": sc_ooowide,
    "bigcert": sc_bigcert,
    "records": sc_records,
    "deepder": sc_deepder,
    "tunnels": sc_tunnels,
    "certs": sc_certs,
}


def generate(scenario, size, path):
    p = Pcap(path)
    SCENARIOS[scenario](p, size)
    p.close()
    return p.packets


def main(argv):
    if len(argv) != 4 or argv[1] not in SCENARIOS:
        sys.stderr.write("usage: hostile.py {%s} SIZE OUT.pcap\n" % ",".join(SCENARIOS))
        return 2
    n = generate(argv[1], int(argv[2]), argv[3])
    print("%s: %d packets, %d bytes" % (argv[3], n, os.path.getsize(argv[3])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
