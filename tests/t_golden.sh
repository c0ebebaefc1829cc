#!/bin/sh
# Golden text and JSON reports for every case in tests/TESTLIST.
exec python3 "$TLSSCOPE_SRC/tests/golden_run.py" "$TLSSCOPE" "$TLSSCOPE_SRC"
