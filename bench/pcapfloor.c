/* pcapfloor.c — the floor for bench/run.sh: a bare libpcap loop that reads
 * every packet of a capture and does nothing with it except touch its first
 * and last captured byte (so the data is really in cache, as a dissector's
 * would be). tlsscope cannot be faster than this while it reads through
 * libpcap; how close it gets is the measure of its own per-packet cost.
 *
 *   cc -O2 -o pcapfloor pcapfloor.c -lpcap
 *   pcapfloor FILE        prints "packets bytes checksum"
 *
 * Opened with nanosecond precision like tlsscope's capture/source.c, so both
 * take the same path through libpcap.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: pcapfloor FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fprintf(stderr, "pcapfloor: %s\n", err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        n++;
        bytes += h->caplen;
        if (h->caplen) sum += (uint64_t)d[0] + d[h->caplen - 1] + (uint64_t)h->ts.tv_usec;
    }
    if (rc != PCAP_ERROR_BREAK) {
        fprintf(stderr, "pcapfloor: %s\n", pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", n, bytes, sum);
    pcap_close(p);
    return 0;
}
