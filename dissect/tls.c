/* tls.c — one struct tls_conn per connection: creation, roles, events, the
 * held-bytes budget, and releasing the parse state. Everything else in
 * dissect/ builds on these; they call nothing above them (the entry points
 * that hand bytes to the record layer are conn.c; DTLS frees its state
 * through the parser's free_layer hook).
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

#include "common/recycle.h"
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

/* struct tls_conn blocks (common/recycle.h) */
static struct recycle conn_blocks = RECYCLE_INIT(sizeof(struct tls_conn));

struct tls_conn *tls_conn_new(const struct flow_meta *meta)
{
    struct tls_conn *c = recycle_calloc(&conn_blocks);
    if (!c) return NULL;
    c->parser = calloc(1, sizeof *c->parser);
    if (!c->parser) {
        recycle_free(&conn_blocks, c);
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

void tls_dir_free(struct tls_dir *d)
{
    tls_held_give(d->hs_cap);
    free(d->hs_buf);
    d->hs_buf = NULL;
    d->hs_cap = 0;
}

void tls_conn_release_parser(struct tls_conn *c)
{
    if (!c->parser) return;
    if (c->parser->free_layer) c->parser->free_layer(c);
    if (c->parser->free_keys) c->parser->free_keys(c);
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

void tls_conn_keep_client_hello(struct tls_conn *c) { c->keep_ch_raw = true; }

void tls_conn_drop_staple(struct tls_conn *c)
{
    struct tls_ocsp_staple *sets[2] = {&c->server_certs.staple, &c->client_certs.staple};
    for (int s = 0; s < 2; s++) {
        if (sets[s]->der) tls_held_give(sets[s]->len);
        free(sets[s]->der);
        sets[s]->der = NULL;
    }
}

void tls_conn_free(struct tls_conn *c)
{
    if (!c) return;
    free(c->ch_raw);
    tls_conn_release_parser(c);
    tls_conn_drop_cert_copies(c);
    tls_conn_drop_ca_names(c);
    tls_conn_drop_staple(c);
    recycle_free(&conn_blocks, c);
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

const char *tls_caphit_name(enum tls_caphit cap)
{
    static const char *const names[TLS_CAPHIT_COUNT] = {
        [TLS_CAPHIT_HANDSHAKE_MSG] = "TLS_MAX_HANDSHAKE_MSG",
        [TLS_CAPHIT_HELD_TOTAL] = "TLS_MAX_HELD_TOTAL",
        [TLS_CAPHIT_CHAIN] = "TLS_MAX_CHAIN",
        [TLS_CAPHIT_DTLS_PIECES] = "DTLS_MAX_PIECES",
        [TLS_CAPHIT_DTLS_HELD] = "DTLS_MAX_HELD_BYTES",
        [TLS_CAPHIT_DTLS_SHARED] = "DTLS fragment memory",
        [TLS_CAPHIT_DTLS_INFLIGHT] = "DTLS_MAX_INFLIGHT",
        [TLS_CAPHIT_MEMORY] = "out of memory",
        [TLS_CAPHIT_TCP_OOO] = "max_ooo_bytes/segments",
        [TLS_CAPHIT_SNI] = "TLS_MAX_SNI",
        [TLS_CAPHIT_ALPN] = "TLS_MAX_ALPN",
        [TLS_CAPHIT_CIPHERS] = "TLS_MAX_CIPHERS",
        [TLS_CAPHIT_EXTENSIONS] = "TLS_MAX_EXTENSIONS",
        [TLS_CAPHIT_LIST] = "TLS_MAX_LIST",
        [TLS_CAPHIT_ALERTS] = "TLS_MAX_ALERTS",
        [TLS_CAPHIT_EVENTS] = "TLS_MAX_EVENTS",
    };
    return (unsigned)cap < TLS_CAPHIT_COUNT && names[cap] ? names[cap] : "?";
}

void tls_event_cap(struct tls_conn *c, enum tls_caphit cap, enum tls_side side,
                   uint64_t offset, uint64_t length, int64_t ts_ns, const char *fmt, ...)
{
    char buf[sizeof c->events[0].detail];
    int n = snprintf(buf, sizeof buf, "%s: ", tls_caphit_name(cap));
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof buf) vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    c->caps_hit |= 1u << cap;
    tls_conn_add_event(c, TLS_EV_CAP, side, offset, length, ts_ns, buf);
}

uint32_t tls_conn_caps_hit(const struct tls_conn *c)
{
    uint32_t m = c->caps_hit;
    const struct tls_client_hello *ch = &c->ch;
    const struct tls_u16_list *lists[] = {&ch->supported_versions, &ch->groups, &ch->sig_algs};
    if (ch->sni_total > ch->sni_len) m |= 1u << TLS_CAPHIT_SNI;
    if (ch->n_alpn_total > ch->n_alpn) m |= 1u << TLS_CAPHIT_ALPN;
    if (ch->n_ciphers_total > ch->n_ciphers) m |= 1u << TLS_CAPHIT_CIPHERS;
    if (ch->n_exts_total > ch->n_exts || c->sh.n_exts_total > c->sh.n_exts)
        m |= 1u << TLS_CAPHIT_EXTENSIONS;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (lists[i]->total > lists[i]->n) m |= 1u << TLS_CAPHIT_LIST;
    if (c->n_alerts_total > c->n_alerts) m |= 1u << TLS_CAPHIT_ALERTS;
    if (c->n_events_total > c->n_events) m |= 1u << TLS_CAPHIT_EVENTS;
    return m;
}

uint16_t tls_conn_version(const struct tls_conn *c)
{
    if (!c->sh.present) return 0;
    return c->sh.selected_version ? c->sh.selected_version : c->sh.legacy_version;
}

bool tls_conn_hrr_only(const struct tls_conn *c) { return !c->sh.present && c->hello_retry; }

uint16_t tls_conn_chosen_version(const struct tls_conn *c)
{
    return tls_conn_hrr_only(c) ? c->hrr_version : tls_conn_version(c);
}

bool tls_conn_chosen_cipher(const struct tls_conn *c, uint16_t *suite)
{
    if (c->sh.present) *suite = c->sh.cipher;
    else if (tls_conn_hrr_only(c) && c->hrr_cipher) *suite = c->hrr_cipher;
    else return false;
    return true;
}
