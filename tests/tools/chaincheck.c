/* chaincheck — judge one certificate chain the way tlsscope does, for the
 * differential test against `openssl verify` (tests/diff/gen-chains.py) and
 * for trying things by hand.
 *
 *   chaincheck --trust store.pem [--untrusted chain.pem] --at EPOCH
 *              [--name NAME] [--profile rfc|expressway]
 *              [--purpose sslserver|sslclient] [-v] leaf.pem
 *   chaincheck --batch [--advice]
 *
 * --batch reads one request per line from stdin, fields separated by TAB:
 *     PROFILE PURPOSE EPOCH STORE UNTRUSTED LEAF NAME
 * (PROFILE expressway|rfc, PURPOSE ssl_server|ssl_client, UNTRUSTED and NAME
 * may be empty) and answers each with one "code depth" line: one process
 * for a whole differential run, as tests/tools/ossl111 does for OpenSSL.
 * With --advice the line goes on with a TAB and the advice text (the test
 * that applies tlsscope's fix and asks the oracle again).
 *
 * Prints "code depth" (OpenSSL X509_V_ERR_* and error depth; "0 -1" when
 * trusted, "-1 -1" when not judged). The peer's chain is the leaf followed
 * by the --untrusted certificates in file order, as in a TLS Certificate
 * message. Without --name no name is checked. Exit status 0 unless the
 * arguments or files are unusable (2).
 *
 * --sha1-weak re-runs OpenSSL's check_auth_level() on the built path with
 * SHA-1 signatures rated below 80 bits, as OpenSSL 3.0 does (1.1.1, which
 * tlsscope follows, rates them at 80). The differential test uses it to
 * show that a disagreement is exactly that difference and nothing else.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timefmt.h"
#include "dissect/tls.h"
#include "trust/cert.h"
#include "trust/store.h"
#include "trust/verdict.h"

/* OpenSSL 1.1.1 security bits from the public key facts (the library's
 * own copy lives in trust/cert.c). */
static int key_secbits(const struct cert *c)
{
    int b = c->key_bits;
    switch (c->key_type) {
    case CERT_KEY_RSA:
    case CERT_KEY_DSA:
        return b >= 15360 ? 256 : b >= 7680 ? 192 : b >= 3072 ? 128 : b >= 2048 ? 112 : b >= 1024 ? 80 : 0;
    case CERT_KEY_EC:
        return b >= 512 ? 256 : b >= 384 ? 192 : b >= 256 ? 128 : b >= 224 ? 112 : b >= 160 ? 80 : b / 2;
    case CERT_KEY_ED25519: return 128;
    case CERT_KEY_ED448: return 224;
    default: return -1;
    }
}

static bool sig_weak_openssl3(const struct cert *c)
{
    return c->sig_md5 || strstr(c->sig_alg, "SHA1") || strstr(c->sig_alg, "sha1");
}

/* check_auth_level() with OpenSSL 3.0's digest ratings, on a verdict that
 * got at least that far (path complete and anchored). */
static void reapply_auth_level_openssl3(struct verdict *v)
{
    static const int later[] = {VERR_OK, VERR_CA_KEY_TOO_SMALL, VERR_CA_MD_TOO_WEAK,
                                VERR_HOSTNAME_MISMATCH, VERR_IP_ADDRESS_MISMATCH,
                                VERR_CERT_SIGNATURE_FAILURE, VERR_CERT_NOT_YET_VALID,
                                VERR_CERT_HAS_EXPIRED};
    bool reached = false;
    for (size_t k = 0; k < sizeof later / sizeof later[0]; k++)
        if (v->code == later[k]) reached = true;
    if (!reached || !v->anchored) return;
    int n = v->n_path;
    for (int i = 0; i < n; i++) {
        const struct cert *x = v->path[i].cert;
        int kb = key_secbits(x);
        if (i > 0 && kb >= 0 && kb < 80) {
            v->code = VERR_CA_KEY_TOO_SMALL;
            v->depth = i;
            return;
        }
        if (i < n - 1 && sig_weak_openssl3(x)) {
            v->code = VERR_CA_MD_TOO_WEAK;
            v->depth = i;
            return;
        }
    }
}

static void usage(void)
{
    fputs("usage: chaincheck --trust FILE [--untrusted FILE] --at EPOCH [--name NAME]\n"
          "                  [--profile rfc|expressway] [--purpose sslserver|sslclient]\n"
          "                  [--sha1-weak] [-v] leaf.pem\n"
          "       chaincheck --batch [--advice]\n",
          stderr);
    exit(2);
}

struct request {
    const char *trust, *untrusted, *name, *leaf_path;
    int64_t at;
    enum verdict_profile profile;
    enum verdict_purpose purpose;
    bool verbose, sha1_weak, advice_inline;
};

static void print_details(const struct verdict *v)
{
    printf("status: %s\nreason: %s\n", verdict_status_name(v->status), v->reason);
    if (v->would_log[0]) printf("would log: %s\n", v->would_log);
    if (v->not_judged[0]) printf("not judged: %s\n", v->not_judged);
    for (int i = 0; i < v->n_path; i++)
        printf("path[%d]: %s %s (%s)\n", i,
               v->path[i].src == CHAIN_FROM_STORE ? "store" : "peer ",
               v->path[i].cert->subject, v->path[i].cert->parsed ? "parsed" : v->path[i].cert->parse_error);
    if (v->advice[0]) printf("advice: %s\n", v->advice);
}

/* Judge one request and print "code depth" (and details with -v). Returns
 * 0, or 2 when a file is unusable (after printing why to stderr). */
static int judge_one(const struct request *r)
{
    char err[512];
    int rc = 2;
    struct trust_store store, leafs, chain;
    store_init(&store);
    store_init(&leafs);
    store_init(&chain);
    struct tls_conn *conn = calloc(1, sizeof *conn);
    struct verdict *v = calloc(1, sizeof *v);
    if (!conn || !v) goto out;
    if (store_load(&store, r->trust, err, sizeof err) != 0) {
        fprintf(stderr, "chaincheck: %s\n", err);
        goto out;
    }
    if (store_load(&leafs, r->leaf_path, err, sizeof err) != 0 || !leafs.entries[0].cert) {
        fprintf(stderr, "chaincheck: %s\n", err);
        goto out;
    }
    if (r->untrusted && *r->untrusted && store_load(&chain, r->untrusted, err, sizeof err) != 0) {
        fprintf(stderr, "chaincheck: %s\n", err);
        goto out;
    }

    /* --untrusted is the peer's whole Certificate message, as OpenSSL's
     * -untrusted is: when it begins with the leaf itself, that copy is the
     * leaf, not a second one (which would push the last certificate past
     * TLS_MAX_CHAIN). */
    const struct cert *wire[TLS_MAX_CHAIN + 1];
    int n = 0;
    wire[n++] = leafs.entries[0].cert;
    size_t first = chain.n > 0 && chain.entries[0].cert &&
                           !memcmp(chain.entries[0].cert->sha256, leafs.entries[0].cert->sha256, 32)
                       ? 1
                       : 0;
    for (size_t i = first; i < chain.n && n < TLS_MAX_CHAIN; i++)
        if (chain.entries[i].cert) wire[n++] = chain.entries[i].cert;

    bool named = r->name && *r->name;
    if (named) {
        size_t l = strlen(r->name);
        if (l > TLS_MAX_SNI) l = TLS_MAX_SNI;
        memcpy(conn->ch.sni, r->name, l);
        conn->ch.sni_len = conn->ch.sni_total = (uint16_t)l;
        conn->ch.has_sni = true;
        conn->ch.present = true;
    }
    struct judge_input in = {conn, wire, n, &store, r->profile, r->at, !named, r->purpose};
    verdict_judge(&in, v);
    if (r->sha1_weak) reapply_auth_level_openssl3(v);
    if (r->advice_inline) {
        /* one line per answer: the advice's own TABs/newlines become spaces */
        for (char *p = v->advice; *p; p++)
            if (*p == '\t' || *p == '\n' || *p == '\r') *p = ' ';
        printf("%d %d\t%s\n", v->code, v->depth, v->advice);
    } else {
        printf("%d %d\n", v->code, v->depth);
    }
    if (r->verbose) print_details(v);
    rc = 0;
out:
    free(v);
    free(conn);
    store_free(&store);
    store_free(&leafs);
    store_free(&chain);
    return rc;
}

static int parse_at(const char *t, int64_t *at)
{
    char buf[64];
    if (t[0] != '@' && strchr(t, '-') == NULL) {
        snprintf(buf, sizeof buf, "@%s", t);
        t = buf;
    }
    return time_parse(t, at);
}

static int parse_profile(const char *p, enum verdict_profile *out)
{
    if (!strcmp(p, "rfc")) *out = PROFILE_RFC;
    else if (!strcmp(p, "expressway")) *out = PROFILE_EXPRESSWAY;
    else return -1;
    return 0;
}

/* OpenSSL's purpose names, with or without the underscore. */
static int parse_purpose(const char *p, enum verdict_purpose *out)
{
    if (!strcmp(p, "sslserver") || !strcmp(p, "ssl_server")) *out = PURPOSE_SSL_SERVER;
    else if (!strcmp(p, "sslclient") || !strcmp(p, "ssl_client")) *out = PURPOSE_SSL_CLIENT;
    else return -1;
    return 0;
}

#define BATCH_LINE_MAX 16384
#define BATCH_FIELDS 7

/* One request per line (see the header); a bad line answers "-2 -2" and
 * the run goes on, so the driver's answers stay in step. */
static int run_batch(bool advice)
{
    static char line[BATCH_LINE_MAX];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *f[BATCH_FIELDS];
        int nf = 0;
        f[nf++] = line;
        for (char *p = line; *p && nf < BATCH_FIELDS; p++)
            if (*p == '\t') {
                *p = '\0';
                f[nf++] = p + 1;
            }
        struct request r = {0};
        r.advice_inline = advice;
        if (nf != BATCH_FIELDS || parse_profile(f[0], &r.profile) || parse_purpose(f[1], &r.purpose) ||
            parse_at(f[2], &r.at)) {
            printf("-2 -2\n");
        } else {
            r.trust = f[3];
            r.untrusted = f[4];
            r.leaf_path = f[5];
            r.name = f[6];
            if (judge_one(&r) != 0) printf("-2 -2\n");
        }
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct request r = {0};
    bool have_at = false;
    r.profile = PROFILE_EXPRESSWAY;
    r.purpose = PURPOSE_SSL_SERVER;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--batch"))
            return run_batch(i + 1 < argc && !strcmp(argv[i + 1], "--advice"));
        if (!strcmp(a, "--trust") && i + 1 < argc) r.trust = argv[++i];
        else if (!strcmp(a, "--untrusted") && i + 1 < argc) r.untrusted = argv[++i];
        else if (!strcmp(a, "--name") && i + 1 < argc) r.name = argv[++i];
        else if (!strcmp(a, "--at") && i + 1 < argc) {
            if (parse_at(argv[++i], &r.at) != 0) usage();
            have_at = true;
        } else if (!strcmp(a, "--profile") && i + 1 < argc) {
            if (parse_profile(argv[++i], &r.profile) != 0) usage();
        } else if (!strcmp(a, "--purpose") && i + 1 < argc) {
            if (parse_purpose(argv[++i], &r.purpose) != 0) usage();
        } else if (!strcmp(a, "-v")) r.verbose = true;
        else if (!strcmp(a, "--sha1-weak")) r.sha1_weak = true;
        else if (a[0] == '-') usage();
        else r.leaf_path = a;
    }
    if (!r.trust || !r.leaf_path || !have_at) usage();
    return judge_one(&r);
}
