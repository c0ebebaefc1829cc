/* Unit tests for explog/: the Expressway log parser on every line type —
 * the two examples of the Cisco article verbatim (as the PDF wrapped them,
 * with the blank lines between the pieces), each line type alone, wrapped
 * keys and URLs, chunked input, garbage, caps — and base64url routes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/timefmt.h"
#include "explog/explog.h"

/* Article, scenario 1 ("===Success connection on 8443===" up to the last
 * Sending Response), exactly as the document shows it. */
static const char doc_example1[] =
    "===Success connection on 8443===\n"
    "\n"
    "2022-07-11T18:55:25.910+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:25,910\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Receive Request\" Txn-id=\"189\"\n"
    "\n"
    "TrackingID=\"6af9a674-9ebc-41ea-868e-90e7309a758c\" Src-ip=\"127.0.0.1\" Src-port=\"35764\" Last-via-\n"
    "\n"
    "addr=\"\" Msg=\"GET\n"
    "\n"
    "http://vcs_control.steven.lab:8443/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvODQ0Mw/cucm-\n"
    "\n"
    "uds/user/emusk/devices HTTP/1.1\"\n"
    "\n"
    "2022-07-11T18:55:25.917+02:00 vcsc traffic_server[18242]: Event=\"Request Allowed\" Detail=\"Access\n"
    "\n"
    "allowed\" Reason=\"In allow list\" Username=\"emusk\" Deployment=\"1\" Method=\"GET\"\n"
    "\n"
    "Request=\"https://cucm.steven.lab:8443/cucm-uds/user/emusk/devices\"\n"
    "\n"
    "Rule=\"https://cucm.steven.lab:8443/cucm-uds/user/\" Match=\"prefix\" Type=\"Automatically generated\n"
    "\n"
    "rule for CUCM server\" UTCTime=\"2022-07-11 16:55:25,916\"\n"
    "\n"
    "2022-07-11T18:55:25.917+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:25,916\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Sending Request\" Txn-id=\"189\"\n"
    "\n"
    "TrackingID=\"6af9a674-9ebc-41ea-868e-90e7309a758c\" Dst-ip=\"10.48.36.215\" Dst-port=\"8443\" Msg=\"GET\n"
    "\n"
    "/cucm-uds/user/emusk/devices HTTP/1.1\"\n"
    "\n"
    "2022-07-11T18:55:25.955+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:25,955\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Receive Response\" Txn-id=\"189\"\n"
    "\n"
    "TrackingID=\"\" Src-ip=\"10.48.36.215\" Src-port=\"8443\" Msg=\"HTTP/1.1 200 \"\n"
    "\n"
    "2022-07-11T18:55:25.956+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:25,955\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Sending Response\" Txn-id=\"189\"\n"
    "\n"
    "TrackingID=\"\" Dst-ip=\"127.0.0.1\" Dst-port=\"35764\" Msg=\"HTTP/1.1 200 \"\n"
    "\n"
    "===Failed connection on 6972===\n"
    "\n"
    "2022-07-11T18:55:26.000+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:26,000\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Receive Request\" Txn-id=\"191\"\n"
    "\n"
    "TrackingID=\"bb0c8492-8c15-4537-a7d1-082dde781dbd\" Src-ip=\"127.0.0.1\" Src-port=\"35766\" Last-via-\n"
    "\n"
    "addr=\"\" Msg=\"GET\n"
    "\n"
    "http://vcs_control.steven.lab:8443/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvNjk3Mg/CSFemusk.c\n"
    "\n"
    "nf.xml HTTP/1.1\"\n"
    "\n"
    "2022-07-11T18:55:26.006+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:26,006\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Sending Request\" Txn-id=\"191\"\n"
    "\n"
    "TrackingID=\"bb0c8492-8c15-4537-a7d1-082dde781dbd\" Dst-ip=\"10.48.36.215\" Dst-port=\"6972\" Msg=\"GET\n"
    "\n"
    "/CSFemusk.cnf.xml HTTP/1.1\"\n"
    "\n"
    "2022-07-11T18:55:26.016+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:26,016\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Sending Request\" Txn-id=\"191\"\n"
    "\n"
    "TrackingID=\"bb0c8492-8c15-4537-a7d1-082dde781dbd\" Dst-ip=\"10.48.36.215\" Dst-port=\"6972\" Msg=\"GET\n"
    "\n"
    "\n"
    "\n"
    "/CSFemusk.cnf.xml HTTP/1.1\"\n"
    "\n"
    "2022-07-11T18:55:26.016+02:00 vcsc traffic_server[18242]: [ET_NET 0] WARNING: Core server\n"
    "\n"
    "certificate verification failed for (cucm.steven.lab). Action=Terminate Error=self signed\n"
    "\n"
    "certificate server=cucm.steven.lab(10.48.36.215) depth=0\n"
    "\n"
    "2022-07-11T18:55:26.016+02:00 vcsc traffic_server[18242]: [ET_NET 0] ERROR: SSL connection\n"
    "\n"
    "failed for 'cucm.steven.lab': error:1416F086:SSL\n"
    "\n"
    "routines:tls_process_server_certificate:certificate verify failed\n"
    "\n"
    "2022-07-11T18:55:26.024+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:26,024\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Sending Response\" Txn-id=\"191\"\n"
    "\n"
    "TrackingID=\"\" Dst-ip=\"127.0.0.1\" Dst-port=\"35766\" Msg=\"HTTP/1.1 502 connect failed\"\n"
    "\n";

/* Article, scenario 2 (the DEBUG request with HTTPMSG, the SNI line). */
static const char doc_example2[] =
    "2022-07-11T19:49:01.472+02:00 vcsc traffic_server[3916]: UTCTime=\"2022-07-11 17:49:01,472\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"DEBUG\": Detail=\"Receive Request\" Txn-id=\"144\"\n"
    "\n"
    "TrackingID=\"0a334fa8-41e9-4b97-adf4-e165372c38cb\" Src-ip=\"127.0.0.1\" Src-port=\"30044\" Last-via-\n"
    "\n"
    "addr=\"\"\n"
    "\n"
    "HTTPMSG:\n"
    "\n"
    "|GET http://vcs_control.steven.lab:8443/c3RldmVuLmxhYi9odHRwcy8xMC40OC4zNi4yMTUvODQ0Mw/cucm-\n"
    "\n"
    "uds/user/emusk/devices?max=100 HTTP/1.1\n"
    "\n"
    "...\n"
    "\n"
    "2022-07-11T19:49:01.478+02:00 vcsc traffic_server[3916]: UTCTime=\"2022-07-11 17:49:01,478\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Sending Request\" Txn-id=\"144\"\n"
    "\n"
    "TrackingID=\"0a334fa8-41e9-4b97-adf4-e165372c38cb\" Dst-ip=\"10.48.36.215\" Dst-port=\"8443\" Msg=\"GET\n"
    "\n"
    "/cucm-uds/user/emusk/devices?max=100 HTTP/1.1\"\n"
    "\n"
    "2022-07-11T19:49:01.478+02:00 vcsc traffic_server[3916]: UTCTime=\"2022-07-11 17:49:01,478\"\n"
    "\n"
    "Module=\"network.http.trafficserver\" Level=\"DEBUG\": Detail=\"Sending Request\" Txn-id=\"144\"\n"
    "\n"
    "TrackingID=\"0a334fa8-41e9-4b97-adf4-e165372c38cb\" Dst-ip=\"10.48.36.215\" Dst-port=\"8443\"\n"
    "\n"
    "HTTPMSG:\n"
    "\n"
    "|GET /cucm-uds/user/emusk/devices?max=100 HTTP/1.1\n"
    "\n"
    "...\n"
    "\n"
    "2022-07-11T19:49:01.491+02:00 vcsc traffic_server[3916]: [ET_NET 2] WARNING: SNI (10.48.36.215)\n"
    "\n"
    "not in certificate. Action=Terminate server=10.48.36.215(10.48.36.215)\n"
    "\n"
    "2022-07-11T19:49:01.491+02:00 vcsc traffic_server[3916]: [ET_NET 2] ERROR: SSL connection failed\n"
    "\n"
    "for '10.48.36.215': error:1416F086:SSL routines:tls_process_server_certificate:certificate\n"
    "\n"
    "verify failed\n"
    "\n";

static struct explog *parse_chunked(const char *const *texts, const char *const *names, int n,
                                    size_t chunk)
{
    struct explog *lg = explog_new(NULL);
    CHECK(lg != NULL);
    for (int f = 0; f < n; f++) {
        CHECK_EQ_INT(explog_begin_file(lg, names[f]), EXPLOG_OK);
        size_t len = strlen(texts[f]);
        for (size_t off = 0; off < len; off += chunk)
            CHECK_EQ_INT(explog_feed(lg, texts[f] + off, len - off < chunk ? len - off : chunk),
                         EXPLOG_OK);
        CHECK_EQ_INT(explog_end_file(lg), EXPLOG_OK);
    }
    CHECK_EQ_INT(explog_finish(lg), EXPLOG_OK);
    return lg;
}

static struct explog *parse1(const char *text)
{
    const char *names[1] = {"test.log"};
    return parse_chunked(&text, names, 1, strlen(text) + 1);
}

static const char *iso(int64_t ns)
{
    static char b[TIMEFMT_LEN];
    return time_iso8601(ns, 3, b);
}

static const struct explog_txn *find_txn(const struct explog *lg, const char *id)
{
    for (size_t i = 0; i < explog_n_txns(lg); i++)
        if (strcmp(explog_txn(lg, i)->txn_id, id) == 0) return explog_txn(lg, i);
    return NULL;
}

static void test_example1(size_t chunk)
{
    const char *t = doc_example1, *name = "loggingsnapshot_vcsc.txt";
    struct explog *lg = parse_chunked(&t, &name, 1, chunk);
    const struct explog_stats *st = explog_stats(lg);
    CHECK_EQ_INT(st->records, 11);
    CHECK_EQ_INT(explog_n_records(lg), 11);
    CHECK_EQ_INT(st->orphan_lines, 1); /* "===Success connection on 8443===" */
    CHECK_EQ_INT(st->malformed, 0);
    CHECK_EQ_INT(st->ts_other, 0);
    CHECK_EQ_INT(st->kinds[EXPLOG_RECEIVE_REQUEST], 2);
    CHECK_EQ_INT(st->kinds[EXPLOG_SENDING_REQUEST], 3);
    CHECK_EQ_INT(st->kinds[EXPLOG_RECEIVE_RESPONSE], 1);
    CHECK_EQ_INT(st->kinds[EXPLOG_SENDING_RESPONSE], 2);
    CHECK_EQ_INT(st->kinds[EXPLOG_REQUEST_ALLOWED], 1);
    CHECK_EQ_INT(st->kinds[EXPLOG_CERT_FAILED], 1);
    CHECK_EQ_INT(st->kinds[EXPLOG_SSL_FAILED], 1);
    CHECK_EQ_STR(iso(st->first_ts_ns), "2022-07-11T16:55:25.910Z");
    CHECK_EQ_STR(iso(st->last_ts_ns), "2022-07-11T16:55:26.024Z");
    CHECK_EQ_INT(st->unlinked_access, 0);
    CHECK_EQ_INT(st->unlinked_failures, 0);

    const struct explog_record *r = explog_record(lg, 0);
    CHECK_EQ_INT(r->kind, EXPLOG_RECEIVE_REQUEST);
    CHECK_EQ_INT(r->line, 3);
    CHECK_EQ_STR(r->host, "vcsc");
    CHECK_EQ_STR(r->prog, "traffic_server");
    CHECK_EQ_INT(r->pid, 18242);
    CHECK_EQ_INT(r->tz_offset_min, 120);
    CHECK(r->has_utc);
    CHECK_EQ_INT(r->utc_ns, r->ts_ns);
    CHECK_EQ_STR(r->level, "INFO");
    CHECK_EQ_STR(r->txn_id, "189");
    CHECK_EQ_STR(r->tracking_id, "6af9a674-9ebc-41ea-868e-90e7309a758c");
    CHECK_EQ_STR(r->ip, "127.0.0.1");
    CHECK_EQ_INT(r->port, 35764);
    CHECK_EQ_STR(r->method, "GET");
    CHECK_EQ_STR(r->target, "http://vcs_control.steven.lab:8443/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvODQ0Mw/cucm-uds/user/emusk/devices");
    CHECK(r->route.valid);
    CHECK_EQ_STR(r->route.domain, "steven.lab");
    CHECK_EQ_STR(r->route.protocol, "https");
    CHECK_EQ_STR(r->route.host, "cucm.steven.lab");
    CHECK_EQ_INT(r->route.port, 8443);
    CHECK_EQ_STR(r->path, "/cucm-uds/user/emusk/devices");
    /* the wrapped "Last-via-" / "addr" is joined without a space */
    CHECK(strstr(r->message, "Last-via-addr=\"\"") != NULL);

    const struct explog_txn *t189 = find_txn(lg, "189");
    CHECK(t189 != NULL);
    if (t189) {
        CHECK_EQ_STR(t189->host, "vcsc");
        CHECK_EQ_INT(t189->pid, 18242);
        CHECK_EQ_STR(t189->tracking_id, "6af9a674-9ebc-41ea-868e-90e7309a758c");
        CHECK(t189->access != NULL);
        CHECK_EQ_STR(t189->user, "emusk");
        CHECK_EQ_STR(t189->user_from, "Username");
        CHECK_EQ_STR(t189->access ? t189->access->rule : "", "https://cucm.steven.lab:8443/cucm-uds/user/");
        CHECK_EQ_INT(t189->n_sends, 1);
        CHECK_EQ_STR(t189->sends[0]->ip, "10.48.36.215");
        CHECK_EQ_INT(t189->sends[0]->port, 8443);
        CHECK_EQ_STR(t189->sends[0]->path, "/cucm-uds/user/emusk/devices");
        CHECK(t189->response && t189->response->status == 200);
        CHECK_EQ_STR(t189->response ? t189->response->ip : "", "10.48.36.215");
        CHECK(t189->reply && t189->reply->status == 200);
        CHECK_EQ_STR(t189->reply ? t189->reply->status_text : "?", "");
        CHECK_EQ_INT(t189->n_failures, 0);
    }
    const struct explog_txn *t191 = find_txn(lg, "191");
    CHECK(t191 != NULL);
    if (t191) {
        CHECK(t191->receive && t191->receive->route.port == 6972);
        /* "CSFemusk.c" / "nf.xml": the URL is whole again */
        CHECK_EQ_STR(t191->receive ? t191->receive->path : "", "/CSFemusk.cnf.xml");
        CHECK_EQ_STR(t191->user, "emusk");
        CHECK_EQ_STR(t191->user_from, "device name");
        CHECK_EQ_STR(t191->device, "CSFemusk");
        CHECK(t191->access == NULL);
        CHECK_EQ_INT(t191->n_sends, 2); /* 26.006 and the retry at 26.016 */
        CHECK_EQ_STR(t191->sends[1]->path, "/CSFemusk.cnf.xml");
        CHECK(t191->response == NULL);
        CHECK(t191->reply && t191->reply->status == 502);
        CHECK_EQ_STR(t191->reply ? t191->reply->status_text : "", "connect failed");
        CHECK_EQ_INT(t191->n_failures, 1);
    }
    CHECK_EQ_INT(explog_n_failures(lg), 1);
    const struct explog_failure *f = explog_failure(lg, 0);
    if (f) {
        CHECK_EQ_INT(f->kind, EXPLOG_CERT_FAILED);
        CHECK_EQ_STR(f->name, "cucm.steven.lab");
        CHECK_EQ_STR(f->error, "self signed certificate");
        CHECK_EQ_STR(f->server_host, "cucm.steven.lab");
        CHECK_EQ_STR(f->server_ip, "10.48.36.215");
        CHECK_EQ_INT(f->depth, 0);
        CHECK_EQ_INT(f->port, 6972);
        CHECK_EQ_INT(f->send, 1);
        CHECK(f->txn >= 0 && explog_txn(lg, (size_t)f->txn) == t191);
        CHECK_EQ_STR(iso(f->ts_ns), "2022-07-11T16:55:26.016Z");
        CHECK_EQ_STR(f->rec->thread, "ET_NET 0");
        CHECK_EQ_STR(f->rec->level, "WARNING");
        CHECK_EQ_STR(f->rec->action, "Terminate");
        CHECK_EQ_STR(f->rec->message,
                     "[ET_NET 0] WARNING: Core server certificate verification failed for "
                     "(cucm.steven.lab). Action=Terminate Error=self signed certificate "
                     "server=cucm.steven.lab(10.48.36.215) depth=0");
        CHECK(f->ssl != NULL);
        CHECK_EQ_STR(f->ssl ? f->ssl->name : "", "cucm.steven.lab");
        CHECK_EQ_STR(f->ssl ? f->ssl->ssl_error : "",
                     "error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed");
        CHECK_EQ_STR(f->ssl ? f->ssl->level : "", "ERROR");
    }
    explog_free(lg);
}

static void test_example2(void)
{
    struct explog *lg = parse1(doc_example2);
    const struct explog_stats *st = explog_stats(lg);
    CHECK_EQ_INT(st->records, 5);
    CHECK_EQ_INT(st->malformed, 0);
    CHECK_EQ_INT(st->kinds[EXPLOG_RECEIVE_REQUEST], 1);
    CHECK_EQ_INT(st->kinds[EXPLOG_SENDING_REQUEST], 2);
    CHECK_EQ_INT(st->kinds[EXPLOG_SNI_FAILED], 1);
    CHECK_EQ_INT(st->kinds[EXPLOG_SSL_FAILED], 1);
    const struct explog_txn *t = find_txn(lg, "144");
    CHECK(t != NULL);
    if (!t) {
        explog_free(lg);
        return;
    }
    CHECK_EQ_INT(t->pid, 3916);
    CHECK(t->receive != NULL);
    if (t->receive) {
        CHECK_EQ_STR(t->receive->level, "DEBUG");
        CHECK_EQ_STR(t->receive->method, "GET");
        CHECK_EQ_STR(t->receive->route.host, "10.48.36.215");
        CHECK_EQ_INT(t->receive->route.port, 8443);
        CHECK_EQ_STR(t->receive->path, "/cucm-uds/user/emusk/devices?max=100");
        CHECK_EQ_INT(t->receive->port, 30044);
    }
    CHECK_EQ_INT(t->n_sends, 1); /* INFO and DEBUG lines of one attempt */
    CHECK_EQ_STR(t->sends[0]->path, "/cucm-uds/user/emusk/devices?max=100");
    CHECK_EQ_STR(t->user, "emusk");
    CHECK_EQ_STR(t->user_from, "path");
    CHECK(t->reply == NULL);
    CHECK_EQ_INT(explog_n_failures(lg), 1);
    const struct explog_failure *f = explog_failure(lg, 0);
    if (f) {
        CHECK_EQ_INT(f->kind, EXPLOG_SNI_FAILED);
        CHECK_EQ_STR(f->name, "10.48.36.215");
        CHECK_EQ_STR(f->server_host, "10.48.36.215");
        CHECK_EQ_STR(f->server_ip, "10.48.36.215");
        CHECK_EQ_INT(f->depth, -1);
        CHECK_EQ_INT(f->port, 8443);
        CHECK_EQ_STR(f->rec->thread, "ET_NET 2");
        CHECK_EQ_STR(iso(f->ts_ns), "2022-07-11T17:49:01.491Z");
        CHECK(f->ssl != NULL);
        CHECK_EQ_STR(f->ssl ? f->ssl->name : "", "10.48.36.215");
    }
    explog_free(lg);
}

/* One record of each kind on a single line (how a real log has them), plus
 * "Request Denied" and a standalone SSL error. */
static void test_single_lines(void)
{
    const char *log =
        "2022-07-11T16:55:25.900Z vcsc traffic_server[1]: UTCTime=\"2022-07-11 16:55:25,900\" Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Receive Request\" Txn-id=\"7\" TrackingID=\"t-7\" Src-ip=\"127.0.0.1\" Src-port=\"1000\" Last-via-addr=\"\" Msg=\"POST http://vcs_control.steven.lab:8443/c3RldmVuLmxhYi9odHRwcy9pbXAuc3RldmVuLmxhYi84NDQz/EPASSoap/service/v105 HTTP/1.1\"\n"
        "2022-07-11T16:55:25.901Z vcsc traffic_server[1]: Event=\"Request Denied\" Detail=\"Access denied\" Reason=\"Not in allow list\" Username=\"mallory\" Deployment=\"1\" Method=\"POST\" Request=\"https://imp.steven.lab:8443/EPASSoap/service/v105\" Rule=\"\" UTCTime=\"2022-07-11 16:55:25,901\"\n"
        "2022-07-11T16:55:25.902Z vcsc traffic_server[1]: UTCTime=\"2022-07-11 16:55:25,902\" Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Sending Response\" Txn-id=\"7\" TrackingID=\"\" Dst-ip=\"127.0.0.1\" Dst-port=\"1000\" Msg=\"HTTP/1.1 403 Forbidden\"\n"
        "2022-07-11T16:55:26.000Z vcsc traffic_server[1]: [ET_NET 3] ERROR: SSL connection failed for 'unity.steven.lab': error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure\n"
        "2022-07-11T16:55:27.000Z vcsc traffic_server[1]: [ET_NET 1] WARNING: Core server certificate verification failed for (imp.steven.lab). Action=Terminate Error=unable to get local issuer certificate server=imp.steven.lab(10.48.36.216) depth=1\n";
    struct explog *lg = parse1(log);
    const struct explog_stats *st = explog_stats(lg);
    CHECK_EQ_INT(st->records, 5);
    CHECK_EQ_INT(st->joined_lines, 0);
    CHECK_EQ_INT(st->malformed, 0);
    CHECK_EQ_INT(st->kinds[EXPLOG_REQUEST_DENIED], 1);
    const struct explog_txn *t = find_txn(lg, "7");
    CHECK(t && t->access && t->access->kind == EXPLOG_REQUEST_DENIED);
    if (t) {
        CHECK_EQ_STR(t->user, "mallory");
        CHECK_EQ_STR(t->receive ? t->receive->route.host : "", "imp.steven.lab");
        CHECK_EQ_STR(t->receive ? t->receive->method : "", "POST");
        CHECK_EQ_STR(t->receive ? t->receive->path : "", "/EPASSoap/service/v105");
        CHECK(t->reply && t->reply->status == 403);
        CHECK_EQ_STR(t->reply ? t->reply->status_text : "", "Forbidden");
    }
    CHECK_EQ_INT(explog_n_failures(lg), 2);
    const struct explog_failure *f = explog_failure(lg, 0);
    CHECK(f && f->kind == EXPLOG_SSL_FAILED && f->rec == f->ssl);
    CHECK_EQ_STR(f ? f->name : "", "unity.steven.lab");
    CHECK_EQ_STR(f ? f->ssl->ssl_error : "",
                 "error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure");
    CHECK(f && f->txn == -1 && f->port == -1);
    f = explog_failure(lg, 1);
    CHECK(f && f->kind == EXPLOG_CERT_FAILED && f->depth == 1 && f->ssl == NULL);
    CHECK_EQ_STR(f ? f->error : "", "unable to get local issuer certificate");
    CHECK_EQ_STR(f ? f->server_ip : "", "10.48.36.216");
    CHECK_EQ_INT(st->unlinked_failures, 2);
    explog_free(lg);
}

/* Wrapping the article did not show: a key split without a hyphen, an id
 * split mid-value, CRLF line ends, tabs, leading spaces on continuations. */
static void test_wrapping(void)
{
    const char *log =
        "2022-07-11T18:55:26.000+02:00 vcsc traffic_server[18242]: UTCTime=\"2022-07-11 16:55:26,000\"\r\n"
        "   Module=\"network.http.trafficserver\"\tLevel=\"INFO\": Detail=\"Receive Request\" Txn-id=\"19\r\n"
        "1\" Tracking\r\n"
        "ID=\"bb0c8492-8c15-4537-a7d1-\r\n"
        "082dde781dbd\" Src-ip=\"127.0.0.1\" Src-port=\"357\r\n"
        "66\" Msg=\"GET http://vcs_control.steven.lab:8443/c3RldmVuLmxhYi9odHRw\r\n"
        "cy9jdWNtLnN0ZXZlbi5sYWIvNjk3Mg/CSFemusk.cnf.xml HTTP/1.1\"\r\n";
    struct explog *lg = parse1(log);
    const struct explog_record *r = explog_record(lg, 0);
    CHECK_EQ_INT(explog_stats(lg)->joined_lines, 6);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_STR(r->txn_id, "191");
        CHECK_EQ_STR(r->tracking_id, "bb0c8492-8c15-4537-a7d1-082dde781dbd");
        CHECK_EQ_INT(r->port, 35766);
        CHECK_EQ_STR(r->route.host, "cucm.steven.lab");
        CHECK_EQ_INT(r->route.port, 6972);
        CHECK_EQ_STR(r->path, "/CSFemusk.cnf.xml");
        CHECK_EQ_STR(iso(r->ts_ns), "2022-07-11T16:55:26.000Z");
    }
    explog_free(lg);
}

/* Garbage: orphan text, NULs, binary, an overlong line, bad headers, other
 * programs, our kinds with unreadable fields. Everything is counted. */
static void test_garbage(void)
{
    static char log[200000];
    size_t n = 0;
#define ADD(s) do { size_t l_ = sizeof(s) - 1; memcpy(log + n, s, l_); n += l_; } while (0)
    ADD("no header yet\n");                                          /* orphan */
    ADD("2022-13-40T18:55:26.000+02:00 vcsc traffic_server[1]: x\n"); /* bad date: orphan */
    ADD("2022-07-11T18:55:26.000+02:00 vcsc kernel: eth0 up\n");      /* other program */
    ADD("2022-07-11T18:55:26.000+02:00 vcsc traffic_server[1]: Detail=\"Receive Request\" Msg=\"GET /x HTTP/1.1\"\n"); /* no Txn-id */
    ADD("2022-07-11T18:55:26.000+02:00 vcsc traffic_server[1]: [ET_NET 0] WARNING: Core server certificate verification failed for (no close paren\n"); /* malformed */
    ADD("2022-07-11T18:55:26.000+02:00 vcsc traffic_server[1]: Detail=\"Receive Response\" Txn-id=\"5\" Msg=\"HTTP/1.1 abc\"\n"); /* malformed status */
    ADD("2022-07-11T18:55:26.000+02:00 vcsc traffic_server[1]: [ET_NET 0] NOTE: something else\n"); /* other kind */
    ADD("2022-07-11T18:55:26.000+02:00 vcsc traffic_server[x]: Detail=\"Receive Request\"\n"); /* bad pid: orphan line */
    ADD("2022-07-11T18:55:26.000+02:00 vcsc traffic_server[1]: Detail=\"Sending Request\" Txn-id=\"5\" Dst-ip=\"10.0.0.1\" Dst-port=\"99999\" Msg=\"GET / HTTP/1.1\"\n");
    memcpy(log + n, "\x01\x02\0\0\xff binary\n", 13); /* continuation with NULs */
    n += 13;
    memset(log + n, 'A', 70000); /* overlong continuation line */
    n += 70000;
    log[n++] = '\n';
    ADD("\n\n   \n");
    struct explog *lg = explog_new(NULL);
    explog_begin_file(lg, "garbage.txt");
    explog_feed(lg, log, n);
    explog_end_file(lg);
    explog_finish(lg);
    const struct explog_stats *st = explog_stats(lg);
    CHECK_EQ_INT(st->lines, 14);
    CHECK_EQ_INT(st->orphan_lines, 2);
    CHECK_EQ_INT(st->records, 6);
    CHECK_EQ_INT(st->other_programs, 1);
    CHECK_EQ_INT(st->malformed, 3);
    CHECK_EQ_INT(st->ts_other, 1);
    CHECK_EQ_INT(st->joined_lines, 3);
    CHECK_EQ_INT(st->blank_lines, 3);
    CHECK_EQ_INT(st->nul_bytes, 2);
    CHECK_EQ_INT(st->long_lines, 1);
    CHECK_EQ_INT(st->long_records, 1);
    CHECK_EQ_INT(explog_n_records(lg), 1);
    const struct explog_record *r = explog_record(lg, 0);
    CHECK(r && r->kind == EXPLOG_SENDING_REQUEST && r->port == -1); /* port 99999 refused */
    CHECK(r && strlen(r->message) == EXPLOG_MAX_MESSAGE);
    /* feeding after finish is refused */
    CHECK_EQ_INT(explog_begin_file(lg, "late"), EXPLOG_EINVAL);
    explog_free(lg);
}

/* Two nodes with the same Txn-id are two requests; caps are counted. */
static void test_files_and_caps(void)
{
    const char *a =
        "2022-07-11T16:55:25.000Z vcsc1 traffic_server[10]: Detail=\"Receive Request\" Txn-id=\"1\" Msg=\"GET /a HTTP/1.1\"\n";
    const char *b =
        "2022-07-11T16:55:24.000Z vcsc2 traffic_server[10]: Detail=\"Receive Request\" Txn-id=\"1\" Msg=\"GET /b HTTP/1.1\"\n"
        "2022-07-11T16:55:26.000Z vcsc2 traffic_server[10]: Detail=\"Sending Response\" Txn-id=\"1\" Msg=\"HTTP/1.1 200 OK\"\n";
    const char *texts[2] = {a, b}, *names[2] = {"node1.txt", "node2.txt"};
    struct explog *lg = parse_chunked(texts, names, 2, 7);
    CHECK_EQ_INT(explog_n_files(lg), 2);
    CHECK_EQ_STR(explog_file_name(lg, 1), "node2.txt");
    CHECK_EQ_INT(explog_file_records(lg, 1), 2);
    CHECK_EQ_INT(explog_n_txns(lg), 2);
    /* time order across files: node2's request came first */
    CHECK_EQ_STR(explog_txn(lg, 0)->host, "vcsc2");
    CHECK_EQ_STR(explog_txn(lg, 0)->receive->path, "/b");
    CHECK(explog_txn(lg, 0)->reply != NULL);
    CHECK_EQ_STR(explog_txn(lg, 1)->host, "vcsc1");
    CHECK(explog_txn(lg, 1)->reply == NULL);
    CHECK_EQ_INT(explog_record(lg, 0)->file, 1);
    explog_free(lg);

    /* a text file without any record is not a log: its lines are not
     * "skipped log lines"; a route segment that looks like one but does
     * not decode is counted */
    const char *notes = "xConfiguration EdgeConfigServer VerifyOriginServer: On\n\nsecond line\n";
    const char *bad =
        "2022-07-11T16:55:25.000Z vcsc traffic_server[10]: Detail=\"Receive Request\" Txn-id=\"9\" "
        "Msg=\"GET http://vcs:8443/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWI/x HTTP/1.1\"\n"
        "trailing words\n";
    const char *texts2[2] = {notes, bad}, *names2[2] = {"xconfig.txt", "log.txt"};
    lg = parse_chunked(texts2, names2, 2, 5);
    const struct explog_stats *st = explog_stats(lg);
    CHECK_EQ_INT(st->text_files, 1);
    CHECK_EQ_INT(st->text_lines, 3);
    CHECK_EQ_INT(st->lines, 2);
    CHECK_EQ_INT(st->blank_lines, 0);
    CHECK_EQ_INT(st->orphan_lines, 0);
    CHECK_EQ_INT(st->joined_lines, 1);
    CHECK_EQ_INT(st->bad_routes, 1);
    CHECK_EQ_INT(explog_file_records(lg, 0), 0);
    CHECK_EQ_INT(explog_file_records(lg, 1), 1);
    CHECK(!explog_record(lg, 0)->route.valid);
    CHECK_EQ_STR(explog_record(lg, 0)->path, "/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWI/x");
    explog_free(lg);

    struct explog_limits lim;
    explog_limits_default(&lim);
    lim.max_records = 2;
    lg = explog_new(&lim);
    explog_begin_file(lg, "x");
    explog_feed(lg, b, strlen(b));
    explog_feed(lg, b, strlen(b));
    explog_end_file(lg);
    explog_finish(lg);
    CHECK_EQ_INT(explog_n_records(lg), 2);
    CHECK_EQ_INT(explog_stats(lg)->dropped_records, 2);
    explog_free(lg);
}

/* Two requests to one server at the same moment, two failures: one each. */
static void test_concurrent(void)
{
    const char *log =
        "2022-07-11T16:55:25.000Z vcsc traffic_server[1]: Detail=\"Sending Request\" Txn-id=\"1\" Dst-ip=\"10.48.36.215\" Dst-port=\"6972\" Msg=\"GET /CSFa.cnf.xml HTTP/1.1\"\n"
        "2022-07-11T16:55:25.000Z vcsc traffic_server[1]: Detail=\"Sending Request\" Txn-id=\"2\" Dst-ip=\"10.48.36.215\" Dst-port=\"6972\" Msg=\"GET /CSFb.cnf.xml HTTP/1.1\"\n"
        "2022-07-11T16:55:25.010Z vcsc traffic_server[1]: [ET_NET 0] WARNING: Core server certificate verification failed for (cucm). Action=Terminate Error=self signed certificate server=cucm(10.48.36.215) depth=0\n"
        "2022-07-11T16:55:25.010Z vcsc traffic_server[1]: [ET_NET 1] WARNING: Core server certificate verification failed for (cucm). Action=Terminate Error=self signed certificate server=cucm(10.48.36.215) depth=0\n"
        "2022-07-11T16:55:25.010Z vcsc traffic_server[1]: [ET_NET 0] ERROR: SSL connection failed for 'cucm': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed\n"
        "2022-07-11T16:55:25.010Z vcsc traffic_server[1]: [ET_NET 1] ERROR: SSL connection failed for 'cucm': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed\n";
    struct explog *lg = parse1(log);
    CHECK_EQ_INT(explog_n_failures(lg), 2);
    const struct explog_failure *a = explog_failure(lg, 0), *b = explog_failure(lg, 1);
    CHECK(a && b && a->txn >= 0 && b->txn >= 0 && a->txn != b->txn);
    CHECK(a && b && a->ssl && b->ssl && a->ssl != b->ssl);
    CHECK_EQ_STR(a ? explog_txn(lg, (size_t)a->txn)->user : "", "b"); /* the later one first */
    CHECK_EQ_STR(b ? explog_txn(lg, (size_t)b->txn)->user : "", "a");
    explog_free(lg);
}

/* IPv6 and odd address spellings come out as inet_ntop writes them. */
static void test_addresses(void)
{
    const char *log =
        "2022-07-11T16:55:25.000Z vcsc traffic_server[1]: Detail=\"Sending Request\" Txn-id=\"1\" Dst-ip=\"FD00:07C5:0:0::20\" Dst-port=\"8443\" Msg=\"GET / HTTP/1.1\"\n"
        "2022-07-11T16:55:25.010Z vcsc traffic_server[1]: [ET_NET 0] WARNING: Core server certificate verification failed for (v6.test.lab). Action=Continue Error=certificate has expired server=v6.test.lab([fd00:7c5::20]) depth=0\n";
    struct explog *lg = parse1(log);
    CHECK_EQ_STR(explog_record(lg, 0)->ip, "fd00:7c5::20");
    const struct explog_failure *f = explog_failure(lg, 0);
    CHECK_EQ_STR(f ? f->server_ip : "", "fd00:7c5::20");
    CHECK_EQ_STR(f ? f->rec->action : "", "Continue");
    CHECK(f && f->txn == 0 && f->port == 8443);
    explog_free(lg);
}

static void test_b64url(void)
{
    uint8_t out[64];
    struct { const char *in; long want; const char *bytes; } v[] = {
        {"", 0, ""},
        {"Zg", 1, "f"},
        {"Zg==", 1, "f"},
        {"Zm8", 2, "fo"},
        {"Zm8=", 2, "fo"},
        {"Zm9v", 3, "foo"},
        {"Zm9vYg", 4, "foob"},
        {"-_-_", 3, "\xfb\xff\xbf"},
        {"Zg=", -1, NULL},      /* padding that does not complete a quantum */
        {"Zg===", -1, NULL},
        {"Zm9v====", -1, NULL},
        {"=", -1, NULL},
        {"Z", -1, NULL},        /* 4k+1 characters */
        {"Zm9vY", -1, NULL},
        {"Zh", -1, NULL},       /* non-zero pad bits */
        {"Zm9", -1, NULL},
        {"Zm9v+w", -1, NULL},   /* standard-alphabet characters are not base64url */
        {"Zm9v/w", -1, NULL},
        {"Zm 9v", -1, NULL},    /* white space */
        {"Zg==Zg", -1, NULL},   /* padding in the middle */
        {"Zm9v\x80", -1, NULL},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        long got = explog_b64url_decode(v[i].in, strlen(v[i].in), out, sizeof(out));
        if (got != v[i].want) fprintf(stderr, "b64url case %zu (\"%s\")\n", i, v[i].in);
        CHECK_EQ_INT(got, v[i].want);
        if (got > 0 && v[i].bytes) CHECK_EQ_MEM(out, v[i].bytes, (size_t)got);
    }
    CHECK_EQ_INT(explog_b64url_decode("Zm9vYmFy", 8, out, 5), -2);
    CHECK_EQ_INT(explog_b64url_decode("Zm9vYmFy", 8, out, 6), 6);

    char buf[256];
    struct explog_route r;
    const char *seg = "c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvODQ0Mw";
    CHECK_EQ_INT(explog_route_decode(seg, strlen(seg), buf, sizeof(buf), &r), 0);
    CHECK_EQ_STR(r.domain, "steven.lab");
    CHECK_EQ_STR(r.protocol, "https");
    CHECK_EQ_STR(r.host, "cucm.steven.lab");
    CHECK_EQ_INT(r.port, 8443);
    /* the same with padding */
    CHECK_EQ_INT(explog_route_decode("c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvODQ0Mw==", 52,
                                     buf, sizeof(buf), &r), 0);
    CHECK_EQ_INT(r.port, 8443);
    seg = "c3RldmVuLmxhYi9odHRwcy8xMC40OC4zNi4yMTUvODQ0Mw";
    CHECK_EQ_INT(explog_route_decode(seg, strlen(seg), buf, sizeof(buf), &r), 0);
    CHECK_EQ_STR(r.host, "10.48.36.215");
    /* IPv6 host: the port is after the last slash */
    struct { const char *plain; int ok; } rv[] = {
        {"steven.lab/https/fd00::1/8443", 0},
        {"steven.lab/https/cucm.steven.lab", -1}, /* no port */
        {"steven.lab/https/cucm/0", -1},
        {"steven.lab/https/cucm/65536", -1},
        {"steven.lab/https/cucm/84a3", -1},
        {"steven.lab/ht7ps/cucm/8443", -1},
        {"steven.lab/https//8443", -1},
        {"/https/cucm/8443", -1},
        {"steven lab/https/cucm/8443", -1},
        {"steven.lab/https/cucm/8443/", -1},
    };
    for (size_t i = 0; i < sizeof(rv) / sizeof(rv[0]); i++) {
        /* encode with a tiny base64url encoder */
        static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char enc[128];
        size_t k = 0, len = strlen(rv[i].plain);
        const uint8_t *p = (const uint8_t *)rv[i].plain;
        for (size_t j = 0; j < len; j += 3) {
            uint32_t x = (uint32_t)p[j] << 16 | (j + 1 < len ? (uint32_t)p[j + 1] << 8 : 0) |
                         (j + 2 < len ? p[j + 2] : 0);
            enc[k++] = al[x >> 18 & 63];
            enc[k++] = al[x >> 12 & 63];
            if (j + 1 < len) enc[k++] = al[x >> 6 & 63];
            if (j + 2 < len) enc[k++] = al[x & 63];
        }
        enc[k] = '\0';
        int got = explog_route_decode(enc, k, buf, sizeof(buf), &r);
        if (got != rv[i].ok) fprintf(stderr, "route case \"%s\"\n", rv[i].plain);
        CHECK_EQ_INT(got, rv[i].ok);
    }
    CHECK_EQ_INT(explog_route_decode("cucm-uds", 8, buf, sizeof(buf), &r), -1);
    CHECK(!r.valid && r.port == -1 && r.host[0] == '\0');
    CHECK_EQ_INT(explog_route_decode(seg, strlen(seg), buf, 10, &r), -1); /* buffer too small */
}

static void test_users(void)
{
    char u[64], d[64];
    CHECK_EQ_INT(explog_user_from_path("/cucm-uds/user/emusk/devices", u, sizeof(u), d, sizeof(d)), 1);
    CHECK_EQ_STR(u, "emusk");
    CHECK_EQ_STR(d, "");
    CHECK_EQ_INT(explog_user_from_path("/cucm-uds/user/emusk", u, sizeof(u), d, sizeof(d)), 1);
    CHECK_EQ_STR(u, "emusk");
    CHECK_EQ_INT(explog_user_from_path("/cucm-uds/user/emusk/devices?max=100", u, sizeof(u), d, sizeof(d)), 1);
    CHECK_EQ_STR(u, "emusk");
    CHECK_EQ_INT(explog_user_from_path("/cucm-uds/user/", u, sizeof(u), d, sizeof(d)), 0);
    CHECK_EQ_STR(u, "");
    CHECK_EQ_INT(explog_user_from_path("/CSFemusk.cnf.xml", u, sizeof(u), d, sizeof(d)), 1);
    CHECK_EQ_STR(u, "emusk");
    CHECK_EQ_STR(d, "CSFemusk");
    CHECK_EQ_INT(explog_user_from_path("/tctjdoe.CNF.XML", u, sizeof(u), d, sizeof(d)), 1);
    CHECK_EQ_STR(u, "jdoe");
    CHECK_EQ_STR(d, "tctjdoe");
    CHECK_EQ_INT(explog_user_from_path("/x/BOTa.cnf.xml?v=1", u, sizeof(u), d, sizeof(d)), 1);
    CHECK_EQ_STR(u, "a");
    CHECK_EQ_INT(explog_user_from_path("/CSF.cnf.xml", u, sizeof(u), d, sizeof(d)), 0);
    CHECK_EQ_INT(explog_user_from_path("/SEP001122334455.cnf.xml", u, sizeof(u), d, sizeof(d)), 0);
    CHECK_EQ_INT(explog_user_from_path("/cucm-uds/users", u, sizeof(u), d, sizeof(d)), 0);
    CHECK_EQ_INT(explog_user_from_path("", u, sizeof(u), d, sizeof(d)), 0);
}

/* Issue #17 item 4: a record dated before 1678 or after 2262 does not fit
 * int64 nanoseconds (signed overflow under UBSan; release builds printed
 * year 1677 or 1753). It is counted as out of range and not used, with its
 * wrapped lines; the records around it are read as usual. A UTCTime field
 * out of range is ignored (the header time stands). */
static void test_times_out_of_range(void)
{
    const char *log =
        "2022-07-11T18:55:26.000+02:00 vcsc traffic_server[1]: UTCTime=\"2022-07-11 16:55:26,000\" Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Receive Request\" Txn-id=\"1\" Src-ip=\"127.0.0.1\" Src-port=\"1\" Msg=\"GET /a HTTP/1.1\"\n"
        "1600-01-01T00:00:00.000+00:00 vcsc traffic_server[1]: UTCTime=\"1600-01-01 00:00:00,000\" Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Receive Request\" Txn-id=\"2\"\n"
        "  Src-ip=\"127.0.0.1\" Src-port=\"2\" Msg=\"GET /b HTTP/1.1\"\n"
        "9999-12-31T23:59:59.999+00:00 vcsc traffic_server[1]: Detail=\"Receive Request\" Txn-id=\"3\" Src-ip=\"127.0.0.1\" Src-port=\"3\" Msg=\"GET /c HTTP/1.1\"\n"
        "1677-09-21T00:12:43.145224192Z vcsc traffic_server[1]: Detail=\"Receive Request\" Txn-id=\"4\" Src-ip=\"127.0.0.1\" Src-port=\"4\" Msg=\"GET /d HTTP/1.1\"\n"
        "2022-07-11T18:55:27.000+02:00 vcsc traffic_server[1]: UTCTime=\"2300-01-01 00:00:00,000\" Module=\"network.http.trafficserver\" Level=\"INFO\": Detail=\"Receive Request\" Txn-id=\"5\" Src-ip=\"127.0.0.1\" Src-port=\"5\" Msg=\"GET /e HTTP/1.1\"\n";
    struct explog *lg = parse1(log);
    const struct explog_stats *st = explog_stats(lg);
    CHECK_EQ_INT(st->records, 5);
    CHECK_EQ_INT(st->bad_times, 2);
    CHECK_EQ_INT(st->joined_lines, 1);
    CHECK_EQ_INT(st->kinds[EXPLOG_RECEIVE_REQUEST], 3);
    CHECK_EQ_STR(iso(st->first_ts_ns), "1677-09-21T00:12:43.145Z");
    CHECK_EQ_STR(iso(st->last_ts_ns), "2022-07-11T16:55:27.000Z");
    const struct explog_record *r = explog_record(lg, 2);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_STR(r->txn_id, "5");
        CHECK(!r->has_utc);
        CHECK_EQ_STR(iso(r->ts_ns), "2022-07-11T16:55:27.000Z");
    }
    explog_free(lg);
}

int main(void)
{
    test_example1(1 << 20);
    test_example1(1);   /* byte by byte */
    test_example1(13);
    test_example2();
    test_single_lines();
    test_wrapping();
    test_garbage();
    test_files_and_caps();
    test_concurrent();
    test_addresses();
    test_b64url();
    test_users();
    test_times_out_of_range();
    return check_summary();
}
