/* tls13_decrypt.c — TLS 1.3 record protection (reading, and sealing for the
 * probe's own records) and the handshake key schedule, with
 * mbedTLS's HKDF and AEAD ciphers (RFC 8446 §5.2, §5.3, §7.1, §7.3; the
 * same steps as OpenSSL's tls13_derive_key / tls13_derive_iv and
 * tls13_enc). No hand-written cryptography.
 */
#include "tls13_decrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/chacha20.h>
#include <mbedtls/cipher.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

struct suite_info {
    uint16_t id;
    mbedtls_cipher_type_t cipher;
    uint8_t key_len;
    uint8_t tag_len;
    uint8_t hash_len;
    const char *name;
};

/* RFC 8446 §B.4 */
static const struct suite_info suites[] = {
    {0x1301, MBEDTLS_CIPHER_AES_128_GCM, 16, 16, 32, "TLS_AES_128_GCM_SHA256"},
    {0x1302, MBEDTLS_CIPHER_AES_256_GCM, 32, 16, 48, "TLS_AES_256_GCM_SHA384"},
    {0x1303, MBEDTLS_CIPHER_CHACHA20_POLY1305, 32, 16, 32, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, MBEDTLS_CIPHER_AES_128_CCM, 16, 16, 32, "TLS_AES_128_CCM_SHA256"},
    {0x1305, MBEDTLS_CIPHER_AES_128_CCM, 16, 8, 32, "TLS_AES_128_CCM_8_SHA256"},
};

#define TLS13_IV_LEN 12 /* §5.3: iv_length = max(8, N_MIN) = 12 for every suite */

struct tls13_traffic {
    const struct suite_info *suite;
    mbedtls_cipher_context_t aead;
    uint8_t iv[TLS13_IV_LEN];
    uint64_t seq;
    int sealer; /* set up with MBEDTLS_ENCRYPT (tls13_traffic_new_sealer) */
};

/* §5.3: the 64-bit sequence number, big-endian, left-padded to iv_length
 * and XORed with the static IV */
static void make_nonce(const struct tls13_traffic *t, uint64_t seq, uint8_t nonce[TLS13_IV_LEN])
{
    memcpy(nonce, t->iv, TLS13_IV_LEN);
    for (int i = 0; i < 8; i++) nonce[TLS13_IV_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

static const struct suite_info *suite_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id) return &suites[i];
    return NULL;
}

size_t tls13_suite_hash_len(uint16_t suite)
{
    const struct suite_info *s = suite_find(suite);
    return s ? s->hash_len : 0;
}

int tls13_hkdf_expand_label(size_t hash_len, const uint8_t *secret, size_t secret_len,
                            const char *label, const uint8_t *ctx, size_t ctx_len, uint8_t *out,
                            size_t out_len)
{
    /* struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
     *          opaque context<0..255>; } HkdfLabel;   (§7.1) */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = strlen(label), n = 0;
    const mbedtls_md_info_t *md =
        mbedtls_md_info_from_type(hash_len == 48 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256);
    if ((hash_len != 32 && hash_len != 48) || !md) return TLS13_ESUITE;
    if (6 + ll > 255 || ctx_len > 255 || out_len > 0xffff) return TLS13_EINTERNAL;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = (uint8_t)ctx_len;
    if (ctx_len) memcpy(info + n, ctx, ctx_len);
    n += ctx_len;
    return mbedtls_hkdf_expand(md, secret, secret_len, info, n, out, out_len) == 0
               ? TLS13_OK
               : TLS13_EINTERNAL;
}

static struct tls13_traffic *traffic_new(uint16_t suite, const uint8_t *secret,
                                         size_t secret_len, const char *key_label,
                                         const char *iv_label, int sealer, char *err,
                                         size_t errlen);

static const mbedtls_md_info_t *suite_md(const struct suite_info *s)
{
    return mbedtls_md_info_from_type(s->hash_len == 48 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256);
}

size_t tls13_transcript_hash(uint16_t suite, const uint8_t *data, size_t len,
                             uint8_t out[TLS13_MAX_HASH])
{
    const struct suite_info *s = suite_find(suite);
    if (!s || mbedtls_md(suite_md(s), data, len, out) != 0) return 0;
    return s->hash_len;
}

int tls13_handshake_traffic_secrets(uint16_t suite, const uint8_t *ecdhe, size_t ecdhe_len,
                                    const uint8_t *transcript_hash, size_t transcript_hash_len,
                                    uint8_t client[TLS13_MAX_HASH],
                                    uint8_t server[TLS13_MAX_HASH])
{
    uint8_t hs[TLS13_MAX_HASH];
    int rc = tls13_handshake_secrets(suite, ecdhe, ecdhe_len, transcript_hash,
                                     transcript_hash_len, client, server, hs);
    memset(hs, 0, sizeof hs);
    return rc;
}

/* Derive-Secret(secret, "derived", "") (§7.1): the salt of the next Extract. */
static int derived_salt(const struct suite_info *s, const uint8_t *secret, uint8_t out[TLS13_MAX_HASH])
{
    uint8_t empty_hash[TLS13_MAX_HASH];
    size_t h = s->hash_len;
    if (mbedtls_md(suite_md(s), NULL, 0, empty_hash) != 0) return TLS13_EINTERNAL;
    return tls13_hkdf_expand_label(h, secret, h, "derived", empty_hash, h, out, h);
}

int tls13_application_traffic_secret(uint16_t suite, const uint8_t *handshake_secret,
                                     const uint8_t *transcript_hash, int server,
                                     uint8_t out[TLS13_MAX_HASH])
{
    const struct suite_info *s = suite_find(suite);
    if (!s) return TLS13_ESUITE;
    size_t h = s->hash_len;
    uint8_t zeros[TLS13_MAX_HASH] = {0}, salt[TLS13_MAX_HASH], master[TLS13_MAX_HASH];
    int rc = TLS13_EINTERNAL;
    if (derived_salt(s, handshake_secret, salt) == 0 &&
        mbedtls_hkdf_extract(suite_md(s), salt, h, zeros, h, master) == 0 &&
        tls13_hkdf_expand_label(h, master, h, server ? "s ap traffic" : "c ap traffic",
                                transcript_hash, h, out, h) == 0)
        rc = TLS13_OK;
    memset(master, 0, sizeof master);
    return rc;
}

int tls13_finished_verify_data(uint16_t suite, const uint8_t *base_key,
                               const uint8_t *transcript_hash, uint8_t out[TLS13_MAX_HASH])
{
    const struct suite_info *s = suite_find(suite);
    if (!s) return TLS13_ESUITE;
    size_t h = s->hash_len;
    uint8_t key[TLS13_MAX_HASH];
    int rc = TLS13_EINTERNAL;
    if (tls13_hkdf_expand_label(h, base_key, h, "finished", NULL, 0, key, h) == 0 &&
        mbedtls_md_hmac(suite_md(s), key, h, transcript_hash, h, out) == 0)
        rc = TLS13_OK;
    memset(key, 0, sizeof key);
    return rc;
}

int tls13_handshake_secrets(uint16_t suite, const uint8_t *ecdhe, size_t ecdhe_len,
                            const uint8_t *transcript_hash, size_t transcript_hash_len,
                            uint8_t client[TLS13_MAX_HASH], uint8_t server[TLS13_MAX_HASH],
                            uint8_t hs_out[TLS13_MAX_HASH])
{
    const struct suite_info *s = suite_find(suite);
    if (!s) return TLS13_ESUITE;
    const mbedtls_md_info_t *md = suite_md(s);
    size_t h = s->hash_len;
    uint8_t zeros[TLS13_MAX_HASH] = {0}, early[TLS13_MAX_HASH], derived[TLS13_MAX_HASH];
    uint8_t hs[TLS13_MAX_HASH], empty_hash[TLS13_MAX_HASH];
    int rc = TLS13_EINTERNAL;
    if (transcript_hash_len != h) return TLS13_EINTERNAL;
    /* §7.1: with no PSK the IKM of the Early Secret is a string of Hash.length zeros */
    if (mbedtls_hkdf_extract(md, zeros, h, zeros, h, early) == 0 &&
        mbedtls_md(md, NULL, 0, empty_hash) == 0 &&
        tls13_hkdf_expand_label(h, early, h, "derived", empty_hash, h, derived, h) == 0 &&
        mbedtls_hkdf_extract(md, derived, h, ecdhe, ecdhe_len, hs) == 0 &&
        tls13_hkdf_expand_label(h, hs, h, "c hs traffic", transcript_hash, h, client, h) == 0 &&
        tls13_hkdf_expand_label(h, hs, h, "s hs traffic", transcript_hash, h, server, h) == 0) {
        memcpy(hs_out, hs, h);
        rc = TLS13_OK;
    }
    memset(early, 0, sizeof early);
    memset(derived, 0, sizeof derived);
    memset(hs, 0, sizeof hs);
    return rc;
}

int tls13_hkdf_extract_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                              size_t ikm_len, uint8_t prk[32])
{
    return mbedtls_hkdf_extract(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt, salt_len,
                                ikm, ikm_len, prk) == 0
               ? TLS13_OK
               : TLS13_EINTERNAL;
}

struct tls13_traffic *tls13_traffic_new(uint16_t suite, const uint8_t *secret, size_t secret_len,
                                        char *err, size_t errlen)
{
    return traffic_new(suite, secret, secret_len, "key", "iv", 0, err, errlen);
}

struct tls13_traffic *tls13_traffic_new_sealer(uint16_t suite, const uint8_t *secret,
                                               size_t secret_len, char *err, size_t errlen)
{
    return traffic_new(suite, secret, secret_len, "key", "iv", 1, err, errlen);
}

struct tls13_traffic *tls13_traffic_new_quic(uint16_t suite, const uint8_t *secret,
                                             size_t secret_len, int quic_version2, uint8_t *hp,
                                             size_t *hp_len, char *err, size_t errlen)
{
    struct tls13_traffic *t = traffic_new(suite, secret, secret_len,
                                          quic_version2 ? "quicv2 key" : "quic key",
                                          quic_version2 ? "quicv2 iv" : "quic iv", 0, err,
                                          errlen);
    if (!t) return NULL;
    *hp_len = t->suite->key_len;
    if (tls13_hkdf_expand_label(t->suite->hash_len, secret, secret_len,
                                quic_version2 ? "quicv2 hp" : "quic hp", NULL, 0, hp,
                                *hp_len) != 0) {
        snprintf(err, errlen, "mbedTLS could not derive the header protection key");
        tls13_traffic_free(t);
        return NULL;
    }
    return t;
}

int tls13_aead_open(struct tls13_traffic *t, uint64_t seq, const uint8_t *aad, size_t aad_len,
                    const uint8_t *ct, size_t ct_len, uint8_t *out, size_t *out_len)
{
    uint8_t nonce[TLS13_IV_LEN];
    int rc;
    *out_len = 0;
    if (ct_len < t->suite->tag_len) return TLS13_EFORMAT;
    make_nonce(t, seq, nonce);
    rc = mbedtls_cipher_auth_decrypt_ext(&t->aead, nonce, TLS13_IV_LEN, aad, aad_len, ct, ct_len,
                                         out, ct_len, out_len, t->suite->tag_len);
    if (rc == MBEDTLS_ERR_CIPHER_AUTH_FAILED) return TLS13_EAUTH;
    return rc == 0 ? TLS13_OK : TLS13_EINTERNAL;
}

int tls13_hp_mask(uint16_t suite, const uint8_t *hp, size_t hp_len, const uint8_t sample[16],
                  uint8_t mask[5])
{
    uint8_t block[64];
    int rc;
    if (suite == 0x1303) {
        /* RFC 9001 §5.4.4: counter = sample[0..3] (little-endian), nonce = sample[4..15],
         * mask = ChaCha20(hp, counter, nonce, {0,0,0,0,0}) */
        static const uint8_t zeros[5];
        uint32_t counter = (uint32_t)sample[0] | (uint32_t)sample[1] << 8 |
                           (uint32_t)sample[2] << 16 | (uint32_t)sample[3] << 24;
        if (hp_len != 32) return TLS13_EINTERNAL;
        rc = mbedtls_chacha20_crypt(hp, sample + 4, counter, 5, zeros, mask);
        return rc == 0 ? TLS13_OK : TLS13_EINTERNAL;
    }
    /* §5.4.3: mask = AES-ECB(hp_key, sample) */
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    rc = mbedtls_aes_setkey_enc(&aes, hp, (unsigned)hp_len * 8);
    if (rc == 0) rc = mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, sample, block);
    mbedtls_aes_free(&aes);
    if (rc != 0) return TLS13_EINTERNAL;
    memcpy(mask, block, 5);
    return TLS13_OK;
}

static struct tls13_traffic *traffic_new(uint16_t suite, const uint8_t *secret,
                                         size_t secret_len, const char *key_label,
                                         const char *iv_label, int sealer, char *err,
                                         size_t errlen)
{
    const struct suite_info *s = suite_find(suite);
    uint8_t key[32];
    struct tls13_traffic *t;
    if (!s) {
        snprintf(err, errlen, "cipher suite 0x%04x is not a TLS 1.3 suite", suite);
        return NULL;
    }
    if (secret_len != s->hash_len) {
        snprintf(err, errlen, "key log secret is %zu bytes, %s needs %u", secret_len, s->name,
                 s->hash_len);
        return NULL;
    }
    t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->suite = s;
    t->sealer = sealer;
    mbedtls_cipher_init(&t->aead);
    /* §7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length),
     *       [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length) */
    if (tls13_hkdf_expand_label(s->hash_len, secret, secret_len, key_label, NULL, 0, key,
                                s->key_len) != 0 ||
        tls13_hkdf_expand_label(s->hash_len, secret, secret_len, iv_label, NULL, 0, t->iv,
                                TLS13_IV_LEN) != 0 ||
        mbedtls_cipher_setup(&t->aead, mbedtls_cipher_info_from_type(s->cipher)) != 0 ||
        mbedtls_cipher_setkey(&t->aead, key, s->key_len * 8,
                              sealer ? MBEDTLS_ENCRYPT : MBEDTLS_DECRYPT) != 0) {
        snprintf(err, errlen, "mbedTLS could not set up %s", s->name);
        memset(key, 0, sizeof key);
        tls13_traffic_free(t);
        return NULL;
    }
    memset(key, 0, sizeof key);
    return t;
}

void tls13_traffic_free(struct tls13_traffic *t)
{
    if (!t) return;
    mbedtls_cipher_free(&t->aead);
    memset(t, 0, sizeof *t);
    free(t);
}

uint64_t tls13_traffic_seq(const struct tls13_traffic *t) { return t->seq; }

int tls13_record_open(struct tls13_traffic *t, const uint8_t hdr[5], const uint8_t *ct,
                      size_t ct_len, uint8_t *out, size_t *out_len, uint8_t *inner_type)
{
    uint8_t nonce[TLS13_IV_LEN];
    size_t olen = 0;
    uint64_t seq = t->seq++;
    int rc;
    *out_len = 0;
    /* §5.2: the ciphertext is at most 2^14 + 256 bytes, tag included */
    if (ct_len < t->suite->tag_len || ct_len - t->suite->tag_len > TLS13_MAX_PLAIN)
        return TLS13_EFORMAT;
    make_nonce(t, seq, nonce);
    rc = mbedtls_cipher_auth_decrypt_ext(&t->aead, nonce, TLS13_IV_LEN, hdr, 5, ct, ct_len, out,
                                         TLS13_MAX_PLAIN, &olen, t->suite->tag_len);
    if (rc == MBEDTLS_ERR_CIPHER_AUTH_FAILED) return TLS13_EAUTH;
    if (rc != 0) return TLS13_EINTERNAL;
    /* §5.4: TLSInnerPlaintext = content || ContentType type || zeros; the
     * type is the last non-zero byte */
    while (olen > 0 && out[olen - 1] == 0) olen--;
    if (olen == 0) return TLS13_EFORMAT;
    *inner_type = out[olen - 1];
    *out_len = olen - 1;
    return TLS13_OK;
}

int tls13_record_seal(struct tls13_traffic *t, uint8_t type, const uint8_t *plain, size_t len,
                      uint8_t *out, size_t cap)
{
    uint8_t nonce[TLS13_IV_LEN];
    size_t inner_len = len + 1, body = inner_len + t->suite->tag_len, olen = 0;
    uint64_t seq;
    if (!t->sealer) return TLS13_EINTERNAL;
    if (len > 16384u || cap < 5 + body) return TLS13_EFORMAT;
    uint8_t *inner = malloc(inner_len);
    if (!inner) return TLS13_EINTERNAL;
    memcpy(inner, plain, len);
    inner[len] = type;
    out[0] = 23; /* opaque_type: application_data (§5.2) */
    out[1] = 0x03;
    out[2] = 0x03;
    out[3] = (uint8_t)(body >> 8);
    out[4] = (uint8_t)body;
    seq = t->seq++;
    make_nonce(t, seq, nonce);
    int rc = mbedtls_cipher_auth_encrypt_ext(&t->aead, nonce, TLS13_IV_LEN, out, 5, inner,
                                             inner_len, out + 5, cap - 5, &olen,
                                             t->suite->tag_len);
    free(inner);
    if (rc != 0 || olen != body) return TLS13_EINTERNAL;
    return (int)(5 + body);
}
