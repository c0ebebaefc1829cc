#!/bin/sh
# OpenVPN over TCP (issue #15, item 3): tests/captures/netns/openvpn-tcp.pcap
# (make-openvpn-captures.sh there: real OpenVPN 2.6 peers, the committed test
# PKI) holds four tunnels:
#   1194  no tls-auth, TLS 1.3: the handshake read from the P_CONTROL_V1
#         packets (cipher; the certificates are encrypted: not judged)
#   1195  tls-crypt: said to be protected, no TLS connection
#   1196  no tls-auth, TLS 1.2: cipher, the server's chain (leaf = the
#         committed pcaps/pki/rsa.crt by SHA-256) and its verdict; no SNI, so
#         the expressway profile checks the IP: 62 (hostname mismatch) at depth 0
#   1197  tls-auth (HMAC before the ack array): protected
# Before: no connection at all, only "4 not TLS". tshark, when present, must
# read the same four connections as OpenVPN opening with the client's hard
# reset, and the same ServerHello ciphers in 1194 and 1196. With editcap, a
# frame of 1196's server flight cut out: the chain is lost in the gap.
set -eu
exec python3 - "$TLSSCOPE" "$TLSSCOPE_SRC" <<'PY'
import json, os, shutil, subprocess, sys
tlsscope, src = sys.argv[1], sys.argv[2]
cap = src + "/tests/captures/netns/openvpn-tcp.pcap"
sys.path.insert(0, os.environ["TLSSCOPE_SRC"] + "/tests/tools")
from expect import check, finish
p = subprocess.run([tlsscope, "-b", "--json", "--trust", src + "/pcaps/test-store.pem", "-r", cap],
                   capture_output=True, timeout=60)
check("exit (one chain fails)", p.returncode, 1)
recs = [json.loads(x) for x in p.stdout.decode().splitlines()]
err = p.stderr.decode().splitlines()
def facts(r):
    v = r["tlsscope"].get("verdict", {})
    return (r["destination"]["port"], r["network"].get("protocol"), r["tls"].get("version"),
            r["tls"].get("cipher"), r["tls"]["client"].get("server_name"),
            [c["sha256"] for c in r["tlsscope"].get("chain", [])][:1],
            [c["subject"] for c in r["tlsscope"].get("chain", [])],
            v.get("status"), v.get("code"), v.get("depth"), r["tls"]["established"])
check("connections", [facts(r) for r in recs], [
    (1194, "openvpn", "1.3", "TLS_AES_256_GCM_SHA384", None, [], [], "not_judged", None, None, True),
    (1196, "openvpn", "1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", None,
     ["d25288ce637d32978f010a22592821c91f4fc95927b1fc7bcdde95dfe161acab"],
     ["O=tlsscope test PKI, CN=rsa.test.lab",
      "O=tlsscope test PKI, CN=tlsscope Test Intermediate CA 1"], "failed", 62, 0, True)])
check("summary", [x for x in err if x.startswith(("  streams:", "  OpenVPN", "  client certificates"))], [
    "  client certificates (mutual TLS): 1 requested, 0 trusted, 0 failed, 1 not judged.",
    "  streams: 4 TCP connections, 2 not TLS, 0 without payload.",
    "  OpenVPN over TCP: 4 connections: "
    "127.0.0.1:52820 -> 127.0.0.1:1194 (TLS read from its control packets), "
    "127.0.0.1:48766 -> 127.0.0.1:1195 (control channel protected by tls-auth or tls-crypt: TLS not readable), "
    "127.0.0.1:39092 -> 127.0.0.1:1196 (TLS read from its control packets), "
    "127.0.0.1:38484 -> 127.0.0.1:1197 (control channel protected by tls-auth or tls-crypt: TLS not readable)."])

if shutil.which("tshark"):
    dec = []
    for port in (1194, 1195, 1196, 1197):
        dec += ["-d", "tcp.port==%d,openvpn" % port]
    def tshark(flt, *fields):
        args = ["tshark", "-r", cap] + dec + ["-Y", flt, "-T", "fields"]
        for f in fields:
            args += ["-e", f]
        out = subprocess.run(args, capture_output=True, timeout=120).stdout.decode()
        return sorted(set(tuple(l.split("\t")) for l in out.splitlines()))
    # the client's first packet: P_CONTROL_HARD_RESET_CLIENT_V2
    check("tshark hard resets", tshark("openvpn.opcode == 7", "tcp.srcport", "tcp.dstport"),
          [("38484", "1197"), ("39092", "1196"), ("48766", "1195"), ("52820", "1194")])
    check("tshark ServerHello ciphers",
          tshark("tls.handshake.type == 2 && (tcp.srcport == 1194 || tcp.srcport == 1196)", "tcp.srcport",
                 "tls.handshake.ciphersuite"),
          [("1194", "0x1302"), ("1196", "0xc030")])
if shutil.which("editcap"):
    # frame 69 is the second half of 1196's ServerHello/Certificate control
    # packets: the TCP gap ends that direction's OpenVPN framing, and the
    # chain is said to be lost in the gap (not "no ServerHello")
    import os, tempfile
    fd, cut = tempfile.mkstemp(suffix=".pcap")
    os.close(fd)
    try:
        subprocess.run(["editcap", cap, cut, "69"], check=True, capture_output=True, timeout=60)
        p = subprocess.run([tlsscope, "-b", "--json", "-r", cut], capture_output=True, timeout=60)
        r = [json.loads(x) for x in p.stdout.decode().splitlines()][-1]
        check("gap", (r["destination"]["port"], r["tls"].get("cipher"),
                      r["tlsscope"]["verdict"].get("not_judged_reason"),
                      [e["kind"] for e in r["tlsscope"].get("events", [])]),
              (1196, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
               "the Certificate message was lost in a capture gap", ["gap", "incomplete"]))
    finally:
        os.unlink(cut)
finish("openvpn")
PY
