#!/bin/bash
# Regenerate the TLS 1.3 captures that come with a key log (pcaps/keylog/*.pcap
# + .keys, the pcapng with injected secrets) and their ground truth
# (pcaps/keylog/expected.tsv), from the committed PKI in pcaps/pki. They live
# apart from pcaps/*.pcap, whose checks read captures without keys.
#
#   sudo pcaps/keylog/make-captures.sh   # Debian 12: openssl 3.0, tcpdump, iproute2,
#                                        # tshark (editcap), python3
#
# Like make-captures.sh: real `openssl s_server` / `openssl s_client
# -keylogfile` inside a private network namespace, loopback only; the
# namespace, servers and tcpdump are removed on exit. The loopback MTU is
# 1500 with GSO off, so the server's encrypted flight spans TCP segments;
# one server also sends 512-byte records (-max_send_frag), so its
# Certificate message spans records. The expected rows are written from
# how each connection is built and checked against what s_client reports.
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
P=$HERE/../pki
die() { echo "make-keylog-captures: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
. "$HERE/../netns.sh"
netns_maker_begin kl openssl tcpdump editcap ip ss timeout tshark gtlsserver gtlsclient
OUT=$WORK/out
mkdir -p "$OUT" "$WORK/www"

C4=192.0.2.10 S4=192.0.2.20
netns_create "tlsscope-kl-$$" || die "cannot create a network namespace"
netns_loopback wire || die "cannot set up lo"
netns_addrs $C4 $S4 || die "cannot add $C4 $S4 to lo"
# QUIC clients cannot bind: route the server address from the client address,
# and let rsa.test.lab resolve inside the namespace
nsx ip route replace local $S4 dev lo src $C4 table local
echo "$S4 rsa.test.lab" | netns_hosts
printf '<html><body>tlsscope test server</body></html>\n' >"$WORK/www/index.html"
STORE=$HERE/../test-store.pem

start_capture() {
  CAP=$1
  CAP_RAW=$WORK/raw-${CAP%.*}.pcap
  TD_LOG=$WORK/tcpdump-${CAP%.*}.log
  log "capture $CAP"
  netns_tcpdump_start lo "$CAP_RAW" "$TD_LOG" "${CAP_FILTER:-tcp}" || die "tcpdump did not start"
  : >"$OUT/${CAP%.*}.keys"
}

stop_capture() {
  netns_tcpdump_stop || die "tcpdump dropped packets"
  cp "$CAP_RAW" "$OUT/$CAP"
}

SRV_N=0
start_server() { # start_server PORT NACCEPT s_server-options...
  local port=$1 n=$2; shift 2
  SRV_N=$((SRV_N + 1))
  local lg=$WORK/server-$SRV_N.log
  (cd "$WORK/www" && exec ip netns exec "$NS" openssl s_server -accept "$S4:$port" \
     -naccept "$n" -WWW -no-CAfile -no-CApath -no-CAstore "$@") >"$lg" 2>&1 &
  netns_track $!
  netns_wait_tcp "$S4" "$port" || die "server did not listen: $(cat "$lg")"
}

wait_servers() {
  # shellcheck disable=SC2086 # a PID list
  netns_wait_gone $NETNS_PIDS || die "server $NETNS_GONE_STUCK did not exit"
}

ROWS=$WORK/expected.rows
NEXT_PORT=43001
# client SUITE(IANA) CERTS LEAF_CN STATUS CODE DEPTH CLIENT_CERTS NOTE [-- s_client options]
# One s_client connection whose client random and secrets go to the
# capture's key log; the row says what a judge must find.
client() {
  local suite=$1 certs=$2 cn=$3 status=$4 code=$5 depth=$6 ccerts=$7 note=$8; shift 8
  [ "${1:-}" = -- ] && shift
  local cport=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
  local lg=$WORK/client-$cport.log kl=$WORK/client-$cport.keys
  printf 'GET /index.html HTTP/1.1\r\nHost: rsa.test.lab\r\nConnection: close\r\n\r\n' \
    | nsx timeout 10 openssl s_client -connect "$S4:443" -bind "$C4:$cport" -tls1_3 \
        -ciphersuites "$suite" -servername rsa.test.lab -verify_hostname rsa.test.lab \
        -CAfile "$STORE" -no-CApath -no-CAstore -verify 7 -ign_eof -keylogfile "$kl" "$@" \
        >"$lg" 2>&1 || true
  grep -q "Cipher is $suite\$" "$lg" || die "port $cport: cipher is not $suite (log $lg)"
  local got
  got=$(sed -n 's/^verify error:num=\([0-9]*\):.*/\1/p' "$lg" | head -n1)
  [ -n "$got" ] || got=$(sed -n 's/^ *Verify return code: \([0-9]*\) .*/\1/p' "$lg" | head -n1)
  [ "$got" = "$code" ] || die "port $cport: verify code $got, expected $code (log $lg)"
  grep -q "^SERVER_HANDSHAKE_TRAFFIC_SECRET " "$kl" || die "port $cport: no key log"
  cat "$kl" >>"$OUT/${CAP%.*}.keys"
  printf '%s\n' "$CAP	$C4	$cport	$S4	443	rsa.test.lab	$suite	$certs	$cn	$status	$code	$depth	$ccerts	$note" >>"$ROWS"
}

ALL5=TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256
RSA=(-cert "$P/rsa.crt" -key "$P/rsa.key" -cert_chain "$P/chain-test-int1.pem")

# 1. the five TLS 1.3 suites (RFC 8446 B.4), one connection each
start_capture tls13-keylog-suites.pcap
start_server 443 5 "${RSA[@]}" -ciphersuites "$ALL5" -alpn http/1.1
for s in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 \
         TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256; do
  client "$s" 2 rsa.test.lab trusted 0 - 0 "suite $s; ALPN http/1.1" -- -alpn http/1.1
done
wait_servers; stop_capture

# 2. HelloRetryRequest: the client's key share is X25519, the server wants P-256;
#    the server sends 512-byte records, so its Certificate spans records
start_capture tls13-keylog-hrr.pcap
start_server 443 1 "${RSA[@]}" -groups P-256 -max_send_frag 512
client TLS_AES_256_GCM_SHA384 2 rsa.test.lab trusted 0 - 0 \
  "HelloRetryRequest to P-256; server records of 512 bytes" -- -groups X25519:P-256
wait_servers; stop_capture

# 3. mutual TLS: CertificateRequest, the client's Certificate and CertificateVerify
start_capture tls13-keylog-mtls.pcap
start_server 443 1 "${RSA[@]}" -verify 3 -verify_return_error -CAfile "$STORE"
client TLS_AES_128_GCM_SHA256 2 rsa.test.lab trusted 0 - 2 \
  "client sends client.test.lab + Intermediate CA 1" \
  -- -cert "$P/client.crt" -key "$P/client.key" -cert_chain "$P/chain-client.pem"
wait_servers; stop_capture

# 4. a failing chain: the server's intermediate is not under a trusted root
start_capture tls13-keylog-unknown-ca.pcap
start_server 443 1 -cert "$P/unknown.crt" -key "$P/unknown.key" -cert_chain "$P/chain-unknown.pem"
client TLS_AES_128_GCM_SHA256 2 unknown.test.lab failed 20 1 0 \
  "Unknown Intermediate CA sent; the client's unknown_ca alert goes out in plaintext (before its handshake keys)" \
  -- -verify_return_error
wait_servers; stop_capture

# 5. QUIC v1 (RFC 9000/9001) from Debian's ngtcp2 examples (GnuTLS; key log from
#    SSLKEYLOGFILE): AES-128-GCM, a Retry (-V), ChaCha20 (ChaCha20 header
#    protection), AES-256-GCM, and a server whose chain does not verify.
#    Debian 12's ngtcp2 (0.12) knows only a draft of QUIC v2, so v2 is covered
#    by RFC 9369's test vectors in tests/unit/test_quic.c instead.
# quic PORT SERVER-OPTIONS CERT CHAIN CERTS LEAF_CN STATUS CODE DEPTH SUITE NOTE [-- client options]
quic() {
  local port=$1 sopts=$2 crt=$3 chain=$4 certs=$5 cn=$6 status=$7 code=$8 depth=$9 suite=${10}
  local note=${11}
  shift 11; [ "${1:-}" = -- ] && shift
  local lg=$WORK/quic-$port.log kl=$WORK/quic-$port.keys
  cat "$P/$crt.crt" "$P/$chain" >"$WORK/quic-$port.pem"
  # shellcheck disable=SC2086
  ip netns exec "$NS" timeout 10 gtlsserver -q $sopts -d "$WORK/www" "$S4" "$port" \
     "$P/$crt.key" "$WORK/quic-$port.pem" >"$WORK/quic-server-$port.log" 2>&1 &
  local spid=$!
  sleep 0.5
  SSLKEYLOGFILE=$kl nsx timeout 8 gtlsclient -q --exit-on-all-streams-close "$@" rsa.test.lab "$port" \
    "https://rsa.test.lab:$port/index.html" >"$lg" 2>&1 || true
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true
  grep -q "^SERVER_HANDSHAKE_TRAFFIC_SECRET " "$kl" || die "quic port $port: no key log"
  cat "$kl" >>"$OUT/${CAP%.*}.keys"
  QUIC_ROWS+=("$port	$suite	$certs	$cn	$status	$code	$depth	$note")
}
QUIC_ROWS=()
CAP_FILTER=udp start_capture tls13-keylog-quic.pcap
quic 4433 "" rsa chain-test-int1.pem 2 rsa.test.lab trusted 0 - TLS_AES_128_GCM_SHA256 \
  "QUIC v1, AES-128-GCM"
quic 4434 "-V" rsa chain-test-int1.pem 2 rsa.test.lab trusted 0 - TLS_AES_128_GCM_SHA256 \
  "QUIC v1 after a Retry"
quic 4435 "" rsa chain-test-int1.pem 2 rsa.test.lab trusted 0 - TLS_CHACHA20_POLY1305_SHA256 \
  "QUIC v1, ChaCha20-Poly1305 (ChaCha20 header protection)" \
  -- --ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305
quic 4436 "" rsa chain-test-int1.pem 2 rsa.test.lab trusted 0 - TLS_AES_256_GCM_SHA384 \
  "QUIC v1, AES-256-GCM" -- --ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM
quic 4437 "" unknown chain-unknown.pem 2 unknown.test.lab failed 20 1 TLS_AES_128_GCM_SHA256 \
  "QUIC v1, Unknown Intermediate CA sent"
stop_capture
# the client ports are the kernel's: read them back from the capture
for r in "${QUIC_ROWS[@]}"; do
  IFS=$'\t' read -r port suite certs cn status code depth note <<<"$r"
  cport=$(tshark -n -r "$OUT/tls13-keylog-quic.pcap" -Y "udp.dstport==$port" -T fields -e udp.srcport | head -n 1)
  [ -n "$cport" ] || die "quic port $port: no packets"
  printf '%s\n' "tls13-keylog-quic.pcap	$C4	$cport	$S4	$port	rsa.test.lab	$suite	$certs	$cn	$status	$code	$depth	0	$note" >>"$ROWS"
done

# 6. the same secrets carried inside the capture (pcapng Decryption Secrets Block)
editcap --inject-secrets "tls,$OUT/tls13-keylog-suites.keys" "$OUT/tls13-keylog-suites.pcap" \
  "$OUT/tls13-keylog-dsb.pcapng"

{
  echo "# Ground truth for the TLS 1.3 key-log captures, from pcaps/keylog/make-captures.sh."
  echo "# status/code/depth: expressway profile; client_certs: certificates in the client's Certificate."
  printf 'capture\tclient_ip\tclient_port\tserver_ip\tserver_port\tsni\tcipher_iana\tcerts\tleaf_cn\tstatus\tcode\tdepth\tclient_certs\tnote\n'
  cat "$ROWS"
} >"$OUT/expected.tsv"
cp "$OUT"/tls13-keylog-* "$OUT/expected.tsv" "$HERE/"
log "done: $(ls "$OUT" | tr '\n' ' ')"
