/* identity.c — the probe's client certificate and its signatures (identity.h). */
#include "identity.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "keysched.h"

_Static_assert(IDENTITY_MAX_SIG >= MBEDTLS_PK_SIGNATURE_MAX_SIZE, "mbedtls_pk_sign writes up to this");

struct probe_identity {
    uint8_t *der[IDENTITY_MAX_CERTS];
    size_t len[IDENTITY_MAX_CERTS];
    int n;
    mbedtls_pk_context key;
    uint16_t scheme;
    mbedtls_md_type_t md;
};

static uint8_t *read_file(const char *path, size_t *len, char *err, size_t errlen, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s: cannot open", what, path);
        return NULL;
    }
    uint8_t *buf = malloc(IDENTITY_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, IDENTITY_MAX_FILE + 1, f) : 0;
    fclose(f);
    if (!buf || n > IDENTITY_MAX_FILE) {
        snprintf(err, errlen, "%s: %s: %s", what, path, buf ? "larger than 1 MiB" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0'; /* mbedTLS's PEM readers want a NUL-terminated text */
    *len = n;
    return buf;
}

/* Every "CERTIFICATE" PEM block of the file, in order. */
static int read_chain(struct probe_identity *id, const char *path, char *err, size_t errlen)
{
    size_t n;
    uint8_t *text = read_file(path, &n, err, errlen, "--cert");
    if (!text) return -1;
    size_t off = 0;
    int rc = 0;
    while (off < n) {
        mbedtls_pem_context pem;
        size_t used = 0;
        mbedtls_pem_init(&pem);
        int r = mbedtls_pem_read_buffer(&pem, "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----",
                                        text + off, NULL, 0, &used);
        if (r == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT) {
            mbedtls_pem_free(&pem);
            break;
        }
        if (r != 0 || id->n == IDENTITY_MAX_CERTS) {
            snprintf(err, errlen, "--cert: %s: %s", path,
                     r != 0 ? "a CERTIFICATE block does not decode" : "more than 10 certificates");
            mbedtls_pem_free(&pem);
            rc = -1;
            break;
        }
        size_t dl = pem.buflen; /* mbedTLS 2.28: the decoded DER (no accessor yet) */
        const unsigned char *d = pem.buf;
        id->der[id->n] = malloc(dl ? dl : 1);
        if (!id->der[id->n]) {
            mbedtls_pem_free(&pem);
            rc = -1;
            snprintf(err, errlen, "out of memory");
            break;
        }
        memcpy(id->der[id->n], d, dl);
        id->len[id->n++] = dl;
        mbedtls_pem_free(&pem);
        off += used;
    }
    free(text);
    if (rc == 0 && id->n == 0) {
        snprintf(err, errlen, "--cert: %s: no PEM certificate", path);
        rc = -1;
    }
    return rc;
}

struct probe_identity *identity_load(const char *cert_path, const char *key_path, char *err,
                                     size_t errlen)
{
    struct probe_identity *id = calloc(1, sizeof(*id));
    if (!id) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    mbedtls_pk_init(&id->key);
    if (read_chain(id, cert_path, err, errlen) != 0) goto fail;
    size_t kn;
    uint8_t *ktext = read_file(key_path, &kn, err, errlen, "--key");
    if (!ktext) goto fail;
    /* PEM needs the terminating NUL counted; DER is taken as it is */
    int r = mbedtls_pk_parse_key(&id->key, ktext, kn + (strstr((char *)ktext, "-----BEGIN") ? 1 : 0),
                                 NULL, 0);
    memset(ktext, 0, kn);
    free(ktext);
    if (r != 0) {
        snprintf(err, errlen, "--key: %s: not an unencrypted private key mbedTLS can read", key_path);
        goto fail;
    }
    /* The key must be the leaf's: its SubjectPublicKeyInfo, as mbedTLS
     * writes it (DER, so byte-exact), occurs in the leaf certificate. */
    bool match = false;
    uint8_t pub[2600]; /* an RSA-16384 SubjectPublicKeyInfo fits */
    int pl = mbedtls_pk_write_pubkey_der(&id->key, pub, sizeof(pub)); /* written at the end */
    if (pl > 0) {
        const uint8_t *spki = pub + sizeof(pub) - pl;
        for (size_t i = 0; i + (size_t)pl <= id->len[0] && !match; i++)
            match = memcmp(id->der[0] + i, spki, (size_t)pl) == 0;
    }
    if (!match) {
        snprintf(err, errlen, "--key: %s is not the key of the first certificate in %s", key_path, cert_path);
        goto fail;
    }
    if (mbedtls_pk_get_type(&id->key) == MBEDTLS_PK_ECKEY) {
        mbedtls_ecp_group_id g = mbedtls_pk_ec(id->key)->grp.id;
        if (g == MBEDTLS_ECP_DP_SECP256R1) id->scheme = 0x0403, id->md = MBEDTLS_MD_SHA256;
        else if (g == MBEDTLS_ECP_DP_SECP384R1) id->scheme = 0x0503, id->md = MBEDTLS_MD_SHA384;
    } else if (mbedtls_pk_get_type(&id->key) == MBEDTLS_PK_RSA) {
        id->scheme = 0x0804;
        id->md = MBEDTLS_MD_SHA256;
        mbedtls_rsa_set_padding(mbedtls_pk_rsa(id->key), MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
    }
    if (!id->scheme) {
        snprintf(err, errlen, "--key: %s: only RSA, P-256 and P-384 keys can sign a TLS 1.3 "
                 "CertificateVerify here", key_path);
        goto fail;
    }
    return id;
fail:
    identity_free(id);
    return NULL;
}

void identity_free(struct probe_identity *id)
{
    if (!id) return;
    for (int i = 0; i < id->n; i++) free(id->der[i]);
    mbedtls_pk_free(&id->key);
    free(id);
}

int identity_n_certs(const struct probe_identity *id) { return id->n; }

const uint8_t *identity_cert(const struct probe_identity *id, int i, size_t *len)
{
    if (i < 0 || i >= id->n) return NULL;
    *len = id->len[i];
    return id->der[i];
}

uint16_t identity_scheme(const struct probe_identity *id) { return id->scheme; }

int identity_sign13(struct probe_identity *id, const uint8_t *transcript_hash, size_t hash_len,
                    uint8_t *sig, size_t *sig_len)
{
    static const char context[] = "TLS 1.3, client CertificateVerify";
    uint8_t content[64 + sizeof(context) + 64], digest[64];
    size_t n = 0;
    if (hash_len > 64) return -1;
    memset(content, 0x20, 64);
    n = 64;
    memcpy(content + n, context, sizeof(context)); /* with its terminating 0 separator */
    n += sizeof(context);
    memcpy(content + n, transcript_hash, hash_len);
    n += hash_len;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(id->md);
    if (!md || mbedtls_md(md, content, n, digest) != 0) return -1;
    /* mbedTLS 2.28 signs PSS with the largest salt up to the hash length:
     * the hash length for any RSA key of 2048 bits or more (§4.2.3) */
    return mbedtls_pk_sign(&id->key, id->md, digest, mbedtls_md_get_size(md), sig, sig_len, ks_rng,
                           NULL) == 0 && *sig_len <= IDENTITY_MAX_SIG
               ? 0
               : -1;
}

int identity_sign12(struct probe_identity *id, const uint8_t *digest, size_t digest_len, uint8_t *sig,
                    size_t *sig_len)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(id->md);
    if (!md || digest_len != mbedtls_md_get_size(md)) return -1;
    return mbedtls_pk_sign(&id->key, id->md, digest, digest_len, sig, sig_len, ks_rng, NULL) == 0 &&
                   *sig_len <= IDENTITY_MAX_SIG
               ? 0
               : -1;
}

bool identity_sha384(const struct probe_identity *id) { return id->md == MBEDTLS_MD_SHA384; }
