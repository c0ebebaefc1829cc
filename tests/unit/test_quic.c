/* test_quic.c — QUIC Initial protection (dissect/quic.c) against RFC 9001
 * Appendix A byte for byte, then the same packets through the dissector. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dissect/quic.h"
#include "dissect/tls13_decrypt.h"
#include "rfc9001_vectors.h"
#include "testflow.h"

static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

static void test_keys(void)
{
    /* A.1 */
    static const uint8_t client_secret[32] = {
        0xc0, 0x0c, 0xf1, 0x51, 0xca, 0x5b, 0xe0, 0x75, 0xed, 0x0e, 0xbf, 0xb5, 0xc8, 0x03, 0x23, 0xc4,
        0x2d, 0x6b, 0x7d, 0xb6, 0x78, 0x81, 0x28, 0x9a, 0xf4, 0x00, 0x8f, 0x1f, 0x6c, 0x35, 0x7a, 0xea};
    static const uint8_t server_secret[32] = {
        0x3c, 0x19, 0x98, 0x28, 0xfd, 0x13, 0x9e, 0xfd, 0x21, 0x6c, 0x15, 0x5a, 0xd8, 0x44, 0xcc, 0x81,
        0xfb, 0x82, 0xfa, 0x8d, 0x74, 0x46, 0xfa, 0x7d, 0x78, 0xbe, 0x80, 0x3a, 0xcd, 0xda, 0x95, 0x1b};
    static const uint8_t client_key[16] = {0x1f, 0x36, 0x96, 0x13, 0xdd, 0x76, 0xd5, 0x46,
                                           0x77, 0x30, 0xef, 0xcb, 0xe3, 0xb1, 0xa2, 0x2d};
    static const uint8_t client_iv[12] = {0xfa, 0x04, 0x4b, 0x2f, 0x42, 0xa3,
                                          0xfd, 0x3b, 0x46, 0xfb, 0x25, 0x5c};
    static const uint8_t client_hp[16] = {0x9f, 0x50, 0x44, 0x9e, 0x04, 0xa0, 0xe8, 0x10,
                                          0x28, 0x3a, 0x1e, 0x99, 0x33, 0xad, 0xed, 0xd2};
    uint8_t s[32], k[16];
    CHECK_EQ_INT(quic_initial_secret(QUIC_V1, dcid, 8, false, s), 0);
    CHECK_EQ_MEM(s, client_secret, 32);
    CHECK_EQ_INT(quic_initial_secret(QUIC_V1, dcid, 8, true, s), 0);
    CHECK_EQ_MEM(s, server_secret, 32);
    CHECK_EQ_INT(tls13_hkdf_expand_label(32, client_secret, 32, "quic key", NULL, 0, k, 16), 0);
    CHECK_EQ_MEM(k, client_key, 16);
    CHECK_EQ_INT(tls13_hkdf_expand_label(32, client_secret, 32, "quic iv", NULL, 0, k, 12), 0);
    CHECK_EQ_MEM(k, client_iv, 12);
    uint8_t hp[32];
    size_t hp_len = 0;
    char err[96];
    struct tls13_traffic *t =
        tls13_traffic_new_quic(0x1301, client_secret, 32, 0, hp, &hp_len, err, sizeof err);
    CHECK(t != NULL);
    CHECK_EQ_INT(hp_len, 16);
    CHECK_EQ_MEM(hp, client_hp, 16);
    /* A.2: sample d1b1c98dd7689fb8ec11d242b123dc9b -> mask 437b9aec36 */
    static const uint8_t sample[16] = {0xd1, 0xb1, 0xc9, 0x8d, 0xd7, 0x68, 0x9f, 0xb8,
                                       0xec, 0x11, 0xd2, 0x42, 0xb1, 0x23, 0xdc, 0x9b};
    static const uint8_t want_mask[5] = {0x43, 0x7b, 0x9a, 0xec, 0x36};
    uint8_t mask[5];
    CHECK_EQ_INT(tls13_hp_mask(0x1301, hp, hp_len, sample, mask), 0);
    CHECK_EQ_MEM(mask, want_mask, 5);
    tls13_traffic_free(t);
    CHECK_EQ_INT(quic_initial_secret(0xff00001d, dcid, 8, false, s), -1);
}

static uint8_t out[2000];

static void test_open(void)
{
    uint8_t s[32], hp[32];
    size_t hp_len, olen = 0, plen = 0;
    uint64_t pn = 0;
    char err[96];
    /* A.2: the client's Initial, packet number 2, 1162 bytes of frames */
    quic_initial_secret(QUIC_V1, dcid, 8, false, s);
    struct tls13_traffic *t = tls13_traffic_new_quic(0x1301, s, 32, 0, hp, &hp_len, err, sizeof err);
    CHECK_EQ_INT(quic_open_long_packet(rfc9001_client_initial, sizeof rfc9001_client_initial,
                                       0x1301, t, hp, hp_len, -1, out, &olen, &pn, &plen),
                 0);
    CHECK_EQ_INT(pn, 2);
    CHECK_EQ_INT(plen, 1200);
    CHECK_EQ_INT(olen, 1162);
    CHECK_EQ_MEM(out, rfc9001_client_payload, sizeof rfc9001_client_payload);
    int zeros = 1;
    for (size_t i = sizeof rfc9001_client_payload; i < olen; i++) zeros &= out[i] == 0;
    CHECK(zeros); /* PADDING */
    /* one flipped bit: the tag fails */
    static uint8_t bad[1200];
    memcpy(bad, rfc9001_client_initial, sizeof bad);
    bad[600] ^= 1;
    CHECK_EQ_INT(quic_open_long_packet(bad, sizeof bad, 0x1301, t, hp, hp_len, -1, out, &olen, &pn,
                                       &plen),
                 -2);
    /* cut short: a format error, no read past the end */
    CHECK_EQ_INT(quic_open_long_packet(rfc9001_client_initial, 600, 0x1301, t, hp, hp_len, -1, out,
                                       &olen, &pn, &plen),
                 -1);
    tls13_traffic_free(t);

    /* A.3: the server's Initial, packet number 1 */
    quic_initial_secret(QUIC_V1, dcid, 8, true, s);
    t = tls13_traffic_new_quic(0x1301, s, 32, 0, hp, &hp_len, err, sizeof err);
    CHECK_EQ_INT(quic_open_long_packet(rfc9001_server_initial, sizeof rfc9001_server_initial,
                                       0x1301, t, hp, hp_len, -1, out, &olen, &pn, &plen),
                 0);
    CHECK_EQ_INT(pn, 1);
    CHECK_EQ_INT(plen, 135);
    CHECK_EQ_INT(olen, sizeof rfc9001_server_payload);
    CHECK_EQ_MEM(out, rfc9001_server_payload, sizeof rfc9001_server_payload);
    tls13_traffic_free(t);

    /* RFC 9369 A.1 and A.3: QUIC v2's salt, "quicv2" labels and packet types */
    static const uint8_t v2_client_secret[32] = {
        0x14, 0xec, 0x9d, 0x6e, 0xb9, 0xfd, 0x7a, 0xf8, 0x3b, 0xf5, 0xa6, 0x68, 0xbc, 0x17, 0xa7, 0xe2,
        0x83, 0x76, 0x6a, 0xad, 0xe7, 0xec, 0xd0, 0x89, 0x1f, 0x70, 0xf9, 0xff, 0x7f, 0x4b, 0xf4, 0x7b};
    static const uint8_t v2_client_hp[16] = {0x45, 0xb9, 0x5e, 0x15, 0x23, 0x5d, 0x6f, 0x45,
                                             0xa6, 0xb1, 0x9c, 0xbc, 0xb0, 0x29, 0x4b, 0xa9};
    static const uint8_t v2_server_key[16] = {0x82, 0xdb, 0x63, 0x78, 0x61, 0xd5, 0x5e, 0x1d,
                                              0x01, 0x1f, 0x19, 0xea, 0x71, 0xd5, 0xd2, 0xa7};
    uint8_t k[16];
    CHECK_EQ_INT(quic_initial_secret(QUIC_V2, dcid, 8, false, s), 0);
    CHECK_EQ_MEM(s, v2_client_secret, 32);
    t = tls13_traffic_new_quic(0x1301, s, 32, 1, hp, &hp_len, err, sizeof err);
    CHECK_EQ_MEM(hp, v2_client_hp, 16);
    tls13_traffic_free(t);
    quic_initial_secret(QUIC_V2, dcid, 8, true, s);
    CHECK_EQ_INT(tls13_hkdf_expand_label(32, s, 32, "quicv2 key", NULL, 0, k, 16), 0);
    CHECK_EQ_MEM(k, v2_server_key, 16);
    t = tls13_traffic_new_quic(0x1301, s, 32, 1, hp, &hp_len, err, sizeof err);
    CHECK_EQ_INT(quic_open_long_packet(rfc9369_server_initial, sizeof rfc9369_server_initial,
                                       0x1301, t, hp, hp_len, -1, out, &olen, &pn, &plen),
                 0);
    CHECK_EQ_INT(pn, 1);
    CHECK_EQ_INT(olen, sizeof rfc9001_server_payload);
    CHECK_EQ_MEM(out, rfc9001_server_payload, sizeof rfc9001_server_payload);
    tls13_traffic_free(t);
}

static void test_connection(void)
{
    struct flow_meta m = testflow_meta(50000);
    CHECK(quic_datagram_plausible(rfc9001_client_initial, 1200, 1200));
    CHECK(!quic_datagram_plausible(rfc9001_server_initial, 135, 135)); /* not a client's */
    CHECK(!quic_datagram_plausible(rfc9001_client_initial, 1200, 1000));
    struct tls_conn *c = quic_conn_new(&m);
    CHECK_EQ_INT(quic_conn_datagram(c, FLOW_DIR_A, rfc9001_client_initial, 1200, 1200, 1000),
                 FLOW_CONTINUE);
    CHECK(c->is_tls);
    CHECK(c->is_quic);
    CHECK(c->ch.present);
    CHECK_EQ_INT(c->ch.sni_len, 11);
    CHECK_EQ_MEM(c->ch.sni, "example.com", 11);
    CHECK_EQ_INT(c->ch.n_alpn, 1);
    CHECK_EQ_MEM(c->ch.alpn[0].data, "alpn", 4);
    CHECK_EQ_INT(c->quic_version, QUIC_V1);
    quic_conn_datagram(c, FLOW_DIR_B, rfc9001_server_initial, 135, 135, 2000);
    CHECK(c->sh.present);
    CHECK_EQ_INT(c->sh.cipher, 0x1301);
    CHECK_EQ_INT(c->sh.selected_version, 0x0304);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_TLS13);
    CHECK_EQ_INT(c->n_events, 0);
    for (int i = 0; i < c->n_events; i++) fprintf(stderr, "  event: %s\n", c->events[i].detail);
    tls_conn_free(c);

    /* the server's datagram alone: no keys (the client's DCID is unknown) */
    c = quic_conn_new(&m);
    for (int i = 0; i < QUIC_PROBE_DATAGRAMS; i++)
        quic_conn_datagram(c, FLOW_DIR_A, rfc9001_server_initial, 135, 135, 1000);
    CHECK(!c->is_tls);
    CHECK(c->not_tls);
    tls_conn_free(c);
    CHECK_EQ_INT(tls_held_bytes(), 0);
}

int main(void)
{
    test_keys();
    test_open();
    test_connection();
    return check_summary();
}
