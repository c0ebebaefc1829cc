/* Unit tests for capture/udpflow.c: the want filter, both directions on one
 * association, orientation, byte and packet counts, count-only, idle
 * timeout, eviction at max_assocs, flush order, close exactly once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/udpflow.h"
#include "check.h"

#define SEC 1000000000LL

struct log_entry {
    char what;               /* 'o' open, 'd' datagram, 'c' close */
    uint64_t id;
    int dir;
    uint32_t caplen, len;
    int reason;
    uint64_t bytes[2], packets[2];
    int64_t last_ts;
};

static struct log_entry lg[256];
static int nlog;
static int want_calls;
static int stop_after = -1;  /* datagram callback returns COUNT_ONLY after this many */
static int datagrams_seen;

/* The next log slot; a long run wraps (only test_many logs that much). */
static struct log_entry *log_next(void)
{
    if (nlog >= (int)(sizeof lg / sizeof lg[0])) nlog = 0;
    struct log_entry *e = &lg[nlog++];
    memset(e, 0, sizeof *e);
    return e;
}

static bool t_want(void *ctx, const struct pkt_info *dg)
{
    (void)ctx;
    want_calls++;
    return dg->payload_caplen > 0 && dg->payload[0] == 22; /* "DTLS" for the test */
}

static void *t_open(void *ctx, const struct flow_meta *meta)
{
    (void)ctx;
    struct log_entry *e = log_next();
    e->what = 'o';
    e->id = meta->id;
    uint64_t *app = malloc(sizeof *app); /* the sink's state: freed at close */
    *app = meta->id;
    return app;
}

static int t_datagram(void *ctx, void *app, enum flow_dir dir, const uint8_t *p, uint32_t caplen,
                      uint32_t len, int64_t ts)
{
    (void)ctx;
    (void)p;
    (void)ts;
    struct log_entry *e = log_next();
    e->what = 'd';
    e->id = *(uint64_t *)app;
    e->dir = dir;
    e->caplen = caplen;
    e->len = len;
    datagrams_seen++;
    return stop_after >= 0 && datagrams_seen >= stop_after ? UDP_COUNT_ONLY : UDP_CONTINUE;
}

static void t_close(void *ctx, void *app, const struct flow_close *info)
{
    (void)ctx;
    struct log_entry *e = log_next();
    e->what = 'c';
    e->id = *(uint64_t *)app;
    e->reason = info->reason;
    memcpy(e->bytes, info->bytes, sizeof e->bytes);
    memcpy(e->packets, info->packets, sizeof e->packets);
    e->last_ts = info->last_ts_ns;
    free(app);
}

static const struct udp_sink sink = {NULL, t_want, t_open, t_datagram, t_close};

static void reset(void)
{
    nlog = 0;
    want_calls = 0;
    stop_after = -1;
    datagrams_seen = 0;
}

static uint8_t payload[64];

/* A datagram from 10.0.0.<a>:<pa> to 10.0.0.<b>:<pb>, first byte `first`. */
static struct pkt_info dg(uint8_t a, uint16_t pa, uint8_t b, uint16_t pb, uint8_t first,
                          uint32_t caplen, uint32_t len)
{
    struct pkt_info i;
    memset(&i, 0, sizeof i);
    i.family = 4;
    i.proto = 17;
    i.src[0] = i.dst[0] = 10;
    i.src[3] = a;
    i.dst[3] = b;
    i.sport = pa;
    i.dport = pb;
    payload[0] = first;
    i.payload = payload;
    i.payload_caplen = caplen;
    i.payload_len = len;
    return i;
}

static void test_basic(void)
{
    struct udp_limits lim;
    udp_limits_default(&lim);
    CHECK_EQ_INT(lim.max_assocs, 16384);
    CHECK_EQ_INT(lim.idle_timeout_ns, 300 * SEC);
    reset();
    struct udp_table *t = udptab_new(&lim, &sink);
    struct pkt_info p;

    p = dg(1, 53000, 2, 53, 0x12, 30, 30); /* DNS-like: not wanted */
    udptab_datagram(t, &p, 1 * SEC);
    p = dg(2, 53, 1, 53000, 0x12, 60, 60);
    udptab_datagram(t, &p, 1 * SEC);
    CHECK_EQ_INT(udptab_stats(t)->ignored, 2);
    CHECK_EQ_INT(udptab_count(t), 0);
    CHECK_EQ_INT(nlog, 0);

    /* the server answers first: it is direction A (the first datagram's sender) */
    p = dg(2, 4433, 1, 40000, 22, 40, 40);
    udptab_datagram(t, &p, 2 * SEC);
    p = dg(1, 40000, 2, 4433, 0x00, 20, 20); /* STUN on the association: delivered */
    udptab_datagram(t, &p, 3 * SEC);
    p = dg(2, 4433, 1, 40000, 22, 10, 50);   /* cut by snaplen */
    udptab_datagram(t, &p, 4 * SEC);
    CHECK_EQ_INT(want_calls, 3);
    CHECK_EQ_INT(udptab_count(t), 1);
    CHECK_EQ_INT(nlog, 4);
    CHECK(lg[0].what == 'o' && lg[0].id == 1);
    CHECK(lg[1].what == 'd' && lg[1].dir == FLOW_DIR_A && lg[1].len == 40);
    CHECK(lg[2].what == 'd' && lg[2].dir == FLOW_DIR_B && lg[2].len == 20);
    CHECK(lg[3].what == 'd' && lg[3].dir == FLOW_DIR_A && lg[3].caplen == 10 && lg[3].len == 50);

    udptab_flush(t);
    CHECK_EQ_INT(nlog, 5);
    CHECK(lg[4].what == 'c' && lg[4].reason == FLOW_CLOSE_END);
    CHECK_EQ_INT(lg[4].bytes[FLOW_DIR_A], 90);
    CHECK_EQ_INT(lg[4].bytes[FLOW_DIR_B], 20);
    CHECK_EQ_INT(lg[4].packets[FLOW_DIR_A], 2);
    CHECK_EQ_INT(lg[4].packets[FLOW_DIR_B], 1);
    CHECK_EQ_INT(lg[4].last_ts, 4 * SEC);
    CHECK_EQ_INT(udptab_count(t), 0);
    const struct udp_stats *st = udptab_stats(t);
    CHECK_EQ_INT(st->datagrams, 5);
    CHECK_EQ_INT(st->assocs_opened, 1);
    CHECK_EQ_INT(st->peak_assocs, 1);
    udptab_free(t);
    CHECK_EQ_INT(nlog, 5); /* nothing left to close */
}

static void test_count_only_and_timeout(void)
{
    struct udp_limits lim = {.max_assocs = 10, .idle_timeout_ns = 60 * SEC};
    reset();
    stop_after = 2;
    struct udp_table *t = udptab_new(&lim, &sink);
    struct pkt_info p = dg(1, 1000, 2, 2000, 22, 8, 8);
    for (int i = 0; i < 5; i++) udptab_datagram(t, &p, (10 + i) * SEC);
    CHECK_EQ_INT(datagrams_seen, 2);
    CHECK_EQ_INT(udptab_stats(t)->count_only, 3);
    CHECK_EQ_INT(want_calls, 1); /* the association stays: no new want() */
    udptab_expire(t, 70 * SEC); /* idle 56 s: stays */
    CHECK_EQ_INT(udptab_count(t), 1);
    udptab_expire(t, 75 * SEC); /* idle 61 s: goes */
    CHECK_EQ_INT(udptab_count(t), 0);
    CHECK(lg[nlog - 1].what == 'c' && lg[nlog - 1].reason == FLOW_CLOSE_TIMEOUT);
    CHECK_EQ_INT(lg[nlog - 1].packets[FLOW_DIR_A], 5);
    CHECK_EQ_INT(udptab_stats(t)->assocs_timed_out, 1);
    /* the same 5-tuple later: a new association with a new id */
    udptab_datagram(t, &p, 80 * SEC);
    CHECK_EQ_INT(udptab_count(t), 1);
    CHECK(lg[nlog - 2].what == 'o' && lg[nlog - 2].id == 2);
    udptab_free(t);
    CHECK(lg[nlog - 1].what == 'c' && lg[nlog - 1].reason == FLOW_CLOSE_END);
}

static void test_eviction_and_order(void)
{
    struct udp_limits lim = {.max_assocs = 3, .idle_timeout_ns = 3600 * SEC};
    reset();
    struct udp_table *t = udptab_new(&lim, &sink);
    struct pkt_info p;
    for (uint8_t k = 1; k <= 3; k++) {
        p = dg(k, 1000, 100, 2000, 22, 8, 8);
        udptab_datagram(t, &p, k * SEC);
    }
    p = dg(1, 1000, 100, 2000, 22, 8, 8); /* #1 active again: #2 is now the oldest */
    udptab_datagram(t, &p, 5 * SEC);
    p = dg(4, 1000, 100, 2000, 22, 8, 8);
    udptab_datagram(t, &p, 6 * SEC);
    CHECK_EQ_INT(udptab_count(t), 3);
    CHECK_EQ_INT(udptab_stats(t)->assocs_evicted, 1);
    int closes = 0;
    for (int i = 0; i < nlog; i++)
        if (lg[i].what == 'c') {
            closes++;
            CHECK_EQ_INT(lg[i].id, 2);
            CHECK_EQ_INT(lg[i].reason, FLOW_CLOSE_EVICTED);
        }
    CHECK_EQ_INT(closes, 1);
    int before = nlog;
    udptab_flush(t);
    /* flush closes in creation order: 1, 3, 4 */
    CHECK_EQ_INT(nlog, before + 3);
    CHECK(lg[before].id == 1 && lg[before + 1].id == 3 && lg[before + 2].id == 4);
    udptab_free(t);
}

/* Many associations: the hash grows and every one is found again. */
static void test_many(void)
{
    struct udp_limits lim = {.max_assocs = 5000, .idle_timeout_ns = 3600 * SEC};
    reset();
    struct udp_table *t = udptab_new(&lim, &sink);
    struct pkt_info p;
    nlog = 0;
    for (int round = 0; round < 2; round++)
        for (uint16_t port = 1; port <= 2000; port++) {
            p = dg(1, port, 2, 443, 22, 8, 8);
            udptab_datagram(t, &p, SEC);
        }
    CHECK_EQ_INT(udptab_count(t), 2000);
    CHECK_EQ_INT(udptab_stats(t)->assocs_opened, 2000);
    CHECK_EQ_INT(datagrams_seen, 4000);
    udptab_free(t);
}

int main(void)
{
    test_basic();
    test_count_only_and_timeout();
    test_eviction_and_order();
    test_many();
    return check_summary();
}
