#!/bin/sh
# TCP corner cases (issue #15), each the real TLS 1.2 handshake of
# pcaps/tls12-rsa.pcap with one thing changed (tests/captures/tcp/,
# make-tcp.sh there). Every one must still give the whole server flight:
# ServerHello (cipher), Certificate (2 certificates), no gap.
#   synack-stray      a stray SYN-ACK with another ISN first: the one that
#                     acknowledges the SYN is used (before: a 12345-byte gap
#                     and no connection at all)
#   synack-middlebox  two SYN-ACKs that both acknowledge the SYN: the client's
#                     ACK decides (before: no ServerHello)
#   iplen             an IPv4 length 200 bytes beyond the frame: the bytes there
#                     are used and the summary says so (before: a gap that
#                     swallowed the next segment)
#   rst-then-data     the server's flight after the client's RST is used
#                     (before: no ServerHello, "connection ended")
set -eu
d="$TLSSCOPE_SRC/tests/captures/tcp"
exec python3 - "$TLSSCOPE" "$d" <<'PY'
import json, os, subprocess, sys
tlsscope, d = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.environ["TLSSCOPE_SRC"] + "/tests/tools")
from expect import check, finish
for m, established, client_bytes, server_bytes, extra in [
        ("synack-stray", True, 422, 2620, None),
        ("synack-middlebox", True, 422, 2620, None),
        ("iplen", True, 422, 2620,
         "  1 packet had an IP length beyond the captured frame: the bytes present were used."),
        ("rst-then-data", False, 172, 2227, None)]:
    p = subprocess.run([tlsscope, "-b", "--json", "-r", "%s/%s.pcap" % (d, m)],
                       capture_output=True, timeout=60)
    recs = [json.loads(x) for x in p.stdout.decode().splitlines()]
    err = p.stderr.decode().splitlines()
    check(m + " exit", p.returncode, 0)
    check(m + " connections", len(recs), 1)
    if not recs:
        continue
    r = recs[0]
    check(m + " facts", (r["tls"]["client"].get("server_name"), r["tls"].get("cipher"),
                         len(r["tlsscope"].get("chain", [])), r["tls"]["established"],
                         r["tlsscope"]["bytes"]["client"], r["tlsscope"]["bytes"]["server"]),
          ("rsa.test.lab", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 2, established, client_bytes,
           server_bytes))
    check(m + " gaps", [x for x in err if x.startswith("  TCP:")],
          ["  TCP: 0 gaps (0 bytes missing), 0 overlaps with differing bytes, 0 port reuses."])
    if extra:
        check(m + " summary line", extra in err, True)
finish("tcp corners")
PY
