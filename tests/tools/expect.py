"""expect.py — the exact-value check of the script tests written in Python
(t_netns_captures, t_tcp_corners, t_openvpn): a mismatch is printed with
what was got and what was wanted, and finish() exits 1 if any was."""
import sys

bad = 0


def check(name, got, want):
    global bad
    if got != want:
        bad += 1
        print("%s: got %r, want %r" % (name, got, want))


def finish(what):
    print("%s: %d problems" % (what, bad))
    sys.exit(1 if bad else 0)
