/* identity.h — the client certificate the probe presents with --cert and
 * --key (Expressway-C's own certificate, to see whether a server that asks
 * for one accepts it): the chain as PEM (leaf first, then its issuers) and
 * the private key (PEM or DER, unencrypted), both read through mbedTLS.
 *
 * Signing is TLS 1.3's CertificateVerify (RFC 8446 §4.4.3): ECDSA keys on
 * P-256 / P-384 sign with ecdsa_secp256r1_sha256 / ecdsa_secp384r1_sha384,
 * RSA keys with rsa_pss_rsae_sha256 (salt = hash length, §4.2.3), which is
 * what OpenSSL 1.1.1 chooses for such keys when the server allows it.
 *
 * Caps: IDENTITY_MAX_CERTS certificates, IDENTITY_MAX_FILE bytes per file.
 * mbedTLS types stay inside identity.c.
 */
#ifndef TLSSCOPE_PROBE_IDENTITY_H
#define TLSSCOPE_PROBE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDENTITY_MAX_CERTS 10
#define IDENTITY_MAX_FILE (1u << 20)
#define IDENTITY_MAX_SIG 1024 /* RSA-8192 */

struct probe_identity;

/* NULL with one line in err (unreadable, no certificate, key does not
 * parse, key does not match the leaf, unsupported key type). */
struct probe_identity *identity_load(const char *cert_path, const char *key_path, char *err,
                                     size_t errlen);
void identity_free(struct probe_identity *id);

int identity_n_certs(const struct probe_identity *id);
const uint8_t *identity_cert(const struct probe_identity *id, int i, size_t *len);
/* The SignatureScheme it signs with (0x0403, 0x0503, 0x0804). */
uint16_t identity_scheme(const struct probe_identity *id);
/* Sign the TLS 1.3 client CertificateVerify content for transcript_hash
 * (§4.4.3: 64 spaces, "TLS 1.3, client CertificateVerify", 0, the hash).
 * The signature into sig (IDENTITY_MAX_SIG), its length in *sig_len. 0/-1. */
int identity_sign13(struct probe_identity *id, const uint8_t *transcript_hash, size_t hash_len,
                    uint8_t *sig, size_t *sig_len);

/* TLS 1.2 CertificateVerify (RFC 5246 §7.4.8): the signature, with the
 * same scheme (identity_scheme: PSS for RSA, RFC 8446 §4.2.3 allows it in
 * 1.2), over digest = the hash of the handshake messages so far with the
 * scheme's hash (identity_sha384 says which). */
int identity_sign12(struct probe_identity *id, const uint8_t *digest, size_t digest_len, uint8_t *sig,
                    size_t *sig_len);
bool identity_sha384(const struct probe_identity *id);

#endif
