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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timefmt.h"
#include "dissect/tls.h"
#include "trust/cert.h"
#include "trust/store.h"
#include "trust/verdict.h"

static void usage(void)
{
    fputs("usage: chaincheck --trust FILE [--untrusted FILE] --at EPOCH [--name NAME]\n"
          "                  [--profile rfc|expressway] [-v] leaf.pem\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *trust = NULL, *untrusted = NULL, *name = NULL, *leaf_path = NULL;
    int64_t at = 0;
    bool have_at = false, verbose = false;
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
    struct judge_input in = {conn, wire, n, &store, profile, at};
    struct verdict *v = calloc(1, sizeof *v);
    if (!v) return 2;
    verdict_judge(&in, v);
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
