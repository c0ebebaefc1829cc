#!/bin/sh
# Mutual TLS: tlsscope's client verdicts on the mTLS captures equal their
# ground truth (pcaps/mtls-expected.tsv, from how each connection was built
# and what s_server itself decided), and the exit status says a client
# verdict failed.
exec python3 "$TLSSCOPE_SRC/tests/mtls_check.py" "$TLSSCOPE" "$TLSSCOPE_SRC/pcaps"
