#!/bin/sh
# `tlsscope store PATH`: the listing numbers entries like the lint does
# ("FILE #N"), a directory given with a trailing slash names its files
# without "//", and what a directory holds besides certificates
# (subdirectories, README-like files) is said once, not passed over.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/pki" "$work/pki/old"
cp "$TLSSCOPE_SRC/tests/fixtures/store-dir/a-root.crt" "$TLSSCOPE_SRC/tests/fixtures/store-dir/b-int.pem" \
   "$TLSSCOPE_SRC/tests/fixtures/store-dir/README" "$work/pki/"
echo "index of the CAs" >"$work/pki/index.txt"
cd "$work"
rc=0
"$TLSSCOPE" store --at 2024-01-01T00:00:00Z pki/ >out 2>err || rc=$?
cat >want <<'EOT'
pki/a-root.crt #0: DC=lab, DC=vngtp, CN=vngtp-ACTIVE-DIR-CA
    CA, self-signed, valid 2020-01-01T00:00:00Z .. 2050-01-01T00:00:00Z, sha256 4d8197aa85921e9e39745d149c0e66ef6c1e327824bc7dfa46f817976ae125cb
pki/b-int.pem #0: DC=lab, DC=vngtp, CN=vngtp-intermediate-CA-1
    CA, valid 2020-01-01T00:00:00Z .. 2050-01-01T00:00:00Z, sha256 d89cf662af0f1df3789d973109c292936af25f114c4e8e8760a8b9a4424d127a

2 certificates loaded.
Not read from the directories: 1 subdirectory (not read recursively), 2 files without a certificate (first: pki/README).
store lint: pki/b-int.pem #0 (CN=vngtp-intermediate-CA-1) is not self-signed (issuer DC=lab, DC=vngtp, CN=vngtp-ACTIVE-DIR-CA): it is not an anchor on its own - a chain through it still needs its root in the store
EOT
fail=0
if ! diff -u want out; then echo "FAIL: tlsscope store pki/ output differs"; fail=1; fi
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, want 1 (a lint finding)"; fail=1; }
[ -s err ] && { echo "FAIL: unexpected stderr:"; cat err; fail=1; }
# one certificate file, no directory: no "Not read" line
"$TLSSCOPE" store --at 2024-01-01T00:00:00Z pki/a-root.crt >out1 2>&1 || true
if grep -q "Not read" out1; then echo "FAIL: a single file says Not read"; fail=1; fi
grep -q '^pki/a-root.crt #0: ' out1 || { echo "FAIL: single file listing"; cat out1; fail=1; }
[ $fail = 0 ] && echo "ok: store listing, numbering, trailing slash, skipped entries"
exit $fail
