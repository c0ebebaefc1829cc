#!/usr/bin/env python3
"""manycerts.py RESUME.pcap FILLER.pcap LEAF.crt COUNT OUT.pcap

Builds a capture for t_presumed_refs.sh out of two real captures of
pcaps/: the full handshake of RESUME.pcap (its first connection), then COUNT
copies of FILLER.pcap's connection (to server port 4443, so that they are
another server), each with its own client port and with the serial number of the server certificate LEAF.crt rewritten (so every
copy carries a distinct certificate and the cert cache has to evict), then
the resumed connection of RESUME.pcap. Lengths do not change, so TCP and TLS
framing stay valid; the rewritten certificates no longer verify.

Classic little-endian microsecond pcap, Ethernet + IPv4, as pcaps/ has.
"""
import base64
import struct
import sys


FILLER_SERVER_PORT = 4443


def read_pcap(path):
    with open(path, "rb") as f:
        gh = f.read(24)
        magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", gh)
        if magic != 0xA1B2C3D4 or linktype != 1:
            sys.exit("%s: not a little-endian microsecond Ethernet pcap" % path)
        pkts = []
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            sec, usec, caplen, wirelen = struct.unpack("<IIII", rh)
            pkts.append([sec * 1000000 + usec, wirelen, bytearray(f.read(caplen))])
    return pkts


def pem_der(path):
    text = open(path).read()
    b64 = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(b64.split()))


def serial_end(der):
    """Offset just past the serial number's contents."""
    def hdr(i):
        tag, ln = der[i], der[i + 1]
        i += 2
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(der[i:i + n], "big")
            i += n
        return tag, ln, i
    _, _, i = hdr(0)
    _, _, i = hdr(i)
    tag, ln, j = hdr(i)
    if tag == 0xA0:
        i = j + ln
    tag, ln, j = hdr(i)
    assert tag == 0x02 and ln >= 8
    return j + ln


def tcp_ports_at(p):
    ihl = (p[14] & 0x0F) * 4
    return 14 + ihl


def syn_start(pkts, n):
    """Index of the n-th SYN without ACK (a connection's first packet)."""
    seen = 0
    for i, (_, _, p) in enumerate(pkts):
        t = tcp_ports_at(p)
        flags = p[t + 13]
        if flags & 0x02 and not flags & 0x10:
            if seen == n:
                return i
            seen += 1
    sys.exit("no connection %d" % n)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    resume, filler = read_pcap(sys.argv[1]), read_pcap(sys.argv[2])
    der = pem_der(sys.argv[3])
    count = int(sys.argv[4])
    prefix = bytes(der[:serial_end(der)])
    split = syn_start(resume, 1)
    first, last = resume[:split], resume[split:]
    fp0 = filler[0][2][tcp_ports_at(filler[0][2]):]
    client_port = struct.unpack(">H", fp0[:2])[0]

    out = []
    t = first[0][0]
    for p in first:
        out.append([t, p[1], p[2]])
        t += 10
    span = filler[-1][0] - filler[0][0] + 10
    rewritten = 0
    for k in range(count):
        port = 20000 + k
        base = t + k * span
        for ts, wirelen, p in filler:
            q = bytearray(p)
            tp = tcp_ports_at(q)
            sport, dport = struct.unpack(">HH", q[tp:tp + 4])
            # another client port per copy, and another server port than
            # the resumed connection's: a different server to tlsscope
            if sport == client_port:
                q[tp:tp + 4] = struct.pack(">HH", port, FILLER_SERVER_PORT)
            elif dport == client_port:
                q[tp:tp + 4] = struct.pack(">HH", FILLER_SERVER_PORT, port)
            at = q.find(prefix)
            if at >= 0:
                end = at + len(prefix)
                q[end - 4:end] = struct.pack(">I", k + 1)
                rewritten += 1
            out.append([base + ts - filler[0][0], wirelen, q])
    if rewritten != count:
        sys.exit("certificate found in %d of %d copies" % (rewritten, count))
    t = base + span + 1000000
    for p in last:
        out.append([t, p[1], p[2]])
        t += 10
    with open(sys.argv[5], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for ts, wirelen, p in out:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(p), wirelen))
            f.write(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
