#!/bin/bash
# bench/same-output.sh OLD NEW — do two tlsscope binaries write the same
# bytes? For speed work, where the output must not change: every capture in
# the repository (pcaps/, tests/captures/, tests/corpus/, tests/bundles/)
# under several option sets (text, -v, JSON, --pem, another store, the rfc
# profile, --at), stdout, stderr and exit status compared byte for byte.
# Extra captures (the bench ones) can follow: same-output.sh OLD NEW F...
#
# Prints one line per difference and a count; exit 1 when anything differs.
set -uo pipefail
export LC_ALL=C TZ=UTC

[ $# -ge 2 ] || { echo "usage: $0 OLD NEW [capture...]" >&2; exit 2; }
OLD=$1 NEW=$2
shift 2
SRC=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

STORE=$SRC/pcaps/test-store.pem
XSTORE=$SRC/pcaps/expressway-store.pem
OPTSETS=(
  "-b"
  "-b -v --trust $STORE"
  "--json"
  "--json --trust $STORE"
  "--json --pem --trust $XSTORE"
  "--json --trust $STORE --profile rfc"
  "--json --trust $STORE --at 2030-01-01"
)

mapfile -t CAPS < <(find "$SRC/pcaps" "$SRC/tests/captures" "$SRC/tests/corpus" "$SRC/tests/bundles" \
  -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' -o -name '*.cap' \
             -o -name '*.tar.gz' -o -name '*.zip' \) 2>/dev/null | sort)
CAPS+=("$@")

n=0 bad=0
for f in "${CAPS[@]}"; do
  for o in "${OPTSETS[@]}"; do
    # shellcheck disable=SC2086
    "$OLD" $o -r "$f" >"$TMP/o.out" 2>"$TMP/o.err"; ro=$?
    # shellcheck disable=SC2086
    "$NEW" $o -r "$f" >"$TMP/n.out" 2>"$TMP/n.err"; rn=$?
    n=$((n + 1))
    if [ $ro -ne $rn ] || ! cmp -s "$TMP/o.out" "$TMP/n.out" || ! cmp -s "$TMP/o.err" "$TMP/n.err"; then
      bad=$((bad + 1))
      echo "DIFFERS: $o -r ${f#"$SRC"/} (exit $ro vs $rn)"
    fi
  done
done
echo "same-output: $((n - bad))/$n runs identical (${#CAPS[@]} captures x ${#OPTSETS[@]} option sets)"
[ $bad -eq 0 ]
