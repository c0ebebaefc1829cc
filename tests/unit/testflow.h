/* testflow.h — the flow a dissector test feeds by hand (test_keylog,
 * test_quic, and the fuzz targets fuzz_tls13_decrypt and fuzz_quic_datagram):
 * IPv4, flow 1, client port `client_port` (direction A) to 443
 * (direction B); the addresses stay zero (the tests read what the bytes say,
 * not where they came from). */
#ifndef TLSSCOPE_TESTS_TESTFLOW_H
#define TLSSCOPE_TESTS_TESTFLOW_H

#include <string.h>

#include "capture/flow.h"

static inline struct flow_meta testflow_meta(uint16_t client_port)
{
    struct flow_meta m;
    memset(&m, 0, sizeof m);
    m.id = 1;
    m.family = 4;
    m.port[FLOW_DIR_A] = client_port;
    m.port[FLOW_DIR_B] = 443;
    return m;
}

#endif
