#!/bin/sh
# The README's quick start shows what `make demo` prints; it must stay what
# tlsscope prints. Every README block that starts with a
# "$ tlsscope -b -r pcaps/... " command line is run from the source tree
# (the binary under test for "tlsscope") and its output compared byte for
# byte with the block. A change of output that is meant shows here as a
# README to update.
set -eu
exec python3 - "$TLSSCOPE" "$TLSSCOPE_SRC" <<'PY'
import os, re, shlex, subprocess, sys
tlsscope, src = sys.argv[1], sys.argv[2]
text = open(os.path.join(src, "README.md"), encoding="utf-8").read()
blocks = re.findall(r"```\n(\$ tlsscope -b -r pcaps/[^\n]*)\n(.*?)```", text, re.S)
if not blocks:
    sys.exit("t_readme_demo: no '$ tlsscope -b -r pcaps/...' block in README.md")
bad = 0
for cmd, want in blocks:
    argv = shlex.split(cmd[2:])
    argv[0] = tlsscope
    got = subprocess.run(argv, cwd=src, capture_output=True, text=True)
    if got.returncode not in (0, 1):
        print(f"FAIL: {cmd}: exit {got.returncode}: {got.stderr}")
        bad += 1
        continue
    if got.stdout != want:
        import difflib
        print(f"FAIL: README output of `{cmd[2:]}` differs from what tlsscope prints:")
        sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.stdout.splitlines(True),
                                                   "README.md", "tlsscope"))
        bad += 1
print(f"t_readme_demo: {len(blocks) - bad} of {len(blocks)} README output block(s) match")
sys.exit(1 if bad else 0)
PY
