/* testconn.h — a judged-looking tls_conn for trust/ tests: client
 * 10.48.36.100 to the CUCM of the source document, 10.48.36.215:6972, TLS
 * 1.2 with the given suite, the chain final; `sni` NULL for none. The caller
 * frees it with free() (no parser, no certificate copies). */
#ifndef TLSSCOPE_TESTS_TESTCONN_H
#define TLSSCOPE_TESTS_TESTCONN_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/tls.h"

static inline struct tls_conn *testconn_new(const char *sni, uint16_t cipher)
{
    struct tls_conn *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->flow_id = 42;
    c->family = 4;
    inet_pton(AF_INET, "10.48.36.215", c->server_ip);
    inet_pton(AF_INET, "10.48.36.100", c->client_ip);
    c->server_port = 6972;
    c->is_tls = true;
    c->ch.present = true;
    if (sni) {
        c->ch.has_sni = true;
        c->ch.sni_len = c->ch.sni_total = (uint16_t)strlen(sni);
        memcpy(c->ch.sni, sni, strlen(sni));
    }
    c->sh.present = true;
    c->sh.legacy_version = TLS_V_12;
    c->sh.cipher = cipher;
    c->chain_final = true;
    return c;
}

#endif
