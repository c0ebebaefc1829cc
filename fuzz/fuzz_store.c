/* libFuzzer target: loading a trust store file (PEM bundle, or DER) and
 * linting it — what `tlsscope store FILE` and --trust do with a file a
 * customer sent. The bytes are written to a memfd and loaded by path.
 * Seeds: the PEM files of pcaps/ and tests/fixtures/.
 * Checks: no crash or leak; a failed load has a one-line message; every
 * lint message, escaped, is safe for a terminal. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/escape.h"
#include "fuzz/check_output.h"
#include "trust/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_lint(void *arg, const struct store_lint *item)
{
    struct sbuf sb;
    (void)arg;
    sbuf_init(&sb, 0);
    esc_text_str(&sb, item->message, true);
    if (out_check_text((const uint8_t *)sbuf_str(&sb), sb.len, true, NULL)) abort();
    sbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    char path[64], err[512];
    struct trust_store st;
    if (fd < 0) fd = memfd_create("tlsscope-store", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 0) != 0) return 0;
    if (size && pwrite(fd, data, size, 0) != (ssize_t)size) return 0;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    store_init(&st);
    err[0] = '\0';
    if (store_load(&st, path, err, sizeof err) != 0) {
        if (!err[0] || strchr(err, '\n')) abort();
    } else {
        (void)store_lint(&st, 1700000000, on_lint, NULL);
    }
    store_free(&st);
    return 0;
}
