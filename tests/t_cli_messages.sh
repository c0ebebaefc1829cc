#!/bin/sh
# What the command line says about what it did, beyond the report itself:
#  - --export-certs DIR: how many new files were written, and where (full path);
#  - -v with --json: said to change nothing in the JSON lines, not silently ignored.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
P=$TLSSCOPE_SRC/pcaps
fail=0
cd "$work"

rc=0
"$TLSSCOPE" -b -r "$P/expressway.pcapng" --trust "$P/expressway-store.pem" --export-certs out >run1 2>err1 || rc=$?
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, want 1"; fail=1; }
want="Exported 5 new certificate files to $(pwd -P)/out"
grep -qxF "$want" run1 || { echo "FAIL: no line '$want' in:"; tail -3 run1; fail=1; }
[ "$(ls out | wc -l)" = 5 ] || { echo "FAIL: $(ls out | wc -l) files in out/, want 5"; fail=1; }
# again: the files are there already, none is new (JSON: the line goes to stderr)
"$TLSSCOPE" --json -r "$P/expressway.pcapng" --export-certs out >run2 2>err2 || true
grep -qxF "Exported 0 new certificate files to $(pwd -P)/out" err2 ||
  { echo "FAIL: second run:"; tail -3 err2; fail=1; }
grep -q "Exported" run2 && { echo "FAIL: the export line is in the JSON output"; fail=1; }

# -v with --json
"$TLSSCOPE" --json -v -r "$P/expressway.pcapng" >j1 2>e1 || true
"$TLSSCOPE" --json -r "$P/expressway.pcapng" >j2 2>e2 || true
cmp -s j1 j2 || { echo "FAIL: -v changed the JSON lines"; fail=1; }
grep -qxF "tlsscope: note: -v does not change the JSON lines: each already carries the chain, alerts and events (--pem adds the certificates)" e1 ||
  { echo "FAIL: -v --json says nothing:"; head -3 e1; fail=1; }
grep -q "does not change" e2 && { echo "FAIL: the note without -v"; fail=1; }

[ $fail = 0 ] && echo "ok: export count and path, -v with --json"
exit $fail
