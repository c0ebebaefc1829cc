#!/bin/sh
# Issue #17: a cap or a hostile byte never changes an answer silently. One
# section per item of the issue; every input is made here, at test time,
# from the bundled real captures (tests/tools/caps_inputs.py) or by the
# openssl CLI. Each check asserts the exact exit status and exact lines.
set -eu
SRC=$TLSSCOPE_SRC
T=$TLSSCOPE
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
PY=${PYTHON:-python3}
GEN="$PY $SRC/tests/tools/caps_inputs.py"

# run NAME ARGS...: tlsscope's stdout+stderr in $work/NAME.out, status in $rc
run() {
  name=$1
  shift
  rc=0
  "$T" "$@" >"$work/$name.out" 2>&1 || rc=$?
}
# status NAME WANT
status() {
  if [ "$rc" = "$2" ]; then echo "ok: $1 exits $2"; else
    echo "FAIL: $1 exits $rc, want $2"; sed 's/^/  | /' "$work/$1.out" | cut -c1-300 | head -20; fail=1; fi
}
# has NAME FIXED-STRING / lacks NAME FIXED-STRING
has() {
  if grep -qF -- "$2" "$work/$1.out"; then echo "ok: $1 has: $2"; else
    echo "FAIL: $1 lacks: $2"; sed 's/^/  | /' "$work/$1.out" | cut -c1-300 | head -30; fail=1; fi
}
lacks() {
  if grep -qF -- "$2" "$work/$1.out"; then echo "FAIL: $1 has: $2"; fail=1; else
    echo "ok: $1 lacks: $2"; fi
}

STORE=$SRC/pcaps/test-store.pem

# ---- item 4: times that int64 ns cannot hold -------------------------------
# A pcapng with one packet before 1677 (if_tsoffset) and one after 2262: both
# were saturated into dates (the summary said "from 1677-09-21"); now they
# are skipped and counted, and the verdict is that of the real packets.
$GEN pcapng-times "$SRC/pcaps/tls12-rsa.pcap" "$work/times.pcapng"
run times -b -r "$work/times.pcapng" --trust "$STORE"
status times 0
has times "21 packets from 2026-11-27T15:11:10.917Z to 2026-11-27T15:11:10.919Z."
has times "0 malformed, 2 with a time out of range (not 1677-2262)."
has times "verdicts: 1 trusted, 0 failed, 0 not judged."
lacks times "1677-09"
# A log record dated 1600 or 9999: counted, not a date.
cat >"$work/bad-times.log" <<'LOG'
2022-07-11T18:55:26.000+02:00 vcsc traffic_server[1]: UTCTime="2022-07-11 16:55:26,000" Module="network.http.trafficserver" Level="INFO": Detail="Receive Request" Txn-id="1" Src-ip="127.0.0.1" Src-port="1" Msg="GET /a HTTP/1.1"
1600-01-01T00:00:00.000+00:00 vcsc traffic_server[1]: Detail="Receive Request" Txn-id="2" Src-ip="127.0.0.1" Src-port="2" Msg="GET /b HTTP/1.1"
9999-12-31T23:59:59.999+00:00 vcsc traffic_server[1]: Detail="Receive Request" Txn-id="3" Src-ip="127.0.0.1" Src-port="3" Msg="GET /c HTTP/1.1"
LOG
run badlog -b -r "$SRC/pcaps/tls12-rsa.pcap" --trust "$STORE" --log "$work/bad-times.log"
status badlog 0
has badlog "3 records"
has badlog "; 2 dated outside 1677-2262 (no usable time)"
lacks badlog "1677-09"
lacks badlog "1753-"

# ---- item 2: caps that flipped verdicts -----------------------------------
# OpenSSL accepts all five chains (checked here with `openssl verify`); the
# first, third and fourth were FAILED (name / 1000 / 20) with "caps hit:
# none". A cap may make a verdict "not judged", naming the cap, never failed.
if command -v openssl >/dev/null 2>&1; then
  CC=$work/cc
  $GEN cert-caps "$CC"
  for s in san300 san5000 big400k int14 int40; do
    awk '/BEGIN/{n++} n==1' "$CC/$s.chain.pem" >"$CC/$s.leaf.pem"
    got=$(openssl verify -CAfile "$CC/root.pem" -untrusted "$CC/$s.chain.pem" \
          -verify_hostname "$(cat "$CC/$s.sni")" -attime 1700000000 "$CC/$s.leaf.pem" 2>&1 | tail -1)
    if [ "$got" = "$CC/$s.leaf.pem: OK" ]; then echo "ok: openssl verify $s: OK"; else
      echo "FAIL: openssl verify $s: $got"; fail=1; fi
  done
  run certcaps -b -r "$CC/caps.pcap" --trust "$CC/root.pem"
  status certcaps 0
  sed -i 's/ \{2,\}/ /g' "$work/certcaps.out"
  has certcaps "192.0.2.10:41001 -> 192.0.2.20:443 h300.caps.test TLS1.2 ECDHE-RSA-AES128-GCM-SHA256 san300 2 trusted"
  has certcaps "192.0.2.10:41002 -> 192.0.2.20:443 h5000.caps.test TLS1.2 ECDHE-RSA-AES128-GCM-SHA256 san5000 2 not judged: cap CERT_MAX_SAN: the name is not among the first 4096 DNS SANs of 5000 the certificate carries; the rest were not kept"
  has certcaps "192.0.2.10:41003 -> 192.0.2.20:443 big.caps.test TLS1.2 ECDHE-RSA-AES128-GCM-SHA256 big.caps.test 2 trusted"
  has certcaps "192.0.2.10:41004 -> 192.0.2.20:443 int14.caps.test TLS1.2 ECDHE-RSA-AES128-GCM-SHA256 int14.caps.test 14 trusted"
  has certcaps "192.0.2.10:41005 -> 192.0.2.20:443 int40.caps.test TLS1.2 ECDHE-RSA-AES128-GCM-SHA256 int40.caps.test 40 not judged: cap TLS_MAX_CHAIN/TLS_MAX_CERT_LEN: the certificates kept fail with 20 at depth 0, but 8 of the 40 certificates sent were not kept (32 per chain, 1048576 bytes each)"
  has certcaps "verdicts: 3 trusted, 0 failed, 2 not judged."
  has certcaps "caps hit: TLS_MAX_CHAIN on 1 connection, CERT_MAX_SAN: 1 verdict not judged, TLS_MAX_CHAIN: 1 verdict not judged."
  lacks certcaps "FAILED"
  # The cap's name in the connection's JSON events and verdict.
  run certcaps-json -b --json -r "$CC/caps.pcap" --trust "$CC/root.pem"
  has certcaps-json '"not_judged_cap":"CERT_MAX_SAN"'
  has certcaps-json '"not_judged_cap":"TLS_MAX_CHAIN"'
  has certcaps-json '"detail":"TLS_MAX_CHAIN: kept 32 of 40 certificates (32 per chain, 1048576 bytes each)"'
  run certcaps-v -b -v -r "$CC/caps.pcap" --trust "$CC/root.pem"
  has certcaps-v "TLS_MAX_CHAIN: kept 32 of 40 certificates (32 per chain, 1048576 bytes each)"
else
  echo "note: no openssl CLI: item 2 needs it to sign the certificates"
fi

# ---- item 3: input not read is said, and a capture not read is exit 2 ------
# A capture nine directories deep was skipped silently: "trusted", exit 0.
D=$work/dir
mkdir -p "$D/1/2/3/4/5/6/7/8/9"
cp "$SRC/pcaps/tls12-rsa.pcap" "$D/top.pcap"
cp "$SRC/pcaps/verdict-expired.pcap" "$D/1/2/3/4/5/6/7/8/9/deep.pcap"
run deep -b -r "$D" --trust "$STORE"
status deep 2
has deep "verdicts: 1 trusted, 0 failed, 0 not judged."
has deep "    skipped  $D/1/2/3/4/5/6/7/8 (directory): not read: deeper than 8 directory levels (the walk's cap)"
has deep "tlsscope: $D/1/2/3/4/5/6/7/8: not read: deeper than 8 directory levels (the walk's cap)"
rm -r "$D/1"
# A symbolic link to a capture, a FIFO: listed, exit 2; a link to text: listed only.
ln -s "$SRC/pcaps/verdict-expired.pcap" "$D/link.pcap"
ln -s "$SRC/README.md" "$D/link.txt"
run links -b -r "$D" --trust "$STORE"
status links 2
has links "    skipped  $D/link.pcap (symbolic link): not read: a symbolic link (not followed) to a capture"
has links "    skipped  $D/link.txt (symbolic link): not read: a symbolic link (not followed)"
has links "tlsscope: $D/link.pcap: not read: a symbolic link (not followed) to a capture"
lacks links "tlsscope: $D/link.txt"
rm "$D/link.pcap"
run onlytext -b -r "$D" --trust "$STORE"
status onlytext 0
if mkfifo "$D/fifo" 2>/dev/null; then
  run fifo -b -r "$D" --trust "$STORE"
  status fifo 2
  has fifo "tlsscope: $D/fifo: not read: a FIFO is not a file (it may carry a capture)"
  rm "$D/fifo"
fi
# Archives are listed whole: a capture nine levels deep in a tar is read.
mkdir -p "$work/tb/a/b/c/d/e/f/g/h/i"
cp "$SRC/pcaps/verdict-expired.pcap" "$work/tb/a/b/c/d/e/f/g/h/i/deep.pcap"
tar -C "$work/tb" -czf "$work/deep.tar.gz" a
run deeptar -b -r "$work/deep.tar.gz" --trust "$STORE"
status deeptar 1
has deeptar "verdicts: 0 trusted, 1 failed, 0 not judged."

# ---- item 6: files written as root ------------------------------------------
# --export-certs through a planted directory link wrote into its target; a
# link planted in the folder under a certificate's file name is not followed.
mkdir "$work/victim-dir"
ln -s "$work/victim-dir" "$work/exp-link"
run explink -b -r "$SRC/pcaps/tls12-rsa.pcap" --trust "$STORE" --export-certs "$work/exp-link"
status explink 2
has explink "tlsscope: --export-certs: $work/exp-link: is a symbolic link (not followed)"
[ -z "$(ls -A "$work/victim-dir")" ] && echo "ok: nothing written through the link" ||
  { echo "FAIL: written through the link: $(ls "$work/victim-dir")"; fail=1; }
run exp1 -b -r "$SRC/pcaps/tls12-rsa.pcap" --trust "$STORE" --export-certs "$work/exp1"
status exp1 0
mkdir "$work/exp2"
echo "precious" >"$work/victim"
for f in "$work"/exp1/*.pem; do ln -s "$work/victim" "$work/exp2/$(basename "$f")"; done
run exp2 -b -r "$SRC/pcaps/tls12-rsa.pcap" --trust "$STORE" --export-certs "$work/exp2"
status exp2 0
[ "$(cat "$work/victim")" = precious ] && echo "ok: planted links in the folder not followed" ||
  { echo "FAIL: a planted link was followed"; fail=1; }
# -w (live): a planted link is refused, a file of another user is not
# overwritten, a new file belongs to the user privileges are dropped to.
NS=tlsscope-caps-$$
if [ "$(id -u)" -eq 0 ] && ip netns add "$NS" 2>/dev/null; then
  ip netns exec "$NS" ip link set lo up
  chmod 755 "$work" # the dropped-to user (nobody) reaches $WD, as it would reach /tmp
  WD=$work/wdir
  mkdir -m 1777 "$WD"
  echo "root's" >"$WD/victim"
  ln -s victim "$WD/link.pcap"
  trap 'ip netns del "$NS" 2>/dev/null || true; rm -rf "$work"' EXIT
  rc=0; ip netns exec "$NS" "$T" -i lo -b -w "$WD/link.pcap" --duration 1 >"$work/wlink.out" 2>&1 || rc=$?
  status wlink 2
  has wlink "tlsscope: $WD/link.pcap: cannot create capture file: it is a symbolic link (not followed)"
  [ "$(cat "$WD/victim")" = "root's" ] && echo "ok: -w did not follow the link" ||
    { echo "FAIL: -w wrote through a link"; fail=1; }
  chmod 666 "$WD/victim" # writable by nobody, but root's: still not overwritten
  rc=0; ip netns exec "$NS" "$T" -i lo -b -w "$WD/victim" -Z nobody --duration 1 >"$work/wother.out" 2>&1 || rc=$?
  status wother 2
  has wother "tlsscope: $WD/victim: cannot create capture file: it exists and belongs to another user (not overwritten)"
  ip netns exec "$NS" "$T" -i lo -b -w "$WD/new.pcap" --duration 1 >"$work/wnew.out" 2>&1; rc=$?
  status wnew 0
  owner=$(stat -c %U "$WD/new.pcap" 2>/dev/null || echo missing)
  [ "$owner" = nobody ] && echo "ok: -w file created as nobody" ||
    { echo "FAIL: -w file owner: $owner"; fail=1; }
  ip netns del "$NS"
else
  echo "note: not root or no network namespace: -w not checked here"
fi

# ---- item 5: input that is not what it claims ------------------------------
# --trust with a DER private key (PKCS#8, traditional RSA, EC) was one
# "unparsable certificate" and every connection failed: now exit 2.
if command -v openssl >/dev/null 2>&1; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER \
    -out "$work/p8.der" 2>/dev/null
  openssl genrsa -traditional -out "$work/rsa.pem" 1024 2>/dev/null
  openssl rsa -in "$work/rsa.pem" -traditional -outform DER -out "$work/rsa.der" 2>/dev/null
  openssl ec -in "$work/p8.der" -inform DER -outform DER -out "$work/ec.der" 2>/dev/null
  for k in p8 rsa ec; do
    run key-$k -b -r "$SRC/pcaps/tls12-rsa.pcap" --trust "$work/$k.der"
    status key-$k 2
    has key-$k "$work/$k.der: a private key (DER), not a certificate: give the CA certificates (PEM or DER)"
  done
else
  echo "note: no openssl CLI; DER key files not checked here (tests/unit/test_store.c does)"
fi
# --at takes real times only.
for at in @99999999999999999999 @-99999999999 2022-02-30 2022-07-11T10:00:00+99:99 \
          2021-02-29T00:00:00Z 10000-01-01; do
  run at -b -r "$SRC/pcaps/tls12-rsa.pcap" --trust "$STORE" --at "$at"
  status at 2
  has at "--at: cannot read '$at'"
done
run at-ok -b -r "$SRC/pcaps/tls12-rsa.pcap" --trust "$STORE" --at 2024-02-29T12:00:00+14:00
status at-ok 0

if [ $fail = 0 ]; then echo "t_caps: all passed"; fi
exit $fail
