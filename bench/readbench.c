/* readbench.c — how should tlsscope read a plain pcap file? Four ways of
 * visiting every packet record (header + first/last byte, like pcapfloor),
 * timed on the same file, for bench/RESULTS.md:
 *
 *   libpcap   pcap_next_ex (fread of header and data per packet, into
 *             libpcap's buffer)
 *   read      read() of 1 MiB blocks into one buffer, records parsed in place
 *   mmap      the whole file mapped, MADV_SEQUENTIAL
 *   mmapwin   16 MiB windows mapped with MAP_POPULATE and unmapped behind
 *             (bounded RSS)
 *
 *   cc -O2 -o readbench readbench.c -lpcap
 *   readbench METHOD FILE       prints "packets bytes checksum"
 *
 * Plain pcap only (magic a1b2c3d4 / a1b23c4d, native byte order); this is a
 * measuring tool, not a reader for hostile files.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct rec {
    uint32_t sec, frac, caplen, len;
};

static uint64_t n, bytes, sum;

static void visit(const struct rec *h, const uint8_t *d)
{
    n++;
    bytes += h->caplen;
    if (h->caplen) sum += (uint64_t)d[0] + d[h->caplen - 1] + h->frac / 1000;
}

static int by_libpcap(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) return fprintf(stderr, "%s\n", err), 1;
    struct pcap_pkthdr *h;
    const u_char *d;
    while (pcap_next_ex(p, &h, &d) == 1) {
        struct rec r = {(uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, h->caplen, h->len};
        visit(&r, d);
    }
    pcap_close(p);
    return 0;
}

static int by_read(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return perror(path), 1;
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    size_t cap = 1u << 20, have = 0, pos = 0;
    uint8_t *buf = malloc(cap + 262144 + 16);
    ssize_t r;
    bool hdr = false;
    for (;;) {
        /* keep the unparsed tail, refill behind it */
        memmove(buf, buf + pos, have - pos);
        have -= pos;
        pos = 0;
        r = read(fd, buf + have, cap);
        if (r < 0) return perror("read"), 1;
        if (r == 0) break;
        have += (size_t)r;
        if (!hdr) {
            if (have < 24) continue;
            pos = 24;
            hdr = true;
        }
        while (have - pos >= 16) {
            struct rec h;
            memcpy(&h, buf + pos, 16);
            if (h.caplen > 262144) return fprintf(stderr, "bad caplen\n"), 1;
            if (have - pos - 16 < h.caplen) break;
            visit(&h, buf + pos + 16);
            pos += 16 + h.caplen;
        }
    }
    close(fd);
    free(buf);
    return 0;
}

static int by_mmap(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return perror(path), 1;
    struct stat st;
    fstat(fd, &st);
    size_t size = (size_t)st.st_size;
    const uint8_t *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) return perror("mmap"), 1;
    madvise((void *)m, size, MADV_SEQUENTIAL);
    size_t pos = 24;
    while (size - pos >= 16) {
        struct rec h;
        memcpy(&h, m + pos, 16);
        if (size - pos - 16 < h.caplen) break;
        visit(&h, m + pos + 16);
        pos += 16 + h.caplen;
    }
    munmap((void *)m, size);
    close(fd);
    return 0;
}

#define WIN (16u << 20)

static int by_mmapwin(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return perror(path), 1;
    struct stat st;
    fstat(fd, &st);
    uint64_t size = (uint64_t)st.st_size, pos = 24;
    uint8_t *tmp = malloc(262144 + 16);
    while (size - pos >= 16) {
        uint64_t base = pos & ~(uint64_t)4095;
        size_t len = size - base < WIN ? (size_t)(size - base) : WIN;
        const uint8_t *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, (off_t)base);
        if (m == MAP_FAILED) return perror("mmap"), 1;
        uint64_t end = base + len;
        while (end - pos >= 16) {
            struct rec h;
            memcpy(&h, m + (pos - base), 16);
            if (end - pos - 16 < h.caplen) break;
            visit(&h, m + (pos - base) + 16);
            pos += 16 + h.caplen;
        }
        munmap((void *)m, len);
        if (end == size) break;
        (void)tmp;
    }
    free(tmp);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: readbench libpcap|read|mmap|mmapwin FILE\n");
        return 2;
    }
    int rc;
    if (!strcmp(argv[1], "libpcap")) rc = by_libpcap(argv[2]);
    else if (!strcmp(argv[1], "read")) rc = by_read(argv[2]);
    else if (!strcmp(argv[1], "mmap")) rc = by_mmap(argv[2]);
    else if (!strcmp(argv[1], "mmapwin")) rc = by_mmapwin(argv[2]);
    else return 2;
    printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", n, bytes, sum);
    return rc;
}
