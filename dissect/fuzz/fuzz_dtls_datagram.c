/* libFuzzer target: the DTLS dissector over a sequence of datagrams of both
 * directions (record layer, fragment reassembly with its caps, hellos,
 * certificates, DTLS 1.3 unified headers), with a small shared budget so
 * that the budget cap is exercised too.
 * Input layout: repeated {u8 control, u16 length, bytes}; control bit 0 is
 * the direction; bits 2..7, when non-zero, make the datagram that many bytes
 * longer on the wire than in the capture (snaplen). Each datagram also goes
 * through dtls_datagram_plausible and dtls_parse_client_hello /
 * dtls_parse_hello_verify_request. Seed it with the datagrams of
 * tests/unit/fixtures/dtls_handshakes.h. Built only with -DTLSSCOPE_FUZZ=ON
 * (clang). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dissect/dtls.h"
#include "dissect/tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tls_client_hello ch;
    struct dtls_budget budget = {.max_bytes = 256 * 1024};
    struct flow_meta m;
    struct flow_close info;
    struct tls_conn *c;
    size_t i = 0;
    int64_t ts = 0;
    memset(&m, 0, sizeof m);
    m.family = 4;
    m.port[0] = 40000;
    m.port[1] = 4433;
    c = dtls_conn_new(&m, &budget);
    if (!c) return 0;
    while (i + 3 <= size) {
        uint8_t ctl = data[i];
        size_t n = ((size_t)data[i + 1] << 8) | data[i + 2];
        enum flow_dir d = (enum flow_dir)(ctl & 1);
        uint32_t extra = ctl >> 2;
        uint16_t v;
        uint8_t cl;
        i += 3;
        if (n > size - i) n = size - i;
        (void)dtls_datagram_plausible(data + i, (uint32_t)n, (uint32_t)n + extra);
        (void)dtls_parse_client_hello(&ch, data + i, n, NULL, NULL);
        (void)dtls_parse_hello_verify_request(data + i, n, &v, &cl);
        dtls_conn_datagram(c, d, data + i, (uint32_t)n, (uint32_t)n + extra, ts++);
        i += n;
    }
    memset(&info, 0, sizeof info);
    info.reason = FLOW_CLOSE_END;
    tls_conn_close(c, &info);
    tls_conn_free(c);
    /* every byte held was given back */
    if (budget.held != 0) __builtin_trap();
    return 0;
}
