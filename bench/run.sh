#!/bin/bash
# bench/run.sh — how fast does tlsscope judge a big capture, next to the cost
# of merely reading it (a bare libpcap loop), tshark and ssldump?
#
#   sudo bench/run.sh            generate the captures if missing, then measure
#   sudo bench/run.sh gen        only generate (cached under bench/work/)
#   bench/run.sh measure         only measure (captures must exist; no root needed)
#   bench/run.sh check           measure, then compare with bench/RESULTS.md's
#                                table for this machine: exit 1 when tlsscope's
#                                CPU time over the floor's grew by more than
#                                CHECK_TOLERANCE (10%) on any capture
#                                (`make bench-check`; not part of `make test`)
#
# Not part of the test suite (it takes minutes and a few GB). Installs what it
# needs from Debian packages when run as root.
#
# Captures (all real OpenSSL 3 traffic: `openssl s_server -WWW` serving files,
# bench/client.py using Python's ssl module, inside a private network
# namespace on its loopback only; namespace, servers and tcpdump are removed
# on exit, also on failure):
#   bulk-mtu  BULK_CONNS connections (a third each TLS 1.2 ECDHE-RSA, TLS 1.2
#             ECDHE-ECDSA, TLS 1.3), each downloading BULK_KB KiB; lo MTU 1500
#             and GSO limited to one segment, so tcpdump sees <= 1514-byte
#             frames like on a wire;
#   bulk-tso  the same traffic with lo's defaults (MTU 65536, GSO on): the
#             64 KiB segmentation-offload frames a capture on a sending host has;
#   hs        HS_CONNS short connections, each a full TLS 1.2 handshake (no
#             resumption: fresh session, tickets off) and a ~100-byte GET,
#             half to an RSA server (three SNIs, one of them not in the
#             certificate) and half to an ECDSA server; every one is judged.
#   distinct  hs with every server certificate made distinct (bench/distinct.py
#             rewrites serial numbers in place): the worst case for the
#             certificate and verdict caches, for the memory check.
#   hs-x4     hs four times in a row, shifted in time (bench/repeat.py): 1.5 GB,
#             400 000 connections; peak RSS must not grow with capture size.
#   X-ng      the pcapng copy of capture X (editcap -F pcapng: the same
#             packets in Enhanced Packet Blocks), read by tlsscope's own
#             pcapng reader -- its speed next to the pcap one;
#   X-gz      X.pcap.gz (gzip -6), read through zlib; its "x floor" is over
#             the floor of X.pcap (libpcap cannot read gzip), and `zcat`
#             shows what the decompression alone costs.
#
# Measurements (median of RUNS runs, warm page cache, output to /dev/null).
# The tools take turns: round 1 runs each tool once, then round 2, ..., so
# that a busy moment on a shared machine hits all of them alike rather than
# all runs of one tool; the spread (max - min over the median, CPU) of each
# is reported next to the median.
#   cat       `cat FILE > /dev/null` — the cost of reading the bytes at all
#   zcat      `zcat FILE > /dev/null` (X-gz only) — the cost of gunzip alone
#   floor     bench/pcapfloor.c — a bare libpcap loop over every packet
#   readblk   bench/readbench.c read — records parsed in place from 1 MiB
#             read() blocks, what tlsscope's own pcap reader does (the floor
#             of that reader)
#   tlsscope  batch report with chain verdicts (--trust the bench root)
#   tlsscope-json  the same with --json
#   tshark    -Y tls.handshake -T fields with the handshake fields tlsscope
#             reports (SLOW_RUNS runs)
#   ssldump   ssldump -n -r FILE (SLOW_RUNS runs)
# Wall time, CPU time (user+sys) and peak RSS of each run: bench/timeit.c.
#
# Environment:
#   RUNS=5 SLOW_RUNS=3            runs per tool
#   BULK_CONNS=1500 BULK_KB=300 HS_CONNS=100000
#   CAPTURES="bulk-mtu bulk-tso hs bulk-mtu-ng bulk-tso-ng hs-ng bulk-mtu-gz
#             bulk-tso-gz hs-gz distinct hs-x4"   which captures to measure
#   NG_TOOLS="cat floor tlsscope tlsscope-json"     (tools for the pcapng copies)
#   GZ_TOOLS="zcat tlsscope tlsscope-json"          (tools for the .pcap.gz copies)
#   CHECK_CAPTURES="bulk-mtu bulk-tso hs bulk-mtu-ng bulk-tso-ng hs-ng"  (for check)
#   CHECK_TOOLS="floor tlsscope tlsscope-json"   CHECK_TOLERANCE=0.10
#   TOOLS="cat floor readblk tlsscope tlsscope-json tshark ssldump"
#   DISTINCT_TOOLS="floor tlsscope tlsscope-json"  (tools for "distinct")
#   X4_TOOLS="floor tlsscope"                      (tools for "hs-x4")
#   TLSSCOPE=path                 measure this binary instead of building one
#   BASE=path                     also measure this (older) binary, as tools
#                                 "base" and "base-json", in the same rounds:
#                                 a before/after from one session
#   REGEN=1                       regenerate the captures
set -euo pipefail
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
WORK=$HERE/work
CAPS=$WORK/captures
PKI=$WORK/pki

RUNS=${RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-3}
BULK_CONNS=${BULK_CONNS:-1500}
BULK_KB=${BULK_KB:-300}
HS_CONNS=${HS_CONNS:-100000}
CAPTURES=${CAPTURES:-"bulk-mtu bulk-tso hs bulk-mtu-ng bulk-tso-ng hs-ng bulk-mtu-gz bulk-tso-gz hs-gz distinct hs-x4"}
TOOLS=${TOOLS:-"cat floor readblk tlsscope tlsscope-json tshark ssldump"}
DISTINCT_TOOLS=${DISTINCT_TOOLS:-"floor tlsscope tlsscope-json"}
X4_TOOLS=${X4_TOOLS:-"floor tlsscope"}
NG_TOOLS=${NG_TOOLS:-"cat floor tlsscope tlsscope-json"}
GZ_TOOLS=${GZ_TOOLS:-"zcat tlsscope tlsscope-json"}
CHECK_CAPTURES=${CHECK_CAPTURES:-"bulk-mtu bulk-tso hs bulk-mtu-ng bulk-tso-ng hs-ng"}
CHECK_TOLERANCE=${CHECK_TOLERANCE:-0.10}
CHECK_TOOLS=${CHECK_TOOLS:-"floor tlsscope tlsscope-json"}
PY=/usr/bin/python3

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

# ------------------------------------------------------------------ deps
deps() {
  local want="cmake gcc make pkg-config libpcap-dev libmbedtls-dev libncurses-dev zlib1g-dev
              openssl tcpdump tshark ssldump iproute2 python3"
  local missing="" p
  for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' \
      || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages:$missing (run as root, or: apt-get install$missing)"
  log "installing:$missing"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null \
    || { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing; }
}

build() {
  mkdir -p "$WORK"
  if [ -z "${TLSSCOPE:-}" ]; then
    # The build type `make` gives users (RelWithDebInfo: -O2 -g).
    log "building tlsscope (RelWithDebInfo) in bench/work/build"
    cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$WORK/build" -j "$(nproc)" --target tlsscope >/dev/null
    TLSSCOPE=$WORK/build/tlsscope
    [ -x "$TLSSCOPE" ] || TLSSCOPE=$WORK/build/ui/tlsscope # before ea10a8d
  fi
  [ -x "$TLSSCOPE" ] || die "no tlsscope binary at $TLSSCOPE"
  cc -O2 -Wall -Wextra -o "$WORK/pcapfloor" "$HERE/pcapfloor.c" -lpcap
  cc -O2 -Wall -Wextra -o "$WORK/timeit" "$HERE/timeit.c"
  cc -O2 -Wall -Wextra -o "$WORK/readbench" "$HERE/readbench.c" -lpcap
}

# ------------------------------------------------------------------- PKI
make_pki() {
  [ -f "$PKI/store.pem" ] && return 0
  log "PKI"
  rm -rf "$PKI"; mkdir -p "$PKI"
  cd "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -days 3650 \
    -subj "/O=tlsscope bench/CN=tlsscope Bench Root CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr \
    -subj "/O=tlsscope bench/CN=tlsscope Bench Issuing CA" 2>/dev/null
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >int.ext
  openssl x509 -req -in int.csr -CA root.crt -CAkey root.key -CAcreateserial -days 3000 \
    -extfile int.ext -out int.crt 2>/dev/null
  leaf() { # leaf NAME KEYALG SANS
    if [ "$2" = rsa ]; then
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1.bench.lab" 2>/dev/null
    else
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
        -out "$1.csr" -subj "/CN=$1.bench.lab" 2>/dev/null
    fi
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA int.crt -CAkey int.key -CAcreateserial -days 825 \
      -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  }
  leaf rsa rsa "DNS:rsa.bench.lab,DNS:www.rsa.bench.lab"
  leaf ecdsa ec "DNS:ecdsa.bench.lab"
  cp int.crt chain.pem
  cp root.crt store.pem
  rm -f ./*.csr ./*.srl ./*.ext
  cd - >/dev/null
}

# ------------------------------------------------------------- namespace
NS=""
BG_PIDS=""
TD_PID=""
cleanup() {
  local rc=$?
  set +e
  for p in $BG_PIDS $TD_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  BG_PIDS=""; TD_PID=""
  [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
  NS=""
  return $rc
}
trap 'cleanup' EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM HUP

nsx() { ip netns exec "$NS" "$@"; }

SRV_RSA=10.77.0.1
SRV_EC=10.77.0.2
SRV_13=10.77.0.3
CLIENTS=$(for i in $(seq 1 16); do printf '10.77.1.%d,' "$i"; done)
CLIENTS=${CLIENTS%,}

ns_up() { # ns_up mtu|tso
  NS=tlsscope-bench-$$
  ip netns add "$NS"
  if [ "$1" = mtu ]; then
    nsx ip link set lo mtu 1500
    # lo does TSO/GSO; limiting GSO to one 1500-byte segment makes tcpdump see
    # wire-sized frames (as pcaps/make-captures.sh does).
    nsx ip link set lo gso_max_size 1500 gso_max_segs 1
  fi
  nsx ip link set lo up
  for a in $SRV_RSA $SRV_EC $SRV_13 ${CLIENTS//,/ }; do nsx ip addr add "$a/32" dev lo; done
  nsx sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
}

server() { # server ADDR PORT CERT KEY TLSFLAG
  (cd "$WORK/www" && exec ip netns exec "$NS" openssl s_server -quiet -WWW \
      -accept "$1:$2" -cert "$PKI/$3" -key "$PKI/$4" -cert_chain "$PKI/chain.pem" "$5" \
      >/dev/null 2>>"$WORK/server.log") &
  BG_PIDS="$BG_PIDS $!"
}

wait_port() { # wait_port ADDR PORT
  for _ in $(seq 1 100); do
    nsx bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && return 0
    sleep 0.1
  done
  die "server $1:$2 did not start (see $WORK/server.log)"
}

tcpdump_start() { # tcpdump_start OUT
  : >"$WORK/tcpdump.log"
  # -B: a large kernel buffer so that nothing is dropped; checked afterwards.
  ip netns exec "$NS" tcpdump -i lo -n -s 0 -B 262144 -w "$1" tcp 2>"$WORK/tcpdump.log" &
  TD_PID=$!
  for _ in $(seq 1 100); do
    grep -q "listening on" "$WORK/tcpdump.log" && return 0
    sleep 0.1
  done
  die "tcpdump did not start: $(cat "$WORK/tcpdump.log")"
}

tcpdump_stop() {
  sleep 2.5 # TPACKET_V3 hands a block over after its 1 s timeout; let the last one arrive
  kill -INT "$TD_PID"
  wait "$TD_PID" || true
  TD_PID=""
  grep -q "^0 packets dropped by kernel" "$WORK/tcpdump.log" \
    || die "tcpdump dropped packets: $(tail -3 "$WORK/tcpdump.log")"
}

# Run the clients given as "ADDR:PORT PATH COUNT TLS CIPHERS SNIS" lines in
# parallel, then wait for all.
run_clients() {
  local pids="" line addr path count tls ciphers snis
  while read -r addr path count tls ciphers snis; do
    [ -n "$addr" ] || continue
    local cargs=(--server "$addr" --path "$path" --count "$count" --tls "$tls" --src "$CLIENTS")
    [ "$ciphers" != - ] && cargs+=(--ciphers "$ciphers")
    [ "$snis" != - ] && cargs+=(--sni "$snis")
    nsx "$PY" "$HERE/client.py" "${cargs[@]}" &
    pids="$pids $!"
  done
  local rc=0
  for p in $pids; do wait "$p" || rc=1; done
  [ $rc -eq 0 ] || die "a client failed"
}

cap_file() { # cap_file NAME: the capture's path
  case $1 in
    *-ng) echo "$CAPS/${1%-ng}.pcapng" ;;
    *-gz) echo "$CAPS/${1%-gz}.pcap.gz" ;;
    *) echo "$CAPS/$1.pcap" ;;
  esac
}

gen_capture() { # gen_capture NAME
  local name=$1 out
  out=$(cap_file "$name")
  [ -f "$out" ] && [ "${REGEN:-0}" != 1 ] && { log "$name: cached ($out)"; return 0; }
  case $name in
    *-ng)
      local pcap=$CAPS/${name%-ng}.pcap
      [ -f "$pcap" ] || gen_capture "${name%-ng}"
      editcap -F pcapng "$pcap" "$out.tmp"
      mv "$out.tmp" "$out"
      return 0
      ;;
    *-gz)
      local pcap=$CAPS/${name%-gz}.pcap
      [ -f "$pcap" ] || gen_capture "${name%-gz}"
      gzip -6 -c "$pcap" >"$out.tmp"
      mv "$out.tmp" "$out"
      return 0
      ;;
  esac
  if [ "$name" = distinct ]; then
    [ -f "$CAPS/hs.pcap" ] || gen_capture hs
    openssl x509 -in "$PKI/rsa.crt" -outform DER -out "$WORK/rsa.der"
    openssl x509 -in "$PKI/ecdsa.crt" -outform DER -out "$WORK/ecdsa.der"
    "$PY" "$HERE/distinct.py" "$CAPS/hs.pcap" "$out.tmp" "$WORK/rsa.der" "$WORK/ecdsa.der"
    mv "$out.tmp" "$out"
    return 0
  fi
  if [ "$name" = hs-x4 ]; then
    [ -f "$CAPS/hs.pcap" ] || gen_capture hs
    "$PY" "$HERE/repeat.py" "$CAPS/hs.pcap" 4 "$out.tmp"
    mv "$out.tmp" "$out"
    return 0
  fi
  mkdir -p "$CAPS" "$WORK/www"
  head -c $((BULK_KB * 1024)) /dev/urandom >"$WORK/www/big"
  printf 'tlsscope bench: a small response body, about one hundred bytes long, like a REST reply.\n' \
    >"$WORK/www/small"
  : >"$WORK/server.log"
  local t0=$SECONDS
  case $name in
    bulk-mtu) ns_up mtu ;;
    *) ns_up tso ;;
  esac
  server $SRV_RSA 4431 rsa.crt rsa.key -tls1_2
  server $SRV_EC 4432 ecdsa.crt ecdsa.key -tls1_2
  server $SRV_13 4433 rsa.crt rsa.key -tls1_3
  wait_port $SRV_RSA 4431; wait_port $SRV_EC 4432; wait_port $SRV_13 4433
  tcpdump_start "$out.tmp"
  local third=$((BULK_CONNS / 3)) half=$((HS_CONNS / 2))
  case $name in
    bulk-*)
      log "$name: $BULK_CONNS connections x $BULK_KB KiB"
      run_clients <<EOF
$SRV_RSA:4431 /big $third 1.2 ECDHE-RSA-AES128-GCM-SHA256 rsa.bench.lab
$SRV_EC:4432 /big $third 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 ecdsa.bench.lab
$SRV_13:4433 /big $((BULK_CONNS - 2 * third)) 1.3 - rsa.bench.lab
EOF
      ;;
    hs)
      log "$name: $HS_CONNS short TLS 1.2 connections"
      run_clients <<EOF
$SRV_RSA:4431 /small $half 1.2 ECDHE-RSA-AES128-GCM-SHA256 rsa.bench.lab,www.rsa.bench.lab,cucm.bench.lab
$SRV_EC:4432 /small $((HS_CONNS - half)) 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 ecdsa.bench.lab
EOF
      ;;
  esac
  tcpdump_stop
  cleanup || true
  local want=$BULK_CONNS syns
  [ "$name" = hs ] && want=$HS_CONNS
  syns=$(tcpdump -n -r "$out.tmp" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>/dev/null | wc -l)
  [ "$syns" -eq "$want" ] || die "$name: $syns connections in the capture, expected $want"
  mv "$out.tmp" "$out"
  log "$name: $(du -h "$out" | cut -f1) in $((SECONDS - t0)) s"
}

# ----------------------------------------------------------- measuring
# One run (bench/timeit.c: wall clock, user+sys CPU and peak RSS of the
# child from wait4): prints "wall cpu maxrss_kib".
timed() {
  local out rc=0
  out=$(TIMEIT_STDERR=$WORK/stderr.out "$WORK/timeit" "$@") || rc=$?
  # tlsscope exits 1 when some server fails verification: that is a result
  if [ $rc -ne 0 ] && ! { [ $rc -eq 1 ] && { [ "$1" = "$TLSSCOPE" ] || [ "$1" = "${BASE:-}" ]; }; }; then
    cat "$WORK/stderr.out" >&2
    die "failed ($rc): $*"
  fi
  echo "$out"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

tool_cmd() { # tool_cmd TOOL FILE
  case $1 in
    cat) echo "cat $2" ;;
    zcat) echo "zcat $2" ;;
    floor) echo "$WORK/pcapfloor $2" ;;
    readblk) echo "$WORK/readbench read $2" ;;
    tlsscope) echo "$TLSSCOPE -b -r $2 --trust $PKI/store.pem" ;;
    tlsscope-json) echo "$TLSSCOPE --json -r $2 --trust $PKI/store.pem" ;;
    base) echo "$BASE -b -r $2 --trust $PKI/store.pem" ;;
    base-json) echo "$BASE --json -r $2 --trust $PKI/store.pem" ;;
    tshark) echo "tshark -n -r $2 -Y tls.handshake -T fields -e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.handshake.type -e tls.handshake.version -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite -e tls.handshake.extensions.supported_version -e tls.handshake.certificate" ;;
    ssldump) echo "ssldump -n -r $2" ;;
  esac
}

RES=$WORK/results.tsv
measure() { # measure CAPTURE...
  : >"$RES"
  for cap in "$@"; do
    local f plain
    f=$(cap_file "$cap")
    [ -f "$f" ] || die "no capture $f (run: sudo CAPTURES=\"$cap\" bench/run.sh gen)"
    plain=$f
    case $cap in *-gz) plain=$(cap_file "${cap%-gz}") ;; esac
    cat "$f" >/dev/null # warm the page cache
    read -r pkts _ < <("$WORK/pcapfloor" "$plain")
    local summary judged
    summary=$("$TLSSCOPE" -b -r "$f" --trust "$PKI/store.pem" 2>/dev/null) || true
    judged=$(sed -n 's/^  verdicts: \([0-9]*\) trusted, \([0-9]*\) failed.*/\1 \2/p' <<<"$summary" |
             awk '{print $1 + $2}')
    log "$cap: $(du -h "$f" | cut -f1), $pkts packets; $(grep '^Summary:' <<<"$summary")"
    local tools=$TOOLS
    [ "$cap" = distinct ] && tools=$DISTINCT_TOOLS
    [ "$cap" = hs-x4 ] && tools=$X4_TOOLS
    case $cap in *-ng) tools=$NG_TOOLS ;; *-gz) tools=$GZ_TOOLS ;; esac
    [ -n "${BASE:-}" ] && tools="$tools base base-json"
    local tool round
    for tool in $tools; do : >"$WORK/runs.$tool"; done
    # Interleaved: one run of every tool per round (tshark and ssldump in the
    # first SLOW_RUNS rounds only), the order rotated each round.
    for round in $(seq 1 "$RUNS"); do
      local order
      order=$(tr ' ' '\n' <<<"$tools" | grep -v '^$' | awk -v r="$round" '{ a[NR] = $0 } END { for (i = 0; i < NR; i++) print a[(i + r - 1) % NR + 1] }')
      for tool in $order; do
        case $tool in tshark|ssldump) [ "$round" -le "$SLOW_RUNS" ] || continue ;; esac
        # shellcheck disable=SC2046
        timed $(tool_cmd "$tool" "$f") >>"$WORK/runs.$tool"
      done
    done
    for tool in $tools; do
      local runs=$WORK/runs.$tool w c r spread
      w=$(cut -d' ' -f1 "$runs" | median)
      c=$(cut -d' ' -f2 "$runs" | median)
      r=$(cut -d' ' -f3 "$runs" | median)
      spread=$(cut -d' ' -f2 "$runs" | sort -g | awk -v m="$c" '{ a[NR] = $1 } END { printf "%.0f", (m > 0 ? 100 * (a[NR] - a[1]) / m : 0) }')
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cap" "$(stat -c %s "$f")" "$pkts" "${judged:-0}" \
        "$tool" "$w" "$c" "$r" "$spread" >>"$RES"
      log "$cap $tool: wall ${w}s cpu ${c}s (spread ${spread}%) rss $((r / 1024)) MiB  (runs: $(tr '\n' ';' <"$runs"))"
    done
  done
}

# This machine as bench/RESULTS.md names it (the heading of its table): the
# CPU model and family/model numbers (a VM may show only "AMD EPYC") and
# the number of cores. `check` compares only with a table of the same name.
machine_id() {
  local cpu fam
  cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
  fam=$(lscpu | awk -F: '/^CPU family/ { f = $2 } /^Model:/ { m = $2 } END { gsub(/ /, "", f); gsub(/ /, "", m); print "family " f " model " m }')
  echo "$cpu ($fam), $(nproc) cores"
}

machine() {
  local cpu cores mem disk
  cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
  cores=$(nproc)
  mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  disk=$(df -h "$WORK" | awk 'NR == 2 { print $1 " (" $2 ")" }')
  local rota
  rota=$(lsblk -dno ROTA "$(df "$WORK" | awk 'NR == 2 { print $1 }')" 2>/dev/null | tr -d ' ' || echo "?")
  local fam
  fam=$(lscpu | awk -F: '/^CPU family/ { f = $2 } /^Model:/ { m = $2 } END { gsub(/ /, "", f); gsub(/ /, "", m); print "family " f " model " m }')
  local l2 l3
  l2=$(lscpu | sed -n 's/^L2 cache: *//p'); l3=$(lscpu | sed -n 's/^L3 cache: *//p')
  echo "- CPU: $cpu ($fam), $cores cores, L2 $l2, L3 $l3 ($(lscpu | sed -n 's/^Hypervisor vendor: *//p' | sed 's/^/VM on /'); shared with other jobs)"
  echo "- RAM: $mem; disk: $disk, virtio, rotational flag $rota; captures read from the page cache (warm)"
  echo "- kernel $(uname -r), Debian $(cat /etc/debian_version), gcc $(gcc -dumpversion)"
  echo "- tlsscope $(git -C "$SRC" describe --always --dirty 2>/dev/null) (CMake RelWithDebInfo: -O2 -g, link-time optimised), libpcap $(dpkg-query -W -f='${Version}' libpcap0.8 2>/dev/null), mbedTLS $(dpkg-query -W -f='${Version}' libmbedtls-dev 2>/dev/null)"
  echo "- $(tshark --version 2>/dev/null | head -1), $(ssldump -v 2>&1 | head -1), $(openssl version)"
}

# The results table (markdown) from $RES; floor of X-gz = floor of X.
results_table() {
  awk -F'\t' '
    { key = $1; wall[$1, $5] = $6; cpu[$1, $5] = $7; rss[$1, $5] = $8; spread[$1, $5] = $9
      size[$1] = $2; pkts[$1] = $3; judged[$1] = $4
      if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
    function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
    function floorof(c,  p) { if ((c, "floor") in wall) return c; p = c; sub(/-gz$/, "", p); return ((p, "floor") in wall) ? p : "" }
    END {
      print "| capture | size | packets | tool | wall s | CPU s | CPU spread | RSS MiB | x floor (wall / CPU) |"
      print "|---|---|---|---|---|---|---|---|---|"
      nt = split("cat zcat floor readblk base base-json tlsscope tlsscope-json tshark ssldump", tl, " ")
      for (i = 1; i <= n; i++) {
        c = order[i]; fc = floorof(c)
        for (t = 1; t <= nt; t++) {
          k = tl[t]
          if (!((c, k) in wall)) continue
          vf = fc != "" ? ratio(wall[c, k], wall[fc, "floor"]) " / " ratio(cpu[c, k], cpu[fc, "floor"]) : "-"
          printf "| %s | %.0f MB | %d | %s | %.3f | %.3f | %d%% | %.1f | %s |\n", c, size[c] / 1e6, pkts[c], k, wall[c, k], cpu[c, k], spread[c, k], rss[c, k] / 1024, vf
        }
      }
      print ""
      for (i = 1; i <= n; i++) {
        c = order[i]
        if (!((c, "tlsscope") in wall)) continue
        line = "- " c ": tlsscope"
        if ((c, "tshark") in wall) line = line sprintf(" %sx faster than tshark (wall; CPU %sx)", ratio(wall[c, "tshark"], wall[c, "tlsscope"]), ratio(cpu[c, "tshark"], cpu[c, "tlsscope"]))
        if ((c, "ssldump") in wall) line = line sprintf(", %sx faster than ssldump (wall; CPU %sx)", ratio(wall[c, "ssldump"], wall[c, "tlsscope"]), ratio(cpu[c, "ssldump"], cpu[c, "tlsscope"]))
        if (judged[c] > 0) {
          line = line sprintf("; %d judged connections, %.0f per CPU-second", judged[c], judged[c] / cpu[c, "tlsscope"])
          if ((c, "tlsscope-json") in cpu) line = line sprintf(" (%.0f with --json)", judged[c] / cpu[c, "tlsscope-json"])
        }
        print line
      }
    }' "$RES"
}

report() {
  local out=$WORK/last-results.md
  {
    echo "### $(machine_id)"
    echo
    machine
    echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "Median of $RUNS interleaved runs ($SLOW_RUNS for tshark and ssldump), warm page cache,"
    echo "output to /dev/null; wall and CPU (user+sys) seconds, CPU spread = (max - min) / median,"
    echo "peak RSS in MiB; x floor = this tool's time over the bare libpcap loop's (wall / CPU)."
    echo
    results_table
  } >"$out"
  cat "$out"
  echo
  echo "(saved in $out; copy into bench/RESULTS.md under \"Results per machine\", newest first)"
}

# check: the CPU ratio to the floor of tlsscope and tlsscope-json on each
# capture against the newest table for this machine in RESULTS.md. Fails
# when one grew by more than CHECK_TOLERANCE; a capture or tool the table
# does not have is reported and skipped.
check() {
  local id table
  id=$(machine_id)
  table=$(awk -v h="### $id" '
      $0 == h { on = 1; next }
      on && /^#/ { exit }
      on && /^\| / { print }' "$HERE/RESULTS.md")
  [ -n "$table" ] || die "bench/RESULTS.md has no table for this machine (\"### $id\"): run bench/run.sh measure and add its table first"
  results_table | awk -F'|' -v tol="$CHECK_TOLERANCE" -v old="$table" '
    function trim(s) { gsub(/^ +| +$/, "", s); return s }
    function cpu_ratio(f,  a) { split(f, a, "/"); return trim(a[2]) + 0 }
    BEGIN {
      n = split(old, lines, "\n")
      for (i = 1; i <= n; i++) {
        split(lines[i], f, "|")
        if (trim(f[5]) ~ /^tlsscope/) rec[trim(f[2]), trim(f[5])] = cpu_ratio(f[10])
      }
    }
    /^\| / && trim($5) ~ /^tlsscope/ {
      c = trim($2); t = trim($5); now = cpu_ratio($10)
      if (!((c, t) in rec) || rec[c, t] <= 0) { printf "check: %s %s: %.2fx the floor, nothing recorded\n", c, t, now; next }
      lim = rec[c, t] * (1 + tol)
      verdict = now > lim ? "REGRESSED" : "ok"
      if (now > lim) bad++
      printf "check: %s %s: %.2fx the floor (CPU), recorded %.2fx, limit %.2fx: %s\n", c, t, now, rec[c, t], lim, verdict
    }
    END { if (bad) { printf "check: %d regression(s) over %.0f%%\n", bad, 100 * tol; exit 1 } print "check: no regression" }'
}

# ------------------------------------------------------------------ main
cmd=${1:-all}
case $cmd in
  gen|all)
    [ "$(id -u)" -eq 0 ] || die "generating captures needs root (network namespace, tcpdump)"
    deps
    build
    make_pki
    for c in $CAPTURES; do gen_capture "$c"; done
    [ "$cmd" = gen ] && exit 0
    # shellcheck disable=SC2086
    measure $CAPTURES
    report
    ;;
  measure)
    build
    # shellcheck disable=SC2086
    measure $CAPTURES
    report
    ;;
  check)
    build
    TOOLS=$CHECK_TOOLS NG_TOOLS=$CHECK_TOOLS
    # shellcheck disable=SC2086
    measure $CHECK_CAPTURES
    check
    ;;
  *) die "usage: $0 [all|gen|measure|check]" ;;
esac
