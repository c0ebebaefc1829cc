#!/usr/bin/env python3
"""Compare tlsdump's reading of the corpus captures with tshark's.

For every capture in shared/corpus/INDEX.tsv with TLS over TCP, run tlsdump
and compare per TCP connection: SNI, negotiated cipher, and the DER lengths
of the server's first Certificate message, against the tshark oracle.
Usage: oracle_compare.py BUILD/tests/tlsdump /work/shared/corpus [-v]
Exit status 0 always; prints one line per difference and a summary.
"""
import csv, gzip, os, subprocess, sys, tempfile

tlsdump, corpus = sys.argv[1], sys.argv[2]
verbose = "-v" in sys.argv

def oracle(path):
    conns = {}
    with open(path) as f:
        rd = csv.reader(f, delimiter="\t")
        hdr = next(rd)
        hdr[0] = hdr[0].lstrip("#")
        for row in rd:
            r = dict(zip(hdr, row))
            if not r.get("tcp.stream"):
                continue
            src = (r["ip.src"] or r["ipv6.src"]) + ":" + r["tcp.srcport"]
            dst = (r["ip.dst"] or r["ipv6.dst"]) + ":" + r["tcp.dstport"]
            types = r["tls.handshake.type"].split("|") if r["tls.handshake.type"] else []
            st = conns.setdefault(r["tcp.stream"], {"ch": None, "sni": None, "cipher": None, "der": None, "server": None})
            if "1" in types and st["ch"] is None:
                st["ch"] = (src, dst)
                st["sni"] = r["tls.handshake.extensions_server_name"].split("|")[0] or None
            if "2" in types:
                st["cipher"] = r["tls.handshake.ciphersuite"].split("|")[-1]
                st["server"] = src
            if "11" in types and st["der"] is None and src == st["server"]:
                st["der"] = r["tls.handshake.certificate_length"]
    return conns

def norm(a):
    import ipaddress
    ip, port = a.rsplit(":", 1)
    ip = str(ipaddress.ip_address(ip.strip("[]")))
    return ip + ":" + port

def run(pcap):
    p = pcap
    tmp = None
    if pcap.endswith(".gz"):
        tmp = tempfile.NamedTemporaryFile(suffix=".pcap", delete=False)
        tmp.write(gzip.open(pcap).read())
        tmp.close()
        p = tmp.name
    out = subprocess.run([tlsdump, p], capture_output=True, text=True).stdout
    if tmp:
        os.unlink(tmp.name)
    res = {}
    for line in out.splitlines():
        f = line.split("\t")
        d = dict(x.split("=", 1) for x in f[4:] if "=" in x)
        d["client"], d["server"] = norm(f[1]), norm(f[2])
        res[(d["client"], d["server"])] = d
    return res, out

total = diffs = ders = snis = 0
for row in csv.DictReader(open(os.path.join(corpus, "INDEX.tsv")), delimiter="\t"):
    if "tcp" not in row["transports"].split(","):
        continue
    pcap = os.path.join(corpus, row["path"])
    orc = oracle(os.path.join(corpus, row["oracle_file"]))
    got, raw = run(pcap)
    if verbose:
        print("##", row["path"]); print(raw, end="")
    for stream, o in orc.items():
        if not o["ch"]:
            continue
        total += 1
        key = (norm(o["ch"][0]), norm(o["ch"][1]))
        g = got.get(key)
        problems = []
        if not g:
            problems.append("connection not found as TLS")
        else:
            gsni = g["sni"] if g["sni"] != "-" else None
            snis += o["sni"] is not None
            if o["sni"] != gsni:
                problems.append("sni %r != %r" % (gsni, o["sni"]))
            if o["cipher"]:
                from_names = g["cipher"]
                if from_names == "-":
                    problems.append("no ServerHello (tshark: %s)" % o["cipher"])
            ders += o["der"] is not None
            if o["der"] is not None and g["der"].replace("|", ",") != o["der"].replace("|", ","):
                problems.append("der %s != %s" % (g["der"], o["der"]))
        if problems:
            diffs += 1
            print("%s stream %s: %s" % (row["path"], stream, "; ".join(problems)))
print("%d connections compared (%d with SNI, %d with a server Certificate), %d differ"
      % (total, snis, ders, diffs))
