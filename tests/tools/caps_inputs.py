#!/usr/bin/env python3
"""Inputs for tests/t_caps.sh (issue #17: a cap or a hostile byte never
changes an answer silently). Each subcommand writes one file from a real
capture of pcaps/; nothing is sent anywhere.

  pcapng-times IN.pcap OUT.pcapng
      IN as pcapng, plus two copies of its first packet whose times int64
      nanoseconds cannot hold: one on an interface with if_tsoffset
      -10^13 s (before 1677), one with a microsecond timestamp of 2^63
      (after 2262). The copies are duplicate SYNs: they change no verdict.

  cert-caps OUTDIR
      Certificates signed by the openssl CLI (tests/tools/x509build.py): a
      root (OUTDIR/root.pem, the store), an intermediate, and one server
      chain per scenario, each also as OUTDIR/<scenario>.chain.pem (leaf
      first) with its SNI in OUTDIR/<scenario>.sni for `openssl verify`;
      OUTDIR/caps.pcap holds one handshake per scenario (ClientHello with
      the SNI, ServerHello, Certificate, ServerHelloDone), client ports
      41001, 41002, ... in the order of SCENARIOS.

  big-cn OUT.pcap
      One handshake whose certificate has a 70 KB commonName (the browser
      lost that row: "1 lost (memory)"; the batch report had it).

  json-verdicts
      Reads `tlsscope -b --json` on stdin, writes "#N status code depth"
      per connection (the format of TLSSCOPE_TUI_VERDICTS, tests/t_agree.sh).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


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


# Issue #17 item 2, in capture order: (name, SNI, what the server sends).
# "san300": the SNI is the 300th of 300 dNSName SANs (the cap was 256);
# "san5000": the 5000th of 5000 (beyond CERT_MAX_SAN 4096: not judged);
# "big400k": a 400 KB leaf (an unknown non-critical extension; the cap was
# 256 KiB); "int14": the needed intermediate is the 14th certificate sent
# (12 were kept); "int40": the 40th (beyond TLS_MAX_CHAIN 32: not judged).
SCENARIOS = ["san300", "san5000", "big400k", "int14", "int40"]


def cert_caps(out):
    import hostile as h
    import x509build as x
    os.makedirs(out, exist_ok=True)
    nb, na = 1600000000, 2000000000  # the capture is at 1700000000
    root_k = x.gen_key(out, "root", "ec:P-256")
    int_k = x.gen_key(out, "int", "ec:P-256")
    leaf_k = x.gen_key(out, "leaf", "ec:P-256")
    root_n = x.name(("CN", "Caps Test Root"))
    int_n = x.name(("CN", "Caps Test Intermediate"))
    ca_ext = [x.ext_bc(True), x.ext_ku("keyCertSign", "cRLSign")]
    root = x.certificate(root_n, root_n, 1, nb, na, root_k, root_k,
                         extensions=ca_ext + [x.ext_ski(root_k.key_id())])
    inter = x.certificate(int_n, root_n, 2, nb, na, int_k, root_k,
                          extensions=ca_ext + [x.ext_ski(int_k.key_id()),
                                               x.ext_aki(root_k.key_id())])
    with open(os.path.join(out, "root.pem"), "w") as f:
        f.write(x.pem(root))

    def leaf(serial, cn, sans, extra=()):
        exts = [x.ext_bc(False), x.ext_ku("digitalSignature"), x.ext_eku("serverAuth"),
                x.ext_san(dns=sans), x.ext_aki(int_k.key_id())] + list(extra)
        return x.certificate(x.name(("CN", cn)), int_n, serial, nb, na, leaf_k, int_k,
                             extensions=exts)

    def junk(i):  # self-signed certificates that issue nothing here
        n = x.name(("CN", "unrelated %d" % i))
        return x.certificate(n, n, 1000 + i, nb, na, leaf_k, leaf_k, extensions=ca_ext)

    junks = [junk(i) for i in range(38)]
    chains = {}
    sans = ["h%d.caps.test" % i for i in range(1, 301)]
    chains["san300"] = ("h300.caps.test", [leaf(10, "san300", sans), inter])
    sans = ["h%d.caps.test" % i for i in range(1, 5001)]
    chains["san5000"] = ("h5000.caps.test", [leaf(11, "san5000", sans), inter])
    blob = x.ext("1.3.6.1.4.1.55555.1", x.octet(b"\x5a" * 400000))
    chains["big400k"] = ("big.caps.test", [leaf(12, "big.caps.test", ["big.caps.test"], [blob]),
                                            inter])
    l14 = leaf(13, "int14.caps.test", ["int14.caps.test"])
    chains["int14"] = ("int14.caps.test", [l14] + junks[:12] + [inter])
    l40 = leaf(14, "int40.caps.test", ["int40.caps.test"])
    chains["int40"] = ("int40.caps.test", [l40] + junks[:38] + [inter])

    p = h.Pcap(os.path.join(out, "caps.pcap"))
    p.t_us = 1700000000 * 1000000
    for i, name in enumerate(SCENARIOS):
        sni, ders = chains[name]
        with open(os.path.join(out, name + ".chain.pem"), "w") as f:
            f.write("".join(x.pem(d) for d in ders))
        with open(os.path.join(out, name + ".sni"), "w") as f:
            f.write(sni + "\n")
        c = h.Conn(p, "192.0.2.10", "192.0.2.20", 41001 + i)
        c.handshake()
        c.send("c", h.record(h.client_hello(sni=sni.encode())))
        c.send("s", h.record(h.server_hello() + h.certificate(ders) + h.server_hello_done()))
        c.close()
    p.close()


def big_cn(out):
    import hostile as h
    p = h.Pcap(out)
    c = h.Conn(p, "192.0.2.10", "192.0.2.20", 42001)
    c.handshake()
    c.send("c", h.record(h.client_hello(sni=b"big-cn.example")))
    cert = h.fake_cert(7, cn=b"C" * 70000)
    c.send("s", h.record(h.server_hello() + h.certificate([cert]) + h.server_hello_done()))
    c.close()
    p.close()


def json_verdicts():
    import json
    for line in sys.stdin:
        t = json.loads(line)["tlsscope"]
        v = t["verdict"]
        code = -1 if v.get("code") is None else v["code"]
        depth = -1 if v.get("depth") is None else v["depth"]
        print("#%d %s %d %d" % (t["connection"], v["status"], code, depth))


def main(argv):
    if len(argv) == 4 and argv[1] == 'pcapng-times':
        pcapng_times(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == 'cert-caps':
        cert_caps(argv[2])
    elif len(argv) == 3 and argv[1] == 'big-cn':
        big_cn(argv[2])
    elif len(argv) == 2 and argv[1] == 'json-verdicts':
        json_verdicts()
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
