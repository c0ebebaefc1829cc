#!/bin/bash
# Regenerate every test capture, PKI file and trust store under pcaps/ from
# scratch, and write the ground truth (pcaps/expected.tsv) from how each
# scenario is built -- never from tlsscope.
#
#   sudo pcaps/make-captures.sh          # Debian 12: openssl 3.0, tcpdump,
#                                        # iproute2, tshark (editcap), python3
#
# All traffic is real `openssl s_server` / `openssl s_client` TLS inside a
# private network namespace (tlsscope-gen-<pid>) on its loopback only; the
# namespace, the servers and tcpdump are removed on exit, also on failure.
# Everything is built in a scratch directory; check_captures.py re-checks
# every row of expected.tsv against the new captures with tshark (and the
# chains with `openssl verify`), and only then are the files in pcaps/
# replaced, so a failed or interrupted run leaves pcaps/ as it was.
#
# Environment: KEEP_WORK=1 keeps the scratch directory (logs) for debugging.
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
CONF=$HERE/pki-conf/ca.cnf

die() { echo "make-captures: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace, tcpdump)"
for t in openssl tcpdump tshark editcap ip ss python3 timeout; do
  command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done
case "$(openssl version)" in
  "OpenSSL 3."*) ;;
  *) die "need OpenSSL 3.x (have: $(openssl version))" ;;
esac

# ----------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/tlsscope-gen.XXXXXX)
# Everything is generated into $OUT and replaces pcaps/ only after the
# check passed, so a failed or interrupted run leaves pcaps/ untouched.
OUT=$WORK/out
PKI=$OUT/pki
. "$HERE/netns.sh"

cleanup() {
  rc=$?
  set +e
  netns_destroy
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    echo "make-captures: scratch directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "make-captures: interrupted" >&2; exit 130' INT TERM HUP

# --------------------------------------------------------------------- PKI
# Validity: everything meant to be valid runs 2020-01-01 .. 2045-12-31 so the
# committed captures stay judgeable (they are judged at capture time anyway).
V_START=200101000000Z
V_END=451231235959Z

mkkey() { # mkkey rsa|ec FILE
  case "$1" in
    rsa) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
    ec)  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
           -pkeyopt ec_param_enc:named_curve -out "$2" ;;
  esac
}

# mkcert NAME KEYTYPE SUBJECT ISSUER|self EXTSECTION [START END]
# Writes $PKI/NAME.key and $PKI/NAME.crt. Every certificate, roots included,
# is made by `openssl ca` so that -startdate/-enddate set exact dates.
mkcert() {
  local name=$1 kt=$2 subj=$3 issuer=$4 ext=$5 start=${6:-$V_START} end=${7:-$V_END}
  local cadir=$WORK/ca/${issuer}
  [ "$issuer" = self ] && cadir=$WORK/ca/$name
  mkdir -p "$cadir/newcerts"; touch "$cadir/index.txt"
  mkkey "$kt" "$PKI/$name.key"
  openssl req -new -config "$CONF" -key "$PKI/$name.key" -subj "$subj" \
    -out "$WORK/$name.csr"
  if [ "$issuer" = self ]; then
    CADIR=$cadir openssl ca -batch -config "$CONF" -selfsign -keyfile "$PKI/$name.key" \
      -in "$WORK/$name.csr" -out "$PKI/$name.crt" -extensions "$ext" -subj "$subj" \
      -preserveDN -notext -rand_serial -startdate "$start" -enddate "$end" 2>"$WORK/ca.log" \
      || { cat "$WORK/ca.log" >&2; die "openssl ca failed for $name"; }
  else
    CADIR=$cadir openssl ca -batch -config "$CONF" -cert "$PKI/$issuer.crt" \
      -keyfile "$PKI/$issuer.key" -in "$WORK/$name.csr" -out "$PKI/$name.crt" \
      -extensions "$ext" -subj "$subj" -preserveDN -notext -rand_serial \
      -startdate "$start" -enddate "$end" 2>"$WORK/ca.log" \
      || { cat "$WORK/ca.log" >&2; die "openssl ca failed for $name"; }
  fi
  # `openssl ca` output is PEM already; normalise (drops any leading text).
  openssl x509 -in "$PKI/$name.crt" -out "$PKI/$name.crt.tmp" && mv "$PKI/$name.crt.tmp" "$PKI/$name.crt"
}

# cat certificates into a PEM bundle: bundle OUT NAME...
bundle() { local out=$1; shift; : >"$out"; for n in "$@"; do cat "$PKI/$n.crt" >>"$out"; done; }

make_pki() {
  log "PKI"
  mkdir -p "$PKI" "$WORK/ca"

  # --- steven.lab: the Expressway lab of the Cisco article
  mkcert steven-dc-ca rsa "/DC=lab/DC=steven/CN=steven-DC-CA" self v3_root
  mkcert cucm-tomcat rsa \
    "/C=BE/ST=Flamish-Brabant/L=Diegem/O=Cisco/OU=TAC/CN=cucm-ms.steven.lab" \
    steven-dc-ca leaf_cucm_tomcat
  # CUCM tomcat-ECDSA: self-signed (CUCM's default for the ECDSA variant).
  mkcert cucm-tomcat-ecdsa ec \
    "/C=BE/ST=Flamish-Brabant/L=Diegem/O=Cisco/OU=TAC/CN=cucm-EC.steven.lab" \
    self leaf_cucm_tomcat_ecdsa
  # IM&P: issued by an intermediate under a root Expressway does not have.
  mkcert steven-offline-root rsa "/DC=lab/DC=steven/CN=steven-Offline-Root-CA" self v3_root
  mkcert steven-imp-ca rsa "/DC=lab/DC=steven/CN=steven-IMP-Issuing-CA" \
    steven-offline-root v3_int_pl0
  mkcert imp rsa "/C=BE/ST=Flamish-Brabant/L=Diegem/O=Cisco/OU=TAC/CN=imp.steven.lab" \
    steven-imp-ca leaf_imp
  # Unity Connection: signed by steven-DC-CA but expired on 2021-01-01.
  mkcert unity rsa "/C=BE/ST=Flamish-Brabant/L=Diegem/O=Cisco/OU=TAC/CN=unity.steven.lab" \
    steven-dc-ca leaf_unity 190101000000Z 210101000000Z
  # An unrelated root that also sits in the Expressway trust store.
  mkcert vngtp-ca rsa "/DC=lab/DC=vngtp/CN=vngtp-ACTIVE-DIR-CA" self v3_root

  # --- generic test PKI
  mkcert test-root rsa "/O=tlsscope test PKI/CN=tlsscope Test Root CA" self v3_root
  mkcert test-int1 rsa "/O=tlsscope test PKI/CN=tlsscope Test Intermediate CA 1" test-root v3_int
  mkcert test-int2 rsa "/O=tlsscope test PKI/CN=tlsscope Test Intermediate CA 2" test-int1 v3_int_pl0
  mkcert rsa       rsa "/O=tlsscope test PKI/CN=rsa.test.lab"       test-int1 leaf_rsa
  mkcert ecdsa     ec  "/O=tlsscope test PKI/CN=ecdsa.test.lab"     test-int1 leaf_ecdsa
  mkcert dual-rsa  rsa "/O=tlsscope test PKI/CN=dual-rsa.test.lab"  test-int1 leaf_dual_rsa
  mkcert dual-ec   ec  "/O=tlsscope test PKI/CN=dual-ec.test.lab"   test-int1 leaf_dual_ec
  mkcert ip        rsa "/O=tlsscope test PKI/CN=ip.test.lab"        test-int1 leaf_ip
  mkcert v6        rsa "/O=tlsscope test PKI/CN=v6.test.lab"        test-int1 leaf_v6
  mkcert multi     rsa "/O=tlsscope test PKI/CN=multi.test.lab"     test-int2 leaf_multi
  mkcert client    ec  "/O=tlsscope test PKI/CN=client.test.lab"    test-int1 leaf_client
  mkcert expired   rsa "/O=tlsscope test PKI/CN=expired.test.lab"   test-int1 leaf_expired \
    200101000000Z 210101000000Z
  mkcert notyet    rsa "/O=tlsscope test PKI/CN=notyet.test.lab"    test-int1 leaf_notyet \
    440101000000Z 451231235959Z
  mkcert wild      rsa "/O=tlsscope test PKI/CN=*.wild.example.lab" test-int1 leaf_wild
  # CAs the test store does not hold
  mkcert unknown-root rsa "/O=tlsscope unknown PKI/CN=tlsscope Unknown Root CA" self v3_root
  mkcert unknown-int  rsa "/O=tlsscope unknown PKI/CN=tlsscope Unknown Intermediate CA" \
    unknown-root v3_int_pl0
  mkcert unknown      rsa "/O=tlsscope unknown PKI/CN=unknown.test.lab" unknown-int leaf_unknown
  mkcert rogue-root   rsa "/O=tlsscope rogue PKI/CN=tlsscope Rogue Root CA" self v3_root
  mkcert rogue-int    rsa "/O=tlsscope rogue PKI/CN=tlsscope Rogue Intermediate CA" \
    rogue-root v3_int_pl0
  mkcert rogue        rsa "/O=tlsscope rogue PKI/CN=rogue.test.lab" rogue-int leaf_rogue

  # Chains the servers send after their leaf (-cert_chain), in wire order.
  bundle "$PKI/chain-test-int1.pem"   test-int1
  bundle "$PKI/chain-test-int2-int1.pem" test-int2 test-int1
  bundle "$PKI/chain-steven-imp.pem"  steven-imp-ca
  bundle "$PKI/chain-unknown.pem"     unknown-int
  bundle "$PKI/chain-rogue.pem"       rogue-int rogue-root
  bundle "$PKI/chain-client.pem"      test-int1

  # Trust stores
  bundle "$OUT/expressway-store.pem" steven-dc-ca vngtp-ca
  bundle "$OUT/test-store.pem"       test-root
  rm -f "$PKI"/*.csr
}

# ------------------------------------------------------------- namespace
ADDRS4="10.48.36.10 10.48.36.215 10.48.36.216 10.48.36.217 192.0.2.10 192.0.2.20 192.0.2.21"
ADDRS6="fd00:7c5::10 fd00:7c5::20"

make_ns() {
  log "network namespace tlsscope-gen-$$"
  netns_create "tlsscope-gen-$$" || die "cannot create network namespace tlsscope-gen-$$"
  netns_loopback wire || die "cannot set up lo in $NS"
  # shellcheck disable=SC2086 # address lists
  netns_addrs $ADDRS4 $ADDRS6 || die "cannot add the addresses to lo in $NS"
}

# ------------------------------------------------------------- web roots
make_www() {
  mkdir -p "$WORK/www/cucm-uds/user/emusk"
  printf '<html><body>tlsscope test server</body></html>\n' >"$WORK/www/index.html"
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<devices uri="https://cucm.steven.lab:8443/cucm-uds/user/emusk/devices" version="14.0.1"><device><name>CSFemusk</name><model>Cisco Unified Client Services Framework</model></device></devices>\n' \
    >"$WORK/www/cucm-uds/user/emusk/devices"
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<device><deviceProtocol>SIP</deviceProtocol><sshUserId></sshUserId><devicePool><name>Default</name></devicePool><callManagerGroup><members><member priority="0"><callManager><name>cucm.steven.lab</name></callManager></member></members></callManagerGroup></device>\n' \
    >"$WORK/www/CSFemusk.cnf.xml"
}

# ---------------------------------------------------------------- capture
CAP=""       # capture file name (relative to pcaps/)
CAP_RAW=""   # file tcpdump writes
start_capture() { # start_capture NAME [IFACE] [tcpdump options...]
  CAP=$1; local ifc=${2:-lo}; shift; [ $# -gt 0 ] && shift
  CAP_RAW=$WORK/raw-${CAP%.*}.pcap
  TD_LOG=$WORK/tcpdump-${CAP%.*}.log
  log "capture $CAP (tcpdump -i $ifc)"
  netns_tcpdump_start "$ifc" "$CAP_RAW" "$TD_LOG" "$@" "${CAP_FILTER:-tcp}" \
    || die "tcpdump did not start: $(cat "$TD_LOG")"
}

stop_capture() {
  netns_tcpdump_stop || die "tcpdump dropped packets: $(cat "$TD_LOG")"
  if [ "${CAP##*.}" = pcap ]; then cp "$CAP_RAW" "$OUT/$CAP"; fi
}

# ----------------------------------------------------------------- servers
# start_server ADDR PORT NACCEPT s_server-options...
# Serves $WORK/www with -WWW (GET /file -> "HTTP/1.0 200 ok" + file, then
# close_notify), exits by itself after NACCEPT connections.
SRV_N=0
start_server() {
  local addr=$1 port=$2 n=$3; shift 3
  SRV_N=$((SRV_N + 1))
  local lg=$WORK/server-$SRV_N-$port.log
  local acc=$addr
  case "$addr" in *:*) acc="[$addr]" ;; esac
  (cd "$WORK/www" && exec ip netns exec "$NS" openssl s_server -accept "$acc:$port" \
     -naccept "$n" -WWW -no-CAfile -no-CApath -no-CAstore "$@") >"$lg" 2>&1 &
  netns_track $!
  netns_wait_tcp "$addr" "$port" || die "server $acc:$port did not listen: $(cat "$lg")"
}

wait_servers() { # all servers must have served their NACCEPT connections
  # shellcheck disable=SC2086 # a PID list
  netns_wait_gone $NETNS_PIDS || die "server $NETNS_GONE_STUCK did not exit"
}

# ------------------------------------------------------------------ client
# The ground truth is declared here, next to the connection that realises
# it, and checked against what s_client itself reports.
NEXT_PORT=40001
STORE=""                 # trust store of the current capture (relative)
ROWS=$WORK/expected.rows

# IANA name and code point of the cipher suites used here.
cipher_iana() {
  case "$1" in
    ECDHE-RSA-AES128-GCM-SHA256)   echo "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 0xc02f" ;;
    ECDHE-RSA-AES256-GCM-SHA384)   echo "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 0xc030" ;;
    ECDHE-ECDSA-AES128-GCM-SHA256) echo "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 0xc02b" ;;
    ECDHE-ECDSA-AES256-GCM-SHA384) echo "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 0xc02c" ;;
    TLS_AES_128_GCM_SHA256)        echo "TLS_AES_128_GCM_SHA256 0x1301" ;;
    TLS_AES_256_GCM_SHA384)        echo "TLS_AES_256_GCM_SHA384 0x1302" ;;
    *) die "unknown cipher $1" ;;
  esac
}

# OpenSSL 1.1.1 texts (what Expressway logs), per VERIFY-SPEC.
reason_text() {
  case "$1" in
    0) echo "ok" ;;
    2) echo "unable to get issuer certificate" ;;
    9) echo "certificate is not yet valid" ;;
    10) echo "certificate has expired" ;;
    18) echo "self signed certificate" ;;
    19) echo "self signed certificate in certificate chain" ;;
    20) echo "unable to get local issuer certificate" ;;
    47) echo "permitted subtree violation" ;;
    *) die "no reason text for $1" ;;
  esac
}

is_ip() { case "$1" in *:*|[0-9]*.[0-9]*.[0-9]*.[0-9]*) return 0 ;; esac; return 1; }

# client key=value... [-- extra s_client options]
#  cip sip port       client address, server address and port (required)
#  sni=NAME|-         SNI sent (-: -noservername)
#  ver=1.2|1.3        version forced with -tls1_2 / -tls1_3
#  cipher=OSSL        suite the server will pick (by construction)
#  ciphers=LIST       client's offer (-cipher for 1.2, -ciphersuites for 1.3); default = cipher
#  certs=N|-          certificates in the server's Certificate message (- = not visible)
#  cn=CN|-            leaf subject CN as visible in the capture
#  status=trusted|failed|not_judged
#  code=N|name        expected verdict (expressway profile); name = name failure
#  depth=N|-          depth of the error
#  alert=NAME|-       plaintext alert the client sends
#  rfc=N              verify code s_client (RFC 6125 profile) must report
#  path=/file         GET path;  note=TEXT  free text;  resumed=1 expect reuse
client() {
  local cip="" sip="" port="" sni="-" ver=1.2 cipher="" ciphers="" certs="" cn="-"
  local status="" code="" depth="-" alert="-" rfc="" path=/index.html note="-" resumed=0
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case "$1" in
      cip=*|sip=*|port=*|sni=*|ver=*|cipher=*|ciphers=*|certs=*|cn=*|status=*|code=*|depth=*|alert=*|rfc=*|path=*|note=*|resumed=*)
        local "$1" ;;
      *) die "client: bad argument $1" ;;
    esac
    shift
  done
  [ "${1:-}" = -- ] && shift
  : "${cip:?}" "${sip:?}" "${port:?}" "${cipher:?}" "${certs:?}" "${status:?}" "${code:?}" "${rfc:?}"
  [ -n "$ciphers" ] || ciphers=$cipher

  local cport=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
  local bindaddr=$cip connaddr=$sip
  case "$cip" in *:*) bindaddr="[$cip]"; connaddr="[$sip]" ;; esac

  local args=(-connect "$connaddr:$port" -bind "$bindaddr:$cport" -verify 7
              -verify_return_error -CAfile "$OUT/$STORE" -no-CApath -no-CAstore -ign_eof)
  if [ "$sni" = - ]; then args+=(-noservername); else args+=(-servername "$sni"); fi
  # Name to verify: the SNI, else the address connected to. IP literals are
  # checked as IPs (RFC 6125 profile of OpenSSL).
  local vname=$sni; [ "$sni" = - ] && vname=$sip
  if is_ip "$vname"; then args+=(-verify_ip "$vname"); else args+=(-verify_hostname "$vname"); fi
  if [ "$ver" = 1.3 ]; then args+=(-tls1_3 -ciphersuites "$ciphers")
  else args+=(-tls1_2 -cipher "$ciphers"); fi

  local host=$sni; [ "$sni" = - ] && host=$sip
  local lg=$WORK/client-$cport.log
  printf 'GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tlsscope-testgen\r\nConnection: close\r\n\r\n' \
    "$path" "$host" \
    | nsx timeout 10 openssl s_client "${args[@]}" "$@" >"$lg" 2>&1 || true

  # What did s_client decide?
  local got_code got_depth
  got_code=$(sed -n 's/^verify error:num=\([0-9]*\):.*/\1/p' "$lg" | head -n1)
  if [ -n "$got_code" ]; then
    got_depth=$(grep -B1 -m1 '^verify error:num=' "$lg" | sed -n 's/^depth=\([0-9]*\) .*/\1/p')
  else
    got_code=$(sed -n 's/^ *Verify return code: \([0-9]*\) .*/\1/p' "$lg" | head -n1)
    got_depth=-
  fi
  [ "$got_code" = "$rfc" ] \
    || die "$CAP client port $cport: s_client verify code '${got_code}', expected $rfc (log $lg)"
  if [ "$rfc" != 0 ] && [ "$code" != name ] && [ "$got_depth" != "$depth" ]; then
    die "$CAP client port $cport: s_client error depth '$got_depth', expected $depth"
  fi
  if [ "$status" = failed ]; then
    grep -q '^HTTP/1.0 200 ok' "$lg" && die "$CAP port $cport: handshake should have failed"
  else
    grep -q '^HTTP/1.0 200 ok' "$lg" || die "$CAP port $cport: no HTTP response (log $lg)"
    if [ "$status" = trusted ] || [ "$resumed" = 0 ]; then
      grep -q "Cipher is $cipher\$" "$lg" || die "$CAP port $cport: cipher is not $cipher (log $lg)"
    fi
  fi
  if [ "$resumed" = 1 ]; then
    grep -q '^Reused, ' "$lg" || die "$CAP port $cport: session was not resumed (log $lg)"
  elif [ "$status" != failed ]; then
    grep -q '^New, ' "$lg" || die "$CAP port $cport: unexpected resumption (log $lg)"
  fi

  local iana id reason codecol=$code
  read -r iana id <<<"$(cipher_iana "$cipher")"
  if [ "$code" = name ]; then
    reason="SNI ($vname) not in certificate"; codecol=-; depth=0
  elif [ "$status" = not_judged ]; then
    reason="-"; codecol=-; depth=-
  else
    reason=$(reason_text "$code")
  fi
  printf '%s\n' "$CAP	$STORE	$sip	$port	$sni	$ver	$iana	$certs	$cn	$status	$codecol	$depth	$alert	$cip	$cport	$cipher	$id	$reason	$rfc	$note" >>"$ROWS"
}

# ---------------------------------------------------------------- scenarios
# Cipher lists of the Expressway-C traffic server (Maintenance > Security >
# Ciphers): the X14.2 default prefers ECDSA; the upgrade path prepends
# "ECDHE-RSA-AES256-GCM-SHA384:" to keep RSA first.
EXPWY_CIPHERS='EECDH:EDH:HIGH:-AES256+SHA:!MEDIUM:!LOW:!3DES:!MD5:!PSK:!eNULL:!aNULL:!aDH'
EXPWY_CIPHERS_RSA="ECDHE-RSA-AES256-GCM-SHA384:$EXPWY_CIPHERS"
P=$PKI
C4=192.0.2.10      # generic test client
S4=192.0.2.20      # generic test server
EXC=10.48.36.10    # Expressway-C
CUCM=10.48.36.215 IMP=10.48.36.216 UNITY=10.48.36.217

# Client ports: 40001.. generic, 41001.. the Expressway demo, 42001.. the
# verdict scenarios, so adding a scenario does not renumber the others.
scenarios_generic() {
  STORE=test-store.pem NEXT_PORT=40001
  local tomcat=(-cert "$P/rsa.crt" -key "$P/rsa.key" -cert_chain "$P/chain-test-int1.pem")

  # 1. TLS 1.2 RSA, SNI, ALPN http/1.1, leaf + intermediate
  start_capture tls12-rsa.pcap
  start_server $S4 443 1 "${tomcat[@]}" -alpn http/1.1
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES128-GCM-SHA256 \
    certs=2 cn=rsa.test.lab status=trusted code=0 rfc=0 note="ALPN http/1.1" -- -alpn http/1.1
  wait_servers; stop_capture

  # 2. TLS 1.2 ECDSA
  start_capture tls12-ecdsa.pcap
  start_server $S4 443 1 -cert "$P/ecdsa.crt" -key "$P/ecdsa.key" -cert_chain "$P/chain-test-int1.pem"
  client cip=$C4 sip=$S4 port=443 sni=ecdsa.test.lab cipher=ECDHE-ECDSA-AES256-GCM-SHA384 \
    certs=2 cn=ecdsa.test.lab status=trusted code=0 rfc=0
  wait_servers; stop_capture

  # 3. One server with an RSA and an ECDSA certificate; the client's cipher
  #    order decides which one is sent.
  start_capture tls12-dual-cert.pcap
  start_server $S4 443 2 -cert "$P/dual-rsa.crt" -key "$P/dual-rsa.key" \
    -dcert "$P/dual-ec.crt" -dkey "$P/dual-ec.key" \
    -cert_chain "$P/chain-test-int1.pem" -dcert_chain "$P/chain-test-int1.pem"
  client cip=$C4 sip=$S4 port=443 sni=dual.test.lab cipher=ECDHE-ECDSA-AES256-GCM-SHA384 \
    ciphers=ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=dual-ec.test.lab status=trusted code=0 rfc=0 note="client offers ECDSA first"
  client cip=$C4 sip=$S4 port=443 sni=dual.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    ciphers=ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384 \
    certs=2 cn=dual-rsa.test.lab status=trusted code=0 rfc=0 note="client offers RSA first"
  wait_servers; stop_capture

  # 4. TLS 1.3: the Certificate message is encrypted
  start_capture tls13.pcap
  start_server $S4 443 1 "${tomcat[@]}"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab ver=1.3 cipher=TLS_AES_128_GCM_SHA256 \
    certs=- status=not_judged code=- rfc=0 \
    note="TLS 1.3: certificates encrypted (server sends rsa.test.lab + Intermediate CA 1)"
  wait_servers; stop_capture

  # 5. No SNI; the server is reached by IP and its certificate carries the IP
  #    as iPAddress SAN and as dNSName SAN (so both profiles accept it).
  start_capture tls12-no-sni.pcap
  start_server 192.0.2.21 443 1 -cert "$P/ip.crt" -key "$P/ip.key" -cert_chain "$P/chain-test-int1.pem"
  client cip=$C4 sip=192.0.2.21 port=443 sni=- cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=ip.test.lab status=trusted code=0 rfc=0 \
    note="no SNI; name checked = server IP; SAN DNS:192.0.2.21 + IP:192.0.2.21"
  wait_servers; stop_capture

  # 6a. TLS 1.2 resumption by session ID (tickets off on both sides)
  start_capture tls12-resume-session-id.pcap
  start_server $S4 443 2 "${tomcat[@]}" -no_ticket
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=rsa.test.lab status=trusted code=0 rfc=0 note="full handshake; session saved" \
    -- -no_ticket -sess_out "$WORK/sess-id.pem"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=- status=not_judged code=- rfc=0 resumed=1 \
    note="abbreviated handshake resuming client port $((NEXT_PORT - 1)) by session ID" \
    -- -no_ticket -sess_in "$WORK/sess-id.pem"
  wait_servers; stop_capture

  # 6b. TLS 1.2 resumption by session ticket (RFC 5077)
  start_capture tls12-resume-ticket.pcap
  start_server $S4 443 2 "${tomcat[@]}"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=rsa.test.lab status=trusted code=0 rfc=0 note="full handshake; NewSessionTicket" \
    -- -sess_out "$WORK/sess-ticket.pem"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=- status=not_judged code=- rfc=0 resumed=1 \
    note="abbreviated handshake resuming client port $((NEXT_PORT - 1)) by session ticket" \
    -- -sess_in "$WORK/sess-ticket.pem"
  wait_servers; stop_capture

  # 6c. TLS 1.3 PSK resumption (ticket from the first connection)
  start_capture tls13-resume-psk.pcap
  start_server $S4 443 2 "${tomcat[@]}"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab ver=1.3 cipher=TLS_AES_256_GCM_SHA384 \
    certs=- status=not_judged code=- rfc=0 note="TLS 1.3 full handshake (certificates encrypted)" \
    -- -sess_out "$WORK/sess-psk.pem"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab ver=1.3 cipher=TLS_AES_256_GCM_SHA384 \
    certs=- status=not_judged code=- rfc=0 resumed=1 \
    note="TLS 1.3 PSK resumption of client port $((NEXT_PORT - 1)) (pre_shared_key, psk_dhe_ke)" \
    -- -sess_in "$WORK/sess-psk.pem"
  wait_servers; stop_capture

  # 7. Client certificate requested and sent (TLS 1.2, visible)
  start_capture tls12-client-cert.pcap
  start_server $S4 443 1 -cert "$P/rsa.crt" -key "$P/rsa.key" -cert_chain "$P/chain-test-int1.pem" \
    -verify 3 -verify_return_error -CAfile "$OUT/test-store.pem"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=rsa.test.lab status=trusted code=0 rfc=0 \
    note="CertificateRequest; client sends client.test.lab (ECDSA) + Intermediate CA 1" \
    -- -cert "$P/client.crt" -key "$P/client.key" -cert_chain "$P/chain-client.pem"
  wait_servers; stop_capture

  # 8. Fatal alert from the client: server forgot its intermediate
  start_capture tls12-alert-missing-intermediate.pcap
  start_server $S4 443 1 -cert "$P/rsa.crt" -key "$P/rsa.key"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=1 cn=rsa.test.lab status=failed code=20 depth=0 alert=unknown_ca rfc=20 \
    note="server sends the leaf only; Intermediate CA 1 missing"
  wait_servers; stop_capture

  # 9. root -> int1 -> int2 -> leaf, server sends leaf + int2 + int1
  start_capture tls12-multi-intermediate.pcap
  start_server $S4 443 1 -cert "$P/multi.crt" -key "$P/multi.key" -cert_chain "$P/chain-test-int2-int1.pem"
  client cip=$C4 sip=$S4 port=443 sni=multi.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=3 cn=multi.test.lab status=trusted code=0 rfc=0
  wait_servers; stop_capture

  # 10. IPv6
  start_capture tls12-ipv6.pcap
  start_server fd00:7c5::20 443 1 -cert "$P/v6.crt" -key "$P/v6.key" -cert_chain "$P/chain-test-int1.pem"
  client cip=fd00:7c5::10 sip=fd00:7c5::20 port=443 sni=v6.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=v6.test.lab status=trusted code=0 rfc=0
  wait_servers; stop_capture

  # 11. tcpdump -i any: LINUX_SLL2 (link type 276)
  start_capture tls12-any-sll2.pcap any
  start_server $S4 443 1 "${tomcat[@]}"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=rsa.test.lab status=trusted code=0 rfc=0 note="captured with tcpdump -i any"
  wait_servers; stop_capture

  # 11b. tcpdump -i any -y LINUX_SLL: the older cooked header (link type 113)
  start_capture tls12-any-sll.pcap any -y LINUX_SLL
  start_server $S4 443 1 "${tomcat[@]}"
  client cip=$C4 sip=$S4 port=443 sni=rsa.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=rsa.test.lab status=trusted code=0 rfc=0 note="captured with tcpdump -i any -y LINUX_SLL"
  wait_servers; stop_capture
}

# 12. The Expressway demo: Expressway-C 10.48.36.10 talking to the CUCM /
#     IM&P / Unity nodes of steven.lab, as in the Cisco article.
scenario_expressway() {
  STORE=expressway-store.pem NEXT_PORT=41001
  local tomcat=(-cert "$P/cucm-tomcat.crt" -key "$P/cucm-tomcat.key")
  start_capture expressway.pcapng lo --time-stamp-precision=nano
  # CUCM 8443 (UDS, Tomcat) presents the CA-signed RSA tomcat certificate.
  start_server $CUCM 8443 3 "${tomcat[@]}"
  # CUCM 6972 (TFTP over HTTPS) has tomcat and the self-signed tomcat-ECDSA.
  start_server $CUCM 6972 2 "${tomcat[@]}" \
    -dcert "$P/cucm-tomcat-ecdsa.crt" -dkey "$P/cucm-tomcat-ecdsa.key"
  start_server $IMP 8443 1 -cert "$P/imp.crt" -key "$P/imp.key" -cert_chain "$P/chain-steven-imp.pem"
  start_server $UNITY 443 1 -cert "$P/unity.crt" -key "$P/unity.key"

  client cip=$EXC sip=$CUCM port=8443 sni=cucm.steven.lab ciphers="$EXPWY_CIPHERS" \
    cipher=ECDHE-RSA-AES256-GCM-SHA384 certs=1 cn=cucm-ms.steven.lab status=trusted code=0 rfc=0 \
    path=/cucm-uds/user/emusk/devices note="UDS on 8443: CA-signed RSA tomcat certificate"
  client cip=$EXC sip=$CUCM port=6972 sni=cucm.steven.lab ciphers="$EXPWY_CIPHERS" \
    cipher=ECDHE-ECDSA-AES256-GCM-SHA384 certs=1 cn=cucm-EC.steven.lab status=failed code=18 depth=0 \
    alert=unknown_ca rfc=18 path=/CSFemusk.cnf.xml \
    note="TFTP on 6972, ECDSA-first ciphers: self-signed tomcat-ECDSA served"
  client cip=$EXC sip=$CUCM port=6972 sni=cucm.steven.lab ciphers="$EXPWY_CIPHERS_RSA" \
    cipher=ECDHE-RSA-AES256-GCM-SHA384 certs=1 cn=cucm-ms.steven.lab status=trusted code=0 rfc=0 \
    path=/CSFemusk.cnf.xml note="TFTP on 6972 with ECDHE-RSA-AES256-GCM-SHA384 prepended: RSA tomcat served"
  client cip=$EXC sip=$CUCM port=8443 sni=$CUCM ciphers="$EXPWY_CIPHERS" \
    cipher=ECDHE-RSA-AES256-GCM-SHA384 certs=1 cn=cucm-ms.steven.lab status=failed code=name \
    alert=bad_certificate rfc=64 path=/cucm-uds/user/emusk/devices \
    note="CUCM addressed by IP; ATS sends the IP as SNI; ATS itself would send internal_error"
  client cip=$EXC sip=$IMP port=8443 sni=imp.steven.lab ciphers="$EXPWY_CIPHERS" \
    cipher=ECDHE-RSA-AES256-GCM-SHA384 certs=2 cn=imp.steven.lab status=failed code=20 depth=1 \
    alert=unknown_ca rfc=20 note="IM&P: steven-IMP-Issuing-CA sent, its root steven-Offline-Root-CA not in store"
  client cip=$EXC sip=$UNITY port=443 sni=unity.steven.lab ciphers="$EXPWY_CIPHERS" \
    cipher=ECDHE-RSA-AES256-GCM-SHA384 certs=1 cn=unity.steven.lab status=failed code=10 depth=0 \
    alert=certificate_expired rfc=10 note="Unity: leaf expired 2021-01-01"
  client cip=$EXC sip=$CUCM port=8443 sni=cucm.steven.lab ver=1.3 cipher=TLS_AES_256_GCM_SHA384 \
    ciphers=TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256 \
    certs=- status=not_judged code=- rfc=0 path=/cucm-uds/user/emusk/devices \
    note="TLS 1.3: certificates encrypted (server sends cucm-ms.steven.lab)"
  wait_servers; stop_capture

  # Move the timestamps to the day of the article's logs (2022-07-11
  # 16:55:25.9 UTC) and write pcapng with nanosecond resolution. Every
  # certificate's validity covers both the real and the shifted time.
  local first delta
  first=$(tshark -r "$CAP_RAW" -c 1 -T fields -e frame.time_epoch 2>/dev/null)
  delta=$(python3 -c "import sys, decimal; print(decimal.Decimal('1657558525.900000000') - decimal.Decimal(sys.argv[1]))" "$first")
  editcap -F pcapng -t "$delta" \
    --capture-comment "tlsscope demo: Expressway-C 10.48.36.10 -> CUCM/IM&P/Unity of steven.lab; real openssl s_server/s_client handshakes made by pcaps/make-captures.sh, timestamps shifted to 2022-07-11" \
    "$CAP_RAW" "$OUT/expressway.pcapng"
  # the epoch shift is part of the construction; expected rows are unchanged
}

# 13. Verdict scenarios, one small capture each.
scenarios_verdict() {
  STORE=expressway-store.pem NEXT_PORT=42001
  local tomcat=(-cert "$P/cucm-tomcat.crt" -key "$P/cucm-tomcat.key")
  local dual=("${tomcat[@]}" -dcert "$P/cucm-tomcat-ecdsa.crt" -dkey "$P/cucm-tomcat-ecdsa.key")

  start_capture verdict-cucm-8443-ok.pcap
  start_server $CUCM 8443 1 "${tomcat[@]}"
  client cip=$EXC sip=$CUCM port=8443 sni=cucm.steven.lab ciphers="$EXPWY_CIPHERS" \
    cipher=ECDHE-RSA-AES256-GCM-SHA384 certs=1 cn=cucm-ms.steven.lab status=trusted code=0 rfc=0 \
    path=/cucm-uds/user/emusk/devices note="name matches SAN DNS:cucm.steven.lab (CN is cucm-ms)"
  wait_servers; stop_capture

  start_capture verdict-cucm-6972-ecdsa-self-signed.pcap
  start_server $CUCM 6972 1 "${dual[@]}"
  client cip=$EXC sip=$CUCM port=6972 sni=cucm.steven.lab ciphers="$EXPWY_CIPHERS" \
    cipher=ECDHE-ECDSA-AES256-GCM-SHA384 certs=1 cn=cucm-EC.steven.lab status=failed code=18 depth=0 \
    alert=unknown_ca rfc=18 path=/CSFemusk.cnf.xml note="ECDSA-first: self-signed tomcat-ECDSA"
  wait_servers; stop_capture

  start_capture verdict-cucm-6972-rsa-first-ok.pcap
  start_server $CUCM 6972 1 "${dual[@]}"
  client cip=$EXC sip=$CUCM port=6972 sni=cucm.steven.lab ciphers="$EXPWY_CIPHERS_RSA" \
    cipher=ECDHE-RSA-AES256-GCM-SHA384 certs=1 cn=cucm-ms.steven.lab status=trusted code=0 rfc=0 \
    path=/CSFemusk.cnf.xml note="same server, RSA-first cipher list: CA-signed tomcat"
  wait_servers; stop_capture

  STORE=test-store.pem
  start_capture verdict-unknown-ca.pcap
  start_server $S4 443 1 -cert "$P/unknown.crt" -key "$P/unknown.key" -cert_chain "$P/chain-unknown.pem"
  client cip=$C4 sip=$S4 port=443 sni=unknown.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=unknown.test.lab status=failed code=20 depth=1 alert=unknown_ca rfc=20 \
    note="Unknown Intermediate CA sent; Unknown Root CA not in store"
  wait_servers; stop_capture

  start_capture verdict-untrusted-root.pcap
  start_server $S4 443 1 -cert "$P/rogue.crt" -key "$P/rogue.key" -cert_chain "$P/chain-rogue.pem"
  client cip=$C4 sip=$S4 port=443 sni=rogue.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=3 cn=rogue.test.lab status=failed code=19 depth=2 alert=unknown_ca rfc=19 \
    note="leaf + Rogue Intermediate CA + self-signed Rogue Root CA (not in store)"
  wait_servers; stop_capture

  start_capture verdict-ip-no-sni.pcap
  start_server $S4 443 1 -cert "$P/rsa.crt" -key "$P/rsa.key" -cert_chain "$P/chain-test-int1.pem"
  client cip=$C4 sip=$S4 port=443 sni=- cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=rsa.test.lab status=failed code=name alert=bad_certificate rfc=64 \
    note="no SNI; name checked = server IP 192.0.2.20; certificate has only DNS:rsa.test.lab"
  wait_servers; stop_capture

  start_capture verdict-expired.pcap
  start_server $S4 443 1 -cert "$P/expired.crt" -key "$P/expired.key" -cert_chain "$P/chain-test-int1.pem"
  client cip=$C4 sip=$S4 port=443 sni=expired.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=expired.test.lab status=failed code=10 depth=0 alert=certificate_expired rfc=10 \
    note="leaf valid 2020-01-01..2021-01-01"
  wait_servers; stop_capture

  start_capture verdict-not-yet-valid.pcap
  start_server $S4 443 1 -cert "$P/notyet.crt" -key "$P/notyet.key" -cert_chain "$P/chain-test-int1.pem"
  client cip=$C4 sip=$S4 port=443 sni=notyet.test.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn=notyet.test.lab status=failed code=9 depth=0 alert=bad_certificate rfc=9 \
    note="leaf valid 2044-01-01..2045-12-31"
  wait_servers; stop_capture

  start_capture verdict-wildcard.pcap
  start_server $S4 443 2 -cert "$P/wild.crt" -key "$P/wild.key" -cert_chain "$P/chain-test-int1.pem"
  client cip=$C4 sip=$S4 port=443 sni=a.wild.example.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn="*.wild.example.lab" status=trusted code=0 rfc=0 note="*.wild.example.lab covers one label"
  client cip=$C4 sip=$S4 port=443 sni=b.a.wild.example.lab cipher=ECDHE-RSA-AES256-GCM-SHA384 \
    certs=2 cn="*.wild.example.lab" status=failed code=name alert=bad_certificate rfc=62 \
    note="two labels left of wild.example.lab: no match"
  wait_servers; stop_capture
}

# ------------------------------------------------------- name constraints
# Its own small PKI and store, so that ONLY=name-constraints can add these
# captures without re-keying (and so changing) every other one.
make_pki_nc() {
  log "PKI (name constraints)"
  mkdir -p "$PKI" "$WORK/ca"
  mkcert nc-root rsa "/O=tlsscope NC PKI/CN=tlsscope NC Root CA" self v3_root
  mkcert nc-int  rsa "/O=tlsscope NC PKI/CN=tlsscope NC Issuing CA (.nc.test.lab only)" \
    nc-root v3_int_nc
  mkcert nc-in   ec  "/O=tlsscope NC PKI/CN=in.nc.test.lab"  nc-int leaf_nc_in
  mkcert nc-out  ec  "/O=tlsscope NC PKI/CN=out.other.lab"   nc-int leaf_nc_out
  bundle "$PKI/chain-nc.pem" nc-int
  bundle "$OUT/nc-store.pem" nc-root
  rm -f "$PKI"/*.csr
}

# Client ports 44001.. A satisfied and a violated constraint: the issuing
# CA permits DNS names under .nc.test.lab; out.other.lab (its SAN matches
# the SNI, so only the constraint fails) is outside -> 47 at depth 0, after
# signatures, times and the name (OpenSSL check_name_constraints).
scenario_name_constraints() {
  STORE=nc-store.pem NEXT_PORT=44001
  start_capture verdict-name-constraint-ok.pcap
  start_server $S4 443 1 -cert "$P/nc-in.crt" -key "$P/nc-in.key" -cert_chain "$P/chain-nc.pem"
  client cip=$C4 sip=$S4 port=443 sni=in.nc.test.lab cipher=ECDHE-ECDSA-AES256-GCM-SHA384 \
    certs=2 cn=in.nc.test.lab status=trusted code=0 rfc=0 \
    note="issuing CA: nameConstraints permitted DNS:.nc.test.lab; leaf DNS:in.nc.test.lab"
  wait_servers; stop_capture

  start_capture verdict-name-constraint-violated.pcap
  start_server $S4 443 1 -cert "$P/nc-out.crt" -key "$P/nc-out.key" -cert_chain "$P/chain-nc.pem"
  client cip=$C4 sip=$S4 port=443 sni=out.other.lab cipher=ECDHE-ECDSA-AES256-GCM-SHA384 \
    certs=2 cn=out.other.lab status=failed code=47 depth=0 alert=certificate_unknown rfc=47 \
    note="issuing CA: nameConstraints permitted DNS:.nc.test.lab; leaf DNS:out.other.lab"
  wait_servers; stop_capture
}

# -------------------------------------------------------------------- DTLS
# DTLS has no -WWW in s_server: the server answers one line from its stdin,
# the client sends one line; the truth is checked in s_client's log.
# dtls_client CIP SIP PORT SNI CIPHER CERTS CN NOTE [-- extra s_client options]
#   (the server, started by the caller, must already be listening)
dtls_client() {
  local cip=$1 sip=$2 port=$3 sni=$4 cipher=$5 certs=$6 cn=$7 note=$8; shift 8
  [ "${1:-}" = -- ] && shift
  local cport=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
  local lg=$WORK/client-$cport.log
  (sleep 0.5; printf 'ping\n'; sleep 1) \
    | nsx timeout 10 openssl s_client -dtls1_2 -connect "$sip:$port" -bind "$cip:$cport" \
        -servername "$sni" -verify 7 -verify_return_error -verify_hostname "$sni" \
        -CAfile "$OUT/$STORE" -no-CApath -no-CAstore -cipher "$cipher" -ign_eof "$@" >"$lg" 2>&1 || true
  grep -q '^ *Verify return code: 0 (ok)' "$lg" || die "$CAP port $cport: DTLS verify failed (log $lg)"
  grep -q "Cipher is $cipher\$" "$lg" || die "$CAP port $cport: cipher is not $cipher (log $lg)"
  grep -q '^New, ' "$lg" || die "$CAP port $cport: unexpected resumption (log $lg)"
  grep -q '^pong' "$lg" || die "$CAP port $cport: no answer from the DTLS server (log $lg)"
  local iana id
  read -r iana id <<<"$(cipher_iana "$cipher")"
  printf '%s\n' "$CAP	$STORE	$sip	$port	$sni	dtls1.2	$iana	$certs	$cn	trusted	0	-	-	$cip	$cport	$cipher	$id	ok	0	$note" >>"$ROWS"
}

# Client ports 43001.. (UDP).
scenario_dtls() {
  STORE=test-store.pem NEXT_PORT=43001
  # DTLS 1.2 with the cookie exchange (-listen: HelloVerifyRequest) and a
  # server MTU of 500 bytes, so the Certificate (leaf + intermediate) travels
  # in several handshake fragments (RFC 6347 4.2.3).
  CAP_FILTER=udp start_capture dtls12.pcap
  local lg=$WORK/server-dtls.log
  (sleep 3; printf 'pong\n'; sleep 2) | ip netns exec "$NS" openssl s_server -dtls1_2 -listen \
    -accept "$S4:443" -naccept 1 -mtu 500 -cert "$P/rsa.crt" -key "$P/rsa.key" \
    -cert_chain "$P/chain-test-int1.pem" -no-CAfile -no-CApath -no-CAstore -quiet >"$lg" 2>&1 &
  netns_track $!
  netns_wait_udp "$S4" 443 || die "DTLS server did not listen: $(cat "$lg")"
  dtls_client $C4 $S4 443 rsa.test.lab ECDHE-RSA-AES256-GCM-SHA384 2 rsa.test.lab \
    "DTLS: HelloVerifyRequest, Certificate in fragments"
  wait_servers; stop_capture
}

# -------------------------------------------------------------------- main
main() {
  mkdir -p "$OUT"
  if [ "${ONLY:-}" = name-constraints ]; then
    main_only_nc
    return
  fi
  make_pki
  make_pki_nc
  make_ns
  make_www
  : >"$ROWS"
  scenarios_generic
  scenario_expressway
  scenarios_verdict
  scenario_dtls
  scenario_name_constraints
  {
    printf '# Ground truth per TLS connection, in capture order, from how pcaps/make-captures.sh builds each scenario.\n'
    printf '# status/code/depth/reason: expressway profile (VERIFY-SPEC.md); rfc_code: what openssl s_client (RFC 6125 profile) reported.\n'
    printf 'capture\tstore\tserver_ip\tserver_port\tsni\tversion\tcipher_iana\tcerts\tleaf_cn\tstatus\tcode\tdepth\tclient_alert\tclient_ip\tclient_port\tcipher_openssl\tcipher_id\treason\trfc_code\tnote\n'
    cat "$ROWS"
  } >"$OUT/expected.tsv"
  netns_destroy
  log "checking captures against expected.tsv"
  python3 "$HERE/check_captures.py" "$OUT"

  log "replacing the captures, PKI, stores and expected.tsv in $HERE"
  rm -rf "$HERE/pki" "$HERE"/*.pcap "$HERE"/*.pcapng "$HERE"/*-store.pem "$HERE/expected.tsv"
  cp -R "$OUT"/. "$HERE"/
}

# ONLY=name-constraints: (re)make just the name-constraint captures, their
# PKI and store; every other file in pcaps/ stays byte for byte. The check
# runs over the whole set (the committed captures copied in).
main_only_nc() {
  local nc_caps="verdict-name-constraint-ok.pcap verdict-name-constraint-violated.pcap"
  make_pki_nc
  make_ns
  make_www
  : >"$ROWS"
  scenario_name_constraints
  netns_destroy
  for f in "$HERE"/*.pcap "$HERE"/*.pcapng "$HERE"/*-store.pem; do
    case " $nc_caps nc-store.pem " in *" ${f##*/} "*) continue ;; esac
    cp "$f" "$OUT/"
  done
  { grep -v -e '^verdict-name-constraint-' "$HERE/expected.tsv"; cat "$ROWS"; } >"$OUT/expected.tsv"
  log "checking captures against expected.tsv"
  python3 "$HERE/check_captures.py" "$OUT"
  log "adding the name-constraint captures, PKI and store to $HERE"
  mkdir -p "$HERE/pki"
  cp "$PKI"/nc-* "$PKI/chain-nc.pem" "$HERE/pki/"
  cp "$OUT/nc-store.pem" "$HERE/"
  for c in $nc_caps; do cp "$OUT/$c" "$HERE/"; done
  cp "$OUT/expected.tsv" "$HERE/expected.tsv"
}

main "$@"
