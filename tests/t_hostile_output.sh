#!/bin/sh
# Capture data must not drive the terminal or break JSON: certificates made
# with the openssl CLI whose names carry escape sequences, C1 controls, bidi
# overrides and invalid UTF-8, in crafted handshakes with SNIs and ALPNs
# that carry the same, run through tlsscope in every output mode and locale,
# with hostile file names; every byte written is checked
# (tests/tools/hostile_output.py says what exactly).
set -eu
for t in python3 openssl; do
  if ! command -v $t >/dev/null 2>&1; then
    echo "$t not installed: skipped"
    exit 77
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$TLSSCOPE_SRC/tests/tools/hostile_output.py" "$TLSSCOPE" "$work"
