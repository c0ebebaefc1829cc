/* libFuzzer target: the whole dissector over two directions of a stream.
 * Input layout: repeated {u8 control, u16 length, bytes}; control bit 0 is
 * the direction, bit 1 turns the chunk into a gap of `length` bytes instead.
 * Built only with -DTLSSCOPE_FUZZ=ON (clang). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dissect/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct flow_meta m;
    struct flow_close info;
    struct tls_conn *c;
    uint64_t off[2] = {0, 0};
    size_t i = 0;
    memset(&m, 0, sizeof m);
    m.family = 4;
    m.port[0] = 40000;
    m.port[1] = 443;
    c = tls_conn_new(&m);
    if (!c) return 0;
    while (i + 3 <= size) {
        uint8_t ctl = data[i];
        size_t n = ((size_t)data[i + 1] << 8) | data[i + 2];
        enum flow_dir d = (enum flow_dir)(ctl & 1);
        i += 3;
        if (ctl & 2) {
            struct flow_event ev = {FLOW_EV_GAP, d, off[d], n, 0};
            tls_conn_flow_event(c, &ev);
            off[d] += n;
            continue;
        }
        if (n > size - i) n = size - i;
        tls_conn_data(c, d, data + i, (uint32_t)n, (int64_t)i);
        off[d] += n;
        i += n;
    }
    memset(&info, 0, sizeof info);
    info.reason = FLOW_CLOSE_END;
    tls_conn_close(c, &info);
    tls_conn_free(c);
    return 0;
}
