/* hello.h — the ClientHello an OpenSSL 1.1.1 client (Expressway-C) sends.
 *
 * Field by field what Node 16.20.2's OpenSSL 1.1.1v sends for tls.connect
 * with a cipher string and a server name (tests/unit/test_probe_hello.c
 * compares against its bytes): record version TLS 1.0, legacy_version
 * TLS 1.2, a 32-byte session id (RFC 8446 D.4 middlebox compatibility),
 * the TLS 1.3 suites then the string's TLS 1.2 suites then the
 * renegotiation SCSV (RFC 5746 §3.3), no compression, and the extensions
 * in 1.1.1's order (ssl/statem/extensions.c ext_defs[]): server_name,
 * ec_point_formats, supported_groups, session_ticket, encrypt_then_mac,
 * extended_master_secret, signature_algorithms, supported_versions,
 * psk_key_exchange_modes, key_share (one X25519 share, 1.1.1's first
 * group), and after a HelloRetryRequest the cookie. Random, session id and
 * key share are the caller's (fresh each connection).
 */
#ifndef TLSSCOPE_PROBE_HELLO_H
#define TLSSCOPE_PROBE_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_HELLO_MAX 2048 /* bytes of the record; 128 suites and a 255-byte name fit */

struct probe_hello {
    const uint16_t *suites;   /* TLS 1.2 suites in order (ciphers.h) */
    int n_suites;
    bool tls13;               /* offer TLS 1.3 too (its suites, versions, key share) */
    const char *sni;          /* server_name host_name, or NULL (RFC 6066 §3) */
    uint8_t random[32];
    uint8_t session_id[32];
    uint16_t share_group;     /* key share group when tls13: 0x001d X25519 (1.1.1's
                               * first), 0x0017 P-256 after a HelloRetryRequest */
    uint8_t share[65];        /* the public share (RFC 7748 / SEC 1 uncompressed) */
    uint8_t share_len;
    const uint8_t *cookie;    /* HelloRetryRequest cookie to echo (RFC 8446 §4.2.2) */
    uint16_t cookie_len;
};

/* The whole TLS record (header included) into out; returns its length, or
 * -1 if it would not fit PROBE_HELLO_MAX or the name is longer than 255. */
int probe_client_hello(const struct probe_hello *h, uint8_t *out, size_t cap);

#endif
