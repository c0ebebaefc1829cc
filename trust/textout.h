/* textout.h — appending formatted text to a fixed buffer, for the reason,
 * log line and advice strings of a verdict (struct verdict holds them
 * inline). Output that does not fit is cut, and then ends in a mark saying
 * so; the buffer stays NUL-terminated. */
#ifndef TLSSCOPE_TRUST_TEXTOUT_H
#define TLSSCOPE_TRUST_TEXTOUT_H

#include <stddef.h>

struct out {
    char *p;      /* the buffer (borrowed) */
    size_t cap;   /* its size */
    size_t len;   /* bytes written so far */
};

void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
