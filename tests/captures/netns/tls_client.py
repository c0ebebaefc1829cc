#!/usr/bin/env python3
"""Real OpenSSL (Python's ssl module) TLS clients for make-netns-captures.sh,
for the two cases openssl s_client cannot make:

  tfo ADDR PORT SNI CAFILE SRC      two TLS 1.2 connections with TCP Fast
      Open (TCP_FASTOPEN_CONNECT): the first fetches the server's TFO cookie,
      the second carries its ClientHello in the SYN (RFC 7413 §3).
  hrr-abort ADDR PORT SNI SRC       one TLS 1.3 ClientHello with an X25519
      key share only; reads the server's answer (a HelloRetryRequest for
      P-384) and closes without a second ClientHello.
"""
import socket
import ssl
import sys

TCP_FASTOPEN_CONNECT = 30  # linux/tcp.h (Linux 4.11)
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def pump(s, obj, inc, out, step):
    """Run step() on the TLS object over socket s (MemoryBIOs: Python's
    wrap_socket refuses a socket that TCP_FASTOPEN_CONNECT has not yet
    connected, since the SYN only leaves with the first write)."""
    while True:
        try:
            r = step()
            if out.pending:
                s.sendall(out.read())
            return r
        except ssl.SSLWantReadError:
            if out.pending:
                s.sendall(out.read())
            b = s.recv(16384)
            if not b:
                inc.write_eof()
            else:
                inc.write(b)


def tfo(addr, port, sni, cafile, src):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # the certificates stay visible
    ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
    for _ in range(2):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1)
        s.bind((src, 0))
        s.settimeout(5)
        s.connect((addr, port))  # with a cookie: no SYN until the first write
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(inc, out, server_hostname=sni)
        pump(s, obj, inc, out, obj.do_handshake)
        pump(s, obj, inc, out, lambda: obj.write(b"GET /index.html HTTP/1.0\r\n\r\n"))
        try:
            while pump(s, obj, inc, out, lambda: obj.read(4096)):
                pass
        except ssl.SSLZeroReturnError:
            pass
        try:
            pump(s, obj, inc, out, obj.unwrap)
        except (ssl.SSLError, OSError):
            pass
        s.close()


def hrr_abort(addr, port, sni, src):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    s = socket.create_connection((addr, port), timeout=5, source_address=(src, 0))
    s.sendall(out.read())
    got = b""
    while len(got) < 5 or len(got) < 5 + int.from_bytes(got[3:5], "big"):
        b = s.recv(4096)
        if not b:
            break
        got += b
    s.close()
    if HRR_RANDOM not in got:
        sys.exit("hrr-abort: the server did not answer with a HelloRetryRequest")


if __name__ == "__main__":
    if sys.argv[1] == "tfo":
        tfo(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    elif sys.argv[1] == "hrr-abort":
        hrr_abort(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit("usage: tls_client.py tfo|hrr-abort ...")
