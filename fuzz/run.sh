#!/bin/sh
# fuzz/run.sh [SECONDS] [TARGET ...]
#
# Build the libFuzzer targets with clang in build-fuzz (ASan+UBSan, see
# fuzz/README.md), make seed corpora from pcaps/, tests/captures/,
# tests/corpus/ and the PEM files (fuzz/seedgen), then run each target (all
# by default) for SECONDS seconds (default 60). The corpus each target grows
# is kept in build-fuzz/fuzz-corpus/<target> for the next run; crashes go to
# build-fuzz/fuzz-artifacts/. Exits 1 if any target failed, after running
# them all, and says how to reproduce.
#
# Environment: TLSSCOPE_FUZZ_BUILD (build directory), JOBS, CC (default clang),
# FUZZ_FLAGS (extra libFuzzer flags, e.g. "-jobs=4 -workers=4").
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
build=${TLSSCOPE_FUZZ_BUILD:-$src/build-fuzz}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
all="fuzz_client_hello fuzz_server_hello fuzz_certificate fuzz_tls_stream fuzz_dtls_datagram
     fuzz_cert_verdict fuzz_reassembly fuzz_packet fuzz_capture fuzz_escape fuzz_store
     fuzz_tls13_decrypt fuzz_quic_datagram"
targets=${*:-$all}

if ! command -v "${CC:-clang}" >/dev/null 2>&1; then
  echo "fuzz/run.sh: ${CC:-clang} not found (sh .ci/deps.sh test installs clang)" >&2
  exit 2
fi
CC=${CC:-clang} cmake -S "$src" -B "$build" -DTLSSCOPE_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target fuzzers >/dev/null

seeds=$build/fuzz-seeds
rm -rf "$seeds"
# shellcheck disable=SC2046
"$build/fuzz/seedgen" "$seeds" \
  $(for p in "$src"/pcaps/*.pem "$src"/tests/fixtures/*.pem; do printf -- '--pem %s ' "$p"; done) \
  "$src"/pcaps/*.pcap* "$src"/tests/captures/*.pcap "$src"/tests/captures/netns/openvpn-tcp.pcap \
  $(find "$src/tests/corpus" \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) \
      -size -2M | sort)
# crashes fixed earlier are seeds too: the fuzzer starts from the edge
for t in $targets; do
  if [ -d "$src/tests/regress/$t" ]; then
    mkdir -p "$seeds/$t"
    find "$src/tests/regress/$t" -type f ! -name 'README*' -exec cp {} "$seeds/$t/" \;
  fi
done

mkdir -p "$build/fuzz-artifacts"
failed=""
for t in $targets; do
  corpus=$build/fuzz-corpus/$t
  mkdir -p "$corpus" "$seeds/$t"
  case $t in
    fuzz_capture|fuzz_tls_stream|fuzz_dtls_datagram|fuzz_cert_verdict|fuzz_store) maxlen=65536 ;;
    fuzz_reassembly) maxlen=16384 ;; # ~2000 segments: more runs per second
    *) maxlen=8192 ;;
  esac
  echo "== $t: ${secs}s (corpus $(ls "$corpus" | wc -l) + seeds $(ls "$seeds/$t" | wc -l))"
  # shellcheck disable=SC2086
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$build/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
         -max_len="$maxlen" -print_final_stats=1 \
         -artifact_prefix="$build/fuzz-artifacts/$t-" ${FUZZ_FLAGS:-} \
         "$corpus" "$seeds/$t" > "$build/fuzz-artifacts/$t.log" 2>&1; then
    failed="$failed $t"
    tail -n 60 "$build/fuzz-artifacts/$t.log"
  else
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' \
      "$build/fuzz-artifacts/$t.log" | tr '\n' ' '
    echo
  fi
done

if [ -n "$failed" ]; then
  echo "FAILED:$failed" >&2
  echo "crash inputs: $build/fuzz-artifacts/ (logs beside them). Reproduce with" >&2
  echo "  $build/fuzz/<target> <crash-file>   or   build/fuzz/replay_<target> <crash-file>;" >&2
  echo "after the fix, commit the input as tests/regress/<target>/<name> (replayed by ctest)." >&2
  exit 1
fi
echo "all fuzz targets ran ${secs}s without a failure"
