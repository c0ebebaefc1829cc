"""Check tlsscope's client verdicts (mutual TLS) against pcaps/mtls-expected.tsv.

Usage: mtls_check.py TLSSCOPE PCAPS_DIR

Each row names a connection by capture and client port and gives what the
client sent, whether an issuer of its chain is in the server's CA list, the
server's verdict (status, OpenSSL code and depth as s_server logged them) and
the alert the server sent. tlsscope runs with --client-trust test-store.pem,
the store the servers verified with. The code of an empty Certificate is
tlsscope's own 1001 (OpenSSL has no X509_V_ERR for it; the row says "-").
"""
import csv
import json
import os
import subprocess
import sys

NO_CLIENT_CERT = 1001
ALERTS = {"40": "handshake_failure", "43": "unsupported_certificate", "48": "unknown_ca"}


def main():
    tlsscope, pcaps = sys.argv[1], sys.argv[2]
    rows = {}
    with open(pcaps + "/mtls-expected.tsv") as f:
        lines = [l for l in f if not l.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        rows.setdefault(row["capture"], []).append(row)
    failures = 0
    checked = 0

    def fail(msg):
        nonlocal failures
        failures += 1
        print("FAIL " + msg)

    for cap, want in rows.items():
        cmd = [tlsscope, "--json", "--trust", pcaps + "/test-store.pem",
               "--client-trust", pcaps + "/test-store.pem", "-r", pcaps + "/" + cap]
        keys = pcaps + "/" + cap.rsplit(".", 1)[0] + ".keys"
        if os.path.exists(keys):
            cmd += ["--keylog", keys]  # TLS 1.3: decrypt the handshake
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        conns = {}
        for line in p.stdout.splitlines():
            o = json.loads(line)
            conns[o["source"]["port"]] = o
        any_failed = False
        for w in want:
            port = int(w["client_port"])
            o = conns.get(port)
            if o is None:
                fail("%s: no connection from client port %d" % (cap, port))
                continue
            t = o["tlsscope"]
            if o["tls"].get("version") == "1.3" or cap.endswith("tls13.pcap"):
                # TLS 1.3: CertificateRequest and the client's Certificate are
                # encrypted; with the capture's key log they decrypt and are
                # judged like TLS 1.2 (the server's alert stays encrypted).
                if "client_verdict" in t:
                    v = t["client_verdict"]
                    if v["code"] != int(w["code"]) or v["depth"] != int(w["depth"]):
                        fail("%s:%d TLS 1.3 client verdict %s@%s, want %s@%s" %
                             (cap, port, v["code"], v["depth"], w["code"], w["depth"]))
                    any_failed |= v["status"] == "failed"
                else:
                    fail("%s:%d: TLS 1.3 decrypted with the key log, but no client verdict" % (cap, port))
                checked += 1
                continue
            ca, v = t.get("client_auth"), t.get("client_verdict")
            if ca is None or v is None:
                fail("%s:%d: no client_auth/client_verdict" % (cap, port))
                continue
            checked += 1
            if ca["client_sent"] != w["client_sent"]:
                fail("%s:%d client_sent %s, want %s" % (cap, port, ca["client_sent"], w["client_sent"]))
            if ca["ca_list"] != w["ca_list"]:
                fail("%s:%d ca_list %s, want %s" % (cap, port, ca["ca_list"], w["ca_list"]))
            if v["status"] != w["status"]:
                fail("%s:%d status %s, want %s" % (cap, port, v["status"], w["status"]))
            want_code = NO_CLIENT_CERT if w["client_sent"] == "empty" else (
                None if w["code"] == "-" else int(w["code"]))
            want_depth = 0 if w["client_sent"] == "empty" else (
                None if w["depth"] == "-" else int(w["depth"]))
            if w["status"] == "trusted":
                want_code, want_depth = 0, None
            if v["code"] != want_code or v["depth"] != want_depth:
                fail("%s:%d code@depth %s@%s, want %s@%s" %
                     (cap, port, v["code"], v["depth"], want_code, want_depth))
            want_alert = ALERTS.get(w["server_alert"])
            if v["predicted_alert"] != want_alert:
                fail("%s:%d predicted alert %s, want %s" % (cap, port, v["predicted_alert"], want_alert))
            if v["observed_alert"] != want_alert:
                fail("%s:%d observed alert %s, want %s" % (cap, port, v["observed_alert"], want_alert))
            if v["agrees"] is not True:
                fail("%s:%d agrees %s, want true" % (cap, port, v["agrees"]))
            if w["status"] == "failed" and not v["advice"]:
                fail("%s:%d: a failed client verdict without advice" % (cap, port))
            any_failed |= v["status"] == "failed"
        want_rc = 1 if any_failed else 0
        if p.returncode != want_rc:
            fail("%s: exit status %d, want %d" % (cap, p.returncode, want_rc))
        # Without --client-trust: the request, the CA list check and the
        # empty Certificate are still reported; nothing else is judged.
        p2 = subprocess.run(cmd[:4] + cmd[6:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in p2.stdout.splitlines():
            o = json.loads(line)
            t = o["tlsscope"]
            w = [r for r in want if int(r["client_port"]) == o["source"]["port"]]
            if not w or "client_verdict" not in t:
                continue
            w, v = w[0], t["client_verdict"]
            if t["client_auth"]["ca_list"] != w["ca_list"]:
                fail("%s:%d without --client-trust: ca_list %s, want %s" %
                     (cap, o["source"]["port"], t["client_auth"]["ca_list"], w["ca_list"]))
            want_status = "failed" if w["client_sent"] == "empty" else "not_judged"
            if v["status"] != want_status:
                fail("%s:%d without --client-trust: status %s, want %s" %
                     (cap, o["source"]["port"], v["status"], want_status))
    if checked != sum(len(w) for w in rows.values()):
        fail("checked %d of %d rows" % (checked, sum(len(w) for w in rows.values())))
    print("%d mTLS connections checked, %d failures" % (checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
