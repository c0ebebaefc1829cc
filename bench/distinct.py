#!/usr/bin/env python3
"""distinct.py IN.pcap OUT.pcap CERT.der... — make every server certificate
in a capture distinct, for bench/run.sh's memory check.

Each occurrence of one of the given leaf certificates in a packet gets its
serial number rewritten (its last four bytes become a running counter), so
100 000 handshakes carry 100 000 different certificates: the worst case for
the certificate and verdict caches. Lengths do not change, so TLS and TCP
framing stay valid; the signatures no longer verify (tlsscope reports
"certificate signature failure"), which is fine for measuring memory.

Plain little-endian pcap in and out; the certificate must lie whole inside
one packet (true for captures on lo with its default 64 KiB MTU).
"""
import struct
import sys


def serial_span(der):
    """Offset and length of the serial INTEGER's contents in a DER cert."""
    def hdr(b, i):
        tag = b[i]
        ln = b[i + 1]
        i += 2
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(b[i:i + n], "big")
            i += n
        return tag, ln, i

    _, _, i = hdr(der, 0)          # Certificate SEQUENCE
    _, _, i = hdr(der, i)          # tbsCertificate SEQUENCE
    tag, ln, j = hdr(der, i)
    if tag == 0xA0:                # [0] version
        i = j + ln
    tag, ln, j = hdr(der, i)
    assert tag == 0x02, "serial INTEGER expected"
    return j, ln


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = sys.argv[1], sys.argv[2]
    certs = []
    for path in sys.argv[3:]:
        der = open(path, "rb").read()
        off, ln = serial_span(der)
        assert ln >= 8, "serial too short"
        certs.append((der[:off + ln], off + ln - 4))  # match prefix, counter offset
    count = 0
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        gh = fi.read(24)
        assert struct.unpack("<I", gh[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D), "LE pcap only"
        fo.write(gh)
        while True:
            rh = fi.read(16)
            if len(rh) < 16:
                break
            caplen = struct.unpack("<I", rh[8:12])[0]
            data = bytearray(fi.read(caplen))
            for prefix, ctr_off in certs:
                at = data.find(prefix)
                while at >= 0:
                    count += 1
                    data[at + ctr_off:at + ctr_off + 4] = struct.pack(">I", count)
                    at = data.find(prefix, at + 1)
            fo.write(rh)
            fo.write(data)
    print("distinct.py: %d certificates made distinct" % count, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
