/* tls12auth.c — see tls12auth.h. */
#include "tls12auth.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/gcm.h>
#include <mbedtls/md.h>

struct tls12auth {
    uint16_t suite;
    bool sha384;                  /* the suite's PRF hash (RFC 5288 §3) */
    size_t key_len;               /* AES-128 or AES-256 */
    mbedtls_md_context_t h256, h384; /* handshake messages, both hashes: the
                                      * CertificateVerify's may differ from the PRF's */
    bool hashes_ok;
    uint8_t ms[48];
    mbedtls_gcm_context gcm;
    uint8_t salt[4];              /* client_write_IV: the implicit nonce part */
    uint64_t seq;
    bool sealing;
};

bool t12_suite_ok(uint16_t suite)
{
    return suite == 0xc02b || suite == 0xc02c || suite == 0xc02f || suite == 0xc030;
}

struct tls12auth *t12_new(uint16_t suite, const uint8_t *messages, size_t len)
{
    if (!t12_suite_ok(suite)) return NULL;
    struct tls12auth *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->suite = suite;
    t->sha384 = suite == 0xc02c || suite == 0xc030;
    t->key_len = t->sha384 ? 32 : 16;
    mbedtls_md_init(&t->h256);
    mbedtls_md_init(&t->h384);
    mbedtls_gcm_init(&t->gcm);
    t->hashes_ok = mbedtls_md_setup(&t->h256, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 0) == 0 &&
                   mbedtls_md_setup(&t->h384, mbedtls_md_info_from_type(MBEDTLS_MD_SHA384), 0) == 0 &&
                   mbedtls_md_starts(&t->h256) == 0 && mbedtls_md_starts(&t->h384) == 0;
    if (!t->hashes_ok) {
        t12_free(t);
        return NULL;
    }
    t12_add(t, messages, len);
    return t;
}

void t12_free(struct tls12auth *t)
{
    if (!t) return;
    mbedtls_md_free(&t->h256);
    mbedtls_md_free(&t->h384);
    mbedtls_gcm_free(&t->gcm);
    memset(t->ms, 0, sizeof t->ms);
    free(t);
}

void t12_add(struct tls12auth *t, const uint8_t *msg, size_t len)
{
    if (mbedtls_md_update(&t->h256, msg, len) != 0 || mbedtls_md_update(&t->h384, msg, len) != 0)
        t->hashes_ok = false;
}

int t12_hash(struct tls12auth *t, bool sha384, uint8_t out[48], size_t *len)
{
    mbedtls_md_context_t copy;
    const mbedtls_md_context_t *src = sha384 ? &t->h384 : &t->h256;
    mbedtls_md_init(&copy);
    int rc = t->hashes_ok && mbedtls_md_setup(&copy, mbedtls_md_info_from_type(sha384 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256), 0) == 0 &&
                     mbedtls_md_clone(&copy, src) == 0 && mbedtls_md_finish(&copy, out) == 0
                 ? 0
                 : -1;
    mbedtls_md_free(&copy);
    *len = sha384 ? 48 : 32;
    return rc;
}

/* RFC 5246 §5: PRF(secret, label, seed) = P_hash(secret, label + seed),
 * P_hash the HMAC chain A(i) = HMAC(secret, A(i-1)), output HMAC(secret,
 * A(i) + label + seed), with the suite's hash. On mbedTLS's HMAC (the probe
 * links libmbedcrypto only). */
static int prf(const struct tls12auth *t, const uint8_t *secret, size_t slen, const char *label,
               const uint8_t *seed, size_t seed_len, uint8_t *out, size_t n)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(t->sha384 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256);
    size_t hl = mbedtls_md_get_size(md), ll = strlen(label);
    uint8_t ls[64 + 64], a[48], block[48];
    if (ll + seed_len > sizeof ls) return -1;
    memcpy(ls, label, ll);
    memcpy(ls + ll, seed, seed_len);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = mbedtls_md_setup(&ctx, md, 1) != 0 || mbedtls_md_hmac(md, secret, slen, ls, ll + seed_len, a) != 0;
    for (size_t done = 0; !rc && done < n; done += hl) {
        rc = mbedtls_md_hmac_starts(&ctx, secret, slen) || mbedtls_md_hmac_update(&ctx, a, hl) ||
             mbedtls_md_hmac_update(&ctx, ls, ll + seed_len) || mbedtls_md_hmac_finish(&ctx, block) ||
             mbedtls_md_hmac(md, secret, slen, a, hl, a);
        memcpy(out + done, block, n - done < hl ? n - done : hl);
    }
    mbedtls_md_free(&ctx);
    memset(block, 0, sizeof block);
    return rc ? -1 : 0;
}

int t12_keys(struct tls12auth *t, const uint8_t *pms, size_t pms_len, bool ems,
             const uint8_t client_random[32], const uint8_t server_random[32])
{
    uint8_t seed[64];
    int rc;
    if (ems) { /* RFC 7627 §4: the session hash instead of the randoms */
        size_t hl;
        if (t12_hash(t, t->sha384, seed, &hl) != 0) return -1;
        rc = prf(t, pms, pms_len, "extended master secret", seed, hl, t->ms, 48);
    } else { /* RFC 5246 §8.1 */
        memcpy(seed, client_random, 32);
        memcpy(seed + 32, server_random, 32);
        rc = prf(t, pms, pms_len, "master secret", seed, 64, t->ms, 48);
    }
    if (rc != 0) return -1;
    /* RFC 5246 §6.3 key_block: client_write_key, server_write_key,
     * client_write_IV, server_write_IV (4 bytes each for GCM, RFC 5288 §3) */
    uint8_t kb[2 * 32 + 2 * 4];
    memcpy(seed, server_random, 32);
    memcpy(seed + 32, client_random, 32);
    if (prf(t, t->ms, 48, "key expansion", seed, 64, kb, 2 * t->key_len + 8) != 0) return -1;
    memcpy(t->salt, kb + 2 * t->key_len, 4);
    rc = mbedtls_gcm_setkey(&t->gcm, MBEDTLS_CIPHER_ID_AES, kb, (unsigned)(t->key_len * 8));
    memset(kb, 0, sizeof kb);
    return rc == 0 ? 0 : -1;
}

int t12_finished(struct tls12auth *t, uint8_t out[T12_VERIFY_LEN])
{
    uint8_t h[48];
    size_t hl;
    if (t12_hash(t, t->sha384, h, &hl) != 0) return -1;
    return prf(t, t->ms, 48, "client finished", h, hl, out, T12_VERIFY_LEN);
}

int t12_seal(struct tls12auth *t, uint8_t type, const uint8_t *plain, size_t len, uint8_t *out,
             size_t cap)
{
    if (len > 16384 || cap < 5 + 8 + len + 16) return -1;
    /* RFC 5288 §3: nonce = salt || explicit part (the sequence number,
     * sent); additional data = seq || type || version || plaintext length
     * (RFC 5246 §6.2.3.3) */
    uint8_t nonce[12], aad[13];
    memcpy(nonce, t->salt, 4);
    for (int i = 0; i < 8; i++) nonce[4 + i] = aad[i] = (uint8_t)(t->seq >> (56 - 8 * i));
    aad[8] = type;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (uint8_t)(len >> 8);
    aad[12] = (uint8_t)len;
    size_t rl = 8 + len + 16;
    out[0] = type;
    out[1] = 3;
    out[2] = 3;
    out[3] = (uint8_t)(rl >> 8);
    out[4] = (uint8_t)rl;
    memcpy(out + 5, nonce + 4, 8);
    if (mbedtls_gcm_crypt_and_tag(&t->gcm, MBEDTLS_GCM_ENCRYPT, len, nonce, 12, aad, 13, plain,
                                  out + 13, 16, out + 13 + len) != 0)
        return -1;
    t->seq++;
    t->sealing = true;
    return (int)(5 + rl);
}

bool t12_sealing(const struct tls12auth *t) { return t && t->sealing; }
