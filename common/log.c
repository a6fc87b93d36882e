#include "log.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static char s_service[32] = "retailmesh";
static log_level_t s_level = RM_LOG_INFO;
static const char *s_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void
log_init (const char *service, log_level_t level)
{
    snprintf (s_service, sizeof s_service, "%s", service);
    s_level = level;
}

int
log_level_parse (const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp (name, s_names[i]) == 0)
            return i;
    if (strcasecmp (name, "warning") == 0)
        return RM_LOG_WARN;
    return -1;
}

void
log_write (log_level_t level, const char *cid, const char *fmt, ...)
{
    if (level < s_level)
        return;
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r (&ts.tv_sec, &tm);
    char line[2048];
    int n = snprintf (line, sizeof line,
                      "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s cid=%s ",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                      tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, s_service,
                      s_names[level], cid && *cid ? cid : "-");
    va_list ap;
    va_start (ap, fmt);
    if (n > 0 && (size_t) n < sizeof line)
        n += vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
    va_end (ap);
    if (n < 0)
        return;
    if ((size_t) n >= sizeof line - 1)
        n = (int) sizeof line - 2;
    //  one write per line so lines from several threads never interleave
    line[n] = '\n';
    fwrite (line, 1, (size_t) n + 1, stderr);
}
