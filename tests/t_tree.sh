#!/bin/sh
# The source tree holds what a newcomer should read, nothing else: no stray
# output at the top level (a committed ch.log with "rc=1" once was), and
# .gitignore keeps such files out. Skipped outside a git checkout.
set -eu
src=$TLSSCOPE_SRC
if ! command -v git >/dev/null 2>&1 || ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  echo "not a git checkout: skipped"
  exit 77
fi
fail=0
# top-level files: the project's own, by name
for f in $(git -C "$src" ls-files | grep -v /); do
  case $f in
    .gitignore|CMakeLists.txt|LICENSE|Makefile|README.md) ;;
    *) echo "FAIL: stray file at the top level: $f"; fail=1 ;;
  esac
done
# a run's log written at the top level is ignored
if ! git -C "$src" check-ignore -q ch.log; then
  echo "FAIL: .gitignore does not keep ch.log out"
  fail=1
fi
[ $fail = 0 ] && echo "ok: top level holds only the project's files"
exit $fail
