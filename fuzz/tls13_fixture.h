/* tls13_fixture.h — what the TLS 1.3 and QUIC fuzz targets (fuzz_tls13_decrypt,
 * fuzz_quic_datagram) share besides the flow (testflow_meta): the key log of fixed
 * secrets their seeds are sealed with, and the AEAD context that seals the
 * fuzzer's plaintext as a real peer would (mbedTLS, RFC 8446 §5.2).
 *
 * The seeds in tests/regress/ carry a ClientHello random of 32 bytes 0x5c;
 * a secret is `len` bytes of one value, so a seed's author can rebuild it. */
#ifndef TLSSCOPE_FUZZ_TLS13_FIXTURE_H
#define TLSSCOPE_FUZZ_TLS13_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/cipher.h>

#include "dissect/keylog.h"
#include "tests/unit/testflow.h" /* testflow_meta: the connection fed */

/* "LABEL <the seeds' client random> <len bytes of fill, hex>" into kl
 * (len <= 48: the longest handshake secret, SHA-384) */
static inline void fuzz_keylog_fixed(struct keylog *kl, const char *label, uint8_t fill,
                                     size_t len)
{
    static const char hexdig[] = "0123456789abcdef";
    char secret[2 * 48 + 1], line[300];
    if (len > 48) len = 48;
    for (size_t k = 0; k < len; k++)
        secret[2 * k] = hexdig[fill >> 4], secret[2 * k + 1] = hexdig[fill & 15];
    secret[2 * len] = 0;
    snprintf(line, sizeof line, "%s %s %s\n", label,
             "5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c", secret);
    keylog_add_text(kl, "fixed", (const uint8_t *)line, strlen(line));
}

/* An encrypting AEAD context for key; free with mbedtls_cipher_free. */
static inline bool fuzz_aead_init(mbedtls_cipher_context_t *ctx, mbedtls_cipher_type_t type,
                                  const uint8_t *key, size_t key_len)
{
    mbedtls_cipher_init(ctx);
    return mbedtls_cipher_setup(ctx, mbedtls_cipher_info_from_type(type)) == 0 &&
           mbedtls_cipher_setkey(ctx, key, (int)key_len * 8, MBEDTLS_ENCRYPT) == 0;
}

#endif
