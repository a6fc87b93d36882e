//  clock — wall-clock and monotonic time in milliseconds, RFC 3339 text and
//  durations as options give them.
#ifndef RM_CLOCK_H
#define RM_CLOCK_H

#include <stddef.h>
#include <stdint.h>

//  Unix time in milliseconds.
int64_t clock_now_ms (void);

//  Monotonic milliseconds (for timeouts and latencies).
int64_t clock_mono_ms (void);

//  Monotonic microseconds.
int64_t clock_mono_us (void);

//  Formats Unix milliseconds as "2026-11-27T10:00:00.123Z" (size >= 25).
void clock_format_rfc3339 (int64_t unix_ms, char *out, size_t size);

//  Parses RFC 3339 text ("2026-11-27T10:00:00Z", "2026-11-27T11:00:00.5+01:00")
//  into Unix milliseconds; digits past the millisecond are dropped.
//  Returns 0 or RM_EINVAL when text is not such a time.
int clock_parse_rfc3339 (const char *text, int64_t *unix_ms);

//  Reads a duration ("45s", "90m", "24h", "7d", or a number of seconds)
//  into *ms. Returns 0, or RM_EINVAL when text is not a positive duration.
int clock_parse_duration (const char *text, int64_t *ms);

#endif
