/* libFuzzer target: the TCP flow table and reassembly (capture/flow.c) fed
 * with a sequence of segments decoded from the input, with small limits so
 * that every cap, eviction and timeout is reachable.
 *
 * Input: u32 ISN of the clients, u32 ISN of the servers, u8 mode, then
 * segments of {u8 flags (TCPF_*), u8 b1, u16 seq offset, u16 ack offset,
 * u8 payload length, [u8 extra wire length if cut], payload}:
 *   b1 bit 0      direction (0 client → server)
 *   b1 bits 1-2   which of 4 client ports (4 possible connections)
 *   b1 bit 3      the segment was cut by snaplen (caplen < len)
 *   b1 bits 4-7   time step: ts += 2^k ms (reaches the timeouts)
 *   seq = ISN[dir] + offset, ack = ISN[!dir] + offset
 * mode bit 0: payload bytes are not taken from the input but made from the
 * sequence number (byte = seq & 0xff), so every copy of a stream byte is
 * the same and the delivered stream can be checked byte for byte.
 * fuzz/seedgen writes the connections of real captures in this form.
 *
 * Checks (the flow.h contract): each flow's data arrives in order, offsets
 * contiguous with gaps accounted; close exactly once per open; with mode 1
 * the delivered bytes are the right ones; nothing leaks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct app {
    uint64_t next[2];      /* next stream offset expected per direction */
    uint32_t base_seq[2];  /* mode 1: sequence number of offset 0, learnt from the first byte */
    bool have_base[2];
    bool count_only[2];    /* we told the table to stop delivering */
    bool closed;
};

struct ctx {
    int open, closed;
    bool synth;
};

static void *s_open(void *vctx, const struct flow_meta *m)
{
    struct ctx *x = vctx;
    (void)m;
    x->open++;
    return calloc(1, sizeof(struct app));
}

static int s_data(void *vctx, void *vapp, enum flow_dir d, uint64_t off, const uint8_t *p,
                  uint32_t n, int64_t ts)
{
    struct ctx *x = vctx;
    struct app *a = vapp;
    (void)ts;
    if (!a) return FLOW_CONTINUE;
    if (a->closed || a->count_only[d] || n == 0 || off != a->next[d]) abort();
    a->next[d] = off + n;
    if (x->synth) {
        /* byte at offset o is (seq of o) & 0xff = (base + o) & 0xff */
        if (!a->have_base[d]) {
            a->base_seq[d] = (uint32_t)(p[0] - off);
            a->have_base[d] = true;
        }
        for (uint32_t k = 0; k < n; k++)
            if (p[k] != (uint8_t)(a->base_seq[d] + off + k)) abort();
    }
    if (p[0] == 0xEE && n > 100) { /* reach the count-only paths too */
        a->count_only[d] = true;
        return FLOW_COUNT_ONLY;
    }
    return FLOW_CONTINUE;
}

static void s_event(void *vctx, void *vapp, const struct flow_event *ev)
{
    struct app *a = vapp;
    (void)vctx;
    if (!a || a->closed) {
        if (a) abort();
        return;
    }
    if (ev->kind == FLOW_EV_GAP) {
        if (a->count_only[ev->dir] || ev->offset != a->next[ev->dir] || ev->length == 0) abort();
        a->next[ev->dir] += ev->length;
    }
}

static void s_fin(void *vctx, void *vapp, enum flow_dir d, bool rst, int64_t ts)
{
    (void)vctx, (void)d, (void)rst, (void)ts;
    struct app *a = vapp;
    if (a && a->closed) abort();
}

static void s_close(void *vctx, void *vapp, const struct flow_close *info)
{
    struct ctx *x = vctx;
    struct app *a = vapp;
    (void)info;
    x->closed++;
    if (a && a->closed) abort();
    free(a);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctx x = {0, 0, false};
    struct flow_sink sink = {&x, s_open, s_data, s_event, s_fin, s_close};
    struct flow_limits lim;
    uint8_t payload[255 + 255];
    if (size < 9) return 0;
    const uint32_t isn[2] = {rd32(data), rd32(data + 4)};
    x.synth = data[8] & 1;
    flow_limits_default(&lim);
    lim.max_flows = 3;
    lim.max_data_flows = 2;
    lim.max_ooo_bytes = 600;
    lim.max_ooo_segments = 6;
    lim.max_total_ooo_bytes = 900;
    lim.max_total_ooo_segments = 10;
    lim.idle_timeout_ns = 30ll * 1000000000;
    lim.syn_timeout_ns = 5ll * 1000000000;
    struct flow_table *ft = flowtab_new(&lim, &sink);
    if (!ft) return 0;
    int64_t ts = 1700000000ll * 1000000000;
    size_t i = 9;
    while (i + 7 <= size) {
        uint8_t flags = data[i], b1 = data[i + 1];
        uint16_t so = (uint16_t)(data[i + 2] << 8 | data[i + 3]);
        uint16_t ao = (uint16_t)(data[i + 4] << 8 | data[i + 5]);
        uint32_t plen = data[i + 6], extra = 0;
        i += 7;
        if (b1 & 8) {
            if (i >= size) break;
            extra = data[i++];
        }
        int dir = b1 & 1;
        uint16_t cport = (uint16_t)(40000 + ((b1 >> 1) & 3));
        struct pkt_info s;
        memset(&s, 0, sizeof s);
        s.family = 4;
        s.proto = 6;
        static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
        memcpy(s.src, dir ? srv : cli, 4);
        memcpy(s.dst, dir ? cli : srv, 4);
        s.sport = dir ? 443 : cport;
        s.dport = dir ? cport : 443;
        s.seq = isn[dir] + so;
        s.ack = isn[!dir] + ao;
        s.tcp_flags = flags;
        if (x.synth) {
            uint32_t dseq = s.seq + ((flags & TCPF_SYN) ? 1u : 0u);
            for (uint32_t k = 0; k < plen; k++) payload[k] = (uint8_t)(dseq + k);
        } else {
            if (plen > size - i) plen = (uint32_t)(size - i);
            memcpy(payload, data + i, plen);
            i += plen;
        }
        s.payload = payload;
        s.payload_caplen = plen;
        s.payload_len = plen + extra;
        ts += (int64_t)1000000 << (b1 >> 4);
        flowtab_segment(ft, &s, ts);
        flowtab_expire(ft, ts);
    }
    flowtab_flush(ft);
    if (x.open != x.closed) abort();
    flowtab_free(ft);
    return 0;
}
