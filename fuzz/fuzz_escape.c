/* libFuzzer target: common/escape.c, the last line of defence between
 * bytes from the wire and a terminal or a JSON consumer.
 * Checks: the text form (UTF-8 and ASCII locales) passes check_output.h's
 * terminal rules, and so does a table cell of any width; the JSON form is
 * one valid JSON string without raw control, C1 or bidi code points, and
 * for valid UTF-8 input it decodes back to exactly the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "fuzz/check_output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    (void)what;
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbuf sb;
    for (int utf8 = 0; utf8 < 2; utf8++) {
        sbuf_init(&sb, 0);
        esc_text(&sb, data, size, utf8);
        if (out_check_text((const uint8_t *)sbuf_str(&sb), sb.len, utf8, NULL)) fail("text");
        if (memchr(sbuf_str(&sb), '\n', sb.len)) fail("newline in escaped text");
        sbuf_free(&sb);
        char cell[64];
        size_t w = size ? 1 + data[0] % sizeof cell : sizeof cell;
        esc_text_buf(cell, w, data, size, utf8);
        if (strlen(cell) >= w) fail("cell overflow");
        if (out_check_text((const uint8_t *)cell, strlen(cell), utf8, NULL)) fail("cell");
    }
    sbuf_init(&sb, 0);
    esc_json(&sb, data, size);
    if (out_check_json((const uint8_t *)sbuf_str(&sb), sb.len, NULL)) fail("json");
    /* round trip for clean input */
    bool clean = true;
    for (size_t i = 0; i < size && clean;) {
        uint32_t cp;
        size_t l = oc_utf8(data + i, size - i, &cp);
        if (l == 0) clean = false;
        i += l ? l : 1;
    }
    if (clean) {
        uint8_t *back = malloc(size + 1);
        size_t blen = 0;
        if (!back) abort();
        if (out_json_string_decode((const uint8_t *)sbuf_str(&sb), sb.len, back, size + 1, &blen) ||
            blen != size || memcmp(back, data, size) != 0)
            fail("json round trip");
        free(back);
    }
    sbuf_free(&sb);
    return 0;
}
