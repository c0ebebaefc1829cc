#!/bin/sh
# tests/tools/pcapmangle still produces what the golden tests rely on: a
# synthetic TLS 1.2 handshake is rewritten by every mode and each output is
# checked (seq numbers, records, checksums, sizes) by pcapmangle_check.py.
set -eu
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 not installed: skipped"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$TLSSCOPE_SRC/tests/tools/pcapmangle_check.py" "$TLSSCOPE_BUILD/tests/pcapmangle" "$work"
