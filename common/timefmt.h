/* timefmt.h — timestamps in and out. Everything is UTC; nothing here reads
 * the wall clock or the local time zone. */
#ifndef TLSSCOPE_COMMON_TIMEFMT_H
#define TLSSCOPE_COMMON_TIMEFMT_H

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
 * "@1657558526" (epoch seconds). Returns 0 and sets *secs, or -1. */
int time_parse(const char *s, int64_t *secs);

/* Days-from-civil (proleptic Gregorian, UTC) without timegm()'s TZ games. */
int64_t time_from_civil(int y, unsigned m, unsigned d, unsigned hh, unsigned mm, unsigned ss);

#endif
