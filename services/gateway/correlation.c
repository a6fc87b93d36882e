#include "correlation.h"
#include "uuid.h"
#include <stdio.h>
#include <string.h>

bool
correlation_token (const char *s, size_t max)
{
    size_t len = 0;
    for (; s[len]; len++)
        if (len == max || s[len] < 0x21 || s[len] > 0x7e)
            return false;
    return len > 0;
}

static bool
s_lower_hex (const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool
s_all_zero (const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != '0')
            return false;
    return true;
}

//  W3C Trace Context, version 00: "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>",
//  lower-case hex, neither ID all zeros.
static bool
s_traceparent_ok (const char *tp)
{
    return strlen (tp) == 55 && memcmp (tp, "00-", 3) == 0
           && s_lower_hex (tp + 3, 32) && tp[35] == '-'
           && s_lower_hex (tp + 36, 16) && tp[52] == '-'
           && s_lower_hex (tp + 53, 2)
           && !s_all_zero (tp + 3, 32) && !s_all_zero (tp + 36, 16);
}

correlation_source_t
correlation_pick (const char *x_correlation_id, const char *traceparent,
                  char out[CORRELATION_MAX + 1])
{
    if (x_correlation_id && correlation_token (x_correlation_id, CORRELATION_MAX)) {
        snprintf (out, CORRELATION_MAX + 1, "%s", x_correlation_id);
        return CORRELATION_HEADER;
    }
    if (traceparent && s_traceparent_ok (traceparent)) {
        memcpy (out, traceparent + 3, 32);
        out[32] = '\0';
        return CORRELATION_TRACEPARENT;
    }
    uuid_new_str (out);
    return CORRELATION_GENERATED;
}
