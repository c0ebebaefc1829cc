#include "textout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void outf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->cap == 0 || o->len + 1 >= o->cap) return;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    o->len += (size_t)n;
    if (o->len >= o->cap) {
        /* cut: the text says so at its end rather than stopping mid-word
         * (a cap may make an answer incomplete, never silently different) */
        static const char mark[] = " [... cut: longer than tlsscope keeps]";
        if (o->cap > sizeof mark) memcpy(o->p + o->cap - sizeof mark, mark, sizeof mark);
        o->len = o->cap - 1;
    }
}
