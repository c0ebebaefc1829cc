/* Unit tests for capture/bundle.c and the archive-member input of
 * capture/source.c. Every archive is written by the test with libarchive's
 * writer (tar.gz, zip, plain tar) into a temporary directory: captures
 * (plain and gzip-compressed, any name), logs, nested archives, binary
 * data; then listed, streamed, merged in time order, capped, corrupted. */
#include <archive.h>
#include <archive_entry.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "capture/bundle.h"
#include "capture/source.h"
#include "check.h"

static char dir[64];

static const char *tmp(const char *name)
{
    static char bufs[16][160];
    static int k;
    char *p = bufs[k++ % 16];
    snprintf(p, 160, "%s/%s", dir, name);
    return p;
}

/* ---- inputs --------------------------------------------------------- */

/* A pcap (us) of n 60-byte packets at sec.usec = 100.(first + i*step),
 * each starting with its tag byte; returns malloc'ed bytes. */
static uint8_t *make_pcap(int n, long first, long step, uint8_t tag0, size_t *len)
{
    const char *path = tmp("scratch.pcap");
    pcap_t *pd = pcap_open_dead(1, 65535);
    pcap_dumper_t *d = pcap_dump_open(pd, path);
    for (int i = 0; i < n; i++) {
        uint8_t buf[60];
        memset(buf, 0, sizeof(buf));
        buf[0] = (uint8_t)(tag0 + i);
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.ts.tv_sec = 100;
        h.ts.tv_usec = first + i * step;
        h.caplen = h.len = 60;
        pcap_dump((u_char *)d, &h, buf);
    }
    pcap_dump_close(d);
    pcap_close(pd);
    FILE *fp = fopen(path, "rb");
    uint8_t *out = malloc(1 << 20);
    *len = fread(out, 1, 1 << 20, fp);
    fclose(fp);
    return out;
}

static uint8_t *gzip_bytes(const uint8_t *p, size_t n, size_t *len)
{
    uLongf cap = (uLongf)(n + n / 100 + 64);
    uint8_t *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    CHECK_EQ_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
    *len = z.total_out;
    deflateEnd(&z);
    return out;
}

struct member {
    const char *name;
    const uint8_t *data;
    size_t len;
    int type; /* AE_IFREG, AE_IFDIR, AE_IFLNK */
};

/* format: "tar.gz", "tar", "zip" */
static void write_archive(const char *path, const char *format, const struct member *m, int n)
{
    struct archive *a = archive_write_new();
    if (strcmp(format, "zip") == 0) {
        archive_write_set_format_zip(a);
    } else {
        archive_write_set_format_pax_restricted(a);
        if (strcmp(format, "tar.gz") == 0) archive_write_add_filter_gzip(a);
    }
    CHECK_EQ_INT(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (int i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, m[i].type ? (unsigned)m[i].type : (unsigned)AE_IFREG);
        archive_entry_set_perm(e, 0644);
        if (m[i].type == AE_IFLNK) archive_entry_set_symlink(e, "target");
        archive_entry_set_size(e, m[i].type ? 0 : (la_int64_t)m[i].len);
        CHECK(archive_write_header(a, e) >= ARCHIVE_WARN); /* WARN: a name not in UTF-8 */
        if (!m[i].type && m[i].len) CHECK_EQ_INT(archive_write_data(a, m[i].data, m[i].len), (long)m[i].len);
        archive_entry_free(e);
    }
    archive_write_free(a);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    fwrite(p, 1, n, fp);
    fclose(fp);
}

/* ---- a sink that keeps what it got ------------------------------------ */

struct collect {
    char names[8][200];
    char text[8][4096];
    size_t len[8];
    int n, ended;
    int refuse; /* begin() of this member index returns -1 */
};

static int c_begin(void *ctx, const struct bundle_item *it)
{
    struct collect *c = ctx;
    if (c->n >= 8) return -1;
    if (c->refuse == c->n + 1) {
        c->refuse = 0;
        return -1;
    }
    snprintf(c->names[c->n], sizeof(c->names[0]), "%s", it->display);
    c->len[c->n] = 0;
    c->n++;
    return 0;
}

static int c_data(void *ctx, const void *p, size_t n)
{
    struct collect *c = ctx;
    size_t *l = &c->len[c->n - 1];
    size_t take = n < sizeof(c->text[0]) - 1 - *l ? n : sizeof(c->text[0]) - 1 - *l;
    memcpy(c->text[c->n - 1] + *l, p, take);
    *l += take;
    c->text[c->n - 1][*l] = '\0';
    (void)n;
    return 0;
}

static void c_end(void *ctx, const struct bundle_item *it)
{
    (void)it;
    ((struct collect *)ctx)->ended++;
}

static const struct bundle_item *find(const struct bundle *b, const char *path)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->items[i].path, path) == 0) return &b->items[i];
    return NULL;
}

static size_t read_all(FILE *fp, uint8_t *out, size_t cap)
{
    size_t n = 0, got;
    while (n < cap && (got = fread(out + n, 1, cap - n, fp)) > 0) n += got;
    return n;
}

/* ---- cases ------------------------------------------------------------ */

static const char log_text[] =
    "2022-07-11T18:55:26.016+02:00 vcsc traffic_server[18242]: [ET_NET 0] WARNING: Core server\n"
    "certificate verification failed for (cucm.steven.lab). Action=Terminate Error=self signed\n"
    "certificate server=cucm.steven.lab(10.48.36.215) depth=0\n";

static void test_classify(void)
{
    const char *w = NULL;
    uint8_t b[600];
    memset(b, 0, sizeof(b));
    CHECK_EQ_INT(bundle_classify(b, 0, &w), BUNDLE_OTHER);
    CHECK_EQ_STR(w, "empty");
    memcpy(b, "\xd4\xc3\xb2\xa1", 4);
    CHECK_EQ_INT(bundle_classify(b, 24, &w), BUNDLE_CAPTURE);
    CHECK_EQ_STR(w, "pcap");
    memcpy(b, "\xa1\xb2\x3c\x4d", 4);
    CHECK_EQ_INT(bundle_classify(b, 24, &w), BUNDLE_CAPTURE);
    CHECK_EQ_STR(w, "pcap (ns)");
    memcpy(b, "\x0a\x0d\x0d\x0a\x1c\0\0\0\x4d\x3c\x2b\x1a", 12);
    CHECK_EQ_INT(bundle_classify(b, 28, &w), BUNDLE_CAPTURE);
    CHECK_EQ_STR(w, "pcapng");
    /* the SHB type alone is text-like "\n\r\r\n", not enough */
    memcpy(b, "\x0a\x0d\x0d\x0a" "abcdefgh", 12);
    CHECK_EQ_INT(bundle_classify(b, 12, &w), BUNDLE_TEXT);
    memset(b, 0, sizeof(b));
    memcpy(b + 257, "ustar", 5);
    CHECK_EQ_INT(bundle_classify(b, sizeof(b), &w), BUNDLE_ARCHIVE);
    CHECK_EQ_STR(w, "tar archive");
    CHECK_EQ_INT(bundle_classify((const uint8_t *)"PK\x03\x04xx", 6, &w), BUNDLE_ARCHIVE);
    CHECK_EQ_STR(w, "zip archive");
    CHECK_EQ_INT(bundle_classify((const uint8_t *)"\xfd" "7zXZ\0\0", 7, &w), BUNDLE_ARCHIVE);
    CHECK_EQ_INT(bundle_classify((const uint8_t *)log_text, sizeof(log_text) - 1, &w), BUNDLE_TEXT);
    CHECK_EQ_INT(bundle_classify((const uint8_t *)"caf\xc3\xa9 \xe2\x82\xac\n", 10, &w), BUNDLE_TEXT);
    CHECK_EQ_INT(bundle_classify((const uint8_t *)"abc\0def", 7, &w), BUNDLE_OTHER);
    CHECK_EQ_STR(w, "binary data");
    uint8_t ctl[200];
    memset(ctl, 'a', sizeof(ctl));
    ctl[10] = 0x01;
    ctl[20] = 0x02; /* 1% of 200 */
    CHECK_EQ_INT(bundle_classify(ctl, sizeof(ctl), &w), BUNDLE_TEXT);
    ctl[30] = 0x03;
    CHECK_EQ_INT(bundle_classify(ctl, sizeof(ctl), &w), BUNDLE_OTHER);
}

/* A bundle as Expressway makes it, and every kind of member. */
static void test_targz(void)
{
    size_t l1, l2, lg2;
    uint8_t *p1 = make_pcap(3, 1, 20, 0x10, &l1);  /* 100.000001, .000021, .000041 */
    uint8_t *p2 = make_pcap(3, 11, 20, 0x20, &l2); /* 100.000011, .000031, .000051 */
    uint8_t *g2 = gzip_bytes(p2, l2, &lg2);
    size_t lgl;
    uint8_t *glog = gzip_bytes((const uint8_t *)log_text, sizeof(log_text) - 1, &lgl);
    uint8_t zeros[4096];
    memset(zeros, 0, sizeof(zeros));
    /* a tar inside: the nested archive is listed, not opened */
    const char *inner = tmp("inner.tar");
    struct member im[] = {{"x.pcap", p1, l1, 0}};
    write_archive(inner, "tar", im, 1);
    FILE *fp = fopen(inner, "rb");
    uint8_t *nested = malloc(1 << 16);
    size_t ln = fread(nested, 1, 1 << 16, fp);
    fclose(fp);

    struct member m[] = {
        {"diag", NULL, 0, AE_IFDIR},
        {"diag/loggingsnapshot_vcsc_20220711.txt", (const uint8_t *)log_text, sizeof(log_text) - 1, 0},
        {"diag/tcpdump_eth0", p1, l1, 0},                 /* no extension */
        {"diag/eth1.pcap.gz", g2, lg2, 0},
        {"diag/old.log.gz", glog, lgl, 0},
        {"diag/zeros.bin", zeros, sizeof(zeros), 0},
        {"diag/link", NULL, 0, AE_IFLNK},
        {"diag/nested.tar", nested, ln, 0},
    };
    const char *bundle = tmp("diagnostic_log_vcsc.tar.gz");
    write_archive(bundle, "tar.gz", m, 8);

    struct bundle b;
    bundle_init(&b, NULL);
    struct collect c;
    memset(&c, 0, sizeof(c));
    struct bundle_text_sink sink = {&c, c_begin, c_data, c_end};
    char err[512];
    CHECK_EQ_INT(bundle_add_path(&b, bundle, &sink, err, sizeof(err)), 0);
    CHECK_EQ_STR(err, "");
    /* the link is listed (issue #17 item 3: nothing dropped unsaid); only the
     * directory entry is structure */
    CHECK_EQ_INT(b.n, 7);
    CHECK_EQ_INT(b.not_regular, 1);
    CHECK_EQ_INT(b.captures, 2);
    const struct bundle_item *lk = find(&b, "diag/link");
    CHECK(lk && lk->kind == BUNDLE_SKIPPED && !lk->unread_capture);
    CHECK_EQ_STR(lk ? lk->note : "", "not read: symbolic link in the archive");
    const struct bundle_item *it = find(&b, "diag/tcpdump_eth0");
    CHECK(it && it->kind == BUNDLE_CAPTURE && !it->gzip && it->index == 2 && it->size == (int64_t)l1);
    CHECK_EQ_STR(it ? it->what : "", "pcap");
    CHECK_EQ_STR(it ? it->container : "", bundle);
    it = find(&b, "diag/eth1.pcap.gz");
    CHECK(it && it->kind == BUNDLE_CAPTURE && it->gzip && it->index == 3);
    CHECK_EQ_STR(it ? it->what : "", "pcap, gzip-compressed");
    it = find(&b, "diag/zeros.bin");
    CHECK(it && it->kind == BUNDLE_OTHER);
    it = find(&b, "diag/nested.tar");
    CHECK(it && it->kind == BUNDLE_ARCHIVE);
    CHECK_EQ_STR(it ? it->note : "", "tar archive inside an archive: not opened (extract it and give it to tlsscope)");
    /* both logs streamed, the gzip one decompressed */
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_INT(c.ended, 2);
    CHECK_EQ_STR(c.text[0], log_text);
    CHECK_EQ_STR(c.text[1], log_text);
    char want[300];
    snprintf(want, sizeof(want), "%s:diag/old.log.gz", bundle);
    CHECK_EQ_STR(c.names[1], want);
    it = find(&b, "diag/old.log.gz");
    CHECK(it && it->kind == BUNDLE_TEXT && it->gzip && it->text_bytes == sizeof(log_text) - 1);

    /* each capture member streams back byte for byte */
    struct bundle_stream *s;
    FILE *f;
    uint8_t got[1 << 16];
    CHECK_EQ_INT(bundle_stream_open(bundle, "diag/eth1.pcap.gz", 3, NULL, &b.budget, &s, &f, err, sizeof(err)), 0);
    if (f) {
        CHECK_EQ_INT(read_all(f, got, sizeof(got)), l2);
        CHECK_EQ_MEM(got, p2, l2);
        CHECK(!bundle_stream_capped(s));
        CHECK_EQ_STR(bundle_stream_error(s), "");
        fclose(f);
    }
    /* the name at that index must match */
    CHECK_EQ_INT(bundle_stream_open(bundle, "diag/other", 3, NULL, NULL, &s, &f, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: member 3 is no longer diag/other (archive changed?)", bundle);
    CHECK_EQ_STR(err, want);
    CHECK_EQ_INT(bundle_stream_open(bundle, "diag/tcpdump_eth0", 40, NULL, NULL, &s, &f, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: cannot reach member diag/tcpdump_eth0: the archive ended before it", bundle);
    CHECK_EQ_STR(err, want);

    /* two members of one archive and a plain file, merged in time order */
    size_t l3;
    uint8_t *p3 = make_pcap(2, 5, 30, 0x30, &l3); /* 100.000005, .000035 */
    const char *plain = tmp("plain.pcap");
    write_file(plain, p3, l3);
    struct cap_input_spec specs[3] = {
        {.path = bundle, .member = "diag/tcpdump_eth0", .member_index = 2, .budget = &b.budget},
        {.path = bundle, .member = "diag/eth1.pcap.gz", .member_index = 3, .display = "node1:eth1"},
        {.path = plain},
    };
    struct cap_source *src = NULL;
    CHECK_EQ_INT(capsrc_open_inputs(&src, specs, 3, err, sizeof(err)), CAP_OK);
    const uint8_t order[] = {0x10, 0x30, 0x20, 0x11, 0x21, 0x31, 0x12, 0x22};
    const int from[] = {0, 2, 1, 0, 1, 2, 0, 1};
    struct cap_packet pk;
    for (int i = 0; src && i < 8; i++) {
        CHECK_EQ_INT(capsrc_next(src, &pk), CAP_PACKET);
        CHECK_EQ_INT(pk.data[0], order[i]);
        CHECK_EQ_INT(pk.source_index, from[i]);
    }
    if (src) {
        CHECK_EQ_INT(capsrc_next(src, &pk), CAP_EOF);
        uint64_t done, total;
        capsrc_progress(src, &done, &total);
        CHECK_EQ_INT(total, 0); /* the gzip member's size is unknown */
        CHECK(done >= l1 + l3);
        capsrc_close(src);
    }
    /* a member that is not a capture: libpcap's message, with the member's name */
    struct cap_input_spec bad = {.path = bundle, .member = "diag/zeros.bin", .member_index = 5};
    CHECK_EQ_INT(capsrc_open_inputs(&src, &bad, 1, err, sizeof(err)), CAP_EOPEN);
    snprintf(want, sizeof(want), "%s:diag/zeros.bin: not a pcap or pcapng capture file (unknown file format)", bundle);
    CHECK_EQ_STR(err, want);

    bundle_free(&b);
    free(p1);
    free(p2);
    free(p3);
    free(g2);
    free(glog);
    free(nested);
}

/* Caps: a member over max_member, a budget that runs out, entries. */
static void test_caps(void)
{
    size_t lp;
    uint8_t *pc = make_pcap(200, 0, 1, 0, &lp); /* 24 + 200 * 76 bytes */
    static uint8_t big[300000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (uint8_t)('a' + i % 26);
    for (size_t i = 99; i < sizeof(big); i += 100) big[i] = '\n';
    struct member m[] = {{"big.log", big, sizeof(big), 0}, {"cap.pcap", pc, lp, 0}};
    const char *bundle = tmp("caps.tar.gz");
    write_archive(bundle, "tar.gz", m, 2);

    struct bundle_limits lim;
    bundle_limits_default(&lim);
    lim.max_member = 1000;
    struct bundle b;
    bundle_init(&b, &lim);
    struct collect c;
    memset(&c, 0, sizeof(c));
    struct bundle_text_sink sink = {&c, c_begin, c_data, c_end};
    char err[512];
    CHECK_EQ_INT(bundle_add_path(&b, bundle, &sink, err, sizeof(err)), 0);
    const struct bundle_item *it = find(&b, "big.log");
    CHECK(it && it->capped && it->text_bytes == 1000);
    CHECK_EQ_STR(it ? it->note : "", "capped at 1000 bytes (--bundle-max-member): the rest was not read");
    CHECK_EQ_INT(c.len[0], 1000);
    /* the capture member stops at the cap: 24 + 12 * 76 = 936 bytes whole */
    struct cap_input_spec spec = {.path = bundle, .member = "cap.pcap", .member_index = 1,
                                  .limits = &lim, .budget = &b.budget};
    struct cap_source *src = NULL;
    CHECK_EQ_INT(capsrc_open_inputs(&src, &spec, 1, err, sizeof(err)), CAP_OK);
    int n = 0, rc;
    struct cap_packet pk;
    while (src && (rc = capsrc_next(src, &pk)) == CAP_PACKET) n++;
    CHECK_EQ_INT(n, 12);
    CHECK_EQ_INT(rc, CAP_ETRUNC);
    char want[400];
    snprintf(want, sizeof(want),
             "%s:cap.pcap: read only the first 12 packets: it reached the member cap of 1000 "
             "bytes (--bundle-max-member); the rest was not read", bundle);
    CHECK_EQ_STR(capsrc_error(src), want);
    capsrc_close(src);
    bundle_free(&b);

    /* the total budget: listing stops before the member that would blow it */
    bundle_limits_default(&lim);
    lim.max_total = 100000;
    bundle_init(&b, &lim);
    memset(&c, 0, sizeof(c));
    CHECK_EQ_INT(bundle_add_path(&b, bundle, &sink, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "%s: stopped listing at big.log: it declares 293 KiB, more than the total "
             "decompression budget of 97.7 KiB allows (--bundle-max-total)", bundle);
    CHECK_EQ_STR(err, want);
    it = find(&b, "big.log");
    CHECK(it && it->capped);
    CHECK(find(&b, "cap.pcap") == NULL);
    CHECK(b.budget.exhausted);
    bundle_free(&b);

    /* entry cap */
    bundle_limits_default(&lim);
    lim.max_entries = 1;
    bundle_init(&b, &lim);
    CHECK_EQ_INT(bundle_add_path(&b, bundle, NULL, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: more than 1 entries: listing stopped (cap)", bundle);
    CHECK_EQ_STR(err, want);
    CHECK_EQ_INT(b.n, 1);
    bundle_free(&b);

    /* capture cap */
    bundle_limits_default(&lim);
    lim.max_captures = 1;
    struct member two[] = {{"a.pcap", pc, lp, 0}, {"b.pcap", pc, lp, 0}};
    const char *tb = tmp("two.tar");
    write_archive(tb, "tar", two, 2);
    bundle_init(&b, &lim);
    CHECK_EQ_INT(bundle_add_path(&b, tb, NULL, err, sizeof(err)), 0);
    CHECK(b.n == 2 && b.items[1].kind == BUNDLE_SKIPPED);
    CHECK_EQ_STR(b.items[1].note, "more than 1 captures: not read");
    bundle_free(&b);
    free(pc);
}

/* A cut-off .tar.gz: an error naming what was readable, items kept. */
static void test_corrupt(void)
{
    size_t lp;
    uint8_t *pc = make_pcap(50, 0, 1, 0, &lp);
    static uint8_t noise[200000];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(noise); i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (uint8_t)(x >> 16); /* incompressible */
    }
    struct member m[] = {{"log.txt", (const uint8_t *)log_text, sizeof(log_text) - 1, 0},
                         {"cap.pcap", pc, lp, 0},
                         {"noise.bin", noise, sizeof(noise), 0}};
    const char *whole = tmp("whole.tar.gz"), *cut = tmp("cut.tar.gz");
    write_archive(whole, "tar.gz", m, 3);
    FILE *fp = fopen(whole, "rb");
    static uint8_t bytes[400000];
    size_t n = fread(bytes, 1, sizeof(bytes), fp);
    fclose(fp);
    write_file(cut, bytes, n / 2);

    struct bundle b;
    bundle_init(&b, NULL);
    char err[512];
    CHECK_EQ_INT(bundle_add_path(&b, cut, NULL, err, sizeof(err)), -1);
    CHECK(strncmp(err, cut, strlen(cut)) == 0);
    CHECK(strstr(err, ": corrupt or truncated archive: ") != NULL);
    CHECK(strstr(err, "(in noise.bin; 2 members listed before it)") != NULL);
    CHECK(find(&b, "log.txt") && find(&b, "cap.pcap") && find(&b, "cap.pcap")->kind == BUNDLE_CAPTURE);
    /* the capture before the damage is still readable */
    struct cap_input_spec spec = {.path = cut, .member = "cap.pcap", .member_index = 1};
    struct cap_source *src = NULL;
    CHECK_EQ_INT(capsrc_open_inputs(&src, &spec, 1, err, sizeof(err)), CAP_OK);
    int k = 0;
    struct cap_packet pk;
    while (src && capsrc_next(src, &pk) == CAP_PACKET) k++;
    CHECK_EQ_INT(k, 50);
    capsrc_close(src);
    bundle_free(&b);

    /* not an archive at all, although it says tar.gz: a gzip'd text is a log */
    size_t gl;
    uint8_t *g = gzip_bytes((const uint8_t *)log_text, sizeof(log_text) - 1, &gl);
    const char *fake = tmp("fake.tar.gz");
    write_file(fake, g, gl);
    bundle_init(&b, NULL);
    CHECK_EQ_INT(bundle_add_path(&b, fake, NULL, err, sizeof(err)), 0);
    CHECK(b.n == 1 && b.items[0].kind == BUNDLE_TEXT && b.items[0].gzip);
    bundle_free(&b);
    /* a truncated gzip text: noted */
    write_file(fake, g, gl - 10);
    bundle_init(&b, NULL);
    struct collect c;
    memset(&c, 0, sizeof(c));
    struct bundle_text_sink sink = {&c, c_begin, c_data, c_end};
    CHECK_EQ_INT(bundle_add_path(&b, fake, &sink, err, sizeof(err)), 0);
    CHECK(b.n == 1 && b.items[0].kind == BUNDLE_TEXT);
    CHECK(strstr(b.items[0].note, "gzip data ends early") != NULL);
    bundle_free(&b);
    free(g);
    free(pc);
}

/* Member names are hostile: the display name has no control characters. */
static void test_hostile_names(void)
{
    size_t lp;
    uint8_t *pc = make_pcap(1, 0, 1, 0x50, &lp);
    struct member m[] = {{"evil\x1b]0;pwned\x07\xc2\x9b\xe2\x80\xae\xff.pcap", pc, lp, 0}};
    const char *tb = tmp("evil.tar");
    write_archive(tb, "tar", m, 1);
    struct bundle b;
    bundle_init(&b, NULL);
    char err[512], want[300];
    CHECK_EQ_INT(bundle_add_path(&b, tb, NULL, err, sizeof(err)), 0);
    CHECK_EQ_INT(b.n, 1);
    if (b.n == 1) {
        CHECK_EQ_STR(b.items[0].path, m[0].name); /* the real name, to find it again */
        snprintf(want, sizeof(want), "%s:evil?]0;pwned????.pcap", tb);
        CHECK_EQ_STR(b.items[0].display, want);
        struct cap_input_spec spec = {.path = tb, .member = b.items[0].path, .member_index = 0,
                                      .display = b.items[0].display};
        struct cap_source *src = NULL;
        struct cap_packet pk;
        CHECK_EQ_INT(capsrc_open_inputs(&src, &spec, 1, err, sizeof(err)), CAP_OK);
        CHECK(src && capsrc_next(src, &pk) == CAP_PACKET && pk.data[0] == 0x50);
        capsrc_close(src);
    }
    bundle_free(&b);
    free(pc);
}

/* zip, a directory of extracted files, single files. */
static void test_zip_dir_files(void)
{
    size_t lp;
    uint8_t *pc = make_pcap(2, 0, 1, 0x40, &lp);
    struct member m[] = {{"vcsc/log.txt", (const uint8_t *)log_text, sizeof(log_text) - 1, 0},
                         {"vcsc/cap", pc, lp, 0}};
    const char *zip = tmp("bundle.zip");
    write_archive(zip, "zip", m, 2);
    struct bundle b;
    bundle_init(&b, NULL);
    char err[512];
    CHECK_EQ_INT(bundle_add_path(&b, zip, NULL, err, sizeof(err)), 0);
    CHECK(b.n == 2 && b.items[1].kind == BUNDLE_CAPTURE && b.items[0].kind == BUNDLE_TEXT);
    struct cap_input_spec spec = {.path = zip, .member = "vcsc/cap", .member_index = 1};
    struct cap_source *src = NULL;
    CHECK_EQ_INT(capsrc_open_inputs(&src, &spec, 1, err, sizeof(err)), CAP_OK);
    struct cap_packet pk;
    CHECK(src && capsrc_next(src, &pk) == CAP_PACKET && pk.data[0] == 0x40);
    capsrc_close(src);
    bundle_free(&b);

    /* directory: sorted walk, subdirectory, archive inside (opened), link skipped */
    char d1[200], d2[200], p[300];
    snprintf(d1, sizeof(d1), "%s/extracted", dir);
    snprintf(d2, sizeof(d2), "%s/extracted/sub", dir);
    mkdir(d1, 0755);
    mkdir(d2, 0755);
    snprintf(p, sizeof(p), "%s/b.txt", d1);
    write_file(p, log_text, sizeof(log_text) - 1);
    snprintf(p, sizeof(p), "%s/a.cap", d2);
    write_file(p, pc, lp);
    snprintf(p, sizeof(p), "%s/c.zip", d1);
    write_archive(p, "zip", m, 2);
    snprintf(p, sizeof(p), "%s/link", d1);
    CHECK_EQ_INT(symlink("b.txt", p), 0);
    bundle_init(&b, NULL);
    CHECK_EQ_INT(bundle_add_path(&b, d1, NULL, err, sizeof(err)), 0);
    CHECK_EQ_INT(b.n, 5);
    CHECK_EQ_INT(b.not_regular, 0);
    if (b.n == 5) {
        snprintf(p, sizeof(p), "%s/b.txt", d1);
        CHECK_EQ_STR(b.items[0].path, p);
        CHECK(b.items[0].kind == BUNDLE_TEXT && b.items[0].container == NULL && b.items[0].index == -1);
        snprintf(p, sizeof(p), "%s/c.zip", d1);
        CHECK_EQ_STR(b.items[1].container, p);
        CHECK_EQ_STR(b.items[2].path, "vcsc/cap");
        snprintf(p, sizeof(p), "%s/link", d1);
        CHECK_EQ_STR(b.items[3].path, p); /* a link to text: listed, not an unread capture */
        CHECK(b.items[3].kind == BUNDLE_SKIPPED && !b.items[3].unread_capture);
        CHECK_EQ_STR(b.items[3].note, "not read: a symbolic link (not followed)");
        snprintf(p, sizeof(p), "%s/a.cap", d2);
        CHECK_EQ_STR(b.items[4].path, p);
        CHECK(b.items[4].kind == BUNDLE_CAPTURE);
    }
    bundle_free(&b);

    /* single files */
    snprintf(p, sizeof(p), "%s/zeros", dir);
    uint8_t z[100];
    memset(z, 0, sizeof(z));
    write_file(p, z, sizeof(z));
    bundle_init(&b, NULL);
    CHECK_EQ_INT(bundle_add_path(&b, p, NULL, err, sizeof(err)), 1);
    CHECK(b.n == 1 && b.items[0].kind == BUNDLE_OTHER);
    CHECK_EQ_INT(bundle_add_path(&b, "/nonexistent/x", NULL, err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "/nonexistent/x: No such file or directory");
    bundle_free(&b);
    char b1[32];
    CHECK_EQ_STR(bundle_size_text(1000, b1), "1000 bytes");
    CHECK_EQ_STR(bundle_size_text(4ull << 30, b1), "4 GiB");
    CHECK_EQ_STR(bundle_size_text(1536, b1), "1.5 KiB");
    free(pc);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/tlsscope-bundle-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    test_classify();
    test_targz();
    test_caps();
    test_corrupt();
    test_zip_dir_files();
    test_hostile_names();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
