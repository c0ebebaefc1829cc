/* tls.c — one struct tls_conn per TCP connection: creation, roles, flow
 * events, close, events, and the public entry points that hand bytes to the
 * record layer (record.c).
 *
 * Roles: direction A is assumed to be the client until content says
 * otherwise — the side that sends the ClientHello is the client (or, if a
 * ServerHello shows up first, its peer). Addresses and ports in struct
 * tls_conn are then stored in TLS roles and roles_from_content is set.
 *
 * After the handshake each direction keeps being fed and only record
 * headers are read (skimming: O(records), nothing copied), so
 * app_data_bytes stay exact and a close_notify or other encrypted alert is
 * still seen. A direction returns FLOW_COUNT_ONLY once it carries nothing
 * tlsscope wants: not TLS, no TLS start within TLS_SCAN_LIMIT, sync lost for
 * good, or the parser released.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "tls_internal.h"

enum tls_side tls_side_of(const struct tls_conn *c, enum flow_dir dir)
{
    bool client = (dir == FLOW_DIR_A) != c->roles_from_content;
    return client ? TLS_CLIENT : TLS_SERVER;
}

enum flow_dir tls_dir_of(const struct tls_conn *c, enum tls_side side)
{
    bool a = (side == TLS_CLIENT) != c->roles_from_content;
    return a ? FLOW_DIR_A : FLOW_DIR_B;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

void tls_roles_fix(struct tls_conn *c, enum flow_dir client)
{
    struct tls_parser *ps = c->parser;
    enum flow_dir server = client == FLOW_DIR_A ? FLOW_DIR_B : FLOW_DIR_A;
    if (ps->roles_fixed) return;
    ps->roles_fixed = true;
    ps->client_dir = client;
    if (client == FLOW_DIR_B) {
        uint16_t t;
        c->roles_from_content = true;
        swap_bytes(c->client_ip, c->server_ip, sizeof c->client_ip);
        t = c->client_port;
        c->client_port = c->server_port;
        c->server_port = t;
        /* events so far were attributed with the provisional roles */
        for (uint8_t i = 0; i < c->n_events; i++)
            c->events[i].side = c->events[i].side == TLS_CLIENT ? TLS_SERVER : TLS_CLIENT;
        uint64_t o = c->tls_start_offset[0];
        c->tls_start_offset[0] = c->tls_start_offset[1];
        c->tls_start_offset[1] = o;
        if (c->is_dtls) { /* DTLS counters are per side too */
            struct tls_dtls *dt = &c->dtls;
            uint64_t *pairs[] = {dt->datagrams, dt->other_datagrams, dt->records,
                                 dt->encrypted_records, dt->fragments, dt->retransmitted,
                                 dt->duplicate_records};
            for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
                o = pairs[i][0];
                pairs[i][0] = pairs[i][1];
                pairs[i][1] = o;
            }
            uint16_t e = dt->max_epoch[0];
            dt->max_epoch[0] = dt->max_epoch[1];
            dt->max_epoch[1] = e;
            bool b = dt->connection_id[0];
            dt->connection_id[0] = dt->connection_id[1];
            dt->connection_id[1] = b;
        }
    }
    if (ps->d[server].mode == DM_SCAN_CH) ps->d[server].mode = DM_SCAN_SERVER;
}

struct tls_conn *tls_conn_new(const struct flow_meta *meta)
{
    struct tls_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->parser = calloc(1, sizeof *c->parser);
    if (!c->parser) {
        free(c);
        return NULL;
    }
    c->flow_id = meta->id;
    c->family = meta->family;
    memcpy(c->client_ip, meta->addr[FLOW_DIR_A], sizeof c->client_ip);
    memcpy(c->server_ip, meta->addr[FLOW_DIR_B], sizeof c->server_ip);
    c->client_port = meta->port[FLOW_DIR_A];
    c->server_port = meta->port[FLOW_DIR_B];
    c->first_ts_ns = c->last_ts_ns = meta->first_ts_ns;
    c->parser->d[0].mode = c->parser->d[1].mode = DM_SCAN_CH;
    return c;
}

static int dir_result(const struct tls_conn *c, enum flow_dir dir)
{
    if (!c->parser || c->not_tls || c->parser->d[dir].mode == DM_DONE) return FLOW_COUNT_ONLY;
    return FLOW_CONTINUE;
}

int tls_conn_data(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t n,
                  int64_t ts_ns)
{
    if (dir_result(c, dir) == FLOW_COUNT_ONLY) return FLOW_COUNT_ONLY;
    if (ts_ns > c->last_ts_ns) c->last_ts_ns = ts_ns;
    if (n) tls_record_feed(c, dir, p, n, ts_ns);
    return dir_result(c, dir);
}

void tls_conn_flow_event(struct tls_conn *c, const struct flow_event *ev)
{
    static const char *const what[] = {
        [FLOW_EV_GAP] = "bytes missing from the capture",
        [FLOW_EV_OVERLAP_DIFF] = "retransmission with different bytes",
        [FLOW_EV_CAP] = "reassembly cap: out-of-order data dropped",
        [FLOW_EV_MIDSTREAM] = "capture starts mid-connection",
        [FLOW_EV_PORT_REUSE] = "port reuse",
        [FLOW_EV_DATA_BEFORE_BASE] = "data before the stream base",
    };
    enum tls_side side = tls_side_of(c, ev->dir);
    const char *detail =
        (unsigned)ev->kind < sizeof what / sizeof what[0] && what[ev->kind] ? what[ev->kind] : "";
    /* the TLS_EV_ values of flow events equal the FLOW_EV_ ones */
    tls_conn_add_event(c, (enum tls_event_kind)ev->kind, side, ev->offset, ev->length, ev->ts_ns,
                       detail);
    if (ev->ts_ns > c->last_ts_ns) c->last_ts_ns = ev->ts_ns;
    if (!c->parser) return;
    if (ev->kind == FLOW_EV_GAP) {
        tls_record_gap(c, ev->dir, ev->offset, ev->length, ev->ts_ns);
    } else if (ev->kind == FLOW_EV_MIDSTREAM) {
        c->parser->d[0].midstream_ok = c->parser->d[1].midstream_ok = true;
        c->parser->flow_midstream = true;
    }
}

void tls_conn_fin(struct tls_conn *c, enum flow_dir dir, bool rst, int64_t ts_ns)
{
    (void)dir;
    (void)rst;
    if (ts_ns > c->last_ts_ns) c->last_ts_ns = ts_ns;
}

void tls_conn_close(struct tls_conn *c, const struct flow_close *info)
{
    struct tls_parser *ps = c->parser;
    if (ps && c->is_dtls) dtls_flush(c, info->last_ts_ns > c->last_ts_ns ? info->last_ts_ns
                                                                          : c->last_ts_ns);
    c->closed = true;
    c->close_reason = (int)info->reason;
    c->tcp_bytes[TLS_CLIENT] = info->bytes[tls_dir_of(c, TLS_CLIENT)];
    c->tcp_bytes[TLS_SERVER] = info->bytes[tls_dir_of(c, TLS_SERVER)];
    if (info->last_ts_ns > c->last_ts_ns) c->last_ts_ns = info->last_ts_ns;
    if (!c->is_tls) {
        c->not_tls = true;
        tls_conn_release_parser(c);
        return;
    }
    if (!c->handshake_complete)
        tls_conn_add_event(c, TLS_EV_INCOMPLETE, TLS_CLIENT, 0, 0, c->last_ts_ns,
                           "connection ended before the handshake completed");
    if (!c->chain_final) {
        enum tls_nochain why;
        bool server_gap = ps && ps->d[tls_dir_of(c, TLS_SERVER)].gap_before_cert;
        if (c->ch.sslv2_format && c->sh.present && c->sh.legacy_version == TLS_V_SSL2)
            why = TLS_NOCHAIN_SSLV2;
        else if (!c->ch.present)
            /* UDP has no SYN to tell a late start from a lost handshake */
            why = ps && !ps->flow_midstream && !c->is_dtls ? TLS_NOCHAIN_LOST
                                                           : TLS_NOCHAIN_MIDSTREAM;
        else if (c->sh.present && tls_conn_is13(c))
            why = TLS_NOCHAIN_TLS13;
        else if (server_gap)
            why = TLS_NOCHAIN_LOST;
        else if (!c->sh.present && c->hello_retry)
            why = TLS_NOCHAIN_TLS13; /* HelloRetryRequest exists only in TLS 1.3 */
        else if (!c->sh.present)
            why = TLS_NOCHAIN_NO_SERVER_HELLO;
        else
            why = TLS_NOCHAIN_LOST; /* ServerHello seen, the Certificate never completed */
        tls_set_chain_final(c, why, c->sh.present ? c->sh.ts_ns : c->last_ts_ns);
    }
    tls_conn_release_parser(c);
}

/* One counter for the whole process (see TLS_MAX_HELD_TOTAL): tlsscope
 * drives one pipeline from one thread. */
static size_t held_total;

bool tls_held_take(size_t n)
{
    if (n > TLS_MAX_HELD_TOTAL - held_total) return false;
    held_total += n;
    return true;
}

void tls_held_give(size_t n) { held_total -= n <= held_total ? n : held_total; }

size_t tls_held_bytes(void) { return held_total; }

void tls_conn_release_parser(struct tls_conn *c)
{
    if (!c->parser) return;
    dtls_state_free(c);
    tls_dir_free(&c->parser->d[0]);
    tls_dir_free(&c->parser->d[1]);
    free(c->parser);
    c->parser = NULL;
}

void tls_conn_drop_cert_copies(struct tls_conn *c)
{
    struct tls_certificate *sets[2] = {&c->server_certs, &c->client_certs};
    for (int s = 0; s < 2; s++)
        for (uint16_t i = 0; i < sets[s]->n; i++) {
            if (sets[s]->certs[i].der) tls_held_give(sets[s]->certs[i].len);
            free(sets[s]->certs[i].der);
            sets[s]->certs[i].der = NULL;
        }
}

void tls_conn_drop_ca_names(struct tls_conn *c)
{
    struct tls_cert_request *cr = &c->creq;
    for (uint16_t i = 0; i < cr->n_ca_names; i++) {
        if (cr->ca_names[i].der) tls_held_give(cr->ca_names[i].len);
        free(cr->ca_names[i].der);
        cr->ca_names[i].der = NULL;
    }
}

void tls_conn_free(struct tls_conn *c)
{
    if (!c) return;
    tls_conn_release_parser(c);
    tls_conn_drop_cert_copies(c);
    tls_conn_drop_ca_names(c);
    free(c);
}

void tls_conn_add_event(struct tls_conn *c, enum tls_event_kind kind, enum tls_side side,
                        uint64_t offset, uint64_t length, int64_t ts_ns, const char *detail)
{
    if (c->n_events_total < UINT8_MAX) c->n_events_total++;
    if (c->n_events >= TLS_MAX_EVENTS) return;
    struct tls_event *e = &c->events[c->n_events++];
    size_t i = 0;
    e->kind = kind;
    e->side = side;
    e->offset = offset;
    e->length = length;
    e->ts_ns = ts_ns;
    /* ASCII without control characters: the detail goes straight to output */
    for (; detail && detail[i] && i < sizeof e->detail - 1; i++) {
        unsigned char ch = (unsigned char)detail[i];
        e->detail[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    e->detail[i] = '\0';
}

void tls_event_fmt(struct tls_conn *c, enum tls_event_kind kind, enum tls_side side,
                   uint64_t offset, uint64_t length, int64_t ts_ns, const char *fmt, ...)
{
    char buf[sizeof c->events[0].detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tls_conn_add_event(c, kind, side, offset, length, ts_ns, buf);
}

uint16_t tls_conn_version(const struct tls_conn *c)
{
    if (!c->sh.present) return 0;
    return c->sh.selected_version ? c->sh.selected_version : c->sh.legacy_version;
}
