/* conn.c — what the capture layer calls on a TCP connection: ordered bytes
 * into the record layer (record.c), flow events, FIN, and the close with its
 * final bookkeeping (incomplete handshakes, why no chain was seen). DTLS
 * datagrams enter through dtls.c; its close comes here too.
 *
 * After the handshake each direction keeps being fed and only record
 * headers are read (skimming: O(records), nothing copied), so
 * app_data_bytes stay exact and a close_notify or other encrypted alert is
 * still seen. A direction returns FLOW_COUNT_ONLY once it carries nothing
 * tlsscope wants: not TLS, no TLS start within TLS_SCAN_LIMIT, sync lost for
 * good, or the parser released.
 */
#include "tls_internal.h"

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
    if (n) {
        if (c->parser->openvpn || openvpn_start(c, dir, p, n)) openvpn_feed(c, dir, p, n, ts_ns);
        else tls_record_feed(c, dir, p, n, ts_ns);
    }
    return dir_result(c, dir);
}

void tls_conn_flow_event(struct tls_conn *c, const struct flow_event *ev)
{
    static const char *const what[] = {
        [FLOW_EV_GAP] = "bytes missing from the capture",
        [FLOW_EV_OVERLAP_DIFF] = "retransmission with different bytes",
        [FLOW_EV_CAP] = "max_ooo_bytes/segments: out-of-order data dropped",
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
    if (ev->kind == FLOW_EV_CAP) c->caps_hit |= 1u << TLS_CAPHIT_TCP_OOO;
    if (ev->ts_ns > c->last_ts_ns) c->last_ts_ns = ev->ts_ns;
    if (!c->parser) return;
    if (ev->kind == FLOW_EV_GAP) {
        if (c->parser->openvpn) openvpn_gap(c, ev->dir);
        else tls_record_gap(c, ev->dir, ev->offset, ev->length, ev->ts_ns);
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
        else if (ps && ps->server_cert_seen)
            why = TLS_NOCHAIN_NONE; /* decrypted TLS 1.3: the client's part never came */
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
        tls_set_chain_final(c, why, why == TLS_NOCHAIN_NONE ? c->server_certs.ts_ns
                                    : c->sh.present           ? c->sh.ts_ns
                                                              : c->last_ts_ns);
    }
    tls_conn_release_parser(c);
}
