#!/usr/bin/env python3
"""tlsscope's own pcapng reader on real multi-interface captures and their
derived variants (tests/captures/pcapng/, made by make-pcapng.sh there).

multi-iface.pcapng is what dumpcap wrote capturing three interfaces at once:
a veth (Ethernet, snaplen 262144), "any" as LINUX_SLL2 (1600) and "any" as
LINUX_SLL (65535) -- a file libpcap refuses ("an interface has a type 276
different from the type of the first interface"). Every variant must give
the same three connections with exact SNI, version and cipher; what each
variant adds (drops, secrets, damage, timestamps) is checked exactly too.
The comparison with tshark's reading of the same files is
tests/pcaps_tshark_check.py, run by t_pcapng.sh.

Usage: pcapng_check.py TLSSCOPE CAPTURE_DIR
"""
import datetime
import json
import os
import shutil
import subprocess
import sys

# (client port, server port, SNI, version, cipher) -- from make-pcapng.sh:
# s_client -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 over the veth,
# -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256 on lo (SLL2),
# -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 on lo (SLL)
CONNS = [
    (4433, "rsa.test.lab", "1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (4434, "ecdsa.test.lab", "1.3", "TLS_CHACHA20_POLY1305_SHA256"),
    (4435, "rsa.test.lab", "1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
]
PACKETS = 66

problems = []


def fail(msg):
    problems.append(msg)


def run(tlsscope, args):
    p = subprocess.run([tlsscope, "-b"] + args, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def conns(tlsscope, path, extra=()):
    rc, out, err = run(tlsscope, ["--json", "-r", path] + list(extra))
    recs = [json.loads(line) for line in out.splitlines()]
    got = [(r["destination"]["port"], r["tls"]["client"].get("server_name"),
            r["tls"].get("version"), r["tls"].get("cipher")) for r in recs]
    return rc, got, recs, err


def summary(tlsscope, path):
    """The text report and its summary (stdout and stderr together)."""
    rc, out, err = run(tlsscope, ["-r", path])
    return rc, out + err, err


def expect(name, got, want):
    if got != want:
        fail("%s: got %r, want %r" % (name, got, want))


def main():
    tlsscope, d = sys.argv[1], sys.argv[2]
    cap = lambda n: os.path.join(d, n)  # noqa: E731

    for name in ["multi-iface.pcapng", "big-endian.pcapng", "big-endian.pcapng.gz",
                 "extras.pcapng", "old-blocks.pcapng", "tsresol.pcapng", "secrets.pcapng"]:
        rc, got, _, err = conns(tlsscope, cap(name))
        expect(name + " exit status", rc, 0)
        expect(name + " messages", [x for x in err.splitlines() if x.startswith("tlsscope")],
               [])
        expect(name + " connections", got, CONNS)
        rc, out, _ = summary(tlsscope, cap(name))
        expect(name + " packets", "; %d packets from" % PACKETS in out, True)

    # two sections, the second big-endian: both read, in file order
    rc, got, _, err = conns(tlsscope, cap("concatenated.pcapng"))
    expect("concatenated.pcapng connections", got, CONNS + CONNS)

    # the same file from standard input (a stream: no seeking, sniffed magic)
    with open(cap("big-endian.pcapng.gz"), "rb") as f:
        p = subprocess.run([tlsscope, "-b", "--json", "-r", "-"], stdin=f, capture_output=True,
                           timeout=60)
    got = [(json.loads(x)["destination"]["port"]) for x in p.stdout.decode().splitlines()]
    expect("stdin gzip pcapng ports", (p.returncode, got), (0, [4433, 4434, 4435]))

    # Interface Statistics Blocks: the last per interface counts (3+4+5
    # dropped by the interfaces, 10+11+12 by the system); an earlier ISB
    # saying 999 is superseded
    _, out, _ = summary(tlsscope, cap("extras.pcapng"))
    expect("extras.pcapng drops line",
           "  capture file: the capturing host dropped 45 packets (12 by the interface, 33 by the "
           "system); connections may be missing." in out.splitlines(), True)
    _, out, _ = summary(tlsscope, cap("multi-iface.pcapng"))
    expect("multi-iface.pcapng: dumpcap's ISBs say 0 dropped: no drops line",
           "dropped" in out, False)

    # a Decryption Secrets Block from editcap --inject-secrets
    _, out, _ = summary(tlsscope, cap("secrets.pcapng"))
    expect("secrets.pcapng line",
           "  capture file: 1 Decryption Secrets Block (1 with TLS key logs)." in out.splitlines(),
           True)

    # Simple Packet Blocks have no timestamp: the first connection (all of
    # interface 0) starts at the epoch, as in tshark
    _, _, recs, _ = conns(tlsscope, cap("old-blocks.pcapng"))
    expect("old-blocks.pcapng first time", recs[0]["@timestamp"], "1970-01-01T00:00:00.000000Z")

    # timestamps in 2^-20 s, and in ns with if_tsoffset: the same instants
    # tshark computes (first packet of each connection, to the microsecond)
    if shutil.which("tshark"):
        p = subprocess.run(["tshark", "-n", "-r", cap("tsresol.pcapng"), "-Y",
                            "tcp.flags.syn==1 && tcp.flags.ack==0", "-T", "fields", "-e",
                            "frame.time_epoch"], capture_output=True, timeout=60)
        want = []
        for line in p.stdout.decode().split():
            sec, frac = line.split(".")
            t = datetime.datetime.fromtimestamp(int(sec), datetime.timezone.utc)
            want.append(t.strftime("%Y-%m-%dT%H:%M:%S") + "." + frac[:6] + "Z")
        _, _, recs, _ = conns(tlsscope, cap("tsresol.pcapng"))
        expect("tsresol.pcapng times", [r["@timestamp"] for r in recs], want)

    # damage: the 5th packet block's trailing length is wrong. The four
    # packets before it are used (the first connection's handshake start),
    # the damage is reported with its place, and the exit status is 2.
    rc, got, _, err = conns(tlsscope, cap("damaged.pcapng"))
    expect("damaged.pcapng exit status", rc, 2)
    expect("damaged.pcapng connections", got, [(4433, "rsa.test.lab", None, None)])
    expect("damaged.pcapng message", err.strip().splitlines()[-1],
           "tlsscope: %s: damaged pcapng file: Enhanced Packet Block at byte 720 says 100 bytes "
           "at its start and 104 at its end; 4 packets were read before it, the rest was not read"
           % cap("damaged.pcapng"))

    # a file cut inside a block: truncated, what came before kept
    with open(cap("multi-iface.pcapng"), "rb") as f:
        data = f.read()
    cut = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tlsscope-ng-cut-%d.pcapng" % os.getpid())
    try:
        with open(cut, "wb") as f:
            f.write(data[:20000])
        rc, got, _, err = conns(tlsscope, cut)
        expect("cut exit status", rc, 2)
        expect("cut message class", "file is truncated: it ends inside the" in err, True)
        expect("cut: first two connections complete", got[:2], CONNS[:2])
    finally:
        os.unlink(cut)

    # BPF filters compile per link type: the SLL2 interface's connection only
    rc, got, _, err = conns(tlsscope, cap("multi-iface.pcapng"), ["tcp", "port", "4434"])
    expect("filtered connections", (rc, got), (0, [CONNS[1]]))
    rc, _, err = run(tlsscope, ["-r", cap("multi-iface.pcapng"), "ether", "host", "0:1:2:3:4:5"])
    expect("ether filter on a file with cooked interfaces", (rc, err.strip()), (
        2, "tlsscope: %s (link type LINUX_SLL2): bad filter expression \"ether host 0:1:2:3:4:5\": ethernet addresses supported only "
           "on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel" % cap("multi-iface.pcapng")))

    # the key log inside a pcapng (editcap --inject-secrets) decrypts the TLS
    # 1.3 handshakes exactly as the same key log given with --keylog does
    root = os.path.normpath(os.path.join(d, "..", "..", ".."))
    kl = os.path.join(root, "pcaps", "keylog")
    store = os.path.join(root, "pcaps", "test-store.pem")

    def judged(args):
        p = subprocess.run([tlsscope, "-b", "--json", "--trust", store] + args,
                           capture_output=True, timeout=60)
        return [(r["destination"]["port"], r["source"]["port"], r["tls"].get("cipher"),
                 len(r["tlsscope"].get("chain", [])), r["tlsscope"]["verdict"]["status"])
                for r in map(json.loads, p.stdout.decode().splitlines())]
    inside = judged(["-r", os.path.join(kl, "tls13-keylog-dsb.pcapng")])
    given = judged(["-r", os.path.join(kl, "tls13-keylog-suites.pcap"), "--keylog",
                    os.path.join(kl, "tls13-keylog-suites.keys")])
    expect("secrets block decrypts like --keylog", inside, given)
    expect("secrets block: 5 trusted chains of 2", [(x[3], x[4]) for x in inside],
           [(2, "trusted")] * 5)

    for pr in problems:
        print(pr)
    print("pcapng: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
