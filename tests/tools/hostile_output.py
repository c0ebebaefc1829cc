"""hostile_output — capture data must not drive the terminal or break JSON.

Usage: hostile_output.py TLSSCOPE WORKDIR

Makes a CA and leaves with the openssl CLI whose names carry terminal
escapes (ESC [ 2 J, an OSC 0 title, SGR), a C1 CSI (U+009B), a bidi
override (U+202E), invalid UTF-8 and very long strings (a config file with
UTF8String / IA5String values; bytes openssl will not encode are patched
into the DER afterwards), puts them in crafted TLS handshakes together with
SNIs and ALPNs that carry the same and worse (NUL, raw 0x9b, 3000 bytes),
and runs tlsscope over the capture in every output mode and locale, with
hostile file names too. Every byte written to stdout and stderr is checked:
  - no ESC, no raw control byte but '\\n', no 0x9b; in a UTF-8 locale only
    valid UTF-8 without C1 controls, bidi controls or separators; in the C
    locale pure ASCII (--color always: only tlsscope's own SGR sequences);
  - every JSON line parses and is valid UTF-8, and carries the values
    exactly (escaped bytes decode to the original bytes);
  - the text shows the exact escaped forms;
  - exported certificate file names use [A-Za-z0-9._-] only.
Exit 0 when all checks pass, 1 otherwise.
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

fails = 0


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL: " + what)


# ---- certificates -----------------------------------------------------------

ESC_CN = b"evil\x1b[2J\x1b]0;pwned\x07 root"
LEAF_CN = b"leaf\x1b[31m.example"
LONG_O = b"O" * 50 + b"\x1b[5m"  # openssl caps O at 64 characters
LONG_DNS = b"d" * 300 + b"\x1b[5m.example"
RLO_OU = "\u202egnp.exe".encode()
C1_O = "Org\u009b31m".encode()


def openssl(*args, **kw):
    return subprocess.run(["openssl"] + list(args), check=True, capture_output=True, **kw)


def cnf(path, dn, san=None, ca=False):
    lines = [b"[req]", b"distinguished_name=dn", b"prompt=no", b"utf8=yes",
             b"string_mask=utf8only", b"x509_extensions=ext", b"[dn]"]
    lines += [k + b"=" + v for k, v in dn]
    lines += [b"[ext]", b"basicConstraints=critical,CA:" + (b"TRUE" if ca else b"FALSE")]
    if ca:
        lines += [b"keyUsage=critical,keyCertSign,cRLSign", b"subjectKeyIdentifier=hash"]
    if san:
        lines += [b"subjectAltName=" + b",".join(b"DNS:" + d for d in san)]
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")


def make_pki(work):
    k = lambda name: os.path.join(work, name)  # noqa: E731
    cnf(k("ca.cnf"), [(b"CN", ESC_CN), (b"O", C1_O), (b"OU", RLO_OU)], ca=True)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", k("ca.key"), "-out", k("ca.pem"), "-config", k("ca.cnf"), "-days", "3650")
    # leaf 1: valid signature; SANs with ESC sequences (IA5String allows them)
    cnf(k("leaf1.cnf"), [(b"CN", LEAF_CN), (b"O", LONG_O)],
        san=[b"a\x1b[2J.example", b"ok.example", LONG_DNS])
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", k("leaf1.key"), "-out", k("leaf1.csr"), "-config", k("leaf1.cnf"))
    openssl("x509", "-req", "-in", k("leaf1.csr"), "-CA", k("ca.pem"), "-CAkey", k("ca.key"),
            "-CAcreateserial", "-out", k("leaf1.pem"), "-days", "365",
            "-extfile", k("leaf1.cnf"), "-extensions", "ext")
    # leaf 2: placeholders patched into a C1 CSI and invalid UTF-8 afterwards
    # (openssl refuses both; the signature breaks, the names are what count)
    cnf(k("leaf2.cnf"), [(b"CN", b"cnQQcsi.example")], san=[b"dnsQQcsi.example",
                                                            b"bad-ZZ-utf8.example"])
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", k("leaf2.key"), "-out", k("leaf2.csr"), "-config", k("leaf2.cnf"))
    openssl("x509", "-req", "-in", k("leaf2.csr"), "-CA", k("ca.pem"), "-CAkey", k("ca.key"),
            "-CAcreateserial", "-out", k("leaf2.pem"), "-days", "365",
            "-extfile", k("leaf2.cnf"), "-extensions", "ext")
    der = {}
    for name in ("ca", "leaf1", "leaf2"):
        der[name] = openssl("x509", "-in", k(name + ".pem"), "-outform", "DER").stdout
    d = der["leaf2"]
    check(d.count(b"QQ") == 2 and d.count(b"ZZ") == 1, "placeholders in leaf2")
    der["leaf2"] = d.replace(b"QQ", "\u009b".encode()).replace(b"ZZ", b"\xff\xfe")
    return der


# ---- the capture ------------------------------------------------------------

SNI1 = b"sni\x1b]0;owned\x07\x1b[2J.example"
SNI2 = "x\u202eelgoog.com\u2066".encode() + b"\xff\xfe\xc0\x80"
SNI3 = b"nul\x00byte\x9b[31m" + "csi\u009b2J".encode()
SNI4 = b"long-" + b"\x1b" * 2995
ALPN = [b"h2\x1b[5m", "\u009b31m".encode(), b"\x00\x7f"]


def make_capture(path, der, now):
    p = hostile.Pcap(path)
    p.t_us = now * 1000000
    conns = [
        (SNI1, [der["leaf1"], der["ca"]], ALPN[0]),
        (SNI2, [der["leaf2"], der["ca"]], ALPN[1]),
        (SNI3, [der["leaf1"]], None),
        (SNI4, [der["leaf2"]], ALPN[2]),
    ]
    for i, (sni, chain, alpn) in enumerate(conns):
        conn = hostile.Conn(p, "10.0.0.%d" % (i + 1), "192.0.2.10", 40000 + i)
        conn.handshake()
        conn.send("c", hostile.record(hostile.client_hello(sni=sni, alpn=ALPN)))
        conn.send("s", hostile.record(hostile.server_hello(alpn=alpn) +
                                      hostile.certificate(chain) + hostile.server_hello_done()))
        # the client refuses: bad_certificate (RFC 8446 6.2)
        conn.send("c", hostile.record(b"\x02\x2a", ctype=21))
        conn.close()
    p.close()


# ---- checks -------------------------------------------------------------------

SGR_OURS = re.compile(rb"\x1b\[(?:1;31|32|33|2|1|0)m")
UNSAFE = re.compile("[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f"
                    "\u2028-\u202e\u2066-\u2069\ufeff]")


def check_text(label, data, utf8, color=False):
    if color:
        data = SGR_OURS.sub(b"", data)
    check(b"\x1b" not in data, "%s: raw ESC" % label)
    check(b"\x9b" not in data or utf8, "%s: raw 0x9b byte" % label)
    if not utf8:
        bad = [b for b in data if b >= 0x80 or (b < 0x20 and b != 0x0a) or b == 0x7f]
        check(not bad, "%s: non-ASCII or control bytes in the C locale: %r" % (label, bad[:5]))
        return
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        check(False, "%s: invalid UTF-8 in text output: %s" % (label, e))
        return
    m = UNSAFE.search(s)
    check(m is None, "%s: unsafe code point U+%04X in text output near %r" % (
        label, ord(m.group()) if m else 0, s[max(0, m.start() - 30):m.end() + 10] if m else ""))


def run(label, tlsscope, args, utf8=True, color=False, want_rc=(0, 1)):
    env = dict(os.environ, LC_ALL="C.UTF-8" if utf8 else "C", TZ="UTC")
    env.pop("NO_COLOR", None)
    r = subprocess.run([tlsscope] + args, capture_output=True, env=env, timeout=60)
    check(r.returncode in want_rc, "%s: exit status %d (want %s); stderr %r" % (
        label, r.returncode, want_rc, r.stderr[-300:]))
    check_text(label + " stdout", r.stdout, utf8, color)
    check_text(label + " stderr", r.stderr, utf8)
    return r


def unescape_json_bytes(s):
    """A decoded JSON value back to bytes: valid UTF-8 as such, and the
    four characters \\xNN (tlsscope's form for an invalid byte) as the byte."""
    out = bytearray()
    i = 0
    while i < len(s):
        if s.startswith("\\x", i) and re.match(r"[0-9a-f]{2}", s[i + 2:i + 4]):
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += s[i].encode()
            i += 1
    return bytes(out)


def main():
    tlsscope, work = sys.argv[1], sys.argv[2]
    now = int(time.time()) + 600  # after the certificates' notBefore, whatever the clock does
    der = make_pki(work)
    cap = os.path.join(work, "hostile.pcap")
    make_capture(cap, der, now)
    store = os.path.join(work, "ca.pem")
    at = ["--at", "@%d" % now]

    # text, both locales, verbose; colour on
    t = run("text utf8", tlsscope, ["-b", "-r", cap, "--trust", store] + at)
    out = t.stdout.decode()
    check("sni\\x1b]0;owned\\x07\\x1b[2J.example" in out, "SNI escaped in the table")
    check("leaf\\x1b[31m.example" in out, "leaf CN escaped in the table")
    check("x\\xe2\\x80\\xaeelgoog.com\\xe2\\x81\\xa6\\xff\\xfe\\xc0\\x80" in out,
          "bidi/invalid SNI escaped in the table")
    check("nul\\x00byte\\x9b[31mcsi\\xc2\\x9b2J" in out, "NUL/0x9b/C1 SNI escaped")
    check("\\x1b" * 1019 + "...(+1976 bytes)" in out,
          "over-long SNI: the first TLS_MAX_SNI (1024) bytes, then how many more")
    check("SNI (sni\\x1b]0;owned\\x07\\x1b[2J.example) not in certificate" in out,
          "summary failure reason escaped once")
    check("- 192.0.2.10:443 (sni\\x1b]0;owned\\x07\\x1b[2J.example):" in out,
          "summary server key escaped once")
    tc = run("text C", tlsscope, ["-b", "-r", cap, "--trust", store] + at, utf8=False)
    check("x\\xe2\\x80\\xaeelgoog" in tc.stdout.decode(), "C locale escapes UTF-8")
    tv = run("verbose", tlsscope, ["-b", "-v", "-r", cap, "--trust", store] + at)
    v = tv.stdout.decode()
    check("CN=evil\\x1b[2J\\x1b]0;pwned\\x07 root" in v, "issuer CN escaped in details")
    check("OU=\\xe2\\x80\\xaegnp.exe" in v, "RLO in OU escaped in details")
    check("O=Org\\xc2\\x9b31m" in v, "C1 CSI in O escaped in details")
    check("ALPN h2\\x1b[5m" in v, "server ALPN escaped in details")
    run("verbose C", tlsscope, ["-b", "-v", "-r", cap, "--trust", store] + at, utf8=False)
    run("color", tlsscope, ["-b", "-v", "--color", "always", "-r", cap, "--trust", store] + at,
        color=True)

    # JSON: valid, exact
    for extra in ([], ["--pem"]):
        j = run("json" + " ".join(extra), tlsscope, ["--json"] + extra +
                ["-r", cap, "--trust", store] + at)
        lines = j.stdout.split(b"\n")
        check(lines[-1] == b"", "JSON output ends with a newline")
        objs = []
        for n, line in enumerate(lines[:-1]):
            try:
                line.decode("utf-8")
                objs.append(json.loads(line))
            except ValueError as e:
                check(False, "JSON line %d: %s" % (n + 1, e))
        check(len(objs) == 4, "four JSON objects, got %d" % len(objs))
        if len(objs) != 4:
            continue
        names = [unescape_json_bytes(o["tls"]["client"]["server_name"]) for o in objs]
        check(names[0] == SNI1 and names[1] == SNI2 and names[2] == SNI3,
              "server_name round trip: %r" % names[:3])
        check(names[3] == SNI4[:1024], "long SNI kept to TLS_MAX_SNI (1024) bytes")
        alpn = [a for a in objs[0]["tlsscope"]["client_hello"]["alpn"]]
        check([unescape_json_bytes(a) for a in alpn] == ALPN, "ALPN round trip: %r" % alpn)
        subj = objs[0]["tlsscope"]["chain"][1]["subject"]
        check(ESC_CN.decode() in subj and "\u009b" in subj and "\u202e" in subj,
              "issuer subject carried exactly in JSON: %r" % subj)
        san = objs[1]["tlsscope"]["chain"][0]["san_dns"]
        check("dns\u009bcsi.example" in san and "bad-\\xff\\xfe-utf8.example" in san,
              "SAN with C1 and invalid UTF-8 in JSON: %r" % san)
        raw = j.stdout
        check(b"\xe2\x80\xae" not in raw and b"\xc2\x9b" not in raw,
              "bidi and C1 code points \\u-escaped in the JSON bytes")

    # file names: a capture, a cut copy of it, a missing one, a trust store
    evil = os.path.join(work, "cap\x1b[2J\n\u009b\u202e.pcap")
    with open(cap, "rb") as f:
        data = f.read()
    with open(evil, "wb") as f:
        f.write(data[:len(data) - 7])
    e1 = run("truncated, hostile name", tlsscope, ["-b", "-r", evil], want_rc=(2,))
    err = e1.stderr.decode()
    check("cap\\x1b[2J\\x0a\\xc2\\x9b\\xe2\\x80\\xae.pcap: file is truncated" in err,
          "truncation message names the file, escaped: %r" % err[-300:])
    check("input error: " in e1.stdout.decode(), "summary reports the input error")
    run("missing, hostile name", tlsscope, ["-b", "-r", evil + "\x1b]0;x\x07"], want_rc=(2,))
    run("missing, hostile name, C", tlsscope, ["-b", "-r", evil + "\x1b]0;x\x07"], utf8=False,
        want_rc=(2,))
    run("trust, hostile name", tlsscope, ["-b", "-r", cap, "--trust", evil + ".pem"],
        want_rc=(2,))
    run("unknown option", tlsscope, ["--\x1b[2Jbogus"], want_rc=(2,))
    run("profile arg", tlsscope, ["--profile", "\x1b]0;x\x07", "-r", cap], want_rc=(2,))

    # the store subcommand lists and lints hostile names from a hostile file name
    evil_store = os.path.join(work, "store\x1b[2J\u009b.pem")
    with open(evil_store, "wb") as f:
        f.write(open(store, "rb").read() * 2)  # a duplicate to lint
    s = run("store", tlsscope, ["store", evil_store])
    check("store\\x1b[2J\\xc2\\x9b.pem #0: " in s.stdout.decode(), "store file name escaped")
    check("CN=evil\\x1b[2J\\x1b]0;pwned\\x07 root" in s.stdout.decode(), "store subject escaped")
    run("store C", tlsscope, ["store", evil_store], utf8=False)

    # exported certificate file names
    exp = os.path.join(work, "export")
    run("export", tlsscope, ["-b", "-r", cap, "--export-certs", exp] + at)
    files = sorted(os.listdir(exp))
    check(len(files) == 3, "three distinct certificates exported, got %r" % files)
    for name in files:
        check(re.fullmatch(r"[A-Za-z0-9._-]+", name) is not None, "export file name %r" % name)

    print("%s hostile-output checks" % ("FAILED" if fails else "passed all"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
