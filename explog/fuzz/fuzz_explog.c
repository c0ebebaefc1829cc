/* libFuzzer target: the Expressway log parser over arbitrary text, fed in
 * two chunks split at the first byte's value (so line assembly across
 * feeds is exercised), then grouped. Seed it with the logs in tests/bundles.
 * Built only with -DTLSSCOPE_FUZZ=ON (clang). */
#include <stddef.h>
#include <stdint.h>

#include "explog/explog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct explog_limits lim;
    explog_limits_default(&lim);
    lim.max_records = 512; /* keep runs fast; the caps are part of the test */
    lim.max_text = 1u << 20;
    struct explog *lg = explog_new(&lim);
    if (!lg) return 0;
    size_t cut = size ? data[0] % (size + 1) : 0;
    explog_begin_file(lg, "fuzz");
    explog_feed(lg, data, cut);
    explog_feed(lg, data + cut, size - cut);
    explog_end_file(lg);
    explog_finish(lg);
    /* touch what the front ends read */
    for (size_t i = 0; i < explog_n_failures(lg); i++) {
        const struct explog_failure *f = explog_failure(lg, i);
        if (f->txn >= 0) (void)explog_txn(lg, (size_t)f->txn)->user[0];
    }
    uint8_t out[64];
    char buf[128];
    struct explog_route r;
    explog_b64url_decode((const char *)data, size < 80 ? size : 80, out, sizeof(out));
    explog_route_decode((const char *)data, size < 100 ? size : 100, buf, sizeof(buf), &r);
    explog_free(lg);
    return 0;
}
