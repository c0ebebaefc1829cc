"""hostile_limits — tlsscope's memory stays bounded and its time linear,
whatever the capture holds.

Usage: hostile_limits.py TLSSCOPE WORKDIR [--asan]

For each adversarial scenario of hostile.py (a SYN flood of distinct
flows, unanswered ClientHellos, endless out-of-order segments on 8 and on
96 connections, a Certificate message claiming 16 MB followed by
maximum-length records, maximum-length records, certificates with DER
nested 30000 deep and a message with 20000 certificates, tunnels nested 64
deep, thousands of distinct certificates, unanswered DTLS ClientHellos) a
capture is generated at 1x and 4x size into WORKDIR and tlsscope -b reads
it. Checked:
  - exit status 0 (no trust store: nothing fails), no signal;
  - peak RSS of the child (getrusage ru_maxrss) under CEILING_MIB at both
    sizes (skipped with --asan: shadow memory and quarantine are not the
    program's);
  - CPU time at 4x under 6 times that at 1x (linear; expected about 4);
  - the cap that the scenario aims at is reported in the summary.
TLSSCOPE_LIMITS_SCALE multiplies every size (e.g. 4 for a long run on
demand); the default keeps the whole test around 30 s.
"""

import os
import resource  # noqa: F401  (ru_maxrss semantics: KiB on Linux)
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

CEILING_MIB = 256  # README "Hostile input and limits"

# scenario, 1x size, sizes to run, what the summary must say at the largest
# (the time ratio is checked where two sizes run)
SCENARIOS = [
    ("halfopen", 300000, (1, 4), "flows evicted (flow table full"),
    ("hellos", 10000, (1, 4), "for the cap on connections with payload"),
    ("ooo", 24000, (1, 4), "caps hit: max_ooo_bytes/segments on 8 connections"),
    ("ooowide", 96 * 900, (1,), "caps hit: max_ooo_bytes/segments on "),
    ("bigcert", 500, (1, 4), "caps hit: TLS_MAX_HANDSHAKE_MSG on 1 connection."),
    ("records", 500, (1, 4), "caps hit: none."),
    ("deepder", 8, (1, 4), "caps hit: TLS_MAX_CHAIN on 1 connection."),
    ("tunnels", 2000, (1, 4), " malformed."),
    ("certs", 4000, (1, 4), "caps hit: none."),
    ("dtls_hellos", 10000, (1, 4), "DTLS associations evicted (table full)"),
]

fails = 0


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL: " + what)


def run(tlsscope, pcap, out):
    t0 = time.time()
    pid = os.fork()
    if pid == 0:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        env = dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC")
        os.execve(tlsscope, [tlsscope, "-b", "-r", pcap], env)
    _, status, ru = os.wait4(pid, 0)
    return status, ru.ru_maxrss / 1024.0, ru.ru_utime + ru.ru_stime, time.time() - t0


def tail(path, n=6000):
    with open(path, "rb") as f:
        f.seek(max(0, os.path.getsize(path) - n))
        return f.read().decode("utf-8", "replace")


def main():
    tlsscope, work = sys.argv[1], sys.argv[2]
    asan = "--asan" in sys.argv[3:]
    scale = float(os.environ.get("TLSSCOPE_LIMITS_SCALE", "1"))
    if asan:
        scale /= 4  # sanitizers are slow; the crash checks still apply
    print("%-9s %8s %8s %9s %9s %8s  %s" % ("scenario", "size", "MB", "peak MiB", "cpu s", "ratio",
                                           "cap reported"))
    for name, base, mults, expect in SCENARIOS:
        if asan and len(mults) == 1:
            continue  # a single big run: only its memory would be checked
        results = []
        for mult in mults:
            size = max(1, int(base * scale * mult))
            pcap = os.path.join(work, "%s-%d.pcap" % (name, size))
            out = os.path.join(work, "%s-%d.out" % (name, size))
            hostile.generate(name, size, pcap)
            mb = os.path.getsize(pcap) / 1e6
            status, rss, cpu, wall = run(tlsscope, pcap, out)
            os.unlink(pcap)
            summary = tail(out)
            os.unlink(out)
            check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
                  "%s x%d: exit status %r; output ends %r" % (name, mult, status, summary[-800:]))
            if not asan:
                check(rss < CEILING_MIB, "%s x%d: peak RSS %.1f MiB >= %d MiB" % (
                    name, mult, rss, CEILING_MIB))
            results.append((size, mb, rss, cpu, summary))
        (s1, _, _, c1, _), (s4, mb4, rss4, c4, sum4) = results[0], results[-1]
        ratio = c4 / max(c1, 0.05)
        if not asan and len(results) > 1:
            check(ratio < 6, "%s: 4x input took %.2fs CPU, 1x %.2fs: not linear" % (name, c4, c1))
        reported = expect in sum4
        check(reported or (asan and expect != "caps hit: none."),
              "%s x4: summary does not say %r:\n%s" % (name, expect, sum4[-700:]))
        print("%-9s %8d %8.1f %9.1f %9.2f %8s  %s" % (
            name, s4, mb4, rss4, c4, "%.2f" % ratio if len(results) > 1 else "-",
            "yes" if reported else "NO"))
    print("%s limits checks" % ("FAILED" if fails else "passed all"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
