/* dtls.h — DTLS (TLS over UDP): the same handshake facts as tls.h, learned
 * from whole datagrams.
 *
 * A DTLS association is a struct tls_conn with is_dtls set; everything the
 * report and the verdict read (hellos, certificates, alerts, resumption,
 * chain_final, handshake_complete) means what it means for TLS. The DTLS-only
 * facts are in tls_conn.dtls.
 *
 * What differs from TLS over TCP, and how it is handled:
 *   - Datagram boundaries matter: each datagram holds whole records (RFC 6347
 *     §4.1.1), possibly several; records carry an epoch and a 48-bit sequence
 *     number. Epoch 0 is plaintext; a record with epoch > 0 is ciphertext and
 *     only counted. DTLS 1.3 ciphertext uses the unified header (RFC 9147 §4:
 *     first bits 001, flags C/S/L, epoch low bits), also only counted; its
 *     epoch bits tell encrypted handshake (2) from application data (3, 0).
 *   - Handshake messages carry message_seq, fragment_offset and
 *     fragment_length (RFC 6347 §4.2.2): fragments are reassembled per message,
 *     in any order, with overlaps compared (different bytes: an event, the
 *     first copy wins); retransmissions of a message already delivered are
 *     counted and dropped; complete messages are handed on in message_seq
 *     order while a lower message is still incomplete.
 *   - The cookie exchange (HelloVerifyRequest, RFC 6347 §4.2.1) repeats the
 *     ClientHello with a cookie: one connection, the first ClientHello's facts
 *     are kept, the second is counted.
 *   - A datagram whose first byte is outside 20..63 is not DTLS (RFC 7983 §7
 *     demultiplexing of STUN, ZRTP, TURN channels, RTP/RTCP on WebRTC flows):
 *     it is counted and skipped.
 *   - "Offsets" in events are virtual: UDP payload bytes seen in that direction
 *     before the record.
 *
 * Memory: reassembly keeps only bytes received (disjoint pieces, at most
 * DTLS_MAX_PIECES per message, DTLS_MAX_INFLIGHT messages and
 * DTLS_MAX_HELD_BYTES per direction), and optionally a budget shared by all
 * associations (struct dtls_budget). A cap that bites loses that message with
 * a TLS_EV_CAP event, like an oversized TLS message.
 *
 * Ownership: dtls_conn_new() allocates a tls_conn (free with tls_conn_free,
 * close with tls_conn_close like a TCP one). The budget belongs to the caller
 * and must outlive the connections that use it.
 */
#ifndef TLSSCOPE_DISSECT_DTLS_H
#define TLSSCOPE_DISSECT_DTLS_H

#include <stdbool.h>
#include <stdint.h>

#include "tls.h"

#define DTLS_RECORD_HDR 13           /* RFC 6347 §4.1: type, version, epoch, seq48, length */
#define DTLS_HS_HDR 12               /* RFC 6347 §4.2.2 */
#define DTLS_MAX_INFLIGHT 8          /* handshake messages reassembled at once per direction */
#define DTLS_MAX_PIECES 64           /* disjoint fragments held per message */
#define DTLS_MAX_HELD_BYTES (TLS_MAX_HANDSHAKE_MSG + 64u * 1024u) /* per direction */
#define DTLS_PROBE_DATAGRAMS 16      /* datagrams to find a handshake (or a record stream) in */

/* Reassembly memory shared by many associations (the pipeline owns one). */
struct dtls_budget {
    uint64_t max_bytes;              /* 0 = no shared limit */
    uint64_t held;                   /* fragment bytes held now, all associations */
    uint64_t peak;
    uint64_t refused;                /* fragment bytes not kept because of max_bytes */
};

/* Cheap test for a UDP payload without an association: does it start with a
 * plausible DTLS record (content type 20..26, a DTLS version, a length that
 * fits the datagram) and do its records fill the datagram exactly? `caplen`
 * bytes are present of `len` on the wire (snaplen). Only such a datagram
 * should make an association: DNS, QUIC, RTP and the like cost nothing. */
bool dtls_datagram_plausible(const uint8_t *p, uint32_t caplen, uint32_t len);

/* A new DTLS association (meta from the UDP table: direction A sent the first
 * datagram). `budget` may be NULL. NULL on allocation failure. */
struct tls_conn *dtls_conn_new(const struct flow_meta *meta, struct dtls_budget *budget);

/* One datagram in direction `dir`: `caplen` bytes present of `len` on the
 * wire. Returns FLOW_CONTINUE, or FLOW_COUNT_ONLY once the association is not
 * DTLS (no handshake or record stream within DTLS_PROBE_DATAGRAMS datagrams)
 * or the parser was released. After the handshake only record headers are
 * read (counts, alerts), as for TLS. */
int dtls_conn_datagram(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t caplen,
                       uint32_t len, int64_t ts_ns);

#endif
