#!/bin/sh
# A resumed connection's "presumed" verdict shows the certificates of the
# earlier full handshake. When thousands of other certificates pass in
# between, the cert cache evicts that handshake's certificates; the presumed
# verdict must still show them (it holds its own references), not freed
# memory. The capture: the full handshake of tls12-resume-session-id.pcap,
# 3000 copies of tls12-rsa.pcap each with a distinct server certificate
# (more than the pipeline's cert cache keeps), then the resumed connection.
set -eu
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 not installed: skipped"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
P=$TLSSCOPE_SRC/pcaps
python3 "$TLSSCOPE_SRC/tests/tools/manycerts.py" "$P/tls12-resume-session-id.pcap" \
  "$P/tls12-rsa.pcap" "$P/pki/rsa.crt" 3000 "$work/many.pcap"
rc=0
"$TLSSCOPE" --json -r "$work/many.pcap" --trust "$P/test-store.pem" >"$work/out.json" 2>"$work/err" || rc=$?
[ "$rc" -eq 1 ] || { echo "exit status $rc, want 1 (copies fail verification)"; cat "$work/err"; exit 1; }
python3 - "$work/out.json" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 3002, len(recs)
first, last = recs[0]["tlsscope"], recs[-1]["tlsscope"]
assert first["verdict"]["status"] == "trusted", first["verdict"]
v = last["verdict"]
assert v.get("presumed") is True and v["presumed_from"] == first["connection"], v
want = [(p["source"], p.get("sha256"), p.get("subject")) for p in first["verdict"]["path"]]
got = [(p["source"], p.get("sha256"), p.get("subject")) for p in v["path"]]
assert got == want, (got, want)
assert want[0] == ("peer", "d25288ce637d32978f010a22592821c91f4fc95927b1fc7bcdde95dfe161acab",
                   "O=tlsscope test PKI, CN=rsa.test.lab"), want[0]
# the copies really carried distinct certificates
leafs = {r["tlsscope"]["verdict"]["path"][0]["sha256"] for r in recs[1:-1]}
assert len(leafs) == 3000, len(leafs)
print("presumed verdict after 3000 distinct certificates: path intact")
EOF
