#!/usr/bin/env python3
"""Print tlsscope JSON Lines without the fields a live capture cannot know
yet when it prints a connection (at verdict time, tests/t_live.sh).

A live line is written as soon as the verdict is final; a file is reported
when each connection is over. What happens in between -- the client's alert,
the end of the handshake, byte counts, close-time events -- is the only
allowed difference, so exactly those fields are removed and everything else
must match byte for byte (keys sorted, one object per line).

usage: live_json_strip.py FILE
"""
import json
import sys

# (path, key) pairs known only after the verdict
LATE = [
    (("tls",), "established"),
    (("tlsscope",), "alerts"),
    (("tlsscope",), "bytes"),
    (("tlsscope",), "events"),
    (("tlsscope",), "events_total"),
    (("tlsscope",), "handshake_complete"),
    (("tlsscope", "verdict"), "observed_alert"),
    (("tlsscope", "verdict"), "agrees"),
]


def strip(obj):
    for path, key in LATE:
        node = obj
        for p in path:
            node = node.get(p) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(key, None)
    return obj


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                sys.exit("%s:%d: not JSON: %s" % (sys.argv[1], n, e))
            print(json.dumps(strip(obj), sort_keys=True))


if __name__ == "__main__":
    main()
