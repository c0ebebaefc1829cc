#!/bin/bash
# Make the OCSP-stapling test capture (issue 16) and its ground truth,
# pcaps/ocsp-expected.tsv, from what `openssl ocsp` itself reads in the
# responses the servers staple -- never from tlsscope.
#
#   sudo pcaps/make-ocsp-captures.sh     # Debian 12: openssl 3.0, tcpdump, iproute2
#
# Same pattern as make-mtls-captures.sh (pcaps/netns.sh): real `openssl s_server -status_file`
# and `openssl s_client -status` inside a private network namespace on its
# loopback only, removed on exit. It signs two new leaves under the committed
# Test Intermediate CA 1 (pcaps/pki, read only) with every extension the
# certificate page shows (AIA, CRL distribution points, certificate policies
# with a CPS and a user notice, TLS Feature, an unknown private OID), makes
# the OCSP responses with `openssl ocsp` (responder = the intermediate), and
# writes only new files, so every other capture stays byte-identical:
#   ocsp-staple.pcap   8453: TLS 1.2, CertificateStatus with a "good" response
#                      8454: TLS 1.3, the staple inside the encrypted Certificate
#                            (key log ocsp-staple.keys)
#                      8455: TLS 1.2, a "revoked" (keyCompromise) response
#   pki/ocsp.{crt,key}, pki/ocsp-revoked.{crt,key}, ocsp-good.der, ocsp-revoked.der
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
P=$HERE/pki
die() { echo "make-ocsp-captures: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

. "$HERE/netns.sh"
netns_maker_begin ocsp openssl tcpdump ip ss timeout

# ------------------------------------------------------------- certificates
cat >"$WORK/ext.cnf" <<'EOF'
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:ocsp.test.lab
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://ocsp.test.lab/, caIssuers;URI:http://pki.test.lab/test-int1.crt
crlDistributionPoints = URI:http://pki.test.lab/test-int1.crl
certificatePolicies = ia5org, 2.23.140.1.2.2, @policy
tlsfeature = status_request
1.3.6.1.4.1.55555.1.1 = ASN1:UTF8String:tlsscope test extension
[policy]
policyIdentifier = 1.3.6.1.4.1.55555.2.1
CPS.1 = http://pki.test.lab/cps
userNotice.1 = @notice
[notice]
explicitText = "Test certificates only"
organization = "tlsscope test PKI"
noticeNumbers = 1, 2
EOF
leaf() { # leaf NAME SERIAL
  openssl req -new -newkey rsa:2048 -nodes -keyout "$WORK/$1.key" -out "$WORK/$1.csr" \
    -subj "/C=BE/O=tlsscope test PKI/CN=ocsp.test.lab" 2>/dev/null
  openssl x509 -req -in "$WORK/$1.csr" -CA "$P/test-int1.crt" -CAkey "$P/test-int1.key" \
    -set_serial "$2" -days 3650 -sha256 -extfile "$WORK/ext.cnf" -extensions leaf \
    -out "$WORK/$1.crt" 2>/dev/null
  openssl verify -CAfile "$HERE/test-store.pem" -untrusted "$P/chain-test-int1.pem" "$WORK/$1.crt" >/dev/null \
    || die "$1.crt does not verify"
}
log "certificates"
leaf ocsp 0x0c5901
leaf ocsp-revoked 0x0c5902

# ------------------------------------------------------------- OCSP responses
# openssl ca's index: V(alid) or R(evoked) <notAfter> <revocation[,reason]> <serial> unknown <subject>
exp=$(date -u -d '+10 years' +%y%m%d%H%M%SZ)
rev=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t0C5901\tunknown\t/C=BE/O=tlsscope test PKI/CN=ocsp.test.lab\n' "$exp" >"$WORK/index.txt"
printf 'R\t%s\t%s,keyCompromise\t0C5902\tunknown\t/C=BE/O=tlsscope test PKI/CN=ocsp.test.lab\n' \
  "$exp" "$rev" >>"$WORK/index.txt"
respond() { # respond LEAF OUT
  openssl ocsp -issuer "$P/test-int1.crt" -cert "$WORK/$1.crt" -no_nonce -reqout "$WORK/$1.req" 2>/dev/null
  openssl ocsp -index "$WORK/index.txt" -rsigner "$P/test-int1.crt" -rkey "$P/test-int1.key" \
    -CA "$P/test-int1.crt" -reqin "$WORK/$1.req" -respout "$WORK/$2" -ndays 7 2>/dev/null
  openssl ocsp -respin "$WORK/$2" -resp_text -noverify >"$WORK/$2.txt" 2>&1
}
respond ocsp ocsp-good.der
respond ocsp-revoked ocsp-revoked.der

# ------------------------------------------------------------- network
C4=192.0.2.10 S4=192.0.2.20
netns_create "tlsscope-ocsp-$$" || die "cannot create a network namespace"
netns_loopback wire || die "cannot set up lo"
netns_addrs $C4 $S4 || die "cannot add $C4 $S4 to lo"
mkdir -p "$WORK/www"
printf '<html><body>tlsscope OCSP stapling test server</body></html>\n' >"$WORK/www/index.html"

CAP=ocsp-staple.pcap
TD_LOG=$WORK/tcpdump.log
netns_tcpdump_start lo "$WORK/$CAP" "$TD_LOG" tcp || die "tcpdump did not start: $(cat "$TD_LOG")"

# server PORT VERSION LEAF RESPONSE: one connection, then exit
server() {
  local port=$1 ver=$2 leafname=$3 resp=$4
  (cd "$WORK/www" && exec ip netns exec "$NS" openssl s_server -accept "$S4:$port" -naccept 1 -WWW \
     -cert "$WORK/$leafname.crt" -key "$WORK/$leafname.key" -cert_chain "$P/chain-test-int1.pem" \
     -no-CApath -no-CAstore "-tls1_$ver" -status_file "$WORK/$resp") >"$WORK/server-$port.log" 2>&1 &
  netns_track $!
  netns_wait_tcp "$S4" "$port" || die "server $port did not listen"
}
# client PORT CPORT VERSION WANT-STATUS s_client-options...: the client asks
# for the staple and must see the status `openssl ocsp` put in it
client() {
  local port=$1 cport=$2 ver=$3 want=$4; shift 4
  local log=$WORK/client-$cport.log
  printf 'GET /index.html HTTP/1.1\r\nHost: ocsp.test.lab\r\nConnection: close\r\n\r\n' \
    | nsx timeout 10 openssl s_client -connect "$S4:$port" -bind "$C4:$cport" -status \
        -servername ocsp.test.lab -verify 7 -verify_return_error -CAfile "$HERE/test-store.pem" \
        -no-CApath -no-CAstore -ign_eof "-tls1_$ver" "$@" >"$log" 2>&1 || true
  grep -q '^HTTP/1.0 200 ok' "$log" || die "port $port: no HTTP answer ($log)"
  grep -q 'OCSP Response Status: successful' "$log" || die "port $port: no stapled response ($log)"
  grep -q "Cert Status: $want\$" "$log" || die "port $port: staple is not '$want' ($log)"
  netns_wait_gone $NETNS_PIDS || die "server $NETNS_GONE_STUCK did not exit"
}
log "$CAP"
server 8453 2 ocsp ocsp-good.der
client 8453 44001 2 good
server 8454 3 ocsp ocsp-good.der
client 8454 44002 3 good -keylogfile "$WORK/ocsp-staple.keys"
server 8455 2 ocsp-revoked ocsp-revoked.der
client 8455 44003 2 revoked
netns_tcpdump_stop || die "tcpdump dropped packets"

# ------------------------------------------------------------- ground truth
# one row per connection, from `openssl ocsp -resp_text` on the response the
# server was given (the capture carries exactly those bytes: tests check that)
row() { # row PORT CPORT VERSION RESPONSE
  local t=$WORK/$4.txt
  local produced this next status reason
  produced=$(sed -n 's/^ *Produced At: //p' "$t")
  status=$(sed -n 's/^ *Cert Status: //p' "$t")
  this=$(sed -n 's/^ *This Update: //p' "$t")
  next=$(sed -n 's/^ *Next Update: //p' "$t")
  reason=$(sed -n 's/^ *Revocation Reason: \([A-Za-z]*\).*/\1/p' "$t")
  [ -n "$status" ] && [ -n "$produced" ] || die "$4: openssl ocsp did not read it"
  iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$CAP" "$1" "$2" "$3" "$status" "${reason:--}" \
    "$(iso "$produced")" "$(iso "$this")" "$(iso "$next")"
}
{
  echo "# Ground truth of ocsp-staple.pcap (pcaps/make-ocsp-captures.sh): the stapled OCSP response of each"
  echo "# connection as \`openssl ocsp -respin -resp_text\` reads it; responder: the Test Intermediate CA 1."
  printf 'capture\tserver_port\tclient_port\ttls\tcert_status\treason\tproduced_at\tthis_update\tnext_update\n'
  row 8453 44001 1.2 ocsp-good.der
  row 8454 44002 1.3 ocsp-good.der
  row 8455 44003 1.2 ocsp-revoked.der
} >"$WORK/ocsp-expected.tsv"

cp "$WORK/$CAP" "$WORK/ocsp-staple.keys" "$WORK/ocsp-expected.tsv" "$HERE/"
for f in ocsp.crt ocsp.key ocsp-revoked.crt ocsp-revoked.key ocsp-good.der ocsp-revoked.der; do
  cp "$WORK/$f" "$P/$f"
done
log "done"
