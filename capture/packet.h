/* packet.h — link layer → IP → TCP/UDP header decoding.
 *
 * Turns one captured frame into addresses, ports and a payload slice. Pure
 * function over borrowed bytes; no allocation. Encapsulations are peeled in a
 * bounded loop (never recursion): Ethernet, 802.1Q / 802.1ad (QinQ) VLAN tags,
 * Cisco MetaData (TrustSec SGT), VN-Tag, 802.1BR E-Tag, 802.1ah PBB, NSH,
 * PPPoE session, MPLS (with a pseudowire control word), Linux SLL and SLL2,
 * BSD NULL/LOOP, RAW/IPV4/IPV6, GRE with ERSPAN I/II/III, and the UDP
 * tunnels VXLAN, Geneve and GTP-U.
 *
 * Checksums are ignored on purpose: captures made on the sending host carry
 * offloaded (wrong) checksums. Segments larger than the MTU (TSO/GRO) are
 * normal and accepted.
 */
#ifndef TLSSCOPE_CAPTURE_PACKET_H
#define TLSSCOPE_CAPTURE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#define PKT_MAX_ENCAP 8 /* most nested headers peeled before giving up */

/* TCP flags (RFC 9293 §3.1). */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

enum pkt_kind {
    PKT_TCP = 1,        /* *out holds a TCP segment */
    PKT_UDP = 2,        /* *out holds a UDP datagram (seq/ack/flags zero) */
    PKT_SKIP = 0,       /* not IP, not TCP/UDP, fragment, ...: see counters */
};

struct pkt_info {
    uint8_t family;          /* 4 or 6 */
    uint8_t proto;           /* 6 TCP, 17 UDP */
    uint8_t src[16], dst[16];/* IPv4 in the first 4 bytes, rest zero */
    uint16_t sport, dport;
    uint32_t seq, ack;       /* TCP only */
    uint8_t tcp_flags;       /* TCPF_* */
    const uint8_t *payload;  /* captured payload bytes (borrowed) */
    uint32_t payload_caplen; /* bytes of payload present in the capture */
    uint32_t payload_len;    /* payload length per the IP header (>= caplen
                                when the frame was cut by snaplen) */
};

/* Why packets were skipped; summed over a whole run and shown in the summary. */
struct pkt_counters {
    uint64_t packets;        /* frames seen */
    uint64_t bytes;          /* captured bytes seen */
    uint64_t tcp;            /* TCP segments decoded */
    uint64_t udp;            /* UDP datagrams decoded */
    uint64_t non_ip;         /* ARP, LLDP, ... */
    uint64_t other_ip_proto; /* ICMP, ESP, ... */
    uint64_t ip_fragments;   /* not reassembled; counted */
    uint64_t truncated;      /* headers cut by snaplen / bogus lengths */
    uint64_t malformed;      /* impossible header values */
    uint64_t tunnels;        /* frames that were decapsulated at least once */
};

/* Decode one frame of link type `linktype` (DLT_*). Returns PKT_TCP, PKT_UDP
 * or PKT_SKIP, and bumps exactly one "why" counter in `ctr` for a skip. */
int pkt_decode(int linktype, const uint8_t *data, uint32_t caplen, struct pkt_info *out,
               struct pkt_counters *ctr);

/* True if pkt_decode knows this link type. */
bool pkt_linktype_supported(int linktype);

#endif
