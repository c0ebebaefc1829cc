/* libFuzzer target: DER certificates → cert cache → chain building and
 * verdict against a small fixed trust store, with a random SNI, then the
 * text and JSON reports of that verdict.
 *
 * Input: u8 flags (bit 0 RFC profile, bit 1 send the SNI, bit 2 IPv6,
 * bit 3 also read the last certificate's bytes as a stapled OCSP response,
 * bits 4-7 pick the judging time), u8 SNI length, SNI bytes, then up to
 * TLS_MAX_CHAIN certificates as {u16 length, DER}. Seeds: the chains of
 * pcaps/ and tests/corpus/ with their SNI (fuzz/seedgen), and every
 * certificate of tests/fixtures.
 * Checks: no crash or leak; the reports pass check_output.h. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/check_output.h"
#include "engine/pipeline.h"
#include "report/report.h"

#ifndef TLSSCOPE_SOURCE_DIR
#define TLSSCOPE_SOURCE_DIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct trust_store *fixed_store(void)
{
    static struct trust_store st;
    static int loaded;
    static const char *const files[] = {"pcaps/expressway-store.pem", "pcaps/test-store.pem",
                                        "tests/fixtures/root.pem"};
    if (loaded) return &st;
    loaded = 1;
    store_init(&st);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1024], err[512];
        snprintf(path, sizeof path, "%s/%s", TLSSCOPE_SOURCE_DIR, files[i]);
        if (store_load(&st, path, err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_cert_verdict: %s\n", err);
            abort(); /* a target without its store would fuzz nothing useful */
        }
    }
    return &st;
}

static void check_out(const struct sbuf *sb, int json)
{
    const char *bad = json ? out_check_json((const uint8_t *)sbuf_str(sb), sb->len, NULL)
                           : out_check_text((const uint8_t *)sbuf_str(sb), sb->len, true, NULL);
    if (bad) {
        fprintf(stderr, "output check: %s\n%s\n", bad, sbuf_str(sb));
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t times[16] = {1700000000, 0, 4102444800, 1234567890, -1, 253402300799,
                                      1600000000, 1650000000, 1690000000, 1710000000,
                                      1750000000, 1800000000, 2000000000, 946684800,
                                      2147483647, 2147483648LL};
    struct trust_store *store = fixed_store();
    if (size < 2) return 0;
    uint8_t flags = data[0];
    size_t sni_len = data[1];
    size_t i = 2;
    if (sni_len > size - i) sni_len = size - i;

    struct tls_conn *c = calloc(1, sizeof *c);
    struct cert_cache *cc = certcache_new(4);
    if (!c || !cc) abort();
    c->family = (flags & 4) ? 6 : 4;
    c->server_ip[0] = 10;
    c->server_ip[3] = 1;
    c->server_port = 443;
    c->is_tls = true;
    c->ch.present = true;
    c->ch.has_sni = (flags & 2) != 0;
    c->ch.sni_len = c->ch.sni_total = (uint16_t)sni_len;
    memcpy(c->ch.sni, data + i, sni_len);
    i += sni_len;
    c->sh.present = true;
    c->sh.legacy_version = TLS_V_12;
    c->sh.cipher = 0xc02b;
    c->chain_final = true;

    struct conn_record rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 1;
    rec.tls = c;
    const uint8_t *last = NULL;
    size_t last_n = 0;
    while (i + 2 <= size && rec.n_chain < TLS_MAX_CHAIN) {
        size_t n = ((size_t)data[i] << 8) | data[i + 1];
        i += 2;
        if (n > size - i) n = size - i;
        last = data + i;
        last_n = n;
        rec.chain[rec.n_chain++] = certcache_intern(cc, data + i, n); /* NULL kept in place */
        i += n;
    }
    if ((flags & 8) && last) {
        /* the last blob is also read as a stapled OCSP response, so the
         * reports print one (responder name, serials) from fuzzed bytes */
        c->server_certs.staple.present = true;
        (void)ocsp_parse(last, last_n, &rec.staple);
    }
    c->server_certs.present = true;
    c->server_certs.n_total = (uint16_t)rec.n_chain;

    struct judge_input in = {
        .conn = c,
        .chain = rec.chain,
        .n_chain = rec.n_chain,
        .store = store,
        .profile = (flags & 1) ? PROFILE_RFC : PROFILE_EXPRESSWAY,
        .at = times[flags >> 4],
    };
    verdict_judge(&in, &rec.verdict);
    rec.judged = true;
    verdict_observe(&rec.verdict, c);

    /* the relations the chain builder uses, on every pair */
    for (int a = 0; a < rec.n_chain; a++) {
        const struct cert *x = rec.chain[a];
        if (!x) continue;
        char pem[8192];
        size_t w = 0;
        (void)cert_write_pem(x, pem, sizeof pem, &w);
        (void)cert_is_self_signed(x);
        char name[300];
        snprintf(name, sizeof name, "%.*s", (int)sni_len, (const char *)c->ch.sni);
        (void)name_match_expressway(x, name);
        (void)name_match_rfc(x, name);
        for (int b = 0; b < rec.n_chain && b < 4; b++)
            if (rec.chain[b] && cert_could_issue(rec.chain[b], x))
                (void)cert_signature_ok(rec.chain[b], x);
    }

    struct sbuf sb;
    struct report_style st = {.utf8 = true, .verbose = true, .pem = true};
    sbuf_init(&sb, 0);
    report_text_conn(&sb, &rec, &st);
    report_text_details(&sb, &rec, &st, "  ");
    check_out(&sb, 0);
    sbuf_reset(&sb);
    report_json_conn(&sb, &rec, &st);
    check_out(&sb, 1);
    sbuf_free(&sb);

    for (int k = 0; k < rec.n_chain; k++)
        if (rec.chain[k]) certcache_unref(cc, rec.chain[k]);
    certcache_free(cc);
    free(c);
    return 0;
}
