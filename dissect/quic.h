/* quic.h — QUIC v1 and v2 (RFC 9000, RFC 9001, RFC 9369) over UDP: the TLS
 * handshake inside Initial and Handshake packets, into the same struct
 * tls_conn as TCP and DTLS (is_quic).
 *
 * Initial packets are protected with keys anyone can derive from the client's
 * Destination Connection ID (RFC 9001 §5.2, salts of each version), so every
 * QUIC connection shows its ClientHello and ServerHello without keys. The
 * Handshake packets (EncryptedExtensions, Certificate, ...) need the
 * handshake traffic secrets of a key log, as for TLS 1.3 over TCP
 * (tls_conn_set_keylog). Header protection is removed (§5.4), packet numbers
 * recovered (RFC 9000 §A.3), CRYPTO frames reassembled by offset across
 * packets and coalesced packets (RFC 9000 §12.2), and the bytes go to the
 * same handshake message reassembler as TLS records' (record.c). Retry
 * (§17.2.5: the client's next Initial uses new keys) and Version Negotiation
 * (§17.2.1) are noted. 0-RTT and 1-RTT packets are only counted.
 *
 * Caps: QUIC_MAX_CRYPTO bytes of CRYPTO data per level and direction (a
 * ClientHello with a big post-quantum key share is ~2 KB; a certificate
 * chain rarely passes 16 KB); beyond it a TLS_EV_CAP event and the messages
 * there are lost. QUIC_PROBE_DATAGRAMS datagrams to find an Initial that
 * decrypts, else the association is not QUIC.
 *
 * Ownership: quic_conn_new() allocates a tls_conn; free it with
 * tls_conn_free, close it with tls_conn_close like any other.
 */
#ifndef TLSSCOPE_DISSECT_QUIC_H
#define TLSSCOPE_DISSECT_QUIC_H

#include <stdbool.h>
#include <stdint.h>

#include "tls.h"

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_MAX_CRYPTO (64u * 1024u)
#define QUIC_PROBE_DATAGRAMS 16

/* Cheap test for a UDP payload without an association: a long-header
 * Initial packet of QUIC v1 or v2 from a client (RFC 9000 §14.1: in a
 * datagram of at least 1200 bytes). */
bool quic_datagram_plausible(const uint8_t *p, uint32_t caplen, uint32_t len);

/* A new QUIC association; direction A sent the first datagram (the client's
 * Initial). NULL on allocation failure. */
struct tls_conn *quic_conn_new(const struct flow_meta *meta);

/* One datagram: FLOW_CONTINUE, or FLOW_COUNT_ONLY once nothing more is
 * wanted (not QUIC, or the parser was released). */
int quic_conn_datagram(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t caplen,
                       uint32_t len, int64_t ts_ns);

/* RFC 9001 §5.2 / RFC 9369 §3.3.1: the client's or server's Initial secret
 * (32 bytes) for a version and Destination Connection ID. 0, or -1 for an
 * unknown version. Exposed for the RFC 9001 Appendix A test. */
int quic_initial_secret(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                        uint8_t out[32]);

/* Remove the protection of one long-header packet at p (the datagram from
 * there on, n bytes) with the given keys and the largest packet number seen
 * so far in its space (-1: none): RFC 9001 §5.4 and §5.3. On success the
 * payload is in out (*out_len bytes), *pn the full packet number and
 * *packet_len the bytes the packet took. Returns 0, -1 (not decryptable:
 * format) or -2 (AEAD tag mismatch). Exposed for tests and the probe. */
struct tls13_traffic;
int quic_open_long_packet(const uint8_t *p, size_t n, uint16_t suite, struct tls13_traffic *aead,
                          const uint8_t *hp, size_t hp_len, int64_t largest_pn, uint8_t *out,
                          size_t *out_len, uint64_t *pn, size_t *packet_len);

#endif
