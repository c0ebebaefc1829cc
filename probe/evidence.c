/* evidence.c — pcapng and NSS key log of the probe's connections (evidence.h). */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINKTYPE_RAW 101
#define MAX_SEGMENT 16384u /* bytes of payload per synthesized segment */
#define MAX_BLOCK (32u + 60u + MAX_SEGMENT + 4u) /* one EPB, or a DSB (smaller) */

/* Connections finish in any order (a slow server's connection began before
 * a fast one's that finished first), but a capture's packets are in time
 * order: readers (tshark, tlsscope -r) expect it. The blocks are spooled
 * to a temporary file as connections finish, and written to -w in
 * (time, order written) order when the probe ends; a connection's secrets
 * block carries its SYN's time and is spooled first, so it stays in front
 * of the packets it decrypts. EV_MAX_BLOCKS caps the index (24 bytes per
 * block). */
#define EV_MAX_BLOCKS (1u << 22)

struct spooled {
    int64_t ts_ns;
    uint64_t off; /* in the spool file */
    uint32_t len, seq;
};

struct evidence {
    FILE *pcap, *keylog;
    FILE *spool;             /* the -w blocks as they come */
    struct spooled *blocks;
    uint32_t n_blocks, cap_blocks;
    uint64_t spool_len;
    const char *pcap_path, *keylog_path;
    bool failed;
    char error[160];         /* why spooling failed (cap, memory, disk) */
};

static FILE *create(const char *path, mode_t mode, char *err, size_t errlen, const char *what)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        snprintf(err, errlen, "%s: %s: %s", what, path, strerror(errno));
        if (fd >= 0) close(fd);
    }
    return f;
}

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); } /* host order: the SHB says which */
static void put16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }

static void pad4(FILE *f, size_t n)
{
    static const uint8_t zero[4];
    if (n % 4) fwrite(zero, 1, 4 - n % 4, f);
}

struct evidence *ev_open(const char *pcapng, const char *keylog, char *err, size_t errlen)
{
    struct evidence *ev = calloc(1, sizeof(*ev));
    if (!ev) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ev->pcap_path = pcapng;
    ev->keylog_path = keylog;
    if (pcapng && !(ev->pcap = create(pcapng, 0644, err, errlen, "-w"))) goto fail;
    if (pcapng && !(ev->spool = tmpfile())) {
        snprintf(err, errlen, "-w: no temporary file to order the packets in: %s", strerror(errno));
        goto fail;
    }
    if (keylog && !(ev->keylog = create(keylog, 0600, err, errlen, "--keylog"))) goto fail;
    if (ev->pcap) {
        /* Section Header Block: byte-order magic, version 1.0, length unknown */
        put32(ev->pcap, 0x0A0D0D0A);
        put32(ev->pcap, 28);
        put32(ev->pcap, 0x1A2B3C4D);
        put16(ev->pcap, 1);
        put16(ev->pcap, 0);
        put32(ev->pcap, 0xffffffffu);
        put32(ev->pcap, 0xffffffffu);
        put32(ev->pcap, 28);
        /* Interface Description Block: raw IP, no snap length, µs (default) */
        put32(ev->pcap, 1);
        put32(ev->pcap, 20);
        put16(ev->pcap, LINKTYPE_RAW);
        put16(ev->pcap, 0);
        put32(ev->pcap, 0);
        put32(ev->pcap, 20);
    }
    return ev;
fail:
    ev_close(ev, NULL, 0);
    return NULL;
}

/* ---- packets ------------------------------------------------------------ */

struct endpoint {
    int family;
    uint8_t ip[16];
    uint16_t port;
};

static void endpoint_of(const struct sockaddr_storage *ss, struct endpoint *e)
{
    memset(e, 0, sizeof(*e));
    e->family = ss->ss_family;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        memcpy(e->ip, &s->sin6_addr, 16);
        e->port = ntohs(s->sin6_port);
    } else {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        memcpy(e->ip, &s->sin_addr, 4);
        e->port = ntohs(s->sin_port);
    }
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

enum { TH_FIN = 1, TH_SYN = 2, TH_RST = 4, TH_PSH = 8, TH_ACK = 16 };

/* The next block of `len` bytes, of time ts_ns, is about to be written to
 * the spool: index it. false (and the spool is given up, the reason in
 * ev->error) when the index is full or memory is out. */
static bool spool_block(struct evidence *ev, int64_t ts_ns, uint32_t len)
{
    if (ev->error[0]) return false;
    if (ev->n_blocks == ev->cap_blocks) {
        uint32_t ncap = ev->cap_blocks ? ev->cap_blocks * 2 : 1024;
        struct spooled *nb = ncap <= EV_MAX_BLOCKS ? realloc(ev->blocks, ncap * sizeof(*nb)) : NULL;
        if (!nb) {
            snprintf(ev->error, sizeof(ev->error),
                     ncap > EV_MAX_BLOCKS ? "-w: more than %u packets: %s holds the first ones only"
                                          : "-w: out of memory after %u packets: %s holds the first ones only",
                     ev->n_blocks, ev->pcap_path);
            return false;
        }
        ev->blocks = nb;
        ev->cap_blocks = ncap;
    }
    ev->blocks[ev->n_blocks] = (struct spooled){.ts_ns = ts_ns, .off = ev->spool_len, .len = len,
                                                .seq = ev->n_blocks};
    ev->n_blocks++;
    ev->spool_len += len;
    return true;
}

/* One Enhanced Packet Block: IPv4 or IPv6, TCP, payload. */
static void packet(struct evidence *ev, int64_t ts_ns, const struct endpoint *src,
                   const struct endpoint *dst, uint32_t seq, uint32_t ack, uint8_t flags,
                   const uint8_t *data, size_t n)
{
    uint8_t hdr[60];
    size_t ip_len = src->family == AF_INET6 ? 40 : 20;
    uint8_t *tcp = hdr + ip_len;
    size_t total = ip_len + 20 + n;
    memset(hdr, 0, sizeof(hdr));
    if (src->family == AF_INET6) {
        hdr[0] = 0x60;
        hdr[4] = (uint8_t)((20 + n) >> 8);
        hdr[5] = (uint8_t)(20 + n);
        hdr[6] = 6; /* TCP */
        hdr[7] = 64;
        memcpy(hdr + 8, src->ip, 16);
        memcpy(hdr + 24, dst->ip, 16);
    } else {
        hdr[0] = 0x45;
        hdr[2] = (uint8_t)(total >> 8);
        hdr[3] = (uint8_t)total;
        hdr[6] = 0x40; /* don't fragment */
        hdr[8] = 64;
        hdr[9] = 6;
        memcpy(hdr + 12, src->ip, 4);
        memcpy(hdr + 16, dst->ip, 4);
        uint16_t c = fold(sum16(hdr, 20, 0));
        hdr[10] = (uint8_t)(c >> 8);
        hdr[11] = (uint8_t)c;
    }
    tcp[0] = (uint8_t)(src->port >> 8);
    tcp[1] = (uint8_t)src->port;
    tcp[2] = (uint8_t)(dst->port >> 8);
    tcp[3] = (uint8_t)dst->port;
    for (int i = 0; i < 4; i++) {
        tcp[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        tcp[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    /* RFC 793 / RFC 8200 §8.1 pseudo-header checksum */
    uint32_t s = 0;
    size_t alen = src->family == AF_INET6 ? 16 : 4;
    s = sum16(src->ip, alen, s);
    s = sum16(dst->ip, alen, s);
    s += 6 + (uint32_t)(20 + n);
    s = sum16(tcp, 20, s);
    /* the payload may start on an odd total: sum it as its own run of
     * 16-bit words (20 header bytes keep it even) */
    s = sum16(data, n, s);
    uint16_t c = fold(s);
    tcp[16] = (uint8_t)(c >> 8);
    tcp[17] = (uint8_t)c;

    uint64_t us = (uint64_t)(ts_ns / 1000);
    uint32_t blk = (uint32_t)(32 + total + (4 - total % 4) % 4);
    if (!spool_block(ev, ts_ns, blk)) return;
    FILE *f = ev->spool;
    put32(f, 6);
    put32(f, blk);
    put32(f, 0);
    put32(f, (uint32_t)(us >> 32));
    put32(f, (uint32_t)us);
    put32(f, (uint32_t)total);
    put32(f, (uint32_t)total);
    fwrite(hdr, 1, ip_len + 20, f);
    if (n) fwrite(data, 1, n, f);
    pad4(f, total);
    put32(f, blk);
}

static uint32_t isn_of(const struct pclient *cl, int side)
{
    /* any fixed function of the connection will do: Wireshark shows
     * relative sequence numbers anyway */
    uint32_t h = 2166136261u;
    const uint8_t *p = (const uint8_t *)&cl->syn_ts_ns;
    for (size_t i = 0; i < sizeof(cl->syn_ts_ns); i++) h = (h ^ p[i]) * 16777619u;
    return side ? h * 2654435761u : h;
}

int ev_conn(struct evidence *ev, const struct pclient *cl, char *err, size_t errlen)
{
    if (!ev || ev->failed) return ev && ev->failed ? -1 : 0;
    char lines[PC_KEYLOG_LINES_MAX];
    size_t ln = pc_keylog_lines(cl, lines, sizeof(lines));
    if (ln && ev->keylog) fwrite(lines, 1, ln, ev->keylog);
    if (ev->pcap) {
        uint32_t blk = (uint32_t)(20 + ln + (4 - ln % 4) % 4);
        /* Decryption Secrets Block before the packets it opens */
        if (ln && spool_block(ev, cl->syn_ts_ns, blk)) {
            put32(ev->spool, 0x0000000A);
            put32(ev->spool, blk);
            put32(ev->spool, 0x544c534b);
            put32(ev->spool, (uint32_t)ln);
            fwrite(lines, 1, ln, ev->spool);
            pad4(ev->spool, ln);
            put32(ev->spool, blk);
        }
        struct endpoint c, s;
        endpoint_of(&cl->local, &c);
        endpoint_of(&cl->peer, &s);
        uint32_t cseq = isn_of(cl, 0), sseq = isn_of(cl, 1);
        if (cl->syn_ts_ns) {
            packet(ev, cl->syn_ts_ns, &c, &s, cseq, 0, TH_SYN, NULL, 0);
            if (!cl->established_ts_ns) {
                if (cl->error == PC_REFUSED)
                    packet(ev, cl->syn_ts_ns, &s, &c, 0, cseq + 1, TH_RST | TH_ACK, NULL, 0);
            } else {
                packet(ev, cl->established_ts_ns, &s, &c, sseq, cseq + 1, TH_SYN | TH_ACK, NULL, 0);
                cseq++;
                sseq++;
                packet(ev, cl->established_ts_ns, &c, &s, cseq, sseq, TH_ACK, NULL, 0);
                for (int i = 0; i < cl->n_chunks; i++) {
                    const struct pc_chunk *k = &cl->chunks[i];
                    for (uint32_t off = 0; off < k->len; off += MAX_SEGMENT) {
                        uint32_t n = k->len - off < MAX_SEGMENT ? k->len - off : MAX_SEGMENT;
                        const uint8_t *d = cl->log + k->off + off;
                        if (k->dir == 0) {
                            packet(ev, k->ts_ns, &c, &s, cseq, sseq, TH_PSH | TH_ACK, d, n);
                            cseq += n;
                        } else {
                            packet(ev, k->ts_ns, &s, &c, sseq, cseq, TH_PSH | TH_ACK, d, n);
                            sseq += n;
                        }
                    }
                }
                if (cl->fin_ts_ns) packet(ev, cl->fin_ts_ns, &c, &s, cseq, sseq, TH_FIN | TH_ACK, NULL, 0);
            }
        }
    }
    if (ev->error[0]) {
        ev->failed = true;
        snprintf(err, errlen, "%s", ev->error);
        return -1;
    }
    if ((ev->spool && ferror(ev->spool)) || (ev->keylog && ferror(ev->keylog))) {
        ev->failed = true;
        if (ev->spool && ferror(ev->spool))
            snprintf(err, errlen, "-w: cannot write the temporary file that orders %s", ev->pcap_path);
        else
            snprintf(err, errlen, "cannot write %s", ev->keylog_path);
        return -1;
    }
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const struct spooled *x = a, *y = b;
    if (x->ts_ns != y->ts_ns) return x->ts_ns < y->ts_ns ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The spooled blocks into -w in time order (see EV_MAX_BLOCKS). */
static int write_in_time_order(struct evidence *ev)
{
    uint8_t *buf = malloc(MAX_BLOCK);
    if (!buf || fflush(ev->spool) != 0) {
        free(buf);
        return -1;
    }
    qsort(ev->blocks, ev->n_blocks, sizeof(*ev->blocks), by_time);
    int rc = 0;
    for (uint32_t i = 0; i < ev->n_blocks && rc == 0; i++) {
        const struct spooled *b = &ev->blocks[i];
        if (b->len > MAX_BLOCK || fseeko(ev->spool, (off_t)b->off, SEEK_SET) != 0 ||
            fread(buf, 1, b->len, ev->spool) != b->len || fwrite(buf, 1, b->len, ev->pcap) != b->len)
            rc = -1;
    }
    free(buf);
    return rc;
}

int ev_close(struct evidence *ev, char *err, size_t errlen)
{
    if (!ev) return 0;
    int rc = ev->failed ? -1 : 0;
    if (ev->pcap && ev->spool && write_in_time_order(ev) != 0 && rc == 0) {
        rc = -1;
        if (err) snprintf(err, errlen, "cannot write %s", ev->pcap_path);
    }
    if (ev->spool) fclose(ev->spool);
    free(ev->blocks);
    if (ev->pcap && fclose(ev->pcap) != 0 && rc == 0) {
        rc = -1;
        if (err) snprintf(err, errlen, "cannot write %s", ev->pcap_path);
    }
    if (ev->keylog && fclose(ev->keylog) != 0 && rc == 0) {
        rc = -1;
        if (err) snprintf(err, errlen, "cannot write %s", ev->keylog_path);
    }
    free(ev);
    return rc;
}
