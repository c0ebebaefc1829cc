/* libFuzzer target: QUIC datagrams through dissect/quic.c (header parsing,
 * header protection, packet numbers, coalescing, frames, CRYPTO reassembly,
 * the TLS messages inside, Handshake packets with key-log secrets).
 *
 * Input: byte 0 bit 0 picks the mode.
 *   raw     the rest is datagrams: u16 length (bit 15: from the server), bytes
 *   sealed  the rest is packets whose *frames* the fuzzer writes; the target
 *           protects them as a real peer would (Initial keys of a fixed DCID,
 *           Handshake keys of the fixed key log), so the parser gets past the
 *           AEAD: u8 flags (bit 0 server, bit 1 Handshake level, bit 2 coalesce
 *           with the next packet, bit 3 flip a ciphertext bit), u8 packet
 *           number, u16 length, frames
 * Invariants: nothing crashes or reads out of bounds (ASan); every held byte
 * is given back when the connection is freed.
 * Seeds: tests/regress/fuzz_quic_datagram/. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/cipher.h>

#include "dissect/keylog.h"
#include "dissect/quic.h"
#include "dissect/tls13_decrypt.h"
#include "dissect/tls_internal.h"
#include "tls13_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

/* One protected long-header packet (RFC 9001 §5.3, §5.4) into out. */
static size_t seal(const uint8_t *secret, bool handshake, uint8_t pn, const uint8_t *frames,
                   size_t n, bool flip, uint8_t *out, size_t cap)
{
    uint8_t key[16], iv[12], hp[16], nonce[12], mask[5];
    size_t h = 0, olen = 0;
    size_t take = n;  /* bytes of frames the input really has */
    if (n < 4) n = 4; /* the header protection sample needs 4 + 16 bytes after pn */
    if (n > 1300 || cap < 64 + n + 16) return 0;
    tls13_hkdf_expand_label(32, secret, 32, "quic key", NULL, 0, key, 16);
    tls13_hkdf_expand_label(32, secret, 32, "quic iv", NULL, 0, iv, 12);
    tls13_hkdf_expand_label(32, secret, 32, "quic hp", NULL, 0, hp, 16);
    out[h++] = handshake ? 0xe0 : 0xc0; /* 1-byte packet number */
    out[h++] = 0, out[h++] = 0, out[h++] = 0, out[h++] = 1;
    out[h++] = 8;
    memcpy(out + h, dcid, 8), h += 8;
    out[h++] = 0;                       /* SCID */
    if (!handshake) out[h++] = 0;       /* token */
    size_t len = 1 + n + 16;
    out[h++] = (uint8_t)(0x40 | len >> 8), out[h++] = (uint8_t)len;
    size_t pn_off = h;
    out[h++] = pn;
    memcpy(nonce, iv, 12);
    nonce[11] ^= pn;
    mbedtls_cipher_context_t ctx;
    fuzz_aead_init(&ctx, MBEDTLS_CIPHER_AES_128_GCM, key, 16);
    static uint8_t plain[1400];
    memset(plain, 0, sizeof plain);
    memcpy(plain, frames, take); /* padded with zeros (PADDING frames) up to n */
    int rc = mbedtls_cipher_auth_encrypt_ext(&ctx, nonce, 12, out, h, plain, n, out + h,
                                             cap - h, &olen, 16);
    mbedtls_cipher_free(&ctx);
    if (rc != 0) return 0;
    tls13_hp_mask(0x1301, hp, 16, out + pn_off + 4, mask);
    out[0] ^= mask[0] & 0x0f;
    out[pn_off] ^= mask[1];
    if (flip) out[h + n / 2] ^= 0x20;
    return h + olen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t dg[8192];
    uint8_t cs[32], ss[32], hs_s[32], hs_c[32];
    if (size < 1) return 0;
    struct keylog *kl = keylog_new();
    if (!kl) return 0;
    memset(hs_s, 0x31, 32);
    memset(hs_c, 0x32, 32);
    fuzz_keylog_fixed(kl, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 0x31, 32);
    fuzz_keylog_fixed(kl, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 0x32, 32);
    quic_initial_secret(QUIC_V1, dcid, 8, false, cs);
    quic_initial_secret(QUIC_V1, dcid, 8, true, ss);

    struct flow_meta m = testflow_meta(50000);
    struct tls_conn *c = quic_conn_new(&m);
    if (!c) {
        keylog_free(kl);
        return 0;
    }
    tls_conn_set_keylog(c, kl);
    size_t i = 1, have = 0;
    bool have_dir_server = false;
    while (i + 3 <= size) {
        if (!(data[0] & 1)) {
            size_t n = (size_t)(data[i] << 8 | data[i + 1]) & 0x7fff;
            bool server = data[i] & 0x80;
            i += 2;
            if (n > size - i) n = size - i;
            quic_conn_datagram(c, server ? FLOW_DIR_B : FLOW_DIR_A, data + i, (uint32_t)n,
                               (uint32_t)n, 1);
            i += n;
            continue;
        }
        if (i + 4 > size) break;
        uint8_t flags = data[i], pn = data[i + 1];
        size_t n = (size_t)(data[i + 2] << 8 | data[i + 3]);
        i += 4;
        if (n > size - i) n = size - i;
        bool server = flags & 1, handshake = flags & 2;
        const uint8_t *secret = handshake ? (server ? hs_s : hs_c) : (server ? ss : cs);
        if (have && have_dir_server != server) { /* a datagram has one sender */
            quic_conn_datagram(c, have_dir_server ? FLOW_DIR_B : FLOW_DIR_A, dg, (uint32_t)have,
                               (uint32_t)have, 1);
            have = 0;
        }
        size_t w = seal(secret, handshake, pn, data + i, n, flags & 8, dg + have,
                        sizeof dg - have);
        i += n;
        have += w;
        have_dir_server = server;
        if (!(flags & 4) || have > sizeof dg - 1500) {
            /* a client's first datagram is padded to 1200 bytes (RFC 9000 §14.1) */
            quic_conn_datagram(c, server ? FLOW_DIR_B : FLOW_DIR_A, dg, (uint32_t)have,
                               (uint32_t)(have < 1200 && !server ? 1200 : have), 1);
            have = 0;
        }
    }
    if (have)
        quic_conn_datagram(c, have_dir_server ? FLOW_DIR_B : FLOW_DIR_A, dg, (uint32_t)have,
                           (uint32_t)have, 1);
    struct flow_close info;
    memset(&info, 0, sizeof info);
    info.reason = FLOW_CLOSE_END;
    tls_conn_close(c, &info);
    tls_conn_free(c);
    keylog_free(kl);
    if (tls_held_bytes() != 0) abort();
    return 0;
}
