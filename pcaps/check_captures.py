#!/usr/bin/env python3
"""Check pcaps/expected.tsv against the captures (helper of check-captures.sh).

Independent of tlsscope: the wire facts come from tshark, the verdicts from
`openssl verify` (if installed) on the certificates tshark extracted, judged
at the capture time of the Certificate message, plus the Expressway (ATS)
name rule of VERIFY-SPEC.md implemented here. Python 3 standard library only.
"""
import csv
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
          40: "handshake_failure", 42: "bad_certificate",
          43: "unsupported_certificate", 44: "certificate_revoked",
          45: "certificate_expired", 46: "certificate_unknown",
          47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
          50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
          80: "internal_error", 90: "user_canceled", 112: "unrecognized_name",
          116: "certificate_required", 120: "no_application_protocol"}

# Link types (pcap LINKTYPE_*) the captures must have.
LINKTYPE = {"tls12-any-sll2.pcap": 276, "tls12-any-sll.pcap": 113}
LINKTYPE_DEFAULT = 1  # Ethernet (loopback as captured by tcpdump -i lo)

FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src",
          "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
          "tls.handshake.type", "tls.handshake.extensions_server_name",
          "tls.handshake.ciphersuite", "tls.handshake.version",
          "tls.handshake.extensions.supported_version",
          "tls.handshake.certificate", "tls.alert_message.desc",
          # DTLS (UDP): the same facts under dtls.*; tshark 4.0 has no DTLS
          # supported_versions field (no DTLS 1.3 here)
          "udp.srcport", "udp.dstport", "dtls.handshake.type",
          "dtls.handshake.extensions_server_name", "dtls.handshake.ciphersuite",
          "dtls.handshake.version", "dtls.handshake.certificate",
          "dtls.alert_message.desc", "dtls.handshake.cookie_length"]

# 1.1.1 texts per VERIFY-SPEC (Expressway logs these)
REASON = {0: "ok", 2: "unable to get issuer certificate",
          9: "certificate is not yet valid", 10: "certificate has expired",
          18: "self signed certificate",
          19: "self signed certificate in certificate chain",
          20: "unable to get local issuer certificate",
          22: "certificate chain too long", 47: "permitted subtree violation"}


# ---------------------------------------------------------------- DER bits
def der_tlv(b, i):
    tag = b[i]
    n = b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n


def der_items(b, start, end):
    i = start
    while i < end:
        tag, s, e = der_tlv(b, i)
        yield tag, s, e
        i = e


def cert_names(der):
    """(first subject CN or None, [dNSName SANs])"""
    _, s, e = der_tlv(der, 0)                      # Certificate
    _, ts, te = next(der_items(der, s, e))          # tbsCertificate
    items = list(der_items(der, ts, te))
    if items[0][0] == 0xA0:                         # [0] version
        items = items[1:]
    subj = items[4]                                 # serial sig issuer validity SUBJECT
    cn = None
    for _, ss, se in der_items(der, subj[1], subj[2]):          # SET
        for _, as_, ae in der_items(der, ss, se):                # AttributeTypeAndValue
            (ot, os_, oe), (vt, vs, ve) = list(der_items(der, as_, ae))[:2]
            if cn is None and der[os_:oe] == b"\x55\x04\x03":
                cn = der[vs:ve].decode("utf-16-be" if vt == 0x1E else "utf-8")
    sans = []
    for tag, xs, xe in items[6:]:
        if tag != 0xA3:
            continue
        _, ls, le = der_tlv(der, xs)                 # SEQUENCE OF Extension
        for _, es, ee in der_items(der, ls, le):
            parts = list(der_items(der, es, ee))
            if der[parts[0][1]:parts[0][2]] != b"\x55\x1d\x11":
                continue
            _, gs, ge = der_tlv(der, parts[-1][1])   # OCTET STRING -> GeneralNames
            for gt, vs, ve in der_items(der, gs, ge):
                if gt == 0x82:
                    sans.append(der[vs:ve].decode("ascii"))
    return cn, sans


def pem(der):
    import base64
    b = base64.encodebytes(der).decode().replace("\n", "")
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(
        b[i:i + 64] for i in range(0, len(b), 64)) + "\n-----END CERTIFICATE-----\n"


# ------------------------------------------------- Expressway (ATS) name rule
LABEL = re.compile(r"^[A-Za-z0-9-]+$")


def ats_match(name, pattern):
    name, pattern = name.lower(), pattern.lower()
    if "*" not in pattern:
        return name == pattern
    pl, nl = pattern.split("."), name.split(".")
    if pattern.count("*") != 1 or "*" not in pl[0] or len(pl) < 3:
        return False
    first = pl[0]
    if not (first.startswith("*") or first.endswith("*")):
        return False
    if len(nl) != len(pl) or nl[1:] != pl[1:]:
        return False
    pre, suf = first.split("*")
    lab = nl[0]
    if not (lab.startswith(pre) and lab.endswith(suf)) or len(lab) <= len(pre) + len(suf):
        return False
    return bool(LABEL.match(lab[len(pre):len(lab) - len(suf)]))


def ats_name_ok(name, cn, sans):
    if any(ats_match(name, s) for s in sans):
        return True
    return cn is not None and ats_match(name, cn)


# ------------------------------------------------------------------ capture
def linktype(path):
    with open(path, "rb") as f:
        head = f.read(64)
    magic = head[:4]
    if magic == b"\x0a\x0d\x0d\x0a":               # pcapng: SHB then IDB
        bo = "<" if head[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        shb_len = struct.unpack(bo + "I", head[4:8])[0]
        with open(path, "rb") as f:
            f.seek(shb_len)
            idb = f.read(12)
        assert struct.unpack(bo + "I", idb[:4])[0] == 1, "no IDB after SHB"
        return struct.unpack(bo + "H", idb[8:10])[0]
    for bo in "<>":
        m = struct.unpack(bo + "I", magic)[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            return struct.unpack(bo + "I", head[20:24])[0] & 0x0FFFFFFF
    raise ValueError("not a pcap/pcapng file")


def tshark(path, ports):
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.desegment_tcp_streams:TRUE"]
    for p in sorted(ports):
        cmd += ["-d", "tcp.port==%s,tls" % p, "-d", "udp.port==%s,dtls" % p]
    cmd += ["-Y", "tls or dtls", "-T", "fields", "-E", "separator=/t",
            "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, check=True).stdout
    frames = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        if v["udp.srcport"]:
            # DTLS: fold the dtls.* fields into the tls.* names observe() reads
            for k in list(v):
                if k.startswith("dtls."):
                    v["tls." + k[5:]] = v[k]
            v["tcp.srcport"], v["tcp.dstport"] = v["udp.srcport"], v["udp.dstport"]
            v["dtls"] = True
        frames.append(v)
    return frames


def split(v):
    return [x for x in v.split(",") if x] if v else []


def observe(frames, rows):
    """Group frames by expected connection (client port); return facts."""
    by_port = {r["client_port"]: r for r in rows}
    facts = {}
    order = []
    for f in frames:
        src = f["ip.src"] or f["ipv6.src"]
        dst = f["ip.dst"] or f["ipv6.dst"]
        sp, dp = f["tcp.srcport"], f["tcp.dstport"]
        if sp in by_port and by_port[sp]["server_port"] == dp:
            port, from_client = sp, True
        elif dp in by_port and by_port[dp]["server_port"] == sp:
            port, from_client = dp, False
        else:
            raise ValueError("frame %s: TLS between %s:%s and %s:%s is not in expected.tsv"
                             % (f["frame.number"], src, sp, dst, dp))
        c = facts.setdefault(port, {"sni": None, "client_hello": 0, "cipher": None,
                                    "version": None, "certs": None, "cert_time": None,
                                    "alert": None, "client_ip": None, "server_ip": None})
        types = split(f["tls.handshake.type"])
        if from_client:
            c["client_ip"], c["server_ip"] = src, dst
            # a DTLS ClientHello is counted once: not its fragments (no
            # cookie_length shown) nor its repetition with the cookie of the
            # HelloVerifyRequest (RFC 6347 4.2.1)
            if "1" in types and (not f.get("dtls") or f["dtls.handshake.cookie_length"] == "0"):
                c["client_hello"] += 1
                if port not in order:
                    order.append(port)
                c["sni"] = f["tls.handshake.extensions_server_name"] or "-"
            alerts = split(f["tls.alert_message.desc"])
            if alerts and c["alert"] is None:
                c["alert"] = ALERTS.get(int(alerts[0]), alerts[0])
        else:
            if "2" in types:
                c["cipher"] = split(f["tls.handshake.ciphersuite"])[0]
                sv = split(f["tls.handshake.extensions.supported_version"])
                v = sv[0] if sv else split(f["tls.handshake.version"])[0]
                c["version"] = {"0x0303": "1.2", "0x0304": "1.3", "0xfefd": "dtls1.2"}.get(v, v)
            certs = split(f["tls.handshake.certificate"])
            if certs:
                if c["certs"] is not None:
                    raise ValueError("connection %s: two Certificate messages" % port)
                c["certs"] = [bytes.fromhex(x.replace(":", "")) for x in certs]
                c["cert_time"] = int(float(f["frame.time_epoch"]))
    return facts, order


# ------------------------------------------------------------ openssl verify
def ossl_verify(store, chain, when, name=None, ip=None):
    """First error of `openssl verify`: (code, depth) or (0, None)."""
    with tempfile.TemporaryDirectory(prefix="tlsscope-chk.") as d:
        leaf = os.path.join(d, "leaf.pem")
        with open(leaf, "w") as f:
            f.write(pem(chain[0]))
        cmd = ["openssl", "verify", "-attime", str(when), "-purpose", "sslserver",
               "-no-CApath", "-no-CAstore", "-CAfile", store]
        if len(chain) > 1:
            rest = os.path.join(d, "rest.pem")
            with open(rest, "w") as f:
                f.write("".join(pem(c) for c in chain[1:]))
            cmd += ["-untrusted", rest]
        if name:
            cmd += ["-verify_hostname", name]
        if ip:
            cmd += ["-verify_ip", ip]
        r = subprocess.run(cmd + [leaf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    m = re.search(r"error (\d+) at (\d+) depth lookup", r.stdout)
    if m:
        return int(m.group(1)), int(m.group(2))
    if r.returncode == 0 and r.stdout.rstrip().endswith(": OK"):
        return 0, None
    raise RuntimeError("openssl verify: " + r.stdout)


def is_ip(s):
    return ":" in s or re.match(r"^\d+\.\d+\.\d+\.\d+$", s) is not None


# ------------------------------------------------------------ mutual TLS
def check_mtls(here, fail):
    """pcaps/mtls-expected.tsv (make-mtls-captures.sh): on the wire, the TLS
    1.2 server sent CertificateRequest, the client a Certificate with or
    without certificates, and the server the alert the row names (TLS 1.3:
    all of it is encrypted, only the count of connections is checked).
    Returns the captures it covers."""
    path = os.path.join(here, "mtls-expected.tsv")
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        rows = list(csv.DictReader([l for l in f if not l.startswith("#")], delimiter="\t"))
    caps = {r["capture"] for r in rows}
    for cap in sorted(caps):
        crow = [r for r in rows if r["capture"] == cap]
        cmd = ["tshark", "-n", "-r", os.path.join(here, cap), "-o", "tcp.desegment_tcp_streams:TRUE"]
        for r in crow:
            cmd += ["-d", "tcp.port==%s,tls" % r["server_port"]]
        cmd += ["-Y", "tls", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
                "-E", "aggregator=,", "-e", "tcp.srcport", "-e", "tcp.dstport",
                "-e", "tls.handshake.type", "-e", "tls.handshake.certificates_length",
                "-e", "tls.alert_message.desc"]
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             check=True).stdout
        seen = {}
        for line in out.splitlines():
            sport, dport, types, clen, alert = (line.split("\t") + [""] * 5)[:5]
            for r in crow:
                if sport == r["server_port"] and dport == r["client_port"]:
                    d = seen.setdefault(r["client_port"], {"creq": False, "alert": "-", "clen": None})
                    d["creq"] |= "13" in split(types)
                    if alert and d["alert"] == "-":
                        d["alert"] = split(alert)[0]
                elif sport == r["client_port"] and dport == r["server_port"]:
                    d = seen.setdefault(r["client_port"], {"creq": False, "alert": "-", "clen": None})
                    if "11" in split(types) and d["clen"] is None:
                        d["clen"] = int(split(clen)[0])
        for r in crow:
            where = "%s client port %s" % (cap, r["client_port"])
            d = seen.get(r["client_port"])
            if d is None:
                fail(where, "connection not found")
                continue
            if "tls13" in cap:
                continue  # CertificateRequest, Certificate and alert are encrypted
            if not d["creq"]:
                fail(where, "no CertificateRequest from the server")
            want_empty = r["client_sent"] == "empty"
            if d["clen"] is None or (d["clen"] == 0) != want_empty:
                fail(where, "client Certificate length %s, expected %s" %
                     (d["clen"], "0" if want_empty else "> 0"))
            if d["alert"] != r["server_alert"]:
                fail(where, "server alert %s, expected %s" % (d["alert"], r["server_alert"]))
    return caps


# ------------------------------------------------------------ OCSP stapling
def check_ocsp(here, fail):
    """pcaps/ocsp-expected.tsv (make-ocsp-captures.sh): each TLS 1.2 server
    sent a CertificateStatus (handshake type 22) with the cert status the row
    names, as tshark reads it (TLS 1.3: inside the encrypted Certificate; the
    test t_ocsp.sh reads it with the key log). Returns the captures it covers."""
    path = os.path.join(here, "ocsp-expected.tsv")
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        rows = list(csv.DictReader([l for l in f if not l.startswith("#")], delimiter="\t"))
    caps = {r["capture"] for r in rows}
    names = {"0": "good", "1": "revoked", "2": "unknown"}
    for cap in sorted(caps):
        crow = [r for r in rows if r["capture"] == cap]
        cmd = ["tshark", "-n", "-r", os.path.join(here, cap)]
        for r in crow:
            cmd += ["-d", "tcp.port==%s,tls" % r["server_port"]]
        cmd += ["-Y", "tls.handshake.type == 22", "-T", "fields", "-E", "separator=/t",
                "-e", "tcp.dstport", "-e", "ocsp.certStatus"]
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             check=True).stdout
        seen = dict((line.split("\t") + [""])[:2] for line in out.splitlines())
        for r in crow:
            where = "%s client port %s" % (cap, r["client_port"])
            if r["tls"] == "1.3":
                if r["client_port"] in seen:
                    fail(where, "a plaintext CertificateStatus in TLS 1.3")
                continue
            if names.get(seen.get(r["client_port"])) != r["cert_status"]:
                fail(where, "CertificateStatus %r, expected %s" % (seen.get(r["client_port"]),
                                                                 r["cert_status"]))
    return caps


# --------------------------------------------------------------------- main
def main():
    here = sys.argv[1]
    verbose = "-v" in sys.argv[2:]
    have_openssl = shutil.which("openssl") is not None
    with open(os.path.join(here, "expected.tsv")) as f:
        lines = [l for l in f if not l.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    caps = []
    for r in rows:
        if r["capture"] not in caps:
            caps.append(r["capture"])
    on_disk = sorted(x for x in os.listdir(here) if x.endswith((".pcap", ".pcapng")))
    bad = []

    def fail(where, what):
        bad.append("%s: %s" % (where, what))

    mtls_caps = check_mtls(here, fail)
    ocsp_caps = check_ocsp(here, fail)
    for x in on_disk:
        if x not in caps and x not in mtls_caps and x not in ocsp_caps:
            fail(x, "capture has no rows in expected.tsv")

    def work(cap):
        crow = [r for r in rows if r["capture"] == cap]
        path = os.path.join(here, cap)
        if not os.path.exists(path):
            return cap, crow, None, None, "missing file"
        try:
            lt = linktype(path)
            frames = tshark(path, {r["server_port"] for r in crow})
            return cap, crow, lt, observe(frames, crow), None
        except (ValueError, subprocess.CalledProcessError, AssertionError) as e:
            return cap, crow, None, None, str(e)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
        results = list(ex.map(work, caps))

    nconn = 0
    pending = []
    vpool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    for cap, crow, lt, obs, err in results:
        if err:
            fail(cap, err)
            continue
        want_lt = LINKTYPE.get(cap, LINKTYPE_DEFAULT)
        if lt != want_lt:
            fail(cap, "link type %s, expected %s" % (lt, want_lt))
        facts, order = obs
        want_order = [r["client_port"] for r in crow]
        if order != want_order:
            fail(cap, "ClientHello order %s, expected %s" % (order, want_order))
        for r in crow:
            nconn += 1
            where = "%s client port %s" % (cap, r["client_port"])
            c = facts.get(r["client_port"])
            if c is None:
                fail(where, "connection not found")
                continue
            certs = c["certs"] or []
            got = {
                "client_ip": c["client_ip"], "server_ip": c["server_ip"],
                "sni": c["sni"], "version": c["version"], "cipher_id": c["cipher"],
                "certs": str(len(certs)) if certs else "-",
                "leaf_cn": (cert_names(certs[0])[0] or "-") if certs else "-",
                "client_alert": c["alert"] or "-",
            }
            if c["client_hello"] != 1:
                fail(where, "%d ClientHellos" % c["client_hello"])
            for k, v in got.items():
                if v != r[k]:
                    fail(where, "%s is %r, expected %r" % (k, v, r[k]))
            # Verdict columns, re-derived from the certificates themselves.
            if r["status"] == "not_judged":
                if certs:
                    fail(where, "not_judged but the chain is visible")
                continue
            if not certs:
                fail(where, "judged connection without a visible chain")
                continue
            name = r["sni"] if r["sni"] != "-" else r["server_ip"]
            cn, sans = cert_names(certs[0])
            name_ok = ats_name_ok(name, cn, sans)
            if have_openssl:
                store = os.path.join(here, r["store"])
                chain_job = vpool.submit(ossl_verify, store, certs, c["cert_time"])
                name_job = vpool.submit(ossl_verify, store, certs, c["cert_time"],
                                        None if is_ip(name) else name,
                                        name if is_ip(name) else None)
                pending.append((where, r, name, name_ok, chain_job, name_job))
            else:
                name_fail = r["reason"].startswith("SNI (")
                if (r["status"] == "trusted" and not name_ok) or (name_fail and name_ok):
                    fail(where, "expressway name rule disagrees with expected.tsv")

    for where, r, name, name_ok, chain_job, name_job in pending:
        code, depth = chain_job.result()
        rfc = name_job.result()[0]
        if str(rfc) != r["rfc_code"]:
            fail(where, "openssl verify (with name) says %s, rfc_code %s" % (rfc, r["rfc_code"]))
        if code == 0 and name_ok:
            v = ("trusted", "0", "-", "ok")
        elif code == 0:
            v = ("failed", "-", "0", "SNI (%s) not in certificate" % name)
        else:
            v = ("failed", str(code), str(depth), REASON.get(code, "?"))
        exp = (r["status"], r["code"], r["depth"], r["reason"])
        if v != exp:
            fail(where, "verdict %s, expected.tsv says %s" % (v, exp))
        elif verbose:
            print("ok  %-40s %5s %-20s %s %s" % (r["capture"], r["client_port"], r["sni"],
                                                 r["status"], r["reason"]))
    vpool.shutdown()

    for b in bad:
        print("FAIL " + b)
    print("%s: %d captures, %d TLS connections checked%s" % (
        "FAILED" if bad else "OK", len(caps), nconn,
        "" if have_openssl else " (openssl not found: verdict columns not re-derived)"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
