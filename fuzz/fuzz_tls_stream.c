/* libFuzzer target: the whole dissector (record layer, handshake
 * reassembly, every message parser, resynchronisation) over the two
 * directions of one connection.
 *
 * Input: a sequence of chunks {u8 control, u16 length, bytes}; control
 * bit 0 is the TCP direction, bit 1 turns the chunk into a gap of `length`
 * bytes (FLOW_EV_GAP) instead of data, bit 2 into another flow event chosen
 * by the length's low bits. fuzz/seedgen writes real connections in this
 * form. Checks: counts within caps, and every byte the dissector holds is
 * given back (tls_held_bytes) when the connection is freed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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
    int64_t ts = 1000000000;
    size_t held = tls_held_bytes();
    memset(&m, 0, sizeof m);
    m.id = 1;
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
        ts += 1000;
        if (ctl & 2) {
            struct flow_event ev = {FLOW_EV_GAP, d, off[d], n, ts};
            tls_conn_flow_event(c, &ev);
            off[d] += n;
            continue;
        }
        if (ctl & 4) {
            static const enum flow_event_kind kinds[] = {
                FLOW_EV_OVERLAP_DIFF, FLOW_EV_CAP, FLOW_EV_MIDSTREAM, FLOW_EV_PORT_REUSE,
                FLOW_EV_DATA_BEFORE_BASE};
            struct flow_event ev = {kinds[n % 5], d, off[d], n >> 3, ts};
            tls_conn_flow_event(c, &ev);
            continue;
        }
        if (ctl & 8) tls_conn_fin(c, d, ctl & 16, ts);
        if (n > size - i) n = size - i;
        tls_conn_data(c, d, data + i, (uint32_t)n, ts);
        off[d] += n;
        i += n;
    }
    memset(&info, 0, sizeof info);
    info.reason = FLOW_CLOSE_END;
    info.bytes[0] = off[0];
    info.bytes[1] = off[1];
    tls_conn_close(c, &info);
    if (c->n_events > TLS_MAX_EVENTS || c->n_alerts > TLS_MAX_ALERTS ||
        c->server_certs.n > TLS_MAX_CHAIN || c->client_certs.n > TLS_MAX_CHAIN ||
        c->parser != NULL)
        abort();
    for (int k = 0; k < c->n_events; k++) { /* tls.h: "ASCII, no control chars" */
        const char *dt = c->events[k].detail;
        if (!memchr(dt, '\0', sizeof c->events[k].detail)) abort();
        for (; *dt; dt++)
            if (*dt < 0x20 || *dt > 0x7e) abort();
    }
    tls_conn_free(c);
    if (tls_held_bytes() != held) abort();
    return 0;
}
