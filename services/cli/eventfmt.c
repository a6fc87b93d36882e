#include "eventfmt.h"
#include "clock.h"
#include "envelope.h"
#include "err.h"
#include "jsonmp.h"
#include "mp.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Copies the string under key, or "-" when there is none.
static void
s_field (const msgpack_object *event, const char *key, char *out, size_t size)
{
    if (mp_get_str (event, key, out, size) != 0)
        snprintf (out, size, "-");
}

int
eventfmt_line (const msgpack_object *event, char **line)
{
    int64_t seq, time_ms;
    char type[ENVELOPE_TYPE_MAX], source[32], cid[ENVELOPE_CID_MAX], caller[ENVELOPE_CALLER_MAX];
    char when[32] = "-";
    if (event->type != MSGPACK_OBJECT_MAP || mp_get_int (event, "seq", &seq) != 0
        || mp_get_str (event, "type", type, sizeof type) != 0)
        return RM_EPROTO;
    s_field (event, "source", source, sizeof source);
    s_field (event, "cid", cid, sizeof cid);
    s_field (event, "caller", caller, sizeof caller);
    if (mp_get_int (event, "time", &time_ms) == 0)
        clock_format_rfc3339 (time_ms, when, sizeof when);
    const msgpack_object *body = mp_get (event, "body");
    char *json = body ? jsonmp_show_text (body, 0) : strdup ("{}");
    int len = json ? asprintf (line, "%" PRId64 " %s %s %s %s %s %s", seq, when, source, type, cid, caller,
                               json)
                   : -1;
    free (json);
    return len < 0 ? RM_ENOMEM : 0;
}
