#include "eventfmt.h"
#include "clock.h"
#include "envelope.h"
#include "err.h"
#include "mp.h"
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A string value; bytes that are not valid UTF-8 become '?' so the rest of
//  the text still shows.
static json_t *
s_string (const char *data, size_t size)
{
    json_t *value = json_stringn (data, size);
    if (value)
        return value;
    char *copy = (char *) malloc (size + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < size; i++)
        copy[i] = data[i] > 0 && data[i] < 0x7f ? data[i] : '?';
    value = json_stringn (copy, size);
    free (copy);
    return value;
}

static json_t *
s_opaque (const char *kind, size_t size)
{
    char text[64];
    snprintf (text, sizeof text, "<%s, %zu bytes>", kind, size);
    return json_string (text);
}

static json_t *
s_map (const msgpack_object_map *map)
{
    json_t *out = json_object ();
    for (uint32_t i = 0; out && i < map->size; i++) {
        const msgpack_object *key = &map->ptr[i].key;
        bool is_str = key->type == MSGPACK_OBJECT_STR;
        json_t *name = is_str ? s_string (key->via.str.ptr, key->via.str.size) : NULL;
        char *text = is_str ? NULL : eventfmt_json_text (key, 0);
        const char *label = name ? json_string_value (name) : text;
        //  json_object_set_new takes the value even when it fails
        if (!label || json_object_set_new (out, label, eventfmt_json (&map->ptr[i].val)) != 0) {
            json_decref (out);
            out = NULL;
        }
        json_decref (name);
        free (text);
    }
    return out;
}

static json_t *
s_real (double value)
{
    if (isfinite (value))
        return json_real (value);
    return json_string (isnan (value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
}

json_t *
eventfmt_json (const msgpack_object *obj)
{
    switch (obj->type) {
    case MSGPACK_OBJECT_NIL:
        return json_null ();
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean (obj->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER: {
        if (obj->via.u64 <= INT64_MAX)
            return json_integer ((json_int_t) obj->via.u64);
        //  beyond what JSON readers take as integers: the digits keep the value
        char digits[32];
        snprintf (digits, sizeof digits, "%" PRIu64, obj->via.u64);
        return json_string (digits);
    }
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer ((json_int_t) obj->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return s_real (obj->via.f64);
    case MSGPACK_OBJECT_STR:
        return s_string (obj->via.str.ptr, obj->via.str.size);
    case MSGPACK_OBJECT_BIN:
        return s_opaque ("bin", obj->via.bin.size);
    case MSGPACK_OBJECT_EXT:
        return s_opaque ("ext", obj->via.ext.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *out = json_array ();
        for (uint32_t i = 0; out && i < obj->via.array.size; i++)
            if (json_array_append_new (out, eventfmt_json (&obj->via.array.ptr[i])) != 0) {
                json_decref (out);
                out = NULL;
            }
        return out;
    }
    case MSGPACK_OBJECT_MAP:
        return s_map (&obj->via.map);
    }
    return json_null ();
}

char *
eventfmt_json_text (const msgpack_object *obj, size_t flags)
{
    json_t *value = eventfmt_json (obj);
    char *text = value ? json_dumps (value, flags | JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref (value);
    return text;
}

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
    char type[ENVELOPE_TYPE_MAX], source[32], cid[ENVELOPE_CID_MAX], when[32] = "-";
    if (event->type != MSGPACK_OBJECT_MAP || mp_get_int (event, "seq", &seq) != 0
        || mp_get_str (event, "type", type, sizeof type) != 0)
        return RM_EPROTO;
    s_field (event, "source", source, sizeof source);
    s_field (event, "cid", cid, sizeof cid);
    if (mp_get_int (event, "time", &time_ms) == 0)
        clock_format_rfc3339 (time_ms, when, sizeof when);
    const msgpack_object *body = mp_get (event, "body");
    char *json = body ? eventfmt_json_text (body, 0) : strdup ("{}");
    int len = json ? asprintf (line, "%" PRId64 " %s %s %s %s %s", seq, when, source, type, cid, json)
                   : -1;
    free (json);
    return len < 0 ? RM_ENOMEM : 0;
}
