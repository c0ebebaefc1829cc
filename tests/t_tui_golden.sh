#!/bin/sh
# Golden screens of the browser (tests/tui/TESTLIST): each case renders
# headless into a virtual screen (TLSSCOPE_TUI_SCRIPT) and is compared with
# tests/tui/NAME.screen. The goldens are documentation: read them.
#   UPDATE=1 sh tests/t_tui_golden.sh    rewrite the goldens from this build
#   ONLY=name sh tests/t_tui_golden.sh   run one case
set -eu
: "${TLSSCOPE:?}" "${TLSSCOPE_SRC:?}"
src=$TLSSCOPE_SRC
# a fixed place and length: the export messages show the full path written,
# which the dumps give as <scratch> (a long path is cut at the same column)
tmp=$(mktemp -d /tmp/tui-golden.XXXXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
export TZ=UTC
unset NO_COLOR TLSSCOPE_TUI_BUDGET
fail=0
count=0

tui_case() {
    name=$1 size=$2 locale=$3 env=$4 keys=$5
    shift 5
    [ -z "${ONLY:-}" ] || [ "$ONLY" = "$name" ] || return 0
    count=$((count + 1))
    golden="$src/tests/tui/$name.screen"
    out="$tmp/$name.out"
    # a scratch directory in which the relative paths of TESTLIST work and
    # exported files land
    work="$tmp/work-$name"
    mkdir -p "$work"
    ln -s "$src/pcaps" "$work/pcaps"
    ln -s "$src/tests" "$work/tests"
    ln -s "$tmp/gen" "$work/gen"
    {
        printf '# tlsscope --tui %s\n' "$*"
        printf '# keys: %s   size: %s   LC_ALL=%s   env: %s\n' "$keys" "$size" "$locale" "$env"
        # shellcheck disable=SC2086
        (cd "$work" && env LC_ALL="$locale" TLSSCOPE_TUI_SIZE="$size" TLSSCOPE_TUI_SCRIPT="$keys" \
            $(printf '%s' "$env" | sed 's/^-$//; s/,/ /g') \
            "$TLSSCOPE" --tui "$@" 2>&1 | sed "s|$work|<scratch>|g") || true
        # what the exports wrote, certificate by certificate (openssl's reading)
        for f in "$work"/*.pem; do
            [ -f "$f" ] || continue
            printf '# file %s:\n' "${f##*/}"
            openssl crl2pkcs7 -nocrl -certfile "$f" | openssl pkcs7 -print_certs -noout |
                sed -n 's/^subject=/#   subject=/p'
        done
    } >"$out"
    if [ -n "${UPDATE:-}" ]; then
        cp "$out" "$golden"
    elif ! cmp -s "$out" "$golden"; then
        echo "FAIL: $name differs from tests/tui/$name.screen:"
        diff -u "$golden" "$out" | head -60 || true
        fail=$((fail + 1))
    fi
}

cd "$src"
# inputs made at test time (a bundle, logs with skew and hostile bytes): gen/
sh "$src/tests/tui/mkgen.sh" "$tmp/gen"
. "$src/tests/tui/TESTLIST"
[ "$count" -gt 0 ] || { echo "no case ran"; exit 1; }
if [ "$fail" -ne 0 ]; then
    echo "$fail of $count golden screens differ (UPDATE=1 to accept after review)"
    exit 1
fi
echo "$count golden screens match"
