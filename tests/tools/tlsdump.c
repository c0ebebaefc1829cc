/* tlsdump.c — test harness: run dissect/ over a capture without capture/.
 *
 * Reads a pcap/pcapng file with plain libpcap, peels Ethernet / VLAN /
 * PPPoE / Linux SLL and SLL2 / NULL / RAW down to IPv4/IPv6 TCP, and splits
 * each connection's payload per direction in sequence order with a naive
 * reassembler (in-order delivery, retransmissions trimmed, out-of-order
 * segments held in a small list, holes reported as gaps at the end). The
 * real reassembly is capture/'s; this only exists to compare the parser with
 * tshark's reading of the corpus (shared/corpus/tshark_oracle).
 *
 * Output: one line per connection with TLS facts, tab-separated:
 *   flow client server ch_ver sni n_ciphers sh_ver cipher certs der_lens
 *   nochain resumed complete alerts events
 * Usage: tlsdump FILE [-v]
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "dissect/names.h"
#include "dissect/tls.h"

#define MAX_FLOWS 4096
#define MAX_HELD 256

struct held {
    uint32_t seq;
    uint32_t len;
    uint8_t *data;
    int64_t ts;
};

struct flow {
    struct flow_meta meta;
    struct tls_conn *conn;
    bool have_isn[2];
    uint32_t next[2];
    uint64_t off[2];
    uint64_t bytes[2], pkts[2];
    struct held held[2][MAX_HELD];
    int nheld[2];
    bool count_only[2];
    int64_t last_ts;
};

static struct flow *flows[MAX_FLOWS];
static int nflows;
static int verbose;

static struct flow *flow_find(uint8_t fam, const uint8_t *src, const uint8_t *dst, uint16_t sp,
                              uint16_t dp, bool syn, bool ack, int64_t ts, enum flow_dir *dir)
{
    size_t alen = fam == 4 ? 4 : 16;
    for (int i = nflows - 1; i >= 0; i--) {
        struct flow *f = flows[i];
        if (f->meta.family != fam) continue;
        if (!memcmp(f->meta.addr[0], src, alen) && !memcmp(f->meta.addr[1], dst, alen) &&
            f->meta.port[0] == sp && f->meta.port[1] == dp) {
            *dir = FLOW_DIR_A;
            return f;
        }
        if (!memcmp(f->meta.addr[1], src, alen) && !memcmp(f->meta.addr[0], dst, alen) &&
            f->meta.port[1] == sp && f->meta.port[0] == dp) {
            *dir = FLOW_DIR_B;
            return f;
        }
    }
    if (nflows >= MAX_FLOWS) return NULL;
    struct flow *f = calloc(1, sizeof *f);
    f->meta.id = (uint64_t)nflows + 1;
    f->meta.family = fam;
    memcpy(f->meta.addr[0], src, alen);
    memcpy(f->meta.addr[1], dst, alen);
    f->meta.port[0] = sp;
    f->meta.port[1] = dp;
    f->meta.saw_syn = syn && !ack;
    f->meta.first_ts_ns = ts;
    f->conn = tls_conn_new(&f->meta);
    flows[nflows++] = f;
    *dir = FLOW_DIR_A;
    if (!f->meta.saw_syn) {
        struct flow_event ev = {FLOW_EV_MIDSTREAM, FLOW_DIR_A, 0, 0, ts};
        tls_conn_flow_event(f->conn, &ev);
    }
    return f;
}

static void deliver(struct flow *f, int d, const uint8_t *p, uint32_t n, int64_t ts)
{
    if (!f->count_only[d] && n)
        f->count_only[d] = tls_conn_data(f->conn, (enum flow_dir)d, p, n, ts) == FLOW_COUNT_ONLY;
    f->off[d] += n;
    f->next[d] += n;
}

static void drain(struct flow *f, int d)
{
    bool progress = true;
    while (progress) {
        progress = false;
        for (int i = 0; i < f->nheld[d]; i++) {
            struct held *h = &f->held[d][i];
            int32_t delta = (int32_t)(h->seq - f->next[d]);
            if (delta <= 0) {
                uint32_t skip = (uint32_t)(-delta);
                if (skip < h->len) deliver(f, d, h->data + skip, h->len - skip, h->ts);
                free(h->data);
                f->held[d][i] = f->held[d][--f->nheld[d]];
                progress = true;
                break;
            }
        }
    }
}

static void segment(struct flow *f, int d, uint32_t seq, uint8_t flags, const uint8_t *p,
                    uint32_t n, int64_t ts)
{
    f->last_ts = ts;
    f->pkts[d]++;
    if (flags & 0x02) { /* SYN */
        f->have_isn[d] = true;
        f->next[d] = seq + 1;
        return;
    }
    if (!n) return;
    f->bytes[d] += n;
    if (!f->have_isn[d]) {
        f->have_isn[d] = true;
        f->next[d] = seq;
    }
    int32_t delta = (int32_t)(seq - f->next[d]);
    if (delta <= 0) {
        uint32_t skip = (uint32_t)(-delta);
        if (skip < n) deliver(f, d, p + skip, n - skip, ts);
        drain(f, d);
    } else if (f->nheld[d] < MAX_HELD) {
        struct held *h = &f->held[d][f->nheld[d]++];
        h->seq = seq;
        h->len = n;
        h->data = malloc(n);
        memcpy(h->data, p, n);
        h->ts = ts;
    }
}

/* Deliver what is held across holes, reporting each hole as a gap. */
static void flush_holes(struct flow *f)
{
    for (int d = 0; d < 2; d++) {
        while (f->nheld[d]) {
            int best = 0;
            for (int i = 1; i < f->nheld[d]; i++)
                if ((int32_t)(f->held[d][i].seq - f->held[d][best].seq) < 0) best = i;
            uint32_t hole = f->held[d][best].seq - f->next[d];
            if ((int32_t)hole > 0) {
                struct flow_event ev = {FLOW_EV_GAP, (enum flow_dir)d, f->off[d], hole,
                                        f->held[d][best].ts};
                tls_conn_flow_event(f->conn, &ev);
                f->off[d] += hole;
                f->next[d] += hole;
            }
            drain(f, d);
        }
    }
}

static void handle_ip(const uint8_t *p, size_t n, int64_t ts)
{
    struct cursor c = cur_init(p, n);
    uint8_t fam, proto, src[16] = {0}, dst[16] = {0};
    const uint8_t *b;
    uint8_t v;
    if (n < 1) return;
    v = p[0] >> 4;
    if (v == 4) {
        uint8_t ihl = (p[0] & 0x0f) * 4;
        uint16_t tot;
        if (n < 20 || ihl < 20 || n < ihl) return;
        tot = (uint16_t)((p[2] << 8) | p[3]);
        if (tot >= ihl && tot < n) n = tot;
        if ((((p[6] & 0x1f) << 8) | p[7]) != 0) return; /* fragments */
        proto = p[9];
        memcpy(src, p + 12, 4);
        memcpy(dst, p + 16, 4);
        fam = 4;
        c = cur_init(p + ihl, n - ihl);
    } else if (v == 6) {
        uint16_t plen;
        if (n < 40) return;
        plen = (uint16_t)((p[4] << 8) | p[5]);
        proto = p[6];
        memcpy(src, p + 8, 16);
        memcpy(dst, p + 24, 16);
        fam = 6;
        if ((size_t)plen + 40 < n) n = (size_t)plen + 40;
        c = cur_init(p + 40, n - 40);
        /* skip simple extension headers */
        for (int k = 0; k < 8 && (proto == 0 || proto == 43 || proto == 60); k++) {
            uint8_t nh, hl;
            if (cur_u8(&c, &nh) || cur_u8(&c, &hl) || cur_skip(&c, (size_t)hl * 8 + 6)) return;
            proto = nh;
        }
    } else {
        return;
    }
    if (proto != 6) return;
    if (cur_left(&c) < 20) return;
    b = c.p;
    uint16_t sp = (uint16_t)((b[0] << 8) | b[1]), dp = (uint16_t)((b[2] << 8) | b[3]);
    uint32_t seq = ((uint32_t)b[4] << 24) | ((uint32_t)b[5] << 16) | ((uint32_t)b[6] << 8) | b[7];
    uint8_t off = (b[12] >> 4) * 4, flags = b[13];
    if (off < 20 || cur_left(&c) < off) return;
    enum flow_dir dir;
    struct flow *f = flow_find(fam, src, dst, sp, dp, flags & 0x02, flags & 0x10, ts, &dir);
    if (!f) return;
    segment(f, dir, seq, flags, b + off, (uint32_t)(cur_left(&c) - off), ts);
}

static void handle_ether(const uint8_t *p, size_t n, int64_t ts)
{
    struct cursor c = cur_init(p, n);
    uint16_t et;
    if (cur_skip(&c, 12) || cur_u16(&c, &et)) return;
    for (int k = 0; k < 8; k++) {
        if (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
            if (cur_skip(&c, 2) || cur_u16(&c, &et)) return;
        } else if (et == 0x8864) { /* PPPoE session + PPP */
            uint16_t ppp;
            if (cur_skip(&c, 6) || cur_u16(&c, &ppp)) return;
            if (ppp == 0x0021) et = 0x0800;
            else if (ppp == 0x0057) et = 0x86dd;
            else return;
        } else if (et == 0x8847) { /* MPLS */
            uint32_t lbl;
            do {
                if (cur_u32(&c, &lbl)) return;
            } while (!(lbl & 0x100));
            et = cur_left(&c) && (c.p[0] >> 4) == 6 ? 0x86dd : 0x0800;
        } else {
            break;
        }
    }
    if (et == 0x0800 || et == 0x86dd) handle_ip(c.p, cur_left(&c), ts);
}

static void handle_packet(int dlt, const uint8_t *p, size_t n, int64_t ts)
{
    switch (dlt) {
    case DLT_EN10MB:
        handle_ether(p, n, ts);
        break;
    case DLT_LINUX_SLL:
        if (n > 16) handle_ip(p + 16, n - 16, ts);
        break;
    case 276: /* LINUX_SLL2 */
        if (n > 20) handle_ip(p + 20, n - 20, ts);
        break;
    case DLT_NULL:
    case DLT_LOOP:
        if (n > 4) handle_ip(p + 4, n - 4, ts);
        break;
    case DLT_RAW:
    case 228: /* IPV4 */
    case 229: /* IPV6 */
        handle_ip(p, n, ts);
        break;
    default:
        break;
    }
}

static const char *nochain_name(enum tls_nochain n)
{
    static const char *const names[] = {"NONE",  "TLS13", "RESUMED",   "NO_SERVER_HELLO", "LOST",
                                        "ALERT", "ANON",  "MIDSTREAM", "SSLV2"};
    return (unsigned)n < sizeof names / sizeof names[0] ? names[n] : "?";
}

static void print_addr(const struct tls_conn *c, const uint8_t *a, uint16_t port)
{
    if (c->family == 4) printf("%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], port);
    else {
        printf("[");
        for (int i = 0; i < 16; i += 2) printf("%s%x", i ? ":" : "", (a[i] << 8) | a[i + 1]);
        printf("]:%u", port);
    }
}

static void report(struct flow *f)
{
    struct tls_conn *c = f->conn;
    char buf[8];
    if (!c->is_tls && !verbose) return;
    printf("%llu\t", (unsigned long long)c->flow_id);
    print_addr(c, c->client_ip, c->client_port);
    printf("\t");
    print_addr(c, c->server_ip, c->server_port);
    printf("\t%s", c->is_tls ? "tls" : "not_tls");
    printf("\tch=%s%s", c->ch.present ? tls_version_name(c->ch.legacy_version) ?: "?" : "-",
           c->ch.sslv2_format ? "(v2)" : "");
    printf("\tsni=%.*s", c->ch.has_sni ? c->ch.sni_len : 1, c->ch.has_sni ? (const char *)c->ch.sni : "-");
    printf("\tsuites=%u", c->ch.n_ciphers_total);
    printf("\tsh=%s", c->sh.present ? tls_version_name(tls_conn_version(c)) ?: "?" : "-");
    printf("\tcipher=%s", c->sh.present ? tls_cipher_iana(c->sh.cipher, buf) : "-");
    printf("\tcerts=%u/%u", c->server_certs.n, c->server_certs.n_total);
    printf("\tder=");
    for (int i = 0; i < c->server_certs.n; i++)
        printf("%s%u", i ? "|" : "", c->server_certs.certs[i].len);
    printf("\tccerts=%u", c->client_certs.n_total);
    printf("\tnochain=%s", c->chain_final ? nochain_name(c->nochain) : "(not final)");
    printf("\tresumed=%d\tcomplete=%d", c->resumed, c->handshake_complete);
    printf("\thrr=%d", c->hello_retry);
    printf("\tapp=%llu/%llu", (unsigned long long)c->app_data_bytes[0],
           (unsigned long long)c->app_data_bytes[1]);
    printf("\talerts=");
    for (int i = 0; i < c->n_alerts; i++)
        printf("%s%c%s%u", i ? "|" : "", c->alerts[i].from == TLS_CLIENT ? 'c' : 's',
               c->alerts[i].encrypted ? "E" : "", c->alerts[i].desc);
    printf("\tev=");
    for (int i = 0; i < c->n_events; i++) {
        printf("%s%d", i ? "," : "", c->events[i].kind);
        if (verbose) printf("(%s@%llu)", c->events[i].detail, (unsigned long long)c->events[i].offset);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *pc;
    int dlt, rc;
    if (argc < 2) {
        fprintf(stderr, "usage: tlsdump FILE [-v]\n");
        return 2;
    }
    verbose = argc > 2 && strcmp(argv[2], "-v") == 0;
    pc = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!pc) {
        fprintf(stderr, "tlsdump: %s\n", err);
        return 1;
    }
    dlt = pcap_datalink(pc);
    while ((rc = pcap_next_ex(pc, &h, &data)) >= 0) {
        if (rc == 0) continue;
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
        handle_packet(dlt, data, h->caplen, ts);
    }
    pcap_close(pc);
    for (int i = 0; i < nflows; i++) {
        struct flow *f = flows[i];
        struct flow_close info = {FLOW_CLOSE_END, {f->bytes[0], f->bytes[1]},
                                  {f->pkts[0], f->pkts[1]}, f->last_ts};
        flush_holes(f);
        tls_conn_close(f->conn, &info);
        report(f);
        tls_conn_free(f->conn);
        for (int d = 0; d < 2; d++)
            for (int k = 0; k < f->nheld[d]; k++) free(f->held[d][k].data);
        free(f);
    }
    return 0;
}
