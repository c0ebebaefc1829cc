#!/bin/sh
# Regenerate the TCP corner-case captures in this folder from the real TLS
# 1.2 handshake of pcaps/tls12-rsa.pcap with tests/tools/tcpedit.py (see its
# usage for what each one changes). Run from the repository root:
#   sh tests/captures/tcp/make-tcp.sh
# Expected values: tests/t_tcp_corners.sh.
set -eu
for m in synack-stray synack-middlebox iplen rst-then-data; do
  python3 tests/tools/tcpedit.py "$m" pcaps/tls12-rsa.pcap "tests/captures/tcp/$m.pcap"
done
