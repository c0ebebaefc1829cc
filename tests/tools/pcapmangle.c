/* pcapmangle — rewrite a real Ethernet capture into a reassembly edge case,
 * for golden tests.
 *
 *   pcapmangle MODE in.pcap out.pcap [N]
 *
 * The "connection" below is the first TCP connection that carries a TLS
 * ClientHello (a client segment starting with a handshake record whose first
 * message is type 1); the client is its sender. Its ServerHello segment is
 * the first server segment starting with a handshake record whose first
 * message is type 2. The client flight is the run of client data segments
 * from the ClientHello up to the next server data segment (in file order);
 * the server flight is the run of server data segments from the ServerHello
 * up to the next client data segment.
 *
 * Modes:
 *   reorder            swap the file positions of flight segments pairwise
 *                      (1st<->2nd, 3rd<->4th, ...) in both flights; each
 *                      slot keeps its timestamp so time stays monotonic
 *   retransmit-overlap after every server data segment k, send it again
 *                      shifted back by half the length of segment k-1 (so it
 *                      overlaps the second half of k-1), same bytes
 *   overlap-differ     the same with the first byte of each shifted copy
 *                      flipped. The copy arrives after the bytes it overlaps
 *                      were delivered; tlsscope compares it with the bytes
 *                      it remembers of the handshake and reports the
 *                      difference, the stream stays unchanged (first wins)
 *   split-client-hello split the ClientHello segment into three
 *   split-records      re-record the server's first run of handshake records
 *                      as records of at most N bytes (default: 512, or less
 *                      so the Certificate message spans two records),
 *                      growing the segment that ends the run and shifting
 *                      later server sequence numbers and client ACKs
 *   midstream          drop every packet of the connection before the
 *                      ServerHello segment (SYNs, ClientHello, ACKs)
 *   snaplen96          cut every frame to 96 bytes (original length kept)
 *   truncate           write everything, then cut the last record in half
 *   vlan               insert an 802.1Q tag with VLAN 100 into every frame
 *
 * Output is pcap with nanosecond timestamps. Frames of the connection that
 * are rewritten get correct IPv4 header and TCP checksums. Input must be
 * Ethernet (tcpdump -i lo writes DLT_EN10MB); IPv4 or IPv6 without
 * extension headers, up to two VLAN tags.
 *
 * Exit status: 0 done, 1 the mode does not apply to this capture (message
 * says why), 2 usage or I/O error.
 */
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cursor.h"

#define MAX_PACKETS 2000000
#define MAX_TOTAL_BYTES (1024ull * 1024 * 1024)
#define MAX_STREAM (64u * 1024 * 1024)

struct pk {
    struct pcap_pkthdr h; /* ts.tv_usec holds nanoseconds */
    uint8_t *d;
    size_t orig_index;    /* 1-based frame number in the input */
    bool drop;
    /* parsed (valid when tcp) */
    bool tcp;
    bool whole;           /* caplen covers the IP packet */
    uint8_t ipv;
    size_t l3, l4, pl;    /* offsets: IP header, TCP header, payload */
    uint32_t plen;        /* payload bytes (IP-length bounded, captured) */
    uint32_t seq, ack;
    uint8_t flags;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    int dir;              /* -1 other connection, 0 client, 1 server */
};

struct cap {
    struct pk *p;
    size_t n, cap;
};

static const char *prog = "pcapmangle";

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die(2, "out of memory");
    return p;
}

/* ------------------------------------------------------------ parsing */

/* Ethernet, up to two VLAN tags, IPv4 / IPv6 (no extension headers), TCP. */
static void pk_parse(struct pk *p)
{
    struct cursor c = cur_init(p->d, p->h.caplen);
    uint16_t type;
    p->tcp = false;
    p->dir = -1;
    if (cur_skip(&c, 12) || cur_u16(&c, &type)) return;
    for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88A8); i++)
        if (cur_skip(&c, 2) || cur_u16(&c, &type)) return;
    p->l3 = (size_t)(c.p - p->d);
    uint32_t ip_payload;
    uint8_t proto;
    memset(p->src, 0, 16);
    memset(p->dst, 0, 16);
    if (type == 0x0800) {
        uint8_t vihl;
        uint16_t tot, frag;
        struct cursor ip = c;
        if (cur_u8(&ip, &vihl) || (vihl >> 4) != 4 || (vihl & 15) < 5) return;
        size_t hl = (size_t)(vihl & 15) * 4;
        const uint8_t *s, *d;
        if (cur_skip(&ip, 1) || cur_u16(&ip, &tot) || cur_skip(&ip, 2) || cur_u16(&ip, &frag) ||
            cur_skip(&ip, 1) || cur_u8(&ip, &proto) || cur_skip(&ip, 2) ||
            cur_bytes(&ip, 4, &s) || cur_bytes(&ip, 4, &d) || cur_skip(&ip, hl - 20))
            return;
        if (tot < hl || (frag & 0x3FFF)) return;
        memcpy(p->src, s, 4);
        memcpy(p->dst, d, 4);
        p->ipv = 4;
        ip_payload = tot - (uint32_t)hl;
        p->whole = p->l3 + tot <= p->h.caplen && p->h.caplen == p->h.len;
        c = ip;
    } else if (type == 0x86DD) {
        uint32_t vtf;
        uint16_t plen;
        const uint8_t *s, *d;
        if (cur_u32(&c, &vtf) || (vtf >> 28) != 6 || cur_u16(&c, &plen) || cur_u8(&c, &proto) ||
            cur_skip(&c, 1) || cur_bytes(&c, 16, &s) || cur_bytes(&c, 16, &d))
            return;
        memcpy(p->src, s, 16);
        memcpy(p->dst, d, 16);
        p->ipv = 6;
        ip_payload = plen;
        p->whole = p->l3 + 40 + plen <= p->h.caplen && p->h.caplen == p->h.len;
    } else {
        return;
    }
    if (proto != 6) return;
    p->l4 = (size_t)(c.p - p->d);
    uint8_t off;
    if (cur_u16(&c, &p->sport) || cur_u16(&c, &p->dport) || cur_u32(&c, &p->seq) ||
        cur_u32(&c, &p->ack) || cur_u8(&c, &off) || cur_u8(&c, &p->flags))
        return;
    size_t thl = (size_t)(off >> 4) * 4;
    if (thl < 20 || thl > ip_payload) return;
    p->pl = p->l4 + thl;
    if (p->pl > p->h.caplen) return;
    uint32_t avail = (uint32_t)(p->h.caplen - p->pl);
    p->plen = ip_payload - (uint32_t)thl;
    if (p->plen > avail) p->plen = avail;
    p->tcp = true;
}

/* ------------------------------------------------------------ writing */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)(p[n - 1] << 8);
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *o, uint16_t v)
{
    o[0] = (uint8_t)(v >> 8);
    o[1] = (uint8_t)v;
}

static void put32(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)(v >> 24);
    o[1] = (uint8_t)(v >> 16);
    o[2] = (uint8_t)(v >> 8);
    o[3] = (uint8_t)v;
}

/* Write seq/ack/lengths back and recompute the IPv4 and TCP checksums
 * (RFC 791 §3.1, RFC 9293 §3.1 with the RFC 8200 §8.1 pseudo-header). */
static void pk_fix(struct pk *p)
{
    uint8_t *d = p->d;
    uint32_t seglen = (uint32_t)(p->pl - p->l4) + p->plen;
    put32(d + p->l4 + 4, p->seq);
    put32(d + p->l4 + 8, p->ack);
    d[p->l4 + 13] = p->flags;
    uint32_t sum = 0;
    if (p->ipv == 4) {
        size_t hl = p->l4 - p->l3;
        put16(d + p->l3 + 2, (uint16_t)(hl + seglen));
        put16(d + p->l3 + 10, 0);
        put16(d + p->l3 + 10, csum_fold(csum_add(0, d + p->l3, hl)));
        sum = csum_add(sum, p->src, 4);
        sum = csum_add(sum, p->dst, 4);
    } else {
        put16(d + p->l3 + 4, (uint16_t)seglen);
        sum = csum_add(sum, p->src, 16);
        sum = csum_add(sum, p->dst, 16);
    }
    sum += 6 + seglen;
    put16(d + p->l4 + 16, 0);
    sum = csum_add(sum, d + p->l4, seglen);
    put16(d + p->l4 + 16, csum_fold(sum));
}

/* Replace the payload (the frame keeps its headers, loses any padding). */
static void pk_set_payload(struct pk *p, const uint8_t *pl, uint32_t n)
{
    if (!p->whole)
        die(1, "frame %zu is cut by snaplen; rewriting needs whole frames", p->orig_index);
    uint8_t *nd = xmalloc(p->pl + n);
    memcpy(nd, p->d, p->pl);
    memcpy(nd + p->pl, pl, n);
    free(p->d);
    p->d = nd;
    p->h.caplen = p->h.len = (uint32_t)(p->pl + n);
    p->plen = n;
    pk_fix(p);
}

static struct pk pk_clone(const struct pk *p)
{
    struct pk q = *p;
    q.d = xmalloc(p->h.caplen);
    memcpy(q.d, p->d, p->h.caplen);
    return q;
}

/* ------------------------------------------------------------ capture I/O */

static void cap_push(struct cap *c, struct pk p)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 1024;
        struct pk *np = realloc(c->p, nc * sizeof(*np));
        if (!np) die(2, "out of memory");
        c->p = np;
        c->cap = nc;
    }
    c->p[c->n++] = p;
}

/* Insert q after position i. */
static void cap_insert(struct cap *c, size_t i, struct pk q)
{
    cap_push(c, q);
    memmove(&c->p[i + 2], &c->p[i + 1], (c->n - i - 2) * sizeof(*c->p));
    c->p[i + 1] = q;
}

static void cap_read(struct cap *c, const char *path)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    if (!p) die(2, "%s: %s", path, eb);
    int lt = pcap_datalink(p);
    if (lt != DLT_EN10MB) {
        const char *nm = pcap_datalink_val_to_name(lt);
        pcap_close(p);
        die(2, "%s: link type %d (%s) is not Ethernet; pcapmangle needs DLT_EN10MB input", path,
            lt, nm ? nm : "unknown");
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    uint64_t total = 0;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        if (c->n >= MAX_PACKETS || (total += h->caplen) > MAX_TOTAL_BYTES)
            die(2, "%s: too large for pcapmangle", path);
        struct pk k;
        memset(&k, 0, sizeof(k));
        k.h = *h;
        k.d = xmalloc(h->caplen);
        memcpy(k.d, data, h->caplen);
        k.orig_index = c->n + 1;
        pk_parse(&k);
        cap_push(c, k);
    }
    if (rc != PCAP_ERROR_BREAK) die(2, "%s: %s", path, pcap_geterr(p));
    pcap_close(p);
}

static void cap_write(const struct cap *c, const char *path)
{
    pcap_t *pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144,
                                                      PCAP_TSTAMP_PRECISION_NANO);
    if (!pd) die(2, "pcap_open_dead failed");
    pcap_dumper_t *dw = pcap_dump_open(pd, path);
    if (!dw) die(2, "%s: %s", path, pcap_geterr(pd));
    for (size_t i = 0; i < c->n; i++)
        if (!c->p[i].drop) pcap_dump((u_char *)dw, &c->p[i].h, c->p[i].d);
    if (pcap_dump_flush(dw) != 0) die(2, "%s: write failed", path);
    pcap_dump_close(dw);
    pcap_close(pd);
}

/* ------------------------------------------------------------ the connection */

struct conn {
    size_t ch, sh;        /* packet index of the ClientHello / ServerHello segment */
    bool have_sh;
    uint32_t sbase;       /* seq of the first server data segment */
    bool have_sbase;
};

static bool starts_handshake(const struct pk *p, uint8_t msgtype)
{
    if (!p->tcp || p->plen < 6) return false;
    const uint8_t *q = p->d + p->pl;
    return q[0] == 0x16 && q[1] == 0x03 && q[5] == msgtype;
}

static bool data_seg(const struct pk *p, int dir) { return p->dir == dir && p->plen > 0; }

static struct conn conn_find(struct cap *c)
{
    struct conn k;
    memset(&k, 0, sizeof(k));
    size_t i;
    for (i = 0; i < c->n; i++)
        if (starts_handshake(&c->p[i], 1)) break;
    if (i == c->n) die(1, "no TCP segment starting with a TLS ClientHello");
    k.ch = i;
    const struct pk *h = &c->p[i];
    for (size_t j = 0; j < c->n; j++) {
        struct pk *p = &c->p[j];
        if (!p->tcp) continue;
        if (p->sport == h->sport && p->dport == h->dport && !memcmp(p->src, h->src, 16) &&
            !memcmp(p->dst, h->dst, 16))
            p->dir = 0;
        else if (p->sport == h->dport && p->dport == h->sport && !memcmp(p->src, h->dst, 16) &&
                 !memcmp(p->dst, h->src, 16))
            p->dir = 1;
    }
    for (size_t j = 0; j < c->n; j++) {
        if (!k.have_sbase && data_seg(&c->p[j], 1)) {
            k.sbase = c->p[j].seq;
            k.have_sbase = true;
        }
        if (j > k.ch && !k.have_sh && c->p[j].dir == 1 && starts_handshake(&c->p[j], 2)) {
            k.sh = j;
            k.have_sh = true;
        }
    }
    return k;
}

static void need_sh(const struct conn *k)
{
    if (!k->have_sh) die(1, "no server segment starting with a TLS ServerHello");
}

/* Indices of the flight of `dir` starting at packet `first`. */
static size_t flight(const struct cap *c, size_t first, int dir, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t j = first; j < c->n && n < max; j++) {
        if (data_seg(&c->p[j], !dir)) break;
        if (data_seg(&c->p[j], dir)) out[n++] = j;
    }
    return n;
}

/* The server's byte stream, relative to k->sbase, first copy of each byte
 * winning; `have` marks bytes present. */
struct sstream {
    uint8_t *b, *have;
    uint32_t len;
};

static struct sstream server_stream(const struct cap *c, const struct conn *k)
{
    struct sstream s = {NULL, NULL, 0};
    for (size_t j = 0; j < c->n; j++) {
        const struct pk *p = &c->p[j];
        if (!data_seg(p, 1)) continue;
        uint32_t rel = p->seq - k->sbase;
        if (rel > MAX_STREAM || p->plen > MAX_STREAM - rel) continue; /* before base, or huge */
        if (rel + p->plen > s.len) s.len = rel + p->plen;
    }
    s.b = xmalloc(s.len);
    s.have = calloc(s.len ? s.len : 1, 1);
    if (!s.have) die(2, "out of memory");
    for (size_t j = 0; j < c->n; j++) {
        const struct pk *p = &c->p[j];
        if (!data_seg(p, 1)) continue;
        uint32_t rel = p->seq - k->sbase;
        if (rel > MAX_STREAM || p->plen > MAX_STREAM - rel) continue;
        for (uint32_t i = 0; i < p->plen; i++)
            if (!s.have[rel + i]) {
                s.b[rel + i] = p->d[p->pl + i];
                s.have[rel + i] = 1;
            }
    }
    return s;
}

static bool stream_has(const struct sstream *s, uint32_t off, uint32_t n)
{
    if (off > s->len || n > s->len - off) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!s->have[off + i]) return false;
    return true;
}

/* ------------------------------------------------------------ modes */

static void swap_slots(struct cap *c, size_t a, size_t b)
{
    struct timeval ta = c->p[a].h.ts, tb = c->p[b].h.ts;
    struct pk t = c->p[a];
    c->p[a] = c->p[b];
    c->p[b] = t;
    c->p[a].h.ts = ta;
    c->p[b].h.ts = tb;
    fprintf(stderr, "%s: reorder: frames %zu and %zu swapped\n", prog, c->p[b].orig_index,
            c->p[a].orig_index);
}

static void mode_reorder(struct cap *c, const struct conn *k)
{
    need_sh(k);
    size_t fl[2][256], n[2];
    n[0] = flight(c, k->ch, 0, fl[0], 256);
    n[1] = flight(c, k->sh, 1, fl[1], 256);
    size_t swapped = 0;
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i + 1 < n[d]; i += 2) {
            swap_slots(c, fl[d][i], fl[d][i + 1]);
            swapped++;
        }
    if (!swapped)
        die(1, "reorder: both handshake flights are a single segment; nothing to reorder "
               "(try split-client-hello first)");
}

static void mode_overlap(struct cap *c, const struct conn *k, bool differ)
{
    struct sstream s = server_stream(c, k);
    uint32_t prev_len = 0;
    size_t added = 0;
    for (size_t j = 0; j < c->n; j++) {
        struct pk *p = &c->p[j];
        if (!data_seg(p, 1)) continue;
        uint32_t h = prev_len / 2, rel = p->seq - k->sbase;
        prev_len = p->plen;
        if (rel < h || !stream_has(&s, rel - h, p->plen)) continue;
        struct pk q = pk_clone(p);
        q.seq = p->seq - h;
        uint8_t *tmp = xmalloc(p->plen);
        memcpy(tmp, s.b + rel - h, p->plen);
        if (differ && h > 0) tmp[0] ^= 0xFF;
        pk_set_payload(&q, tmp, p->plen);
        free(tmp);
        cap_insert(c, j, q);
        j++; /* skip the copy */
        added++;
    }
    free(s.b);
    free(s.have);
    if (!added) die(1, "no server data segments to duplicate");
    fprintf(stderr, "%s: %zu shifted copies added\n", prog, added);
}

static void mode_split_ch(struct cap *c, const struct conn *k)
{
    struct pk *p = &c->p[k->ch];
    uint32_t L = p->plen;
    if (L < 3) die(1, "ClientHello segment too short to split");
    uint8_t *pl = xmalloc(L);
    memcpy(pl, p->d + p->pl, L);
    uint32_t cut[4] = {0, L / 3, 2 * (L / 3), L};
    struct pk parts[3];
    for (int i = 0; i < 3; i++) {
        parts[i] = pk_clone(p);
        parts[i].seq = p->seq + cut[i];
        if (i < 2) parts[i].flags &= (uint8_t)~0x08; /* PSH only on the last */
        pk_set_payload(&parts[i], pl + cut[i], cut[i + 1] - cut[i]);
    }
    free(pl);
    free(p->d);
    c->p[k->ch] = parts[0];
    cap_insert(c, k->ch, parts[1]);
    cap_insert(c, k->ch + 1, parts[2]);
}

static void mode_split_records(struct cap *c, const struct conn *k, uint32_t nmax)
{
    need_sh(k);
    /* The server's data segments must be in order and contiguous. */
    size_t *segs = xmalloc(c->n * sizeof(*segs));
    size_t ns = 0;
    uint32_t expect = 0;
    for (size_t j = 0; j < c->n; j++) {
        if (!data_seg(&c->p[j], 1)) continue;
        segs[ns++] = j;
    }
    struct sstream s = server_stream(c, k);
    const uint32_t s0 = c->p[k->sh].seq - k->sbase;

    /* RFC 8446 §5.1 / RFC 5246 §6.2: type(1) version(2) length(2). */
    struct cursor cur = cur_init(s.b + s0, s.len - s0);
    uint8_t type, vbuf[2] = {3, 3};
    uint8_t *hs = xmalloc(s.len);
    uint32_t hslen = 0, F = s0;
    for (int first = 1;; first = 0) {
        struct cursor save = cur, body;
        uint16_t ver;
        if (cur_u8(&cur, &type) || type != 22 || cur_u16(&cur, &ver) || cur_vec(&cur, 2, &body)) {
            cur = save;
            break;
        }
        if (first) {
            vbuf[0] = (uint8_t)(ver >> 8);
            vbuf[1] = (uint8_t)ver;
        }
        memcpy(hs + hslen, body.p, cur_left(&body));
        hslen += (uint32_t)cur_left(&body);
        F = (uint32_t)(cur.p - s.b);
    }
    if (!stream_has(&s, s0, F - s0)) die(1, "split-records: server flight has missing bytes");
    /* Find the Certificate message (RFC 8446 §4: type(1) length(3)). */
    struct cursor hc = cur_init(hs, hslen);
    uint32_t c0 = 0, cl = 0;
    while (!cur_empty(&hc)) {
        uint8_t mt;
        uint32_t ml;
        const uint8_t *start = hc.p;
        if (cur_u8(&hc, &mt) || cur_u24(&hc, &ml) || cur_skip(&hc, ml)) break;
        if (mt == 11) {
            c0 = (uint32_t)(start - hs);
            cl = 4 + ml;
            break;
        }
    }
    if (!cl)
        die(1, "split-records: no plaintext Certificate message in the server's first "
               "handshake records (TLS 1.3 encrypts it)");
    if (nmax == 0) nmax = cl - 1 < 512 ? cl - 1 : 512;
    if (nmax == 0 || nmax > 16384) die(2, "split-records: N must be 1..16384");
    if (c0 / nmax == (c0 + cl - 1) / nmax)
        die(1, "split-records: records of %u bytes would not split the Certificate message",
            nmax);

    /* New stream: [0, s0) + re-recorded flight + [F, len). */
    uint32_t nrec = (hslen + nmax - 1) / nmax;
    uint32_t newF = s0 + hslen + 5 * nrec;
    uint32_t delta = newF - F;
    uint32_t nlen = s.len + delta;
    uint8_t *nb = xmalloc(nlen);
    memcpy(nb, s.b, s0);
    uint32_t o = s0;
    for (uint32_t i = 0; i < hslen; i += nmax) {
        uint32_t n = hslen - i < nmax ? hslen - i : nmax;
        nb[o++] = 22;
        nb[o++] = vbuf[0];
        nb[o++] = vbuf[1];
        put16(nb + o, (uint16_t)n);
        o += 2;
        memcpy(nb + o, hs + i, n);
        o += n;
    }
    memcpy(nb + o, s.b + F, s.len - F);

    /* The segment that holds byte F-1 grows by delta; segments before it
     * must be contiguous from the base. */
    size_t m = SIZE_MAX;
    uint32_t em = 0;
    for (size_t i = 0; i < ns; i++) {
        struct pk *p = &c->p[segs[i]];
        uint32_t rel = p->seq - k->sbase;
        if (rel != expect)
            die(1, "split-records: server segments are retransmitted or out of order before "
                   "the end of the flight (frame %zu)",
                p->orig_index);
        expect = rel + p->plen;
        if (rel < F && F <= expect) {
            m = i;
            em = expect;
            break;
        }
    }
    if (m == SIZE_MAX) die(1, "split-records: flight end not at a segment");
    for (size_t i = 0; i <= m; i++) {
        struct pk *p = &c->p[segs[i]];
        uint32_t rel = p->seq - k->sbase;
        uint32_t n = p->plen + (i == m ? delta : 0);
        pk_set_payload(p, nb + rel, n);
    }
    /* Shift everything the server sent after segment m, and client ACKs
     * that acknowledge past it. */
    size_t acks = 0;
    for (size_t j = 0; j < c->n; j++) {
        struct pk *p = &c->p[j];
        if (p->dir == 1 && p->seq - k->sbase >= em && p->seq - k->sbase < MAX_STREAM &&
            j != segs[m]) {
            p->seq += delta;
            if (!p->whole) die(1, "frame %zu is cut by snaplen", p->orig_index);
            pk_fix(p);
        } else if (p->dir == 0 && (p->flags & 0x10) && p->ack - k->sbase >= em &&
                   p->ack - k->sbase < MAX_STREAM) {
            p->ack += delta;
            if (!p->whole) die(1, "frame %zu is cut by snaplen", p->orig_index);
            pk_fix(p);
            acks++;
        }
    }
    fprintf(stderr,
            "%s: split-records: %u handshake bytes as %u records of <= %u bytes; Certificate at "
            "%u+%u; frame %zu grew by %u; %zu client ACKs shifted\n",
            prog, hslen, nrec, nmax, c0, cl, c->p[segs[m]].orig_index, delta, acks);
    free(nb);
    free(hs);
    free(s.b);
    free(s.have);
    free(segs);
}

static void mode_midstream(struct cap *c, const struct conn *k)
{
    need_sh(k);
    size_t dropped = 0;
    for (size_t j = 0; j < k->sh; j++)
        if (c->p[j].dir >= 0) {
            c->p[j].drop = true;
            dropped++;
        }
    fprintf(stderr, "%s: midstream: %zu frames dropped\n", prog, dropped);
}

static void mode_snaplen(struct cap *c, uint32_t snap)
{
    for (size_t j = 0; j < c->n; j++)
        if (c->p[j].h.caplen > snap) c->p[j].h.caplen = snap;
}

static void mode_vlan(struct cap *c)
{
    for (size_t j = 0; j < c->n; j++) {
        struct pk *p = &c->p[j];
        if (p->h.caplen < 12) die(1, "frame %zu is too short for an Ethernet header", p->orig_index);
        uint8_t *nd = xmalloc(p->h.caplen + 4);
        memcpy(nd, p->d, 12);
        put16(nd + 12, 0x8100);
        put16(nd + 14, 100); /* PCP 0, DEI 0, VID 100 */
        memcpy(nd + 16, p->d + 12, p->h.caplen - 12);
        free(p->d);
        p->d = nd;
        p->h.caplen += 4;
        p->h.len += 4;
    }
}

static void usage(void)
{
    fprintf(stderr,
            "usage: %s MODE in.pcap out.pcap [N]\n"
            "modes: reorder retransmit-overlap overlap-differ split-client-hello\n"
            "       split-records [N] midstream snaplen96 truncate vlan\n",
            prog);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) usage();
    const char *mode = argv[1], *in = argv[2], *out = argv[3];
    uint32_t n = 0;
    if (argc == 5) {
        char *end;
        unsigned long v = strtoul(argv[4], &end, 10);
        if (*end || v == 0 || v > 16384 || strcmp(mode, "split-records") != 0) usage();
        n = (uint32_t)v;
    }
    static const char *const modes[] = {"reorder",       "retransmit-overlap", "overlap-differ",
                                        "split-client-hello", "split-records", "midstream",
                                        "snaplen96",     "truncate",           "vlan"};
    bool known = false;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(mode, modes[i]) == 0) known = true;
    if (!known) usage();

    struct cap c = {NULL, 0, 0};
    cap_read(&c, in);

    if (!strcmp(mode, "snaplen96")) {
        mode_snaplen(&c, 96);
    } else if (!strcmp(mode, "vlan")) {
        mode_vlan(&c);
    } else if (!strcmp(mode, "truncate")) {
        if (c.n == 0) die(1, "truncate: the capture has no packets");
    } else {
        struct conn k = conn_find(&c);
        if (!strcmp(mode, "reorder")) mode_reorder(&c, &k);
        else if (!strcmp(mode, "retransmit-overlap")) mode_overlap(&c, &k, false);
        else if (!strcmp(mode, "overlap-differ")) mode_overlap(&c, &k, true);
        else if (!strcmp(mode, "split-client-hello")) mode_split_ch(&c, &k);
        else if (!strcmp(mode, "split-records")) mode_split_records(&c, &k, n);
        else if (!strcmp(mode, "midstream")) mode_midstream(&c, &k);
    }
    cap_write(&c, out);
    if (!strcmp(mode, "truncate")) {
        /* A pcap record is a 16-byte header plus caplen bytes. */
        struct stat st;
        if (stat(out, &st) != 0) die(2, "%s: cannot stat", out);
        off_t rec = 16 + (off_t)c.p[c.n - 1].h.caplen;
        if (truncate(out, st.st_size - rec / 2) != 0) die(2, "%s: cannot truncate", out);
    }
    for (size_t i = 0; i < c.n; i++) free(c.p[i].d);
    free(c.p);
    return 0;
}
