/* names.c — IANA "Transport Layer Security (TLS) Parameters" registries as
 * sorted constant tables searched by binary search. No heap, no state.
 *
 * The cipher suite table is generated (tests/tools/gen_cipher_table.py) from
 * Wireshark's registry copy and OpenSSL's own names; everything else is
 * written out here from the IANA registry, with the non-IANA values that real
 * traffic carries (Chrome's ALPS and Kyber drafts, NPN, Channel ID) marked.
 */
#include "names.h"

#include <stddef.h>
#include <stdio.h>

static const struct tls_cipher_info cipher_table[] = {
#include "cipher_table.inc"
};

struct name16 {
    uint16_t v;
    const char *name;
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Tables below must stay sorted by value: binary search. test_names checks
 * the order of every table through tls_names_selfcheck(). */
static const char *name16_find(const struct name16 *t, size_t n, uint16_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].v == v) return t[mid].name;
        if (t[mid].v < v) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const struct tls_cipher_info *tls_cipher_lookup(uint16_t id)
{
    size_t lo = 0, hi = N_ELEMS(cipher_table);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cipher_table[mid].id == id) return &cipher_table[mid];
        if (cipher_table[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static const char *hex16(uint16_t v, char buf[8])
{
    snprintf(buf, 8, "0x%04x", (unsigned)v);
    return buf;
}

const char *tls_cipher_iana(uint16_t id, char buf[8])
{
    const struct tls_cipher_info *ci = tls_cipher_lookup(id);
    return ci ? ci->iana : hex16(id, buf);
}

const char *tls_cipher_openssl(uint16_t id, char buf[8])
{
    const struct tls_cipher_info *ci = tls_cipher_lookup(id);
    if (!ci) return hex16(id, buf);
    return ci->openssl ? ci->openssl : ci->iana;
}

/* RFC 8701 §2: 0x0A0A, 0x1A1A, ..., 0xFAFA — both bytes equal, low nibble A. */
bool tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* --- versions --- */

static const struct name16 version_table[] = {
    {0x0002, "SSL 2.0"},
    /* OpenSSL before 0.9.8f put DTLS1_BAD_VER on the wire for DTLS 1.0 (the
     * version tshark calls DTLS-OpenSSL-pre0.9.8f); Cisco AnyConnect still
     * speaks it. */
    {0x0100, "DTLS 1.0 (OpenSSL pre-0.9.8f)"},
    {0x0300, "SSL 3.0"},
    {0x0301, "TLS 1.0"},
    {0x0302, "TLS 1.1"},
    {0x0303, "TLS 1.2"},
    {0x0304, "TLS 1.3"},
    /* Chrome's 2017 TLS 1.3 experiments (draft 18 with middlebox
     * compatibility changes), seen in Chrome 62-64 canaries. */
    {0x7e01, "TLS 1.3 experiment 1"},
    {0x7e02, "TLS 1.3 experiment 2"},
    {0x7e03, "TLS 1.3 experiment 3"},
    {0x7e04, "TLS 1.3 experiment 4"},
    {0x7e05, "TLS 1.3 experiment 5"},
    {0x7e06, "TLS 1.3 experiment 6"},
    /* draft-ietf-tls-tls13-NN used 0x7f00 + NN. */
    {0x7f00, "TLS 1.3 draft 0"},
    {0x7f01, "TLS 1.3 draft 1"},
    {0x7f02, "TLS 1.3 draft 2"},
    {0x7f03, "TLS 1.3 draft 3"},
    {0x7f04, "TLS 1.3 draft 4"},
    {0x7f05, "TLS 1.3 draft 5"},
    {0x7f06, "TLS 1.3 draft 6"},
    {0x7f07, "TLS 1.3 draft 7"},
    {0x7f08, "TLS 1.3 draft 8"},
    {0x7f09, "TLS 1.3 draft 9"},
    {0x7f0a, "TLS 1.3 draft 10"},
    {0x7f0b, "TLS 1.3 draft 11"},
    {0x7f0c, "TLS 1.3 draft 12"},
    {0x7f0d, "TLS 1.3 draft 13"},
    {0x7f0e, "TLS 1.3 draft 14"},
    {0x7f0f, "TLS 1.3 draft 15"},
    {0x7f10, "TLS 1.3 draft 16"},
    {0x7f11, "TLS 1.3 draft 17"},
    {0x7f12, "TLS 1.3 draft 18"},
    {0x7f13, "TLS 1.3 draft 19"},
    {0x7f14, "TLS 1.3 draft 20"},
    {0x7f15, "TLS 1.3 draft 21"},
    {0x7f16, "TLS 1.3 draft 22"},
    {0x7f17, "TLS 1.3 draft 23"},
    {0x7f18, "TLS 1.3 draft 24"},
    {0x7f19, "TLS 1.3 draft 25"},
    {0x7f1a, "TLS 1.3 draft 26"},
    {0x7f1b, "TLS 1.3 draft 27"},
    {0x7f1c, "TLS 1.3 draft 28"},
    /* Facebook's fizz shipped drafts under its own numbers. */
    {0xfb17, "TLS 1.3 Facebook draft 23"},
    {0xfb1a, "TLS 1.3 Facebook draft 26"},
    /* DTLS counts down from 0xfeff, the 1's complement of the TLS minor
     * (RFC 6347 §4.1, RFC 9147 §5.3). DTLS 1.1 was never used. */
    {0xfefc, "DTLS 1.3"},
    {0xfefd, "DTLS 1.2"},
    {0xfeff, "DTLS 1.0"},
};

const char *tls_version_name(uint16_t v)
{
    return name16_find(version_table, N_ELEMS(version_table), v);
}

bool tls_version_is13_family(uint16_t v)
{
    return v == 0x0304 || (v >= 0x7f00 && v <= 0x7f1c) || (v >= 0x7e01 && v <= 0x7e06) ||
           v == 0xfb17 || v == 0xfb1a || v == 0xfefc;
}

bool tls_version_is_dtls(uint16_t v)
{
    return v == 0xfeff || v == 0xfefd || v == 0xfefc || v == 0x0100;
}

bool tls_version_ecs(uint16_t v, const char **protocol, const char **version)
{
    const char *p = "tls", *s = NULL;
    switch (v) {
    case 0x0002: p = "ssl"; s = "2.0"; break;
    case 0x0300: p = "ssl"; s = "3.0"; break;
    case 0x0301: s = "1.0"; break;
    case 0x0302: s = "1.1"; break;
    case 0x0303: s = "1.2"; break;
    /* DTLS (RFC 6347 §4.1, RFC 9147 §5.3): ECS network protocol "dtls" */
    case 0x0100: p = "dtls"; s = "1.0"; break;
    case 0xfeff: p = "dtls"; s = "1.0"; break;
    case 0xfefd: p = "dtls"; s = "1.2"; break;
    case 0xfefc: p = "dtls"; s = "1.3"; break;
    default:
        if (tls_version_is13_family(v)) s = "1.3";
        break;
    }
    if (!s) return false;
    if (protocol) *protocol = p;
    if (version) *version = s;
    return true;
}

/* --- extensions (IANA ExtensionType Values) --- */

static const struct name16 ext_table[] = {
    {0, "server_name"},
    {1, "max_fragment_length"},
    {2, "client_certificate_url"},
    {3, "trusted_ca_keys"},
    {4, "truncated_hmac"},
    {5, "status_request"},
    {6, "user_mapping"},
    {7, "client_authz"},
    {8, "server_authz"},
    {9, "cert_type"},
    {10, "supported_groups"},
    {11, "ec_point_formats"},
    {12, "srp"},
    {13, "signature_algorithms"},
    {14, "use_srtp"},
    {15, "heartbeat"},
    {16, "application_layer_protocol_negotiation"},
    {17, "status_request_v2"},
    {18, "signed_certificate_timestamp"},
    {19, "client_certificate_type"},
    {20, "server_certificate_type"},
    {21, "padding"},
    {22, "encrypt_then_mac"},
    {23, "extended_master_secret"},
    {24, "token_binding"},
    {25, "cached_info"},
    {26, "tls_lts"},
    {27, "compress_certificate"},
    {28, "record_size_limit"},
    {29, "pwd_protect"},
    {30, "pwd_clear"},
    {31, "password_salt"},
    {32, "ticket_pinning"},
    {33, "tls_cert_with_extern_psk"},
    {34, "delegated_credential"},
    {35, "session_ticket"},
    {36, "TLMSP"},
    {37, "TLMSP_proxying"},
    {38, "TLMSP_delegate"},
    {39, "supported_ekt_ciphers"},
    {40, "key_share_draft"},          /* key_share in TLS 1.3 drafts <= 22 */
    {41, "pre_shared_key"},
    {42, "early_data"},
    {43, "supported_versions"},
    {44, "cookie"},
    {45, "psk_key_exchange_modes"},
    {46, "ticket_early_data_info"},   /* TLS 1.3 drafts only */
    {47, "certificate_authorities"},
    {48, "oid_filters"},
    {49, "post_handshake_auth"},
    {50, "signature_algorithms_cert"},
    {51, "key_share"},
    {52, "transparency_info"},
    {53, "connection_id_deprecated"},
    {54, "connection_id"},
    {55, "external_id_hash"},
    {56, "external_session_id"},
    {57, "quic_transport_parameters"},
    {58, "ticket_request"},
    {59, "dnssec_chain"},
    {60, "sequence_number_encryption_algorithms"},
    {61, "rrc"},
    {62, "tls_flags"},
    {13172, "next_protocol_negotiation"}, /* not IANA: NPN draft */
    {17513, "application_settings_old"},  /* not IANA: Chrome ALPS 0x4469 */
    {17613, "application_settings"},      /* not IANA: Chrome ALPS 0x44cd */
    {30031, "channel_id_old"},            /* not IANA */
    {30032, "channel_id"},                /* not IANA */
    {0xfd00, "ech_outer_extensions"},
    {0xfe0d, "encrypted_client_hello"},
    {65281, "renegotiation_info"},
    {65445, "quic_transport_parameters_draft"}, /* not IANA */
    {65486, "encrypted_server_name"},     /* not IANA: ESNI draft */
};

const char *tls_extension_name(uint16_t type)
{
    return name16_find(ext_table, N_ELEMS(ext_table), type);
}

/* --- named groups (IANA Supported Groups Registry) --- */

static const struct name16 group_table[] = {
    {1, "sect163k1"},
    {2, "sect163r1"},
    {3, "sect163r2"},
    {4, "sect193r1"},
    {5, "sect193r2"},
    {6, "sect233k1"},
    {7, "sect233r1"},
    {8, "sect239k1"},
    {9, "sect283k1"},
    {10, "sect283r1"},
    {11, "sect409k1"},
    {12, "sect409r1"},
    {13, "sect571k1"},
    {14, "sect571r1"},
    {15, "secp160k1"},
    {16, "secp160r1"},
    {17, "secp160r2"},
    {18, "secp192k1"},
    {19, "secp192r1"},
    {20, "secp224k1"},
    {21, "secp224r1"},
    {22, "secp256k1"},
    {23, "secp256r1"},
    {24, "secp384r1"},
    {25, "secp521r1"},
    {26, "brainpoolP256r1"},
    {27, "brainpoolP384r1"},
    {28, "brainpoolP512r1"},
    {29, "x25519"},
    {30, "x448"},
    {31, "brainpoolP256r1tls13"},
    {32, "brainpoolP384r1tls13"},
    {33, "brainpoolP512r1tls13"},
    {34, "GC256A"},
    {35, "GC256B"},
    {36, "GC256C"},
    {37, "GC256D"},
    {38, "GC512A"},
    {39, "GC512B"},
    {40, "GC512C"},
    {41, "curveSM2"},
    {256, "ffdhe2048"},
    {257, "ffdhe3072"},
    {258, "ffdhe4096"},
    {259, "ffdhe6144"},
    {260, "ffdhe8192"},
    {0x0200, "MLKEM512"},
    {0x0201, "MLKEM768"},
    {0x0202, "MLKEM1024"},
    {0x11eb, "SecP256r1MLKEM768"},
    {0x11ec, "X25519MLKEM768"},
    {0x11ed, "SecP384r1MLKEM1024"},
    {0x6399, "X25519Kyber768Draft00"},
    {0x639a, "SecP256r1Kyber768Draft00"},
    {0xfe30, "X25519Kyber512Draft00"},    /* not IANA: Cloudflare experiment */
    {0xfe31, "X25519Kyber768Draft00_old"},/* not IANA: Cloudflare experiment */
    {0xff01, "arbitrary_explicit_prime_curves"},
    {0xff02, "arbitrary_explicit_char2_curves"},
};

const char *tls_group_name(uint16_t group)
{
    return name16_find(group_table, N_ELEMS(group_table), group);
}

/* --- signature schemes (RFC 8446 §4.2.3; TLS 1.2 hash/signature pairs,
 * RFC 5246 §7.4.1.4.1, named the same way) --- */

static const struct name16 sigalg_table[] = {
    {0x0101, "rsa_pkcs1_md5"},
    {0x0102, "dsa_md5"},
    {0x0103, "ecdsa_md5"},
    {0x0201, "rsa_pkcs1_sha1"},
    {0x0202, "dsa_sha1"},
    {0x0203, "ecdsa_sha1"},
    {0x0301, "rsa_pkcs1_sha224"},
    {0x0302, "dsa_sha224"},
    {0x0303, "ecdsa_sha224"},
    {0x0401, "rsa_pkcs1_sha256"},
    {0x0402, "dsa_sha256"},
    {0x0403, "ecdsa_secp256r1_sha256"},
    {0x0420, "rsa_pkcs1_sha256_legacy"},
    {0x0501, "rsa_pkcs1_sha384"},
    {0x0502, "dsa_sha384"},
    {0x0503, "ecdsa_secp384r1_sha384"},
    {0x0520, "rsa_pkcs1_sha384_legacy"},
    {0x0601, "rsa_pkcs1_sha512"},
    {0x0602, "dsa_sha512"},
    {0x0603, "ecdsa_secp521r1_sha512"},
    {0x0620, "rsa_pkcs1_sha512_legacy"},
    {0x0704, "eccsi_sha256"},
    {0x0705, "iso_ibs1"},
    {0x0706, "iso_ibs2"},
    {0x0707, "iso_chinese_ibs"},
    {0x0708, "sm2sig_sm3"},
    {0x0709, "gostr34102012_256a"},
    {0x070a, "gostr34102012_256b"},
    {0x070b, "gostr34102012_256c"},
    {0x070c, "gostr34102012_256d"},
    {0x070d, "gostr34102012_512a"},
    {0x070e, "gostr34102012_512b"},
    {0x070f, "gostr34102012_512c"},
    {0x0804, "rsa_pss_rsae_sha256"},
    {0x0805, "rsa_pss_rsae_sha384"},
    {0x0806, "rsa_pss_rsae_sha512"},
    {0x0807, "ed25519"},
    {0x0808, "ed448"},
    {0x0809, "rsa_pss_pss_sha256"},
    {0x080a, "rsa_pss_pss_sha384"},
    {0x080b, "rsa_pss_pss_sha512"},
    {0x081a, "ecdsa_brainpoolP256r1tls13_sha256"},
    {0x081b, "ecdsa_brainpoolP384r1tls13_sha384"},
    {0x081c, "ecdsa_brainpoolP512r1tls13_sha512"},
    {0x0904, "mldsa44"},
    {0x0905, "mldsa65"},
    {0x0906, "mldsa87"},
};

const char *tls_sigalg_name(uint16_t scheme)
{
    return name16_find(sigalg_table, N_ELEMS(sigalg_table), scheme);
}

/* --- alerts (RFC 8446 §6, RFC 5246 §7.2, legacy values) --- */

static const struct name16 alert_table[] = {
    {0, "close_notify"},
    {1, "end_of_early_data"},      /* TLS 1.3 drafts only */
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {52, "too_many_cids_requested"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {117, "general_error"},
    {120, "no_application_protocol"},
    {121, "ech_required"},
};

const char *tls_alert_name(uint8_t desc)
{
    return name16_find(alert_table, N_ELEMS(alert_table), desc);
}

/* --- handshake types (IANA HandshakeType) --- */

static const struct name16 hs_table[] = {
    {0, "hello_request"},
    {1, "client_hello"},
    {2, "server_hello"},
    {3, "hello_verify_request"},
    {4, "new_session_ticket"},
    {5, "end_of_early_data"},
    {6, "hello_retry_request"},
    {8, "encrypted_extensions"},
    {9, "request_connection_id"},
    {10, "new_connection_id"},
    {11, "certificate"},
    {12, "server_key_exchange"},
    {13, "certificate_request"},
    {14, "server_hello_done"},
    {15, "certificate_verify"},
    {16, "client_key_exchange"},
    {17, "client_certificate_request"},
    {20, "finished"},
    {21, "certificate_url"},
    {22, "certificate_status"},
    {23, "supplemental_data"},
    {24, "key_update"},
    {25, "compressed_certificate"},
    {26, "ekt_key"},
    {67, "next_protocol"},          /* not IANA: NPN */
    {254, "message_hash"},
};

const char *tls_handshake_name(uint8_t type)
{
    return name16_find(hs_table, N_ELEMS(hs_table), type);
}

/* --- SSLv2 cipher specs (RFC 6101 Appendix E / the SSL 2.0 draft) --- */

struct name32 {
    uint32_t v;
    const char *name;
};

static const struct name32 sslv2_table[] = {
    {0x010080, "SSL2_RC4_128_WITH_MD5"},
    {0x020080, "SSL2_RC4_128_EXPORT40_WITH_MD5"},
    {0x030080, "SSL2_RC2_128_CBC_WITH_MD5"},
    {0x040080, "SSL2_RC2_128_CBC_EXPORT40_WITH_MD5"},
    {0x050080, "SSL2_IDEA_128_CBC_WITH_MD5"},
    {0x060040, "SSL2_DES_64_CBC_WITH_MD5"},
    {0x0700c0, "SSL2_DES_192_EDE3_CBC_WITH_MD5"},
    {0x080080, "SSL2_RC4_64_WITH_MD5"},
};

const char *tls_sslv2_cipher_name(uint32_t spec)
{
    for (size_t i = 0; i < N_ELEMS(sslv2_table); i++)
        if (sslv2_table[i].v == spec) return sslv2_table[i].name;
    return NULL;
}

/* Every table sorted strictly ascending? 0 if so, else the 1-based index of
 * the first table out of order (for the unit test). */
int tls_names_selfcheck(void)
{
    static const struct {
        const struct name16 *t;
        size_t n;
    } tabs[] = {
        {version_table, N_ELEMS(version_table)}, {ext_table, N_ELEMS(ext_table)},
        {group_table, N_ELEMS(group_table)},     {sigalg_table, N_ELEMS(sigalg_table)},
        {alert_table, N_ELEMS(alert_table)},     {hs_table, N_ELEMS(hs_table)},
    };
    for (size_t i = 0; i < N_ELEMS(tabs); i++)
        for (size_t j = 1; j < tabs[i].n; j++)
            if (tabs[i].t[j - 1].v >= tabs[i].t[j].v) return (int)i + 1;
    for (size_t j = 1; j < N_ELEMS(cipher_table); j++)
        if (cipher_table[j - 1].id >= cipher_table[j].id) return 100;
    return 0;
}
