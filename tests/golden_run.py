#!/usr/bin/env python3
"""Run the golden tests listed in tests/TESTLIST (see its header).

Usage: golden_run.py TLSSCOPE SRC_ROOT   (UPDATE=1 in the environment rewrites
the goldens instead of comparing). Prints a unified diff per failing case.
"""
import difflib
import json
import os
import shlex
import subprocess
import sys


def run(tlsscope, args, root):
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", NO_COLOR="")
    p = subprocess.run([tlsscope] + args, capture_output=True, cwd=root, env=env, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "strict"), p.stderr.decode("utf-8", "strict")


def main():
    tlsscope, root = sys.argv[1], sys.argv[2]
    update = os.environ.get("UPDATE") == "1"
    cases = []
    with open(os.path.join(root, "tests", "TESTLIST")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            parts = shlex.split(line)
            cases.append((parts[0], parts[1], int(parts[2]), parts[3:]))
    failed = 0
    for name, capture, want_exit, opts in cases:
        outputs = {}
        rc, out, err = run(tlsscope, ["-b", "-v", "--color", "never"] + opts + ["-r", capture], root)
        text = "$ tlsscope -b -v %s -r %s\n%s" % (" ".join(opts), capture, out)
        if err:
            text += "--- stderr ---\n" + err
        text += "--- exit %d ---\n" % rc
        outputs["txt"] = (rc, text)
        rc2, out2, err2 = run(tlsscope, ["-b", "--json"] + opts + ["-r", capture], root)
        pretty = []
        for n, l in enumerate(out2.splitlines(), 1):
            try:
                pretty.append(json.dumps(json.loads(l), indent=2, ensure_ascii=False))
            except ValueError as e:
                pretty.append("!!! line %d is not JSON: %s\n%s" % (n, e, l))
        outputs["json"] = (rc2, "\n\n".join(pretty) + ("\n" if pretty else ""))
        for ext, (code, got) in outputs.items():
            path = os.path.join(root, "tests", "golden", "%s.%s" % (name, ext))
            if code != want_exit:
                print("%s (%s): exit status %d, expected %d" % (name, ext, code, want_exit))
                failed += 1
            if update:
                with open(path, "w") as f:
                    f.write(got)
                continue
            try:
                with open(path) as f:
                    want = f.read()
            except FileNotFoundError:
                print("%s: missing golden %s (run with UPDATE=1)" % (name, path))
                failed += 1
                continue
            if got != want:
                failed += 1
                print("%s.%s differs:" % (name, ext))
                sys.stdout.writelines(difflib.unified_diff(
                    want.splitlines(True), got.splitlines(True), "expected", "got", n=2))
    print("%d golden cases, %d failures" % (len(cases), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
