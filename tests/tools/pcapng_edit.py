#!/usr/bin/env python3
"""Derive pcapng test captures from a real one, block by block.

Usage: pcapng_edit.py OPERATION IN OUT

  strip-host      drop the SHB's options (capturing host's OS, application)
                  and the interfaces' descriptions; packets unchanged
  big-endian      rewrite every section in big-endian byte order
  extras          add what a reader must skip or count: a Name Resolution
                  Block, a custom block (PEN 32473), a block of an unknown
                  type, an SHB comment and, at the end, an Interface
                  Statistics Block per interface (isb_ifdrop 3+i,
                  isb_osdrop 10+i; a first, superseded one before it)
  old-blocks      interface 0's packets as Simple Packet Blocks, interface
                  1's as obsolete Packet Blocks (type 2), the rest unchanged
  tsresol         interface 0 in 2^-20 s units, interface 1 in 10^-9 s with
                  if_tsoffset 1000000000 s (timestamps shifted back by the
                  same amount), interface 2 in 10^-6 s: the same instants,
                  rounded down to each new unit
  damage          the 5th packet block's trailing length wrong (everything
                  before it is good)

The pcapng format is draft-ietf-opsawg-pcapng; only the fields these edits
touch are interpreted, the rest is copied.
"""
import struct
import sys

SHB, IDB, PB, SPB, NRB, ISB, EPB, DSB = 0x0A0D0D0A, 1, 2, 3, 4, 5, 6, 0xA
# options whose values are numbers (byte order matters): code -> struct fmt
NUM_OPTS = {
    IDB: {8: "Q", 14: "q", 9: "B", 10: "B", 13: "B"},  # if_speed, if_tsoffset, tsresol...
    EPB: {2: "I", 4: "Q", 5: "Q", 6: "I", 7: "I"},      # epb_flags, dropcount, packetid...
    PB: {2: "I"},
    ISB: {2: "Q", 3: "Q", 4: "Q", 5: "Q", 6: "Q", 7: "Q", 8: "Q"},
}


def pad4(n):
    return (4 - n % 4) % 4


class Block:
    def __init__(self, btype, body, bo):
        self.type, self.body, self.bo = btype, body, bo


def read_blocks(data):
    """Yield Block objects with bodies decoded into fields where needed."""
    off, bo = 0, "<"
    while off < len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            bom = data[off + 8:off + 12]
            bo = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
        btype, total = struct.unpack(bo + "II", data[off:off + 8])
        body = data[off + 8:off + total - 4]
        yield Block(btype, body, bo)
        off += total


def parse_opts(buf, bo):
    opts, off = [], 0
    while off + 4 <= len(buf):
        code, ln = struct.unpack(bo + "HH", buf[off:off + 4])
        if code == 0:
            break
        opts.append((code, buf[off + 4:off + 4 + ln]))
        off += 4 + ln + pad4(ln)
    return opts


def build_opts(opts, bo, btype, src_bo=None):
    out = b""
    for code, val in opts:
        fmt = NUM_OPTS.get(btype, {}).get(code)
        if fmt and src_bo and len(val) == struct.calcsize(fmt):
            val = struct.pack(bo + fmt, *struct.unpack(src_bo + fmt, val))
        out += struct.pack(bo + "HH", code, len(val)) + val + b"\0" * pad4(len(val))
    if opts:
        out += struct.pack(bo + "HH", 0, 0)
    return out


def block_bytes(btype, body, bo):
    body += b"\0" * pad4(len(body))
    total = len(body) + 12
    return struct.pack(bo + "II", btype, total) + body + struct.pack(bo + "I", total)


# Fixed-field layouts of the blocks (format after the byte-order char) and
# whether packet data follows (length taken from the field at index).
LAYOUT = {
    SHB: ("IHHq", None),
    IDB: ("HHI", None),
    EPB: ("IIIII", 3),
    PB: ("HHIIII", 4),
    SPB: ("I", None),
    ISB: ("III", None),
    DSB: ("II", 1),
}


def split(b):
    """(fields, data, opts) of a known block."""
    fmt, dlen = LAYOUT[b.type]
    n = struct.calcsize(b.bo + fmt)
    fields = list(struct.unpack(b.bo + fmt, b.body[:n]))
    if b.type == SPB:
        return fields, b.body[n:], []
    data = b""
    if dlen is not None:
        data = b.body[n:n + fields[dlen]]
        n += fields[dlen] + pad4(fields[dlen])
    return fields, data, parse_opts(b.body[n:], b.bo)


def join(btype, fields, data, opts, bo, src_bo=None):
    fmt, _ = LAYOUT[btype]
    body = struct.pack(bo + fmt, *fields) + data
    if btype != SPB:
        body += b"\0" * pad4(len(data)) + build_opts(opts, bo, btype, src_bo)
    return block_bytes(btype, body, bo)


def rewrite(blocks, fn):
    out = b""
    for b in blocks:
        r = fn(b)
        out += r if r is not None else block_bytes(b.type, b.body, b.bo)
    return out


def strip_host(blocks):
    def fn(b):
        if b.type == SHB:
            f, _, _ = split(b)
            return join(SHB, f, b"", [], b.bo)
        if b.type == IDB:
            f, _, opts = split(b)
            keep = [o for o in opts if o[0] in (2, 9, 14)]  # if_name, if_tsresol, if_tsoffset
            return join(IDB, f, b"", keep, b.bo)
        return None
    return rewrite(blocks, fn)


def big_endian(blocks):
    def fn(b):
        if b.type in LAYOUT:
            f, data, opts = split(b)
            if b.type == SHB:
                f[0] = 0x1A2B3C4D
            return join(b.type, f, data, opts, ">", b.bo)
        return block_bytes(b.type, b.body, ">")  # unknown: bytes as they are
    return rewrite(blocks, fn)


def extras(blocks):
    out, nifs, bo = b"", 0, "<"
    first_pkt = True
    for b in blocks:
        bo = b.bo
        if b.type == SHB:
            f, _, opts = split(b)
            out += join(SHB, f, b"", opts + [(1, b"derived test capture: extra blocks")], bo)
            continue
        if b.type == IDB:
            nifs += 1
        if b.type in (EPB, SPB, PB) and first_pkt:
            first_pkt = False
            # NRB: one IPv4 record (type 1) and end of records
            rec = struct.pack(bo + "HH", 1, 4 + 9) + bytes([10, 77, 0, 2]) + b"srv.test\0"
            rec += b"\0" * pad4(len(rec)) + struct.pack(bo + "HH", 0, 0)
            out += block_bytes(NRB, rec, bo)
            out += block_bytes(0x00000BAD, struct.pack(bo + "I", 32473) + b"custom data", bo)
            out += block_bytes(0x0000FEED, b"unknown block type", bo)
            # an early ISB whose counters a later one supersedes
            out += block_bytes(ISB, struct.pack(bo + "III", 0, 0, 0) +
                               build_opts([(5, struct.pack(bo + "Q", 999))], bo, ISB), bo)
        out += block_bytes(b.type, b.body, bo)
    for i in range(nifs):
        opts = [(5, struct.pack(bo + "Q", 3 + i)), (7, struct.pack(bo + "Q", 10 + i))]
        out += block_bytes(ISB, struct.pack(bo + "III", i, 0, 0) + build_opts(opts, bo, ISB), bo)
    return out


def old_blocks(blocks):
    def fn(b):
        if b.type != EPB:
            return None
        f, data, opts = split(b)
        iface, hi, lo, caplen, wirelen = f
        if iface == 0:
            if caplen != wirelen:
                return None  # an SPB cannot say it was cut short by less than snaplen
            return join(SPB, [wirelen], data, [], b.bo)
        if iface == 1:
            return join(PB, [1, 0, hi, lo, caplen, wirelen], data, [], b.bo)
        return None
    return rewrite(blocks, fn)


OFFSET_S = 1000000000


def tsresol(blocks):
    src_res = []  # each interface's decimal if_tsresol in the source

    def fn(b):
        if b.type == SHB:
            src_res.clear()
            return None
        if b.type == IDB:
            f, _, opts = split(b)
            res = [o[1][0] for o in opts if o[0] == 9]
            src_res.append(res[0] if res else 6)
            assert src_res[-1] < 0x80, "source in 2^-n units"
            opts = [o for o in opts if o[0] not in (9, 14)]
            i = len(src_res) - 1
            if i == 0:
                opts.append((9, bytes([0x80 | 20])))
            elif i == 1:
                opts += [(9, bytes([9])), (14, struct.pack(b.bo + "q", OFFSET_S))]
            else:
                opts.append((9, bytes([6])))
            return join(IDB, f, b"", opts, b.bo)
        if b.type == EPB:
            f, data, opts = split(b)
            ns = ((f[1] << 32) | f[2]) * 10 ** (9 - src_res[f[0]])
            if f[0] == 0:
                units = ns * (1 << 20) // 1000000000
            elif f[0] == 1:
                units = ns - OFFSET_S * 1000000000
            else:
                units = ns // 1000
            f[1], f[2] = units >> 32, units & 0xFFFFFFFF
            return join(EPB, f, data, opts, b.bo)
        return None
    return rewrite(blocks, fn)


def damage(blocks):
    out, npkt = b"", 0
    for b in blocks:
        raw = block_bytes(b.type, b.body, b.bo)
        if b.type in (EPB, SPB, PB):
            npkt += 1
            if npkt == 5:
                raw = raw[:-4] + struct.pack(b.bo + "I", len(raw) + 4)
        out += raw
    return out


OPS = {"strip-host": strip_host, "big-endian": big_endian, "extras": extras,
       "old-blocks": old_blocks, "tsresol": tsresol, "damage": damage}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in OPS:
        sys.stderr.write(__doc__)
        return 2
    with open(sys.argv[2], "rb") as f:
        data = f.read()
    out = OPS[sys.argv[1]](list(read_blocks(data)))
    with open(sys.argv[3], "wb") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
