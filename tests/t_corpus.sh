#!/bin/sh
# Real-world captures from Zeek's and Arkime's test suites: tlsscope must read
# each cleanly and agree with tshark, Zeek and Arkime (tests/corpus_check.py).
set -eu
exec python3 "$TLSSCOPE_SRC/tests/corpus_check.py" "$TLSSCOPE" "$TLSSCOPE_SRC/tests/corpus"
