#!/bin/sh
# tlsscope agrees with tshark on every capture in pcaps/ (SNI, ciphers,
# version, certificates, alerts, ALPN, JA3/JA3S), tshark run at test time.
exec python3 "$TLSSCOPE_SRC/tests/pcaps_tshark_check.py" "$TLSSCOPE" "$TLSSCOPE_SRC/pcaps"
