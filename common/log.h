//  log — one line per event on stderr:
//  time, service, level, correlation ID, message.
#ifndef RM_LOG_H
#define RM_LOG_H

#include <stdarg.h>
#include <stddef.h>

typedef enum { RM_LOG_DEBUG = 0, RM_LOG_INFO = 1, RM_LOG_WARN = 2, RM_LOG_ERROR = 3 } log_level_t;

//  Sets the service name printed on every line and the lowest level printed.
void log_init (const char *service, log_level_t level);

//  Parses "debug", "info", "warn" or "error"; returns -1 when unknown.
int log_level_parse (const char *name);

//  Writes one line; cid may be NULL or empty (printed as "-").
void log_write (log_level_t level, const char *cid, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Copies len bytes of untrusted text (a path, a header, an identifier)
//  into out (size > 0) so it can go into a log line or a JSON string and
//  cannot forge a line or a terminal sequence: backslash, control
//  characters (below 0x20 and 0x7f) and every byte that is not part of
//  valid UTF-8 become \xNN; valid UTF-8 stays as is. The result is cut,
//  never mid-escape, when out is too small. Returns out.
char *log_escape (const char *text, size_t len, char *out, size_t size);

//  log_escape of a NUL-terminated string (NULL gives "").
char *log_escape_str (const char *text, char *out, size_t size);

#define log_debug(cid, ...) log_write (RM_LOG_DEBUG, cid, __VA_ARGS__)
#define log_info(cid, ...) log_write (RM_LOG_INFO, cid, __VA_ARGS__)
#define log_warn(cid, ...) log_write (RM_LOG_WARN, cid, __VA_ARGS__)
#define log_error(cid, ...) log_write (RM_LOG_ERROR, cid, __VA_ARGS__)

#endif
