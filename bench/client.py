#!/usr/bin/env python3
"""TLS traffic for bench/run.sh: N sequential HTTPS GETs against one
`openssl s_server -WWW`, each a full handshake on a new TCP connection.

Run inside the bench network namespace only (run.sh does). Every connection
uses a fresh SSLSocket without a saved session and with tickets disabled, so
there is no resumption: every handshake carries the server's certificates
(TLS 1.2) like the first contact of an Expressway with a CUCM node.

Source addresses are used round-robin so that 100 000 connections never
reuse a 4-tuple (no TIME_WAIT collisions, no port reuse in the capture).

  client.py --server 10.77.0.1:4431 --path /big --count 500 --tls 1.2 \
            --sni rsa.bench.lab --src 10.77.1.1,10.77.1.2
"""
import argparse
import socket
import ssl
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True, help="ADDR:PORT")
    ap.add_argument("--path", default="/small")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--tls", choices=["1.2", "1.3"], required=True)
    ap.add_argument("--ciphers", default=None, help="TLS 1.2 cipher list")
    ap.add_argument("--sni", default="", help="comma-separated names, used in turn")
    ap.add_argument("--src", default="", help="comma-separated source addresses, in turn")
    a = ap.parse_args()

    host, port = a.server.rsplit(":", 1)
    port = int(port)
    snis = [s for s in a.sni.split(",") if s] or [None]
    srcs = [s for s in a.src.split(",") if s] or [None]

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the capture is what matters, not this client
    ctx.options |= ssl.OP_NO_TICKET
    v = ssl.TLSVersion.TLSv1_2 if a.tls == "1.2" else ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = ctx.maximum_version = v
    if a.ciphers:
        ctx.set_ciphers(a.ciphers)

    req = ("GET %s HTTP/1.0\r\n\r\n" % a.path).encode()
    total = 0
    failures = 0
    for i in range(a.count):
        sni = snis[i % len(snis)]
        src = srcs[i % len(srcs)]
        try:
            raw = socket.create_connection((host, port), timeout=30,
                                           source_address=(src, 0) if src else None)
            with ctx.wrap_socket(raw, server_hostname=sni) as s:
                s.sendall(req)
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    total += len(b)
        except (OSError, ssl.SSLError) as e:
            failures += 1
            if failures <= 5:
                print("client: connection %d: %s" % (i, e), file=sys.stderr)
    print("client %s: %d connections, %d failed, %d bytes received"
          % (a.server, a.count, failures, total), file=sys.stderr)
    return 1 if failures > a.count // 100 else 0


if __name__ == "__main__":
    sys.exit(main())
