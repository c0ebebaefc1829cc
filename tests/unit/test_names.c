/* Unit tests for dissect/names.c: registry lookups and their fallbacks. */
#include <stdint.h>
#include <string.h>

#include "dissect/names.h"
#include "check.h"

static void test_ciphers(void)
{
    char buf[8];
    const struct tls_cipher_info *ci = tls_cipher_lookup(0xc02f);
    CHECK(ci != NULL);
    CHECK_EQ_STR(tls_cipher_iana(0xc02f, buf), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK_EQ_STR(tls_cipher_openssl(0xc02f, buf), "ECDHE-RSA-AES128-GCM-SHA256");
    CHECK_EQ_STR(tls_cipher_iana(0x1301, buf), "TLS_AES_128_GCM_SHA256");
    CHECK_EQ_STR(tls_cipher_openssl(0x1301, buf), "TLS_AES_128_GCM_SHA256");
    CHECK_EQ_STR(tls_cipher_iana(0x1305, buf), "TLS_AES_128_CCM_8_SHA256");
    /* unknown: hex in the caller's buffer, for both names */
    CHECK(tls_cipher_lookup(0x1234) == NULL);
    CHECK_EQ_STR(tls_cipher_iana(0x1234, buf), "0x1234");
    CHECK_EQ_STR(tls_cipher_openssl(0x1234, buf), "0x1234");
    CHECK_EQ_STR(tls_cipher_iana(0x0a0a, buf), "0x0a0a");
    /* legacy OpenSSL names Expressway/Zeek users know */
    CHECK_EQ_STR(tls_cipher_openssl(0xc011, buf), "ECDHE-RSA-RC4-SHA");
    CHECK_EQ_STR(tls_cipher_iana(0xc011, buf), "TLS_ECDHE_RSA_WITH_RC4_128_SHA");
    CHECK_EQ_STR(tls_cipher_openssl(0x0003, buf), "EXP-RC4-MD5");
    CHECK_EQ_STR(tls_cipher_openssl(0x000a, buf), "DES-CBC3-SHA");
    CHECK_EQ_STR(tls_cipher_openssl(0x0016, buf), "DHE-RSA-DES-CBC3-SHA");
    CHECK_EQ_STR(tls_cipher_openssl(0x0064, buf), "EXP1024-RC4-SHA");
    /* no OpenSSL name: falls back to the IANA name */
    CHECK_EQ_STR(tls_cipher_openssl(0x00ff, buf), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    CHECK_EQ_STR(tls_cipher_iana(0x5600, buf), "TLS_FALLBACK_SCSV");
    CHECK_EQ_STR(tls_cipher_iana(0xc050, buf), "TLS_RSA_WITH_ARIA_128_GCM_SHA256");
    CHECK_EQ_STR(tls_cipher_openssl(0xc050, buf), "ARIA128-GCM-SHA256");
    CHECK_EQ_STR(tls_cipher_iana(0xc100, buf), "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC");
    CHECK_EQ_STR(tls_cipher_openssl(0xc0a4, buf), "PSK-AES128-CCM");
    CHECK_EQ_STR(tls_cipher_openssl(0xc035, buf), "ECDHE-PSK-AES128-CBC-SHA");
    CHECK_EQ_STR(tls_cipher_openssl(0xd001, buf), "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"); /* none in OpenSSL */
    CHECK_EQ_STR(tls_cipher_iana(0x00c4, buf), "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256");
    CHECK_EQ_STR(tls_cipher_iana(0xcc13, buf), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD");
    /* kx/auth */
    ci = tls_cipher_lookup(0xc02b);
    CHECK(ci && ci->kx == TLS_KX_ECDHE && ci->auth == TLS_AUTH_ECDSA);
    ci = tls_cipher_lookup(0x1302);
    CHECK(ci && ci->kx == TLS_KX_ANY && ci->auth == TLS_AUTH_ANY);
    ci = tls_cipher_lookup(0x002f);
    CHECK(ci && ci->kx == TLS_KX_RSA && ci->auth == TLS_AUTH_RSA);
    ci = tls_cipher_lookup(0x0034); /* DH_anon: ephemeral DH, no certificate */
    CHECK(ci && ci->kx == TLS_KX_DHE && ci->auth == TLS_AUTH_ANON);
    ci = tls_cipher_lookup(0xc018); /* ECDH_anon */
    CHECK(ci && ci->kx == TLS_KX_ECDHE && ci->auth == TLS_AUTH_ANON);
    ci = tls_cipher_lookup(0x008c);
    CHECK(ci && ci->kx == TLS_KX_PSK && ci->auth == TLS_AUTH_PSK);
    ci = tls_cipher_lookup(0x0094); /* RSA_PSK needs the server's RSA certificate */
    CHECK(ci && ci->kx == TLS_KX_PSK && ci->auth == TLS_AUTH_RSA);
    ci = tls_cipher_lookup(0xc035);
    CHECK(ci && ci->kx == TLS_KX_ECDHE && ci->auth == TLS_AUTH_PSK);
    ci = tls_cipher_lookup(0x0013);
    CHECK(ci && ci->kx == TLS_KX_DHE && ci->auth == TLS_AUTH_DSS);
    ci = tls_cipher_lookup(0xc00e);
    CHECK(ci && ci->kx == TLS_KX_ECDH && ci->auth == TLS_AUTH_RSA);
    ci = tls_cipher_lookup(0x0000);
    CHECK(ci && ci->kx == TLS_KX_NULL && ci->auth == TLS_AUTH_NULL);
    ci = tls_cipher_lookup(0xc01d);
    CHECK(ci && ci->kx == TLS_KX_SRP);
}

static void test_grease(void)
{
    static const uint16_t g[] = {0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a,
                                 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa};
    int n = 0;
    for (unsigned v = 0; v <= 0xffff; v++) n += tls_is_grease((uint16_t)v);
    CHECK_EQ_INT(n, 16);
    for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) CHECK(tls_is_grease(g[i]));
    CHECK(!tls_is_grease(0x0a1a));
    CHECK(!tls_is_grease(0xc02f));
    CHECK(!tls_is_grease(0x0b0b));
}

static void test_versions(void)
{
    const char *p = NULL, *v = NULL;
    CHECK_EQ_STR(tls_version_name(0x0002), "SSL 2.0");
    CHECK_EQ_STR(tls_version_name(0x0300), "SSL 3.0");
    CHECK_EQ_STR(tls_version_name(0x0301), "TLS 1.0");
    CHECK_EQ_STR(tls_version_name(0x0302), "TLS 1.1");
    CHECK_EQ_STR(tls_version_name(0x0303), "TLS 1.2");
    CHECK_EQ_STR(tls_version_name(0x0304), "TLS 1.3");
    CHECK_EQ_STR(tls_version_name(0x7f17), "TLS 1.3 draft 23");
    CHECK_EQ_STR(tls_version_name(0x7f0e), "TLS 1.3 draft 14");
    CHECK_EQ_STR(tls_version_name(0x7e01), "TLS 1.3 experiment 1");
    CHECK_EQ_STR(tls_version_name(0xfb17), "TLS 1.3 Facebook draft 23");
    CHECK(tls_version_name(0x0305) == NULL);
    CHECK(tls_version_name(0x0a0a) == NULL);
    CHECK(tls_version_is13_family(0x7f12));
    CHECK(tls_version_is13_family(0x7e01));
    CHECK(tls_version_is13_family(0x0304));
    CHECK(!tls_version_is13_family(0x0303));
    CHECK(!tls_version_is13_family(0x7f1d));
    CHECK(tls_version_ecs(0x0303, &p, &v));
    CHECK_EQ_STR(p, "tls");
    CHECK_EQ_STR(v, "1.2");
    CHECK(tls_version_ecs(0x0300, &p, &v));
    CHECK_EQ_STR(p, "ssl");
    CHECK_EQ_STR(v, "3.0");
    CHECK(tls_version_ecs(0x7f17, &p, &v));
    CHECK_EQ_STR(v, "1.3");
    CHECK(!tls_version_ecs(0x1234, &p, &v));
}

static void test_registries(void)
{
    CHECK_EQ_INT(tls_names_selfcheck(), 0);
    CHECK_EQ_STR(tls_extension_name(0), "server_name");
    CHECK_EQ_STR(tls_extension_name(16), "application_layer_protocol_negotiation");
    CHECK_EQ_STR(tls_extension_name(0xff01), "renegotiation_info");
    CHECK_EQ_STR(tls_extension_name(0xfe0d), "encrypted_client_hello");
    CHECK_EQ_STR(tls_extension_name(0x4469), "application_settings_old");
    CHECK_EQ_STR(tls_extension_name(13172), "next_protocol_negotiation");
    CHECK_EQ_STR(tls_extension_name(51), "key_share");
    CHECK(tls_extension_name(0x0a0a) == NULL);
    CHECK_EQ_STR(tls_group_name(29), "x25519");
    CHECK_EQ_STR(tls_group_name(30), "x448");
    CHECK_EQ_STR(tls_group_name(23), "secp256r1");
    CHECK_EQ_STR(tls_group_name(0x0100), "ffdhe2048");
    CHECK_EQ_STR(tls_group_name(0x0104), "ffdhe8192");
    CHECK_EQ_STR(tls_group_name(0x6399), "X25519Kyber768Draft00");
    CHECK_EQ_STR(tls_group_name(0x11ec), "X25519MLKEM768");
    CHECK(tls_group_name(0x1234) == NULL);
    CHECK_EQ_STR(tls_sigalg_name(0x0403), "ecdsa_secp256r1_sha256");
    CHECK_EQ_STR(tls_sigalg_name(0x0804), "rsa_pss_rsae_sha256");
    CHECK_EQ_STR(tls_sigalg_name(0x0807), "ed25519");
    CHECK_EQ_STR(tls_sigalg_name(0x0201), "rsa_pkcs1_sha1");
    CHECK_EQ_STR(tls_alert_name(48), "unknown_ca");
    CHECK_EQ_STR(tls_alert_name(0), "close_notify");
    CHECK_EQ_STR(tls_alert_name(112), "unrecognized_name");
    CHECK_EQ_STR(tls_alert_name(121), "ech_required");
    CHECK(tls_alert_name(255) == NULL);
    CHECK_EQ_STR(tls_handshake_name(1), "client_hello");
    CHECK_EQ_STR(tls_handshake_name(11), "certificate");
    CHECK_EQ_STR(tls_handshake_name(22), "certificate_status");
    CHECK(tls_handshake_name(99) == NULL);
    CHECK_EQ_STR(tls_sslv2_cipher_name(0x010080), "SSL2_RC4_128_WITH_MD5");
    CHECK_EQ_STR(tls_sslv2_cipher_name(0x0700c0), "SSL2_DES_192_EDE3_CBC_WITH_MD5");
    CHECK(tls_sslv2_cipher_name(0x00000a) == NULL);
}

int main(void)
{
    test_ciphers();
    test_grease();
    test_versions();
    test_registries();
    return check_summary();
}
