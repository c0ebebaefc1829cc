#!/usr/bin/env python3
"""Wrap every frame of a real Ethernet pcap in a link-layer header seen on
real networks, for tests of capture/packet.c.

Usage: encap.py MODE in.pcap out.pcap

  sgt      Cisco MetaData (EtherType 0x8909) with TrustSec SGT 16 after the
           MAC addresses, as a Cisco switch's SPAN port delivers it
  vntag    Cisco VN-Tag (0x8926), destination VIF 2, source VIF 5
  etag     IEEE 802.1BR E-Tag (0x893F), E-CID 7
  pbb      IEEE 802.1ah: backbone MACs, B-Tag (0x88A8, B-VID 20) and I-Tag
           (0x88E7, I-SID 0x012345) in front of the customer frame
  nsh      RFC 8300 NSH (0x894F), MD type 1 (16 context bytes), next
           protocol Ethernet, in front of the frame
  mpls-cw  MPLS label 100 (bottom of stack), a pseudowire control word
           (RFC 4385) and the frame (an Ethernet pseudowire, RFC 4448)
  erspan1  outer Ethernet/IPv4/GRE (0x88BE, no sequence number): type I
  erspan2  GRE with a sequence number, ERSPAN type II header (session 7)
  erspan3  GRE (0x22EB), ERSPAN type III header with the O bit and its
           8-byte platform-specific subheader

The frames keep their bytes and timestamps; only the header is added. The
pcap header's snaplen is raised to hold the longer frames.
"""
import struct
import sys

BMAC_DST = bytes.fromhex("020000bb0001")
BMAC_SRC = bytes.fromhex("020000bb0002")
OUTER_SRC_IP = bytes([198, 51, 100, 1])
OUTER_DST_IP = bytes([198, 51, 100, 2])


def ipv4_gre(gre_and_payload):
    total = 20 + len(gre_and_payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 47, 0, OUTER_SRC_IP,
                      OUTER_DST_IP)
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    hdr = hdr[:10] + struct.pack("!H", ~s & 0xFFFF) + hdr[12:]
    return hdr + gre_and_payload


def wrap(mode, frame, seq):
    macs, etype, rest = frame[:12], frame[12:14], frame[14:]
    if mode == "sgt":
        # version 1, length 1, option: length 0 / type 1 (SGT), SGT 16
        return macs + b"\x89\x09" + bytes([1, 1, 0, 1, 0, 16]) + etype + rest
    if mode == "vntag":
        # d=0 p=0 dst VIF 2 | l=0 r=0 ver 0 src VIF 5
        return macs + b"\x89\x26" + struct.pack("!HH", 2, 5) + etype + rest
    if mode == "etag":
        # E-PCP/DEI/ingress E-CID base 0, reserved, GRP 0 + E-CID base 7, ext 0, 0
        return macs + b"\x89\x3f" + struct.pack("!HHBB", 0, 7, 0, 0) + etype + rest
    if mode == "pbb":
        return (BMAC_DST + BMAC_SRC + b"\x88\xa8" + struct.pack("!H", 20) + b"\x88\xe7" +
                struct.pack("!I", 0x012345) + frame)
    if mode == "nsh":
        # ver 0, O 0, U 0, TTL 63, length 6 words; MD type 1; next protocol 3
        ttl_len = (63 << 6) | 6
        base = struct.pack("!HBB", ttl_len, 1, 3)
        sph = struct.pack("!I", (42 << 8) | 255)  # service path 42, index 255
        return BMAC_DST + BMAC_SRC + b"\x89\x4f" + base + sph + bytes(16) + frame
    if mode == "mpls-cw":
        lse = (100 << 12) | 0x100 | 64
        return BMAC_DST + BMAC_SRC + b"\x88\x47" + struct.pack("!I", lse) + bytes(4) + frame
    if mode == "erspan1":
        gre = struct.pack("!HH", 0, 0x88BE)
        return BMAC_DST + BMAC_SRC + b"\x08\x00" + ipv4_gre(gre + frame)
    if mode == "erspan2":
        gre = struct.pack("!HHI", 0x1000, 0x88BE, seq)
        # ver 1, VLAN 0 | COS 0, En 0, T 0, session 7 | reserved, index 0
        er = struct.pack("!HHI", (1 << 12), 7, 0)
        return BMAC_DST + BMAC_SRC + b"\x08\x00" + ipv4_gre(gre + er + frame)
    if mode == "erspan3":
        gre = struct.pack("!HHI", 0x1000, 0x22EB, seq)
        # ver 2, VLAN 0 | session 7 | timestamp | SGT 0, P/FT/HW ID/D/Gra 0, O 1
        er = struct.pack("!HHIHH", (2 << 12), 7, seq * 1000, 0, 1)
        sub = struct.pack("!II", (1 << 26), 0)  # platform ID 1, reserved
        return BMAC_DST + BMAC_SRC + b"\x08\x00" + ipv4_gre(gre + er + sub + frame)
    raise SystemExit(__doc__)


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    mode, src, dst = sys.argv[1:]
    with open(src, "rb") as f:
        data = f.read()
    magic = data[:4]
    bo = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    ver_maj, ver_min, tz, sig, snap, lt = struct.unpack(bo + "HHiIII", data[4:24])
    if lt != 1:
        raise SystemExit("encap.py: %s is not an Ethernet capture" % src)
    out = [data[:16] + struct.pack(bo + "II", snap + 256, 1)]
    off, seq = 24, 0
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(bo + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        seq += 1
        w = wrap(mode, frame, seq)
        grow = len(w) - len(frame)
        out.append(struct.pack(bo + "IIII", sec, frac, len(w), wirelen + grow) + w)
    with open(dst, "wb") as f:
        f.write(b"".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
