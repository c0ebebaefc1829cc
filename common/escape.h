/* escape.h — making bytes from the wire safe to show.
 *
 * SNI, ALPN and certificate fields are attacker-controlled. Sent raw to a
 * terminal they can move the cursor, retitle the window or worse; dropped raw
 * into JSON they break the document. Every string that came from a capture or
 * a certificate goes through one of these before it is written anywhere.
 *
 * Text form: printable ASCII as is; valid UTF-8 sequences as is when `utf8`
 * is true (a UTF-8 locale) except C1 controls and bidirectional overrides;
 * everything else as \xNN; a backslash as \\.
 * JSON form (RFC 8259 §7): quote, backslash and control characters escaped;
 * valid UTF-8 kept, except the code points the text form refuses (C1
 * controls, bidi overrides/isolates/marks, U+2028/U+2029, U+FEFF), which
 * are written as \uXXXX: they decode to themselves, but no JSON consumer
 * that prints a value raw hands them to a terminal. A byte that is not
 * valid UTF-8 becomes the JSON text \\xNN, i.e. the four characters \xNN
 * in the decoded string, so the document stays valid UTF-8 and the byte's
 * value stays visible. (A value that really contains the four characters
 * \xNN decodes the same way; the text form, which doubles backslashes, is
 * unambiguous.)
 *
 * Table cells (esc_text_buf) are cut at whole escapes and whole characters.
 */
#ifndef TLSSCOPE_COMMON_ESCAPE_H
#define TLSSCOPE_COMMON_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/* Append the escaped text form of p[0..n) to sb. */
void esc_text(struct sbuf *sb, const void *p, size_t n, bool utf8);
/* Same, for a NUL-terminated string. */
void esc_text_str(struct sbuf *sb, const char *s, bool utf8);

/* Escape into a fixed buffer (truncating with "..." when it does not fit);
 * returns out. For table cells. */
const char *esc_text_buf(char *out, size_t outlen, const void *p, size_t n, bool utf8);

/* Append a JSON string literal (with the quotes) for p[0..n). */
void esc_json(struct sbuf *sb, const void *p, size_t n);
void esc_json_str(struct sbuf *sb, const char *s);

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid/truncated.
 * Rejects overlongs, surrogates and values above U+10FFFF (RFC 3629 §4). */
size_t utf8_seq_len(const uint8_t *p, size_t n, uint32_t *cp);

#endif
