/* verdict.h — would the client accept this server's chain, and if not, why and
 * what to fix. Implements ../shared/VERIFY-SPEC.md (kept in the repository as
 * docs/VERIFY-SPEC.md): OpenSSL 1.1.1 "trusted first" chain building, the
 * check order of the enforced client, and two name-matching profiles.
 *
 * Codes, depths and texts are OpenSSL's X509_V_ERR_* so that what tlsscope
 * prints is what Expressway-C's traffic server logs.
 *
 * Ownership: a verdict holds references into the cert cache and the trust
 * store (struct cert pointers); both must outlive it. Strings are inline.
 */
#ifndef TLSSCOPE_TRUST_VERDICT_H
#define TLSSCOPE_TRUST_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "../dissect/tls.h"
#include "cert.h"
#include "store.h"

/* OpenSSL X509_V_ERR_* values used here (include/openssl/x509_vfy.h, 1.1.1). */
#define VERR_OK 0
#define VERR_UNSPECIFIED 1
#define VERR_UNABLE_TO_GET_ISSUER_CERT 2
#define VERR_CERT_SIGNATURE_FAILURE 7
#define VERR_CERT_NOT_YET_VALID 9
#define VERR_CERT_HAS_EXPIRED 10
#define VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD 13
#define VERR_ERROR_IN_CERT_NOT_AFTER_FIELD 14
#define VERR_DEPTH_ZERO_SELF_SIGNED_CERT 18
#define VERR_SELF_SIGNED_CERT_IN_CHAIN 19
#define VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY 20
#define VERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE 21
#define VERR_CERT_CHAIN_TOO_LONG 22
#define VERR_INVALID_CA 24
#define VERR_PATH_LENGTH_EXCEEDED 25
#define VERR_INVALID_PURPOSE 26
#define VERR_UNHANDLED_CRITICAL_EXTENSION 34
#define VERR_PERMITTED_VIOLATION 47
#define VERR_EXCLUDED_VIOLATION 48
#define VERR_SUBTREE_MINMAX 49
#define VERR_UNSUPPORTED_CONSTRAINT_TYPE 51
#define VERR_UNSUPPORTED_NAME_SYNTAX 53
#define VERR_HOSTNAME_MISMATCH 62
#define VERR_IP_ADDRESS_MISMATCH 64
#define VERR_EE_KEY_TOO_SMALL 66
#define VERR_CA_KEY_TOO_SMALL 67
#define VERR_CA_MD_TOO_WEAK 68
/* OpenSSL 3.0 only (rfc profile) */
#define VERR_EC_KEY_EXPLICIT_PARAMS 94
/* Not an OpenSSL code: the certificate could not be parsed at all. */
#define VERR_TLSSCOPE_UNPARSABLE 1000

#define VERDICT_MAX_PATH 10

enum verdict_status { VERDICT_NOT_JUDGED = 0, VERDICT_TRUSTED, VERDICT_FAILED };
enum verdict_profile { PROFILE_EXPRESSWAY = 0, PROFILE_RFC };
/* Whose chain is judged: a server's, by a TLS client (OpenSSL purpose
 * "ssl_server", the default), or a client's, by a server that asked for it
 * (mutual TLS, "ssl_client": leaf EKU clientAuth, no name check). */
enum verdict_purpose { PURPOSE_SSL_SERVER = 0, PURPOSE_SSL_CLIENT };
enum verdict_agree { AGREE_UNKNOWN = 0, AGREE_YES, AGREE_NO };
enum chain_src { CHAIN_FROM_PEER = 0, CHAIN_FROM_STORE };

struct chain_link {
    const struct cert *cert;
    enum chain_src src;
    int wire_index;              /* position in the Certificate message, -1 if from store */
};

/* Bytes for a verdict's advice, wherever advice is kept (the summary, the
 * log-only advice of the report and the browser); a longer text is cut and
 * says so (trust/textout.c). */
#define VERDICT_ADVICE_LEN 2048

struct verdict {
    enum verdict_status status;
    bool presumed;               /* resumed: inherited from an earlier full handshake */
    uint64_t presumed_from;      /* connection number (#N in reports) of that handshake */

    int code;                    /* VERR_*; 0 when trusted; -1 when not judged */
    int depth;                   /* OpenSSL error depth; -1 when n/a */
    char reason[160];            /* OpenSSL 1.1.1 text, or "SNI (x) not in certificate" */
    int cert_index;              /* index into path[] of the failing certificate, -1 */
    enum verdict_profile profile;
    char name_checked[260];      /* SNI, or server IP when the client sent none */
    bool name_from_sni;
    bool name_ok;                /* name check passed (when reached) */

    char would_log[700];         /* the exact ATS line (expressway profile) */
    int predicted_alert;         /* AlertDescription the client would send; -1 none */
    int observed_alert;          /* first alert the client sent in the capture; -1 none,
                                    -2 encrypted */
    enum verdict_agree agrees;

    /* Not judged because mbedTLS cannot check a signature (EdDSA, ...):
     * what the verdict is if that signature is good (code 0: trusted). */
    bool sig_unchecked;
    int code_if_sig_ok, depth_if_sig_ok;
    unsigned sig_unchecked_depths; /* bit d: the signature at depth d could not be checked */

    char advice[VERDICT_ADVICE_LEN]; /* what to change (VERIFY-SPEC "Remediation") */
    char not_judged[200];        /* why no verdict (no store, TLS 1.3, resumed, ...) */
    char cap[32];                /* the cap that made it not judged ("CERT_MAX_SAN",
                                    "TLS_MAX_CHAIN", ...); "" when no cap did */

    struct chain_link path[VERDICT_MAX_PATH]; /* leaf → anchor, as built */
    int n_path;
    bool anchored;               /* path ends at a trusted store anchor */
    bool ecdsa_suite;            /* ECDHE-ECDSA suite negotiated (certificate choice hint) */
};

struct judge_input {
    const struct tls_conn *conn;
    const struct cert *const *chain;  /* interned, wire order; NULL entries allowed */
    int n_chain;
    const struct trust_store *store;  /* NULL: "not judged (no trust store)" */
    enum verdict_profile profile;
    int64_t at;                       /* judging time, seconds since epoch (capture time or --at) */
    bool chain_only;                  /* judge the chain without any name check (tools, tests) */
    enum verdict_purpose purpose;     /* zero (omitted): a server's chain */
};

/* The connection's own time in seconds (its Certificate, else its last
 * packet; 0 when it has none): the judging time unless --at says otherwise. */
int64_t verdict_conn_time(const struct tls_conn *c);

/* Judge one connection. Always fills *out (status NOT_JUDGED with a reason
 * when no chain or no store). */
void verdict_judge(const struct judge_input *in, struct verdict *out);

/* Update observed_alert/agrees from the connection's alerts (call again when
 * the connection closes: alerts come after the Certificate). */
void verdict_observe(struct verdict *v, const struct tls_conn *conn);

/* *dst = *src, with the text fields copied only up to their NUL. A verdict
 * is ~2.8 KB, mostly text buffers a short reason leaves unused, and it is
 * copied on every connection (a verdict cache hit, the per-server slot);
 * nothing reads a text field past its NUL. */
void verdict_copy(struct verdict *dst, const struct verdict *src);

/* For a resumed connection: take over an earlier full handshake's verdict as
 * "presumed". */
void verdict_presume(struct verdict *v, const struct verdict *earlier, uint64_t earlier_conn);

/* Name matching (exposed for table-driven tests). `name` is the SNI or the IP
 * text. Return true when the certificate covers the name. */
bool name_match_expressway(const struct cert *c, const char *name);
bool name_match_rfc(const struct cert *c, const char *name);

/* Short label "trusted", "failed", "not_judged". */
const char *verdict_status_name(enum verdict_status s);
const char *verdict_profile_name(enum verdict_profile p);
/* OpenSSL 1.1.1 error text for a code ("self signed certificate"). */
const char *verdict_code_text(int code);

/* ---- from a log line, without the certificates (trust/advice.c) ---- */

/* The code for an error text as Expressway logs it ("self signed
 * certificate"; OpenSSL 3 spellings like "self-signed certificate" too,
 * case-insensitive); -1 when unknown. */
int verdict_code_from_text(const char *text);

/* What to fix, from what a traffic_server line says: the code (-1 when the
 * line gives none, as "SSL connection failed" alone), the depth (-1), a
 * name failure ("SNI (x) not in certificate") or not, the name Expressway
 * verified, the server's address (may be ""). Same wording as the advice
 * of a judged chain, minus what only the certificates can tell. Writes a
 * NUL-terminated text of at most n bytes. */
void verdict_advice_from_log(int code, int depth, bool name_failure, const char *name,
                             const char *server_ip, char *out, size_t n);

#endif
