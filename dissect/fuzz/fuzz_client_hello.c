/* libFuzzer target: tls_parse_client_hello over one handshake body. Seed it
 * with ClientHello bodies (e.g. from tests/unit/fixtures). Built only with
 * -DTLSSCOPE_FUZZ=ON (clang). */
#include <stddef.h>
#include <stdint.h>

#include "dissect/tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tls_client_hello ch;
    static struct tls_server_hello sh;
    static struct tls_certificate cert;
    bool hrr;
    uint16_t group;
    tls_parse_client_hello(&ch, data, size, NULL, NULL);
    tls_parse_server_hello(&sh, &hrr, &group, data, size, NULL, NULL);
    tls_parse_sslv2_client_hello(&ch, data, size);
    tls_parse_certificate(&cert, data, size, size > 0 && (data[0] & 1), NULL, NULL);
    tls_certificate_clear(&cert);
    return 0;
}
