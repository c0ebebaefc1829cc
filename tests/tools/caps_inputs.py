#!/usr/bin/env python3
"""Inputs for tests/t_caps.sh (issue #17: a cap or a hostile byte never
changes an answer silently). Each subcommand writes one file from a real
capture of pcaps/; nothing is sent anywhere.

  pcapng-times IN.pcap OUT.pcapng
      IN as pcapng, plus two copies of its first packet whose times int64
      nanoseconds cannot hold: one on an interface with if_tsoffset
      -10^13 s (before 1677), one with a microsecond timestamp of 2^63
      (after 2262). The copies are duplicate SYNs: they change no verdict.
"""
import struct
import sys


def read_pcap(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic == 0xa1b2c3d4:
        e, nano = '<', False
    elif magic == 0xa1b23c4d:
        e, nano = '<', True
    elif struct.unpack('>I', data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d):
        e, nano = '>', struct.unpack('>I', data[:4])[0] == 0xa1b23c4d
    else:
        raise SystemExit('%s: not a classic pcap' % path)
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    pkts, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        us = frac // 1000 if nano else frac
        pkts.append((sec * 1000000 + us, data[off:off + incl], orig))
        off += incl
    return linktype, pkts


def block(btype, body):
    body += b'\0' * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack('<II', btype, n) + body + struct.pack('<I', n)


def option(code, value):
    return struct.pack('<HH', code, len(value)) + value + b'\0' * (-len(value) % 4)


def epb(ifid, ts_us, data, orig):
    ts_us &= (1 << 64) - 1
    body = struct.pack('<IIIII', ifid, ts_us >> 32, ts_us & 0xffffffff, len(data), orig)
    return block(6, body + data + b'\0' * (-len(data) % 4))


def pcapng_times(src, dst):
    linktype, pkts = read_pcap(src)
    out = block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1))
    out += block(1, struct.pack('<HHI', linktype, 0, 262144))
    out += block(1, struct.pack('<HHI', linktype, 0, 262144) +
                 option(14, struct.pack('<q', -10 ** 13)) + option(0, b''))
    ts, data, orig = pkts[0]
    out += epb(1, ts, data, orig)             # before 1677 (if_tsoffset)
    for ts, data, orig in pkts:
        out += epb(0, ts, data, orig)
    out += epb(0, 1 << 63, pkts[0][1], pkts[0][2])  # after 2262
    with open(dst, 'wb') as f:
        f.write(out)


def main(argv):
    if len(argv) == 4 and argv[1] == 'pcapng-times':
        pcapng_times(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
