/* libFuzzer target: the whole program from the bytes of a capture file —
 * pcap, pcapng or gzip, read by libpcap from a memfd — through decoding,
 * reassembly, the dissector, the trust store verdicts and all the reports
 * (fuzz/drive_capture.h). Seeds: pcaps/ and tests/corpus/ captures.
 * Checks: no crash, hang or leak; the exit status is 0, 1 or 2 and a bad
 * input has a one-line message; every text row, details block, summary
 * and JSON line passes check_output.h (UTF-8 and ASCII locales
 * alternate). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/drive_capture.h"

#ifndef TLSSCOPE_SOURCE_DIR
#define TLSSCOPE_SOURCE_DIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct trust_store *store(void)
{
    static struct trust_store st;
    static int loaded;
    if (!loaded) {
        char path[1024], err[512];
        loaded = 1;
        store_init(&st);
        snprintf(path, sizeof path, "%s/pcaps/test-store.pem", TLSSCOPE_SOURCE_DIR);
        if (store_load(&st, path, err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_capture: %s\n", err);
            abort();
        }
    }
    return &st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct drive_result r;
    struct flow_limits lim;
    flow_limits_default(&lim);
    lim.max_flows = 16; /* reach eviction with small inputs */
    lim.max_data_flows = 8;
    struct drive_opts o = {store(), size & 1, true, &lim};
    int st = drive_capture_mem(data, size, &o, &r);
    if (st < 0) return 0; /* no memfd: nothing tested */
    if (st > 2 || r.violation) {
        fprintf(stderr, "fuzz_capture: status %d: %s near \"%s\" (error \"%s\")\n", st,
                r.violation ? r.violation : "-", r.context, r.error);
        abort();
    }
    return 0;
}
