#!/bin/sh
# tlsscope probe end to end (issue 14), only against servers in a private
# network namespace made here (never another address). Real `openssl
# s_server`s, and for the failures small Python listeners:
#   A rsa.test.lab:8443   RSA chain, TLS 1.3, on two addresses (IPv4 and
#                         IPv6, both in the name's hosts entry): 4 rows
#   B cucm.steven.lab:6972 dual certificates, TLS 1.2 only: ECDSA first gets
#                         the self-signed tomcat-ECDSA (18@0), RSA first the
#                         CA-signed tomcat (trusted)
#   C ecdsa.test.lab:8443  ECDSA chain, TLS 1.3 only, asks for a client
#                         certificate (seen in the decrypted flight)
#   G ecdsa.test.lab:6972  TLS 1.3 with P-256 only: a HelloRetryRequest, the
#                         second ClientHello with a P-256 share
#   D 10.48.36.218:8443   TLS 1.2, asks for a client certificate; addressed
#                         by IP: SNI is the IP literal, which Expressway never
#                         matches (name failure, 62@0)
#   E .219:8443 stalls, .219:6971 resets, .219:6972 speaks plain HTTP,
#   F .220:8443 is closed, .221:8443 shares no cipher (handshake_failure)
# The verdicts are what each server was built to be. Then -w: the pcapng is
# read back by tlsscope (TLS 1.2 chains) and tshark (all chains, TLS 1.3
# through the Decryption Secrets Block) with identical certificates; and
# --keylog holds both handshake secrets of every TLS 1.3 connection.
# Exit 77 (skipped) when not root or namespaces are unavailable.
set -u

T=${TLSSCOPE:?set TLSSCOPE to the tlsscope binary}
SRC=${TLSSCOPE_SRC:?set TLSSCOPE_SRC to the source tree}
PKI=$SRC/pcaps/pki

skip() { echo "t_probe: skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace)"
for t in ip openssl python3; do
  command -v "$t" >/dev/null 2>&1 || skip "missing tool: $t"
done

W=$(mktemp -d /tmp/tlsscope-probe.XXXXXX)
FAILS=0
. "$SRC/pcaps/netns.sh"

cleanup() {
  rc=$?
  netns_destroy
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

netns_create "tlsscope-probe-$$" 2>/dev/null || skip "cannot create a network namespace"
netns_loopback || skip "cannot bring up lo in the namespace"
netns_addrs 10.48.36.215 10.48.36.216 10.48.36.217 10.48.36.218 10.48.36.219 10.48.36.220 \
  10.48.36.221 fd00::215 || { fail "cannot add the servers' addresses to lo"; exit 1; }
# names: `ip netns exec` puts /etc/netns/NAME/hosts over /etc/hosts
netns_hosts <<HOSTS
10.48.36.215 rsa.test.lab
fd00::215 rsa.test.lab
10.48.36.216 cucm.steven.lab
10.48.36.217 ecdsa.test.lab
HOSTS

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

srv() { # srv NAME ADDR:PORT s_server-options...
  name=$1 acc=$2
  shift 2
  ip netns exec "$NS" openssl s_server -quiet -naccept 100 -accept "$acc" "$@" \
    >"$W/server-$name.log" 2>&1 </dev/null &
  netns_track $!
}
srv A4 10.48.36.215:8443 -cert "$PKI/rsa.crt" -key "$PKI/rsa.key" -cert_chain "$PKI/chain-test-int1.pem"
srv A6 '[fd00::215]:8443' -cert "$PKI/rsa.crt" -key "$PKI/rsa.key" -cert_chain "$PKI/chain-test-int1.pem"
srv B 10.48.36.216:6972 -tls1_2 -cert "$PKI/cucm-tomcat.crt" -key "$PKI/cucm-tomcat.key" \
  -dcert "$PKI/cucm-tomcat-ecdsa.crt" -dkey "$PKI/cucm-tomcat-ecdsa.key"
srv C 10.48.36.217:8443 -tls1_3 -verify 1 -cert "$PKI/ecdsa.crt" -key "$PKI/ecdsa.key" -cert_chain "$PKI/chain-test-int1.pem"
srv D 10.48.36.218:8443 -tls1_2 -verify 1 -cert "$PKI/rsa.crt" -key "$PKI/rsa.key" \
  -cert_chain "$PKI/chain-test-int1.pem"
srv I 10.48.36.221:8443 -tls1_2 -cipher AES256-SHA -cert "$PKI/rsa.crt" -key "$PKI/rsa.key"
srv G 10.48.36.217:6972 -groups P-256 -cert "$PKI/ecdsa.crt" -key "$PKI/ecdsa.key" -cert_chain "$PKI/chain-test-int1.pem"
# E: one listener per misbehaviour (stall, reset, plain HTTP)
cat >"$W/bad.py" <<'PY'
import socket, struct, sys, threading, time
def serve(port, how):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.48.36.219", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        if how == "stall":
            threading.Thread(target=lambda c=c: (time.sleep(30), c.close()), daemon=True).start()
            continue
        c.recv(4096)
        if how == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        c.close()
for port, how in ((8443, "stall"), (6971, "reset"), (6972, "http")):
    threading.Thread(target=serve, args=(port, how), daemon=True).start()
print("ready", flush=True)
time.sleep(600)
PY
ip netns exec "$NS" python3 "$W/bad.py" >"$W/bad.log" 2>&1 &
netns_track $!
for acc in 10.48.36.215:8443 fd00::215:8443 10.48.36.216:6972 10.48.36.217:8443 10.48.36.218:8443 \
  10.48.36.221:8443 10.48.36.217:6972 10.48.36.219:8443 10.48.36.219:6971 10.48.36.219:6972; do
  netns_wait_tcp "${acc%:*}" "${acc##*:}" \
    || { cat "$W"/server-*.log "$W/bad.log"; fail "no server listens on $acc"; exit 1; }
done

# ---------------------------------------------------------------- the probe
STORES="--trust $PKI/../test-store.pem --trust $PKI/../expressway-store.pem"
nsx "$T" probe --json $STORES --timeout 1 --ports 8443 -w "$W/probe.pcapng" --keylog "$W/keys.txt" \
  rsa.test.lab cucm.steven.lab:6972 ecdsa.test.lab ecdsa.test.lab:6972 10.48.36.218 \
  10.48.36.219:8443 10.48.36.219:6971 10.48.36.219:6972 10.48.36.220 10.48.36.221 \
  >"$W/probe.json" 2>"$W/probe.err"
rc=$?
[ "$rc" -eq 1 ] || fail "exit status $rc, want 1 (some servers fail)"

# one line per connection: server, hello, SNI, version, cipher, leaf, verdict
cat >"$W/rows.py" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    t, x = o["tls"], o["tlsscope"]
    v = x.get("verdict") or {}
    chain = x.get("chain") or []
    cn = chain[0]["subject"].split("CN=")[-1] if chain else "-"
    alerts = ",".join(str(a["code"]) for a in x.get("alerts", []) if a["from"] == "server")
    rows.append("%s %s %s %s %s %s %s %s/%s/%s req=%s alert=%s" % (
        o["destination"]["ip"], o["destination"]["port"], x.get("probe_hello", "").replace(" ", "-"),
        t["client"].get("server_name", "-"),
        t.get("version", "-"), t.get("cipher", "-"), cn, v.get("status"), v.get("code"),
        v.get("depth"), x.get("certificate_request", False), alerts or "-"))
print("\n".join(sorted(rows)))
PY
python3 "$W/rows.py" "$W/probe.json" >"$W/rows.txt" || fail "JSON unreadable"
cat >"$W/want.txt" <<'WANT'
10.48.36.215 8443 ECDSA-first rsa.test.lab 1.3 TLS_AES_256_GCM_SHA384 rsa.test.lab trusted/0/None req=False alert=-
10.48.36.215 8443 RSA-first rsa.test.lab 1.3 TLS_AES_256_GCM_SHA384 rsa.test.lab trusted/0/None req=False alert=-
10.48.36.216 6972 ECDSA-first cucm.steven.lab 1.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 cucm-EC.steven.lab failed/18/0 req=False alert=-
10.48.36.216 6972 RSA-first cucm.steven.lab 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 cucm-ms.steven.lab trusted/0/None req=False alert=-
10.48.36.217 6972 ECDSA-first ecdsa.test.lab 1.3 TLS_AES_256_GCM_SHA384 ecdsa.test.lab trusted/0/None req=False alert=-
10.48.36.217 6972 RSA-first ecdsa.test.lab 1.3 TLS_AES_256_GCM_SHA384 ecdsa.test.lab trusted/0/None req=False alert=-
10.48.36.217 8443 ECDSA-first ecdsa.test.lab 1.3 TLS_AES_256_GCM_SHA384 ecdsa.test.lab trusted/0/None req=True alert=-
10.48.36.217 8443 RSA-first ecdsa.test.lab 1.3 TLS_AES_256_GCM_SHA384 ecdsa.test.lab trusted/0/None req=True alert=-
10.48.36.218 8443 ECDSA-first 10.48.36.218 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 rsa.test.lab failed/62/0 req=True alert=-
10.48.36.218 8443 RSA-first 10.48.36.218 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 rsa.test.lab failed/62/0 req=True alert=-
10.48.36.221 8443 ECDSA-first 10.48.36.221 - - - not_judged/None/None req=False alert=40
10.48.36.221 8443 RSA-first 10.48.36.221 - - - not_judged/None/None req=False alert=40
fd00::215 8443 ECDSA-first rsa.test.lab 1.3 TLS_AES_256_GCM_SHA384 rsa.test.lab trusted/0/None req=False alert=-
fd00::215 8443 RSA-first rsa.test.lab 1.3 TLS_AES_256_GCM_SHA384 rsa.test.lab trusted/0/None req=False alert=-
WANT
diff "$W/want.txt" "$W/rows.txt" >"$W/rows.diff" || { fail "connections differ:"; cat "$W/rows.diff"; }

# no TLS answer: one line each, exact wording
cat >"$W/want.err" <<'WANT'
tlsscope probe: 10.48.36.219 port 6971 (10.48.36.219, ECDSA first): connection reset
tlsscope probe: 10.48.36.219 port 6971 (10.48.36.219, RSA first): connection reset
tlsscope probe: 10.48.36.219 port 6972 (10.48.36.219, ECDSA first): not TLS: the server's answer is not a TLS record
tlsscope probe: 10.48.36.219 port 6972 (10.48.36.219, RSA first): not TLS: the server's answer is not a TLS record
tlsscope probe: 10.48.36.219 port 8443 (10.48.36.219, ECDSA first): timed out in the TLS handshake
tlsscope probe: 10.48.36.219 port 8443 (10.48.36.219, RSA first): timed out in the TLS handshake
tlsscope probe: 10.48.36.220 port 8443 (10.48.36.220, ECDSA first): connection refused
tlsscope probe: 10.48.36.220 port 8443 (10.48.36.220, RSA first): connection refused
WANT
grep '^tlsscope probe:' "$W/probe.err" | sort >"$W/got.err"
diff "$W/want.err" "$W/got.err" >"$W/err.diff" || { fail "failure lines differ:"; cat "$W/err.diff"; }

# ---------------------------------------------------------------- evidence
# --keylog: both handshake secrets of each TLS 1.3 connection (8 of them),
# client random = the one in that connection's ClientHello
[ "$(grep -c '^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]\{64\} [0-9a-f]\{96\}$' "$W/keys.txt")" -eq 8 ] ||
  fail "--keylog: want 8 CLIENT_HANDSHAKE_TRAFFIC_SECRET lines (SHA-384 suites)"
[ "$(grep -c '^SERVER_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]\{64\} [0-9a-f]\{96\}$' "$W/keys.txt")" -eq 8 ] ||
  fail "--keylog: want 8 SERVER_HANDSHAKE_TRAFFIC_SECRET lines"
[ "$(stat -c %a "$W/keys.txt")" = 600 ] || fail "--keylog file is not mode 0600"

# -w: tshark decrypts every chain with the Decryption Secrets Block alone,
# and finds the probe's chains, connection by connection (client port)
# tlsscope -r reads the same file: the TLS 1.2 connections have the same
# chains and verdicts (TLS 1.3 needs the capture path's key-log decryption)
nsx "$T" -r "$W/probe.pcapng" --json $STORES >"$W/reread.json" 2>"$W/reread.err"
if command -v tshark >/dev/null 2>&1; then
  tshark -r "$W/probe.pcapng" -Y "tls.handshake.type == 11" -T fields -e tcp.dstport \
    -e tls.handshake.certificate >"$W/tshark.txt" 2>"$W/tshark.err" || fail "tshark cannot read -w"
else
  echo "t_probe: tshark missing, its half of the -w check skipped"
  : >"$W/tshark.txt"
fi
python3 - "$W/probe.json" "$W/reread.json" "$W/tshark.txt" <<'PY' || fail "-w read back differs"
import hashlib, json, sys
def chains(path):
    out = {}
    for line in open(path):
        o = json.loads(line)
        x = o["tlsscope"]
        out[o["source"]["port"]] = (o["tls"].get("version"), [c["sha256"] for c in x.get("chain", [])],
                                    (x.get("verdict") or {}).get("code"))
    return out
probe, reread = chains(sys.argv[1]), chains(sys.argv[2])
bad = 0
for port, (ver, chain, code) in probe.items():
    if ver != "1.2":
        continue
    if reread.get(port) != (ver, chain, code):
        print("tlsscope -r: connection from port %d: %r, probe saw %r" % (port, reread.get(port), (ver, chain, code)))
        bad += 1
seen = {}
for line in open(sys.argv[3]):
    f = line.rstrip("\n").split("\t")
    if len(f) == 2 and f[1]:
        seen[int(f[0])] = [hashlib.sha256(bytes.fromhex(h.replace(":", ""))).hexdigest() for h in f[1].split(",")]
if open(sys.argv[3]).read():
    want = {p: c for p, (v, c, _) in probe.items() if c}
    if seen != want:
        print("tshark chains by client port: %r\nprobe: %r" % (seen, want))
        bad += 1
    if len(want) != 12:
        print("want 12 connections with chains, have %d" % len(want))
        bad += 1
sys.exit(1 if bad else 0)
PY

# ---------------------------------------------------------------- targets
# --from-capture: the probe's own capture names every server it reached with
# a ClientHello and the SNI it sent: probing them again gives the same rows
# (the closed port sent no ClientHello, so it is not a target any more)
nsx "$T" probe --json $STORES --timeout 1 --from-capture "$W/probe.pcapng" \
  >"$W/again.json" 2>"$W/again.err"
python3 "$W/rows.py" "$W/again.json" >"$W/again.txt" || fail "--from-capture: JSON unreadable"
diff "$W/rows.txt" "$W/again.txt" >"$W/again.diff" || { fail "--from-capture rows differ:"; cat "$W/again.diff"; }
grep -v 10.48.36.220 "$W/want.err" >"$W/want-again.err"
grep '^tlsscope probe:' "$W/again.err" | sort >"$W/got-again.err"
diff "$W/want-again.err" "$W/got-again.err" || fail "--from-capture failure lines differ"

# --from-log: the MRA routes of the bundled Expressway log (cucm.steven.lab
# 8443 and 6972, imp/cucm2.steven.lab 8443, 10.48.36.215:8443); here
# cucm.steven.lab is server B (6972: both certificates; nothing on 8443),
# 10.48.36.215 server A addressed by IP, the other names do not resolve
nsx "$T" probe --json $STORES --timeout 1 --from-log "$SRC/tests/bundles/loggingsnapshot_vcsc_20220711.txt" \
  >"$W/log.json" 2>"$W/log.err"
python3 "$W/rows.py" "$W/log.json" >"$W/log.txt" || fail "--from-log: JSON unreadable"
cat >"$W/want-log.txt" <<'WANT'
10.48.36.215 8443 ECDSA-first 10.48.36.215 1.3 TLS_AES_256_GCM_SHA384 rsa.test.lab failed/62/0 req=False alert=-
10.48.36.215 8443 RSA-first 10.48.36.215 1.3 TLS_AES_256_GCM_SHA384 rsa.test.lab failed/62/0 req=False alert=-
10.48.36.216 6972 ECDSA-first cucm.steven.lab 1.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 cucm-EC.steven.lab failed/18/0 req=False alert=-
10.48.36.216 6972 RSA-first cucm.steven.lab 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 cucm-ms.steven.lab trusted/0/None req=False alert=-
WANT
diff "$W/want-log.txt" "$W/log.txt" || fail "--from-log rows differ"
cat >"$W/want-log.err" <<'WANT'
tlsscope probe: cucm.steven.lab port 8443 (10.48.36.216, ECDSA first): connection refused
tlsscope probe: cucm.steven.lab port 8443 (10.48.36.216, RSA first): connection refused
tlsscope probe: cucm2.steven.lab port 8443 (-, ECDSA first): unreachable: cannot resolve
tlsscope probe: imp.steven.lab port 8443 (-, ECDSA first): unreachable: cannot resolve
WANT
# (the resolver's own words differ with the resolver: cut after "cannot resolve")
grep '^tlsscope probe:' "$W/log.err" | sed 's/cannot resolve: .*/cannot resolve/' | sort >"$W/got-log.err"
diff "$W/want-log.err" "$W/got-log.err" || fail "--from-log failure lines differ"

echo "t_probe: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
