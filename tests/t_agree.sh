#!/bin/sh
# The browser and the batch report agree (issue #17 item 1): for every
# capture in pcaps/, tests/captures/ and tests/corpus/, and for two inputs
# made to strain the browser (16000 distinct certificates, which fill the
# certificate cache the browser's rows hold references into; a 70 KB CN),
# the headless browser's model (TLSSCOPE_TUI_VERDICTS) and `-b --json` give
# the same verdict, code and depth for every connection, and the same exit
# status. The browser may drop rows only for --max-conns, never lose one.
set -eu
SRC=$TLSSCOPE_SRC
T=$TLSSCOPE
PY=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
n=0
STORES="--trust $SRC/pcaps/test-store.pem --trust $SRC/pcaps/expressway-store.pem"

agree() { # CAPTURE
  n=$((n + 1))
  rc_b=0
  # shellcheck disable=SC2086
  "$T" -b --json -r "$1" $STORES 2>/dev/null >"$work/b.json" || rc_b=$?
  # "#N status code depth" from each JSON line (no python per input: CI time)
  sed -n 's/.*"tlsscope":{"connection":\([0-9]*\),.*"verdict":{"status":"\([a-z_]*\)",\(["a-z_]*:[a-z0-9]*,\)*"code":\([-0-9a-z]*\),"depth":\([-0-9a-z]*\)[,}].*/#\1 \2 \4 \5/p' \
    "$work/b.json" | sed 's/ null/ -1/g' | sort >"$work/b.v"
  [ "$(wc -l <"$work/b.v")" = "$(wc -l <"$work/b.json")" ] ||
    { echo "FAIL: $1: cannot read the verdicts of the JSON lines"; fail=1; }
  # shellcheck disable=SC2086
  TLSSCOPE_TUI_VERDICTS=1 TLSSCOPE_TUI_SIZE=80x5 TLSSCOPE_TUI_SCRIPT='<Wait>' \
    "$T" --tui -r "$1" $STORES >"$work/t.out" 2>/dev/null || true
  grep '^#' "$work/t.out" | sort >"$work/t.v" || true
  rc_t=$(sed -n 's/^--- exit \([0-9]*\) ---$/\1/p' "$work/t.out")
  lost=$(sed -n 's/^--- held .*, lost \([0-9]*\);.*/\1/p' "$work/t.out")
  if ! cmp -s "$work/b.v" "$work/t.v"; then
    echo "FAIL: $1: verdicts differ (batch < > browser):"
    diff "$work/b.v" "$work/t.v" | head -10
    fail=1
  elif [ "$rc_b" != "$rc_t" ]; then
    echo "FAIL: $1: batch exits $rc_b, the browser $rc_t"
    fail=1
  elif [ "$lost" != 0 ]; then
    echo "FAIL: $1: the browser lost $lost rows"
    fail=1
  else
    echo "ok: $1: $(wc -l <"$work/b.v") connections, exit $rc_b"
  fi
}

for f in "$SRC"/pcaps/*.pcap "$SRC"/pcaps/*.pcapng "$SRC"/tests/captures/*.pcap; do
  agree "$f"
done
find "$SRC/tests/corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) |
  sort >"$work/corpus.list"
while IFS= read -r f; do agree "$f"; done <"$work/corpus.list"

$PY "$SRC/tests/tools/hostile.py" certs 16000 "$work/certs.pcap" >/dev/null
agree "$work/certs.pcap"
$PY "$SRC/tests/tools/caps_inputs.py" big-cn "$work/big-cn.pcap"
agree "$work/big-cn.pcap"
grep -q '^#1 failed 18 0$' "$work/t.v" && echo "ok: the 70 KB CN row is FAILED 18@0" ||
  { echo "FAIL: the 70 KB CN row: $(cat "$work/t.v")"; fail=1; }

if [ $fail = 0 ]; then echo "t_agree: $n inputs, browser and batch agree"; fi
exit $fail
