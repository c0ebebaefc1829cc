#!/bin/sh
# Link layers seen on real networks (issue #15): the real TLS 1.2 handshake
# of pcaps/tls12-rsa.pcap behind Cisco MetaData/TrustSec SGT, VN-Tag,
# 802.1BR E-Tag, 802.1ah PBB, NSH, an MPLS pseudowire with control word and
# ERSPAN I/II/III (tests/captures/encap/, made by make-encap.sh there).
# Each must give exactly the original connection with no packet skipped,
# and agree with tshark's reading.
set -eu
d="$TLSSCOPE_SRC/tests/captures/encap"
python3 - "$TLSSCOPE" "$d" <<'PY'
import json, subprocess, sys
tlsscope, d = sys.argv[1], sys.argv[2]
want = [("192.0.2.10", 40001, "192.0.2.20", 443, "rsa.test.lab", "1.2",
         "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "CN=rsa.test.lab")]
bad = 0
for m in ["sgt", "vntag", "etag", "pbb", "nsh", "mpls-cw", "erspan1", "erspan2", "erspan3"]:
    p = subprocess.run([tlsscope, "-b", "--json", "-r", "%s/%s.pcap" % (d, m)],
                       capture_output=True, timeout=60)
    got = []
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        got.append((r["source"]["ip"], r["source"]["port"], r["destination"]["ip"],
                    r["destination"]["port"], r["tls"]["client"].get("server_name"),
                    r["tls"].get("version"), r["tls"].get("cipher"),
                    r["tls"]["server"].get("subject", "").split(", ")[-1]))
    err = p.stderr.decode()
    skipped = "skipped packets: 0 non-IP, 0 IP fragments, 0 other IP protocols, 0 truncated, 0 malformed." in err
    if p.returncode != 0 or got != want or not skipped:
        bad += 1
        print("%s: exit %d, got %r, nothing skipped: %s\n%s" % (m, p.returncode, got, skipped, err))
print("encap: %d of 9 captures wrong" % bad)
sys.exit(1 if bad else 0)
PY
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed (the exact checks passed)"; exit 0; }
python3 "$TLSSCOPE_SRC/tests/pcaps_tshark_check.py" "$TLSSCOPE" "$d/sgt.pcap" "$d/vntag.pcap" \
  "$d/etag.pcap" "$d/pbb.pcap" "$d/nsh.pcap" "$d/erspan1.pcap" "$d/erspan2.pcap" "$d/erspan3.pcap"
# tshark cannot tell an Ethernet pseudowire from the label: say it
TSHARK_DECODE_AS="mpls.label==100,pwethcw" \
  exec python3 "$TLSSCOPE_SRC/tests/pcaps_tshark_check.py" "$TLSSCOPE" "$d/mpls-cw.pcap"
