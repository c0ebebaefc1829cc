#!/usr/bin/env python3
"""bench/verify_budget.py — the worst case for signature checking (issue #17
item 7): CONNS connections, each sending its own chain of six distinct P-521
certificates (leaf + five intermediates) under one P-521 root in the store,
so every connection costs six P-521 verifications that no cache can answer.

    python3 bench/verify_budget.py OUTDIR [CONNS]     (default 200)
    build/tlsscope -b -r OUTDIR/p521.pcap --trust OUTDIR/root.pem

Certificates are signed by the openssl CLI (tests/tools/x509build.py); the
handshakes are crafted (tests/tools/hostile.py), nothing is sent anywhere.
Results: bench/RESULTS.md "Signature work".
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tools"))
import hostile as h  # noqa: E402
import x509build as x  # noqa: E402


def main(out, conns):
    os.makedirs(out, exist_ok=True)
    nb, na = 1600000000, 2000000000
    keys = [x.gen_key(out, "k%d" % i, "ec:P-521") for i in range(7)]
    ca = [x.ext_bc(True), x.ext_ku("keyCertSign", "cRLSign")]
    root_n = x.name(("CN", "P-521 bench root"))
    root = x.certificate(root_n, root_n, 1, nb, na, keys[0], keys[0], extensions=ca)
    with open(os.path.join(out, "root.pem"), "w") as f:
        f.write(x.pem(root))
    p = h.Pcap(os.path.join(out, "p521.pcap"))
    p.t_us = 1700000000 * 1000000
    for c in range(conns):
        chain, issuer_n, signer = [], root_n, keys[0]
        for level in range(1, 6):
            n = x.name(("CN", "int %d.%d" % (c, level)))
            chain.insert(0, x.certificate(n, issuer_n, 100000 * c + level, nb, na, keys[level],
                                          signer, extensions=ca))
            issuer_n, signer = n, keys[level]
        sni = "s%d.bench.lab" % c
        leaf = x.certificate(x.name(("CN", sni)), issuer_n, 100000 * c + 9, nb, na, keys[6],
                             signer, extensions=[x.ext_bc(False), x.ext_san(dns=[sni])])
        conn = h.Conn(p, "192.0.2.10", "192.0.2.20", 20000 + c)
        conn.handshake()
        conn.send("c", h.record(h.client_hello(sni=sni.encode())))
        conn.send("s", h.record(h.server_hello(0xC02B) + h.certificate([leaf] + chain) +
                                h.server_hello_done()))
        conn.close()
    p.close()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 200)
