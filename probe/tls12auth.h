/* tls12auth.h — the TLS 1.2 half of --cert/--key: what the probe needs to
 * finish a TLS 1.2 handshake as the client once the server asked for a
 * certificate (RFC 5246 §7.4.6-§7.4.9): the handshake hashes, the master
 * secret (RFC 7627 extended master secret when the server agreed), the
 * client's Finished and its AES-GCM record (RFC 5288, explicit nonce).
 * ECDHE with AES-GCM only, the suites Expressway's default string offers
 * first; the server's Finished is not checked: only whether the server goes
 * on (its ChangeCipherSpec) or refuses (its alert) matters.
 * Crypto through mbedTLS 2.28 (md, HMAC for the PRF, gcm). */
#ifndef TLSSCOPE_PROBE_TLS12AUTH_H
#define TLSSCOPE_PROBE_TLS12AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define T12_VERIFY_LEN 12 /* RFC 5246 §7.4.9 verify_data_length */

struct tls12auth;

/* An ECDHE AES-GCM suite this can finish (0xc02b, 0xc02c, 0xc02f, 0xc030). */
bool t12_suite_ok(uint16_t suite);
/* Starts the handshake hashes with the messages so far (the ClientHello).
 * NULL: not such a suite, or out of memory. */
struct tls12auth *t12_new(uint16_t suite, const uint8_t *messages, size_t len);
void t12_free(struct tls12auth *t);
/* One more handshake message (header included), sent or received. */
void t12_add(struct tls12auth *t, const uint8_t *msg, size_t len);
/* The hash of the messages so far: sha384 true for SHA-384, else SHA-256. */
int t12_hash(struct tls12auth *t, bool sha384, uint8_t out[48], size_t *len);
/* Master secret and client write key from the ECDHE premaster secret. ems:
 * the server echoed extended_master_secret (the session hash is taken now,
 * after the ClientKeyExchange was added). */
int t12_keys(struct tls12auth *t, const uint8_t *pms, size_t pms_len, bool ems,
             const uint8_t client_random[32], const uint8_t server_random[32]);
/* verify_data of the client's Finished over the messages so far. */
int t12_finished(struct tls12auth *t, uint8_t out[T12_VERIFY_LEN]);
/* One record of ours under the client write key; its length, or -1. */
int t12_seal(struct tls12auth *t, uint8_t type, const uint8_t *plain, size_t len, uint8_t *out,
             size_t cap);
bool t12_sealing(const struct tls12auth *t);

#endif
