/* libFuzzer target: a TLS 1.3 connection decrypted with key-log secrets
 * (dissect/keylog.c, tls13_keys.c, tls13_decrypt.c, and the handshake
 * parsers behind them).
 *
 * Random ciphertext never authenticates, so the fuzzer writes the
 * *plaintext*: this target seals it with the key log's secrets (mbedTLS, as
 * a real peer would) and feeds the records to the dissector. Input:
 *   byte 0   suite (0..4: 0x1301..0x1305)
 *   byte 1   bit 0: also parse the rest as key log text
 *   then     records: u16 length (bit 15: flip a ciphertext bit, i.e. a
 *            wrong key), u8 type (bit 7: from the client; low bits: the inner
 *            content type), payload
 * Invariants: nothing crashes; a certificate only comes out of a record that
 * authenticated; held bytes return to zero when the connection is freed.
 * Seeds: tests/regress/fuzz_tls13_decrypt/. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/cipher.h>

#include "dissect/keylog.h"
#include "dissect/tls13_decrypt.h"
#include "dissect/tls_internal.h"
#include "tls13_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t suites[5] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305};
static const mbedtls_cipher_type_t types[5] = {
    MBEDTLS_CIPHER_AES_128_GCM, MBEDTLS_CIPHER_AES_256_GCM, MBEDTLS_CIPHER_CHACHA20_POLY1305,
    MBEDTLS_CIPHER_AES_128_CCM, MBEDTLS_CIPHER_AES_128_CCM};
static const int key_len[5] = {16, 32, 32, 16, 16};
static const size_t tag_len[5] = {16, 16, 16, 16, 8};

struct sealer {
    mbedtls_cipher_context_t ctx;
    uint8_t iv[12];
    uint64_t seq;
};

static void sealer_init(struct sealer *s, int i, const uint8_t *secret, size_t hl)
{
    uint8_t key[32];
    tls13_hkdf_expand_label(hl, secret, hl, "key", NULL, 0, key, (size_t)key_len[i]);
    tls13_hkdf_expand_label(hl, secret, hl, "iv", NULL, 0, s->iv, 12);
    fuzz_aead_init(&s->ctx, types[i], key, (size_t)key_len[i]);
    s->seq = 0;
}

static size_t seal(struct sealer *s, int i, uint8_t type, const uint8_t *p, size_t n,
                   uint8_t *out)
{
    static uint8_t inner[TLS13_MAX_PLAIN + 1];
    uint8_t nonce[12];
    size_t olen = 0, len = n + 1;
    memcpy(inner, p, n);
    inner[n] = type;
    out[0] = 23, out[1] = 3, out[2] = 3;
    out[3] = (uint8_t)((len + tag_len[i]) >> 8), out[4] = (uint8_t)(len + tag_len[i]);
    memcpy(nonce, s->iv, 12);
    for (int k = 0; k < 8; k++) nonce[11 - k] ^= (uint8_t)(s->seq >> (8 * k));
    s->seq++;
    if (mbedtls_cipher_auth_encrypt_ext(&s->ctx, nonce, 12, out, 5, inner, len, out + 5,
                                        len + tag_len[i], &olen, tag_len[i]) != 0)
        return 0;
    return 5 + olen;
}

static void plain_record(struct tls_conn *c, enum flow_dir d, uint8_t type, const uint8_t *p,
                         size_t n)
{
    uint8_t hdr[5] = {type, 3, 3, (uint8_t)(n >> 8), (uint8_t)n};
    tls_conn_data(c, d, hdr, 5, 1);
    tls_conn_data(c, d, p, (uint32_t)n, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t rec[TLS13_MAX_PLAIN + 64];
    uint8_t random[32], secret_s[48], secret_c[48];
    if (size < 2) return 0;
    int si = data[0] % 5;
    size_t hl = tls13_suite_hash_len(suites[si]);
    struct keylog *kl = keylog_new();
    if (!kl) return 0;
    if (data[1] & 1) keylog_add_text(kl, "fuzz", data + 2, size - 2);

    memset(random, 0x5c, 32);
    memset(secret_s, 0x11, sizeof secret_s);
    memset(secret_c, 0x22, sizeof secret_c);
    fuzz_keylog_fixed(kl, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 0x11, hl);
    fuzz_keylog_fixed(kl, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 0x22, hl);

    struct flow_meta m = testflow_meta(40000);
    struct tls_conn *c = tls_conn_new(&m);
    if (!c) {
        keylog_free(kl);
        return 0;
    }
    tls_conn_set_keylog(c, kl);

    /* ClientHello and ServerHello for TLS 1.3 with the chosen suite */
    uint8_t ch[4 + 50] = {1, 0, 0, 50, 3, 3};
    memcpy(ch + 6, random, 32);
    static const uint8_t ch_tail[] = {0, 0, 2, 0x13, 0x01, 1, 0, 0, 7, 0, 0x2b, 0, 3, 2, 3, 4};
    memcpy(ch + 38, ch_tail, sizeof ch_tail);
    ch[42] = (uint8_t)suites[si];
    plain_record(c, FLOW_DIR_A, 22, ch, sizeof ch);
    uint8_t sh[4 + 46] = {2, 0, 0, 46, 3, 3};
    memset(sh + 6, 0x77, 32);
    static const uint8_t sh_tail[] = {0, 0x13, 0x01, 0, 0, 6, 0, 0x2b, 0, 2, 3, 4};
    memcpy(sh + 38, sh_tail, sizeof sh_tail);
    sh[40] = (uint8_t)suites[si];
    plain_record(c, FLOW_DIR_B, 22, sh, sizeof sh);

    struct sealer ss, cs;
    sealer_init(&ss, si, secret_s, hl);
    sealer_init(&cs, si, secret_c, hl);
    size_t i = 2;
    bool any_bad = false;
    while (i + 3 <= size) {
        uint16_t len = (uint16_t)(data[i] << 8 | data[i + 1]);
        uint8_t t = data[i + 2];
        bool flip = len & 0x8000;
        size_t n = len & 0x7fff;
        i += 3;
        if (n > size - i) n = size - i;
        if (n > TLS13_MAX_PLAIN) n = TLS13_MAX_PLAIN;
        bool client = t & 0x80;
        size_t w = seal(client ? &cs : &ss, si, t & 0x7f, data + i, n, rec);
        i += n;
        if (!w) continue;
        if (flip) {
            rec[5 + (n % (w - 5))] ^= 0x40;
            any_bad |= !client;
        }
        /* uneven pieces, as TCP would hand them over */
        enum flow_dir d = client ? FLOW_DIR_A : FLOW_DIR_B;
        for (size_t k = 0; k < w;) {
            size_t piece = 1 + (k * 31 + n) % 700;
            if (piece > w - k) piece = w - k;
            tls_conn_data(c, d, rec + k, (uint32_t)piece, 2);
            k += piece;
        }
    }
    /* a record that failed before any certificate means none may appear */
    if (any_bad && c->decrypt_failed && !c->decrypted && c->server_certs.n) abort();
    struct flow_close info;
    memset(&info, 0, sizeof info);
    info.reason = FLOW_CLOSE_FIN;
    tls_conn_close(c, &info);
    tls_conn_free(c);
    mbedtls_cipher_free(&ss.ctx);
    mbedtls_cipher_free(&cs.ctx);
    keylog_free(kl);
    if (tls_held_bytes() != 0) abort();
    return 0;
}
