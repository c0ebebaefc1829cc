#!/bin/sh
# Regenerate the link-layer test captures in this folder: the real TLS 1.2
# handshake of pcaps/tls12-rsa.pcap (openssl s_client/s_server, see
# pcaps/make-captures.sh) with a header inserted into every frame by
# tests/tools/encap.py. Run from the repository root:
#   sh tests/captures/encap/make-encap.sh
# Expected values: tests/t_encap.sh.
set -eu
for m in sgt vntag etag pbb nsh mpls-cw erspan1 erspan2 erspan3; do
  python3 tests/tools/encap.py "$m" pcaps/tls12-rsa.pcap "tests/captures/encap/$m.pcap"
done
