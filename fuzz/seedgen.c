/* seedgen — turn real captures and certificates into seed corpora for the
 * fuzz targets, in the input format each target documents.
 *
 *   seedgen OUTDIR [--pem FILE ...] CAPTURE ...
 *
 * writes OUTDIR/<target>/<hash> files:
 *   fuzz_capture       the capture itself (first 64 KiB)
 *   fuzz_packet        link-type index + frame, for the first packets
 *   fuzz_reassembly    each TCP connection's segments (fuzz_reassembly.c format)
 *   fuzz_tls_stream    each connection's reassembled bytes as chunks
 *   fuzz_dtls_datagram each DTLS association's datagrams as chunks
 *   fuzz_client_hello  ClientHello bodies      fuzz_server_hello  ServerHello bodies
 *   fuzz_certificate   Certificate and CertificateStatus bodies, OCSP responses
 *   fuzz_cert_verdict  SNI + chain
 *   fuzz_escape        SNIs and certificate names
 *   fuzz_store         the PEM files given with --pem (and their certificates as
 *                      fuzz_cert_verdict seeds)
 * Deterministic; file names are a hash of the contents, so reruns dedupe.
 * Run by fuzz/run.sh; not part of tlsscope.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/flow.h"
#include "capture/packet.h"
#include "capture/source.h"
#include "common/sbuf.h"
#include "dissect/tls_internal.h"
#include "trust/store.h"

#define MAX_FLOWS 512
#define SEED_MAX (64u * 1024u)

static const char *g_out;
static unsigned long g_written;

static uint64_t fnv(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static void put_seed(const char *target, const void *p, size_t n)
{
    char path[4096];
    if (n == 0) return;
    if (n > SEED_MAX) n = SEED_MAX;
    snprintf(path, sizeof path, "%s/%s", g_out, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return;
    snprintf(path, sizeof path, "%s/%s/%016llx", g_out, target, (unsigned long long)fnv(p, n));
    FILE *f = fopen(path, "wb");
    if (!f) return;
    if (fwrite(p, 1, n, f) == n) g_written++;
    fclose(f);
}

/* ---- per-connection state ---- */

struct sflow {
    uint8_t family, addr[2][16];
    uint16_t port[2];
    uint32_t isn[2];
    bool have_isn[2];
    struct sbuf segs;        /* fuzz_reassembly records */
    struct sbuf chunks;      /* fuzz_tls_stream chunks */
    struct sbuf stream[2];   /* reassembled bytes per direction (by TCP direction A/B) */
    struct sbuf dgrams;      /* fuzz_dtls_datagram chunks (UDP) */
    bool used;
};

static struct sflow flows[MAX_FLOWS];
static int nflows;

static int dir_of(const struct sflow *f, const uint8_t *src, uint16_t sport)
{
    return (sport == f->port[0] && memcmp(src, f->addr[0], 16) == 0) ? 0 : 1;
}

static struct sflow *flow_find(uint8_t fam, const uint8_t *src, const uint8_t *dst, uint16_t sp,
                               uint16_t dp, bool create)
{
    for (int i = 0; i < nflows; i++) {
        struct sflow *f = &flows[i];
        if (f->family != fam) continue;
        if ((!memcmp(f->addr[0], src, 16) && !memcmp(f->addr[1], dst, 16) && f->port[0] == sp &&
             f->port[1] == dp) ||
            (!memcmp(f->addr[1], src, 16) && !memcmp(f->addr[0], dst, 16) && f->port[1] == sp &&
             f->port[0] == dp))
            return f;
    }
    if (!create || nflows >= MAX_FLOWS) return NULL;
    struct sflow *f = &flows[nflows++];
    memset(f, 0, sizeof *f);
    f->used = true;
    f->family = fam;
    memcpy(f->addr[0], src, 16);
    memcpy(f->addr[1], dst, 16);
    f->port[0] = sp;
    f->port[1] = dp;
    sbuf_init(&f->segs, SEED_MAX);
    sbuf_init(&f->chunks, SEED_MAX);
    sbuf_init(&f->stream[0], 1u << 20);
    sbuf_init(&f->stream[1], 1u << 20);
    sbuf_init(&f->dgrams, SEED_MAX);
    return f;
}

static void put_u16(struct sbuf *sb, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    sbuf_append(sb, b, 2);
}

static void put_u32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24), b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8), b[3] = (uint8_t)v;
}

/* One TCP segment in fuzz_reassembly's format, split into <= 255-byte pieces. */
static void record_segment(struct sflow *f, const struct pkt_info *s)
{
    int d = dir_of(f, s->src, s->sport);
    if (!f->have_isn[d]) {
        f->isn[d] = s->seq;
        f->have_isn[d] = true;
    }
    if (!f->have_isn[!d] && (s->tcp_flags & TCPF_ACK)) {
        f->isn[!d] = s->ack - 1;
        f->have_isn[!d] = true;
    }
    uint32_t left = s->payload_caplen, done = 0;
    uint32_t cut = s->payload_len > s->payload_caplen ? s->payload_len - s->payload_caplen : 0;
    do {
        uint32_t k = left > 255 ? 255 : left;
        bool last = left <= 255;
        uint8_t flags = s->tcp_flags;
        if (!last) flags &= (uint8_t)~(TCPF_FIN | TCPF_RST);
        if (done) flags &= (uint8_t)~TCPF_SYN;
        uint32_t seq = s->seq + done + ((done && (s->tcp_flags & TCPF_SYN)) ? 1u : 0u);
        uint8_t b1 = (uint8_t)(d | (last && cut ? 8 : 0));
        sbuf_putc(&f->segs, (char)flags);
        sbuf_putc(&f->segs, (char)b1);
        put_u16(&f->segs, (uint16_t)(seq - f->isn[d]));
        put_u16(&f->segs, (uint16_t)(s->ack - f->isn[!d]));
        sbuf_putc(&f->segs, (char)k);
        if (last && cut) sbuf_putc(&f->segs, (char)(cut > 255 ? 255 : cut));
        sbuf_append(&f->segs, s->payload + done, k);
        done += k;
        left -= k;
    } while (left > 0);
}

/* ---- flow sink: the real reassembly, recorded ---- */

static void *k_open(void *ctx, const struct flow_meta *m)
{
    (void)ctx;
    return flow_find(m->family, m->addr[0], m->addr[1], m->port[0], m->port[1], false);
}

static void chunk(struct sflow *f, uint8_t ctl, const uint8_t *p, size_t n)
{
    while (n > 0 || (ctl & 2)) {
        size_t k = n > 65535 ? 65535 : n;
        sbuf_putc(&f->chunks, (char)ctl);
        put_u16(&f->chunks, (unsigned)k);
        if (!(ctl & 2)) sbuf_append(&f->chunks, p, k);
        if (ctl & 2) break;
        p += k;
        n -= k;
    }
}

static int k_data(void *ctx, void *app, enum flow_dir d, uint64_t off, const uint8_t *p,
                  uint32_t n, int64_t ts)
{
    struct sflow *f = app;
    (void)ctx, (void)off, (void)ts;
    if (!f) return FLOW_CONTINUE;
    chunk(f, (uint8_t)d, p, n);
    sbuf_append(&f->stream[d], p, n);
    return FLOW_CONTINUE;
}

static void k_event(void *ctx, void *app, const struct flow_event *ev)
{
    struct sflow *f = app;
    (void)ctx;
    if (f && ev->kind == FLOW_EV_GAP) {
        sbuf_putc(&f->chunks, (char)(2 | ev->dir));
        put_u16(&f->chunks, (unsigned)(ev->length > 65535 ? 65535 : ev->length));
    }
}

static void k_close(void *ctx, void *app, const struct flow_close *info)
{
    (void)ctx, (void)app, (void)info;
}

/* ---- TLS messages out of a reassembled direction ---- */

static uint32_t rd24(const uint8_t *p) { return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]; }

struct chain_seed {
    uint8_t sni[256];
    size_t sni_len;
    bool have_sni;
};

static void emit_messages(const uint8_t *p, size_t n, struct chain_seed *cs)
{
    struct sbuf hs;
    size_t i = 0;
    sbuf_init(&hs, 1u << 20);
    /* skip plaintext (STARTTLS) up to the first handshake record */
    while (i + 3 <= n && !(p[i] == 22 && p[i + 1] == 3 && p[i + 2] <= 4)) i++;
    while (i + 5 <= n) {
        uint8_t type = p[i];
        size_t len = (size_t)p[i + 3] << 8 | p[i + 4];
        if (type < 20 || type > 24 || p[i + 1] != 3 || len > 18432) break;
        if (i + 5 + len > n) len = n - i - 5;
        if (type == 22) sbuf_append(&hs, p + i + 5, len);
        i += 5 + len;
    }
    const uint8_t *h = (const uint8_t *)sbuf_str(&hs);
    size_t j = 0;
    while (j + 4 <= hs.len) {
        uint8_t t = h[j];
        size_t len = rd24(h + j + 1);
        if (j + 4 + len > hs.len) break;
        const uint8_t *body = h + j + 4;
        if (t == 1) {
            put_seed("fuzz_client_hello", body, len);
            struct tls_client_hello *ch = calloc(1, sizeof *ch);
            if (ch && tls_parse_client_hello(ch, body, len, NULL, NULL) == TLS_OK && ch->has_sni) {
                cs->sni_len = ch->sni_len > 255 ? 255 : ch->sni_len;
                memcpy(cs->sni, ch->sni, cs->sni_len);
                cs->have_sni = true;
                put_seed("fuzz_escape", ch->sni, ch->sni_len);
            }
            free(ch);
        } else if (t == 2) {
            put_seed("fuzz_server_hello", body, len);
        } else if (t == 11) {
            struct sbuf s;
            sbuf_init(&s, SEED_MAX);
            sbuf_putc(&s, 0); /* TLS 1.2 layout */
            sbuf_append(&s, body, len);
            put_seed("fuzz_certificate", sbuf_str(&s), s.len);
            /* fuzz_cert_verdict: flags, SNI, then {u16 len, DER} per certificate */
            sbuf_reset(&s);
            sbuf_putc(&s, (char)(cs->have_sni ? 2 : 0));
            sbuf_putc(&s, (char)cs->sni_len);
            sbuf_append(&s, cs->sni, cs->sni_len);
            size_t k = 3; /* skip certificate_list length */
            while (k + 3 <= len) {
                size_t cl = rd24(body + k);
                k += 3;
                if (k + cl > len || cl > 65535) break;
                put_u16(&s, (unsigned)cl);
                sbuf_append(&s, body + k, cl);
                k += cl;
            }
            if (!s.overflow) put_seed("fuzz_cert_verdict", sbuf_str(&s), s.len);
            sbuf_free(&s);
        } else if (t == 22) {
            /* fuzz_certificate, bit 1: the CertificateStatus body, and
             * (bits 1|0) the OCSPResponse inside it */
            struct sbuf s;
            sbuf_init(&s, SEED_MAX);
            sbuf_putc(&s, 2);
            sbuf_append(&s, body, len);
            put_seed("fuzz_certificate", sbuf_str(&s), s.len);
            if (len > 4) {
                sbuf_reset(&s);
                sbuf_putc(&s, 3);
                sbuf_append(&s, body + 4, len - 4);
                put_seed("fuzz_certificate", sbuf_str(&s), s.len);
            }
            sbuf_free(&s);
        }
        j += 4 + len;
    }
    sbuf_free(&hs);
}

/* fuzz_packet's link types, in the order of its table. */
static int linktype_index(int lt)
{
    static const int types[] = {1, 0, 108, 12, 14, 101, 228, 229, 113, 276};
    for (int i = 0; i < (int)(sizeof types / sizeof types[0]); i++)
        if (types[i] == lt) return i;
    return -1;
}

static void do_capture(const char *path)
{
    struct cap_source *src;
    char err[512];
    FILE *f = fopen(path, "rb");
    if (f) {
        static uint8_t buf[SEED_MAX];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        put_seed("fuzz_capture", buf, n);
    }
    if (capsrc_open_files(&src, &path, 1, err, sizeof err) != 0) {
        fprintf(stderr, "seedgen: %s\n", err);
        return;
    }
    struct flow_sink sink = {NULL, k_open, k_data, k_event, NULL, k_close};
    struct flow_limits lim;
    flow_limits_default(&lim);
    struct flow_table *ft = flowtab_new(&lim, &sink);
    struct cap_packet pkt;
    struct pkt_counters ctr;
    struct pkt_info info;
    int npkt = 0;
    memset(&ctr, 0, sizeof ctr);
    nflows = 0;
    while (ft && capsrc_next(src, &pkt) == CAP_PACKET) {
        int li = linktype_index(pkt.linktype);
        if (npkt++ < 48 && li >= 0) {
            uint8_t fr[4097];
            uint32_t n = pkt.caplen > 4096 ? 4096 : pkt.caplen;
            fr[0] = (uint8_t)li;
            memcpy(fr + 1, pkt.data, n);
            put_seed("fuzz_packet", fr, n + 1);
        }
        int kind = pkt_decode(pkt.linktype, pkt.data, pkt.caplen, &info, &ctr);
        if (kind == PKT_UDP && info.payload_caplen >= 3 && info.payload[0] >= 20 &&
            info.payload[0] <= 26 && info.payload[1] == 0xfe) { /* DTLS-looking (RFC 6347 §4.1) */
            struct sflow *u = flow_find(info.family, info.src, info.dst, info.sport, info.dport, true);
            if (u) {
                uint32_t n = info.payload_caplen > 65535 ? 65535 : info.payload_caplen;
                sbuf_putc(&u->dgrams, (char)dir_of(u, info.src, info.sport));
                put_u16(&u->dgrams, n);
                sbuf_append(&u->dgrams, info.payload, n);
            }
            continue;
        }
        if (kind != PKT_TCP) continue;
        struct sflow *fl = flow_find(info.family, info.src, info.dst, info.sport, info.dport, true);
        if (fl) record_segment(fl, &info);
        flowtab_segment(ft, &info, pkt.ts_ns);
    }
    if (ft) flowtab_free(ft); /* flushes: every held byte is delivered */
    capsrc_close(src);
    for (int i = 0; i < nflows; i++) {
        struct sflow *fl = &flows[i];
        uint8_t hdr[9];
        put_u32(hdr, fl->isn[0]);
        put_u32(hdr + 4, fl->isn[1]);
        hdr[8] = 0;
        struct sbuf s;
        sbuf_init(&s, SEED_MAX);
        sbuf_append(&s, hdr, sizeof hdr);
        sbuf_append(&s, sbuf_str(&fl->segs), fl->segs.len);
        if (fl->segs.len) put_seed("fuzz_reassembly", sbuf_str(&s), s.len);
        sbuf_free(&s);
        put_seed("fuzz_tls_stream", sbuf_str(&fl->chunks), fl->chunks.len);
        put_seed("fuzz_dtls_datagram", sbuf_str(&fl->dgrams), fl->dgrams.len);
        struct chain_seed cs;
        memset(&cs, 0, sizeof cs);
        /* the client usually speaks first: its ClientHello gives the SNI */
        emit_messages((const uint8_t *)sbuf_str(&fl->stream[0]), fl->stream[0].len, &cs);
        emit_messages((const uint8_t *)sbuf_str(&fl->stream[1]), fl->stream[1].len, &cs);
        sbuf_free(&fl->segs);
        sbuf_free(&fl->chunks);
        sbuf_free(&fl->stream[0]);
        sbuf_free(&fl->stream[1]);
        sbuf_free(&fl->dgrams);
    }
}

static void do_pem(const char *path)
{
    struct trust_store st;
    char err[512];
    FILE *f = fopen(path, "rb");
    if (f) {
        static uint8_t buf[SEED_MAX];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        put_seed("fuzz_store", buf, n);
    }
    store_init(&st);
    if (store_load(&st, path, err, sizeof err) == 0) {
        for (size_t i = 0; i < st.n; i++) {
            const struct cert *c = st.entries[i].cert;
            if (!c || !c->der || c->der_len > 65535) continue;
            struct sbuf s;
            sbuf_init(&s, SEED_MAX);
            static const char sni[] = "cucm.example.com";
            sbuf_putc(&s, 2);
            sbuf_putc(&s, (char)(sizeof sni - 1));
            sbuf_append(&s, sni, sizeof sni - 1);
            put_u16(&s, c->der_len);
            sbuf_append(&s, c->der, c->der_len);
            put_seed("fuzz_cert_verdict", sbuf_str(&s), s.len);
            sbuf_free(&s);
            put_seed("fuzz_escape", c->subject, strlen(c->subject));
        }
    }
    store_free(&st);
}

int main(int argc, char **argv)
{
    static const char *const canned[] = {
        "cucm.example.com", "a\x1b[2Jb", "\x1b]0;title\x07", "\xc2\x9b" "31m", "\xe2\x80\xae" "txt",
        "\xff\xfe\xc0\x80", "caf\xc3\xa9", "\xf0\x9f\x94\x92", "back\\slash\\x41", "\"quoted\"",
    };
    if (argc < 2) {
        fprintf(stderr, "usage: seedgen OUTDIR [--pem FILE ...] CAPTURE ...\n");
        return 2;
    }
    g_out = argv[1];
    if (mkdir(g_out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "seedgen: %s: %s\n", g_out, strerror(errno));
        return 2;
    }
    for (size_t i = 0; i < sizeof canned / sizeof canned[0]; i++)
        put_seed("fuzz_escape", canned[i], strlen(canned[i]));
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--pem") == 0 && i + 1 < argc) {
            do_pem(argv[++i]);
            continue;
        }
        do_capture(argv[i]);
    }
    printf("seedgen: %lu seeds in %s\n", g_written, g_out);
    return 0;
}
