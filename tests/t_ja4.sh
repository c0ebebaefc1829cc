#!/bin/sh
# JA4 (report/ja4.c) on real captures: every Arkime capture in
# tests/corpus/arkime whose expected output (*.test, Arkime's own JA4
# implementation) has JA4 values must give exactly the same set of tls.client.ja4
# values, and every tlsscope.ja4_r string Arkime lists (Arkime gives no raw
# form for its QUIC session; the QUIC Initial's JA4 itself agrees). The JA4 project's published
# example is checked in tests/unit/test_ja4.c.
#
# The differences below are explained, not allowed: each is asserted
# exactly, so a new difference (or a fix) fails the test.
#  - arkime_synthetic.pcap, UDP 10.0.29.100:54341 -> 10.0.29.1:5684 (CoAP over
#    DTLS): Arkime files that session as plain "udp" with no TLS data at all;
#    tshark decodes frame 299 as a DTLS 1.2 ClientHello (one suite, 0x002f,
#    no extensions), which is what tlsscope fingerprints.
set -eu
exec python3 - "$TLSSCOPE" "$TLSSCOPE_SRC/tests/corpus/arkime/tests/pcap" <<'PY'
import glob, json, os, subprocess, sys
tlsscope, d = sys.argv[1], sys.argv[2]
EXPLAINED = {
    "arkime_synthetic.test": ({"dd2i010000_ba72b8082249_000000000000"},      # only tlsscope
                              set()),                                         # only Arkime
}
bad = n = 0
for t in sorted(glob.glob(os.path.join(d, "*.test"))):
    with open(t) as f:
        text = f.read()
    if '"ja4"' not in text:
        continue
    want, want_r = set(), set()
    for s in json.loads(text).get("sessions3", []):
        tls = s.get("body", s).get("tls", {})
        if isinstance(tls, dict):
            want |= set(tls.get("ja4", []))
            want_r |= set(tls.get("ja4_r", []))
    p = subprocess.run([tlsscope, "-b", "--json", "-r", t[:-5] + ".pcap"], capture_output=True,
                       timeout=120)
    got, got_r = set(), set()
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        if r["tls"].get("client", {}).get("ja4"):
            got.add(r["tls"]["client"]["ja4"])
            got_r.add(r["tlsscope"]["ja4_r"])
    n += 1
    name = os.path.basename(t)
    only_us, only_them = EXPLAINED.get(name, (set(), set()))
    if (got - want, want - got) != (only_us, only_them):
        bad += 1
        print("%s: only tlsscope %s, only Arkime %s" % (name, sorted(got - want), sorted(want - got)))
    if want_r - got_r:
        bad += 1
        print("%s ja4_r: only Arkime %s" % (name, sorted(want_r - got_r)))
print("ja4: %d captures compared with Arkime, %d differ" % (n, bad))
sys.exit(1 if bad or n < 25 else 0)
PY
