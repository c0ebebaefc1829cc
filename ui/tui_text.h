/* tui_text.h — terminal text for the browser without curses: display width,
 * cutting at character boundaries, wrapping, making escaped strings safe for
 * curses, and laying out table columns for a given width.
 *
 * Widths follow the C library's wcwidth() in the current locale (the one
 * curses uses): in a UTF-8 locale "例" takes two columns, a combining mark
 * none. Strings handed in are already escaped (common/escape.h), so they are
 * ASCII in a non-UTF-8 locale and valid UTF-8 otherwise.
 */
#ifndef TLSSCOPE_UI_TUI_TEXT_H
#define TLSSCOPE_UI_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/sbuf.h"

/* Columns s[0..n) takes on the terminal. */
int tui_text_width_n(const char *s, size_t n);
int tui_text_width(const char *s);

/* Bytes of the longest prefix of s that fits in `cols` columns, never
 * splitting a character; *used (if not NULL) gets its width. */
size_t tui_text_fit(const char *s, int cols, int *used);

/* Append s[0..n) to out with every character curses could not show as one
 * cell (wcwidth < 0: unassigned, non-characters) and every zero-width
 * character that has nothing to combine with (at the start) written as
 * \xNN escapes of its bytes, like common/escape.h does for the rest. */
void tui_text_clean(struct sbuf *out, const char *s, size_t n);

/* esc_text() of raw bytes from a capture or certificate, then tui_text_clean. */
void tui_esc(struct sbuf *out, const void *p, size_t n, bool utf8);
void tui_esc_str(struct sbuf *out, const char *s, bool utf8);

/* Word-wrap s into lines of at most `width` columns: breaks after spaces,
 * cuts a word longer than a line at a character boundary, and starts a new
 * line at '\n'. Calls line(ctx, start, len) for each line (without the
 * break). Returns the number of lines. */
size_t tui_text_wrap(const char *s, int width, void (*line)(void *ctx, const char *p, size_t len),
                     void *ctx);

/* ---- table columns ---- */
struct tui_col {
    int min;       /* narrowest useful width */
    int want;      /* width that shows the usual content whole */
    int max;       /* widest it may grow; 0 = takes what is left */
    int keep;      /* importance of showing the column at all */
    int keep_want; /* importance of growing it from min to want (0 = keep) */
};

/* Widths for n (<= 64) columns in `width` terminal columns with `gap`
 * columns between neighbours. Each column makes two claims, its minimum
 * (at priority `keep`) and its growth to `want` (at `keep_want`); claims
 * are granted highest priority first while there is room, and a column
 * whose minimum does not fit is hidden (width 0). Then columns grow to
 * `max` (highest keep first) and what is left goes to the columns with
 * max == 0. So a verdict column with keep 100, keep_want 90 is always
 * there, and gets its full width only after the server columns. Returns
 * the number of visible columns. */
int tui_layout(const struct tui_col *cols, int n, int width, int gap, int *w);

#endif
