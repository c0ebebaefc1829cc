/* test_cert_robust.c — certificates come from the wire: every truncation
 * and many deterministic byte mutations of the fixtures go through the
 * parser, the relations and the name matchers. Under the sanitizer build
 * this is the bounds check; here it also checks the invariants a caller
 * relies on (strings never NULL, counts within caps, fingerprints right). */
#include <stdbool.h>

#include "check.h"
#include "fixture.h"
#include "trust/cert.h"
#include "trust/verdict.h"

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
    /* xorshift32: deterministic across runs and platforms */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static long checked;

static void exercise(const uint8_t *der, size_t n, const struct cert *ref)
{
    struct cert *c = cert_parse(der, n);
    if (n == 0) {
        CHECK(c == NULL);
        return;
    }
    if (!c) {
        CHECK(c != NULL);
        return;
    }
    checked++;
    uint8_t sha[32];
    digest_sha256(der, n, sha);
    CHECK(memcmp(sha, c->sha256, 32) == 0); /* fingerprint of the bytes given */
    CHECK(c->subject && c->issuer && c->serial && c->subject_cn && c->issuer_cn);
    CHECK(c->n_san_dns <= CERT_MAX_SAN && c->n_san_ip <= CERT_MAX_SAN);
    CHECK(c->n_san_dns <= c->n_san_dns_total && c->n_san_ip <= c->n_san_ip_total);
    CHECK(c->ski_len <= sizeof c->ski && c->aki_len <= sizeof c->aki);
    CHECK(c->parsed || c->parse_error[0]); /* a reason when not parsed */
    for (uint16_t i = 0; i < c->n_san_dns; i++) (void)strlen(c->san_dns[i]);
    (void)name_match_expressway(c, "cucm.vngtp.lab");
    (void)name_match_rfc(c, "cucm.vngtp.lab");
    (void)name_match_rfc(c, "10.48.36.215");
    (void)cert_is_self_signed(c);
    (void)cert_could_issue(ref, c);
    (void)cert_could_issue(c, ref);
    (void)cert_signature_ok(ref, c);
    (void)cert_signature_ok(c, ref);
    char pem[8192];
    size_t w;
    (void)cert_write_pem(c, pem, sizeof pem, &w);
    cert_free(c);
}

int main(void)
{
    static const char *const files[] = {"leaf.pem", "int.pem", "ed25519.pem", "oddname.pem",
                                        "pss-leaf.pem", "critical-ext.pem"};
    /* TLSSCOPE_ROBUST_ROUNDS / TLSSCOPE_ROBUST_SEED for longer runs by hand */
    const char *env = getenv("TLSSCOPE_ROBUST_ROUNDS");
    int rounds = env ? atoi(env) : 8000;
    env = getenv("TLSSCOPE_ROBUST_SEED");
    if (env && atol(env) != 0) rng_state = (uint32_t)atol(env);
    size_t rn;
    uint8_t *rder = fixture_der("root.pem", 0, &rn);
    struct cert *ref = cert_parse(rder, rn);
    free(rder);

    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t n;
        uint8_t *der = fixture_der(files[f], 0, &n);
        uint8_t *buf = malloc(n + 16);
        /* every truncation */
        for (size_t k = 0; k <= n; k++) {
            memcpy(buf, der, k);
            exercise(buf, k, ref);
        }
        /* byte mutations, favouring the tag/length bytes of the outer layers */
        for (int round = 0; round < rounds; round++) {
            memcpy(buf, der, n);
            int edits = 1 + (int)(rnd() % 4);
            for (int e = 0; e < edits; e++) {
                size_t pos = rnd() % (round % 2 ? n : (n < 400 ? n : 400));
                switch (rnd() % 4) {
                case 0: buf[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
                case 1: buf[pos] = (uint8_t)rnd(); break;
                case 2: buf[pos] = 0xff; break;
                default: buf[pos] = 0x80 | (uint8_t)(rnd() % 5); break; /* long-form lengths */
                }
            }
            exercise(buf, n, ref);
        }
        free(buf);
        free(der);
    }
    cert_free(ref);
    printf("%ld certificates exercised\n", checked);
    return check_summary();
}
