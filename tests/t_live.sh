#!/bin/sh
# Live capture end to end (issue 5). tlsscope captures on the loopback of a
# private network namespace while real `openssl s_server` / `openssl
# s_client` handshakes run in the same namespace, and must
#   - print each connection's verdict while the connection is still open,
#     within 1 s of its first packet (trusted, self-signed code 18, TLS 1.3
#     not judged, and with -s 300 a Certificate reported as lost);
#   - with -w, write a capture that `tlsscope -r` reads back with the same
#     rows and summary (text), the same JSON apart from what is only known
#     after the verdict (tests/tools/live_json_strip.py), and that a filter
#     on -r narrows;
#   - stop cleanly with the summary and exit status 1 (a failure was seen)
#     on SIGINT, promptly even when no packets arrive, and on SIGTERM; stop
#     by itself after
#     -c 2 and after --duration 2;
#   - run as nobody after opening the capture (by default as root, and with
#     -Z nobody), stay root with -Z root; a user given CAP_NET_RAW and
#     CAP_NET_ADMIN (ambient) captures and then holds no capability;
#   - give the exact one-line errors for a bad interface, interface number,
#     filter, -w path, -Z user, and for a user without capture permission.
# No packet leaves the namespace's loopback; the namespace and every
# process started here are removed on exit. Exit 77 (skipped) when not root
# or when network namespaces are unavailable.
set -u

T=${TLSSCOPE:?set TLSSCOPE to the tlsscope binary}
SRC=${TLSSCOPE_SRC:?set TLSSCOPE_SRC to the source tree}
STORE=$SRC/pcaps/expressway-store.pem
PKI=$SRC/pcaps/pki
SERVER=10.48.36.215

skip() { echo "t_live: skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, live capture)"
for t in ip openssl python3 setpriv date awk; do
  command -v "$t" >/dev/null 2>&1 || skip "missing tool: $t"
done

W=$(mktemp -d /tmp/tlsscope-live.XXXXXX)
# -w files are created after privileges are dropped (to nobody by default
# for a live capture), as tcpdump -Z does: the folder is writable like /tmp.
chmod 1777 "$W"
FAILS=0
. "$SRC/pcaps/netns.sh"

cleanup() {
  rc=$?
  netns_destroy
  exec 3>&-
  rm -rf "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

netns_create "tlsscope-live-$$" 2>/dev/null || skip "cannot create a network namespace"
netns_loopback || skip "cannot bring up lo in the namespace"
netns_addrs "$SERVER" || { echo "FAIL: cannot add $SERVER to lo"; exit 1; }

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
now() { date +%s.%N; }
# seconds between two `now` values (or epoch values), as a decimal
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# true when decimal $1 > decimal $2
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
# lines of $1 that are connection rows (text) or objects (JSON)
rows() { grep -c '^#[0-9]\|^{' "$1" 2>/dev/null || true; }

# wait_for FILE PATTERN SECONDS: until grep finds PATTERN in FILE
wait_for() {
  i=0
  n=$(awk -v s="$3" 'BEGIN { print int(s * 50) }')
  until grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1)); [ "$i" -le "$n" ] || return 1
    sleep 0.02
  done
}

# wait_rows FILE N SECONDS: until FILE has at least N rows
wait_rows() {
  i=0
  n=$(awk -v s="$3" 'BEGIN { print int(s * 50) }')
  until [ "$(rows "$1")" -ge "$2" ]; do
    i=$((i + 1)); [ "$i" -le "$n" ] || return 1
    sleep 0.02
  done
}

# wait_exit PID SECONDS: until PID has exited (then `wait PID` gives its status)
wait_exit() {
  i=0
  n=$(awk -v s="$2" 'BEGIN { print int(s * 50) }')
  while kill -0 "$1" 2>/dev/null; do
    i=$((i + 1)); [ "$i" -le "$n" ] || return 1
    sleep 0.02
  done
}

# ---------------------------------------------------------------- servers
# CUCM's two faces from the Expressway case: the CA-signed RSA tomcat
# certificate on 8443 (trusted by the store) and the self-signed
# tomcat-ECDSA one on 6972 (code 18). -rev: an echo server that does not
# read its own stdin, so connections stay open until the client closes.
# (Background jobs are started with `ip netns exec` directly, never through
# a shell function, so that $! is the process itself: ip execs it.)
ip netns exec "$NS" openssl s_server -accept "$SERVER:8443" -cert "$PKI/cucm-tomcat.crt" \
  -key "$PKI/cucm-tomcat.key" -quiet -rev >"$W/server-8443.log" 2>&1 &
netns_track $!
ip netns exec "$NS" openssl s_server -accept "$SERVER:6972" -cert "$PKI/cucm-tomcat-ecdsa.crt" \
  -key "$PKI/cucm-tomcat-ecdsa.key" -quiet -rev >"$W/server-6972.log" 2>&1 &
netns_track $!
for port in 8443 6972; do
  netns_wait_tcp "$SERVER" "$port" \
    || { cat "$W"/server-*.log; echo "FAIL: s_server on $port did not start"; exit 1; }
done

# client NAME PORT OPTIONS...: a handshake that then stays open, so a row
# that appears now was printed at verdict time, not at close. Its stdin is
# a FIFO this shell holds open and never writes. Sets CPID.
mkfifo "$W/hold"
exec 3<>"$W/hold"
client() {
  name=$1 port=$2
  shift 2
  ip netns exec "$NS" openssl s_client -connect "$SERVER:$port" -servername cucm.steven.lab \
    -CAfile "$STORE" "$@" <"$W/hold" >"$W/client-$name.log" 2>&1 &
  CPID=$!
  netns_track $CPID
}

# start_tlsscope NAME ARGS...: tlsscope in the namespace; waits for its
# "listening on" line. Sets TPID; output in $W/NAME.out / NAME.err.
start_tlsscope() {
  name=$1
  shift
  ip netns exec "$NS" "$T" "$@" >"$W/$name.out" 2>"$W/$name.err" &
  TPID=$!
  netns_track $TPID
  if ! wait_for "$W/$name.err" '^tlsscope: listening on ' 10; then
    fail "$name: tlsscope did not start: $(cat "$W/$name.err")"
    return 1
  fi
}

# uids PID: "real effective saved fs" uids, then gids, then groups
ids_of() {
  awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 } /^Gid:/ { g = $2 " " $3 " " $4 " " $5 }
       /^Groups:/ { $1 = ""; gr = $0; sub(/^ +/, "", gr) }
       END { print "uid " u " gid " g " groups " gr }' "/proc/$1/status"
}

NOBODY_IDS="uid $(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody) gid $(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody) groups $(id -G nobody)"

# seq_order: a text report with its rows sorted by connection number "#N"
seq_order() {
  awk '/^#[0-9]/ { n = substr($1, 2) + 0; rows[n] = $0; if (n > max) max = n; next }
       { if (max && !done) { for (i = 1; i <= max; i++) if (i in rows) print rows[i]; done = 1 }
         print }
       END { if (max && !done) for (i = 1; i <= max; i++) if (i in rows) print rows[i] }'
}

# close_client: end the last client's connection (its FIN exchange happens
# while it exits)
close_client() {
  kill "$CPID" 2>/dev/null
  wait "$CPID" 2>/dev/null
}

# live_case OUT NAME PORT EXPECTED-ROW CLIENT-OPTIONS...: run one
# handshake, wait for its row, check the row and the latency.
live_case() {
  out=$1 name=$2 port=$3 want=$4
  shift 4
  before=$(rows "$out")
  client "$name" "$port" "$@"
  if ! wait_rows "$out" $((before + 1)) 3; then
    fail "$name: no row within 3 s"
    return
  fi
  t_line=$(now)
  kill -0 "$CPID" 2>/dev/null || fail "$name: the client was gone before the row appeared"
  row=$(grep '^#[0-9]\|^{' "$out" | sed -n "$((before + 1))p")
  case "$row" in
    '{'*)
      ts=$(printf '%s\n' "$row" | python3 -c 'import json,sys; print(json.load(sys.stdin)["@timestamp"])')
      got=$(printf '%s\n' "$row" | python3 -c '
import json, sys
d = json.load(sys.stdin); t = d["tlsscope"]; v = t["verdict"]
print(d["destination"]["ip"] + ":" + str(d["destination"]["port"]), d["tls"]["client"].get("server_name"),
      d["tls"].get("version"), t.get("cipher_openssl"), len(t["chain"]), v["status"], v["code"], v["depth"])')
      ;;
    *)
      ts=$(printf '%s\n' "$row" | awk '{ print $2 }')
      got=$(printf '%s\n' "$row" | sed 's/  */ /g' | cut -d' ' -f5-)
      ;;
  esac
  [ "$got" = "$want" ] || fail "$name: row
  got:  $got
  want: $want"
  t_conn=$(date -u -d "$ts" +%s.%N)
  lat=$(elapsed "$t_conn" "$t_line")
  echo "t_live: $name: row $(elapsed "$t_conn" "$t_line") s after the connection's first packet"
  gt "$lat" 1.0 && fail "$name: row appeared $lat s after the connection started (> 1 s)"
  gt -0.5 "$lat" && fail "$name: row time $ts is later than its arrival ($lat s)"
}

# ------------------------------------------------- 1: text rows, -w, SIGINT
# As root without -Z: privileges go to nobody once the capture is open.
if start_tlsscope live -i lo --trust "$STORE" -b --color never -w "$W/live.pcap" \
     tcp port 8443 or tcp port 6972; then
  ids=$(ids_of "$TPID")
  [ "$ids" = "$NOBODY_IDS" ] || fail "default -Z: running as '$ids', want '$NOBODY_IDS'"
  # one at a time: s_server serves one connection after the other, and the
  # TLS 1.3 case goes to the same server as the first
  live_case "$W/live.out" trusted 8443 \
    "$SERVER:8443 cucm.steven.lab TLS1.2 ECDHE-RSA-AES256-GCM-SHA384 cucm-ms.steven.lab 1 trusted" \
    -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
  close_client
  live_case "$W/live.out" self-signed 6972 \
    "$SERVER:6972 cucm.steven.lab TLS1.2 ECDHE-ECDSA-AES256-GCM-SHA384 cucm-EC.steven.lab 1 FAILED 18@0 self signed certificate" \
    -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384
  close_client
  live_case "$W/live.out" tls13 8443 \
    "$SERVER:8443 cucm.steven.lab TLS1.3 TLS_AES_256_GCM_SHA384 - - not judged: TLS 1.3: the server's certificates are encrypted - give --keylog with the client's SSLKEYLOGFILE, or judge the certificate obtained another way" \
    -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384
  close_client
  # nothing arrives any more: ^C must still stop at once
  sleep 0.5
  t0=$(now)
  kill -INT "$TPID"
  if wait_exit "$TPID" 2; then
    wait "$TPID"; rc=$?
    took=$(elapsed "$t0" "$(now)")
    gt "$took" 1.0 && fail "SIGINT: took $took s to stop (> 1 s)"
    [ "$rc" -eq 1 ] || fail "SIGINT: exit status $rc, want 1 (one connection failed)"
  else
    fail "SIGINT: tlsscope still running 2 s later"
  fi
  [ "$(rows "$W/live.out")" -eq 3 ] || fail "SIGINT: $(rows "$W/live.out") rows, want 3"
  grep -q '^Summary: 3 TLS connections to 2 servers' "$W/live.out" ||
    fail "SIGINT: no summary: $(cat "$W/live.out")"
  grep -q '^  verdicts: 1 trusted, 1 failed, 1 not judged\.$' "$W/live.out" ||
    fail "SIGINT: verdict counts wrong"
  grep -q '^  live capture: [1-9][0-9]* packets received by filter, 0 dropped by kernel, 0 dropped by interface\.$' \
    "$W/live.out" || fail "SIGINT: no kernel counters in the summary"

  # The -w file reads back with the same rows and summary. Files print a
  # row when its connection is over, live at verdict time: the rows are
  # compared in connection-number order, everything else as it stands.
  "$T" -r "$W/live.pcap" --trust "$STORE" -b --color never >"$W/readback.out" 2>"$W/readback.err"
  rc=$?
  [ "$rc" -eq 1 ] || fail "-r of the -w file: exit status $rc, want 1: $(cat "$W/readback.err")"
  grep -v '^  live capture: ' "$W/live.out" | seq_order >"$W/live.cmp"
  seq_order <"$W/readback.out" >"$W/readback.cmp"
  diff "$W/live.cmp" "$W/readback.cmp" >"$W/readback.diff" ||
    fail "-r of the -w file differs from the live report:
$(cat "$W/readback.diff")"
  # -c applies to files too, and means exactly N
  "$T" -r "$SRC/pcaps/expressway.pcapng" --trust "$STORE" -b --color never -c 2 >"$W/count.out" 2>&1
  [ "$(rows "$W/count.out")" -eq 2 ] && grep -q '^Summary: 2 TLS connections to 2 servers' "$W/count.out" ||
    fail "-r with -c 2: $(cat "$W/count.out")"
  # and a trailing filter works on files
  "$T" -r "$W/live.pcap" --trust "$STORE" -b --color never tcp port 6972 >"$W/filtered.out" 2>&1
  [ "$(rows "$W/filtered.out")" -eq 1 ] && grep -q '^#1 .*:6972 .*FAILED 18@0 self signed certificate' "$W/filtered.out" ||
    fail "-r with filter 'tcp port 6972': $(cat "$W/filtered.out")"
fi

# ------------------------------- 2: JSON on -i any, -Z nobody, -c 2, max-conns
if start_tlsscope json -i any --trust "$STORE" --json -Z nobody -c 2 --max-conns 1 \
     -w "$W/json.pcap" tcp port 8443 or tcp port 6972; then
  ids=$(ids_of "$TPID")
  [ "$ids" = "$NOBODY_IDS" ] || fail "-Z nobody: running as '$ids', want '$NOBODY_IDS'"
  C=""
  live_case "$W/json.out" json-trusted 8443 "$SERVER:8443 cucm.steven.lab 1.2 ECDHE-RSA-AES256-GCM-SHA384 1 trusted 0 None" \
    -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
  C="$C $CPID"
  live_case "$W/json.out" json-self-signed 6972 "$SERVER:6972 cucm.steven.lab 1.2 ECDHE-ECDSA-AES256-GCM-SHA384 1 failed 18 0" \
    -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384
  C="$C $CPID"
  # -c 2: stops by itself, with both connections still open
  if wait_exit "$TPID" 2; then
    wait "$TPID"; rc=$?
    [ "$rc" -eq 1 ] || fail "-c 2: exit status $rc, want 1"
  else
    fail "-c 2: still running 2 s after the second verdict"
    kill -INT "$TPID"
  fi
  kill $C 2>/dev/null
  wait $C 2>/dev/null
  [ "$(rows "$W/json.out")" -eq 2 ] || fail "-c 2: $(rows "$W/json.out") JSON lines, want 2"
  grep -q '^Summary: 2 TLS connections to 2 servers' "$W/json.err" ||
    fail "-c 2: summary on stderr: $(cat "$W/json.err")"
  # --max-conns 1: the second connection evicted the first (open) one
  grep -q '^  caps hit: 1 flows evicted (flow table full)' "$W/json.err" ||
    fail "--max-conns 1: no eviction counted: $(grep 'caps hit' "$W/json.err")"
  "$T" -r "$W/json.pcap" --trust "$STORE" --json >"$W/json-readback.out" 2>"$W/json-readback.err"
  python3 "$SRC/tests/tools/live_json_strip.py" "$W/json.out" >"$W/json.live.stripped" &&
    python3 "$SRC/tests/tools/live_json_strip.py" "$W/json-readback.out" >"$W/json.file.stripped" &&
    [ "$(wc -l <"$W/json.file.stripped")" -eq 2 ] &&
    diff "$W/json.live.stripped" "$W/json.file.stripped" >"$W/json.diff" ||
    fail "JSON: -r of the -w file differs from the live lines:
$(cat "$W/json.diff" 2>/dev/null) $(cat "$W/json-readback.err")"
fi

# ------------------------------------------------- 2b: -s cuts the chain
# 300 bytes per packet cannot hold the Certificate: reported as lost, never
# judged on a partial chain
if start_tlsscope snap -i lo -s 300 -c 1 --trust "$STORE" -b tcp port 8443; then
  grep -q 'snapshot length 300 bytes$' "$W/snap.err" || fail "-s 300: $(cat "$W/snap.err")"
  live_case "$W/snap.out" snaplen 8443 \
    "$SERVER:8443 cucm.steven.lab TLS1.2 ECDHE-RSA-AES256-GCM-SHA384 - - not judged: the Certificate message was lost in a capture gap" \
    -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
  close_client
  if wait_exit "$TPID" 2; then
    wait "$TPID"; rc=$?
    [ "$rc" -eq 0 ] || fail "-s 300 -c 1: exit status $rc, want 0"
  else
    fail "-s 300 -c 1: still running"
    kill -INT "$TPID"
  fi
fi

# ----------------------------------------------- 3: --duration, -Z root, idle
t0=$(now)
if start_tlsscope duration -i lo --trust "$STORE" -b -Z root --duration 2 tcp port 9; then
  ids=$(ids_of "$TPID")
  case "$ids" in "uid 0 0 0 0 gid 0 0 0 0"*) ;; *) fail "-Z root: running as '$ids'" ;; esac
  if wait_exit "$TPID" 5; then
    wait "$TPID"; rc=$?
    took=$(elapsed "$t0" "$(now)")
    [ "$rc" -eq 0 ] || fail "--duration 2: exit status $rc, want 0"
    gt 1.9 "$took" && fail "--duration 2: stopped after $took s"
    gt "$took" 4.0 && fail "--duration 2: stopped only after $took s"
    grep -q '^Summary: 0 TLS connections to 0 servers' "$W/duration.out" ||
      fail "--duration 2: no summary: $(cat "$W/duration.out")"
  else
    fail "--duration 2: still running after 5 s"
    kill -INT "$TPID"
  fi
fi

# --------------------- 4: a user allowed to capture (ambient capabilities)
# keeps the capabilities only until the capture is open
mkdir "$W/bin" && cp "$T" "$W/bin/tlsscope" && chmod 755 "$W" "$W/bin"
ip netns exec "$NS" setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
  --inh-caps=+net_raw,+net_admin --ambient-caps=+net_raw,+net_admin \
  "$W/bin/tlsscope" -i lo -b tcp port 9 >"$W/caps.out" 2>"$W/caps.err" &
TPID=$!
netns_track $TPID
if wait_for "$W/caps.err" '^tlsscope: listening on lo' 10; then
  caps=$(awk '/^Cap(Inh|Prm|Eff|Amb):/ { printf "%s %s ", $1, $2 }' "/proc/$TPID/status")
  [ "$caps" = "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapAmb: 0000000000000000 " ] ||
    fail "capabilities kept after opening the capture: $caps"
  # SIGTERM stops cleanly too, with the summary and status 0 (nothing failed)
  kill -TERM "$TPID"
  if wait_exit "$TPID" 2; then
    wait "$TPID" || fail "SIGTERM: exit status $?: $(cat "$W/caps.err")"
    grep -q '^Summary: 0 TLS connections' "$W/caps.out" || fail "SIGTERM: no summary"
  else
    fail "SIGTERM: still running 2 s later"
  fi
else
  fail "capture with ambient CAP_NET_RAW/CAP_NET_ADMIN did not start: $(cat "$W/caps.err")"
fi

# ------------------------------------------------------------ 4: errors
# expect_error WANT-STDERR CMD...: exit status 2, stderr exactly WANT
expect_error() {
  want=$1
  shift
  "$@" >"$W/err.out" 2>"$W/err.err"
  rc=$?
  got=$(cat "$W/err.err")
  [ "$rc" -eq 2 ] || fail "$*: exit status $rc, want 2"
  [ "$got" = "$want" ] || fail "$*: stderr
  got:  $got
  want: $want"
  [ -s "$W/err.out" ] && fail "$*: wrote to stdout: $(cat "$W/err.out")"
  return 0
}

expect_error "tlsscope: eth9: no such capture device (available: any, lo; see tlsscope -D)" \
  nsx "$T" -i eth9 --trust "$STORE" -b
nifaces=$(nsx "$T" -D | wc -l)
expect_error "tlsscope: -i 99: no interface number 99 (tlsscope -D lists $nifaces)" \
  nsx "$T" -i 99 -b
expect_error 'tlsscope: bad filter expression "tcp port and": syntax error at "and" (character 10)' \
  nsx "$T" -i lo --trust "$STORE" -b tcp port and
expect_error 'tlsscope: bad filter expression "tcp port 8443 or": syntax error: the expression ends too early' \
  nsx "$T" -i lo -b tcp port 8443 or
expect_error 'tlsscope: bad filter expression "tcp portt 6972": syntax error at "portt" (character 5)' \
  "$T" -r "$SRC/pcaps/expressway.pcapng" -b tcp portt 6972
expect_error "tlsscope: $W/no-such-dir/x.pcap: cannot create capture file: No such file or directory" \
  nsx "$T" -i lo -b -w "$W/no-such-dir/x.pcap"
expect_error "tlsscope: -Z tlsscope-no-such-user: no such user" \
  nsx "$T" -i lo -b -Z tlsscope-no-such-user -w "$W/z.pcap"
[ -e "$W/z.pcap" ] && fail "-Z with an unknown user still created the -w file"
# without root or the capabilities (the copy nobody can execute)
expect_error "tlsscope: lo: permission denied: live capture needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities (socket: Operation not permitted)" \
  nsx setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$W/bin/tlsscope" -i lo -b
# -Z with -r, and --export-certs after the switch: a directory tlsscope
# creates goes to the user, one it cannot write is refused up front
mkdir "$W/exp-root"
expect_error "tlsscope: --export-certs: $W/exp-root: Permission denied for user nobody (privileges are dropped after opening the capture; see -Z)" \
  "$T" -r "$SRC/pcaps/expressway.pcapng" -b -Z nobody --export-certs "$W/exp-root"
"$T" -r "$SRC/pcaps/expressway.pcapng" -b -Z nobody --export-certs "$W/exp" >"$W/exp.out" 2>&1
[ "$?" -eq 0 ] && [ "$(find "$W/exp" -name '*.pem' -user nobody | wc -l)" -eq 5 ] ||
  fail "-r -Z nobody --export-certs: $(ls -l "$W/exp" 2>&1) $(cat "$W/exp.out")"
# -D lists what tcpdump -D lists, in the same format (so -i NUMBER agrees)
if command -v tcpdump >/dev/null 2>&1; then
  nsx "$T" -D >"$W/D.tlsscope" 2>&1
  nsx tcpdump -D >"$W/D.tcpdump" 2>&1
  diff "$W/D.tcpdump" "$W/D.tlsscope" >"$W/D.diff" || fail "-D differs from tcpdump -D:
$(cat "$W/D.diff")"
fi

if [ "$FAILS" -ne 0 ]; then
  for f in "$W"/*.out "$W"/*.err; do echo "--- $f"; cat "$f"; done
  echo "t_live: $FAILS failure(s)"
  exit 1
fi
echo "t_live: ok"
