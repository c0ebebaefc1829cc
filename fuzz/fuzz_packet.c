/* libFuzzer target: pkt_decode (link layer → IP → TCP/UDP, tunnels) over
 * one frame. Byte 0 picks the link type; the rest is the frame.
 * Checks: the payload slice lies inside the frame, caplen <= len, exactly
 * one counter moved for a skipped frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* EN10MB, NULL, LOOP, RAW (Linux 12, OpenBSD 14, LINKTYPE 101), IPV4, IPV6,
     * LINUX_SLL, LINUX_SLL2 */
    static const int types[] = {1, 0, 108, 12, 14, 101, 228, 229, 113, 276};
    struct pkt_info info;
    struct pkt_counters ctr;
    if (size < 1) return 0;
    int lt = types[data[0] % (sizeof types / sizeof types[0])];
    if (!pkt_linktype_supported(lt)) return 0;
    memset(&ctr, 0, sizeof ctr);
    const uint8_t *frame = data + 1;
    uint32_t caplen = (uint32_t)(size - 1);
    int kind = pkt_decode(lt, frame, caplen, &info, &ctr);
    if (kind == PKT_TCP || kind == PKT_UDP) {
        if (info.payload_caplen > info.payload_len) abort();
        if (info.payload_caplen &&
            (info.payload < frame || info.payload + info.payload_caplen > frame + caplen))
            abort();
        if (info.family != 4 && info.family != 6) abort();
    } else {
        uint64_t why = ctr.non_ip + ctr.other_ip_proto + ctr.ip_fragments + ctr.truncated +
                       ctr.malformed;
        if (why != 1) abort();
    }
    return 0;
}
