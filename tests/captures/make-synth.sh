#!/bin/sh
# Regenerate the synthesised edge-case captures in this folder from a real
# handshake in pcaps/ (tls12-rsa.pcap: TLS 1.2, SNI, ALPN, leaf +
# intermediate) with tests/tools/pcapmangle. Run from the repository root
# after a build:  sh tests/captures/make-synth.sh [BUILD_DIR]
set -eu
build=${1:-build}
m="$build/tests/pcapmangle"
src=pcaps/tls12-rsa.pcap
out=tests/captures
"$m" reorder            "$src" "$out/reorder.pcap"
"$m" retransmit-overlap "$src" "$out/retransmit-overlap.pcap"
"$m" overlap-differ     "$src" "$out/overlap-differ.pcap"
"$m" split-client-hello "$src" "$out/split-client-hello.pcap"
"$m" split-records      "$src" "$out/split-records.pcap" 700
"$m" midstream          "$src" "$out/midstream.pcap"
"$m" snaplen96          "$src" "$out/snaplen96.pcap"
"$m" truncate           "$src" "$out/truncated.pcap"
"$m" vlan               "$src" "$out/vlan.pcap"
