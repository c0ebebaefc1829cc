/* libFuzzer target: tls_parse_client_hello over one handshake body (the
 * bytes after msg_type and length), and the SSLv2-compatible form over the
 * same bytes. Seeds: ClientHello bodies from pcaps/ and tests/corpus/
 * (fuzz/seedgen). Checks: no crash, no read out of bounds, every count
 * within its array's cap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dissect/tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct tls_client_hello *ch)
{
    if (ch->n_ciphers > TLS_MAX_CIPHERS || ch->n_exts > TLS_MAX_EXTENSIONS ||
        ch->sni_len > TLS_MAX_SNI || ch->n_alpn > TLS_MAX_ALPN ||
        ch->groups.n > TLS_MAX_LIST || ch->sig_algs.n > TLS_MAX_LIST ||
        ch->supported_versions.n > TLS_MAX_LIST || ch->key_share_groups.n > TLS_MAX_LIST ||
        ch->n_sslv2_specs > TLS_MAX_SSLV2_SPECS || ch->session_id_len > 32 ||
        ch->n_compression > sizeof(ch->compression) ||
        ch->n_ec_point_formats > sizeof(ch->ec_point_formats) ||
        ch->n_psk_modes > sizeof(ch->psk_modes))
        abort();
    for (int i = 0; i < ch->n_alpn; i++)
        if (ch->alpn[i].len > TLS_MAX_ALPN_LEN) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tls_client_hello ch;
    if (tls_parse_client_hello(&ch, data, size, NULL, NULL) == TLS_OK) check(&ch);
    if (tls_parse_sslv2_client_hello(&ch, data, size) == TLS_OK) check(&ch);
    (void)tls_match_sslv2_client_hello(data, size);
    return 0;
}
