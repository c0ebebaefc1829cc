/* ja4.h — the JA4 TLS client fingerprint (FoxIO, BSD-3-Clause; the
 * algorithm of github.com/FoxIO-LLC/ja4 technical_details/JA4.md). Only JA4
 * itself: JA4S, JA4X and the other JA4+ methods are under another licence
 * and are not implemented.
 *
 * A function over the parsed ClientHello facts, so that any transport's
 * hello (TLS over TCP, DTLS, QUIC) gets the same treatment; the transport
 * is the first character.
 */
#ifndef TLSSCOPE_REPORT_JA4_H
#define TLSSCOPE_REPORT_JA4_H

#include <stdbool.h>

#include "common/sbuf.h"
#include "dissect/tls.h"

#define JA4_LEN 36 /* t13d1516h2_8daaf6152771_e5627efa2ab1 */

#define JA4_TCP 't'
#define JA4_DTLS 'd'
#define JA4_QUIC 'q'

/* JA4 of `ch` into ja4 (JA4_LEN + 1 bytes) and, when raw is not NULL, the
 * raw form JA4_r (sorted lists, not hashed) appended to it. Returns false,
 * writing nothing, when a list JA4 needs was cut by a TLS_MAX_* cap (the
 * fingerprint would be a different one: left out, as JA3 is). */
bool ja4_client(const struct tls_client_hello *ch, char transport, char ja4[JA4_LEN + 1],
                struct sbuf *raw);

/* The transport letter of a connection: QUIC, DTLS or TLS over TCP. */
char ja4_transport(const struct tls_conn *c);

#endif
