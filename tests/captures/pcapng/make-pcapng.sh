#!/bin/bash
# Regenerate the pcapng test captures in this folder: real OpenSSL TLS
# traffic captured by dumpcap on several interfaces of different link
# types at once (the files libpcap refuses), then derived variants made by
# tests/tools/pcapng_edit.py (big-endian sections, concatenated sections,
# Simple/obsolete Packet Blocks, other timestamp resolutions, statistics,
# name resolution, custom and unknown blocks) and by editcap
# (--inject-secrets). Expected values: tests/t_pcapng.sh.
#
#   sudo sh tests/captures/pcapng/make-pcapng.sh     (from the repository root)
#
# Needs: openssl 3, dumpcap, editcap, iproute2, python3. All traffic stays in
# two private network namespaces joined by a veth pair (10.77.0.1 client,
# 10.77.0.2 server) and the server namespace's loopback; both namespaces
# and every process are removed on exit, also on failure.
set -euo pipefail
export LC_ALL=C TZ=UTC
[ "$(id -u)" -eq 0 ] || { echo "make-pcapng: must run as root" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
PKI=$SRC/pcaps/pki
EDIT="python3 $SRC/tests/tools/pcapng_edit.py"
NSA=tlsscope-nga-$$
NSB=tlsscope-ngb-$$
WORK=$(mktemp -d /tmp/tlsscope-ng.XXXXXX)
PIDS=""
cleanup() {
  set +e
  for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns del "$NSA" 2>/dev/null
  ip netns del "$NSB" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
a() { ip netns exec "$NSA" "$@"; }
b() { ip netns exec "$NSB" "$@"; }

ip netns add "$NSA"
ip netns add "$NSB"
ip link add vA netns "$NSA" type veth peer name vB netns "$NSB"
a ip addr add 10.77.0.1/24 dev vA
b ip addr add 10.77.0.2/24 dev vB
for ns in "$NSA" "$NSB"; do
  ip netns exec "$ns" ip link set lo mtu 1500
  ip netns exec "$ns" ip link set lo up
done
a ip link set vA up
b ip link set vB up
# one segment per frame, like a wire (no 64 KiB GSO frames)
b ip link set lo gso_max_size 1500 gso_max_segs 1 2>/dev/null || true

serve() { # serve ADDR PORT CERT
  b openssl s_server -accept "$1:$2" -naccept 1 -www -no-CAfile -no-CApath -no-CAstore \
    -cert "$PKI/$3.crt" -key "$PKI/$3.key" -cert_chain "$PKI/chain-test-int1.pem" \
    >"$WORK/srv-$2.log" 2>&1 &
  PIDS="$PIDS $!"
  for _ in $(seq 100); do b ss -Hltn "src $1:$2" | grep -q . && return; sleep 0.05; done
  echo "make-pcapng: server $1:$2 did not listen" >&2; exit 1
}
client() { # client NS ADDR PORT SNI EXTRA...
  local ns=$1 addr=$2 port=$3 sni=$4; shift 4
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 ip netns exec "$ns" openssl s_client \
    -connect "$addr:$port" -servername "$sni" -keylogfile "$WORK/keys.txt" -ign_eof "$@" \
    >"$WORK/cli-$port.log" 2>&1 || true
}

serve 10.77.0.2 4433 rsa
serve 127.0.0.1 4434 ecdsa
# Three interfaces, three link types, two snaplens: the Ethernet veth
# (EN10MB, 262144), the Linux "any" device as SLL2 (1600) and as SLL
# (65535), each filtered to one connection so no packet is seen twice.
ip netns exec "$NSB" dumpcap -q -i vB -f "tcp port 4433" \
  -i any -y LINUX_SLL2 -s 1600 -f "tcp port 4434" \
  -i any -y LINUX_SLL -s 65535 -f "tcp port 4435" \
  -w "$WORK/multi.pcapng" >"$WORK/dumpcap.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
sleep 2
serve 127.0.0.1 4435 rsa
client "$NSA" 10.77.0.2 4433 rsa.test.lab -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
client "$NSB" 127.0.0.1 4434 ecdsa.test.lab -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
client "$NSB" 127.0.0.1 4435 rsa.test.lab -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
sleep 1
kill -INT "$DPID"
wait "$DPID" || true

out=$HERE
cp "$WORK/multi.pcapng" "$out/multi-iface.pcapng"
$EDIT strip-host "$out/multi-iface.pcapng" "$out/multi-iface.pcapng"
$EDIT big-endian "$out/multi-iface.pcapng" "$out/big-endian.pcapng"
cat "$out/multi-iface.pcapng" "$out/big-endian.pcapng" >"$out/concatenated.pcapng"
$EDIT extras "$out/multi-iface.pcapng" "$out/extras.pcapng"
$EDIT old-blocks "$out/multi-iface.pcapng" "$out/old-blocks.pcapng"
$EDIT tsresol "$out/multi-iface.pcapng" "$out/tsresol.pcapng"
editcap --inject-secrets "tls,$WORK/keys.txt" "$out/multi-iface.pcapng" "$out/secrets.pcapng"
$EDIT strip-host "$out/secrets.pcapng" "$out/secrets.pcapng"
gzip -9 -n -c "$out/big-endian.pcapng" >"$out/big-endian.pcapng.gz"
$EDIT damage "$out/multi-iface.pcapng" "$out/damaged.pcapng"
ls -l "$out"
