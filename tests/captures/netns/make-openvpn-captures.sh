#!/bin/bash
# Make the OpenVPN-over-TCP test capture (issue 15, item 3): real OpenVPN
# 2.6 peers in TLS mode over TCP, so tlsscope can be checked to read the TLS
# handshake out of the control channel, or name it protected.
#
#   sudo tests/captures/netns/make-openvpn-captures.sh   # Debian 12: openvpn, openssl, tcpdump, iproute2
#
# Same pattern as pcaps/make-mtls-captures.sh (pcaps/netns.sh): the peers run in a
# private network namespace on its loopback only (the tun devices live in it
# too), removed on exit. Certificates are the committed test PKI (pcaps/pki,
# read only): server rsa.test.lab with Test Intermediate CA 1, client
# client.test.lab, trust anchor Test Root CA. Writes only openvpn-tcp.pcap
# (here; not in pcaps/, whose checks run tshark without the OpenVPN decode
# options these ports need). Expected values: tests/t_openvpn.sh.
#   127.0.0.1:1194  no tls-auth: the TLS 1.3 handshake in plain P_CONTROL_V1 packets
#   127.0.0.1:1195  tls-crypt: the control channel encrypted
#   127.0.0.1:1196  no tls-auth, TLS 1.2 (--tls-version-max 1.2): the chain readable
#   127.0.0.1:1197  tls-auth: an HMAC before the ack array
# Each peer runs until the tunnel is up ("Initialization Sequence Completed"),
# then both are stopped by PID, which closes the TCP connection.
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
P=$(cd "$HERE/../../../pcaps/pki" && pwd)
die() { echo "make-openvpn-captures: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

. "$HERE/../../../pcaps/netns.sh"
netns_maker_begin openvpn openvpn openssl tcpdump ip ss
[ -c /dev/net/tun ] || die "no /dev/net/tun"

cat "$P/rsa.crt" "$P/test-int1.crt" >"$WORK/server-chain.pem"
cat "$P/client.crt" "$P/test-int1.crt" >"$WORK/client-chain.pem"
cp "$P/test-root.crt" "$WORK/ca.pem"
openvpn --genkey tls-crypt "$WORK/tc.key"
openvpn --genkey secret "$WORK/ta.key"

netns_create "tlsscope-openvpn-$$" || die "cannot create a network namespace"
netns_loopback wire || die "loopback"
netns_tcpdump_start lo "$WORK/raw.pcap" "$WORK/td.log" 'tcp portrange 1194-1197' \
  || die "tcpdump: $(cat "$WORK/td.log")"

wait_log() { # wait_log FILE TEXT: up to 20 s
  for _ in $(seq 400); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}

# tunnel PORT NAME [extra options...]: one point-to-point TLS-mode tunnel
tunnel() {
  port=$1 name=$2
  shift 2
  common=(--dev tun --verb 3 --ca "$WORK/ca.pem" --data-ciphers AES-256-GCM
          --cipher AES-256-GCM --ping 1 --connect-retry-max 1 "$@")
  ip netns exec "$NS" openvpn --proto tcp-server --local 127.0.0.1 --port "$port" --tls-server \
    --dh none --cert "$WORK/server-chain.pem" --key "$P/rsa.key" \
    --ifconfig 10.8.$((port - 1194)).1 10.8.$((port - 1194)).2 "${common[@]}" \
    >"$WORK/$name-server.log" 2>&1 &
  spid=$!
  netns_track $spid
  netns_wait_tcp 127.0.0.1 "$port" || die "$name server did not listen: $(cat "$WORK/$name-server.log")"
  ip netns exec "$NS" openvpn --proto tcp-client --remote 127.0.0.1 "$port" --tls-client \
    --remote-cert-tls server --cert "$WORK/client-chain.pem" --key "$P/client.key" \
    --ifconfig 10.8.$((port - 1194)).2 10.8.$((port - 1194)).1 "${common[@]}" \
    >"$WORK/$name-client.log" 2>&1 &
  cpid=$!
  netns_track $cpid
  wait_log "$WORK/$name-client.log" 'Initialization Sequence Completed' \
    || die "$name tunnel did not come up: $(tail -20 "$WORK/$name-client.log")"
  kill "$cpid"; netns_wait_gone "$cpid" || die "$name client did not stop"
  kill "$spid"; netns_wait_gone "$spid" || die "$name server did not stop"
}

log "1194: no tls-auth"
tunnel 1194 plain
log "1195: tls-crypt"
tunnel 1195 crypt --tls-crypt "$WORK/tc.key"
log "1196: TLS 1.2"
tunnel 1196 tls12 --tls-version-max 1.2
log "1197: tls-auth"
tunnel 1197 auth --tls-auth "$WORK/ta.key"

netns_tcpdump_stop || die "tcpdump dropped packets: $(cat "$WORK/td.log")"
cp "$WORK/raw.pcap" "$HERE/openvpn-tcp.pcap"
log "wrote $HERE/openvpn-tcp.pcap"
