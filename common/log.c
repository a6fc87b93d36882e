#include "log.h"
#include <stdbool.h>
#include <stdint.h>
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

static char *s_escape (const char *text, size_t len, char *out, size_t size, bool backslash);

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
    char message[sizeof line];
    va_list ap;
    va_start (ap, fmt);
    int m = vsnprintf (message, sizeof message, fmt, ap);
    va_end (ap);
    if (n < 0 || m < 0 || (size_t) n >= sizeof line)
        return;
    //  whatever a message quotes, it stays one line: a value that slipped
    //  through unescaped still cannot start a forged line or a terminal
    //  sequence (the quoting escapes backslashes too: log_escape)
    size_t mlen = (size_t) m < sizeof message ? (size_t) m : sizeof message - 1;
    s_escape (message, mlen, line + n, sizeof line - (size_t) n, false);
    n += (int) strlen (line + n);
    if ((size_t) n >= sizeof line - 1)
        n = (int) sizeof line - 2;
    //  one write per line so lines from several threads never interleave
    line[n] = '\n';
    fwrite (line, 1, (size_t) n + 1, stderr);
}

//  Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms,
//  no surrogates, nothing above U+10FFFF), or 0 when it is not one.
static size_t
s_utf8_len (const unsigned char *p, size_t left)
{
    size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
    if (p[0] < 0xc2 || p[0] > 0xf4 || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f)
        || (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
        return 0;
    return n;
}

static char *
s_escape (const char *text, size_t len, char *out, size_t size, bool backslash)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *) text;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = p[i] >= 0x80 ? s_utf8_len (p + i, len - i) : 1;
        bool escape = n == 0 || p[i] < 0x20 || p[i] == 0x7f || (backslash && p[i] == '\\');
        size_t need = escape ? 4 : n;
        if (o + need >= size)
            break;
        if (escape) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 0xf];
            i++;
        }
        else {
            memcpy (out + o, p + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    return out;
}

char *
log_escape (const char *text, size_t len, char *out, size_t size)
{
    return s_escape (text, len, out, size, true);
}

char *
log_escape_str (const char *text, char *out, size_t size)
{
    return log_escape (text ? text : "", text ? strlen (text) : 0, out, size);
}
