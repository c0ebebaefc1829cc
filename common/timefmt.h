/* timefmt.h — timestamps in and out. Everything is UTC; nothing here reads
 * the wall clock or the local time zone. */
#ifndef TLSSCOPE_COMMON_TIMEFMT_H
#define TLSSCOPE_COMMON_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_LEN 40

/* ISO 8601 with `frac` fractional digits (0, 3, 6 or 9) and a Z suffix:
 * "2022-07-11T16:55:26.016000Z". Returns buf. */
const char *time_iso8601(int64_t ts_ns, int frac, char buf[TIMEFMT_LEN]);

/* Seconds-resolution form for time_t-style values: "2022-07-11T16:55:26Z". */
const char *time_iso8601_s(int64_t secs, char buf[TIMEFMT_LEN]);

/* Parse a user-given time: "2022-07-11T16:55:26Z", "2022-07-11 16:55:26",
 * "2022-07-11" (midnight UTC), with optional fraction and "+hh:mm" offset, or
 * "@1657558526" (epoch seconds). Only real times: a day the month has, an
 * offset of at most 23:59, a result from 1950 (where X.509 UTCTime starts,
 * RFC 5280 4.1.2.5.1) to 9999-12-31T23:59:59Z (the last GeneralizedTime).
 * Returns 0 and sets *secs, or -1 and leaves *secs alone. */
int time_parse(const char *s, int64_t *secs);
#define TIME_PARSE_MIN_SECS (-631152000LL)  /* 1950-01-01T00:00:00Z */
#define TIME_PARSE_MAX_SECS 253402300799LL  /* 9999-12-31T23:59:59Z */

/* Seconds + nanoseconds (either may be negative) as int64 nanoseconds since
 * the epoch, which hold 1677-09-21 to 2262-04-11 only. False when outside:
 * every time that enters from a capture or a log goes through here once, and
 * an out-of-range one becomes an event, never a saturated or wrapped date. */
bool time_ns_from(int64_t secs, int64_t frac_ns, int64_t *ns); /* |frac_ns| < 10^9 */

/* Days in month m (1..12) of year y, proleptic Gregorian. */
unsigned time_days_in_month(int64_t y, unsigned m);

/* Days-from-civil (proleptic Gregorian, UTC) without timegm()'s TZ games. */
int64_t time_from_civil(int y, unsigned m, unsigned d, unsigned hh, unsigned mm, unsigned ss);

#endif
