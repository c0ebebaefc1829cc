/* keysched.c — TLS 1.3 key exchange, handshake key schedule and record
 * protection for the probe (see keysched.h), all through mbedTLS 2.28. */
#include "keysched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/chachapoly.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

struct dir_keys {
    uint8_t secret[KS_MAX_HASH];
    uint8_t key[32];
    uint8_t iv[12];
    uint64_t seq;          /* RFC 8446 §5.3: per direction, from 0 for each key */
};

struct keysched {
    uint16_t group, suite;
    mbedtls_ecp_group grp;
    mbedtls_mpi d;         /* our private key */
    mbedtls_ecp_point q;   /* our public key */
    size_t hash_len, key_len;
    struct dir_keys dir[2]; /* [0] client, [1] server */
    bool ready;
};

/* One DRBG for the process: the probe is single-threaded. */
static mbedtls_entropy_context g_entropy;
static mbedtls_ctr_drbg_context g_drbg;
static bool g_drbg_ok;

static int drbg(void)
{
    if (g_drbg_ok) return 0;
    mbedtls_entropy_init(&g_entropy);
    mbedtls_ctr_drbg_init(&g_drbg);
    static const char pers[] = "tlsscope probe";
    if (mbedtls_ctr_drbg_seed(&g_drbg, mbedtls_entropy_func, &g_entropy, (const uint8_t *)pers,
                              sizeof(pers) - 1) != 0)
        return -1;
    g_drbg_ok = true;
    return 0;
}

int ks_random(uint8_t *out, size_t n)
{
    if (drbg() != 0) return -1;
    return mbedtls_ctr_drbg_random(&g_drbg, out, n) == 0 ? 0 : -1;
}

struct keysched *ks_new(uint16_t group, uint8_t *pub, size_t *pub_len)
{
    mbedtls_ecp_group_id id;
    if (group == 0x001d) id = MBEDTLS_ECP_DP_CURVE25519;
    else if (group == 0x0017) id = MBEDTLS_ECP_DP_SECP256R1;
    else return NULL;
    if (drbg() != 0) return NULL;
    struct keysched *k = calloc(1, sizeof(*k));
    if (!k) return NULL;
    k->group = group;
    mbedtls_ecp_group_init(&k->grp);
    mbedtls_mpi_init(&k->d);
    mbedtls_ecp_point_init(&k->q);
    if (mbedtls_ecp_group_load(&k->grp, id) != 0 ||
        mbedtls_ecdh_gen_public(&k->grp, &k->d, &k->q, mbedtls_ctr_drbg_random, &g_drbg) != 0 ||
        mbedtls_ecp_point_write_binary(&k->grp, &k->q, MBEDTLS_ECP_PF_UNCOMPRESSED, pub_len, pub,
                                       KS_MAX_SHARE) != 0) {
        ks_free(k);
        return NULL;
    }
    return k;
}

void ks_free(struct keysched *k)
{
    if (!k) return;
    mbedtls_ecp_group_free(&k->grp);
    mbedtls_mpi_free(&k->d);
    mbedtls_ecp_point_free(&k->q);
    free(k);
}

static const mbedtls_md_info_t *suite_md(uint16_t suite, size_t *key_len)
{
    switch (suite) {
    case 0x1301: *key_len = 16; return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    case 0x1302: *key_len = 32; return mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
    case 0x1303: *key_len = 32; return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    default: return NULL;
    }
}

size_t ks_hash(uint16_t suite, const uint8_t *data, size_t len, uint8_t out[KS_MAX_HASH])
{
    size_t kl;
    const mbedtls_md_info_t *md = suite_md(suite, &kl);
    if (!md || mbedtls_md(md, data, len, out) != 0) return 0;
    return mbedtls_md_get_size(md);
}

/* RFC 8446 §7.1 HKDF-Expand-Label(secret, "tls13 " + label, context, len) */
static int expand_label(const mbedtls_md_info_t *md, const uint8_t *secret, size_t secret_len,
                        const char *label, const uint8_t *ctx, size_t ctx_len, uint8_t *out,
                        size_t out_len)
{
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = 6 + strlen(label), n = 0;
    if (ll > 255 || ctx_len > 255) return -1;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)ll;
    memcpy(info + n, "tls13 ", 6);
    memcpy(info + n + 6, label, ll - 6);
    n += ll;
    info[n++] = (uint8_t)ctx_len;
    if (ctx_len) memcpy(info + n, ctx, ctx_len);
    n += ctx_len;
    return mbedtls_hkdf_expand(md, secret, secret_len, info, n, out, out_len) == 0 ? 0 : -1;
}

/* The shared secret: X25519 is little-endian 32 bytes (RFC 7748 §6.1),
 * P-256 the big-endian x coordinate (RFC 8446 §7.4.2). */
static int shared_secret(struct keysched *k, const uint8_t *share, size_t share_len, uint8_t *z,
                         size_t *z_len)
{
    mbedtls_ecp_point peer;
    mbedtls_mpi s;
    mbedtls_ecp_point_init(&peer);
    mbedtls_mpi_init(&s);
    int rc = -1;
    size_t len = (k->grp.pbits + 7) / 8;
    bool x25519 = k->group == 0x001d;
    if ((x25519 ? share_len == 32 : share_len == 65) &&
        mbedtls_ecp_point_read_binary(&k->grp, &peer, share, share_len) == 0 &&
        mbedtls_ecp_check_pubkey(&k->grp, &peer) == 0 &&
        mbedtls_ecdh_compute_shared(&k->grp, &s, &peer, &k->d, mbedtls_ctr_drbg_random, &g_drbg) == 0 &&
        (x25519 ? mbedtls_mpi_write_binary_le(&s, z, len) : mbedtls_mpi_write_binary(&s, z, len)) == 0) {
        *z_len = len;
        rc = 0;
    }
    mbedtls_ecp_point_free(&peer);
    mbedtls_mpi_free(&s);
    return rc;
}

int ks_handshake(struct keysched *k, uint16_t suite, const uint8_t *share, size_t share_len,
                 const uint8_t *transcript, size_t transcript_len, char *err, size_t errlen)
{
    size_t kl;
    const mbedtls_md_info_t *md = suite_md(suite, &kl);
    if (!md) {
        snprintf(err, errlen, "server chose TLS 1.3 suite 0x%04x, which was not offered", suite);
        return -1;
    }
    if (!transcript_len || transcript_len > KS_MAX_HASH) {
        snprintf(err, errlen, "internal: transcript hash length");
        return -1;
    }
    uint8_t z[66];
    size_t zl;
    if (shared_secret(k, share, share_len, z, &zl) != 0) {
        snprintf(err, errlen, "server key share is not a valid point of group 0x%04x", k->group);
        return -1;
    }
    size_t h = mbedtls_md_get_size(md);
    uint8_t zeros[KS_MAX_HASH] = {0}, early[KS_MAX_HASH], derived[KS_MAX_HASH], hs[KS_MAX_HASH];
    uint8_t empty_hash[KS_MAX_HASH];
    /* §7.1: Early Secret = HKDF-Extract(0, 0); Derive-Secret(., "derived", "");
     * Handshake Secret = HKDF-Extract(derived, (EC)DHE) */
    if (mbedtls_hkdf_extract(md, zeros, h, zeros, h, early) != 0 ||
        mbedtls_md(md, NULL, 0, empty_hash) != 0 ||
        expand_label(md, early, h, "derived", empty_hash, h, derived, h) != 0 ||
        mbedtls_hkdf_extract(md, derived, h, z, zl, hs) != 0) {
        snprintf(err, errlen, "key schedule failed");
        return -1;
    }
    static const char *const labels[2] = {"c hs traffic", "s hs traffic"};
    for (int i = 0; i < 2; i++) {
        struct dir_keys *d = &k->dir[i];
        /* §7.3 traffic keys */
        if (expand_label(md, hs, h, labels[i], transcript, transcript_len, d->secret, h) != 0 ||
            expand_label(md, d->secret, h, "key", NULL, 0, d->key, kl) != 0 ||
            expand_label(md, d->secret, h, "iv", NULL, 0, d->iv, 12) != 0) {
            snprintf(err, errlen, "key schedule failed");
            return -1;
        }
        d->seq = 0;
    }
    k->suite = suite;
    k->hash_len = h;
    k->key_len = kl;
    k->ready = true;
    return 0;
}

const uint8_t *ks_secret(const struct keysched *k, int server, size_t *len)
{
    if (!k->ready) return NULL;
    *len = k->hash_len;
    return k->dir[server ? 1 : 0].secret;
}

/* §5.3: the IV XOR the 64-bit sequence number, left-padded */
static void nonce(const struct dir_keys *d, uint8_t out[12])
{
    memcpy(out, d->iv, 12);
    for (int i = 0; i < 8; i++) out[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
}

/* AEAD over one record: encrypt (seal) or decrypt-and-verify (open). */
static int aead(struct keysched *k, struct dir_keys *d, bool seal, const uint8_t hdr[5],
                const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16])
{
    uint8_t iv[12];
    nonce(d, iv);
    d->seq++;
    int rc;
    if (k->suite == 0x1303) {
        mbedtls_chachapoly_context c;
        mbedtls_chachapoly_init(&c);
        rc = mbedtls_chachapoly_setkey(&c, d->key);
        if (rc == 0)
            rc = seal ? mbedtls_chachapoly_encrypt_and_tag(&c, len, iv, hdr, 5, in, out, tag)
                      : mbedtls_chachapoly_auth_decrypt(&c, len, iv, hdr, 5, tag, in, out);
        mbedtls_chachapoly_free(&c);
    } else {
        mbedtls_gcm_context g;
        mbedtls_gcm_init(&g);
        rc = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, d->key, (unsigned)(k->key_len * 8));
        if (rc == 0)
            rc = seal ? mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, iv, 12, hdr, 5, in, out,
                                                  16, tag)
                      : mbedtls_gcm_auth_decrypt(&g, len, iv, 12, hdr, 5, tag, 16, in, out);
        mbedtls_gcm_free(&g);
    }
    return rc == 0 ? 0 : -1;
}

int ks_open(struct keysched *k, const uint8_t hdr[5], const uint8_t *ct, size_t ct_len,
            uint8_t *out, size_t *out_len, uint8_t *type)
{
    if (!k->ready || ct_len < 17 || ct_len - 16 > KS_MAX_PLAIN) return -1;
    uint8_t tag[16];
    memcpy(tag, ct + ct_len - 16, 16);
    size_t n = ct_len - 16;
    if (aead(k, &k->dir[1], false, hdr, ct, n, out, tag) != 0) return -1;
    /* §5.4: strip the zero padding; the last non-zero byte is the type */
    while (n > 0 && out[n - 1] == 0) n--;
    if (n == 0) return -1;
    *type = out[n - 1];
    *out_len = n - 1;
    return 0;
}

int ks_seal(struct keysched *k, uint8_t type, const uint8_t *plain, size_t len, uint8_t *out,
            size_t cap)
{
    size_t body = len + 1 + 16;
    if (!k->ready || len > 256 || cap < 5 + body) return -1;
    uint8_t inner[257];
    memcpy(inner, plain, len);
    inner[len] = type;
    out[0] = 23; /* opaque_type application_data */
    out[1] = 0x03;
    out[2] = 0x03;
    out[3] = (uint8_t)(body >> 8);
    out[4] = (uint8_t)body;
    if (aead(k, &k->dir[0], true, out, inner, len + 1, out + 5, out + 5 + len + 1) != 0) return -1;
    return (int)(5 + body);
}
