/* pcapfile.c — plain pcap records straight from 1 MiB pread() blocks (see
 * pcapfile.h for what is handled here and what is handed back to libpcap).
 *
 * File format: tcpdump.org pcap-savefile(5) / draft-ietf-opsawg-pcap: a
 * 24-byte header (magic, version 2.4, ...), then records of a 16-byte header
 * (ts_sec, ts_frac, caplen, len, in the writer's byte order) and caplen
 * bytes of packet data.
 *
 * The buffer holds one block plus room for the one partial record carried
 * over from the previous block, so a record up to the snapshot length always
 * fits contiguously and no record is ever copied twice.
 */
#include "capture/pcapfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du

struct pcapfile {
    int fd;
    uint8_t *buf;
    size_t cap;
    size_t pos, have;    /* buf[pos, have) not returned yet */
    uint64_t buf_off;    /* file offset of buf[0] */
    bool swapped;
    bool eof;            /* the last pread returned 0 */
    bool handed_over;
    uint32_t snapshot;
};

static uint32_t get32(const uint8_t *p, bool swapped)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swapped)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return swapped ? __builtin_bswap16(v) : v;
}

bool pcapfile_header_ok(const uint8_t *hdr, size_t n, struct pcapfile_info *info)
{
    if (n < PCAPFILE_HDR_LEN) return false;
    uint32_t magic = get32(hdr, false);
    bool swapped;
    if (magic == MAGIC_US || magic == MAGIC_NS) swapped = false;
    else if (magic == __builtin_bswap32(MAGIC_US) || magic == __builtin_bswap32(MAGIC_NS))
        swapped = true;
    else
        return false;
    /* 2.4 only: older minor versions may have caplen and len swapped, which
     * libpcap repairs (lengths_swapped) */
    if (get16(hdr + 4, swapped) != 2 || get16(hdr + 6, swapped) != 4) return false;
    info->swapped = swapped;
    info->nano = get32(hdr, swapped) == MAGIC_NS;
    return true;
}

struct pcapfile *pcapfile_new(int fd, uint64_t offset, const struct pcapfile_info *info,
                              uint32_t snapshot)
{
    if (snapshot == 0 || snapshot > PCAPFILE_MAX_SNAPSHOT) return NULL;
    struct pcapfile *pf = calloc(1, sizeof(*pf));
    if (!pf) return NULL;
    pf->cap = PCAPFILE_BLOCK + PCAPFILE_REC_HDR_LEN + snapshot;
    pf->buf = malloc(pf->cap);
    if (!pf->buf) {
        free(pf);
        return NULL;
    }
    pf->fd = fd;
    pf->buf_off = offset;
    pf->swapped = info->swapped;
    pf->snapshot = snapshot;
    return pf;
}

/* Move the unread tail to the front and read one more block behind it.
 * Returns false at end of file or on an error (libpcap will meet the same
 * error and report it). */
static bool refill(struct pcapfile *pf)
{
    size_t left = pf->have - pf->pos;
    if (pf->pos) {
        memmove(pf->buf, pf->buf + pf->pos, left);
        pf->buf_off += pf->pos;
        pf->pos = 0;
        pf->have = left;
    }
    size_t room = pf->cap - pf->have; /* >= PCAPFILE_BLOCK: left < one record */
    if (room > PCAPFILE_BLOCK) room = PCAPFILE_BLOCK;
    ssize_t got;
    do {
        got = pread(pf->fd, pf->buf + pf->have, room, (off_t)(pf->buf_off + pf->have));
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
        pf->eof = true;
        return false;
    }
    pf->have += (size_t)got;
    return true;
}

int pcapfile_next(struct pcapfile *pf, struct pcapfile_rec *rec)
{
    if (pf->handed_over) return PCAPFILE_HANDOVER;
    for (;;) {
        size_t avail = pf->have - pf->pos;
        if (avail >= PCAPFILE_REC_HDR_LEN) {
            const uint8_t *h = pf->buf + pf->pos;
            uint32_t sec = get32(h, pf->swapped), frac = get32(h + 4, pf->swapped);
            uint32_t caplen = get32(h + 8, pf->swapped), len = get32(h + 12, pf->swapped);
            /* libpcap's own checks and adjustments apply to these */
            if (caplen > pf->snapshot || sec >= 0x80000000u || frac >= 0x80000000u) break;
            if (avail - PCAPFILE_REC_HDR_LEN >= caplen) {
                rec->sec = sec;
                rec->frac = frac;
                rec->caplen = caplen;
                rec->len = len;
                rec->data = h + PCAPFILE_REC_HDR_LEN;
                pf->pos += PCAPFILE_REC_HDR_LEN + caplen;
                return PCAPFILE_RECORD;
            }
        }
        if (pf->eof || !refill(pf)) break; /* end, or a record cut short */
    }
    pf->handed_over = true;
    return PCAPFILE_HANDOVER;
}

uint64_t pcapfile_offset(const struct pcapfile *pf) { return pf->buf_off + pf->pos; }

void pcapfile_free(struct pcapfile *pf)
{
    if (!pf) return;
    free(pf->buf);
    free(pf);
}
