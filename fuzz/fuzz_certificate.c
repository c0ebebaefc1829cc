/* libFuzzer target: tls_parse_certificate. Byte 0 bit 0 chooses the TLS 1.3
 * layout (RFC 8446 §4.4.2) over the TLS 1.2 one (RFC 5246 §7.4.2); the rest
 * is the message body. Checks: the copies match the input, counts within
 * caps, and the held-bytes accounting (TLS_MAX_HELD_TOTAL) returns to zero. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dissect/tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tls_certificate cert;
    if (size < 1) return 0;
    size_t held = tls_held_bytes();
    (void)tls_parse_certificate(&cert, data + 1, size - 1, data[0] & 1, NULL, NULL);
    if (cert.n > TLS_MAX_CHAIN || cert.n > cert.n_total) abort();
    for (int i = 0; i < cert.n; i++)
        if (!cert.certs[i].der || cert.certs[i].len == 0 || cert.certs[i].len > TLS_MAX_CERT_LEN)
            abort();
    tls_certificate_clear(&cert);
    if (tls_held_bytes() != held) abort();
    return 0;
}
