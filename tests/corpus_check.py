#!/usr/bin/env python3
"""Cross-check tlsscope against third-party expectations on real captures.

For every capture listed in tests/corpus/INDEX.tsv (Zeek's and Arkime's test
traces) this runs `tlsscope -b --json -r CAPTURE` and compares, connection by
connection (matched on client/server address and port), with:

  * tshark's reading with out-of-order TCP reassembly on
    (tests/corpus/tshark_oracle/*.tsv, tests/tools/corpus_oracle.sh): SNI, offered cipher
    count, chosen cipher, negotiated version, number of server certificates,
    plaintext alerts, ALPN, JA3 and JA3S; for DTLS (UDP) the dtls.* fields:
    SNI, offered cipher count, chosen cipher, ServerHello version, number of
    server certificates, plaintext alerts (tshark has no JA3 for DTLS);
  * Zeek's ssl.log baselines: version, cipher, server_name, resumed,
    established, next_protocol, SHA-256 fingerprints of the server chain (TLS
    and DTLS alike; a row whose ssl_history starts with '^' has the client on
    the responder side, as Zeek flips DTLS roles from content);
  * Zeek's x509.log baselines: per certificate fingerprint: serial, key
    algorithm/length, SANs;
  * Arkime's expected sessions (*.test): cipher, version, JA3/JA3S, per
    certificate SHA-1, serial, notBefore/notAfter, subject/issuer CN, SANs
    (TCP sessions, and UDP sessions Arkime classified as DTLS).

Every capture must be read cleanly: exit status 0 or 1, nothing on stderr but
the summary, no sanitizer report. Every disagreement must be listed, with
the reason, in tests/corpus/KNOWN-DIFFERENCES.tsv; an unlisted one fails the
test, and so does a listed one that no longer happens (the list stays true).

Usage: corpus_check.py TLSSCOPE CORPUS_DIR [--verbose] [--only SUBSTRING]
"""
import csv
import gzip
import json
import os
import subprocess
import sys
from collections import defaultdict

csv.field_size_limit(1 << 30)


def last(v):
    """tshark joins repeated fields (tunnels, several records) with '|'."""
    return v.split("|")[-1] if v else ""


def norm_ip(ip):
    import ipaddress
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


# ---------------------------------------------------------------- tlsscope

def run_tlsscope(tlsscope, path):
    p = subprocess.run([tlsscope, "-b", "--json", "-r", path], capture_output=True, timeout=120)
    recs = []
    problems = []
    if p.returncode not in (0, 1):
        problems.append("exit status %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()[-400:]))
    err = p.stderr.decode(errors="replace")
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "tlsscope: "):
        if bad in err:
            problems.append("stderr: " + err.strip()[-600:])
            break
    for n, line in enumerate(p.stdout.decode("utf-8", errors="strict").splitlines(), 1):
        try:
            recs.append(json.loads(line))
        except ValueError as e:
            problems.append("line %d is not JSON: %s" % (n, e))
    return recs, problems


def our_key(r):
    return (norm_ip(r["source"]["ip"]), int(r["source"]["port"]),
            norm_ip(r["destination"]["ip"]), int(r["destination"]["port"]))


def conn_str(k):
    return "%s:%d->%s:%d" % k


# ---------------------------------------------------------------- tshark oracle

def load_oracle(path):
    """Per TCP stream: client tuple and the handshake facts tshark saw."""
    streams = {}
    order = []
    with open(path, newline="") as f:
        rd = csv.reader(f, delimiter="\t")
        header = next(rd)
        header[0] = header[0].lstrip("#")
        for row in rd:
            row += [""] * (len(header) - len(row))
            d = dict(zip(header, row))
            if d["tcp.stream"]:
                sid = int(last(d["tcp.stream"]))
            elif d["udp.stream"] and (d["dtls.handshake.type"] or d["dtls.alert_message.desc"]):
                # DTLS over UDP: tshark lists every fragment and retransmission;
                # the facts are those of the first whole ClientHello (the one
                # with its cipher suites) and of the last ServerHello (after
                # a HelloRetryRequest).
                sid = ("udp", int(last(d["udp.stream"])))
                src = norm_ip(last(d["ipv6.src"]) or last(d["ip.src"]))
                dst = norm_ip(last(d["ipv6.dst"]) or last(d["ip.dst"]))
                sport, dport = int(last(d["udp.srcport"])), int(last(d["udp.dstport"]))
                s = streams.get(sid)
                if s is None:
                    s = streams[sid] = {"key": None, "dtls": True, "sni": None, "offered": None,
                                        "cipher": None, "sh_version": None, "alerts": [],
                                        "endpoints": (src, sport, dst, dport), "certs": None}
                    order.append(sid)
                types = d["dtls.handshake.type"].split("|") if d["dtls.handshake.type"] else []
                suites = d["dtls.handshake.ciphersuite"]
                if "1" in types:
                    if s["key"] is None:
                        s["key"] = (src, sport, dst, dport)
                    if suites and s["offered"] is None and (src, sport) == s["key"][:2]:
                        s["offered"] = len(suites.split("|"))
                        s["sni"] = d["dtls.handshake.extensions_server_name"] or None
                if "2" in types:
                    if s["key"] is None:
                        s["key"] = (dst, dport, src, sport)
                    s["cipher"] = suites.split("|")[0] if suites else None
                    vers = d["dtls.handshake.version"].split("|")
                    s["sh_version"] = vers[-1] if vers and vers[0] else None
                if "11" in types and d["dtls.handshake.certificate_length"] and s["certs"] is None:
                    server_side = s["key"] is None or (src, sport) == (s["key"][2], s["key"][3])
                    if server_side:
                        s["certs"] = len(d["dtls.handshake.certificate_length"].split("|"))
                if d["dtls.alert_message.desc"]:
                    for a in d["dtls.alert_message.desc"].split("|"):
                        if a:
                            s["alerts"].append(int(a))
                continue
            else:
                continue
            sid = int(last(d["tcp.stream"]))
            src = norm_ip(last(d["ipv6.src"]) or last(d["ip.src"]))
            dst = norm_ip(last(d["ipv6.dst"]) or last(d["ip.dst"]))
            sport, dport = int(last(d["tcp.srcport"])), int(last(d["tcp.dstport"]))
            types = d["tls.handshake.type"].split("|") if d["tls.handshake.type"] else []
            s = streams.get(sid)
            if s is None:
                s = streams[sid] = {"key": None, "client_hellos": 0, "sni": None, "ja3": None,
                                    "offered": None, "cipher": None, "ja3s": None,
                                    "sh_version": None, "sv": None, "certs": None,
                                    "alerts": [], "alpn": None, "endpoints": (src, sport, dst, dport)}
                order.append(sid)
            if "1" in types:
                s["client_hellos"] += 1
                if s["key"] is None:
                    s["key"] = (src, sport, dst, dport)
                    s["sni"] = d["tls.handshake.extensions_server_name"] or None
                    s["ja3"] = d["tls.handshake.ja3"] or None
                    s["offered"] = len(d["tls.handshake.ciphersuite"].split("|")) if d["tls.handshake.ciphersuite"] else 0
            if "2" in types:
                s["cipher"] = d["tls.handshake.ciphersuite"].split("|")[0]
                s["ja3s"] = d["tls.handshake.ja3s"] or None
                vers = d["tls.handshake.version"].split("|")
                s["sh_version"] = vers[-1] if vers and vers[0] else None
                s["sv"] = d["tls.handshake.extensions.supported_version"] or None
                alpn = d["tls.handshake.extensions_alpn_str"]
                s["alpn"] = alpn or None
                if s["key"] is None:
                    s["key"] = (dst, dport, src, sport)
            if "11" in types and d["tls.handshake.certificate_length"]:
                server_side = s["key"] is None or (src, sport) == (s["key"][2], s["key"][3])
                if server_side and s["certs"] is None:
                    s["certs"] = len(d["tls.handshake.certificate_length"].split("|"))
            if d["tls.alert_message.desc"]:
                for a in d["tls.alert_message.desc"].split("|"):
                    if a:
                        s["alerts"].append(int(a))
    return [streams[i] for i in order if streams[i]["key"] is not None]


def compare_oracle(ours, oracle, diff):
    by_key = defaultdict(list)
    for r in ours:
        by_key[our_key(r)].append(r)
    used = defaultdict(int)
    compared = 0
    for s in oracle:
        k = s["key"]
        if s.get("dtls"):
            dt = [r for r in by_key.get(k, []) if r.get("network", {}).get("transport") == "udp"]
            if not dt:
                diff("tshark", k, "dtls connection", "missing", "present")
                continue
            compared += 1
            r = dt[0]
            ts = r["tlsscope"]
            ch, sh = ts.get("client_hello"), ts.get("server_hello")
            sni = r["tls"]["client"].get("server_name")
            if sni != s["sni"]:
                diff("tshark", k, "sni", sni, s["sni"])
            if s["offered"] is not None:
                got = (ch.get("cipher_suites_total", len(ch["cipher_suites"])) if ch else None)
                if got != s["offered"]:
                    diff("tshark", k, "offered_ciphers", got, s["offered"])
            if s["cipher"]:
                got = sh["cipher_suite"] if sh else None
                if got != s["cipher"]:
                    diff("tshark", k, "cipher", got, s["cipher"])
                # tshark 4.0 has no dtls supported_versions field: the
                # ServerHello's legacy version is what it shows
                got_v = sh["legacy_version"] if sh else None
                if s["sh_version"] and got_v != s["sh_version"]:
                    diff("tshark", k, "version", got_v, s["sh_version"])
            elif sh is not None:
                diff("tshark", k, "server_hello", "present", "missing")
            got_certs = ts.get("chain_total", len(ts["chain"]))
            if got_certs != (s["certs"] or 0):
                diff("tshark", k, "certificates", got_certs, s["certs"] or 0)
            got_alerts = [a["code"] for a in ts["alerts"] if not a.get("encrypted")]
            if sorted(got_alerts) != sorted(s["alerts"]):
                diff("tshark", k, "alerts", got_alerts, s["alerts"])
            continue
        lst = by_key.get(k, [])
        if used[k] >= len(lst):
            diff("tshark", k, "connection", "missing", "present")
            continue
        r = lst[used[k]]
        used[k] += 1
        compared += 1
        ts = r["tlsscope"]
        ch = ts.get("client_hello")
        sh = ts.get("server_hello")
        hrr = ts.get("hello_retry_request")
        if sh is None and hrr and not hrr["server_hello_followed"]:
            # a HelloRetryRequest alone: tshark reads it as the ServerHello
            # it is in form (RFC 8446 4.1.4)
            sh = {"cipher_suite": hrr.get("cipher_suite"), "legacy_version": None,
                  "selected_version": hrr.get("selected_version")}
        sni = r["tls"]["client"].get("server_name")
        if s["client_hellos"]:
            if sni != s["sni"]:
                diff("tshark", k, "sni", sni, s["sni"])
            if ch is None:
                diff("tshark", k, "client_hello", "missing", "present")
            else:
                got = ch.get("cipher_suites_total", len(ch["cipher_suites"]))
                if got != s["offered"]:
                    diff("tshark", k, "offered_ciphers", got, s["offered"])
                ja3 = r["tls"]["client"].get("ja3")
                if s["ja3"] and ja3 != s["ja3"]:
                    diff("tshark", k, "ja3", ja3, s["ja3"])
        if s["cipher"]:
            got = sh["cipher_suite"] if sh else None
            if got != s["cipher"]:
                diff("tshark", k, "cipher", got, s["cipher"])
            want_v = s["sv"] or s["sh_version"]
            got_v = (sh.get("selected_version") or sh["legacy_version"]) if sh else None
            if want_v and got_v != want_v:
                diff("tshark", k, "version", got_v, want_v)
            ja3s = r["tls"]["server"].get("ja3s")
            if s["ja3s"] and ja3s != s["ja3s"]:
                diff("tshark", k, "ja3s", ja3s, s["ja3s"])
            alpn = r["tls"].get("next_protocol")
            if alpn != s["alpn"]:
                diff("tshark", k, "alpn", alpn, s["alpn"])
        elif sh is not None:
            diff("tshark", k, "server_hello", "present", "missing")
        got_certs = ts.get("chain_total", len(ts["chain"]))
        want_certs = s["certs"] or 0
        if got_certs != want_certs:
            diff("tshark", k, "certificates", got_certs, want_certs)
        got_alerts = [a["code"] for a in ts["alerts"] if not a.get("encrypted")]
        if sorted(got_alerts) != sorted(s["alerts"]):
            diff("tshark", k, "alerts", got_alerts, s["alerts"])
    return compared


# ---------------------------------------------------------------- Zeek

def read_zeek_log(path):
    rows = []
    fields = None
    with open(path, newline="") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
            elif line.startswith("#") or not line or fields is None:
                continue
            else:
                rows.append(dict(zip(fields, line.split("\t"))))
    return rows


ZEEK_VERSIONS = {"SSLv3": ("ssl", "3.0"), "TLSv10": ("tls", "1.0"), "TLSv11": ("tls", "1.1"),
                 "TLSv12": ("tls", "1.2"), "TLSv13": ("tls", "1.3"), "SSLv2": ("ssl", "2.0"),
                 "DTLSv10": ("dtls", "1.0"), "DTLSv12": ("dtls", "1.2"), "DTLSv13": ("dtls", "1.3")}


def zeek_unset(v):
    return v in ("-", "(empty)", None)


def compare_zeek_ssl(ours, rows, tuples, diff):
    by_key = defaultdict(list)
    for r in ours:
        by_key[our_key(r)].append(r)
    used = defaultdict(int)
    compared = 0
    for z in rows:
        k = (norm_ip(z["id.orig_h"]), int(z["id.orig_p"]), norm_ip(z["id.resp_h"]), int(z["id.resp_p"]))
        if z.get("ssl_history", "").startswith("^"):
            # Zeek saw the ClientHello come from the responder (WebRTC: who
            # sends the first STUN packet is not who runs the DTLS client)
            k = (k[2], k[3], k[0], k[1])
        if k not in tuples:
            continue  # a row from another trace of the same Zeek test
        lst = by_key.get(k, [])
        if used[k] >= len(lst):
            diff("zeek-ssl", k, "connection", "missing", "present")
            continue
        r = lst[used[k]]
        used[k] += 1
        compared += 1
        if not zeek_unset(z.get("version")):
            want = ZEEK_VERSIONS.get(z["version"])
            got = (r["tls"].get("version_protocol"), r["tls"].get("version"))
            if want is None:
                want = z["version"]
                got = r["tls"].get("version")
            if got != want:
                diff("zeek-ssl", k, "version", got, want)
        if not zeek_unset(z.get("cipher")):
            got = r["tls"].get("cipher")
            if got != z["cipher"]:
                diff("zeek-ssl", k, "cipher", got, z["cipher"])
        want_sni = None if zeek_unset(z.get("server_name")) else z["server_name"]
        if r["tls"]["client"].get("server_name") != want_sni:
            diff("zeek-ssl", k, "server_name", r["tls"]["client"].get("server_name"), want_sni)
        if z.get("resumed") in ("T", "F"):
            got = r["tls"]["resumed"]
            if got != (z["resumed"] == "T"):
                diff("zeek-ssl", k, "resumed", got, z["resumed"] == "T")
        if z.get("established") in ("T", "F"):
            got = r["tls"]["established"]
            if got != (z["established"] == "T"):
                diff("zeek-ssl", k, "established", got, z["established"] == "T")
        want_np = None if zeek_unset(z.get("next_protocol")) else z["next_protocol"]
        if r["tls"].get("next_protocol") != want_np:
            diff("zeek-ssl", k, "next_protocol", r["tls"].get("next_protocol"), want_np)
        if "cert_chain_fps" in z:
            want = [] if zeek_unset(z["cert_chain_fps"]) else z["cert_chain_fps"].split(",")
            got = [c.get("sha256") for c in r["tlsscope"]["chain"]]
            if got != want:
                diff("zeek-ssl", k, "cert_chain_fps", got, want)
    return compared


def compare_zeek_x509(ours, rows, diff):
    certs = {}
    for r in ours:
        for c in r["tlsscope"]["chain"] + r["tlsscope"].get("client_chain", []):
            if c.get("sha256"):
                certs[c["sha256"]] = c
    compared = 0
    for z in rows:
        fp = z.get("fingerprint")
        if zeek_unset(fp) or fp not in certs:
            continue
        c = certs[fp]
        compared += 1
        k = ("cert", fp[:16])
        if not zeek_unset(z.get("certificate.serial")):
            if c["serial"].upper().lstrip("0") != z["certificate.serial"].upper().lstrip("0"):
                diff("zeek-x509", k, "serial", c["serial"], z["certificate.serial"])
        if not zeek_unset(z.get("certificate.key_length")):
            if c["key"].get("bits") != int(z["certificate.key_length"]):
                diff("zeek-x509", k, "key_length", c["key"].get("bits"), int(z["certificate.key_length"]))
        if not zeek_unset(z.get("san.dns")):
            want = z["san.dns"].split(",")
            if c["san_dns"] != want:
                diff("zeek-x509", k, "san_dns", c["san_dns"], want)
        if not zeek_unset(z.get("san.ip")):
            want = [norm_ip(x) for x in z["san.ip"].split(",")]
            if c["san_ip"] != want:
                diff("zeek-x509", k, "san_ip", c["san_ip"], want)
        if z.get("basic_constraints.ca") in ("T", "F"):
            got = c.get("basic_constraints", {}).get("ca")
            if got != (z["basic_constraints.ca"] == "T"):
                diff("zeek-x509", k, "basic_constraints.ca", got, z["basic_constraints.ca"] == "T")
    return compared


# ---------------------------------------------------------------- Arkime

def compare_arkime(ours, path, diff):
    with open(path) as f:
        data = json.load(f)
    by_key = defaultdict(list)
    for r in ours:
        by_key[our_key(r)].append(r)
    compared = 0
    for sess in data.get("sessions3", []):
        b = sess.get("body", {})
        if "tls" not in b:
            continue
        protos = b.get("protocol", [])
        dtls = b.get("ipProtocol") == 17 and "dtls" in protos
        if not dtls and (b.get("ipProtocol") not in (6, None) or ("udp" in protos and "tcp" not in protos)):
            continue  # QUIC and other UDP sessions with a TLS handshake inside
        want_transport = "udp" if dtls else "tcp"
        k = (norm_ip(b["source"]["ip"]), int(b["source"]["port"]),
             norm_ip(b["destination"]["ip"]), int(b["destination"]["port"]))
        lst = by_key.get(k) or by_key.get((k[2], k[3], k[0], k[1]))
        lst = [r for r in lst or [] if r.get("network", {}).get("transport", "tcp") == want_transport]
        if not lst:
            diff("arkime", k, "dtls connection" if dtls else "connection", "missing", "present")
            continue
        r = lst[0]
        compared += 1
        t = b["tls"]
        if "cipher" in t:
            got = r["tls"].get("cipher")
            if [got] != t["cipher"]:
                diff("arkime", k, "cipher", got, t["cipher"])
        if "ja3" in t and [r["tls"]["client"].get("ja3")] != t["ja3"]:
            diff("arkime", k, "ja3", r["tls"]["client"].get("ja3"), t["ja3"])
        if "ja3s" in t and [r["tls"]["server"].get("ja3s")] != t["ja3s"]:
            diff("arkime", k, "ja3s", r["tls"]["server"].get("ja3s"), t["ja3s"])
        ours_by_sha1 = {c.get("sha1"): c for c in r["tlsscope"]["chain"] + r["tlsscope"].get("client_chain", [])}
        for ac in b.get("cert", []):
            sha1 = ac["hash"].replace(":", "")
            c = ours_by_sha1.get(sha1)
            ck = ("cert", sha1[:16])
            if c is None:
                diff("arkime", ck, "certificate", "missing", "present")
                continue
            if c["serial"].lstrip("0") != ac["serial"].lstrip("0"):
                diff("arkime", ck, "serial", c["serial"], ac["serial"])
            if "alt" in ac and sorted(x.lower() for x in c["san_dns"]) != sorted(ac["alt"]):
                diff("arkime", ck, "alt", c["san_dns"], ac["alt"])
            for fld, ours_f in (("notBefore", "not_before"), ("notAfter", "not_after")):
                if fld in ac:
                    import datetime
                    got = int(datetime.datetime.strptime(c[ours_f], "%Y-%m-%dT%H:%M:%SZ")
                              .replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
                    if got != ac[fld]:
                        diff("arkime", ck, fld, got, ac[fld])
    return compared


# ---------------------------------------------------------------- main

def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    tlsscope, corpus = sys.argv[1], sys.argv[2]
    verbose = "--verbose" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None

    known = {}
    kd = os.path.join(corpus, "KNOWN-DIFFERENCES.tsv")
    if os.path.exists(kd):
        with open(kd) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 5:
                    print("KNOWN-DIFFERENCES.tsv: bad line: %r" % line)
                    return 2
                known[tuple(parts[:4])] = parts[4]
    seen_known = set()

    unexpected = []
    stats = defaultdict(int)
    with open(os.path.join(corpus, "INDEX.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        cap = row["path"]
        if only and only not in cap:
            continue
        path = os.path.join(corpus, cap)
        if cap.endswith(".gz"):
            # tlsscope reads gzip-compressed captures itself; check that too
            pass
        ours, problems = run_tlsscope(tlsscope, path)
        stats["captures"] += 1
        stats["connections"] += len(ours)
        for p in problems:
            unexpected.append((cap, "run", "-", "clean read", p))

        def diff(source, k, field, got, want, cap=cap):
            conn = conn_str(k) if len(k) == 4 else "%s:%s" % k
            entry = (cap, source, conn, field)
            wild = (cap, source, "*", field)
            if entry in known:
                seen_known.add(entry)
            elif wild in known:
                seen_known.add(wild)
            else:
                unexpected.append((cap, source, conn, field, "tlsscope %r, expected %r" % (got, want)))

        if row["oracle_file"]:
            oracle = load_oracle(os.path.join(corpus, row["oracle_file"]))
            stats["tshark connections compared"] += compare_oracle(ours, oracle, diff)
            tuples = set(s["key"] for s in oracle) | set(
                (s["endpoints"][0], s["endpoints"][1], s["endpoints"][2], s["endpoints"][3]) for s in oracle)
        else:
            tuples = set()
        tuples |= set(our_key(r) for r in ours)
        for e in row["expected_outputs"].split(";"):
            e = e.strip().split(" (")[0]
            if not e:
                continue
            full = os.path.join(corpus, e)
            if e.endswith(".test") and os.path.exists(full):
                stats["arkime sessions compared"] += compare_arkime(ours, full, diff)
            elif os.path.isdir(full):
                for name in sorted(os.listdir(full)):
                    if name.startswith("ssl") and name.endswith(".log"):
                        stats["zeek ssl.log rows compared"] += compare_zeek_ssl(
                            ours, read_zeek_log(os.path.join(full, name)), tuples, diff)
                    elif name.startswith("x509") and name.endswith(".log"):
                        stats["zeek x509.log rows compared"] += compare_zeek_x509(
                            ours, read_zeek_log(os.path.join(full, name)), diff)
        if verbose:
            print("%-80s %3d connections" % (cap, len(ours)))

    stale = [k for k in known if k not in seen_known and (not only or only in k[0])]
    for k, v in sorted(stats.items()):
        print("%s: %d" % (k, v))
    print("known differences (documented): %d" % len(seen_known))
    if unexpected:
        print("\n%d unexpected difference(s):" % len(unexpected))
        for u in unexpected:
            print("  %s\t%s\t%s\t%s\t%s" % u)
    if stale:
        print("\n%d documented difference(s) no longer seen (remove them from KNOWN-DIFFERENCES.tsv):" % len(stale))
        for s in stale:
            print("  " + "\t".join(s))
    return 1 if unexpected or stale else 0


if __name__ == "__main__":
    sys.exit(main())
