#!/bin/sh
# tlsscope's verdicts on our own captures equal their ground truth
# (pcaps/expected.tsv: SNI, version, cipher, chain length, leaf CN, status,
# code, depth, reason, the client's alert; rfc profile code).
exec python3 "$TLSSCOPE_SRC/tests/pcaps_expected_check.py" "$TLSSCOPE" "$TLSSCOPE_SRC/pcaps"
