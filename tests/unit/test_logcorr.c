/* Unit tests for explog/logcorr.c: which captured connection a logged TLS
 * failure is about (IP, port of its request, name, time window, closest
 * wins, one each), how the two are compared, and the reasons given for
 * what stays unpaired. Connections are given as logcorr_conn summaries. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "explog/logcorr.h"

#define T0 1657558525000000000LL /* 2022-07-11T16:55:25Z */
#define MS 1000000LL

static const char log_text[] =
    /* txn 1: 6972, self-signed, at 25.922 */
    "2022-07-11T16:55:25.915Z vcsc traffic_server[1]: Detail=\"Receive Request\" Txn-id=\"1\" TrackingID=\"a\" Msg=\"GET http://vcs:8443/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvNjk3Mg/CSFemusk.cnf.xml HTTP/1.1\"\n"
    "2022-07-11T16:55:25.920Z vcsc traffic_server[1]: Detail=\"Sending Request\" Txn-id=\"1\" Dst-ip=\"10.48.36.215\" Dst-port=\"6972\" Msg=\"GET /CSFemusk.cnf.xml HTTP/1.1\"\n"
    "2022-07-11T16:55:25.922Z vcsc traffic_server[1]: [ET_NET 0] WARNING: Core server certificate verification failed for (cucm.steven.lab). Action=Terminate Error=self signed certificate server=cucm.steven.lab(10.48.36.215) depth=0\n"
    /* txn 2: 8443 by IP, name failure, at 25.990 */
    "2022-07-11T16:55:25.987Z vcsc traffic_server[1]: Detail=\"Sending Request\" Txn-id=\"2\" Dst-ip=\"10.48.36.215\" Dst-port=\"8443\" Msg=\"GET /x HTTP/1.1\"\n"
    "2022-07-11T16:55:25.990Z vcsc traffic_server[1]: [ET_NET 2] WARNING: SNI (10.48.36.215) not in certificate. Action=Terminate server=10.48.36.215(10.48.36.215)\n"
    /* txn 3: IM&P 20@1 at 26.007 */
    "2022-07-11T16:55:26.005Z vcsc traffic_server[1]: Detail=\"Sending Request\" Txn-id=\"3\" Dst-ip=\"10.48.36.216\" Dst-port=\"8443\" Msg=\"GET /y HTTP/1.1\"\n"
    "2022-07-11T16:55:26.007Z vcsc traffic_server[1]: [ET_NET 1] WARNING: Core server certificate verification failed for (imp.steven.lab). Action=Terminate Error=unable to get local issuer certificate server=imp.steven.lab(10.48.36.216) depth=1\n"
    /* a standalone SSL error with no request and no address, at 26.100 */
    "2022-07-11T16:55:26.100Z vcsc traffic_server[1]: [ET_NET 3] ERROR: SSL connection failed for 'unity.steven.lab': error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure\n"
    /* 10.48.36.218: never captured, at 26.031 */
    "2022-07-11T16:55:26.028Z vcsc traffic_server[1]: Detail=\"Sending Request\" Txn-id=\"4\" Dst-ip=\"10.48.36.218\" Dst-port=\"8443\" Msg=\"GET /z HTTP/1.1\"\n"
    "2022-07-11T16:55:26.031Z vcsc traffic_server[1]: [ET_NET 3] WARNING: Core server certificate verification failed for (cucm2.steven.lab). Action=Terminate Error=self signed certificate server=cucm2.steven.lab(10.48.36.218) depth=0\n";

static struct logcorr_conn conn(uint64_t seq, const char *ip, int port, const char *sni,
                                int64_t first_ms, enum verdict_status st, int code, int depth)
{
    struct logcorr_conn c;
    memset(&c, 0, sizeof(c));
    c.seq = seq;
    c.first_ts_ns = T0 + first_ms * MS;
    c.last_ts_ns = c.first_ts_ns + 2 * MS;
    c.chain_ts_ns = c.first_ts_ns + 1 * MS;
    snprintf(c.server_ip, sizeof(c.server_ip), "%s", ip);
    snprintf(c.client_ip, sizeof(c.client_ip), "10.48.36.10");
    c.server_port = (uint16_t)port;
    c.client_port = (uint16_t)(41000 + seq);
    if (sni) {
        c.has_sni = true;
        snprintf(c.sni, sizeof(c.sni), "%s", sni);
    }
    c.status = st;
    c.code = code;
    c.depth = depth;
    c.match = -1;
    if (st == VERDICT_FAILED && code == 62) {
        c.name_failure = true;
        snprintf(c.reason, sizeof(c.reason), "SNI (%s) not in certificate", sni ? sni : ip);
        snprintf(c.would_log, sizeof(c.would_log),
                 "SNI (%s) not in certificate. Action=Terminate server=%s(%s)", sni ? sni : ip,
                 sni ? sni : ip, ip);
    } else if (st == VERDICT_FAILED) {
        snprintf(c.reason, sizeof(c.reason), "%s", verdict_code_text(code));
        snprintf(c.would_log, sizeof(c.would_log),
                 "Core server certificate verification failed for (%s). Action=Terminate "
                 "Error=%s server=%s(%s) depth=%d",
                 sni ? sni : ip, verdict_code_text(code), sni ? sni : ip, ip, depth);
    } else if (st == VERDICT_NOT_JUDGED) {
        snprintf(c.not_judged, sizeof(c.not_judged), "TLS 1.3: the server's certificates are encrypted");
    }
    return c;
}

static struct explog *parse(void)
{
    struct explog *lg = explog_new(NULL);
    explog_begin_file(lg, "t.log");
    explog_feed(lg, log_text, sizeof(log_text) - 1);
    explog_end_file(lg);
    explog_finish(lg);
    return lg;
}

int main(void)
{
    struct explog *lg = parse();
    CHECK_EQ_INT(explog_n_failures(lg), 5);
    struct logcorr *lc = logcorr_new(lg, NULL);
    CHECK_EQ_INT(logcorr_window_ns(lc), 2000000000LL);
    struct logcorr_conn c;

    /* a trusted connection to the same server and port comes first: it
     * does not claim the failure when it is handed over */
    c = conn(1, "10.48.36.215", 6972, "cucm.steven.lab", 910, VERDICT_TRUSTED, 0, -1);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    /* wrong port: no */
    c = conn(2, "10.48.36.215", 8443, "cucm.steven.lab", 919, VERDICT_FAILED, 18, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    /* the right one (IP, port 6972 from the request, SNI, time) */
    c = conn(3, "10.48.36.215", 6972, "CUCM.steven.lab", 921, VERDICT_FAILED, 18, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), 0);
    /* one connection per failure: a second candidate gets nothing */
    c = conn(4, "10.48.36.215", 6972, "cucm.steven.lab", 925, VERDICT_FAILED, 18, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    /* name failure without SNI... the client sent SNI 10.48.36.215 */
    c = conn(5, "10.48.36.215", 8443, "10.48.36.215", 988, VERDICT_FAILED, 62, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), 1);
    /* IM&P: the capture says depth 1 as well, but judged "not judged" here */
    c = conn(6, "10.48.36.216", 8443, "imp.steven.lab", 1005, VERDICT_NOT_JUDGED, -1, -1);
    CHECK_EQ_INT(logcorr_add(lc, &c), 2);
    /* the address-less SSL error pairs by name */
    c = conn(7, "10.48.36.217", 443, "unity.steven.lab", 1099, VERDICT_FAILED, 10, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), 4);
    /* failing connections nobody logged: one group, two of them */
    c = conn(8, "10.48.36.219", 443, "other.steven.lab", 1500, VERDICT_FAILED, 20, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    c = conn(10, "10.48.36.219", 443, "other.steven.lab", 1520, VERDICT_FAILED, 20, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    /* a trusted connection to a server the log never names: not kept */
    size_t kept = logcorr_n_conns(lc);
    c = conn(9, "192.0.2.1", 443, "x", 1500, VERDICT_TRUSTED, 0, -1);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    CHECK_EQ_INT(logcorr_n_conns(lc), kept);
    logcorr_finish(lc, true, T0 + 900 * MS, T0 + 1600 * MS);

    const struct logcorr_match *m = logcorr_match(lc, 0);
    CHECK_EQ_INT(m->conn_seq, 3);
    CHECK_EQ_INT(m->code, 18);
    CHECK_EQ_INT(m->agrees, LOGCORR_AGREE_YES);
    CHECK_EQ_STR(m->comparison, "yes: the same error at the same depth"); /* SNI case differs */
    CHECK_EQ_INT(m->delta_ns, 0);
    CHECK(!m->late);
    CHECK_EQ_INT(logcorr_match_for_seq(lc, 3), 0);
    CHECK_EQ_INT(logcorr_match_for_seq(lc, 4), -1);
    m = logcorr_match(lc, 1);
    CHECK_EQ_INT(m->conn_seq, 5);
    CHECK_EQ_INT(m->code, 62);
    CHECK_EQ_STR(m->comparison, "yes: the same line");
    CHECK_EQ_INT(m->delta_ns, 1 * MS);
    m = logcorr_match(lc, 2);
    CHECK_EQ_INT(m->conn_seq, 6);
    CHECK_EQ_INT(m->agrees, LOGCORR_AGREE_UNKNOWN);
    CHECK_EQ_STR(m->comparison, "cannot compare: tlsscope did not judge this connection (TLS 1.3: "
                                "the server's certificates are encrypted)");
    m = logcorr_match(lc, 4);
    CHECK_EQ_INT(m->f->kind, EXPLOG_SSL_FAILED);
    CHECK_EQ_INT(m->conn_seq, 7);
    CHECK_EQ_INT(m->code, -1);
    CHECK_EQ_STR(m->comparison, "yes: both fail; the log line gives no reason, tlsscope says: "
                                "certificate has expired");
    m = logcorr_match(lc, 3);
    CHECK_EQ_INT(m->conn_seq, 0);
    CHECK_EQ_INT(m->conn, -1);
    CHECK_EQ_INT(m->why, LOGCORR_WHY_NO_CONN_TO_IP);
    CHECK_EQ_INT(logcorr_match(lc, 0)->why, LOGCORR_WHY_NONE); /* matched */
    CHECK_EQ_STR(m->unmatched, "the captures hold no TLS connection to 10.48.36.218: a capture "
                               "filter, another interface, or another cluster node (each node logs "
                               "and captures its own connections)");
    /* failing and unmentioned: #2 (port 8443, no failure about it), #4 (the
     * failure went to #3), #8 and #10 (one group) */
    CHECK_EQ_INT(logcorr_n_unmentioned(lc), 3);
    CHECK_EQ_INT(logcorr_unmentioned_total(lc), 4);
    const struct logcorr_unmentioned *g = logcorr_unmentioned(lc, 0);
    CHECK(g && g->count == 1 && g->n_examples == 1 && g->example[0].seq == 2);
    CHECK_EQ_STR(g ? g->why[0] : "", "the log sends requests to 10.48.36.215 but logs no failure near this moment: "
                      "another client made this connection, or Expressway-C does not verify "
                      "(xConfiguration EdgeConfigServer VerifyOriginServer)");
    g = logcorr_unmentioned(lc, 2);
    CHECK(g && g->count == 2 && g->n_examples == 2 && g->example[1].seq == 10);
    CHECK(g && g->last_seq == 10 && g->last_ts_ns == T0 + 1520 * MS);
    CHECK_EQ_STR(g ? g->why[0] : "", "the log has no request to 10.48.36.219: another client or another cluster "
                      "node made this connection");
    CHECK(logcorr_unmentioned(lc, 3) == NULL);
    /* kept: the matched ones and trusted #1 (a failure fitted it), not #9 */
    CHECK_EQ_INT(logcorr_n_conns(lc), 5);
    CHECK_EQ_INT(logcorr_conn(lc, 0)->seq, 1);
    CHECK_EQ_INT(logcorr_dropped(lc), 0);
    logcorr_free(lc);

    /* leftovers go to a trusted connection at the end: a disagreement */
    lc = logcorr_new(lg, NULL);
    c = conn(1, "10.48.36.215", 6972, "cucm.steven.lab", 921, VERDICT_TRUSTED, 0, -1);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    /* a depth that differs, and an error that differs */
    c = conn(2, "10.48.36.216", 8443, "imp.steven.lab", 1005, VERDICT_FAILED, 20, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), 2);
    c = conn(3, "10.48.36.215", 8443, "10.48.36.215", 988, VERDICT_FAILED, 18, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), 1);
    logcorr_finish(lc, true, T0 + 900 * MS, T0 + 1100 * MS);
    m = logcorr_match(lc, 0);
    CHECK_EQ_INT(m->conn_seq, 1);
    CHECK(m->late);
    CHECK_EQ_INT(m->agrees, LOGCORR_AGREE_NO);
    CHECK_EQ_STR(m->comparison, "no: tlsscope finds this chain trusted, Expressway-C did not - its "
                                "trust store differs from --trust (another cluster node? changed "
                                "since?)");
    m = logcorr_match(lc, 2);
    CHECK_EQ_STR(m->comparison, "no: the same error, but logged at depth 1, predicted at depth 0");
    m = logcorr_match(lc, 1);
    CHECK_EQ_STR(m->comparison, "no: the log says the name failed, tlsscope says self signed "
                                "certificate (code 18, depth 0)");
    m = logcorr_match(lc, 4);
    CHECK_EQ_STR(m->unmatched, "no captured connection with SNI unity.steven.lab within +/-2 s (the "
                               "line names no address)");
    CHECK_EQ_INT(m->why, LOGCORR_WHY_NO_SNI_MATCH);
    m = logcorr_match(lc, 3);
    CHECK_EQ_STR(m->unmatched, "the captures hold no TLS connection to 10.48.36.218: a capture "
                               "filter, another interface, or another cluster node (each node logs "
                               "and captures its own connections)");
    logcorr_free(lc);

    /* a small window: the nearest connection is named, with the gap */
    struct logcorr_opts o = {.window_ns = 100000}; /* 0.1 ms */
    lc = logcorr_new(lg, &o);
    CHECK(!logcorr_finished(lc));
    c = conn(1, "10.48.36.215", 6972, "cucm.steven.lab", 912, VERDICT_FAILED, 18, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    c = conn(2, "10.48.36.216", 9443, "imp.steven.lab", 1006, VERDICT_FAILED, 20, 1);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    /* the right address and time, another name */
    c = conn(3, "10.48.36.218", 8443, "other.steven.lab", 1030, VERDICT_FAILED, 18, 0);
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    logcorr_finish(lc, true, T0 + 900 * MS, T0 + 1050 * MS);
    CHECK(logcorr_finished(lc));
    CHECK_EQ_INT(logcorr_match(lc, 0)->why, LOGCORR_WHY_WINDOW);
    CHECK_EQ_INT(logcorr_match(lc, 0)->near_seq, 1);
    CHECK_EQ_INT(logcorr_match(lc, 2)->why, LOGCORR_WHY_PORT);
    CHECK_EQ_INT(logcorr_match(lc, 2)->near_seq, 2);
    CHECK_EQ_INT(logcorr_match(lc, 3)->why, LOGCORR_WHY_NAME);
    CHECK_EQ_INT(logcorr_match(lc, 3)->near_seq, 3);
    CHECK_EQ_STR(logcorr_match(lc, 3)->unmatched,
                 "the nearest connection to 10.48.36.218 is #3 (+0.001 s from its first packet): "
                 "its SNI is other.steven.lab, not cucm2.steven.lab");
    CHECK_EQ_INT(logcorr_match(lc, 4)->why, LOGCORR_WHY_OUTSIDE_TIME);
    CHECK_EQ_INT(logcorr_match(lc, 4)->near_seq, 0);
    CHECK_EQ_STR(logcorr_match(lc, 0)->unmatched,
                 "the nearest connection to 10.48.36.215 is #1 (+0.010 s from its first packet): "
                 "outside the +/-0.0001 s window: clock skew between log and capture? (--log-window)");
    CHECK_EQ_STR(logcorr_match(lc, 2)->unmatched,
                 "the nearest connection to 10.48.36.216 is #2 (+0.001 s from its first packet): "
                 "port 9443, not 8443");
    CHECK_EQ_STR(logcorr_match(lc, 4)->unmatched,
                 "logged outside the captured time (2022-07-11T16:55:25.900Z .. "
                 "2022-07-11T16:55:26.050Z): the capture was not running then, or the clocks of "
                 "log and capture differ");
    const char *why = logcorr_unmentioned(lc, 0)->why[0];
    CHECK_EQ_STR(why, "the log's failure about 10.48.36.215 at 2022-07-11T16:55:25.922Z (+0.010 s "
                      "from this connection's first packet) was not paired with it: it is outside "
                      "the +/-0.0001 s window (--log-window)");
    why = logcorr_unmentioned(lc, 1)->why[0];
    CHECK_EQ_STR(why, "the log's failure about 10.48.36.216 at 2022-07-11T16:55:26.007Z (+0.001 s "
                      "from this connection's first packet) was not paired with it: it is about "
                      "port 8443");
    logcorr_free(lc);

    /* no capture at all */
    lc = logcorr_new(lg, NULL);
    logcorr_finish(lc, false, 0, 0);
    CHECK_EQ_STR(logcorr_match(lc, 0)->unmatched, "no capture to compare with");
    CHECK_EQ_INT(logcorr_match(lc, 0)->why, LOGCORR_WHY_NO_CAPTURE);
    logcorr_free(lc);
    explog_free(lg);
    return check_summary();
}
