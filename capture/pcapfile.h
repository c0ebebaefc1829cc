/* pcapfile.h — the fast path for plain pcap files (capture/ internal; only
 * source.c uses it).
 *
 * libpcap reads a savefile with two fread()s per packet, copying every byte
 * from stdio's buffer into its own; on a busy capture that costs more than
 * everything tlsscope does with the packet afterwards (bench/RESULTS.md). This
 * reader pread()s the file in 1 MiB blocks and hands out records in place.
 *
 * It reads only what it is sure libpcap would return unchanged: complete
 * records of a pcap 2.4 file whose captured length is within the snapshot
 * length and whose timestamp fields are below 2^31 (where signedness cannot
 * matter). Anything else — the end of the file, a truncated record, an
 * oversized length, a read error — is "hand over": the caller seeks
 * libpcap's stream to pcapfile_offset() and lets libpcap read the rest, so
 * errors, messages and odd files behave exactly as before.
 *
 * Ownership: the reader owns its buffer; the descriptor is borrowed (it is
 * libpcap's). A record's data is valid until the next pcapfile_next().
 */
#ifndef TLSSCOPE_CAPTURE_PCAPFILE_H
#define TLSSCOPE_CAPTURE_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPFILE_HDR_LEN 24u      /* struct pcap_file_header */
#define PCAPFILE_REC_HDR_LEN 16u  /* struct pcap_sf_pkthdr */
#define PCAPFILE_BLOCK (1u << 20) /* bytes per read */
#define PCAPFILE_MAX_SNAPSHOT (1u << 20)

struct pcapfile_rec {
    uint32_t sec;        /* < 2^31 */
    uint32_t frac;       /* < 2^31; microseconds or nanoseconds (pcapfile_info.nano) */
    uint32_t caplen, len;
    const uint8_t *data;
};

/* What the 24-byte file header says. */
struct pcapfile_info {
    bool swapped;        /* written in the other byte order */
    bool nano;           /* magic a1b23c4d: nanosecond timestamps */
};

/* Is `hdr` (the first PCAPFILE_HDR_LEN bytes of a file) a pcap 2.4 header
 * this reader handles? Fills *info. pcapng, other versions and the modified
 * formats (Kuznetzov, Navtel) return false and stay with libpcap. */
bool pcapfile_header_ok(const uint8_t *hdr, size_t n, struct pcapfile_info *info);

struct pcapfile;

/* Read from `fd` (a regular file) starting at `offset` (the first record).
 * `snapshot` is libpcap's snapshot length for the file (pcap_snapshot()):
 * longer records are handed over. Returns NULL when out of memory or when
 * snapshot > PCAPFILE_MAX_SNAPSHOT (then libpcap keeps reading). */
struct pcapfile *pcapfile_new(int fd, uint64_t offset, const struct pcapfile_info *info,
                              uint32_t snapshot);

#define PCAPFILE_RECORD 1
#define PCAPFILE_HANDOVER 0 /* libpcap reads on from pcapfile_offset() */

/* The next record, or PCAPFILE_HANDOVER (and every later call too). */
int pcapfile_next(struct pcapfile *pf, struct pcapfile_rec *rec);

/* File offset of the first record not returned yet. */
uint64_t pcapfile_offset(const struct pcapfile *pf);

void pcapfile_free(struct pcapfile *pf);

#endif
