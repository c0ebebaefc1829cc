/* The probe's client against hostile servers: a listener on 127.0.0.1
 * (loopback only) reads the ClientHello and answers with crafted bytes;
 * every answer must end the connection with the exact error and detail,
 * never a crash or a hang (and under ASan, no bad access). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "probe/ciphers.h"
#include "probe/client.h"

static uint16_t suites[PROBE_MAX_SUITES];
static int n_suites;

/* Connect a client, let the server answer with `answer` (n bytes; then
 * close if `then_close`), run the client to its end. */
static void run(struct pclient *c, const void *answer, size_t n, bool then_close)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    bind(ls, (struct sockaddr *)&sa, sizeof(sa));
    listen(ls, 1);
    getsockname(ls, (struct sockaddr *)&sa, &sl);
    struct pc_config cfg = {.suites = suites, .n_suites = n_suites, .tls13 = true, .sni = "hostile.test"};
    pc_start(c, (struct sockaddr *)&sa, sizeof(sa), &cfg, 2000);
    int srv = accept(ls, NULL, NULL);
    bool answered = false;
    while (c->state != PC_DONE) {
        struct pollfd pfd = {.fd = c->fd, .events = pc_events(c)};
        short re = poll(&pfd, 1, 50) > 0 ? pfd.revents : 0;
        pc_io(c, re);
        pc_tick(c, pc_now_ms());
        if (!answered && c->n_chunks > 0) { /* the ClientHello went out */
            uint8_t buf[4096];
            (void)!recv(srv, buf, sizeof(buf), 0);
            if (n) (void)!send(srv, answer, n, MSG_NOSIGNAL);
            if (then_close) shutdown(srv, SHUT_WR);
            answered = true;
        }
    }
    close(srv);
    close(ls);
}

static void expect(const char *what, const void *answer, size_t n, bool then_close, enum pc_error e,
                   const char *detail)
{
    struct pclient c;
    run(&c, answer, n, then_close);
    if (c.error != e || strcmp(c.detail, detail) != 0) fprintf(stderr, "case: %s\n", what);
    CHECK_EQ_INT(c.error, e);
    CHECK_EQ_STR(c.detail, detail);
    pc_free(&c);
}

int main(void)
{
    char err[200];
    n_suites = probe_cipher_list(PROBE_EXPRESSWAY_CIPHERS, suites, PROBE_MAX_SUITES, err, sizeof(err));

    static const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    expect("plain HTTP", http, sizeof(http) - 1, true, PC_NOT_TLS, "the server's answer is not a TLS record");
    expect("closed", NULL, 0, true, PC_CLOSED, "");
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    struct pclient c;
    run(&c, alert, sizeof(alert), false);
    CHECK_EQ_INT(c.error, PC_ALERT);
    CHECK_EQ_INT(c.alert_level, 2);
    CHECK_EQ_INT(c.alert_desc, 40);
    pc_free(&c);
    static const uint8_t huge_record[] = {0x16, 0x03, 0x03, 0xff, 0xff};
    expect("record over 2^14+2048", huge_record, sizeof(huge_record), false, PC_PROTOCOL,
           "record longer than RFC 8446 §5.2 allows");
    static const uint8_t short_sh[] = {0x16, 0x03, 0x03, 0x00, 0x08, 0x02, 0x00, 0x00, 0x04,
                                       0x03, 0x03, 0x00, 0x00};
    expect("ServerHello cut short", short_sh, sizeof(short_sh), false, PC_PROTOCOL, "ServerHello too short");
    static const uint8_t huge_msg[] = {0x16, 0x03, 0x03, 0x00, 0x04, 0x0b, 0xff, 0xff, 0xff};
    expect("handshake message of 16 MiB", huge_msg, sizeof(huge_msg), false, PC_PROTOCOL,
           "handshake message over the probe's 1 MiB cap");
    /* TLS 1.3 ServerHello (supported_versions 1.3) without a key share */
    uint8_t sh13[5 + 4 + 2 + 32 + 1 + 2 + 1 + 2 + 6];
    size_t k = 0;
    static const uint8_t h13[] = {0x16, 0x03, 0x03, 0x00, sizeof(sh13) - 5, 0x02, 0x00, 0x00,
                                  sizeof(sh13) - 9, 0x03, 0x03};
    memcpy(sh13, h13, sizeof(h13));
    k = sizeof(h13);
    memset(sh13 + k, 0x11, 32); /* random */
    k += 32;
    sh13[k++] = 0;              /* session id */
    sh13[k++] = 0x13;
    sh13[k++] = 0x02;           /* TLS_AES_256_GCM_SHA384 */
    sh13[k++] = 0;              /* compression */
    static const uint8_t ext[] = {0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    memcpy(sh13 + k, ext, sizeof(ext));
    expect("TLS 1.3 without key share", sh13, sizeof(sh13), false, PC_PROTOCOL,
           "TLS 1.3 ServerHello without a key share");
    /* the same as a HelloRetryRequest for secp384r1, which was not offered first */
    static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    uint8_t hrr[sizeof(sh13) + 6];
    memcpy(hrr, sh13, sizeof(sh13));
    hrr[4] += 6;
    hrr[8] += 6;
    memcpy(hrr + 11, hrr_random, 32);
    hrr[11 + 32 + 1 + 2 + 1 + 1] = 0x0c; /* extensions length 12 */
    static const uint8_t ks[] = {0x00, 0x33, 0x00, 0x02, 0x00, 0x18};
    memcpy(hrr + sizeof(sh13), ks, sizeof(ks));
    expect("HelloRetryRequest for P-384", hrr, sizeof(hrr), false, PC_PROTOCOL,
           "HelloRetryRequest for group 0x0018");
    /* a server that accepts and never answers */
    struct pclient st;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    bind(ls, (struct sockaddr *)&sa, sizeof(sa));
    listen(ls, 1);
    getsockname(ls, (struct sockaddr *)&sa, &sl);
    struct pc_config cfg = {.suites = suites, .n_suites = n_suites, .tls13 = true};
    pc_start(&st, (struct sockaddr *)&sa, sizeof(sa), &cfg, 200);
    while (st.state != PC_DONE) {
        struct pollfd pfd = {.fd = st.fd, .events = pc_events(&st)};
        short re = poll(&pfd, 1, 20) > 0 ? pfd.revents : 0;
        pc_io(&st, re);
        pc_tick(&st, pc_now_ms());
    }
    CHECK_EQ_INT(st.error, PC_HANDSHAKE_TIMEOUT);
    pc_free(&st);
    close(ls);
    return check_summary();
}
