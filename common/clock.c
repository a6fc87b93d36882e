#include "clock.h"
#include <stdio.h>
#include <time.h>

static int64_t
s_ns (clockid_t id)
{
    struct timespec ts;
    //  Cannot fail for these clock ids on Linux.
    clock_gettime (id, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
clock_now_ms (void)
{
    return s_ns (CLOCK_REALTIME) / 1000000;
}

int64_t
clock_mono_ms (void)
{
    return s_ns (CLOCK_MONOTONIC) / 1000000;
}

int64_t
clock_mono_us (void)
{
    return s_ns (CLOCK_MONOTONIC) / 1000;
}

void
clock_format_rfc3339 (int64_t unix_ms, char *out, size_t size)
{
    if (size == 0)
        return;
    //  Floor division, so times before 1970 still get a 0..999 fraction.
    int64_t ms = unix_ms % 1000;
    int64_t secs = unix_ms / 1000;
    if (ms < 0) {
        ms += 1000;
        secs--;
    }
    time_t t = (time_t) secs;
    struct tm tm;
    if (!gmtime_r (&t, &tm)) {
        snprintf (out, size, "%lld", (long long) unix_ms);
        return;
    }
    snprintf (out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ms);
}
