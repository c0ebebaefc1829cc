/* keysched.h — the TLS 1.3 cryptography of one probe connection: the key
 * exchange (X25519 or P-256 ECDHE through mbedTLS, RFC 8446 §4.2.8), the
 * handshake part of the key schedule (§7.1) and the handshake records
 * (§5.2-5.3), both directions.
 *
 * The key exchange is the probe's own; the key schedule (§7.1) and the
 * record protection are dissect/tls13_decrypt.c's, the TLS 1.3 decryptor of
 * the capture path. The two handshake traffic secrets are also what the
 * probe writes to --keylog and into the pcapng's Decryption Secrets Block.
 *
 * mbedTLS types stay inside keysched.c.
 */
#ifndef TLSSCOPE_PROBE_KEYSCHED_H
#define TLSSCOPE_PROBE_KEYSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS_MAX_HASH 48
#define KS_MAX_SHARE 65          /* P-256 uncompressed point */
#define KS_MAX_PLAIN (16384 + 256) /* RFC 8446 §5.2 TLSInnerPlaintext bound (TLS13_MAX_PLAIN) */

struct keysched;

/* Random bytes from the process's DRBG (mbedTLS CTR_DRBG seeded from the
 * system's entropy). 0 or -1. */
int ks_random(uint8_t *out, size_t n);

/* A fresh key pair for group (0x001d X25519, 0x0017 secp256r1); the
 * public share as sent in a KeyShareEntry into pub (*pub_len bytes).
 * NULL on failure or an unsupported group. */
struct keysched *ks_new(uint16_t group, uint8_t *pub, size_t *pub_len);
void ks_free(struct keysched *k);

/* The ServerHello chose `suite` and sent its share: compute the shared
 * secret and the handshake traffic secrets with transcript_hash =
 * Hash(ClientHello...ServerHello), the suite's hash (§4.4.1). 0, or -1
 * with one line in err (bad share, unknown suite). */
int ks_handshake(struct keysched *k, uint16_t suite, const uint8_t *share, size_t share_len,
                 const uint8_t *transcript, size_t transcript_len, const uint8_t *messages,
                 size_t messages_len, char *err, size_t errlen);

/* A client that answers a CertificateRequest (RFC 8446 §4.4) needs the
 * transcript beyond the ServerHello: ks_handshake starts a running hash
 * from `messages` (ClientHello..ServerHello, as hashed into transcript);
 * every later handshake message, both sides', is added in order. */
/* TLS 1.2 ECDHE (RFC 8422 §5.10): the premaster secret from the server's
 * ServerKeyExchange point; z holds up to 32 bytes. */
int ks_ecdh(struct keysched *k, const uint8_t *point, size_t len, uint8_t *z, size_t *z_len);

void ks_transcript_add(struct keysched *k, const uint8_t *msg, size_t len);
/* Hash of the transcript so far (hash length as ks_secret's). 0 or -1. */
int ks_transcript_hash(struct keysched *k, uint8_t out[KS_MAX_HASH]);
/* After the server's Finished is added: the server's further records are
 * protected with its application traffic key (§7.1 "s ap traffic"); later
 * ks_open calls use it. 0 or -1. */
int ks_server_application_keys(struct keysched *k);
/* After the client's Finished is sent: its further records (the closing
 * alert) are sealed with its application traffic key. 0 or -1. */
int ks_client_application_key(struct keysched *k);
/* The client's Finished verify_data over the transcript so far (§4.4.4). */
int ks_client_finished(struct keysched *k, uint8_t out[KS_MAX_HASH], size_t *len);
/* mbedTLS's f_rng shape over ks_random, for signing. */
int ks_rng(void *ctx, unsigned char *out, size_t n);

/* Hash of the suite over data (the transcript); returns the length or 0. */
size_t ks_hash(uint16_t suite, const uint8_t *data, size_t len, uint8_t out[KS_MAX_HASH]);

/* [0] client, [1] server handshake traffic secret, after ks_handshake. */
const uint8_t *ks_secret(const struct keysched *k, int server, size_t *len);

/* Open the server's next protected record (header hdr, body ct): TLS13
 * inner plaintext without padding into out (KS_MAX_PLAIN), its real
 * content type in *type. 0, or -1 (tag did not verify, no content type). */
int ks_open(struct keysched *k, const uint8_t hdr[5], const uint8_t *ct, size_t ct_len,
            uint8_t *out, size_t *out_len, uint8_t *type);

/* Protect one client record of `type` with the client handshake key: the
 * whole record (header included) into out; returns its length or -1.
 * For the closing alert. */
int ks_seal(struct keysched *k, uint8_t type, const uint8_t *plain, size_t len, uint8_t *out,
            size_t cap);

#endif
