#!/bin/sh
# Bounded memory and linear time on adversarial captures generated at test
# time (a SYN flood, unanswered ClientHellos, endless out-of-order segments,
# a 16 MB Certificate, maximum-length records, deeply nested DER, nested
# tunnels, thousands of certificates): peak RSS under the ceiling README
# documents, 4x input in under 6x the time, the cap reported in the summary
# (tests/tools/hostile_limits.py). TLSSCOPE_LIMITS_SCALE=N for bigger runs.
# In a sanitizer build the sizes shrink and only crashes and reports count.
set -eu
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 not installed: skipped"
  exit 77
fi
asan=
if grep -q '^TLSSCOPE_SANITIZE:BOOL=ON' "$TLSSCOPE_BUILD/CMakeCache.txt" 2>/dev/null; then
  asan=--asan
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$TLSSCOPE_SRC/tests/tools/hostile_limits.py" "$TLSSCOPE" "$work" $asan
