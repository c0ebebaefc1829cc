#!/bin/sh
# Expressway diagnostic bundles and logs, end to end (issue 8). Bundles are
# assembled here, at test time, from pcaps/expressway.pcapng (the demo,
# timestamps at 2022-07-11 16:55:25.9 UTC) and tests/bundles/*.txt (a
# diagnostic log in the exact format of the Cisco article: syslog prefix,
# wrapped lines, blank lines between the pieces; IPs, ports and times of the
# demo's connections). Every report is compared with a golden file in
# tests/bundles/expected/ (stdout, stderr and exit status, reviewed as
# text); TLSSCOPE_UPDATE_GOLDEN=1 rewrites them.
set -eu
SRC=$TLSSCOPE_SRC
EXP=$SRC/tests/bundles/expected
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# Deterministic archives: sorted names, fixed times and owners, gzip -n.
mktgz() { # out dir
  (cd "$2" && tar --sort=name --mtime=@1657558525 --owner=0 --group=0 --numeric-owner \
      -cf - -- *) | gzip -9n >"$1"
}

# run NAME ARGS...: run tlsscope in $work, compare with $EXP/NAME.out
run() {
  name=$1
  shift
  rc=0
  (cd "$work" && "$TLSSCOPE" "$@" >"$work/.out" 2>"$work/.err") || rc=$?
  {
    echo "\$ tlsscope $*"
    cat "$work/.out"
    echo "# stderr:"
    cat "$work/.err"
    echo "# exit $rc"
  } >"$work/$name.got"
  if [ "${TLSSCOPE_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$work/$name.got" "$EXP/$name.out"
  elif ! diff -u "$EXP/$name.out" "$work/$name.got"; then
    echo "FAIL: $name differs from tests/bundles/expected/$name.out"
    fail=1
  else
    echo "ok: $name"
  fi
}

# expect NAME GREP-PATTERN: a line of the last run's output (stdout+stderr)
expect() {
  if grep -q -- "$2" "$work/$1.got"; then
    echo "ok: $1 has: $2"
  else
    echo "FAIL: $1 lacks: $2"
    fail=1
  fi
}

cp "$SRC/pcaps/expressway-store.pem" "$work/store.pem"
LOG=loggingsnapshot_vcsc_20220711.txt

# 1. The bundle as Expressway makes it: the log and a capture whose name
#    says nothing (found by its magic), plus an unrelated text file.
mkdir -p "$work/b1/diag"
cp "$SRC/pcaps/expressway.pcapng" "$work/b1/diag/vcsc_eth0_tcpdump"
cp "$SRC/tests/bundles/$LOG" "$work/b1/diag/$LOG"
printf 'xConfiguration EdgeConfigServer VerifyOriginServer: On\n' >"$work/b1/diag/xconfig.txt"
mktgz "$work/diagnostic_log_vcsc.tar.gz" "$work/b1"
run bundle -b --trust store.pem diagnostic_log_vcsc.tar.gz
run bundle-dir -b --trust store.pem b1

# 2. JSON: the log objects on the connections and the log_failure lines.
if command -v python3 >/dev/null 2>&1; then
  (cd "$work" && "$TLSSCOPE" --json --trust store.pem diagnostic_log_vcsc.tar.gz \
      >"$work/bundle.jsonl" 2>/dev/null) || true
  python3 - "$work/bundle.jsonl" >"$work/bundle-json.got" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    t = o["tlsscope"]
    if t.get("type") == "log_failure":
        print(json.dumps(o, indent=2, ensure_ascii=False))
    elif "log" in t:
        print(json.dumps({"tlsscope.connection": t["connection"], "tlsscope.log": t["log"]},
                         indent=2, ensure_ascii=False))
    else:
        print(json.dumps({"tlsscope.connection": t["connection"], "tlsscope.log": None}))
EOF
  if [ "${TLSSCOPE_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$work/bundle-json.got" "$EXP/bundle-json.out"
  elif ! diff -u "$EXP/bundle-json.out" "$work/bundle-json.got"; then
    echo "FAIL: bundle-json differs"
    fail=1
  else
    echo "ok: bundle-json"
  fi
else
  echo "python3 not installed: JSON golden skipped"
fi

# 3. Captures split per interface: a pcapng and a gzip'd pcap, merged in
#    time order: the same connections as the single capture.
if command -v editcap >/dev/null 2>&1; then
  mkdir -p "$work/b3"
  editcap -r -F pcapng "$SRC/pcaps/expressway.pcapng" "$work/b3/eth0.pcapng" 1-50 2>/dev/null
  editcap -r -F pcap "$SRC/pcaps/expressway.pcapng" "$work/b3/eth1.pcap" 51-101 2>/dev/null
  gzip -9n "$work/b3/eth1.pcap"
  cp "$SRC/tests/bundles/$LOG" "$work/b3/"
  mktgz "$work/split.tar.gz" "$work/b3"
  run bundle-split -b --trust store.pem split.tar.gz
else
  echo "editcap (wireshark-common) not installed: split-capture case skipped"
fi

# 4. A zip bundle works the same.
if command -v python3 >/dev/null 2>&1; then
  python3 - "$work/b1/diag" "$work/diag.zip" <<'EOF'
import os, sys, zipfile
d, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(d)):
        z.write(os.path.join(d, n), "diag/" + n)
EOF
  run bundle-zip -b --trust store.pem diag.zip
fi

# 5. No capture in the bundle: the report from the log alone; the same
#    with --log on the text file.
mkdir -p "$work/b5"
cp "$SRC/tests/bundles/$LOG" "$work/b5/"
mktgz "$work/logs-only.tar.gz" "$work/b5"
run logonly-bundle -b logs-only.tar.gz
cp "$SRC/tests/bundles/$LOG" "$work/$LOG"
run logonly-log --log "$LOG"
run logonly-json --json --log "$LOG"

# 6. A capture with --log; log and capture that disagree; a window that
#    is too small; no trust store.
cp "$SRC/pcaps/expressway.pcapng" "$work/expressway.pcapng"
sed -e 's/server=imp.steven.lab(10.48.36.216) depth=1/server=imp.steven.lab(10.48.36.216) depth=0/' \
    -e 's/Error=self signed$/Error=unable to get local issuer/' \
    "$SRC/tests/bundles/$LOG" >"$work/disagree.txt"
run disagree -b --trust store.pem -r expressway.pcapng --log disagree.txt
run window -b --trust store.pem -r expressway.pcapng --log "$LOG" --log-window 0.0001
run nostore -b -r expressway.pcapng --log "$LOG"
sed 's/T18:55:/T18:56:/' "$SRC/tests/bundles/$LOG" >"$work/skew.txt" # the log's clock 60 s ahead
run skew -b --trust store.pem -r expressway.pcapng --log skew.txt
expect nostore "cannot compare: tlsscope did not judge this connection (no trust store"

# 7. A cut-off bundle: a clear error, and what was readable is reported.
#    The log comes first in the archive, the capture after the cut.
mkdir -p "$work/b7"
cp "$SRC/tests/bundles/$LOG" "$work/b7/a.txt"
cp "$SRC/pcaps/expressway.pcapng" "$work/b7/b.pcapng"
head -c 8000000 /dev/urandom >"$work/b7/c.bin" 2>/dev/null || true
mktgz "$work/full.tar.gz" "$work/b7"
size=$(wc -c <"$work/full.tar.gz")
head -c $((size / 2)) "$work/full.tar.gz" >"$work/cut.tar.gz"
rc=0
(cd "$work" && "$TLSSCOPE" -b --trust store.pem cut.tar.gz >"$work/cut.got" 2>&1) || rc=$?
echo "# exit $rc" >>"$work/cut.got"
expect cut "^tlsscope: cut.tar.gz: corrupt or truncated archive: .*(3 members listed before the damage)"
expect cut "^  cut.tar.gz: 1 capture, 1 log, 0 other text files, 1 other file (incomplete)"
expect cut "^Log vs capture (window +/-2 s): 3 of 4 log failures matched a captured connection"
expect cut "^# exit 2"

# 8. A compression bomb: a "capture" of 64 MiB of zeros after a pcap
#    header, 64 KiB compressed. Capped per member, and by the total budget.
mkdir -p "$work/b8"
cp "$SRC/tests/bundles/$LOG" "$work/b8/a.txt"
{ printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000'
  head -c 67108864 /dev/zero; } >"$work/b8/bomb.pcap"
mktgz "$work/bomb.tar.gz" "$work/b8"
rm -rf "$work/b8"
run bomb-member -b --trust store.pem --bundle-max-member 1M bomb.tar.gz
run bomb-total -b --trust store.pem --bundle-max-total 16M bomb.tar.gz

# 9. Plain captures are untouched by all this: no log section.
run plain -b --trust store.pem -r expressway.pcapng
if grep -q '^Inputs:' "$work/plain.got"; then
  echo "FAIL: a plain capture run printed the log section"
  fail=1
fi

# 10. A text file that is no log, given alone: an error.
printf 'hello\nworld\n' >"$work/notes.txt"
run notalog -b notes.txt
expect notalog '^tlsscope: notes.txt: a text file without any Expressway log record, not a capture$'

# 11. The same with -r (README: a line naming the file and saying what it is).
printf 'host\tport\n' >"$work/notes.tsv"
run notalog-r -b -r notes.tsv
expect notalog-r '^tlsscope: notes.tsv: a text file without any Expressway log record, not a capture$'

exit $fail
