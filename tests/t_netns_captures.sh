#!/bin/sh
# Captures of real kernels and real TLS peers in private namespaces (issue
# #15; tests/captures/netns/, made by make-netns-captures.sh there), with
# exact expected values, then the same connections against tshark.
#   tfo        TCP Fast Open: the second connection's ClientHello is in its
#              SYN (RFC 7413) and must enter reassembly like any other byte
#   any-mixed  tcpdump -i any (LINUX_SLL2) with one connection on lo
#              (ARPHRD_LOOPBACK) and one over a veth pair (ARPHRD_ETHER)
#   hrr-only   a TLS 1.3 server that sent only a HelloRetryRequest (the
#              client gave up): reported with it, not as "no ServerHello"
set -eu
d="$TLSSCOPE_SRC/tests/captures/netns"
python3 - "$TLSSCOPE" "$d" <<'PY'
import json, os, subprocess, sys
tlsscope, d = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.environ["TLSSCOPE_SRC"] + "/tests/tools")
from expect import check, finish
def run(cap, *extra):
    p = subprocess.run([tlsscope, "-b"] + list(extra) + ["-r", "%s/%s" % (d, cap)],
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode().splitlines()
def facts(r):
    return (r["source"]["ip"], r["destination"]["ip"], r["destination"]["port"],
            r["tls"]["client"].get("server_name"), r["tls"].get("version"), r["tls"].get("cipher"),
            len(r["tlsscope"].get("chain", [])), r["tls"]["established"],
            r["tlsscope"]["bytes"]["client"], r["tlsscope"]["bytes"]["server"])
clean = ["  skipped packets: 0 non-IP, 0 IP fragments, 0 other IP protocols, 0 truncated, 0 malformed.",
         "  TCP: 0 gaps (0 bytes missing), 0 overlaps with differing bytes, 0 port reuses."]
rsa = ("rsa.test.lab", "1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 2, True)

rc, out, err = run("tfo.pcap", "--json")
check("tfo exit", rc, 0)
check("tfo", [facts(json.loads(x)) for x in out.splitlines()],
      [("192.0.2.10", "192.0.2.20", 443) + rsa + (338, 2613)] * 2)
check("tfo clean", [x for x in err if x in clean], clean)

rc, out, err = run("any-mixed.pcap", "--json")
check("any-mixed exit", rc, 0)
check("any-mixed", [facts(json.loads(x)) for x in out.splitlines()],
      [("192.0.2.10", "192.0.2.20", 443) + rsa + (499, 2613),
       ("198.51.100.2", "198.51.100.1", 443) + rsa + (499, 2613)])
check("any-mixed clean", [x for x in err if x in clean], clean)

rc, out, err = run("hrr-only.pcap", "--json")
check("hrr-only exit", rc, 0)
recs = [json.loads(x) for x in out.splitlines()]
check("hrr-only connections", len(recs), 1)
if recs:
    r = recs[0]
    check("hrr-only facts", (r["tls"]["client"].get("server_name"), r["tls"].get("version"),
                             r["tls"].get("cipher"), r["tls"]["established"],
                             "server_hello" in r["tlsscope"], r["tls"]["server"].get("ja3s")),
          ("rsa.test.lab", "1.3", "TLS_AES_256_GCM_SHA384", False, False,
           "15af977ce25de452b96affa2addb1036"))
    check("hrr-only hello_retry_request", r["tlsscope"].get("hello_retry_request"),
          {"selected_version": "0x0304", "cipher_suite": "0x1302", "selected_group": "secp384r1",
           "server_hello_followed": False})
    check("hrr-only alerts", [(a["code"], a.get("encrypted", False)) for a in r["tlsscope"]["alerts"]],
          [(50, False)])
rc, out, err = run("hrr-only.pcap", "-v")
check("hrr-only text", [x.strip() for x in out.splitlines() if "HelloRetryRequest" in x],
      ["HelloRetryRequest only: the server asked for key share secp384r1 with cipher "
       "TLS_AES_256_GCM_SHA384; no ServerHello followed"])
check("hrr-only row", out.splitlines()[1].split()[6:8], ["TLS1.3", "TLS_AES_256_GCM_SHA384"])
finish("netns captures")
PY
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed (the exact checks passed)"; exit 0; }
# the capture really is TCP Fast Open: one SYN (no ACK) with the ClientHello
n=$(tshark -n -r "$d/tfo.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && tls.handshake.type == 1' 2>/dev/null | wc -l)
[ "$n" -eq 1 ] || { echo "tfo.pcap: $n SYNs with a ClientHello, want 1"; exit 1; }
# and any-mixed.pcap really mixes link types under LINUX_SLL2: Ethernet (1)
# from the veth pair, loopback (772) from lo
t=$(tshark -n -r "$d/any-mixed.pcap" -T fields -e sll.hatype 2>/dev/null | sort -u | tr '\n' ' ')
[ "$t" = "1 772 " ] || { echo "any-mixed.pcap: ARPHRD types '$t', want '1 772 '"; exit 1; }
exec python3 "$TLSSCOPE_SRC/tests/pcaps_tshark_check.py" "$TLSSCOPE" "$d/tfo.pcap" "$d/any-mixed.pcap" \
  "$d/hrr-only.pcap"
