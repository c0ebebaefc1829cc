#!/usr/bin/env python3
"""Cross-check tlsscope's JSON with tshark on every capture in pcaps/.

tshark reads each capture here, at test time, with the same fields as the
corpus oracle (tests/corpus/tshark_oracle); the comparison is the corpus
one (corpus_check.compare_oracle): per connection the SNI, offered and
chosen cipher, negotiated version, number of server certificates, alerts,
ALPN, JA3 and JA3S. Any disagreement fails: these captures are ours, so
there is nothing to excuse.

Usage: pcaps_tshark_check.py TLSSCOPE PCAPS_DIR
       pcaps_tshark_check.py TLSSCOPE CAPTURE...
TSHARK_DECODE_AS="layer==value,proto" adds one -d option to tshark (for a
capture whose encapsulation tshark cannot guess, such as an MPLS
pseudowire with a control word).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_check  # noqa: E402

FIELDS = ["frame.number", "tcp.stream", "udp.stream", "ip.src", "ipv6.src", "tcp.srcport",
          "udp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport", "udp.dstport",
          "tls.record.version", "tls.handshake.type", "tls.handshake.version",
          "tls.handshake.extensions.supported_version", "tls.handshake.extensions_server_name",
          "tls.handshake.ciphersuite", "tls.handshake.certificate_length", "x509ce.dNSName",
          "x509sat.uTF8String", "x509sat.printableString", "tls.alert_message.desc",
          "tls.handshake.ja3", "tls.handshake.ja3s", "tls.handshake.extensions_alpn_str",
          "dtls.record.version", "dtls.handshake.type", "dtls.handshake.version",
          "dtls.handshake.extensions_server_name", "dtls.handshake.ciphersuite",
          "dtls.handshake.certificate_length", "dtls.alert_message.desc", "frame.protocols"]


def main():
    tlsscope, pcaps = sys.argv[1], sys.argv[2]
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return 77
    if os.path.isdir(pcaps):
        caps = sorted(glob.glob(os.path.join(pcaps, "*.pcap")) +
                      glob.glob(os.path.join(pcaps, "*.pcapng")))
    else:
        caps = sys.argv[2:]
    problems = []
    compared = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cap in caps:
            name = os.path.basename(cap)
            args = ["tshark", "-n", "-r", cap, "-Y", "tls.handshake or tls.alert_message or dtls.handshake",
                    "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|"]
            for f in FIELDS:
                args += ["-e", f]
            if os.environ.get("TSHARK_DECODE_AS"):
                args += ["-d", os.environ["TSHARK_DECODE_AS"]]
            p = subprocess.run(args, capture_output=True, timeout=120)
            if p.returncode != 0:
                problems.append("%s: tshark failed: %s" % (name, p.stderr.decode()[-300:]))
                continue
            oracle_path = os.path.join(tmp, name + ".tsv")
            with open(oracle_path, "w") as f:
                f.write("#" + "\t".join(FIELDS) + "\n")
                f.write(p.stdout.decode())
            ours, run_problems = corpus_check.run_tlsscope(tlsscope, cap)
            problems += ["%s: %s" % (name, x) for x in run_problems]
            oracle = corpus_check.load_oracle(oracle_path)

            def diff(source, k, field, got, want, name=name):
                problems.append("%s %s %s: tlsscope %r, tshark %r" % (
                    name, corpus_check.conn_str(k), field, got, want))
            n = corpus_check.compare_oracle(ours, oracle, diff)
            if n == 0:
                problems.append("%s: no connection compared" % name)
            compared += n
    print("%d captures, %d connections compared with tshark" % (len(caps), compared))
    for pr in problems:
        print("  " + pr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
