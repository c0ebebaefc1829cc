#!/bin/sh
# Make the capture-layer test captures of issue 15 that need a real kernel
# and real TLS peers, inside private network namespaces (loopback and a veth
# pair between two namespaces; nothing leaves them):
#
#   sudo sh tests/captures/netns/make-netns-captures.sh
#   (Debian 12: openssl 3.0, python3, tcpdump, iproute2)
#
#   tfo.pcap        TCP Fast Open (net.ipv4.tcp_fastopen=0x403 in the
#                   namespace): two TLS 1.2 connections from Python's ssl
#                   (OpenSSL) with TCP_FASTOPEN_CONNECT to openssl s_server;
#                   the second has its ClientHello in the SYN.
#   any-mixed.pcap  tcpdump -i any (LINUX_SLL2) with a TLS 1.2 connection on
#                   lo (ARPHRD_LOOPBACK) and one over a veth pair from a
#                   second namespace (ARPHRD_ETHER).
#   hrr-only.pcap   openssl s_server -groups P-384 answers an X25519-only TLS
#                   1.3 ClientHello with a HelloRetryRequest; the client
#                   closes without a second ClientHello.
# Expected values: tests/t_netns_captures.sh (checked against tshark there).
set -eu
umask 022
export LC_ALL=C TZ=UTC
HERE=$(cd "$(dirname "$0")" && pwd)
PKI=$(cd "$HERE/../../../pcaps/pki" && pwd)
die() { echo "make-netns-captures: $*" >&2; exit 1; }
. "$HERE/../../../pcaps/netns.sh"
NS2=""
NETNS_MAKER_EXTRA='[ -z "$NS2" ] || ip netns del "$NS2"'
netns_maker_begin netns-caps openssl python3 tcpdump ip ss

C4=192.0.2.10 S4=192.0.2.20 VA=198.51.100.1 VB=198.51.100.2
netns_create "tlsscope-capture-$$" || die "cannot create a network namespace"
netns_loopback wire || die "cannot set up lo"
netns_addrs $C4 $S4 || die "cannot add addresses to lo"
mkdir -p "$WORK/www"
printf '<html><body>tlsscope capture test server</body></html>\n' >"$WORK/www/index.html"
cat "$PKI/test-int1.crt" >"$WORK/chain.pem"
cat "$PKI/test-root.crt" >"$WORK/root.pem"

# server PORT NACCEPT s_server-options...: serves $WORK/www, exits after
# NACCEPT connections.
server() {
  _port=$1 _n=$2; shift 2
  (cd "$WORK/www" && exec ip netns exec "$NS" openssl s_server -4 -accept "0.0.0.0:$_port" -naccept "$_n" \
     -WWW -cert "$PKI/rsa.crt" -key "$PKI/rsa.key" -cert_chain "$WORK/chain.pem" \
     -no-CAfile -no-CApath -no-CAstore "$@") >"$WORK/server-$_port.log" 2>&1 &
  netns_track $!
  netns_wait_tcp 0.0.0.0 "$_port" || die "server :$_port did not listen: $(cat "$WORK/server-$_port.log")"
}
capture_start() { # capture_start FILE IFACE
  netns_tcpdump_start "$2" "$WORK/$1" "$WORK/$1.log" tcp || die "tcpdump: $(cat "$WORK/$1.log")"
}
capture_stop() { # capture_stop FILE
  # shellcheck disable=SC2086 # a PID list
  netns_wait_gone $NETNS_PIDS || die "server $NETNS_GONE_STUCK did not exit"
  netns_tcpdump_stop || die "tcpdump dropped packets"
  cp "$WORK/$1" "$HERE/$1"
  echo "== $1: $(tcpdump -r "$HERE/$1" 2>/dev/null | wc -l) packets" >&2
}

# 1. TCP Fast Open
nsx sysctl -q -w net.ipv4.tcp_fastopen=0x403 || die "cannot enable TCP Fast Open"
server 443 2 -tls1_2
capture_start tfo.pcap lo
nsx python3 "$HERE/tls_client.py" tfo $S4 443 rsa.test.lab "$WORK/root.pem" $C4 || die "tfo client failed"
capture_stop tfo.pcap
nsx sysctl -q -w net.ipv4.tcp_fastopen=1

# 2. tcpdump -i any with lo and a veth pair from a second namespace
NS2=tlsscope-capture2-$$
ip netns add "$NS2" || { NS2=""; die "cannot create the second namespace"; }
ip -n "$NS" link add va type veth peer name vb netns "$NS2" || die "cannot make the veth pair"
ip -n "$NS" addr add $VA/24 dev va && ip -n "$NS2" addr add $VB/24 dev vb || die "veth addresses"
for x in "$NS va" "$NS2 vb"; do
  set -- $x
  ip -n "$1" link set "$2" mtu 1500 gso_max_size 1500 gso_max_segs 1 2>/dev/null ||
    echo "could not limit GSO on $2" >&2
  ip -n "$1" link set "$2" up || die "cannot bring $2 up"
done
ip -n "$NS2" link set lo up
server 443 2 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
capture_start any-mixed.pcap any
printf 'GET /index.html HTTP/1.0\r\n\r\n' | nsx openssl s_client -connect $S4:443 -bind $C4:0 \
  -servername rsa.test.lab -CAfile "$WORK/root.pem" -verify_return_error -ign_eof >"$WORK/c1.log" 2>&1 \
  || die "client on lo failed: $(cat "$WORK/c1.log")"
printf 'GET /index.html HTTP/1.0\r\n\r\n' | ip netns exec "$NS2" openssl s_client -connect $VA:443 \
  -servername rsa.test.lab -CAfile "$WORK/root.pem" -verify_return_error -ign_eof >"$WORK/c2.log" 2>&1 \
  || die "client over veth failed: $(cat "$WORK/c2.log")"
capture_stop any-mixed.pcap

# 3. HelloRetryRequest and then nothing
server 443 1 -tls1_3 -groups P-384
capture_start hrr-only.pcap lo
nsx python3 "$HERE/tls_client.py" hrr-abort $S4 443 rsa.test.lab $C4 || die "hrr client failed"
capture_stop hrr-only.pcap
