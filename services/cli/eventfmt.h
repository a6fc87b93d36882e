//  eventfmt — how the command shows an event to a person: one line per
//  event (seq, time, source, type, correlation ID, caller, body as compact
//  JSON through jsonmp_show_text).
#ifndef RM_CLI_EVENTFMT_H
#define RM_CLI_EVENTFMT_H

#include <msgpack.h>

//  Formats an event envelope (a map with seq, time, source, type, cid,
//  caller and body) as one line without a newline:
//    <seq> <time, RFC 3339 UTC> <source> <type> <cid> <caller> <body as compact JSON>
//  A missing time, source, cid or caller shows as "-", a missing body as {}.
//  Returns 0 with the line in *line (free it), RM_EPROTO when event is not
//  a map with an integer seq and a string type, or RM_ENOMEM.
int eventfmt_line (const msgpack_object *event, char **line);

#endif
