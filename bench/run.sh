#!/bin/bash
# bench/run.sh — how fast does tlsscope judge a big capture, next to the cost
# of merely reading it (a bare libpcap loop), tshark and ssldump?
#
#   sudo bench/run.sh            generate the captures if missing, then measure
#   sudo bench/run.sh gen        only generate (cached under bench/work/)
#   bench/run.sh measure         only measure (captures must exist; no root needed)
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
#   bulk-mtu-ng, bulk-tso-ng  pcapng copies of the bulk captures (editcap -F
#             pcapng: the same packets in Enhanced Packet Blocks), read by
#             tlsscope's own pcapng reader -- its speed next to the pcap one.
#
# Measurements (median of RUNS runs, warm page cache, output to /dev/null):
#   cat       `cat FILE > /dev/null` — the cost of reading the bytes at all
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
#   CAPTURES="bulk-mtu bulk-tso bulk-mtu-ng bulk-tso-ng hs distinct hs-x4"
#                                 which captures to measure
#   NG_TOOLS="cat floor tlsscope tlsscope-json"     (tools for the pcapng copies)
#   TOOLS="cat floor readblk tlsscope tlsscope-json tshark ssldump"
#   DISTINCT_TOOLS="floor tlsscope tlsscope-json"  (tools for "distinct")
#   X4_TOOLS="floor tlsscope"                      (tools for "hs-x4")
#   TLSSCOPE=path                 measure this binary instead of building one
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
CAPTURES=${CAPTURES:-"bulk-mtu bulk-tso bulk-mtu-ng bulk-tso-ng hs distinct hs-x4"}
TOOLS=${TOOLS:-"cat floor readblk tlsscope tlsscope-json tshark ssldump"}
DISTINCT_TOOLS=${DISTINCT_TOOLS:-"floor tlsscope tlsscope-json"}
X4_TOOLS=${X4_TOOLS:-"floor tlsscope"}
NG_TOOLS=${NG_TOOLS:-"cat floor tlsscope tlsscope-json"}
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
    *-ng) echo "$CAPS/$1.pcapng" ;;
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
  if [ $rc -ne 0 ] && ! { [ $rc -eq 1 ] && [ "$1" = "$TLSSCOPE" ]; }; then
    cat "$WORK/stderr.out" >&2
    die "failed ($rc): $*"
  fi
  echo "$out"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

tool_cmd() { # tool_cmd TOOL FILE
  case $1 in
    cat) echo "cat $2" ;;
    floor) echo "$WORK/pcapfloor $2" ;;
    readblk) echo "$WORK/readbench read $2" ;;
    tlsscope) echo "$TLSSCOPE -b -r $2 --trust $PKI/store.pem" ;;
    tlsscope-json) echo "$TLSSCOPE --json -r $2 --trust $PKI/store.pem" ;;
    tshark) echo "tshark -n -r $2 -Y tls.handshake -T fields -e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.handshake.type -e tls.handshake.version -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite -e tls.handshake.extensions.supported_version -e tls.handshake.certificate" ;;
    ssldump) echo "ssldump -n -r $2" ;;
  esac
}

RES=$WORK/results.tsv
measure() {
  : >"$RES"
  for cap in $CAPTURES; do
    local f
    f=$(cap_file "$cap")
    [ -f "$f" ] || die "no capture $f (run: sudo bench/run.sh gen)"
    cat "$f" >/dev/null # warm the page cache
    read -r pkts bytes _ < <("$WORK/pcapfloor" "$f")
    local conns
    conns=$("$TLSSCOPE" -b -r "$f" --trust "$PKI/store.pem" 2>/dev/null | grep '^Summary:') || true
    log "$cap: $(du -h "$f" | cut -f1), $pkts packets; $conns"
    local judged
    judged=$("$TLSSCOPE" -b -r "$f" --trust "$PKI/store.pem" 2>/dev/null |
             sed -n 's/^  verdicts: \([0-9]*\) trusted, \([0-9]*\) failed.*/\1 \2/p' | awk '{print $1 + $2}') || true
    local tools=$TOOLS
    [ "$cap" = distinct ] && tools=$DISTINCT_TOOLS
    [ "$cap" = hs-x4 ] && tools=$X4_TOOLS
    case $cap in *-ng) tools=$NG_TOOLS ;; esac
    for tool in $tools; do
      local n=$RUNS
      case $tool in tshark|ssldump) n=$SLOW_RUNS ;; esac
      local runs=$WORK/runs.$tool
      : >"$runs"
      # shellcheck disable=SC2046
      for _ in $(seq 1 "$n"); do timed $(tool_cmd "$tool" "$f") >>"$runs"; done
      local w c r
      w=$(cut -d' ' -f1 "$runs" | median)
      c=$(cut -d' ' -f2 "$runs" | median)
      r=$(cut -d' ' -f3 "$runs" | median)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cap" "$(stat -c %s "$f")" "$pkts" "${judged:-0}" \
        "$tool" "$w" "$c" "$r" >>"$RES"
      log "$cap $tool: wall ${w}s cpu ${c}s rss $((r / 1024)) MiB  (runs: $(tr '\n' ';' <"$runs"))"
    done
  done
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
  echo "- tlsscope $(git -C "$SRC" describe --always --dirty 2>/dev/null) (CMake RelWithDebInfo: -O2 -g), libpcap $(dpkg-query -W -f='${Version}' libpcap0.8 2>/dev/null), mbedTLS $(dpkg-query -W -f='${Version}' libmbedtls-dev 2>/dev/null)"
  echo "- $(tshark --version 2>/dev/null | head -1), $(ssldump -v 2>&1 | head -1), $(openssl version)"
}

report() {
  local out=$WORK/last-results.md
  {
    echo "Machine:"
    machine
    echo
    echo "Median of $RUNS runs ($SLOW_RUNS for tshark and ssldump), warm page cache, output to"
    echo "/dev/null; wall and CPU (user+sys) seconds, peak RSS in MiB; x floor = this tool's time"
    echo "over the bare libpcap loop's (wall / CPU)."
    echo
    awk -F'\t' '
      { key = $1; wall[$1, $5] = $6; cpu[$1, $5] = $7; rss[$1, $5] = $8
        size[$1] = $2; pkts[$1] = $3; judged[$1] = $4
        if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
      function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
      END {
        print "| capture | size | packets | tool | wall s | CPU s | RSS MiB | x floor (wall / CPU) |"
        print "|---|---|---|---|---|---|---|---|"
        split("cat floor readblk tlsscope tlsscope-json tshark ssldump", tl, " ")
        for (i = 1; i <= n; i++) {
          c = order[i]
          for (t = 1; t <= 7; t++) {
            k = tl[t]
            if (!((c, k) in wall)) continue
            vf = ((c, "floor") in wall) ? ratio(wall[c, k], wall[c, "floor"]) " / " ratio(cpu[c, k], cpu[c, "floor"]) : "-"
            printf "| %s | %.0f MB | %d | %s | %.3f | %.3f | %.1f | %s |\n", c, size[c] / 1e6, pkts[c], k, wall[c, k], cpu[c, k], rss[c, k] / 1024, vf
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
  } >"$out"
  cat "$out"
  echo
  echo "(saved in $out; copy into bench/RESULTS.md)"
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
    measure
    report
    ;;
  measure)
    build
    measure
    report
    ;;
  *) die "usage: $0 [all|gen|measure]" ;;
esac
