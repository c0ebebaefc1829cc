#!/bin/bash
# Make the mutual-TLS test captures (issue 13) and their ground truth,
# pcaps/mtls-expected.tsv, from how each connection is built and from what
# the server itself decided (s_server's verify output) -- never from tlsscope.
#
#   sudo pcaps/make-mtls-captures.sh     # Debian 12: openssl 3.0, tcpdump, iproute2
#
# Same pattern as make-captures.sh: real `openssl s_server -Verify 2
# -verify_return_error` / `openssl s_client -cert` inside a private network
# namespace on its loopback only, removed on exit. It reuses the committed
# PKI in pcaps/pki (read only) and writes only new files, so every other
# capture stays byte-identical:
#   mtls.pcap        TLS 1.2, one server per scenario (ports 6971-6975)
#   mtls-tls13.pcap  TLS 1.3 with a client certificate (encrypted; the NSS key
#                    log mtls-tls13.keys makes it visible to a decrypting reader)
# The server's store for client certificates is test-store.pem (the test
# root), as CUCM's tomcat-trust would hold the CA of Expressway-C's cert.
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
P=$HERE/pki
die() { echo "make-mtls-captures: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

. "$HERE/netns.sh"
netns_maker_begin mtls openssl tcpdump ip ss timeout

C4=192.0.2.10 S4=192.0.2.20
netns_create "tlsscope-mtls-$$" || die "cannot create a network namespace"
netns_loopback wire || die "cannot set up lo"
netns_addrs $C4 $S4 || die "cannot add $C4 $S4 to lo"
mkdir -p "$WORK/www"
printf '<html><body>tlsscope mTLS test server</body></html>\n' >"$WORK/www/index.html"

start_capture() { # start_capture FILE
  CAP=$1
  TD_LOG=$WORK/tcpdump-$CAP.log
  netns_tcpdump_start lo "$WORK/$CAP" "$TD_LOG" tcp || die "tcpdump did not start: $(cat "$TD_LOG")"
}
stop_capture() {
  netns_tcpdump_stop || die "tcpdump dropped packets"
}

# server PORT VERSION s_server-options...: one connection, then exit. The
# server certificate is rsa.test.lab (test-int1), judged with test-store.pem.
SRV_LOG=""
server() {
  local port=$1 ver=$2; shift 2
  SRV_LOG=$WORK/server-$port.log
  (cd "$WORK/www" && exec ip netns exec "$NS" openssl s_server -accept "$S4:$port" -naccept 1 -WWW \
     -cert "$P/rsa.crt" -key "$P/rsa.key" -cert_chain "$P/chain-test-int1.pem" \
     -no-CApath -no-CAstore "-tls1_$ver" -Verify 2 -verify_return_error "$@") >"$SRV_LOG" 2>&1 &
  netns_track $!
  netns_wait_tcp "$S4" "$port" || die "server $port did not listen"
}
wait_servers() {
  # shellcheck disable=SC2086 # a PID list
  netns_wait_gone $NETNS_PIDS || die "server $NETNS_GONE_STUCK did not exit"
}

# client PORT CPORT VERSION s_client-options...
client() {
  local port=$1 cport=$2 ver=$3; shift 3
  CLI_LOG=$WORK/client-$cport.log
  printf 'GET /index.html HTTP/1.1\r\nHost: rsa.test.lab\r\nConnection: close\r\n\r\n' \
    | nsx timeout 10 openssl s_client -connect "$S4:$port" -bind "$C4:$cport" \
        -servername rsa.test.lab -verify 7 -verify_return_error -CAfile "$HERE/test-store.pem" \
        -no-CApath -no-CAstore -ign_eof "-tls1_$ver" "$@" >"$CLI_LOG" 2>&1 || true
}

ROWS=$WORK/rows
# expect CAPTURE PORT CPORT KEY=VALUE...: declared from how the scenario is
# built, then checked against what s_server reported (verify error num and
# depth, or none) and whether the client got its HTTP answer.
#   client_sent=chain|empty  ca_list=listed|not_listed|no_list
#   status=trusted|failed code=N|- depth=N|- server_alert=N|- (AlertDescription)
expect() {
  local cap=$1 port=$2 cport=$3; shift 3
  local client_sent="" ca_list="" status="" code=- depth=- server_alert=- note=-
  for kv in "$@"; do local "$kv"; done
  local got_code got_depth
  got_code=$(sed -n 's/^verify error:num=\([0-9]*\):.*/\1/p' "$SRV_LOG" | head -n1)
  got_depth=$(grep -B1 -m1 '^verify error:num=' "$SRV_LOG" | sed -n 's/^depth=\([0-9]*\) .*/\1/p' || true)
  if [ "$client_sent" = empty ]; then
    grep -q 'peer did not return a certificate' "$SRV_LOG" \
      || die "port $port: s_server did not refuse the missing certificate ($SRV_LOG)"
  elif [ "$status" = failed ]; then
    [ "$got_code" = "$code" ] || die "port $port: s_server verify error '$got_code', expected $code ($SRV_LOG)"
    [ "$got_depth" = "$depth" ] || die "port $port: s_server error depth '$got_depth', expected $depth"
  else
    [ -z "$got_code" ] || die "port $port: s_server reported verify error $got_code ($SRV_LOG)"
  fi
  if [ "$status" = trusted ]; then
    grep -q '^HTTP/1.0 200 ok' "$CLI_LOG" || die "port $port: no HTTP answer ($CLI_LOG)"
  else
    grep -q '^HTTP/1.0 200 ok' "$CLI_LOG" && die "port $port: handshake should have failed"
    # the alert the client received, as s_client reports it
    grep -q "SSL alert number $server_alert\$" "$CLI_LOG" || die "port $port: client did not get alert $server_alert ($CLI_LOG)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cap" "$port" "$cport" "$client_sent" "$ca_list" \
    "$status" "$code" "$depth" "$server_alert" "$note" >>"$ROWS"
}

# ------------------------------------------------------------- TLS 1.2
log "mtls.pcap"
start_capture mtls.pcap
# 6971: a good client chain (clientAuth leaf + test-int1), CA list = test root
server 6971 2 -CAfile "$HERE/test-store.pem"
client 6971 43001 2 -cert "$P/client.crt" -key "$P/client.key" -cert_chain "$P/chain-client.pem"
wait_servers
expect mtls.pcap 6971 43001 client_sent=chain ca_list=listed status=trusted note="good chain"
# 6972: the client presents a "Web Server" certificate (serverAuth only):
# X509_V_ERR_INVALID_PURPOSE at depth 0, unsupported_certificate(43)
server 6972 2 -CAfile "$HERE/test-store.pem"
client 6972 43002 2 -cert "$P/rsa.crt" -key "$P/rsa.key" -cert_chain "$P/chain-test-int1.pem"
wait_servers
expect mtls.pcap 6972 43002 client_sent=chain ca_list=listed status=failed code=26 depth=0 \
  server_alert=43 note="serverAuth-only leaf"
# 6973: a chain under a CA the server's store lacks (unknown-int, unknown root
# not sent): unable to get local issuer certificate at depth 1, unknown_ca(48);
# no issuer of the chain is in the server's CA list
server 6973 2 -CAfile "$HERE/test-store.pem"
client 6973 43003 2 -cert "$P/unknown.crt" -key "$P/unknown.key" -cert_chain "$P/chain-unknown.pem"
wait_servers
expect mtls.pcap 6973 43003 client_sent=chain ca_list=not_listed status=failed code=20 depth=1 \
  server_alert=48 note="unknown issuing CA"
# 6974: the client has no certificate: empty Certificate, handshake_failure(40)
server 6974 2 -CAfile "$HERE/test-store.pem"
client 6974 43004 2
wait_servers
expect mtls.pcap 6974 43004 client_sent=empty ca_list=no_chain status=failed code=- depth=- \
  server_alert=40 note="no client certificate"
# 6975: good chain, CertificateRequest without a CA list (-verifyCAfile
# verifies without announcing the CAs)
server 6975 2 -no-CAfile -verifyCAfile "$HERE/test-store.pem"
client 6975 43005 2 -cert "$P/client.crt" -key "$P/client.key" -cert_chain "$P/chain-client.pem"
wait_servers
expect mtls.pcap 6975 43005 client_sent=chain ca_list=no_list status=trusted note="no CA list"
stop_capture

# ------------------------------------------------------------- TLS 1.3
log "mtls-tls13.pcap"
start_capture mtls-tls13.pcap
server 6976 3 -CAfile "$HERE/test-store.pem"
client 6976 43006 3 -cert "$P/rsa.crt" -key "$P/rsa.key" -cert_chain "$P/chain-test-int1.pem" \
  -keylogfile "$WORK/mtls-tls13.keys"
wait_servers
# TLS 1.3: the server's alert is encrypted too; s_client still names it
expect mtls-tls13.pcap 6976 43006 client_sent=chain ca_list=listed status=failed code=26 depth=0 \
  server_alert=43 note="TLS 1.3: CertificateRequest and Certificate encrypted"
stop_capture

{
  echo "# Ground truth of the mutual-TLS captures (pcaps/make-mtls-captures.sh): how each connection was built,"
  echo "# checked against s_server's own verify result. Server 192.0.2.20 (rsa.test.lab, trusted by test-store.pem);"
  echo "# the server's store for client certificates is test-store.pem. code/depth: OpenSSL X509_V_ERR as s_server logged it."
  printf 'capture\tserver_port\tclient_port\tclient_sent\tca_list\tstatus\tcode\tdepth\tserver_alert\tnote\n'
  cat "$ROWS"
} >"$WORK/mtls-expected.tsv"
for f in mtls.pcap mtls-tls13.pcap mtls-tls13.keys mtls-expected.tsv; do cp "$WORK/$f" "$HERE/$f"; done
log "done"
