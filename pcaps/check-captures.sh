#!/bin/sh
# Re-check pcaps/expected.tsv against the committed captures, per TLS
# connection: link type, addresses and ports, SNI, version, cipher suite,
# number of certificates the server sent, leaf CN and the client's plaintext
# alert -- all read with tshark. When openssl is installed the verdict columns
# are re-derived too (`openssl verify -attime <capture time>` on the exact
# certificates of the capture, plus the Expressway name rule).
#
# Needs no root and runs in a few seconds. Exit 0: all rows match; 1: some
# mismatch; 77: SKIP (tshark or python3 missing).
#   sh pcaps/check-captures.sh [-v]
if ! command -v tshark >/dev/null 2>&1; then
  echo "SKIP: tshark not found"; exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 not found"; exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/check_captures.py" "$here" "$@"
