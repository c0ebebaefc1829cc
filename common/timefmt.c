#include "timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days: exact for the whole
 * proleptic Gregorian calendar, no libc time zone involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int64_t time_from_civil(int y, unsigned m, unsigned d, unsigned hh, unsigned mm, unsigned ss)
{
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* v in exactly `width` decimal digits, zero-padded (v < 10^width). */
static void put_digits(char *out, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

static const char *format_utc(int64_t secs, int64_t ns, int frac, char buf[TIMEFMT_LEN])
{
    int64_t days = floor_div(secs, 86400);
    int64_t sod = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int n;
    if (y >= 0 && y <= 9999) {
        /* what the snprintf below writes, digit by digit: every JSON
         * line has a few of these (report/report_json.c) */
        put_digits(buf, (unsigned)y, 4);
        buf[4] = '-';
        put_digits(buf + 5, m, 2);
        buf[7] = '-';
        put_digits(buf + 8, d, 2);
        buf[10] = 'T';
        put_digits(buf + 11, (unsigned)(sod / 3600), 2);
        buf[13] = ':';
        put_digits(buf + 14, (unsigned)(sod / 60 % 60), 2);
        buf[16] = ':';
        put_digits(buf + 17, (unsigned)(sod % 60), 2);
        n = 19;
        if (frac == 3 || frac == 6 || frac == 9) {
            buf[n++] = '.';
            put_digits(buf + n, (unsigned)(frac == 3 ? ns / 1000000 : frac == 6 ? ns / 1000 : ns), frac);
            n += frac;
        }
    } else {
        n = snprintf(buf, TIMEFMT_LEN, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, m, d,
                     (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60));
        if (n < 0 || n >= TIMEFMT_LEN) return buf;
        if (frac == 3)
            n += snprintf(buf + n, TIMEFMT_LEN - n, ".%03lld", (long long)(ns / 1000000));
        else if (frac == 6)
            n += snprintf(buf + n, TIMEFMT_LEN - n, ".%06lld", (long long)(ns / 1000));
        else if (frac == 9)
            n += snprintf(buf + n, TIMEFMT_LEN - n, ".%09lld", (long long)ns);
    }
    if (n < TIMEFMT_LEN - 1) {
        buf[n] = 'Z';
        buf[n + 1] = '\0';
    }
    return buf;
}

const char *time_iso8601(int64_t ts_ns, int frac, char buf[TIMEFMT_LEN])
{
    /* The remainder first: secs * 10^9 overflows for INT64_MIN's second. */
    int64_t ns = ts_ns % 1000000000;
    if (ns < 0) ns += 1000000000;
    return format_utc(floor_div(ts_ns, 1000000000), ns, frac, buf);
}

bool time_ns_from(int64_t secs, int64_t frac_ns, int64_t *ns)
{
    int64_t v;
    /* Same signs first: INT64_MIN is -9223372037 s + 145224192 ns, and
     * the seconds alone overflow. |frac_ns| < 10^9 is the caller's part. */
    if (secs < 0 && frac_ns > 0) {
        secs++;
        frac_ns -= 1000000000;
    } else if (secs > 0 && frac_ns < 0) {
        secs--;
        frac_ns += 1000000000;
    }
    if (__builtin_mul_overflow(secs, (int64_t)1000000000, &v) ||
        __builtin_add_overflow(v, frac_ns, &v))
        return false;
    *ns = v;
    return true;
}

unsigned time_days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) return 29;
    return dim[m - 1];
}

/* Certificates can say year 9999, beyond what int64 nanoseconds hold. */
const char *time_iso8601_s(int64_t secs, char buf[TIMEFMT_LEN]) { return format_utc(secs, 0, 0, buf); }

static int read_uint(const char **s, int digits, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < digits; i++) {
        if (!isdigit((unsigned char)(*s)[0])) return -1;
        v = v * 10 + (unsigned)((*s)[0] - '0');
        (*s)++;
    }
    *out = v;
    return 0;
}

int time_parse(const char *s, int64_t *secs)
{
    if (!s || !*s) return -1;
    if (s[0] == '@') {
        char *end;
        errno = 0;
        long long v = strtoll(s + 1, &end, 10);
        if (end == s + 1 || *end || errno == ERANGE) return -1;
        if (v < TIME_PARSE_MIN_SECS || v > TIME_PARSE_MAX_SECS) return -1;
        *secs = v;
        return 0;
    }
    unsigned y, mo, d, hh = 0, mi = 0, ss = 0;
    const char *p = s;
    if (read_uint(&p, 4, &y) || *p++ != '-' || read_uint(&p, 2, &mo) || *p++ != '-' ||
        read_uint(&p, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > time_days_in_month(y, mo)) return -1;
    int64_t off = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (read_uint(&p, 2, &hh) || *p++ != ':' || read_uint(&p, 2, &mi)) return -1;
        if (*p == ':') {
            p++;
            if (read_uint(&p, 2, &ss)) return -1;
            if (*p == '.' || *p == ',') {
                p++;
                if (!isdigit((unsigned char)*p)) return -1;
                while (isdigit((unsigned char)*p)) p++; /* fraction dropped: verdicts use seconds */
            }
        }
        if (hh > 23 || mi > 59 || ss > 60) return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1;
            unsigned oh, om = 0;
            p++;
            if (read_uint(&p, 2, &oh)) return -1;
            if (*p == ':') p++;
            if (*p && read_uint(&p, 2, &om)) return -1;
            if (oh > 23 || om > 59) return -1; /* ISO 8601 offsets; "+99:99" is no zone */
            off = sign * (int64_t)(oh * 3600 + om * 60);
        }
    }
    if (*p) return -1;
    int64_t v = time_from_civil((int)y, mo, d, hh, mi, ss) - off;
    if (v < TIME_PARSE_MIN_SECS || v > TIME_PARSE_MAX_SECS) return -1;
    *secs = v;
    return 0;
}
