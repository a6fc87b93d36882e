#include "clock.h"
#include "err.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
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

int
clock_parse_rfc3339 (const char *text, int64_t *unix_ms)
{
    struct tm tm = {0};
    const char *p = text ? strptime (text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    //  strptime takes "2026-1-5T1:2:3"; RFC 3339 has fixed-width fields
    if (!p || p - text != 19 || !isdigit ((unsigned char) text[0]))
        return RM_EINVAL;
    int64_t ms = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; isdigit ((unsigned char) *p); p++, digits++)
            if (digits < 3)
                ms = ms * 10 + (*p - '0');
        if (digits == 0)
            return RM_EINVAL;
        for (; digits < 3; digits++)
            ms *= 10;
    }
    int64_t offset_s = 0;
    if (*p == 'Z' || *p == 'z')
        p++;
    else if ((*p == '+' || *p == '-') && isdigit ((unsigned char) p[1]) && isdigit ((unsigned char) p[2])
             && p[3] == ':' && isdigit ((unsigned char) p[4]) && isdigit ((unsigned char) p[5])) {
        int hours = (p[1] - '0') * 10 + (p[2] - '0'), minutes = (p[4] - '0') * 10 + (p[5] - '0');
        if (hours > 23 || minutes > 59)
            return RM_EINVAL;
        offset_s = (*p == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        p += 6;
    }
    else
        return RM_EINVAL;
    if (*p != '\0')
        return RM_EINVAL;
    time_t secs = timegm (&tm);
    *unix_ms = ((int64_t) secs - offset_s) * 1000 + ms;
    return 0;
}

static const struct {
    char suffix;
    int64_t ms;
} s_units[] = {{'s', 1000}, {'m', 60 * 1000}, {'h', 3600 * 1000}, {'d', 86400 * 1000}};

int
clock_parse_duration (const char *text, int64_t *ms)
{
    if (!text || *text < '0' || *text > '9')
        return RM_EINVAL;
    char *end = NULL;
    errno = 0;
    long long n = strtoll (text, &end, 10);
    int64_t unit = 1000;
    for (size_t i = 0; *end && i < sizeof s_units / sizeof s_units[0]; i++)
        if (*end == s_units[i].suffix) {
            unit = s_units[i].ms;
            end++;
            break;
        }
    if (errno != 0 || *end != '\0' || n <= 0 || n > INT64_MAX / unit)
        return RM_EINVAL;
    *ms = (int64_t) n * unit;
    return 0;
}
