#!/bin/sh
# tlsscope's own pcapng reader: real multi-interface captures (Ethernet +
# LINUX_SLL2 + LINUX_SLL in one file, which libpcap refuses) and derived
# variants, with exact expected values (tests/pcapng_check.py), and the same
# files compared with tshark's reading (tests/pcaps_tshark_check.py).
# secrets.pcapng is not compared with tshark: tshark decrypts with the key
# log inside it (TLS 1.3 certificates, encrypted alerts), which is issue
# #12's work; its exact values are checked by pcapng_check.py.
set -eu
d="$TLSSCOPE_SRC/tests/captures/pcapng"
python3 "$TLSSCOPE_SRC/tests/pcapng_check.py" "$TLSSCOPE" "$d"
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed (the exact checks passed)"; exit 0; }
exec python3 "$TLSSCOPE_SRC/tests/pcaps_tshark_check.py" "$TLSSCOPE" \
  "$d/multi-iface.pcapng" "$d/big-endian.pcapng" "$d/concatenated.pcapng" "$d/extras.pcapng" \
  "$d/old-blocks.pcapng" "$d/tsresol.pcapng"
