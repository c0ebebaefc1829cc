/* client.c — one probe connection (see client.h). */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cursor.h"
#include "dissect/tls.h"
#include "hello.h"
#include "identity.h"
#include "tls12auth.h"

#define RX_CAP (5u + 16384u + 2048u) /* one record, the largest RFC 8446 §5.2 allows */
#define TRANSCRIPT_CAP (TLS_MAX_RAW_HELLO + 2u * PROBE_HELLO_MAX + 2u * PC_MAX_COOKIE + 4096u)

int64_t pc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *pc_error_text(enum pc_error e)
{
    switch (e) {
    case PC_OK: return "ok";
    case PC_REFUSED: return "connection refused";
    case PC_UNREACHABLE: return "unreachable";
    case PC_CONNECT_TIMEOUT: return "timed out connecting";
    case PC_HANDSHAKE_TIMEOUT: return "timed out in the TLS handshake";
    case PC_RESET: return "connection reset";
    case PC_CLOSED: return "closed by the server";
    case PC_NOT_TLS: return "not TLS";
    case PC_ALERT: return "server alert";
    case PC_PROTOCOL: return "TLS protocol error";
    case PC_SOCKET: return "local error";
    case PC_STOPPED: return "interrupted";
    }
    return "?";
}

static void finish(struct pclient *c, enum pc_error e, const char *detail)
{
    if (c->state == PC_DONE) return;
    c->state = PC_DONE;
    c->error = e;
    if (detail) snprintf(c->detail, sizeof(c->detail), "%s", detail);
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static void fail_errno(struct pclient *c, int err)
{
    enum pc_error e = PC_SOCKET;
    switch (err) {
    case ECONNREFUSED: e = PC_REFUSED; break;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EADDRNOTAVAIL: e = PC_UNREACHABLE; break;
    case ETIMEDOUT: e = c->state == PC_CONNECTING ? PC_CONNECT_TIMEOUT : PC_HANDSHAKE_TIMEOUT; break;
    case ECONNRESET:
    case EPIPE: e = PC_RESET; break;
    default: break;
    }
    finish(c, e, e == PC_SOCKET ? strerror(err) : NULL);
}

/* Room for n more bytes in a buffer that grows by doubling up to max (a
 * probe holds what a server sent so far, not its cap, per connection). */
static bool reserve(uint8_t **buf, uint32_t *cap, uint32_t len, size_t n, uint32_t max)
{
    if (n > max - len) return false;
    if (len + n <= *cap) return true;
    uint32_t ncap = *cap ? *cap : 16384;
    while (ncap < len + n) ncap = ncap > max / 2 ? max : ncap * 2;
    uint8_t *nb = realloc(*buf, ncap);
    if (!nb) return false;
    *buf = nb;
    *cap = ncap;
    return true;
}

/* Keep what went over the wire, in order. */
static bool log_bytes(struct pclient *c, int dir, const uint8_t *p, size_t n)
{
    if (n > PC_MAX_LOG - c->log_len || c->n_chunks == PC_MAX_CHUNKS) {
        finish(c, PC_PROTOCOL, "the server sent more than the probe keeps before its certificate");
        return false;
    }
    if (!reserve(&c->log, &c->log_cap, c->log_len, n, PC_MAX_LOG)) {
        finish(c, PC_SOCKET, "out of memory");
        return false;
    }
    memcpy(c->log + c->log_len, p, n);
    c->chunks[c->n_chunks++] = (struct pc_chunk){.dir = (uint8_t)dir, .ts_ns = wall_ns(),
                                                 .off = c->log_len, .len = (uint32_t)n};
    c->log_len += (uint32_t)n;
    return true;
}

static bool send_all(struct pclient *c, const uint8_t *p, size_t n)
{
    /* a ClientHello or an alert: far below the socket buffer, so one
     * non-blocking send takes it whole on a fresh connection */
    ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
    if (w != (ssize_t)n) {
        fail_errno(c, w < 0 ? errno : EAGAIN);
        return false;
    }
    return log_bytes(c, 0, p, n);
}

void pc_start(struct pclient *c, const struct sockaddr *peer, socklen_t len,
              const struct pc_config *cfg, int timeout_ms)
{
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->fd = -1;
    c->state = PC_CONNECTING;
    c->timeout_ms = timeout_ms;
    c->deadline_ms = pc_now_ms() + timeout_ms;
    memcpy(&c->peer, peer, len);
    c->peer_len = len;
    c->rx = malloc(RX_CAP);
    c->transcript = malloc(TRANSCRIPT_CAP);
    if (!c->rx || !c->transcript) {
        finish(c, PC_SOCKET, "out of memory");
        return;
    }
    c->fd = socket(peer->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fail_errno(c, errno);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->syn_ts_ns = wall_ns();
    int rc = connect(c->fd, peer, len);
    /* the local address and port are bound by connect(), also while it is
     * in progress: the evidence names them even for a refused connection */
    socklen_t ll = sizeof(c->local);
    getsockname(c->fd, (struct sockaddr *)&c->local, &ll);
    if (rc != 0 && errno != EINPROGRESS) fail_errno(c, errno);
}

short pc_events(const struct pclient *c)
{
    if (c->state == PC_CONNECTING) return POLLOUT;
    if (c->state == PC_HANDSHAKE) return POLLIN;
    return 0;
}

/* --hello replay: the captured ClientHello (cfg.replay) into a record at
 * rec, as it was (cipher suites, groups, signature algorithms, extensions
 * and their order, SNI), with a fresh random and session id (same length)
 * and our own key share for the same group. What cannot be replayed is an
 * error (why): a session resumption (pre_shared_key, early_data), key
 * shares the probe cannot make (another group, or more than one). Returns
 * the record length or -1. */
static int replay_hello(struct pclient *c, uint8_t *rec, size_t cap, char *why, size_t whylen)
{
    const struct pc_config *cfg = &c->cfg;
    if (cfg->replay_len < 4 + 2 + 32 + 1 || cfg->replay_len > cap - 5 || cfg->replay_len > 0xffff) {
        snprintf(why, whylen, "--hello replay: the captured ClientHello does not fit a record");
        return -1;
    }
    uint8_t *m = rec + 5;
    memcpy(m, cfg->replay, cfg->replay_len);
    rec[0] = 22;
    rec[1] = 3;
    rec[2] = 1; /* 1.1.1's record version for a first ClientHello */
    rec[3] = (uint8_t)(cfg->replay_len >> 8);
    rec[4] = (uint8_t)cfg->replay_len;
    struct cursor cur = cur_init(m + 4, cfg->replay_len - 4), exts;
    const uint8_t *random, *sid;
    uint8_t sid_len, comp_len;
    uint16_t legacy, suites_len, ext_len;
    if (cur_u16(&cur, &legacy) || cur_bytes(&cur, 32, &random) || cur_u8(&cur, &sid_len) ||
        cur_bytes(&cur, sid_len, &sid) || cur_u16(&cur, &suites_len) || cur_skip(&cur, suites_len) ||
        cur_u8(&cur, &comp_len) || cur_skip(&cur, comp_len)) {
        snprintf(why, whylen, "--hello replay: the captured ClientHello is malformed");
        return -1;
    }
    /* fresh random and session id, written where the captured ones were */
    if (ks_random(c->random, 32) != 0 || ks_random(c->session_id, 32) != 0) {
        snprintf(why, whylen, "no random numbers");
        return -1;
    }
    memcpy(m + (random - m), c->random, 32);
    memcpy(m + (sid - m), c->session_id, sid_len <= 32 ? sid_len : 32);
    if (cur_empty(&cur)) return (int)(5 + cfg->replay_len); /* no extensions: TLS 1.2 at most */
    if (cur_u16(&cur, &ext_len) || cur_sub(&cur, ext_len, &exts)) {
        snprintf(why, whylen, "--hello replay: the captured ClientHello's extensions overrun");
        return -1;
    }
    while (!cur_empty(&exts)) {
        uint16_t type, len, shares_len, group, klen;
        struct cursor e, shares;
        const uint8_t *key;
        if (cur_u16(&exts, &type) || cur_u16(&exts, &len) || cur_sub(&exts, len, &e)) {
            snprintf(why, whylen, "--hello replay: the captured ClientHello's extensions overrun");
            return -1;
        }
        if (type == 41 || type == 42) { /* RFC 8446 §4.2.11, §4.2.10 */
            snprintf(why, whylen, "--hello replay: the captured ClientHello resumes a session "
                     "(%s): its binder cannot be made again", type == 41 ? "pre_shared_key" : "early_data");
            return -1;
        }
        if (type != 51) continue;
        /* key_share (§4.2.8): client_shares<0..2^16-1> of KeyShareEntry */
        if (cur_u16(&e, &shares_len) || cur_sub(&e, shares_len, &shares)) {
            snprintf(why, whylen, "--hello replay: the captured key_share overruns");
            return -1;
        }
        if (cur_empty(&shares)) continue; /* no share: the server may ask with a HelloRetryRequest */
        if (cur_u16(&shares, &group) || cur_u16(&shares, &klen) || cur_bytes(&shares, klen, &key) ||
            !cur_empty(&shares) || !((group == 0x001d && klen == 32) || (group == 0x0017 && klen == 65))) {
            snprintf(why, whylen, "--hello replay: the captured key shares are not one X25519 or "
                     "P-256 share, which is what the probe can make");
            return -1;
        }
        uint8_t pub[KS_MAX_SHARE];
        size_t pub_len = 0;
        ks_free(c->ks);
        c->ks = ks_new(group, pub, &pub_len);
        if (!c->ks || pub_len != klen) {
            snprintf(why, whylen, "key share generation failed");
            return -1;
        }
        memcpy(m + (key - m), pub, klen);
        c->group = group;
    }
    return (int)(5 + cfg->replay_len);
}

/* The ClientHello: the first one with a fresh random, session id and an
 * X25519 share; after a HelloRetryRequest the same one with a share of the
 * group the server asked for and its cookie (RFC 8446 §4.1.2), preceded by
 * the ChangeCipherSpec 1.1.1 sends in middlebox compatibility mode (§D.4). */
static void send_hello(struct pclient *c, uint16_t group, const uint8_t *cookie, uint16_t cookie_len)
{
    const struct pc_config *cfg = &c->cfg;
    struct probe_hello h = {.suites = cfg->suites, .n_suites = cfg->n_suites, .tls13 = cfg->tls13,
                            .sni = cfg->sni, .share_group = group, .cookie = cookie,
                            .cookie_len = cookie_len};
    bool retry = c->ks != NULL; /* a key share exists: this answers a HelloRetryRequest */
    if (cfg->replay) {
        static uint8_t rec[TLS_MAX_RAW_HELLO + 5]; /* the probe is single-threaded */
        char why[160];
        int n = retry ? -1 : replay_hello(c, rec, sizeof(rec), why, sizeof(why));
        if (retry)
            snprintf(why, sizeof(why), "HelloRetryRequest: --hello replay sends the captured "
                     "ClientHello once");
        if (n < 0 || (uint32_t)n - 5 > TRANSCRIPT_CAP - c->transcript_len) {
            finish(c, n < 0 ? PC_PROTOCOL : PC_SOCKET, n < 0 ? why : "ClientHello does not fit");
            return;
        }
        memcpy(c->transcript + c->transcript_len, rec + 5, (size_t)n - 5);
        c->transcript_len += (uint32_t)n - 5;
        send_all(c, rec, (size_t)n);
        return;
    }
    if (!retry && (ks_random(c->random, 32) != 0 || ks_random(c->session_id, 32) != 0)) {
        finish(c, PC_SOCKET, "no random numbers");
        return;
    }
    memcpy(h.random, c->random, 32);
    memcpy(h.session_id, c->session_id, 32);
    if (cfg->tls13) {
        size_t pub_len = 0;
        ks_free(c->ks);
        c->ks = ks_new(group, h.share, &pub_len);
        if (!c->ks) {
            finish(c, PC_SOCKET, "key share generation failed");
            return;
        }
        h.share_len = (uint8_t)pub_len;
        c->group = group;
    }
    uint8_t rec[PROBE_HELLO_MAX + PC_MAX_COOKIE + 8];
    int n = probe_client_hello(&h, rec, sizeof(rec));
    if (n < 9 || (uint32_t)n - 5 > TRANSCRIPT_CAP - c->transcript_len) {
        finish(c, PC_SOCKET, "ClientHello does not fit");
        return;
    }
    memcpy(c->transcript + c->transcript_len, rec + 5, (size_t)n - 5); /* for the TLS 1.3 transcript */
    c->transcript_len += (uint32_t)n - 5;
    if (retry && !send_all(c, (const uint8_t *)"\x14\x03\x03\x00\x01\x01", 6)) return;
    send_all(c, rec, (size_t)n);
}

/* The alert that ends the probe: user_canceled (warning), the way a client
 * says it does not want to go on (RFC 8446 §6.1), then FIN. */
static void close_politely(struct pclient *c)
{
    /* after our Finished the handshake is complete: close_notify (§6.1) */
    const uint8_t alert[2] = {1, c->client_auth != PC_CA_NONE ? 0 : 90};
    uint8_t rec[64];
    int n;
    if (c->version == 0x0304 && c->ks) {
        n = ks_seal(c->ks, 21, alert, 2, rec, sizeof(rec));
    } else if (t12_sealing(c->t12)) { /* after our ChangeCipherSpec */
        n = t12_seal(c->t12, 21, alert, 2, rec, sizeof(rec));
    } else {
        memcpy(rec, "\x15\x03\x03\x00\x02", 5);
        memcpy(rec + 5, alert, 2);
        n = 7;
    }
    if (n > 0 && send_all(c, rec, (size_t)n)) {
        shutdown(c->fd, SHUT_WR);
        c->fin_ts_ns = wall_ns();
    }
}

/* ---- the server's messages ------------------------------------------- */

static const uint8_t HRR_RANDOM[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

/* RFC 8446 §4.1.3 ServerHello: version, suite, and for TLS 1.3 the key
 * share and the handshake keys. Returns false when the probe ended. */
static bool server_hello(struct pclient *c, const uint8_t *msg, size_t len)
{
    struct cursor cur = cur_init(msg + 4, len - 4), exts;
    uint16_t legacy, suite, sv = 0, share_group = 0, cookie_len = 0;
    const uint8_t *random = NULL, *share = NULL, *cookie = NULL;
    uint8_t sid_len, comp;
    size_t share_len = 0;
    if (cur_u16(&cur, &legacy) || cur_bytes(&cur, 32, &random) || cur_u8(&cur, &sid_len) ||
        cur_skip(&cur, sid_len) || cur_u16(&cur, &suite) || cur_u8(&cur, &comp)) {
        finish(c, PC_PROTOCOL, "ServerHello too short");
        return false;
    }
    if (!cur_empty(&cur)) {
        uint16_t elen;
        if (cur_u16(&cur, &elen) || cur_sub(&cur, elen, &exts)) {
            finish(c, PC_PROTOCOL, "ServerHello extensions overrun");
            return false;
        }
        while (!cur_empty(&exts)) {
            uint16_t type, l;
            struct cursor e;
            if (cur_u16(&exts, &type) || cur_u16(&exts, &l) || cur_sub(&exts, l, &e)) {
                finish(c, PC_PROTOCOL, "ServerHello extension overruns");
                return false;
            }
            if (type == 43) cur_u16(&e, &sv);
            if (type == 23) c->ems = true; /* extended_master_secret (RFC 7627 §5.1) */
            if (type == 51 && !cur_u16(&e, &share_group)) { /* KeyShareEntry, or HRR group */
                uint16_t kl;
                if (!cur_u16(&e, &kl) && !cur_bytes(&e, kl, &share)) share_len = kl;
            }
            if (type == 44 && (cur_u16(&e, &cookie_len) || cur_bytes(&e, cookie_len, &cookie))) {
                finish(c, PC_PROTOCOL, "HelloRetryRequest cookie overruns");
                return false;
            }
        }
    }
    c->suite = suite;
    c->version = sv ? sv : legacy;
    c->share_group = share_group;
    if (c->version == 0x0303 && c->cfg.identity && t12_suite_ok(suite)) {
        /* --cert over TLS 1.2: the handshake hashes start with the ClientHello */
        memcpy(c->server_random, random, 32);
        c->t12 = t12_new(suite, c->transcript, c->transcript_len);
        if (c->t12) t12_add(c->t12, msg, len);
    }
    if (c->version != 0x0304) return true;
    if (memcmp(random, HRR_RANDOM, 32) == 0) {
        /* HelloRetryRequest (§4.1.4): the server wants a share of another
         * group. 1.1.1 answers once, with that group if it offered it. */
        char d[120];
        if (c->hello_retry || share_group != 0x0017 || cookie_len > PC_MAX_COOKIE) {
            snprintf(d, sizeof(d), "%s for group 0x%04x",
                     c->hello_retry ? "a second HelloRetryRequest" : "HelloRetryRequest", share_group);
            finish(c, PC_PROTOCOL, d);
            return false;
        }
        c->hello_retry = true;
        /* §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)) */
        uint8_t h1[KS_MAX_HASH];
        size_t hl = ks_hash(suite, c->transcript, c->transcript_len, h1);
        if (!hl || len > PROBE_HELLO_MAX) {
            finish(c, PC_PROTOCOL, "HelloRetryRequest with a suite that was not offered");
            return false;
        }
        c->transcript[0] = 254;
        c->transcript[1] = c->transcript[2] = 0;
        c->transcript[3] = (uint8_t)hl;
        memcpy(c->transcript + 4, h1, hl);
        memcpy(c->transcript + 4 + hl, msg, len);
        c->transcript_len = (uint32_t)(4 + hl + len);
        send_hello(c, share_group, cookie, cookie_len);
        return c->state != PC_DONE;
    }
    if (!c->ks || !share) {
        finish(c, PC_PROTOCOL, "TLS 1.3 ServerHello without a key share");
        return false;
    }
    if (c->transcript_len + len > TRANSCRIPT_CAP) {
        finish(c, PC_PROTOCOL, "ServerHello too long");
        return false;
    }
    memcpy(c->transcript + c->transcript_len, msg, len);
    c->transcript_len += (uint32_t)len;
    uint8_t th[KS_MAX_HASH];
    size_t thl = ks_hash(suite, c->transcript, c->transcript_len, th);
    char err[160];
    if (share_group != c->group || ks_handshake(c->ks, suite, share, share_len, th, thl, c->transcript, c->transcript_len, err, sizeof(err))) {
        if (share_group != c->group)
            snprintf(err, sizeof(err), "key share for group 0x%04x not offered", share_group);
        finish(c, PC_PROTOCOL, err);
        return false;
    }
    return true;
}

/* One handshake message of ours, protected with the client handshake key
 * (TLS 1.3), added to the transcript. */
static bool send_protected(struct pclient *c, const uint8_t *msg, size_t len)
{
    uint8_t *rec = malloc(len + 5 + 1 + 16);
    int n = rec ? ks_seal(c->ks, 22, msg, len, rec, len + 5 + 1 + 16) : -1;
    bool ok = n > 0 && send_all(c, rec, (size_t)n);
    free(rec);
    if (!ok && c->state != PC_DONE) finish(c, PC_SOCKET, "cannot protect the client's flight");
    ks_transcript_add(c->ks, msg, len);
    return ok;
}

static void put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

/* The client's Certificate message, malloc'ed (NULL: out of memory):
 * TLS 1.3 (RFC 8446 §4.4.2) with the request's context and an empty
 * extension block per entry; TLS 1.2 (RFC 5246 §7.4.6) the bare list. */
static uint8_t *certificate_msg(const struct pclient *c, bool tls13, size_t *len)
{
    const struct probe_identity *id = c->cfg.identity;
    size_t ctx = tls13 ? 1 + c->creq_context_len : 0, total = 4 + ctx + 3;
    for (int i = 0; i < identity_n_certs(id); i++) {
        size_t l;
        identity_cert(id, i, &l);
        total += 3 + l + (tls13 ? 2 : 0);
    }
    uint8_t *m = malloc(total);
    if (!m) return NULL;
    size_t n = 0;
    m[n++] = 11;
    put24(m + n, total - 4);
    n += 3;
    if (tls13) {
        m[n++] = c->creq_context_len;
        memcpy(m + n, c->creq_context, c->creq_context_len);
        n += c->creq_context_len;
    }
    put24(m + n, total - n - 3);
    n += 3;
    for (int i = 0; i < identity_n_certs(id); i++) {
        size_t l;
        const uint8_t *d = identity_cert(id, i, &l);
        put24(m + n, l);
        memcpy(m + n + 3, d, l);
        n += 3 + l;
        if (tls13) { /* no CertificateEntry extensions */
            m[n++] = 0;
            m[n++] = 0;
        }
    }
    *len = n;
    return m;
}

/* CertificateVerify's header in front of the signature at cv + 8: the
 * scheme and the signature's length (RFC 8446 §4.4.3, RFC 5246 §7.4.8 with
 * the §7.4.1.4.1 algorithm pair). Returns the message length. */
static size_t certificate_verify_msg(uint8_t *cv, uint16_t scheme, size_t sig_len)
{
    cv[0] = 15;
    put24(cv + 1, 4 + sig_len);
    cv[4] = (uint8_t)(scheme >> 8);
    cv[5] = (uint8_t)scheme;
    cv[6] = (uint8_t)(sig_len >> 8);
    cv[7] = (uint8_t)sig_len;
    return 8 + sig_len;
}

/* RFC 8446 §4.4: the server asked for a certificate and --cert/--key gave
 * one: Certificate (the request's context, the chain, no extensions),
 * CertificateVerify and Finished, behind the ChangeCipherSpec 1.1.1 sends
 * once in compatibility mode (§D.4; already sent after a HelloRetryRequest).
 * Then the server's answer decides (PC_CA_*). */
static bool client_flight(struct pclient *c)
{
    const struct probe_identity *id = c->cfg.identity;
    size_t n = 0;
    uint8_t *m = certificate_msg(c, true, &n);
    if (!m) {
        finish(c, PC_SOCKET, "out of memory");
        return false;
    }
    if (ks_server_application_keys(c->ks) != 0) {
        free(m);
        finish(c, PC_SOCKET, "application key schedule failed");
        return false;
    }
    if (!c->hello_retry && !send_all(c, (const uint8_t *)"\x14\x03\x03\x00\x01\x01", 6)) {
        free(m);
        return false;
    }
    bool ok = send_protected(c, m, n);
    free(m);
    if (!ok) return false;
    /* CertificateVerify: scheme, signature over the transcript up to our Certificate */
    uint8_t th[KS_MAX_HASH], cv[4 + 4 + IDENTITY_MAX_SIG];
    size_t sig_len = 0, hl = 0;
    if (ks_transcript_hash(c->ks, th) != 0 || ks_secret(c->ks, 0, &hl) == NULL ||
        identity_sign13(c->cfg.identity, th, hl, cv + 8, &sig_len) != 0) {
        finish(c, PC_SOCKET, "cannot sign the CertificateVerify with --key");
        return false;
    }
    if (!send_protected(c, cv, certificate_verify_msg(cv, identity_scheme(id), sig_len))) return false;
    uint8_t fin[4 + KS_MAX_HASH];
    size_t fl = 0;
    if (ks_client_finished(c->ks, fin + 4, &fl) != 0) {
        finish(c, PC_SOCKET, "cannot compute the client Finished");
        return false;
    }
    fin[0] = 20;
    put24(fin + 1, fl);
    if (!send_protected(c, fin, 4 + fl)) return false;
    if (ks_client_application_key(c->ks) != 0) {
        finish(c, PC_SOCKET, "application key schedule failed");
        return false;
    }
    c->client_auth = PC_CA_SILENT; /* until the server answers */
    return true;
}

/* The server's answer to our certificate (TLS 1.3, application keys): an
 * alert refuses it; a NewSessionTicket (or data) means the handshake
 * completed. Either way the probe is over. */
static bool client_auth_answer(struct pclient *c, uint8_t inner, const uint8_t *p, size_t n)
{
    if (inner == 21 && n >= 2) {
        c->client_auth = PC_CA_ALERT;
        c->client_alert = p[1];
        finish(c, PC_OK, NULL); /* the certificate was judged; nothing more to send */
        return false;
    }
    c->client_auth = PC_CA_ACCEPTED;
    close_politely(c);
    finish(c, PC_OK, NULL);
    return false;
}

/* RFC 5246 §7.4.6-§7.4.9: the server asked for a certificate and --cert
 * gave one: Certificate, ClientKeyExchange (our ECDHE point),
 * CertificateVerify over the handshake messages so far, ChangeCipherSpec
 * and the Finished under the new client write key. Then the server's answer
 * decides (PC_CA_*). The plaintext messages go in one record each. */
static bool send_plain(struct pclient *c, const uint8_t *msg, size_t len)
{
    uint8_t hdr[5] = {22, 3, 3, (uint8_t)(len >> 8), (uint8_t)len};
    if (len > 16384) { /* a longer chain would need fragments: not sent */
        finish(c, PC_SOCKET, "the --cert chain does not fit one TLS 1.2 record");
        return false;
    }
    t12_add(c->t12, msg, len);
    return send_all(c, hdr, 5) && send_all(c, msg, len);
}

static bool client_flight12(struct pclient *c)
{
    const struct probe_identity *id = c->cfg.identity;
    uint8_t pub[KS_MAX_SHARE], z[32];
    size_t pub_len = 0, z_len = 0;
    struct keysched *ecdh = ks_new(c->ske_group, pub, &pub_len);
    int rc = ecdh ? ks_ecdh(ecdh, c->ske_point, c->ske_point_len, z, &z_len) : -1;
    ks_free(ecdh);
    if (rc != 0) {
        /* a group the probe has no key exchange for (only X25519, P-256):
         * the certificate is not presented, as before --cert */
        close_politely(c);
        finish(c, PC_OK, NULL);
        return false;
    }
    size_t n = 0;
    uint8_t *m = certificate_msg(c, false, &n);
    if (!m) {
        finish(c, PC_SOCKET, "out of memory");
        return false;
    }
    bool ok = send_plain(c, m, n);
    free(m);
    if (!ok) return false;
    uint8_t cke[4 + 1 + KS_MAX_SHARE];
    cke[0] = 16;
    put24(cke + 1, 1 + pub_len);
    cke[4] = (uint8_t)pub_len;
    memcpy(cke + 5, pub, pub_len);
    if (!send_plain(c, cke, 5 + pub_len)) return false;
    /* the session hash for RFC 7627 ends with the ClientKeyExchange */
    if (t12_keys(c->t12, z, z_len, c->ems, c->transcript + 6, c->server_random) != 0) {
        finish(c, PC_SOCKET, "TLS 1.2 key derivation failed");
        return false;
    }
    memset(z, 0, sizeof z);
    uint8_t h[48], cv[8 + IDENTITY_MAX_SIG];
    size_t hl = 0, sig_len = 0;
    if (t12_hash(c->t12, identity_sha384(id), h, &hl) != 0 ||
        identity_sign12(c->cfg.identity, h, hl, cv + 8, &sig_len) != 0) {
        finish(c, PC_SOCKET, "cannot sign the CertificateVerify with --key");
        return false;
    }
    if (!send_plain(c, cv, certificate_verify_msg(cv, identity_scheme(id), sig_len))) return false;
    uint8_t fin[4 + T12_VERIFY_LEN], rec[5 + 8 + sizeof(fin) + 16];
    fin[0] = 20;
    put24(fin + 1, T12_VERIFY_LEN);
    if (t12_finished(c->t12, fin + 4) != 0) {
        finish(c, PC_SOCKET, "cannot compute the client Finished");
        return false;
    }
    int rl = t12_seal(c->t12, 22, fin, sizeof(fin), rec, sizeof(rec));
    if (rl < 0) {
        finish(c, PC_SOCKET, "cannot protect the client Finished");
        return false;
    }
    if (!send_all(c, (const uint8_t *)"\x14\x03\x03\x00\x01\x01", 6) || !send_all(c, rec, (size_t)rl))
        return false;
    c->client_auth = PC_CA_SILENT; /* until the server answers */
    return true;
}

/* One whole handshake message of the server (plaintext, or opened in
 * TLS 1.3). Returns false when the probe ended (or is complete). */
static bool server_message(struct pclient *c, const uint8_t *msg, size_t len)
{
    /* TLS 1.3 after the ServerHello: the transcript goes on (§4.4.1) */
    if (c->version == 0x0304 && msg[0] != 2 && c->ks) ks_transcript_add(c->ks, msg, len);
    if (c->t12 && msg[0] != 2) t12_add(c->t12, msg, len);
    switch (msg[0]) {
    case 2: return server_hello(c, msg, len);
    case 11:
        c->cert_seen = true; /* the dissector reads it from the log (TLS 1.3: decrypted) */
        return true;
    case 13:
        c->cert_request = true;
        /* TLS 1.3: certificate_request_context<0..255> first (§4.3.2) */
        if (c->version == 0x0304 && len >= 5 && (size_t)msg[4] <= len - 5) {
            c->creq_context_len = msg[4];
            memcpy(c->creq_context, msg + 5, msg[4]);
        }
        return true;
    case 12: /* ServerKeyExchange, ECDHE (RFC 8422 §5.4): curve_type named_curve(3),
              * the curve, the point; the signature is not checked (the probe
              * judges the certificate, it sends nothing secret) */
        if (c->t12) {
            struct cursor k = cur_init(msg + 4, len - 4);
            uint8_t curve_type, plen;
            uint16_t group;
            const uint8_t *point;
            if (!cur_u8(&k, &curve_type) && curve_type == 3 && !cur_u16(&k, &group) && !cur_u8(&k, &plen) &&
                plen <= sizeof(c->ske_point) && !cur_bytes(&k, plen, &point)) {
                c->ske_group = group;
                c->ske_point_len = plen;
                memcpy(c->ske_point, point, plen);
            }
        }
        return true;
    case 14: /* ServerHelloDone: the TLS 1.2 server said everything (RFC 5246 §7.4.5) */
        c->done_msg = true;
        if (c->t12 && c->cert_request && c->ske_point_len) return client_flight12(c);
        close_politely(c);
        finish(c, PC_OK, NULL);
        return false;
    case 20: /* TLS 1.3 server Finished: its whole flight is read */
        c->finished = true;
        if (c->cert_request && c->cfg.identity && c->version == 0x0304)
            return client_flight(c); /* and wait for the server's answer */
        close_politely(c);
        finish(c, PC_OK, NULL);
        return false;
    default: return true;
    }
}

/* Handshake bytes of the server: cut them into messages (a message may
 * span records, RFC 8446 §5.1). */
static bool handshake_bytes(struct pclient *c, const uint8_t *p, size_t n)
{
    if (n == 0) return true; /* an empty record adds nothing (and no buffer may exist yet) */
    if (n > PC_MAX_HS + 4 - c->hs_len) {
        finish(c, PC_PROTOCOL, "handshake message over the probe's 1 MiB cap");
        return false;
    }
    if (!reserve(&c->hs, &c->hs_cap, c->hs_len, n, PC_MAX_HS + 4)) {
        finish(c, PC_SOCKET, "out of memory");
        return false;
    }
    memcpy(c->hs + c->hs_len, p, n);
    c->hs_len += (uint32_t)n;
    uint32_t used = 0;
    while (c->hs_len - used >= 4) {
        const uint8_t *m = c->hs + used;
        uint32_t mlen = ((uint32_t)m[1] << 16) | ((uint32_t)m[2] << 8) | m[3];
        if (mlen > PC_MAX_HS) {
            finish(c, PC_PROTOCOL, "handshake message over the probe's 1 MiB cap");
            return false;
        }
        if (c->hs_len - used < 4 + mlen) break;
        used += 4 + mlen;
        if (!server_message(c, m, 4 + mlen)) return false;
    }
    memmove(c->hs, c->hs + used, c->hs_len - used);
    c->hs_len -= used;
    return true;
}

static bool alert(struct pclient *c, const uint8_t *p, size_t n)
{
    if (n < 2) {
        finish(c, PC_PROTOCOL, "short alert");
        return false;
    }
    c->alert_level = p[0];
    c->alert_desc = p[1];
    finish(c, PC_ALERT, NULL);
    return false;
}

/* One whole record from the server. */
static bool server_record(struct pclient *c, const uint8_t *rec, size_t len)
{
    uint8_t type = rec[0];
    const uint8_t *body = rec + 5;
    size_t n = len - 5;
    /* TLS 1.2 after our flight: the server's ChangeCipherSpec means it took
     * our certificate and Finished, an alert that it refused */
    if (c->client_auth && c->version == 0x0303 && (type == 20 || type == 21))
        return client_auth_answer(c, type == 20 ? 20 : 21, body, n);
    if (type == 20) return true; /* ChangeCipherSpec: compatibility only in 1.3 (§D.4) */
    if (type == 21) return alert(c, body, n);
    if (type == 22) return handshake_bytes(c, body, n);
    if (type == 23 && c->version == 0x0304) {
        static uint8_t plain[KS_MAX_PLAIN];
        size_t pl;
        uint8_t inner;
        if (ks_open(c->ks, rec, body, n, plain, &pl, &inner) != 0) {
            finish(c, PC_PROTOCOL, c->client_auth ? "the server's answer to the client certificate "
                                                    "did not decrypt"
                                                  : "a TLS 1.3 handshake record did not decrypt");
            return false;
        }
        if (c->client_auth) return client_auth_answer(c, inner, plain, pl);
        if (inner == 21) return alert(c, plain, pl);
        if (inner == 22) return handshake_bytes(c, plain, pl);
        return true;
    }
    finish(c, PC_PROTOCOL, "unexpected record before the server's certificate");
    return false;
}

/* Whole records out of the server's bytes. The first bytes decide whether
 * this is TLS at all: a handshake or alert record of version 3.x. */
static void server_bytes(struct pclient *c, const uint8_t *p, size_t n)
{
    while (n > 0 && c->state != PC_DONE) {
        size_t take = RX_CAP - c->rx_len < n ? RX_CAP - c->rx_len : n;
        memcpy(c->rx + c->rx_len, p, take);
        c->rx_len += (uint32_t)take;
        p += take;
        n -= take;
        uint32_t used = 0;
        while (c->state != PC_DONE && c->rx_len - used >= 5) {
            const uint8_t *r = c->rx + used;
            uint32_t rl = ((uint32_t)r[3] << 8) | r[4];
            if (r[0] < 20 || r[0] > 23 || r[1] != 3 || (c->version == 0 && r[0] != 22 && r[0] != 21)) {
                finish(c, c->version ? PC_PROTOCOL : PC_NOT_TLS,
                       c->version ? "not a TLS record" : "the server's answer is not a TLS record");
                return;
            }
            if (rl > 16384 + 2048) {
                finish(c, PC_PROTOCOL, "record longer than RFC 8446 §5.2 allows");
                return;
            }
            if (c->rx_len - used < 5 + rl) break;
            used += 5 + rl;
            if (!server_record(c, r, 5 + rl)) return;
        }
        memmove(c->rx, c->rx + used, c->rx_len - used);
        c->rx_len -= used;
        if (take == 0) {
            finish(c, PC_PROTOCOL, "record buffer full");
            return;
        }
    }
}

void pc_io(struct pclient *c, short revents)
{
    if (c->state == PC_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof(err);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno;
        if (err) {
            fail_errno(c, err);
            return;
        }
        if (!(revents & POLLOUT)) return;
        c->established_ts_ns = wall_ns();
        c->state = PC_HANDSHAKE;
        /* the handshake gets its own timeout from here */
        c->deadline_ms = pc_now_ms() + c->timeout_ms;
        send_hello(c, 0x001d, NULL, 0);
        return;
    }
    if (c->state != PC_HANDSHAKE || !(revents & (POLLIN | POLLERR | POLLHUP))) return;
    uint8_t buf[16384];
    ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
    if ((r <= 0 && c->client_auth == PC_CA_SILENT) && !(r < 0 && (errno == EAGAIN || errno == EINTR))) {
        /* our certificate went out and the server hung up without an alert */
        finish(c, PC_OK, NULL);
        return;
    }
    if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        fail_errno(c, errno);
        return;
    }
    if (r == 0) {
        finish(c, c->version || c->rx_len ? PC_PROTOCOL : PC_CLOSED,
               c->version || c->rx_len ? "the server closed the connection in the handshake" : NULL);
        return;
    }
    if (!log_bytes(c, 1, buf, (size_t)r)) return;
    server_bytes(c, buf, (size_t)r);
}

void pc_tick(struct pclient *c, int64_t now_ms)
{
    if (c->state == PC_DONE || now_ms < c->deadline_ms) return;
    if (c->client_auth == PC_CA_SILENT) { /* our flight went out; no refusal came */
        close_politely(c);
        finish(c, PC_OK, NULL);
        return;
    }
    finish(c, c->state == PC_CONNECTING ? PC_CONNECT_TIMEOUT : PC_HANDSHAKE_TIMEOUT, NULL);
}

void pc_stop(struct pclient *c) { finish(c, PC_STOPPED, NULL); }

void pc_free(struct pclient *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    t12_free(c->t12);
    c->t12 = NULL;
    free(c->log);
    free(c->rx);
    free(c->hs);
    free(c->transcript);
    ks_free(c->ks);
    c->log = c->rx = c->hs = c->transcript = NULL;
    c->ks = NULL;
}

/* The NSS key log lines of a TLS 1.3 connection (client random from its
 * ClientHello: record 5 + handshake header 4 + version 2). */
size_t pc_keylog_lines(const struct pclient *cl, char *out, size_t cap)
{
    size_t sl[2] = {0, 0};
    const uint8_t *sec[2];
    if (!cl->ks || cl->n_chunks == 0 || cl->chunks[0].len < 43) return 0;
    sec[0] = ks_secret(cl->ks, 0, &sl[0]);
    sec[1] = ks_secret(cl->ks, 1, &sl[1]);
    if (!sec[0] || !sec[1]) return 0;
    const uint8_t *random = cl->log + cl->chunks[0].off + 11;
    static const char *const label[2] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                         "SERVER_HANDSHAKE_TRAFFIC_SECRET"};
    size_t n = 0;
    for (int i = 0; i < 2; i++) {
        n += (size_t)snprintf(out + n, cap - n, "%s ", label[i]);
        for (int k = 0; k < 32; k++) n += (size_t)snprintf(out + n, cap - n, "%02x", random[k]);
        n += (size_t)snprintf(out + n, cap - n, " ");
        for (size_t k = 0; k < sl[i]; k++) n += (size_t)snprintf(out + n, cap - n, "%02x", sec[i][k]);
        n += (size_t)snprintf(out + n, cap - n, "\n");
    }
    return n;
}
