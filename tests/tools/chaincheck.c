/* chaincheck — judge one certificate chain the way tlsscope does, for the
 * differential test against `openssl verify` (tests/diff/gen-chains.py) and
 * for trying things by hand.
 *
 *   chaincheck --trust store.pem [--untrusted chain.pem] --at EPOCH
 *              [--name NAME] [--profile rfc|expressway] [-v] leaf.pem
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
          "                  [--profile rfc|expressway] [--sha1-weak] [-v] leaf.pem\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *trust = NULL, *untrusted = NULL, *name = NULL, *leaf_path = NULL;
    int64_t at = 0;
    bool have_at = false, verbose = false, sha1_weak = false;
    enum verdict_profile profile = PROFILE_EXPRESSWAY;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--trust") && i + 1 < argc) trust = argv[++i];
        else if (!strcmp(a, "--untrusted") && i + 1 < argc) untrusted = argv[++i];
        else if (!strcmp(a, "--name") && i + 1 < argc) name = argv[++i];
        else if (!strcmp(a, "--at") && i + 1 < argc) {
            const char *t = argv[++i];
            char buf[64];
            if (t[0] != '@' && strchr(t, '-') == NULL) {
                snprintf(buf, sizeof buf, "@%s", t);
                t = buf;
            }
            if (time_parse(t, &at) != 0) usage();
            have_at = true;
        } else if (!strcmp(a, "--profile") && i + 1 < argc) {
            const char *p = argv[++i];
            if (!strcmp(p, "rfc")) profile = PROFILE_RFC;
            else if (!strcmp(p, "expressway")) profile = PROFILE_EXPRESSWAY;
            else usage();
        } else if (!strcmp(a, "-v")) verbose = true;
        else if (!strcmp(a, "--sha1-weak")) sha1_weak = true;
        else if (a[0] == '-') usage();
        else leaf_path = a;
    }
    if (!trust || !leaf_path || !have_at) usage();

    char err[512];
    struct trust_store store, leafs, chain;
    store_init(&store);
    store_init(&leafs);
    store_init(&chain);
    if (store_load(&store, trust, err, sizeof err) != 0) {
        fprintf(stderr, "chaincheck: %s\n", err);
        return 2;
    }
    if (store_load(&leafs, leaf_path, err, sizeof err) != 0 || !leafs.entries[0].cert) {
        fprintf(stderr, "chaincheck: %s\n", err);
        return 2;
    }
    if (untrusted && store_load(&chain, untrusted, err, sizeof err) != 0) {
        fprintf(stderr, "chaincheck: %s\n", err);
        return 2;
    }

    const struct cert *wire[TLS_MAX_CHAIN + 1];
    int n = 0;
    wire[n++] = leafs.entries[0].cert;
    for (size_t i = 0; i < chain.n && n < TLS_MAX_CHAIN; i++)
        if (chain.entries[i].cert) wire[n++] = chain.entries[i].cert;

    struct tls_conn *conn = calloc(1, sizeof *conn);
    if (!conn) return 2;
    if (name) {
        size_t l = strlen(name);
        if (l > TLS_MAX_SNI) l = TLS_MAX_SNI;
        memcpy(conn->ch.sni, name, l);
        conn->ch.sni_len = conn->ch.sni_total = (uint16_t)l;
        conn->ch.has_sni = true;
        conn->ch.present = true;
    }
    struct judge_input in = {conn, wire, n, &store, profile, at, name == NULL};
    struct verdict *v = calloc(1, sizeof *v);
    if (!v) return 2;
    verdict_judge(&in, v);
    if (sha1_weak) reapply_auth_level_openssl3(v);
    printf("%d %d\n", v->code, v->depth);
    if (verbose) {
        printf("status: %s\nreason: %s\n", verdict_status_name(v->status), v->reason);
        if (v->would_log[0]) printf("would log: %s\n", v->would_log);
        if (v->not_judged[0]) printf("not judged: %s\n", v->not_judged);
        for (int i = 0; i < v->n_path; i++)
            printf("path[%d]: %s %s (%s)\n", i,
                   v->path[i].src == CHAIN_FROM_STORE ? "store" : "peer ",
                   v->path[i].cert->subject, v->path[i].cert->parsed ? "parsed" : v->path[i].cert->parse_error);
        if (v->advice[0]) printf("advice: %s\n", v->advice);
    }
    free(v);
    free(conn);
    store_free(&store);
    store_free(&leafs);
    store_free(&chain);
    return 0;
}
