/* store.h — the trust store the user loads (what Expressway-C's "Trusted CA
 * certificate" page holds), and its lint.
 *
 * Sources: PEM bundles (many certificates in one file), single PEM or DER
 * files, directories of them (not recursive), and the word "system" for the
 * Debian CA bundle (/etc/ssl/certs/ca-certificates.crt).
 *
 * Only self-signed store certificates are anchors (OpenSSL without
 * X509_V_FLAG_PARTIAL_CHAIN): see VERIFY-SPEC "Inputs".
 *
 * Ownership: the store owns its certificates (struct cert from cert_parse).
 */
#ifndef TLSSCOPE_TRUST_STORE_H
#define TLSSCOPE_TRUST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"

#define STORE_MAX_CERTS 4096
#define STORE_MAX_FILE (16u * 1024u * 1024u)

struct store_entry {
    struct cert *cert;        /* NULL if the entry did not parse */
    char *file;               /* where it came from */
    int index;                /* 0-based position in that file */
};

struct trust_store {
    struct store_entry *entries;
    size_t n, cap;
    char **sources;           /* the paths as given, for headers ("store: a.pem, b.pem") */
    size_t n_sources;
    /* What directories held besides certificates (not read, not an error):
     * subdirectories, and files without any certificate (the first one named). */
    size_t skipped_dirs, skipped_files;
    char skipped_example[4096]; /* PATH_MAX */
};

enum store_lint_kind {
    STORE_LINT_SAME_CN = 1,   /* two different certificates with the same CN (CSCwa12905) */
    STORE_LINT_NOT_CA,        /* not a CA certificate (basicConstraints CA:FALSE or absent) */
    STORE_LINT_EXPIRED,       /* expired (or not yet valid) at the judging time */
    STORE_LINT_UNPARSABLE,    /* entry does not parse: file and index */
    STORE_LINT_DUPLICATE,     /* byte-identical certificate loaded twice */
    STORE_LINT_NOT_SELF_SIGNED, /* intermediate in the store: not an anchor on its own */
};

struct store_lint {
    enum store_lint_kind kind;
    const struct store_entry *entry;
    const struct store_entry *other;  /* the twin for SAME_CN / DUPLICATE */
    char message[512];
};

void store_init(struct trust_store *st);

/* Load a path (file, directory or "system"). Returns 0, or -1 with one line
 * in err ("store.pem: no certificates found"). Entries that do not parse are
 * kept (for lint) and do not make the load fail. */
int store_load(struct trust_store *st, const char *path, char *err, size_t errlen);

/* Lint at time `at` (seconds since epoch). Calls `cb` for each finding, in a
 * stable order. Returns the number of findings. */
size_t store_lint(const struct trust_store *st, int64_t at,
                  void (*cb)(void *arg, const struct store_lint *item), void *arg);

/* Number of certificates that parsed. */
size_t store_count(const struct trust_store *st);

void store_free(struct trust_store *st);

#endif
