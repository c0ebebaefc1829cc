#!/usr/bin/env python3
"""Oracle check of issue 16's fields on pcaps/ocsp-staple.pcap (see t_ocsp.sh).

For every row of pcaps/ocsp-expected.tsv (made by pcaps/make-ocsp-captures.sh
from `openssl ocsp -resp_text`), the connection with that client port must
carry tlsscope.ocsp_staple with the same status, reason and times, sent the
way its TLS version sends it (1.2 CertificateStatus, 1.3 CertificateEntry,
read with the key log). tshark, when installed, reads the same fields from
the capture (with the key log), so the capture really carries them. Every
certificate in the chains must list the extensions `openssl x509 -text`
lists, in order, with the same criticality, and the leaf's AIA / CRL DP /
policy texts must be the ones openssl prints."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import datetime

tlsscope, src = sys.argv[1], sys.argv[2]
pcaps = os.path.join(src, "pcaps")
cap = os.path.join(pcaps, "ocsp-staple.pcap")
keys = os.path.join(pcaps, "ocsp-staple.keys")
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)


with open(os.path.join(pcaps, "ocsp-expected.tsv")) as f:
    rows = list(csv.DictReader([l for l in f if not l.startswith("#")], delimiter="\t"))
check(len(rows) == 3, "ocsp-expected.tsv has %d rows, want 3" % len(rows))

out = subprocess.run([tlsscope, "-b", "--json", "--trust", os.path.join(pcaps, "test-store.pem"),
                      "--keylog", keys, "-r", cap], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
check(len(out.stdout.splitlines()) == 3, "want 3 JSON lines")
check(out.returncode == 0, "tlsscope exit %d: %s" % (out.returncode, out.stderr))
conns = {}
for line in out.stdout.splitlines():
    d = json.loads(line)
    conns[str(d["source"]["port"])] = d

for r in rows:
    where = "client port %s" % r["client_port"]
    d = conns.get(r["client_port"])
    check(d is not None, where + ": connection not in the JSON")
    if d is None:
        continue
    st = d["tlsscope"].get("ocsp_staple")
    check(st is not None, where + ": no ocsp_staple")
    if st is None:
        continue
    want_in = "certificate_entry" if r["tls"] == "1.3" else "certificate_status"
    check(st.get("sent_in") == want_in, where + ": sent_in %r, want %r" % (st.get("sent_in"), want_in))
    check(st.get("response_status") == "successful", where + ": response_status %r" % st.get("response_status"))
    check(st.get("produced_at") == r["produced_at"], where + ": produced_at %r, want %r" % (st.get("produced_at"), r["produced_at"]))
    check(st.get("responder") == "O=tlsscope test PKI, CN=tlsscope Test Intermediate CA 1",
          where + ": responder %r" % st.get("responder"))
    leaf = [x for x in st.get("responses", []) if x.get("leaf")]
    check(len(leaf) == 1, where + ": %d responses about the leaf, want 1" % len(leaf))
    if not leaf:
        continue
    x = leaf[0]
    check(x["cert_status"] == r["cert_status"], where + ": cert_status %r, want %r" % (x["cert_status"], r["cert_status"]))
    check(x.get("reason", "-") == r["reason"], where + ": reason %r, want %r" % (x.get("reason"), r["reason"]))
    check(x["this_update"] == r["this_update"], where + ": this_update %r" % x["this_update"])
    check(x.get("next_update") == r["next_update"], where + ": next_update %r" % x.get("next_update"))
    check(x["serial"] == d["tlsscope"]["chain"][0]["serial"], where + ": serial %r is not the leaf's" % x["serial"])

# tshark's reading of the same bytes
if shutil.which("tshark"):
    cmd = ["tshark", "-n", "-r", cap, "-o", "tls.keylog_file:" + keys]
    for r in rows:
        cmd += ["-d", "tcp.port==%s,tls" % r["server_port"]]
    cmd += ["-Y", "ocsp", "-T", "fields", "-E", "separator=/t", "-e", "tcp.dstport",
            "-e", "ocsp.certStatus", "-e", "ocsp.producedAt", "-e", "ocsp.nextUpdate"]
    t = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    seen = {}
    for line in t.splitlines():
        port, status, produced, nxt = (line.split("\t") + [""] * 4)[:4]
        seen[port] = (status, produced, nxt)

    def iso(s):  # "Dec  7, 2026 14:16:59.000000000 UTC"
        s = re.sub(r"\.\d+ UTC$", "", s.strip())
        return datetime.datetime.strptime(s, "%b %d, %Y %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")
    names = {"0": "good", "1": "revoked", "2": "unknown"}
    for r in rows:
        where = "tshark, client port %s" % r["client_port"]
        s = seen.get(r["client_port"])
        check(s is not None, where + ": no OCSP response on the wire")
        if s:
            check(names.get(s[0]) == r["cert_status"], where + ": certStatus %r" % s[0])
            check(iso(s[1]) == r["produced_at"], where + ": producedAt %r" % s[1])
            check(iso(s[2]) == r["next_update"], where + ": nextUpdate %r" % s[2])

# every certificate's extensions as `openssl x509 -text` lists them
def openssl_exts(pem):
    t = subprocess.run(["openssl", "x509", "-noout", "-text"], input=pem, stdout=subprocess.PIPE,
                       text=True, check=True).stdout
    sec = t.split("X509v3 extensions:\n", 1)
    exts = []
    if len(sec) == 2:
        for line in sec[1].splitlines():
            m = re.match(r"^ {12}(\S.*?):( critical)?\s*$", line)
            if m:
                exts.append((m.group(1), bool(m.group(2))))
            elif re.match(r"^ {4}\S", line):
                break
    return exts, t

if shutil.which("openssl"):
    pem_out = subprocess.run([tlsscope, "-b", "--json", "--pem", "--trust",
                              os.path.join(pcaps, "test-store.pem"), "--keylog", keys, "-r", cap],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    for line in pem_out.splitlines():
        d = json.loads(line)
        for i, c in enumerate(d["tlsscope"]["chain"]):
            where = "port %s chain[%d]" % (d["source"]["port"], i)
            want, text = openssl_exts(c["pem"])
            got = [(e.get("name", e["oid"]), e["critical"]) for e in c.get("extensions", [])]
            check(got == want, where + ": extensions %r, openssl lists %r" % (got, want))
            if i == 0:
                for key, lst in (("ocsp", c["authority_info_access"]["ocsp"]),
                                 ("ca_issuers", c["authority_info_access"]["ca_issuers"]),
                                 ("crl", c["crl_distribution_points"])):
                    for v in lst:
                        check(v in text, where + ": %s %r not in openssl's text" % (key, v))
                for p in c["certificate_policies"]:
                    check("Policy: " + p["oid"] in text, where + ": policy %s not in openssl's text" % p["oid"])
                    for u in p.get("cps", []):
                        check("CPS: " + u in text, where + ": CPS %r" % u)

for f in failures:
    print("FAIL: " + f)
print("%d checks, %d failed" % (checks, len(failures)))
sys.exit(1 if failures else 0)
