/* names.h — IANA registries as tables: cipher suites (IANA and OpenSSL
 * names), versions, extensions, named groups, signature schemes, alerts,
 * handshake types.
 *
 * Sources: IANA "Transport Layer Security (TLS) Parameters" registry;
 * OpenSSL names from `openssl ciphers -V` / ssl/s3_lib.c (the names
 * Expressway's Maintenance > Security > Ciphers page uses).
 *
 * All functions return static strings, or NULL when the value is unknown
 * (callers print unknown values as 0xNNNN).
 */
#ifndef TLSSCOPE_DISSECT_NAMES_H
#define TLSSCOPE_DISSECT_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* Key exchange and authentication of a suite, for advice ("an ECDHE-ECDSA
 * suite selects the server's ECDSA certificate"). TLS 1.3 suites have
 * kx = auth = TLS_KX_ANY. */
enum tls_kx { TLS_KX_UNKNOWN = 0, TLS_KX_RSA, TLS_KX_DHE, TLS_KX_ECDHE, TLS_KX_PSK,
              TLS_KX_DH, TLS_KX_ECDH, TLS_KX_SRP, TLS_KX_ANY, TLS_KX_NULL };
enum tls_auth { TLS_AUTH_UNKNOWN = 0, TLS_AUTH_RSA, TLS_AUTH_ECDSA, TLS_AUTH_DSS,
                TLS_AUTH_ANON, TLS_AUTH_PSK, TLS_AUTH_ANY, TLS_AUTH_NULL };

struct tls_cipher_info {
    uint16_t id;
    const char *iana;     /* "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" */
    const char *openssl;  /* "ECDHE-ECDSA-AES256-GCM-SHA384", or NULL if OpenSSL has none */
    enum tls_kx kx;
    enum tls_auth auth;
};

const struct tls_cipher_info *tls_cipher_lookup(uint16_t id);

/* Writes the IANA name, or "0xNNNN" for unknown ids; returns buf. */
const char *tls_cipher_iana(uint16_t id, char buf[8]);
/* Writes the OpenSSL name, falling back to the IANA name, then "0xNNNN". */
const char *tls_cipher_openssl(uint16_t id, char buf[8]);

bool tls_is_grease(uint16_t v); /* RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa */

/* "TLS 1.2", "SSL 3.0", "TLS 1.3 draft 23", "DTLS 1.2", ...; NULL if unknown. */
const char *tls_version_name(uint16_t v);
/* ECS style: protocol "tls"/"ssl"/"dtls" and version "1.2"/"3.0"; false if
 * unknown. */
bool tls_version_ecs(uint16_t v, const char **protocol, const char **version);

/* TLS 1.3 or one of its drafts/experiments (0x7f00-0x7f1c, 0x7e01-0x7e06,
 * 0xfb17, 0xfb1a), or DTLS 1.3 (0xfefc): Certificate and later handshake
 * messages are encrypted. */
bool tls_version_is13_family(uint16_t v);

/* A DTLS version: 0xfeff (1.0), 0xfefd (1.2), 0xfefc (1.3), 0x0100 (OpenSSL's
 * pre-RFC DTLS 1.0). */
bool tls_version_is_dtls(uint16_t v);

const char *tls_extension_name(uint16_t type);   /* "server_name", ... */
const char *tls_group_name(uint16_t group);      /* "x25519", "secp256r1", ... */
const char *tls_sigalg_name(uint16_t scheme);    /* "ecdsa_secp256r1_sha256", ... */
const char *tls_alert_name(uint8_t desc);        /* "unknown_ca", ... */
const char *tls_handshake_name(uint8_t type);    /* "client_hello", ... */

/* SSLv2 CIPHER-SPEC (3 bytes, RFC 6101 Appendix E), e.g. 0x010080 ->
 * "SSL2_RC4_128_WITH_MD5"; NULL if unknown. */
const char *tls_sslv2_cipher_name(uint32_t spec);

/* 0 when every table is sorted (binary search precondition); for tests. */
int tls_names_selfcheck(void);

#endif
