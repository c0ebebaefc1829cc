/* keysched.c — TLS 1.3 key exchange for the probe (see keysched.h), through
 * mbedTLS 2.28; the key schedule and the record protection are the
 * dissector's (dissect/tls13_decrypt.c), so the capture path and the probe
 * derive and open records with the same code. */
#include "keysched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>

#include "dissect/tls13_decrypt.h"

struct keysched {
    uint16_t group;
    mbedtls_ecp_group grp;
    mbedtls_mpi d;         /* our private key */
    mbedtls_ecp_point q;   /* our public key */
    size_t hash_len;
    uint8_t secret[2][KS_MAX_HASH]; /* handshake traffic secrets: [0] client, [1] server */
    uint8_t hs_secret[KS_MAX_HASH]; /* the Handshake Secret, for the application secrets */
    uint8_t client_ap[KS_MAX_HASH]; /* client application traffic secret (after its Finished) */
    uint16_t suite;
    mbedtls_md_context_t th;        /* running transcript hash, from the ClientHello on */
    bool th_ok;
    struct tls13_traffic *seal;     /* our records, client handshake key */
    struct tls13_traffic *open;     /* the server's records, server handshake key */
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
    mbedtls_md_init(&k->th);
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
    tls13_traffic_free(k->seal);
    tls13_traffic_free(k->open);
    mbedtls_md_free(&k->th);
    memset(k->secret, 0, sizeof k->secret);
    memset(k->hs_secret, 0, sizeof k->hs_secret);
    memset(k->client_ap, 0, sizeof k->client_ap);
    free(k);
}

/* 1.1.1 offers the three default TLS 1.3 suites only (its ciphersuites
 * setting); a server choosing another one is answered with an error. */
static bool offered(uint16_t suite) { return suite >= 0x1301 && suite <= 0x1303; }

size_t ks_hash(uint16_t suite, const uint8_t *data, size_t len, uint8_t out[KS_MAX_HASH])
{
    return offered(suite) ? tls13_transcript_hash(suite, data, len, out) : 0;
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

int ks_ecdh(struct keysched *k, const uint8_t *point, size_t len, uint8_t *z, size_t *z_len)
{
    return shared_secret(k, point, len, z, z_len);
}

int ks_handshake(struct keysched *k, uint16_t suite, const uint8_t *share, size_t share_len,
                 const uint8_t *transcript, size_t transcript_len, const uint8_t *messages,
                 size_t messages_len, char *err, size_t errlen)
{
    size_t h = tls13_suite_hash_len(suite);
    if (!offered(suite)) {
        snprintf(err, errlen, "server chose TLS 1.3 suite 0x%04x, which was not offered", suite);
        return -1;
    }
    if (transcript_len != h) {
        snprintf(err, errlen, "internal: transcript hash length");
        return -1;
    }
    uint8_t z[66];
    size_t zl;
    if (shared_secret(k, share, share_len, z, &zl) != 0) {
        snprintf(err, errlen, "server key share is not a valid point of group 0x%04x", k->group);
        return -1;
    }
    int rc = tls13_handshake_secrets(suite, z, zl, transcript, transcript_len, k->secret[0],
                                     k->secret[1], k->hs_secret);
    memset(z, 0, sizeof z);
    if (rc != TLS13_OK) {
        snprintf(err, errlen, "key schedule failed");
        return -1;
    }
    tls13_traffic_free(k->seal);
    tls13_traffic_free(k->open);
    k->seal = tls13_traffic_new_sealer(suite, k->secret[0], h, err, errlen);
    k->open = tls13_traffic_new(suite, k->secret[1], h, err, errlen);
    if (!k->seal || !k->open) return -1;
    /* the running transcript goes on from ClientHello..ServerHello (§4.4.1) */
    mbedtls_md_free(&k->th);
    mbedtls_md_init(&k->th);
    k->th_ok = mbedtls_md_setup(&k->th, mbedtls_md_info_from_type(h == 48 ? MBEDTLS_MD_SHA384
                                                                           : MBEDTLS_MD_SHA256),
                                0) == 0 &&
               mbedtls_md_starts(&k->th) == 0 && mbedtls_md_update(&k->th, messages, messages_len) == 0;
    k->suite = suite;
    k->hash_len = h;
    k->ready = true;
    return 0;
}

void ks_transcript_add(struct keysched *k, const uint8_t *msg, size_t len)
{
    if (k->th_ok && mbedtls_md_update(&k->th, msg, len) != 0) k->th_ok = false;
}

static int transcript_now(struct keysched *k, uint8_t out[KS_MAX_HASH])
{
    mbedtls_md_context_t copy;
    mbedtls_md_init(&copy);
    int rc = k->th_ok && mbedtls_md_setup(&copy, k->th.md_info, 0) == 0 &&
                     mbedtls_md_clone(&copy, &k->th) == 0 && mbedtls_md_finish(&copy, out) == 0
                 ? 0
                 : -1;
    mbedtls_md_free(&copy);
    return rc;
}

int ks_transcript_hash(struct keysched *k, uint8_t out[KS_MAX_HASH])
{
    return k->ready ? transcript_now(k, out) : -1;
}

int ks_server_application_keys(struct keysched *k)
{
    uint8_t th[KS_MAX_HASH], secret[KS_MAX_HASH];
    char err[96];
    if (!k->ready || transcript_now(k, th) != 0 ||
        tls13_application_traffic_secret(k->suite, k->hs_secret, th, 1, secret) != TLS13_OK ||
        tls13_application_traffic_secret(k->suite, k->hs_secret, th, 0, k->client_ap) != TLS13_OK)
        return -1;
    tls13_traffic_free(k->open);
    k->open = tls13_traffic_new(k->suite, secret, k->hash_len, err, sizeof err);
    memset(secret, 0, sizeof secret);
    return k->open ? 0 : -1;
}

int ks_client_application_key(struct keysched *k)
{
    char err[96];
    struct tls13_traffic *t = tls13_traffic_new_sealer(k->suite, k->client_ap, k->hash_len, err, sizeof err);
    if (!t) return -1;
    tls13_traffic_free(k->seal);
    k->seal = t;
    return 0;
}

int ks_client_finished(struct keysched *k, uint8_t out[KS_MAX_HASH], size_t *len)
{
    uint8_t th[KS_MAX_HASH];
    if (!k->ready || transcript_now(k, th) != 0 ||
        tls13_finished_verify_data(k->suite, k->secret[0], th, out) != TLS13_OK)
        return -1;
    *len = k->hash_len;
    return 0;
}

int ks_rng(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    return ks_random(out, n) == 0 ? 0 : -1;
}

const uint8_t *ks_secret(const struct keysched *k, int server, size_t *len)
{
    if (!k->ready) return NULL;
    *len = k->hash_len;
    return k->secret[server ? 1 : 0];
}

int ks_open(struct keysched *k, const uint8_t hdr[5], const uint8_t *ct, size_t ct_len,
            uint8_t *out, size_t *out_len, uint8_t *type)
{
    if (!k->ready) return -1;
    return tls13_record_open(k->open, hdr, ct, ct_len, out, out_len, type) == TLS13_OK ? 0 : -1;
}

int ks_seal(struct keysched *k, uint8_t type, const uint8_t *plain, size_t len, uint8_t *out,
            size_t cap)
{
    if (!k->ready) return -1;
    int n = tls13_record_seal(k->seal, type, plain, len, out, cap);
    return n > 0 ? n : -1;
}
