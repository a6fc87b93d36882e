//  eventfmt — how the command shows events and other MessagePack values to
//  a person: one line per event (seq, time, source, type, correlation ID,
//  body as compact JSON), and any value as JSON.
#ifndef RM_CLI_EVENTFMT_H
#define RM_CLI_EVENTFMT_H

#include <jansson.h>
#include <msgpack.h>

//  A new JSON value for obj, or NULL when out of memory. Whatever JSON
//  cannot carry is shown rather than refused: binary and extension values
//  become strings like "<bin, 4 bytes>", bytes that are not UTF-8 become
//  '?', and a key that is not a string is written as its JSON text.
json_t *eventfmt_json (const msgpack_object *obj);

//  obj as compact JSON text (free it), or NULL when out of memory.
char *eventfmt_json_text (const msgpack_object *obj, size_t flags);

//  Formats an event envelope (a map with seq, time, source, type, cid and
//  body) as one line without a newline:
//    <seq> <time, RFC 3339 UTC> <source> <type> <cid> <body as compact JSON>
//  A missing time, source or cid shows as "-", a missing body as {}.
//  Returns 0 with the line in *line (free it), RM_EPROTO when event is not
//  a map with an integer seq and a string type, or RM_ENOMEM.
int eventfmt_line (const msgpack_object *event, char **line);

#endif
