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
#                         certificate naming the test root as its CA (seen
#                         in the decrypted flight)
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
srv C 10.48.36.217:8443 -tls1_3 -verify 1 -CAfile "$PKI/../test-store.pem" -cert "$PKI/ecdsa.crt" -key "$PKI/ecdsa.key" -cert_chain "$PKI/chain-test-int1.pem"
srv D 10.48.36.218:8443 -tls1_2 -verify 1 -cert "$PKI/rsa.crt" -key "$PKI/rsa.key" \
  -cert_chain "$PKI/chain-test-int1.pem"
srv I 10.48.36.221:8443 -tls1_2 -cipher AES256-SHA -cert "$PKI/rsa.crt" -key "$PKI/rsa.key"
# H, J: TLS 1.3 servers that require a client certificate (--cert/--key):
# H trusts the test root (accepts the probe's client.test.lab chain), J only
# the Expressway store's CAs (refuses it: unknown_ca, 48)
srv H 10.48.36.218:6971 -tls1_3 -Verify 1 -verify_return_error -CAfile "$PKI/../test-store.pem" \
  -cert "$PKI/rsa.crt" -key "$PKI/rsa.key" -cert_chain "$PKI/chain-test-int1.pem"
srv J 10.48.36.218:6972 -tls1_3 -Verify 1 -verify_return_error -CAfile "$PKI/../expressway-store.pem" \
  -cert "$PKI/rsa.crt" -key "$PKI/rsa.key" -cert_chain "$PKI/chain-test-int1.pem"
# K: TLS 1.2, requires a client certificate, trusts only the Expressway store
# (refuses the probe's chain with unknown_ca, in plaintext before its CCS)
srv K 10.48.36.218:6973 -tls1_2 -Verify 1 -verify_return_error -CAfile "$PKI/../expressway-store.pem" \
  -cert "$PKI/rsa.crt" -key "$PKI/rsa.key" -cert_chain "$PKI/chain-test-int1.pem"
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
  10.48.36.221:8443 10.48.36.217:6972 10.48.36.219:8443 10.48.36.219:6971 10.48.36.219:6972 \
  10.48.36.218:6971 10.48.36.218:6972 10.48.36.218:6973; do
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

# -w is in time order although connections finish in another order (the
# stalled one began first and ended a second later): every Enhanced Packet
# Block's time is >= the one before (read here block by block, and by
# tshark's frame times); that each Decryption Secrets Block still precedes
# its packets is what tshark's decryption of the TLS 1.3 chains above needs
python3 - "$W/probe.pcapng" <<'PY' || fail "-w is not in time order"
import struct, sys
d = open(sys.argv[1], "rb").read()
off, times, dsb, bad = 0, [], 0, 0
while off + 12 <= len(d):
    btype, blen = struct.unpack_from("<II", d, off)
    if btype == 6:
        hi, lo = struct.unpack_from("<II", d, off + 12)
        times.append((hi << 32) | lo)
    elif btype == 10:
        dsb += 1
    off += blen
if off != len(d):
    print("block walk ends at %d of %d bytes" % (off, len(d))); bad += 1
back = sum(1 for a, b in zip(times, times[1:]) if b < a)
if back:
    print("%d packets earlier than the one before (of %d)" % (back, len(times))); bad += 1
if dsb != 8:
    print("want 8 Decryption Secrets Blocks, have %d" % dsb); bad += 1
sys.exit(1 if bad else 0)
PY
if command -v tshark >/dev/null 2>&1; then
  tshark -r "$W/probe.pcapng" -T fields -e frame.time_epoch 2>/dev/null |
    awk 'NR > 1 && $1 < prev { back++ } { prev = $1 } END { exit back > 0 }' ||
    fail "tshark: -w frames are not in time order"
fi

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

# ---------------------------------------------------------------- wording
# The probe is the client: its own closing user_canceled is no observation
# of what Expressway would do, so observed_alert and agrees are null on
# every row; the CertificateRequest is the dissector's reading (TLS 1.3:
# decrypted with the probe's own keys), exact values per server.
python3 - "$W/probe.json" <<'PY' || fail "probe JSON values differ"
import json, sys
bad = 0
def want(what, got, exp):
    global bad
    if got != exp:
        print("%s: %r, want %r" % (what, got, exp))
        bad += 1
SIG13 = ["ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512", "ed25519", "ed448",
         "rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512", "rsa_pss_rsae_sha256",
         "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512", "rsa_pkcs1_sha256", "rsa_pkcs1_sha384",
         "rsa_pkcs1_sha512", "ecdsa_sha224", "rsa_pkcs1_sha224"]
SIG12 = SIG13 + ["dsa_sha224", "dsa_sha256", "dsa_sha384", "dsa_sha512"]
for line in open(sys.argv[1]):
    o = json.loads(line)
    x = o["tlsscope"]
    key = "%s:%s %s" % (o["destination"]["ip"], o["destination"]["port"], x["probe_hello"])
    v = x.get("verdict") or {}
    want(key + " observed_alert", v.get("observed_alert"), None)
    want(key + " agrees", v.get("agrees"), None)
    want(key + " decrypted", x.get("decrypted"), "probe" if o["tls"].get("version") == "1.3" else None)
    ca = x.get("client_auth")
    if o["destination"]["ip"] == "10.48.36.217" and o["destination"]["port"] == 8443:
        # TLS 1.3 has no certificate_types (RFC 8446 §4.3.2)
        want(key + " client_auth", ca, {"signature_algorithms": SIG13,
             "certificate_authorities": ["O=tlsscope test PKI, CN=tlsscope Test Root CA"],
             "ca_list": "no_chain", "client_sent": "unseen"})
    elif o["destination"]["ip"] == "10.48.36.218":
        want(key + " client_auth", ca, {"certificate_types": [1, 2, 64], "signature_algorithms": SIG12,
             "certificate_authorities": [], "ca_list": "no_list", "client_sent": "unseen"})
    else:
        want(key + " client_auth", ca, None)
    if ca:
        cv = x["client_verdict"]
        why = ("the probe sent no client certificate (give one with --cert and --key)"
               if o["tls"].get("version") == "1.3" else
               "the probe sent no client certificate (give one with --cert and --key; TLS 1.2: "
               "with an ECDHE AES-GCM suite and X25519 or P-256 only)")
        want(key + " client verdict", (cv["status"], cv["not_judged_reason"], cv["observed_alert"]),
             ("not_judged", why, None))
sys.exit(1 if bad else 0)
PY
# the summary speaks of probing, not of packets and streams
nsx "$T" probe $STORES --timeout 1 --ports 8443 ecdsa.test.lab 10.48.36.218 10.48.36.220 \
  >"$W/text.out" 2>"$W/text.err"
sed -n '/^Summary:/,/^$/p' "$W/text.out" | sed 's/; from [0-9TZ:.-]* to [0-9TZ:.-]*\././' >"$W/summary.txt"
cat >"$W/want-summary.txt" <<'WANT'
Summary: probed 2 servers: 4 TLS connections, 2 connections without a TLS answer (each named on standard error).
  verdicts: 2 trusted, 2 failed, 0 not judged.
  client certificates (mutual TLS): 4 requested, 0 trusted, 0 failed, 4 not judged.
  caps hit: none.

WANT
diff "$W/want-summary.txt" "$W/summary.txt" || fail "probe summary differs"
[ "$(grep -c ' TLS1\.3 .* ecdsa\.test\.lab  *2  trusted; client cert requested$' "$W/text.out")" -eq 2 ] ||
  fail "TLS 1.3 rows: want 'trusted; client cert requested' twice, without key-log wording"

# ---------------------------------------------------------------- exit status
# As in batch mode: 0 only when every target was checked and judged trusted.
# A target that could not be checked fails the run (1) like a failed
# verdict: no TLS answer (.220 refuses the connection), or an answer without
# a certificate (.221's handshake_failure to the ClientHello) -- Expressway
# could not connect there either, and a cron job must see it.
exit_case() { # exit_case WANT WHY TARGET...
  want=$1 why=$2
  shift 2
  nsx "$T" probe $STORES --timeout 1 --hello expressway --ports 8443 "$@" >"$W/exit.out" 2>"$W/exit.err"
  got=$?
  [ "$got" -eq "$want" ] || { fail "exit status $got for $*, want $want ($why)"; cat "$W/exit.err"; }
}
exit_case 0 "every target trusted" rsa.test.lab
exit_case 1 "one target refuses the connection" rsa.test.lab 10.48.36.220
grep -qx 'tlsscope probe: 10.48.36.220 port 8443 (10.48.36.220, ECDSA first): connection refused' "$W/exit.err" ||
  fail "the unchecked target is not named on stderr"
exit_case 1 "the only target refuses the connection" 10.48.36.220
exit_case 1 "the only target answers the hello with an alert" 10.48.36.221
exit_case 1 "the only target fails verification" 10.48.36.218

# ---------------------------------------------------------------- --cert
# The probe presents client.test.lab (chain to the test root) where a TLS 1.3
# server asks: H accepts it, J refuses it with unknown_ca (s_server's own
# log says why). The client verdict is the capture path's (the dissector
# decrypts the probe's Certificate with the key log it is given), judged
# against --client-trust test-store.pem: trusted on both. What the probe
# read under the server's application key is the observation: H's
# NewSessionTicket accepts the chain (agrees: true), J's unknown_ca refuses
# it (agrees: false; J's store is not the one given). Over TLS 1.2 (ECDHE,
# AES-GCM) the same: D (-verify, no CA list) goes on with its
# ChangeCipherSpec and Finished (agrees: true; its encrypted close_notify
# answers the probe's), K refuses with unknown_ca in plaintext.
cat "$PKI/client.crt" "$PKI/chain-client.pem" >"$W/client-chain.pem"
nsx "$T" probe --json $STORES --client-trust "$PKI/../test-store.pem" --timeout 1 --hello expressway \
  --cert "$W/client-chain.pem" --key "$PKI/client.key" --ports 6971,6972,6973,8443 10.48.36.218 \
  >"$W/cert.json" 2>"$W/cert.err"
rc=$?
[ "$rc" -eq 1 ] || fail "--cert: exit status $rc, want 1 (D fails the name check)"
python3 - "$W/cert.json" <<'PY' >"$W/cert.txt" || fail "--cert: JSON unreadable"
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    x = o["tlsscope"]
    cv = x.get("client_verdict") or {}
    ca = x.get("client_auth") or {}
    print(o["destination"]["port"], o["tls"].get("version"), ca.get("client_sent"), ca.get("ca_list"),
          cv.get("status"), cv.get("code"), cv.get("observed_alert"), cv.get("agrees"),
          ",".join("%s:%s" % (a["from"], a.get("code", "encrypted")) for a in x.get("alerts", [])
                   if a["from"] == "server") or "-")
PY
sort "$W/cert.txt" >"$W/cert.sorted"
cat >"$W/want-cert.txt" <<'WANT'
6971 1.3 chain listed trusted 0 None True -
6972 1.3 chain not_listed trusted 0 unknown_ca False server:48
6973 1.2 chain not_listed trusted 0 unknown_ca False server:48
8443 1.2 chain no_list trusted 0 None True server:encrypted
WANT
diff "$W/want-cert.txt" "$W/cert.sorted" || fail "--cert rows differ"
grep -q 'verify error:num=20' "$W/server-J.log" || fail "server J did not refuse the client chain itself"
grep -q 'verify error' "$W/server-H.log" && fail "server H refused the client chain"
grep -q 'verify error:num=20' "$W/server-K.log" || fail "server K did not refuse the client chain itself"
# --cert without --key, and a key that is not the leaf's: exit 2, named
nsx "$T" probe --cert "$W/client-chain.pem" 10.48.36.218 >/dev/null 2>"$W/nokey.err"
[ $? -eq 2 ] && grep -q -- '--cert and --key go together' "$W/nokey.err" || fail "--cert without --key"
nsx "$T" probe --cert "$W/client-chain.pem" --key "$PKI/rsa.key" 10.48.36.218 >/dev/null 2>"$W/badkey.err"
[ $? -eq 2 ] && grep -q 'is not the key of the first certificate' "$W/badkey.err" ||
  { fail "--key of another certificate"; cat "$W/badkey.err"; }

# ---------------------------------------------------------------- replay
# --hello replay: a real client's ClientHello (openssl s_client with its own
# suites, groups and signature algorithms; a P-256 key share), captured here,
# is sent again to the server the capture shows: the same ClientHello field
# by field (suites, extensions in order with their lengths, groups,
# signature algorithms, JA3), with a fresh random (tshark) and the SNI the
# client sent; the server answers it as it answered the client.
if command -v tcpdump >/dev/null 2>&1; then
  netns_tcpdump_start lo "$W/client.pcap" "$W/td.log" tcp port 8443 and host 10.48.36.215 ||
    fail "tcpdump did not start"
  echo | nsx timeout 5 openssl s_client -connect 10.48.36.215:8443 -servername rsa.test.lab \
    -groups P-256:X25519 -ciphersuites TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256 \
    -cipher ECDHE-RSA-AES128-GCM-SHA256 -sigalgs 'RSA-PSS+SHA256:ECDSA+SHA256:RSA+SHA256' \
    >"$W/s_client.log" 2>&1
  netns_tcpdump_stop || fail "tcpdump dropped packets"
  "$T" -r "$W/client.pcap" --json $STORES >"$W/client.json" 2>/dev/null
  nsx "$T" probe --json $STORES --timeout 1 --hello replay --from-capture "$W/client.pcap" \
    -w "$W/replay.pcapng" >"$W/replay.json" 2>"$W/replay.err"
  python3 - "$W/client.json" "$W/replay.json" <<'PY' || fail "--hello replay differs from the captured hello"
import json, sys
cap = [json.loads(l) for l in open(sys.argv[1])]
rep = [json.loads(l) for l in open(sys.argv[2])]
bad = 0
def want(what, got, exp):
    global bad
    if got != exp:
        print("%s: %r, want %r" % (what, got, exp)); bad += 1
want("connections", (len(cap), len(rep)), (1, 1))
if len(cap) == 1 and len(rep) == 1:
    c, r = cap[0], rep[0]
    want("probe_hello", r["tlsscope"].get("probe_hello"), "replay")
    want("client_hello", r["tlsscope"]["client_hello"], c["tlsscope"]["client_hello"])
    want("ja3", r["tls"]["client"]["ja3"], c["tls"]["client"]["ja3"])
    want("server_name", r["tls"]["client"].get("server_name"), "rsa.test.lab")
    want("key_share_groups", r["tlsscope"]["client_hello"]["key_share_groups"], ["secp256r1"])
    want("answer", (r["tls"].get("version"), r["tls"].get("cipher"), r["tlsscope"]["verdict"]["status"]),
         ("1.3", "TLS_AES_128_GCM_SHA256", "trusted"))
sys.exit(1 if bad else 0)
PY
  if command -v tshark >/dev/null 2>&1; then
    r1=$(tshark -r "$W/client.pcap" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.random 2>/dev/null)
    r2=$(tshark -r "$W/replay.pcapng" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.random 2>/dev/null)
    [ -n "$r1" ] && [ -n "$r2" ] && [ "$r1" != "$r2" ] || fail "--hello replay: random not fresh ($r1 / $r2)"
  fi
else
  echo "t_probe: tcpdump missing, --hello replay not checked"
fi

echo "t_probe: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
