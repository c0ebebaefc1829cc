/* libFuzzer target: tls_parse_server_hello over one handshake body.
 * Seeds: ServerHello bodies (fuzz/seedgen). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dissect/tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tls_server_hello sh;
    bool hrr = false;
    uint16_t group = 0;
    if (tls_parse_server_hello(&sh, &hrr, &group, data, size, NULL, NULL) == TLS_OK &&
        (sh.n_exts > TLS_MAX_EXTENSIONS || sh.alpn.len > TLS_MAX_ALPN_LEN ||
         sh.session_id_len > 32))
        abort();
    return 0;
}
