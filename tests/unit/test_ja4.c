/* JA4 (report/ja4.c) against the JA4 project's published example and rules:
 * github.com/FoxIO-LLC/ja4, technical_details/JA4.md (sections "Cipher
 * hash", "Extension hash", "Example", "Raw Output", "ALPN Extension
 * Value"). The ClientHello facts are the example's, with GREASE added to
 * every list (it must not count). Real captures are compared with Arkime's
 * published JA4 values in tests/t_ja4.sh. */
#include <string.h>

#include "check.h"
#include "common/sbuf.h"
#include "report/ja4.h"

static const uint16_t EX_CIPHERS[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
                                      0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
                                      0x002f, 0x0035};
static const uint16_t EX_EXTS[] = {0x1a1a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017,
                                   0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
                                   0x000b, 0x000a, 0x0015};
static const uint16_t EX_SIGS[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

static void example(struct tls_client_hello *ch)
{
    memset(ch, 0, sizeof(*ch));
    ch->present = true;
    ch->legacy_version = 0x0303;
    for (size_t i = 0; i < sizeof(EX_CIPHERS) / 2; i++) ch->ciphers[ch->n_ciphers++] = EX_CIPHERS[i];
    ch->n_ciphers_total = ch->n_ciphers;
    for (size_t i = 0; i < sizeof(EX_EXTS) / 2; i++) ch->exts[ch->n_exts++].type = EX_EXTS[i];
    ch->n_exts_total = ch->n_exts;
    for (size_t i = 0; i < sizeof(EX_SIGS) / 2; i++) ch->sig_algs.v[ch->sig_algs.n++] = EX_SIGS[i];
    ch->sig_algs.total = ch->sig_algs.n;
    ch->supported_versions.v[0] = 0x3a3a;
    ch->supported_versions.v[1] = 0x0304;
    ch->supported_versions.v[2] = 0x0303;
    ch->supported_versions.n = ch->supported_versions.total = 3;
    ch->has_sni = true;
    ch->n_alpn = ch->n_alpn_total = 2;
    memcpy(ch->alpn[0].data, "h2", 2);
    ch->alpn[0].len = ch->alpn[0].total = 2;
    memcpy(ch->alpn[1].data, "http/1.1", 8);
    ch->alpn[1].len = ch->alpn[1].total = 8;
}

static void test_published_example(void)
{
    struct tls_client_hello ch;
    char ja4[JA4_LEN + 1];
    struct sbuf raw;
    example(&ch);
    sbuf_init(&raw, 4096);
    CHECK(ja4_client(&ch, JA4_TCP, ja4, &raw));
    /* JA4.md "Example" */
    CHECK_EQ_STR(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    /* JA4.md "Raw Output", JA4_r */
    CHECK_EQ_STR(sbuf_str(&raw),
                 "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,"
                 "cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
                 "0403,0804,0401,0503,0805,0501,0806,0601");
    sbuf_free(&raw);

    /* "If there are no signature algorithms ... the string ends without an
     * underscore": 0005,...,ff01 = 6d807ffa2a79 */
    ch.sig_algs.n = ch.sig_algs.total = 0;
    CHECK(ja4_client(&ch, JA4_TCP, ja4, NULL));
    CHECK_EQ_STR(ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");

    /* no SNI, QUIC, DTLS 1.2, no ALPN, legacy version only */
    example(&ch);
    ch.has_sni = false;
    CHECK(ja4_client(&ch, JA4_QUIC, ja4, NULL));
    CHECK_EQ_STR(ja4, "q13i1516h2_8daaf6152771_e5627efa2ab1");
    ch.n_alpn = ch.n_alpn_total = 0;
    ch.supported_versions.n = ch.supported_versions.total = 0;
    ch.exts[12].type = 0x0017; /* no supported_versions extension any more */
    ch.legacy_version = 0xfefd;
    CHECK(ja4_client(&ch, JA4_DTLS, ja4, NULL));
    CHECK_EQ_INT(strncmp(ja4, "dd2i151600_8daaf6152771_", 24), 0);

    /* "If there are no ciphers ... 000000000000"; same for extensions */
    example(&ch);
    ch.n_ciphers = ch.n_ciphers_total = 1; /* GREASE only */
    ch.n_exts = ch.n_exts_total = 1;
    ch.has_sni = false; /* what is left of the hello without its extensions */
    ch.n_alpn = ch.n_alpn_total = 0;
    CHECK(ja4_client(&ch, JA4_TCP, ja4, NULL));
    CHECK_EQ_STR(ja4, "t12i000000_000000000000_000000000000");

    /* a list cut by a cap: no fingerprint rather than a wrong one */
    example(&ch);
    ch.n_ciphers_total = 300;
    CHECK(!ja4_client(&ch, JA4_TCP, ja4, NULL));
}

static const char *alpn_chars(const uint8_t *v, int n)
{
    static char ja4[JA4_LEN + 1];
    struct tls_client_hello ch;
    example(&ch);
    memcpy(ch.alpn[0].data, v, (size_t)n);
    ch.alpn[0].len = ch.alpn[0].total = (uint16_t)n;
    if (!ja4_client(&ch, JA4_TCP, ja4, NULL)) return "-";
    ja4[10] = '\0';
    return ja4 + 8;
}

static void test_alpn_rules(void)
{
    /* JA4.md "ALPN Extension Value", its examples one by one */
    CHECK_EQ_STR(alpn_chars((const uint8_t *)"http/1.1", 8), "h1");
    CHECK_EQ_STR(alpn_chars((const uint8_t *)"h", 1), "hh");
    CHECK_EQ_STR(alpn_chars((const uint8_t *)"\xab", 1), "ab");
    CHECK_EQ_STR(alpn_chars((const uint8_t *)"\xab\xcd", 2), "ad");
    CHECK_EQ_STR(alpn_chars((const uint8_t *)"\x30\xab", 2), "3b");
    CHECK_EQ_STR(alpn_chars((const uint8_t *)"\x30\x31\xab\xcd", 4), "3d");
    CHECK_EQ_STR(alpn_chars((const uint8_t *)"\x30\xab\xcd\x31", 4), "01");
    CHECK_EQ_STR(alpn_chars((const uint8_t *)"", 0), "00");
}

int main(void)
{
    test_published_example();
    test_alpn_rules();
    return check_summary();
}
