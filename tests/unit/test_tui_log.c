/* Unit tests for ui/tui_log.c: the rows of the browser's Log view (failures
 * in log order, a note when log and captures are apart, then the failing
 * connections the log does not mention) and the text of every cell —
 * exact strings, hostile bytes escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ui/tui_log.h"

#define T0 1657558525000000000LL /* 2022-07-11T16:55:25Z */
#define MS 1000000LL

static const char log_text[] =
    /* 0: txn 191, 6972, self-signed */
    "2022-07-11T18:55:25.915+02:00 vcsc traffic_server[9]: Detail=\"Receive Request\" Txn-id=\"191\" TrackingID=\"bb0c\" Msg=\"GET http://vcs:8443/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvNjk3Mg/CSFemusk.cnf.xml HTTP/1.1\"\n"
    "2022-07-11T18:55:25.920+02:00 vcsc traffic_server[9]: Detail=\"Sending Request\" Txn-id=\"191\" Dst-ip=\"10.48.36.215\" Dst-port=\"6972\" Msg=\"GET /CSFemusk.cnf.xml HTTP/1.1\"\n"
    "2022-07-11T18:55:25.922+02:00 vcsc traffic_server[9]: [ET_NET 0] WARNING: Core server certificate verification failed for (cucm.steven.lab). Action=Terminate Error=self signed certificate server=cucm.steven.lab(10.48.36.215) depth=0\n"
    "2022-07-11T18:55:25.930+02:00 vcsc traffic_server[9]: Detail=\"Sending Response\" Txn-id=\"191\" Msg=\"HTTP/1.1 502 connect failed\"\n"
    /* 1: txn 193, by IP, name failure */
    "2022-07-11T18:55:25.985+02:00 vcsc traffic_server[9]: Detail=\"Receive Request\" Txn-id=\"193\" Msg=\"GET http://vcs:8443/c3RldmVuLmxhYi9odHRwcy8xMC40OC4zNi4yMTUvODQ0Mw/cucm-uds/user/emusk/devices HTTP/1.1\"\n"
    "2022-07-11T18:55:25.987+02:00 vcsc traffic_server[9]: Detail=\"Sending Request\" Txn-id=\"193\" Dst-ip=\"10.48.36.215\" Dst-port=\"8443\" Msg=\"GET /cucm-uds/user/emusk/devices HTTP/1.1\"\n"
    "2022-07-11T18:55:25.990+02:00 vcsc traffic_server[9]: [ET_NET 2] WARNING: SNI (10.48.36.215) not in certificate. Action=Terminate server=10.48.36.215(10.48.36.215)\n"
    /* 2: an SSL error alone, no request, no address */
    "2022-07-11T18:55:26.100+02:00 vcsc traffic_server[9]: [ET_NET 3] ERROR: SSL connection failed for 'unity.steven.lab': error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure\n"
    /* 3: not enforced, a hostile error text, IPv6 server */
    "2022-07-11T18:55:26.200+02:00 vcsc traffic_server[9]: [ET_NET 1] WARNING: Core server certificate verification failed for (v6.steven.lab). Action=Log Error=bad\x1b[2J text server=v6.steven.lab(fd00::5) depth=1\n";

static struct explog *parse(const char *text, size_t n)
{
    struct explog *lg = explog_new(NULL);
    explog_begin_file(lg, "t.log");
    explog_feed(lg, text, n);
    explog_end_file(lg);
    explog_finish(lg);
    return lg;
}

static struct logcorr_conn conn(uint64_t seq, const char *ip, int port, const char *sni,
                                int64_t first_ms, enum verdict_status st, int code, int depth,
                                const char *reason)
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
    c.name_failure = st == VERDICT_FAILED && code == 62;
    snprintf(c.reason, sizeof(c.reason), "%s", reason);
    return c;
}

static struct sbuf sb;
static const char *S(void)
{
    return sbuf_str(&sb);
}

static void test_cells(void)
{
    struct explog *lg = parse(log_text, sizeof(log_text) - 1);
    CHECK_EQ_INT(explog_n_failures(lg), 4);
    struct logcorr *lc = logcorr_new(lg, NULL);
    struct logcorr_conn c;
    c = conn(2, "10.48.36.215", 6972, "cucm.steven.lab", 921, VERDICT_FAILED, 18, 0,
             "self signed certificate");
    snprintf(c.would_log, sizeof c.would_log, "x"); /* a different line: compared by code */
    CHECK_EQ_INT(logcorr_add(lc, &c), 0);
    /* not finished: the other failures are pending */
    const struct logcorr_match *m1 = logcorr_match(lc, 1);
    sbuf_reset(&sb);
    CHECK_EQ_INT(tui_log_match_text(&sb, m1, true, logcorr_finished(lc), true), TUI_LOG_PENDING);
    CHECK_EQ_STR(S(), "pending");
    /* the name failure: a trusted connection gets it at the end (disagree) */
    c = conn(4, "10.48.36.215", 8443, "10.48.36.215", 988, VERDICT_TRUSTED, 0, -1, "");
    CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    /* a failing connection nobody logged, five times: 3 examples + "more" */
    for (uint64_t k = 0; k < 5; k++) {
        c = conn(10 + k, "10.48.36.217", 443, "unity.steven.lab", 4000 + (int64_t)k, VERDICT_FAILED,
                 10, 0, "certificate has expired");
        CHECK_EQ_INT(logcorr_add(lc, &c), -1);
    }
    logcorr_finish(lc, true, T0 + 900 * MS, T0 + 4100 * MS);

    /* rows: 4 failures in log order, the heading, 3 examples, "more" */
    struct tui_log_row *rows = NULL;
    long n = tui_log_rows(lc, false, &rows);
    CHECK_EQ_INT(n, 9);
    static const enum tui_log_kind kinds[] = {
        TUI_LOG_FAILURE,     TUI_LOG_FAILURE,     TUI_LOG_FAILURE,
        TUI_LOG_FAILURE,     TUI_LOG_HEADING,     TUI_LOG_UNMENTIONED,
        TUI_LOG_UNMENTIONED, TUI_LOG_UNMENTIONED, TUI_LOG_MORE,
    };
    static const uint64_t seqs[] = {2, 4, 0, 0, 0, 10, 11, 12, 10};
    for (long i = 0; i < n && i < 9; i++) {
        CHECK_EQ_INT(rows[i].kind, kinds[i]);
        CHECK_EQ_INT(rows[i].seq, seqs[i]);
    }
    CHECK_EQ_INT(rows[3].index, 3);
    CHECK_EQ_INT(rows[7].example, 2);
    free(rows);
    n = tui_log_rows(lc, true, &rows);
    CHECK_EQ_INT(n, 10);
    CHECK_EQ_INT(rows[0].kind, TUI_LOG_NOTE);
    CHECK_EQ_INT(rows[1].seq, 2);
    free(rows);

    const struct logcorr_match *m0 = logcorr_match(lc, 0), *m2 = logcorr_match(lc, 2),
                               *m3 = logcorr_match(lc, 3);
    m1 = logcorr_match(lc, 1);
    /* server */
    sbuf_reset(&sb);
    tui_log_server(&sb, m0->f, true);
    CHECK_EQ_STR(S(), "cucm.steven.lab(10.48.36.215):6972");
    sbuf_reset(&sb);
    tui_log_server(&sb, m1->f, true);
    CHECK_EQ_STR(S(), "10.48.36.215:8443"); /* host = address: once */
    sbuf_reset(&sb);
    tui_log_server(&sb, m2->f, true);
    CHECK_EQ_STR(S(), "unity.steven.lab"); /* no address, no request: the name */
    sbuf_reset(&sb);
    tui_log_server(&sb, m3->f, true);
    CHECK_EQ_STR(S(), "v6.steven.lab(fd00::5)");
    /* request */
    sbuf_reset(&sb);
    tui_log_request(&sb, lg, m0->f, true);
    CHECK_EQ_STR(S(), "emusk /CSFemusk.cnf.xml");
    sbuf_reset(&sb);
    tui_log_request(&sb, lg, m1->f, true);
    CHECK_EQ_STR(S(), "emusk /cucm-uds/user/emusk/devices");
    sbuf_reset(&sb);
    tui_log_request(&sb, lg, m2->f, true);
    CHECK_EQ_STR(S(), "(no request logged)");
    sbuf_reset(&sb);
    tui_log_request_full(&sb, explog_txn(lg, (size_t)m0->f->txn), true);
    CHECK_EQ_STR(S(), "GET /CSFemusk.cnf.xml via steven.lab/https/cucm.steven.lab/6972 -> 502 "
                      "connect failed");
    sbuf_reset(&sb);
    tui_log_request_full(&sb, explog_txn(lg, (size_t)m1->f->txn), true);
    CHECK_EQ_STR(S(), "GET /cucm-uds/user/emusk/devices via steven.lab/https/10.48.36.215/8443 -> "
                      "no response logged");
    /* what was logged */
    sbuf_reset(&sb);
    tui_log_logged(&sb, m0, true);
    CHECK_EQ_STR(S(), "18@0 self signed certificate");
    sbuf_reset(&sb);
    tui_log_logged(&sb, m1, true);
    CHECK_EQ_STR(S(), "name SNI (10.48.36.215) not in certificate");
    sbuf_reset(&sb);
    tui_log_logged(&sb, m2, true);
    CHECK_EQ_STR(S(), "SSL error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure");
    sbuf_reset(&sb);
    tui_log_logged(&sb, m3, true); /* the escape sequence stays text */
    CHECK_EQ_STR(S(), "[not enforced] bad\\x1b[2J text (depth 1)");
    /* the connection cell */
    sbuf_reset(&sb);
    CHECK_EQ_INT(tui_log_match_text(&sb, m0, true, true, true), TUI_LOG_AGREE);
    CHECK_EQ_STR(S(), "#2 agree");
    sbuf_reset(&sb);
    CHECK_EQ_INT(tui_log_match_text(&sb, m1, true, true, true), TUI_LOG_DISAGREE);
    CHECK_EQ_STR(S(), "#4 DISAGREE");
    sbuf_reset(&sb);
    CHECK_EQ_INT(tui_log_match_text(&sb, m2, true, true, true), TUI_LOG_NONE);
    CHECK_EQ_STR(S(), "none: SNI unity.steven.lab not captured");
    sbuf_reset(&sb);
    CHECK_EQ_INT(tui_log_match_text(&sb, m3, true, true, true), TUI_LOG_NONE);
    CHECK_EQ_STR(S(), "none: fd00::5 not captured");
    sbuf_reset(&sb);
    CHECK_EQ_INT(tui_log_match_text(&sb, m3, false, true, true), TUI_LOG_NONE);
    CHECK_EQ_STR(S(), "no capture");
    /* the unmentioned */
    const struct logcorr_unmentioned *u = logcorr_unmentioned(lc, 0);
    sbuf_reset(&sb);
    tui_log_conn_server(&sb, &u->example[0], true);
    CHECK_EQ_STR(S(), "10.48.36.217:443 unity.steven.lab");
    sbuf_reset(&sb);
    tui_log_conn_verdict(&sb, &u->example[0], true);
    CHECK_EQ_STR(S(), "FAIL 10@0 certificate has expired");
    logcorr_free(lc);

    /* the window too small: the nearest connection is named */
    struct logcorr_opts o = {.window_ns = 100000};
    lc = logcorr_new(lg, &o);
    c = conn(2, "10.48.36.215", 6972, "cucm.steven.lab", 910, VERDICT_FAILED, 18, 0, "x");
    logcorr_add(lc, &c);
    c = conn(3, "10.48.36.215", 8443, "cucm.steven.lab", 989, VERDICT_FAILED, 62, 0, "x");
    logcorr_add(lc, &c);
    logcorr_finish(lc, true, T0 + 900 * MS, T0 + 1600 * MS);
    sbuf_reset(&sb);
    tui_log_match_text(&sb, logcorr_match(lc, 0), true, true, true);
    CHECK_EQ_STR(S(), "none: #2 outside window");
    sbuf_reset(&sb);
    tui_log_match_text(&sb, logcorr_match(lc, 1), true, true, true);
    CHECK_EQ_STR(S(), "none: #3 has another SNI");
    /* log and captures apart: more than the window between them */
    CHECK(!tui_log_apart(lg, lc, T0 + 900 * MS, T0 + 1600 * MS));
    CHECK(tui_log_apart(lg, lc, T0 + 60000 * MS, T0 + 61000 * MS));
    CHECK(!tui_log_apart(lg, lc, 0, 0));
    logcorr_free(lc);
    explog_free(lg);
}

static void test_empty(void)
{
    static const char text[] =
        "2022-07-11T18:55:25.915+02:00 vcsc traffic_server[9]: Detail=\"Receive Request\" "
        "Txn-id=\"1\" Msg=\"GET /x HTTP/1.1\"\n";
    struct explog *lg = parse(text, sizeof(text) - 1);
    struct logcorr *lc = logcorr_new(lg, NULL);
    logcorr_finish(lc, false, 0, 0);
    struct tui_log_row *rows = NULL;
    CHECK_EQ_INT(tui_log_rows(lc, false, &rows), 1);
    CHECK_EQ_INT(rows[0].kind, TUI_LOG_EMPTY);
    free(rows);
    logcorr_free(lc);
    explog_free(lg);
}

static void test_delta(void)
{
    sbuf_reset(&sb);
    tui_log_delta(&sb, 300000);
    CHECK_EQ_STR(S(), "+0.3 ms");
    sbuf_reset(&sb);
    tui_log_delta(&sb, -12500000);
    CHECK_EQ_STR(S(), "-12.5 ms");
    sbuf_reset(&sb);
    tui_log_delta(&sb, 60001000000LL);
    CHECK_EQ_STR(S(), "+60.001 s");
}

int main(void)
{
    sbuf_init(&sb, 0);
    test_cells();
    test_empty();
    test_delta();
    sbuf_free(&sb);
    return check_summary();
}
