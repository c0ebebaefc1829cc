/* keylog.h — TLS 1.3 secrets from NSS key log text, looked up by the
 * ClientHello random.
 *
 * The format is the one SSLKEYLOGFILE writes (curl, browsers, Python, Java
 * agents, `openssl s_client -keylogfile`) and a pcapng Decryption Secrets
 * Block of type 0x544c534b carries (editcap --inject-secrets tls,FILE):
 *
 *     # comment
 *     <LABEL> <64 hex: client random> <hex: secret>
 *
 * tlsscope needs only the two handshake traffic secrets of TLS 1.3
 * (RFC 8446 §7.1 client/server_handshake_traffic_secret): they protect
 * EncryptedExtensions .. Finished, the Certificate included. Every other
 * well-known label (CLIENT_RANDOM for TLS 1.2, the application and early
 * traffic secrets, EXPORTER_SECRET, QUIC's labels) is counted and ignored;
 * an unknown label is ignored too (key logs grow new labels). A line that is
 * not "label random secret" with hex of the right sizes is malformed: counted,
 * and the first KEYLOG_MAX_PROBLEMS are named with their line numbers.
 *
 * Caps: KEYLOG_MAX_CLIENTS client randoms (open addressing, grown by
 * doubling); a key log with more says so in keylog_stats.capped and the rest
 * is not used — those connections stay "not judged", never judged wrongly.
 * KEYLOG_MAX_LINE bytes per line.
 *
 * Not thread-safe. Ownership: keylog_new allocates, keylog_free releases;
 * keylog_find returns a pointer into the table, valid until the next add.
 */
#ifndef TLSSCOPE_DISSECT_KEYLOG_H
#define TLSSCOPE_DISSECT_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYLOG_MAX_CLIENTS (1u << 18) /* client randoms kept (about 36 MiB at most) */
#define KEYLOG_MAX_SECRET 64          /* bytes: SHA-384 secrets are 48 */
#define KEYLOG_MAX_LINE 1024          /* longer lines are malformed */
#define KEYLOG_MAX_PROBLEMS 4         /* malformed lines named in keylog_stats */

struct keylog_secrets {
    uint8_t client_random[32];
    uint8_t client_hs[KEYLOG_MAX_SECRET]; /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    uint8_t client_hs_len;                /* 0 = not in the key log */
    uint8_t server_hs[KEYLOG_MAX_SECRET]; /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    uint8_t server_hs_len;
};

struct keylog_stats {
    uint64_t lines;          /* lines read (comments and blank ones included) */
    uint64_t secrets;        /* handshake secrets stored */
    uint64_t ignored;        /* lines with another label (CLIENT_RANDOM, ...) */
    uint64_t malformed;      /* lines that are not "LABEL hex hex" */
    uint64_t conflicting;    /* a second, different secret for the same random and label:
                              * the first is kept */
    uint64_t capped;         /* secrets not stored: KEYLOG_MAX_CLIENTS reached */
    uint32_t clients;        /* distinct client randoms with a handshake secret */
    char problems[KEYLOG_MAX_PROBLEMS][96]; /* "f.keys line 3: random is not 64 hex digits" */
    uint8_t n_problems;
};

struct keylog;

struct keylog *keylog_new(void);
void keylog_free(struct keylog *kl);

/* Read NSS key log text. `source` names it in problems ("f.keys", "pcapng
 * secrets block 1"); text may end without a newline and may hold several
 * lines. Lines split across calls are not joined: hand over whole texts.
 * Returns the number of handshake secrets stored from this text. */
uint64_t keylog_add_text(struct keylog *kl, const char *source, const uint8_t *p, size_t n);

/* Read a key log file (at most 256 MiB). Returns 0, or -1 with one line in
 * err (cannot open or read). */
int keylog_add_file(struct keylog *kl, const char *path, char *err, size_t errlen);

/* Does this text look like an NSS key log (first non-comment line has a
 * known label, a space and 64 hex digits)? For finding key logs by content
 * among the text files of a bundle or directory. */
bool keylog_text_looks_like(const uint8_t *p, size_t n);

/* Secrets for a ClientHello random, or NULL. */
const struct keylog_secrets *keylog_find(const struct keylog *kl, const uint8_t random[32]);

const struct keylog_stats *keylog_stats(const struct keylog *kl);

#endif
