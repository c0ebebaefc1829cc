/* verdictbench.c — chain verdicts per second of the trust engine alone
 * (verdict_judge, no capture, no verdict cache), for comparing commits:
 *
 *   cc -O2 -I. bench/verdictbench.c <build>/trust/libtlsscope_trust.a \
 *      <build>/dissect/libtlsscope_dissect.a <build>/common/libtlsscope_common.a \
 *      -lmbedx509 -lmbedcrypto -o verdictbench
 *   nice ./verdictbench SRC_ROOT [ROUNDS]
 *
 * Each round judges the fixture chains of test_verdict (trusted, 20, 19,
 * 10, name mismatch) for one connection; certificates are interned once,
 * as in a capture that repeats the same servers, so signatures are
 * memoised after the first round: what is measured is chain building and
 * the checks. A second figure re-parses every certificate each round (the
 * "every certificate distinct" worst case). Prints judgements per second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/fixture.h"
#include "tests/unit/testconn.h"
#include "trust/cert.h"
#include "trust/store.h"
#include "trust/verdict.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *const chains[][3] = {
    {"leaf.pem", "int.pem", "cucm.vngtp.lab"},         /* trusted */
    {"leaf-direct.pem", NULL, "cucm.steven.lab"},      /* trusted, root-signed */
    {"expired-leaf.pem", "int.pem", "old.vngtp.lab"},  /* 10 */
    {"leaf.pem", "int.pem", "other.name"},             /* name */
    {"selfsigned-ec.pem", NULL, "cucm-ec.steven.lab"}, /* 18 */
};
#define NCH (sizeof chains / sizeof chains[0])

int main(int argc, char **argv)
{
    if (argc > 1) setenv("TLSSCOPE_SRC", argv[1], 1);
    long rounds = argc > 2 ? atol(argv[2]) : 20000;
    char err[256];
    struct trust_store st;
    store_init(&st);
    if (store_load(&st, fixture_path("root.pem"), err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    uint8_t *der[NCH][2];
    size_t len[NCH][2];
    for (size_t i = 0; i < NCH; i++)
        for (int k = 0; k < 2; k++)
            der[i][k] = chains[i][k] ? fixture_der(chains[i][k], 0, &len[i][k]) : NULL;

    for (int distinct = 0; distinct < 2; distinct++) {
        struct cert_cache *cc = certcache_new(64);
        const struct cert *c[NCH][2];
        struct tls_conn *conn[NCH];
        for (size_t i = 0; i < NCH; i++) {
            conn[i] = testconn_new(chains[i][2], 0xc02f);
            for (int k = 0; k < 2; k++)
                c[i][k] = der[i][k] ? certcache_intern(cc, der[i][k], len[i][k]) : NULL;
        }
        long n = distinct ? rounds / 20 : rounds;
        struct verdict *v = malloc(sizeof *v);
        double t0 = now();
        for (long r = 0; r < n; r++) {
            for (size_t i = 0; i < NCH; i++) {
                const struct cert *chain[2] = {c[i][0], c[i][1]};
                struct cert *fresh[2] = {NULL, NULL};
                if (distinct)
                    for (int k = 0; k < 2; k++)
                        if (der[i][k]) chain[k] = fresh[k] = cert_parse(der[i][k], len[i][k]);
                struct judge_input in = {.conn = conn[i], .chain = chain,
                                         .n_chain = chain[1] ? 2 : 1, .store = &st,
                                         .profile = PROFILE_EXPRESSWAY,
                                         .at = 1657558526};
                verdict_judge(&in, v);
                for (int k = 0; k < 2; k++) cert_free(fresh[k]);
            }
        }
        double dt = now() - t0;
        printf("%s: %ld judgements in %.3f s = %.0f per second\n",
               distinct ? "every certificate parsed anew" : "interned certificates",
               n * (long)NCH, dt, n * (double)NCH / dt);
        free(v);
        for (size_t i = 0; i < NCH; i++) free(conn[i]);
        certcache_free(cc);
    }
    store_free(&st);
    return 0;
}
