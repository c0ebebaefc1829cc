#include "textout.h"

#include <stdarg.h>
#include <stdio.h>

void outf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->cap == 0 || o->len + 1 >= o->cap) return;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    o->len += (size_t)n;
    if (o->len >= o->cap) o->len = o->cap - 1;
}
