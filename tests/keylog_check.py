#!/usr/bin/env python3
"""TLS 1.3 captures with key logs (pcaps/keylog/): tlsscope decrypts them and
judges exactly what pcaps/keylog/expected.tsv says, and agrees with tshark
reading the same capture with the same key log on every decrypted chain.

Per connection (matched by client port):
  expected.tsv   SNI, cipher, server certificate count, leaf CN, verdict
                 status/code/depth, client certificate count, and
                 tlsscope.decrypted == "keylog";
  tshark         (-o tls.keylog_file:KEYS) SNI, cipher, and the SHA-256 of
                 every certificate of both Certificate messages, in order.
Then the same captures with a damaged key log (every secret's last digit
changed): every connection must be "not judged" with the wrong-key reason
and a decrypt event, never a chain.

Usage: keylog_check.py TLSSCOPE PCAPS_KEYLOG_DIR
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile


def tlsscope_json(tlsscope, cap, keys, store):
    p = subprocess.run([tlsscope, "-b", "--json", "--trust", store, "-r", cap, "--keylog", keys],
                       capture_output=True, timeout=120)
    err = p.stderr.decode(errors="replace")
    probs = []
    if p.returncode not in (0, 1):
        probs.append("exit %d: %s" % (p.returncode, err[-300:]))
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "tlsscope: "):
        if bad in err:
            probs.append("stderr: " + err.strip()[-400:])
            break
    recs = {}
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        recs[int(r["source"]["port"])] = r
    return recs, probs


def tshark_conns(cap, keys, server_ports):
    """client port -> {sni, cipher, server: [sha256...], client: [sha256...]}
    (TCP, or UDP for QUIC: tshark decrypts QUIC's Handshake packets with the
    same key log)"""
    args = ["tshark", "-n", "-r", cap, "-o", "tls.keylog_file:" + keys, "-Y", "tls.handshake",
            "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|",
            "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport",
            "-e", "tls.handshake.type",
            "-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.ciphersuite",
            "-e", "tls.handshake.certificate"]
    out = subprocess.run(args, capture_output=True, timeout=120, check=True).stdout.decode()
    conns = {}
    for line in out.splitlines():
        tsrc, tdst, usrc, udst, types, sni, suite, certs = (line.split("\t") + [""] * 8)[:8]
        src, dst = int(tsrc or usrc), int(tdst or udst)
        server = src in server_ports
        c = conns.setdefault(dst if server else src, {"sni": None, "cipher": None,
                                                      "server": [], "client": []})
        types = types.split("|")
        if "1" in types and sni:
            c["sni"] = sni
        if "2" in types and suite:
            c["cipher"] = int(suite.split("|")[-1], 16)
        if "11" in types and certs:
            hashes = [hashlib.sha256(bytes.fromhex(h.replace(":", ""))).hexdigest()
                      for h in certs.split("|")]
            c["server" if server else "client"] += hashes
    return conns


IANA = {"TLS_AES_128_GCM_SHA256": 0x1301, "TLS_AES_256_GCM_SHA384": 0x1302,
        "TLS_CHACHA20_POLY1305_SHA256": 0x1303, "TLS_AES_128_CCM_SHA256": 0x1304,
        "TLS_AES_128_CCM_8_SHA256": 0x1305}


def main():
    tlsscope, d = sys.argv[1], sys.argv[2]
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return 77
    store = os.path.join(d, "..", "test-store.pem")
    rows = []
    with open(os.path.join(d, "expected.tsv")) as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    head = lines[0].split("\t")
    rows = [dict(zip(head, l.split("\t"))) for l in lines[1:] if l]
    problems, checked = [], 0
    caps = sorted({r["capture"] for r in rows})
    for cap in caps:
        path = os.path.join(d, cap)
        keys = os.path.join(d, cap.rsplit(".", 1)[0] + ".keys")
        ours, probs = tlsscope_json(tlsscope, path, keys, store)
        problems += ["%s: %s" % (cap, p) for p in probs]
        theirs = tshark_conns(path, keys, {int(r["server_port"]) for r in rows if r["capture"] == cap})
        for row in (r for r in rows if r["capture"] == cap):
            port = int(row["client_port"])
            where = "%s port %d" % (cap, port)
            r, t = ours.get(port), theirs.get(port)
            if not r or not t:
                problems.append("%s: connection missing (tlsscope %s, tshark %s)" % (where, bool(r), bool(t)))
                continue
            ts = r["tlsscope"]
            v = ts["verdict"]
            chain = [e["sha256"] for e in ts["chain"]]
            cchain = [e["sha256"] for e in ts.get("client_chain", [])]
            got = {
                "sni": r["tls"]["client"].get("server_name"),
                "cipher": r["tls"].get("cipher"),
                "certs": str(len(chain)),
                "leaf_cn": (ts["chain"][0].get("subject", "").split("CN=")[-1] if chain else "-"),
                "status": v["status"],
                "code": str(v["code"]) if v.get("code") is not None else "-",
                "depth": str(v["depth"]) if v.get("depth") is not None else "-",
                "client_certs": str(len(cchain)),
                "decrypted": ts.get("decrypted"),
            }
            want = {k: row[k] for k in ("sni", "certs", "leaf_cn", "status", "code", "depth",
                                        "client_certs")}
            want["cipher"] = row["cipher_iana"]
            want["decrypted"] = "keylog"
            quic = int(row["server_port"]) != 443
            got["transport"] = (r["network"]["transport"], r["network"].get("protocol"))
            want["transport"] = ("udp", "quic") if quic else ("tcp", None)
            for k in want:
                if got[k] != want[k]:
                    problems.append("%s: %s is %r, expected %r" % (where, k, got[k], want[k]))
            # tshark with the same key log
            if t["sni"] != got["sni"]:
                problems.append("%s: SNI %r, tshark %r" % (where, got["sni"], t["sni"]))
            if t["cipher"] != IANA.get(got["cipher"]):
                problems.append("%s: cipher %r, tshark 0x%04x" % (where, got["cipher"], t["cipher"] or 0))
            if t["server"] != chain:
                problems.append("%s: server chain %s, tshark %s" % (where, chain, t["server"]))
            if t["client"] != cchain:
                problems.append("%s: client chain %s, tshark %s" % (where, cchain, t["client"]))
            if not t["server"]:
                problems.append("%s: tshark decrypted no server certificate" % where)
            checked += 1

    # a wrong key log: no chain, the wrong-key reason, a decrypt event
    with tempfile.TemporaryDirectory() as tmp:
        for cap in caps:
            keys = os.path.join(d, cap.rsplit(".", 1)[0] + ".keys")
            bad = os.path.join(tmp, "bad.keys")
            with open(keys) as f, open(bad, "w") as g:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3 and parts[0].endswith("HANDSHAKE_TRAFFIC_SECRET"):
                        s = parts[2]
                        parts[2] = s[:-1] + ("0" if s[-1] != "0" else "1")
                        line = " ".join(parts) + "\n"
                    g.write(line)
            ours, probs = tlsscope_json(tlsscope, os.path.join(d, cap), bad, store)
            problems += ["%s (wrong keys): %s" % (cap, p) for p in probs]
            for port, r in ours.items():
                ts = r["tlsscope"]
                where = "%s port %d (wrong keys)" % (cap, port)
                if ts["chain"] or ts.get("decrypted"):
                    problems.append("%s: a chain came out of a wrong key" % where)
                reason = ts["verdict"].get("not_judged_reason") or ""
                if ts["verdict"]["status"] != "not_judged" or "did not decrypt them" not in reason:
                    problems.append("%s: verdict %s %r" % (where, ts["verdict"]["status"], reason))
                if not any(e["kind"] == "decrypt" and "AEAD tag mismatch" in e.get("detail", "")
                           for e in ts["events"]):
                    problems.append("%s: no decrypt event" % where)
                checked += 1
    # without keys every connection still shows its ClientHello: TLS from the
    # record layer, QUIC from the Initial packets anyone can decrypt
    for cap in caps:
        p = subprocess.run([tlsscope, "-b", "--json", "--trust", store, "-r", os.path.join(d, cap)],
                           capture_output=True, timeout=120)
        ours = {int(json.loads(l)["source"]["port"]): json.loads(l) for l in p.stdout.decode().splitlines()}
        for row in (r for r in rows if r["capture"] == cap):
            r = ours.get(int(row["client_port"]))
            where = "%s port %s (no keys)" % (cap, row["client_port"])
            if not r:
                problems.append("%s: connection missing" % where)
                continue
            if r["tls"]["client"].get("server_name") != row["sni"] or r["tls"].get("cipher") != row["cipher_iana"]:
                problems.append("%s: SNI/cipher %r %r" % (where, r["tls"]["client"].get("server_name"), r["tls"].get("cipher")))
            if r["tlsscope"]["verdict"]["status"] != "not_judged" or r["tlsscope"]["chain"]:
                problems.append("%s: judged without keys" % where)
            checked += 1
    # a key log found by content: in a directory and in a .tar.gz bundle
    import tarfile
    with tempfile.TemporaryDirectory() as tmp:
        bdir = os.path.join(tmp, "diag")
        os.mkdir(bdir)
        for f in ("tls13-keylog-mtls.pcap", "tls13-keylog-mtls.keys"):
            shutil.copy(os.path.join(d, f), os.path.join(bdir, f.replace(".keys", ".txt")))
        tgz = os.path.join(tmp, "diag.tar.gz")
        with tarfile.open(tgz, "w:gz") as t:
            t.add(bdir, arcname="diag")
        for inp in (bdir, tgz):
            p = subprocess.run([tlsscope, "-b", "--json", "--trust", store, inp], capture_output=True,
                               timeout=120)
            recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
            if len(recs) != 1 or recs[0]["tlsscope"].get("decrypted") != "keylog" or \
                    len(recs[0]["tlsscope"]["chain"]) != 2 or len(recs[0]["tlsscope"].get("client_chain", [])) != 2:
                problems.append("key log inside %s not used: %s" % (os.path.basename(inp), p.stderr.decode()[-300:]))
            checked += 1
    for p in problems:
        print("FAIL " + p)
    print("%s: %d connections checked in %d captures" % ("FAILED" if problems else "ok", checked, len(caps)))
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
