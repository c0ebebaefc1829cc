/* test_pcapfile.c — the fast reader for plain pcap files (capture/pcapfile.c)
 * must hand tlsscope exactly what libpcap would: the same packets, the same
 * timestamps and lengths, the same errors at the same place.
 *
 * Every file is written byte by byte here (both byte orders, us and ns,
 * versions 2.3/2.4, records that straddle the 1 MiB read blocks, lengths
 * over the snapshot, timestamps past 2^31, truncations) and then read twice:
 * through capsrc (which uses pcapfile.c while it can) and directly with
 * pcap_next_ex; the two streams are compared packet by packet. pcapfile.c
 * itself is also driven directly, to show the fast path really is taken and
 * hands over at the right record. */
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pcapfile.h"
#include "capture/source.h"
#include "check.h"

static char dir[64];
static char paths[64][128];
static int npaths;

static const char *tmp_path(const char *name)
{
    char *p = paths[npaths++];
    snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
    return p;
}

/* ------------------------------------------------------------ writing */

struct fbuf {
    uint8_t *p;
    size_t n, cap;
    bool swapped;   /* write header fields big-endian (this test runs on x86) */
};

static void put(struct fbuf *f, const void *src, size_t n)
{
    if (f->n + n > f->cap) {
        f->cap = (f->n + n) * 2;
        f->p = realloc(f->p, f->cap);
        if (!f->p) abort();
    }
    memcpy(f->p + f->n, src, n);
    f->n += n;
}

static void put32(struct fbuf *f, uint32_t v)
{
    if (f->swapped) v = __builtin_bswap32(v);
    put(f, &v, 4);
}

static void put16(struct fbuf *f, uint16_t v)
{
    if (f->swapped) v = __builtin_bswap16(v);
    put(f, &v, 2);
}

static void file_header(struct fbuf *f, bool nano, uint16_t minor, uint32_t snaplen,
                        uint32_t linktype)
{
    put32(f, nano ? 0xa1b23c4du : 0xa1b2c3d4u);
    put16(f, 2);
    put16(f, minor);
    put32(f, 0);
    put32(f, 0);
    put32(f, snaplen);
    put32(f, linktype);
}

/* A record whose data bytes are a function of its index. */
static void record(struct fbuf *f, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
                   uint32_t idx)
{
    put32(f, sec);
    put32(f, frac);
    put32(f, caplen);
    put32(f, len);
    for (uint32_t i = 0; i < caplen; i++) {
        uint8_t b = (uint8_t)(idx * 7 + i);
        put(f, &b, 1);
    }
}

static void save(const char *path, const struct fbuf *f, size_t n)
{
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (!fp) return;
    CHECK_EQ_INT(fwrite(f->p, 1, n, fp), n);
    fclose(fp);
}

/* Many records of varied sizes, several MiB: records straddle block
 * boundaries at every kind of offset. Returns the offsets of the records. */
static size_t many_records(struct fbuf *f, uint32_t count, uint32_t big_every, size_t *offs)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t caplen = (i * 389u) % 1600u;
        if (big_every && i % big_every == big_every - 1) caplen = 60000 + i;
        if (offs) offs[i] = f->n;
        record(f, 1600000000u + i / 10, (i * 99991u) % 1000000u, caplen, caplen + (i % 3), i);
    }
    return f->n;
}

/* ------------------------------------------------------------ comparing */

/* Read `path` through capsrc and through libpcap, both with the BPF filter
 * `expr` if not NULL; every packet and the final status must agree.
 * Returns the number of packets compared. */
static int compare_filtered(const char *path, const char *expr)
{
    char err[PCAP_ERRBUF_SIZE + 600];
    struct cap_source *src = NULL;
    const char *const in[1] = {path};
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    int rc_open = capsrc_open_files(&src, in, 1, err, sizeof err);
    CHECK((p != NULL) == (rc_open == CAP_OK));
    if (!p || !src) {
        if (p) pcap_close(p);
        capsrc_close(src);
        return 0;
    }
    if (expr) {
        struct bpf_program prog;
        CHECK_EQ_INT(pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
        CHECK_EQ_INT(pcap_setfilter(p, &prog), 0);
        pcap_freecode(&prog);
        CHECK_EQ_INT(capsrc_set_filter(src, expr, err, sizeof err), CAP_OK);
    }
    int n = 0;
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *d;
        struct cap_packet pk;
        int lr = pcap_next_ex(p, &h, &d);
        int cr = capsrc_next(src, &pk);
        if (lr == 1) {
            CHECK_EQ_INT(cr, CAP_PACKET);
            if (cr != CAP_PACKET) break;
            int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
            if (pk.ts_ns != ts || pk.caplen != h->caplen || pk.wirelen != h->len ||
                memcmp(pk.data, d, h->caplen) != 0) {
                fprintf(stderr, "%s: packet %d differs: ts %lld/%lld caplen %u/%u len %u/%u\n",
                        path, n, (long long)pk.ts_ns, (long long)ts, pk.caplen, h->caplen,
                        pk.wirelen, h->len);
                CHECK(false);
                break;
            }
            n++;
            continue;
        }
        if (lr == PCAP_ERROR_BREAK) {
            CHECK_EQ_INT(cr, CAP_EOF);
        } else {
            CHECK(cr == CAP_ETRUNC || cr == CAP_EREAD);
            if (!strstr(capsrc_error(src), pcap_geterr(p))) {
                fprintf(stderr, "%s: error \"%s\" does not carry libpcap's \"%s\"\n", path,
                        capsrc_error(src), pcap_geterr(p));
                CHECK(false);
            }
            CHECK_EQ_INT(capsrc_next(src, &pk), CAP_EOF);
        }
        break;
    }
    pcap_close(p);
    capsrc_close(src);
    return n;
}

static int compare(const char *path) { return compare_filtered(path, NULL); }

/* Drive pcapfile.c alone: how many records before it hands over, and where. */
static int fast_count(const char *path, uint32_t snapshot, uint64_t *handover_at)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    if (fd < 0) return -1;
    uint8_t hdr[PCAPFILE_HDR_LEN];
    struct pcapfile_info info;
    CHECK_EQ_INT(pread(fd, hdr, sizeof hdr, 0), (long)sizeof hdr);
    if (!pcapfile_header_ok(hdr, sizeof hdr, &info)) {
        close(fd);
        return -1;
    }
    struct pcapfile *pf = pcapfile_new(fd, PCAPFILE_HDR_LEN, &info, snapshot);
    CHECK(pf != NULL);
    int n = 0;
    struct pcapfile_rec r;
    while (pf && pcapfile_next(pf, &r) == PCAPFILE_RECORD) n++;
    if (pf) {
        CHECK_EQ_INT(pcapfile_next(pf, &r), PCAPFILE_HANDOVER); /* and stays so */
        *handover_at = pcapfile_offset(pf);
    }
    pcapfile_free(pf);
    close(fd);
    return n;
}

/* ------------------------------------------------------------ cases */

#define NREC 4000

static void test_big_files(void)
{
    static size_t offs[NREC];
    for (int variant = 0; variant < 4; variant++) {
        bool nano = variant & 1, swapped = variant & 2;
        struct fbuf f = {.swapped = swapped};
        file_header(&f, nano, 4, 262144, 1);
        size_t end = many_records(&f, NREC, 97, offs);
        CHECK(end > 3 * PCAPFILE_BLOCK);
        char name[32];
        snprintf(name, sizeof name, "big-%d.pcap", variant);
        const char *path = tmp_path(name);
        save(path, &f, f.n);
        CHECK_EQ_INT(compare(path), NREC);
        /* a filter: what pcap_next_ex lets through, no more, no less */
        int kept = compare_filtered(path, "len > 800 and ether[5] & 3 != 0");
        CHECK(kept > 100 && kept < NREC / 2);
        uint64_t at = 0;
        CHECK_EQ_INT(fast_count(path, 262144, &at), NREC); /* all by the fast path */
        CHECK_EQ_INT(at, end);

        /* Cut at every kind of place: in a record header, in its data, at a
         * record boundary, each near a block boundary. */
        const size_t cuts[] = {offs[NREC / 2] + 5, offs[NREC / 2] + 16 + 1, offs[NREC / 2],
                               PCAPFILE_BLOCK + 3, 2 * PCAPFILE_BLOCK, end - 1};
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            snprintf(name, sizeof name, "cut-%d-%zu.pcap", variant, c);
            const char *cp = tmp_path(name);
            save(cp, &f, cuts[c]);
            int got = compare(cp);
            CHECK(got > 0);
            CHECK(compare_filtered(cp, "ether[5] & 1 = 0") > 0);
        }
        free(f.p);
    }
}

/* Files and records the fast path leaves to libpcap, at the right place. */
static void test_handover(void)
{
    uint64_t at = 0;
    /* A record longer than the snapshot length (libpcap cuts it to the
     * snapshot and skips the rest) in the middle of a fast-read file. */
    struct fbuf f = {0};
    file_header(&f, false, 4, 1000, 1);
    size_t offs[20];
    for (uint32_t i = 0; i < 20; i++) {
        offs[i] = f.n;
        uint32_t caplen = i == 10 ? 1500 : 100 + i;
        record(&f, 1600000000u + i, i, caplen, caplen, i);
    }
    const char *p1 = tmp_path("oversnap.pcap");
    save(p1, &f, f.n);
    CHECK_EQ_INT(compare(p1), 20);
    CHECK_EQ_INT(fast_count(p1, 1000, &at), 10);
    CHECK_EQ_INT(at, offs[10]);
    free(f.p);

    /* A record over libpcap's 262144-byte maximum: its error, verbatim. */
    f = (struct fbuf){0};
    file_header(&f, false, 4, 262144, 1);
    record(&f, 1600000000u, 0, 50, 50, 0);
    put32(&f, 1600000001u);
    put32(&f, 0);
    put32(&f, 300000);
    put32(&f, 300000);
    const char *p2 = tmp_path("huge.pcap");
    save(p2, &f, f.n);
    CHECK_EQ_INT(compare(p2), 1);
    CHECK_EQ_INT(fast_count(p2, 262144, &at), 1);
    free(f.p);

    /* Timestamps past 2^31 (signedness is libpcap's business). */
    f = (struct fbuf){0};
    file_header(&f, true, 4, 65535, 1);
    record(&f, 1600000000u, 5, 60, 60, 0);
    record(&f, 0x90000000u, 7, 60, 60, 1);
    record(&f, 1600000002u, 0x90000000u, 60, 60, 2);
    record(&f, 1600000003u, 9, 60, 60, 3);
    const char *p3 = tmp_path("ts2038.pcap");
    save(p3, &f, f.n);
    CHECK_EQ_INT(compare(p3), 4);
    CHECK_EQ_INT(fast_count(p3, 65535, &at), 1);
    free(f.p);

    /* Version 2.3 (caplen/len may be swapped): libpcap only. */
    f = (struct fbuf){0};
    file_header(&f, false, 3, 65535, 1);
    /* caplen > len: libpcap takes them as swapped (60 bytes captured of 80) */
    put32(&f, 1600000000u);
    put32(&f, 1);
    put32(&f, 80);
    put32(&f, 60);
    for (int i = 0; i < 60; i++) put(&f, "x", 1);
    record(&f, 1600000001u, 1, 60, 80, 1);
    const char *p4 = tmp_path("v23.pcap");
    save(p4, &f, f.n);
    CHECK_EQ_INT(compare(p4), 2);
    CHECK_EQ_INT(fast_count(p4, 65535, &at), -1);
    free(f.p);

    /* Byte-swapped Linux SLL: libpcap rewrites its header, so libpcap reads
     * it; byte-swapped Ethernet is the fast path's (test_big_files). */
    f = (struct fbuf){.swapped = true};
    file_header(&f, false, 4, 65535, 113);
    for (uint32_t i = 0; i < 5; i++) record(&f, 1600000000u + i, i, 40, 40, i);
    const char *p5 = tmp_path("sll-swapped.pcap");
    save(p5, &f, f.n);
    CHECK_EQ_INT(compare(p5), 5);
    free(f.p);

    /* An empty capture (header only). */
    f = (struct fbuf){0};
    file_header(&f, false, 4, 65535, 1);
    const char *p6 = tmp_path("empty.pcap");
    save(p6, &f, f.n);
    CHECK_EQ_INT(compare(p6), 0);
    CHECK_EQ_INT(fast_count(p6, 65535, &at), 0);
    CHECK_EQ_INT(at, PCAPFILE_HDR_LEN);
    free(f.p);
}

static void test_header_check(void)
{
    struct pcapfile_info info;
    struct fbuf f = {0};
    file_header(&f, true, 4, 65535, 1);
    CHECK(pcapfile_header_ok(f.p, f.n, &info));
    CHECK(info.nano && !info.swapped);
    CHECK(!pcapfile_header_ok(f.p, 23, &info));
    f.p[0] = 0x34; /* Kuznetzov's modified format: a1b2cd34 */
    f.p[1] = 0xcd;
    CHECK(!pcapfile_header_ok(f.p, f.n, &info));
    free(f.p);
    f = (struct fbuf){.swapped = true};
    file_header(&f, false, 4, 65535, 1);
    CHECK(pcapfile_header_ok(f.p, f.n, &info));
    CHECK(!info.nano && info.swapped);
    free(f.p);
    static const uint8_t shb[24] = {0x0a, 0x0d, 0x0d, 0x0a}; /* pcapng */
    CHECK(!pcapfile_header_ok(shb, sizeof shb, &info));
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/tlsscope-test-pcapfile-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_header_check();
    test_big_files();
    test_handover();
    for (int i = 0; i < npaths; i++) unlink(paths[i]);
    rmdir(dir);
    return check_summary();
}
