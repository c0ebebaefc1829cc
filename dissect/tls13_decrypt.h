/* tls13_decrypt.h — open TLS 1.3 protected records given a traffic secret
 * (RFC 8446 §5.2-5.3, §7.1, §7.3). Independent of the capture pipeline: the
 * record parser (record.c) uses it with key-log secrets, and the active probe
 * (probe/) uses it with the secrets of its own connection: the handshake
 * part of the key schedule and the sealing direction are here for the
 * probe, so there is one TLS 1.3 key schedule in the program.
 *
 *   struct tls13_traffic *t = tls13_traffic_new(0x1301, secret, 32, err, sizeof err);
 *   rc = tls13_record_open(t, hdr, ct, ct_len, plain, &plain_len, &inner_type);
 *
 * Each call opens the next record of that direction (the per-record nonce
 * is the IV XOR the record sequence number, §5.3); a record whose AEAD tag
 * does not verify yields TLS13_EAUTH and no plaintext (the sequence number
 * still moves on, as the sender's did).
 *
 * All cryptography is mbedTLS 2.28's (HKDF, GCM, CCM, ChaCha20-Poly1305);
 * this header keeps mbedTLS types out of its users.
 */
#ifndef TLSSCOPE_DISSECT_TLS13_DECRYPT_H
#define TLSSCOPE_DISSECT_TLS13_DECRYPT_H

#include <stddef.h>
#include <stdint.h>

#define TLS13_OK 0
#define TLS13_EAUTH (-1)    /* AEAD tag did not verify: wrong key, or bytes damaged */
#define TLS13_EFORMAT (-2)  /* record shorter than its tag, or no content type inside */
#define TLS13_ESUITE (-3)   /* not one of the five TLS 1.3 suites */
#define TLS13_EINTERNAL (-4)/* mbedTLS refused (out of memory, bad length) */

#define TLS13_MAX_PLAIN (16384u + 256u) /* RFC 8446 §5.2: TLSInnerPlaintext bound */

/* The hash of a TLS 1.3 suite (32 for SHA-256, 48 for SHA-384), 0 if unknown. */
size_t tls13_suite_hash_len(uint16_t suite);

/* RFC 8446 §7.1 HKDF-Expand-Label(secret, label, context, length), with the
 * suite's hash. label without the "tls13 " prefix. QUIC (RFC 9001 §5.1) uses
 * the same function with its own labels ("quic key", ...). Returns 0 or
 * TLS13_ESUITE / TLS13_EINTERNAL. */
int tls13_hkdf_expand_label(size_t hash_len, const uint8_t *secret, size_t secret_len,
                            const char *label, const uint8_t *ctx, size_t ctx_len, uint8_t *out,
                            size_t out_len);

/* HKDF-Extract with SHA-256 (RFC 5869 §2.2): prk gets 32 bytes. QUIC's
 * Initial secret (RFC 9001 §5.2). */
int tls13_hkdf_extract_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                              size_t ikm_len, uint8_t prk[32]);

/* RFC 8446 §7.1, the handshake part of the key schedule:
 *   Early Secret     = HKDF-Extract(0, 0)            (no PSK)
 *   Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE)
 *   [c|s] hs traffic = Derive-Secret(Handshake Secret, "c hs traffic" /
 *                      "s hs traffic", ClientHello...ServerHello)
 * transcript_hash is Hash(ClientHello...ServerHello) with the suite's hash
 * (§4.4.1; after a HelloRetryRequest the caller has already replaced
 * ClientHello1 by message_hash). client and server get the suite's hash
 * length each (TLS13_MAX_HASH is enough). TLS13_OK, TLS13_ESUITE or
 * TLS13_EINTERNAL. */
#define TLS13_MAX_HASH 48
int tls13_handshake_traffic_secrets(uint16_t suite, const uint8_t *ecdhe, size_t ecdhe_len,
                                    const uint8_t *transcript_hash, size_t transcript_hash_len,
                                    uint8_t client[TLS13_MAX_HASH],
                                    uint8_t server[TLS13_MAX_HASH]);

/* The same, keeping the Handshake Secret (hs_out, the suite's hash length)
 * for what follows it: the application traffic secrets of a client that
 * answers a CertificateRequest. */
int tls13_handshake_secrets(uint16_t suite, const uint8_t *ecdhe, size_t ecdhe_len,
                            const uint8_t *transcript_hash, size_t transcript_hash_len,
                            uint8_t client[TLS13_MAX_HASH], uint8_t server[TLS13_MAX_HASH],
                            uint8_t hs_out[TLS13_MAX_HASH]);

/* §7.1: Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret,
 * "derived", ""), 0); [c|s] ap traffic = Derive-Secret(Master Secret,
 * "c ap traffic" / "s ap traffic", ClientHello...server Finished).
 * server: 1 for the server's, 0 for the client's. */
int tls13_application_traffic_secret(uint16_t suite, const uint8_t *handshake_secret,
                                     const uint8_t *transcript_hash, int server,
                                     uint8_t out[TLS13_MAX_HASH]);

/* §4.4.4 Finished: verify_data = HMAC(finished_key, transcript_hash) with
 * finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length);
 * out gets the suite's hash length. */
int tls13_finished_verify_data(uint16_t suite, const uint8_t *base_key,
                               const uint8_t *transcript_hash, uint8_t out[TLS13_MAX_HASH]);

/* Hash(data) with the suite's hash into out; returns its length, 0 for a
 * suite that is not TLS 1.3's. */
size_t tls13_transcript_hash(uint16_t suite, const uint8_t *data, size_t len,
                             uint8_t out[TLS13_MAX_HASH]);

struct tls13_traffic;

/* Keys of one direction from its traffic secret (secret_len must be the
 * suite's hash length). NULL with one line in err. */
struct tls13_traffic *tls13_traffic_new(uint16_t suite, const uint8_t *secret, size_t secret_len,
                                        char *err, size_t errlen);
void tls13_traffic_free(struct tls13_traffic *t);

/* Open the next record: hdr is its 5-byte header (the AEAD's additional
 * data, §5.2), ct its ct_len bytes. out must hold TLS13_MAX_PLAIN bytes (a
 * longer plaintext is TLS13_EFORMAT). On TLS13_OK: *inner_type is the real
 * content type, out[0..*out_len) the content with the padding removed. */
int tls13_record_open(struct tls13_traffic *t, const uint8_t hdr[5], const uint8_t *ct,
                      size_t ct_len, uint8_t *out, size_t *out_len, uint8_t *inner_type);

/* The writing direction, for the probe's own records: the same keys from
 * the sender's traffic secret, set up for sealing. */
struct tls13_traffic *tls13_traffic_new_sealer(uint16_t suite, const uint8_t *secret,
                                               size_t secret_len, char *err, size_t errlen);

/* Seal the next record (§5.2): TLSInnerPlaintext = plain || type, no
 * padding, as opaque_type application_data with legacy_record_version
 * 0x0303; the whole record (header included) goes to out. Returns its
 * length, or TLS13_EFORMAT (len over 2^14 or out shorter than
 * 5 + len + 1 + tag) / TLS13_EINTERNAL. Only on a sealer. */
int tls13_record_seal(struct tls13_traffic *t, uint8_t type, const uint8_t *plain, size_t len,
                      uint8_t *out, size_t cap);

/* Records opened (or tried) so far in this direction. */
uint64_t tls13_traffic_seq(const struct tls13_traffic *t);

/* QUIC packet protection (RFC 9001 §5.1, §5.3) is the same AEAD with other
 * labels and other inputs: keys from HKDF-Expand-Label(secret, "quic key" /
 * "quic iv"), or "quicv2 key" / "quicv2 iv" (RFC 9369 §3.3.2), the nonce from
 * the packet number, the header as additional data. hp gets the header
 * protection key (label "quic hp" / "quicv2 hp") of key length. */
struct tls13_traffic *tls13_traffic_new_quic(uint16_t suite, const uint8_t *secret,
                                             size_t secret_len, int quic_version2, uint8_t *hp,
                                             size_t *hp_len, char *err, size_t errlen);
/* Open one AEAD payload with nonce = IV XOR seq and the given additional
 * data; out holds at least ct_len bytes. TLS13_OK with *out_len, or
 * TLS13_EAUTH / TLS13_EFORMAT. Does not touch the record counter. */
int tls13_aead_open(struct tls13_traffic *t, uint64_t seq, const uint8_t *aad, size_t aad_len,
                    const uint8_t *ct, size_t ct_len, uint8_t *out, size_t *out_len);
/* The header protection mask (RFC 9001 §5.4.3, §5.4.4): AES-ECB of the
 * 16-byte sample for the AES suites, ChaCha20 with the sample as counter and
 * nonce for ChaCha20-Poly1305. mask gets 5 bytes. */
int tls13_hp_mask(uint16_t suite, const uint8_t *hp, size_t hp_len, const uint8_t sample[16],
                  uint8_t mask[5]);

#endif
