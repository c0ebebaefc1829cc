/* Hostile input, part 1: every prefix and single-byte corruptions of real
 * captures run through the whole engine in process (fuzz/drive_capture.h:
 * the pipeline over a memfd, every text row, JSON line and the summary
 * checked by fuzz/check_output.h).
 *
 * For each prefix of each capture:
 *   - no crash, no sanitizer report, no leak (the ASan build runs this too);
 *   - the exit status tlsscope would give is 0, 1 or 2;
 *   - status 2 comes with one line that names the file and says what is
 *     wrong in words ("truncated", "empty file", "not a pcap or pcapng ...");
 *   - the whole file gives status 0 or 1 and no error;
 *   - nothing written would let the capture drive a terminal, and every JSON
 *     line is valid JSON in valid UTF-8.
 * The gzip case is made here with zlib (a .pcap.gz cut anywhere).
 *
 * TLSSCOPE_SWEEP_STRIDE=N tests every Nth prefix only (default 1: all; 4 in
 * a sanitizer build, where each run costs ten times more, and there only the
 * complement corruption: the normal build covers every prefix);
 * TLSSCOPE_SWEEP_VERBOSE=1 prints every input-error message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "fuzz/drive_capture.h"

static uint8_t *read_file(const char *rel, size_t *n)
{
    char path[1024];
    const char *src = getenv("TLSSCOPE_SRC");
    snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open (is TLSSCOPE_SRC set?)\n", path);
        exit(2);
    }
    uint8_t *buf = malloc(1u << 22);
    *n = fread(buf, 1, 1u << 22, f);
    fclose(f);
    return buf;
}

static const struct trust_store *test_store(void)
{
    static struct trust_store st;
    static int loaded;
    if (!loaded) {
        char path[1024], err[512];
        const char *src = getenv("TLSSCOPE_SRC");
        loaded = 1;
        store_init(&st);
        snprintf(path, sizeof path, "%s/pcaps/expressway-store.pem", src ? src : ".");
        if (store_load(&st, path, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            exit(2);
        }
    }
    return &st;
}

static void free_store(void)
{
    store_free((struct trust_store *)test_store());
}

/* The message classes a bad capture may produce; anything else is a
 * message nobody wrote on purpose. */
static const char *message_class(const char *msg)
{
    static const char *const classes[] = {
        "file is truncated: it ends inside a packet record", /* capture/source.c */
        "truncated dump file",                                /* libpcap, pcap header */
        "file is truncated: it ends inside the",              /* capture/pcapng.c, a block */
        "damaged pcapng file",                                /* capture/pcapng.c */
        "empty file, not a capture",
        "not a pcap or pcapng capture file",
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strstr(msg, classes[i])) return classes[i];
    return NULL;
}

struct sweep_stats {
    unsigned runs, ok, failed_verdict, input_error;
    unsigned classes_seen;
};

static void run_one(const char *name, const uint8_t *data, size_t n, size_t full,
                    struct sweep_stats *ss)
{
    struct drive_result r;
    struct drive_opts o = {test_store(), (n & 1) != 0, true, NULL};
    int st = drive_capture_mem(data, n, &o, &r);
    ss->runs++;
    if (st < 0) {
        fprintf(stderr, "no memfd: cannot run the sweep\n");
        exit(2);
    }
    if (st == 0) ss->ok++;
    if (st == 1) ss->failed_verdict++;
    if (st == 2) ss->input_error++;
    bool bad = false;
    if (st < 0 || st > 2) bad = true;
    if (r.violation) bad = true;
    if (n == full && st == 2) bad = true; /* the whole capture reads cleanly */
    if (st == 2) {
        if (!r.error[0] || strchr(r.error, '\n')) bad = true;
        /* names the file (the memfd path) first */
        if (strncmp(r.error, "/proc/self/fd/", 14) != 0) bad = true;
        if (!message_class(r.error)) bad = true;
    }
    if (st == 2 && getenv("TLSSCOPE_SWEEP_VERBOSE")) printf("ERR %s\n", r.error);
    CHECK(!bad);
    if (bad)
        fprintf(stderr, "  %s, prefix of %zu of %zu bytes: status %d, violation %s near \"%s\", "
                        "error \"%s\"\n",
                name, n, full, st, r.violation ? r.violation : "-", r.context, r.error);
}

#define SANITIZED CHECK_SANITIZED

static size_t stride(void)
{
    const char *s = getenv("TLSSCOPE_SWEEP_STRIDE");
    long v = s ? strtol(s, NULL, 10) : SANITIZED ? 4 : 1;
    return v > 0 ? (size_t)v : 1;
}

static void sweep_prefixes(const char *name, const uint8_t *data, size_t n)
{
    struct sweep_stats ss = {0};
    size_t step = stride();
    for (size_t k = 0; k <= n; k += step) run_one(name, data, k, n, &ss);
    if (n % step) run_one(name, data, n, n, &ss);
    printf("%-44s %6zu bytes: %u prefixes, %u read cleanly, %u failed verification, "
           "%u input errors\n",
           name, n, ss.runs, ss.ok, ss.failed_verdict, ss.input_error);
    /* most prefixes cut a packet: they must be reported as input errors */
    CHECK(ss.input_error > ss.runs / 2);
}

static void sweep_file(const char *rel)
{
    size_t n;
    uint8_t *data = read_file(rel, &n);
    sweep_prefixes(rel, data, n);
    free(data);
}

/* gzip (RFC 1952) of data, made with zlib's gzip wrapper (windowBits 31). */
static uint8_t *gzip_of(const uint8_t *data, size_t n, size_t *outn)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    uLong cap = compressBound((uLong)n) + 64;
    uint8_t *out = malloc(cap);
    if (!out || deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(2);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) exit(2);
    *outn = z.total_out;
    deflateEnd(&z);
    return out;
}

static void sweep_gzip(const char *rel)
{
    size_t n, gn;
    uint8_t *data = read_file(rel, &n);
    uint8_t *gz = gzip_of(data, n, &gn);
    char name[256];
    snprintf(name, sizeof name, "%s (gzip)", rel);
    sweep_prefixes(name, gz, gn);
    free(gz);
    free(data);
}

/* Every byte of a small capture replaced by its complement, by 0x00 and by
 * 0xff in turn: a bad header field, a length, a flag anywhere. */
static void sweep_corruptions(const char *rel)
{
    size_t n;
    uint8_t *data = read_file(rel, &n);
    uint8_t *copy = malloc(n);
    struct sweep_stats ss = {0};
    static const int how[3] = {-1, 0x00, 0xff};
    const int nhow = SANITIZED && !getenv("TLSSCOPE_SWEEP_STRIDE") ? 1 : 3;
    for (size_t i = 0; i < n; i++) {
        for (int h = 0; h < nhow; h++) {
            memcpy(copy, data, n);
            uint8_t v = how[h] < 0 ? (uint8_t)~data[i] : (uint8_t)how[h];
            if (v == data[i]) continue;
            copy[i] = v;
            struct drive_result r;
            struct drive_opts o = {test_store(), (i & 1) != 0, true, NULL};
            int st = drive_capture_mem(copy, n, &o, &r);
            ss.runs++;
            bool bad = st < 0 || st > 2 || r.violation ||
                       (st == 2 && (!r.error[0] || strchr(r.error, '\n')));
            CHECK(!bad);
            if (bad)
                fprintf(stderr, "  %s, byte %zu set to 0x%02x: status %d, violation %s near "
                                "\"%s\", error \"%s\"\n",
                        rel, i, v, st, r.violation ? r.violation : "-", r.context, r.error);
        }
    }
    printf("%-44s %6zu bytes: %u single-byte corruptions checked\n", rel, n, ss.runs);
    free(copy);
    free(data);
}

/* The checker the sweeps rely on must itself refuse what it should. */
static void test_checker(void)
{
#define T(s, u) out_check_text((const uint8_t *)(s), sizeof(s) - 1, (u), NULL)
#define J(s) out_check_json((const uint8_t *)(s), sizeof(s) - 1, NULL)
    CHECK(T("plain text\n", true) == NULL);
    CHECK(T("caf\xc3\xa9", true) == NULL);
    CHECK(T("caf\xc3\xa9", false) != NULL);
    CHECK(T("a\x1b[2Jb", true) != NULL);
    CHECK(T("a\tb", true) != NULL);
    CHECK(T("\x9b", true) != NULL);
    CHECK(T("\xc2\x9b", true) != NULL);
    CHECK(T("\xe2\x80\xae", true) != NULL);
    CHECK(T("\xed\xa0\x80", true) != NULL); /* surrogate */
    CHECK(T("\xc0\xaf", true) != NULL);     /* overlong */
    CHECK(J("{\"a\":[1,-2.5e3,true,false,null,\"\\u001b\\ud83d\\udd12\"],\"b\":{}}") == NULL);
    CHECK(J("{\"a\":\"\x1b\"}") != NULL);
    CHECK(J("{\"a\":\"\xe2\x80\xae\"}") != NULL);
    CHECK(J("{\"a\":\"\xff\"}") != NULL);
    CHECK(J("{\"a\":\"\\ud800\"}") != NULL);
    CHECK(J("{\"a\":1} x") != NULL);
    CHECK(J("{\"a\":01}") != NULL);
    CHECK(J("{\"a\" 1}") != NULL);
    CHECK(J("[1,]") != NULL);
#undef T
#undef J
}

int main(void)
{
    test_checker();
    /* pcap (Ethernet, SLL, SLL2, IPv6, client certificates, resumption,
     * TLS 1.3), pcapng (the demo) and gzip */
    sweep_file("pcaps/tls12-rsa.pcap");
    sweep_file("pcaps/tls12-any-sll2.pcap");
    sweep_file("pcaps/tls12-ipv6.pcap");
    sweep_file("pcaps/tls12-client-cert.pcap");
    sweep_file("pcaps/tls13-resume-psk.pcap");
    sweep_file("pcaps/verdict-wildcard.pcap");
    sweep_file("pcaps/expressway.pcapng");
    sweep_file("tests/captures/snaplen96.pcap");
    sweep_gzip("pcaps/verdict-cucm-6972-ecdsa-self-signed.pcap");
    sweep_corruptions("pcaps/verdict-cucm-6972-ecdsa-self-signed.pcap");
    free_store();
    return check_summary();
}
