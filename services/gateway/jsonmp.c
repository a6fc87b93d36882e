#include "jsonmp.h"
#include "clock.h"
#include "err.h"
#include "mp.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    msgpack_packer pk;
    json_t *errors;
    char ptr[JSONMP_POINTER_MAX];
} encoder_t;

size_t
jsonmp_pointer_push (char *ptr, const char *token)
{
    size_t old = strlen (ptr), len = old;
    if (len + 1 < JSONMP_POINTER_MAX)
        ptr[len++] = '/';
    for (const char *c = token; *c && len + 2 < JSONMP_POINTER_MAX; c++) {
        if (*c == '~' || *c == '/') {
            ptr[len++] = '~';
            ptr[len++] = *c == '~' ? '0' : '1';
        }
        else
            ptr[len++] = *c;
    }
    ptr[len] = '\0';
    return old;
}

static size_t
s_push_index (encoder_t *enc, size_t index)
{
    char token[24];
    snprintf (token, sizeof token, "%zu", index);
    return jsonmp_pointer_push (enc->ptr, token);
}

static void
s_error (encoder_t *enc, const char *message)
{
    if (json_array_size (enc->errors) < JSONMP_ERRORS_MAX)
        json_array_append_new (enc->errors, json_pack ("{s:s, s:s}", "pointer", enc->ptr,
                                                       "message", message));
}

static void
s_pack_string (encoder_t *enc, const json_t *value)
{
    mp_pack_strn (&enc->pk, json_string_value (value), json_string_length (value));
}

//  Free-form values (FT_ANY) keep their JSON shape.
static void
s_encode_any (encoder_t *enc, json_t *value)
{
    switch (json_typeof (value)) {
        case JSON_OBJECT: {
            const char *key;
            json_t *item;
            msgpack_pack_map (&enc->pk, json_object_size (value));
            json_object_foreach (value, key, item) {
                mp_pack_str (&enc->pk, key);
                s_encode_any (enc, item);
            }
            break;
        }
        case JSON_ARRAY: {
            size_t index;
            json_t *item;
            msgpack_pack_array (&enc->pk, json_array_size (value));
            json_array_foreach (value, index, item)
                s_encode_any (enc, item);
            break;
        }
        case JSON_STRING:
            s_pack_string (enc, value);
            break;
        case JSON_INTEGER:
            msgpack_pack_int64 (&enc->pk, json_integer_value (value));
            break;
        case JSON_REAL:
            msgpack_pack_double (&enc->pk, json_real_value (value));
            break;
        case JSON_TRUE:
            msgpack_pack_true (&enc->pk);
            break;
        case JSON_FALSE:
            msgpack_pack_false (&enc->pk);
            break;
        case JSON_NULL:
            msgpack_pack_nil (&enc->pk);
            break;
    }
}

static void s_encode_map (encoder_t *enc, const field_spec_t *fields, json_t *obj);

static void
s_encode_value (encoder_t *enc, field_type_t type, const field_spec_t *fields,
                field_type_t item, json_t *value)
{
    switch (type) {
        case FT_STR:
            if (json_is_string (value))
                s_pack_string (enc, value);
            else
                s_error (enc, "must be a string");
            break;
        case FT_INT:
            //  1.0 and "1" are refused: an integer field takes a JSON integer
            if (json_is_integer (value))
                msgpack_pack_int64 (&enc->pk, json_integer_value (value));
            else
                s_error (enc, "must be an integer");
            break;
        case FT_BOOL:
            if (json_is_true (value))
                msgpack_pack_true (&enc->pk);
            else if (json_is_false (value))
                msgpack_pack_false (&enc->pk);
            else
                s_error (enc, "must be true or false");
            break;
        case FT_MAP:
            s_encode_map (enc, fields, value);
            break;
        case FT_ARRAY: {
            if (!json_is_array (value)) {
                s_error (enc, "must be an array");
                break;
            }
            size_t index;
            json_t *elem;
            msgpack_pack_array (&enc->pk, json_array_size (value));
            json_array_foreach (value, index, elem) {
                size_t len = s_push_index (enc, index);
                s_encode_value (enc, item, fields, FT_ANY, elem);
                enc->ptr[len] = '\0';
            }
            break;
        }
        case FT_STRMAP: {
            if (!json_is_object (value)) {
                s_error (enc, "must be an object");
                break;
            }
            const char *key;
            json_t *elem;
            msgpack_pack_map (&enc->pk, json_object_size (value));
            json_object_foreach (value, key, elem) {
                size_t len = jsonmp_pointer_push (enc->ptr, key);
                mp_pack_str (&enc->pk, key);
                s_encode_value (enc, FT_STR, NULL, FT_ANY, elem);
                enc->ptr[len] = '\0';
            }
            break;
        }
        case FT_ANY:
            s_encode_any (enc, value);
            break;
    }
}

static const field_spec_t *
s_spec (const field_spec_t *fields, const char *name)
{
    for (const field_spec_t *f = fields; f && f->name; f++)
        if (strcmp (f->name, name) == 0)
            return f;
    return NULL;
}

static void
s_encode_map (encoder_t *enc, const field_spec_t *fields, json_t *obj)
{
    if (!json_is_object (obj)) {
        s_error (enc, "must be an object");
        return;
    }
    const char *key;
    json_t *value;
    json_object_foreach (obj, key, value) {
        if (!s_spec (fields, key)) {
            char message[160];
            int used = snprintf (message, sizeof message, "is not a known field (known:");
            for (const field_spec_t *f = fields; f && f->name && used > 0 && (size_t) used < sizeof message; f++)
                used += snprintf (message + used, sizeof message - (size_t) used, "%s %s",
                                  f == fields ? "" : ",", f->name);
            if (used > 0 && (size_t) used < sizeof message - 1)
                strcat (message, ")");
            size_t len = jsonmp_pointer_push (enc->ptr, key);
            s_error (enc, message);
            enc->ptr[len] = '\0';
        }
    }
    size_t present = 0;
    for (const field_spec_t *f = fields; f && f->name; f++) {
        value = json_object_get (obj, f->name);
        present += value && !json_is_null (value);
    }
    msgpack_pack_map (&enc->pk, present);
    for (const field_spec_t *f = fields; f && f->name; f++) {
        value = json_object_get (obj, f->name);
        size_t len = jsonmp_pointer_push (enc->ptr, f->name);
        if (value && !json_is_null (value)) {
            mp_pack_str (&enc->pk, f->name);
            s_encode_value (enc, f->type, f->fields, f->item, value);
        }
        else if (f->required)
            s_error (enc, "is required");
        enc->ptr[len] = '\0';
    }
}

int
jsonmp_encode (const field_spec_t *fields, json_t *obj, msgpack_sbuffer *out,
               json_t *errors)
{
    encoder_t enc = {.errors = errors};
    size_t before = json_array_size (errors);
    msgpack_packer_init (&enc.pk, out, msgpack_sbuffer_write);
    s_encode_map (&enc, fields, obj);
    if (json_array_size (errors) != before)
        return RM_EINVAL;

    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    int rc = RM_EINTERNAL;
    if (msgpack_unpack_next (&unpacked, out->data, out->size, &offset) == MSGPACK_UNPACK_SUCCESS) {
        proto_error_t perr;
        rc = catalog_validate (fields, &unpacked.data, &perr);
        if (rc != 0) {
            json_array_append_new (errors, json_pack ("{s:s, s:s}", "pointer", perr.field, "message",
                                                      jsonmp_message (perr.message, perr.field)));
            rc = RM_EINVAL;
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

const char *
jsonmp_message (const char *message, const char *pointer)
{
    const char *lead = pointer && pointer[0] ? pointer : "the body";
    size_t len = strlen (lead);
    if (strncmp (message, lead, len) == 0 && message[len] == ' ')
        return message + len + 1;
    return message;
}

//  Services send times as Unix milliseconds under keys ending in "_at",
//  or named "time" (an order history entry, like an event envelope).
static bool
s_time_key (const char *k, uint32_t klen)
{
    return (klen > 3 && memcmp (k + klen - 3, "_at", 3) == 0) || (klen == 4 && memcmp (k, "time", 4) == 0);
}

static json_t *
s_decode_map (const msgpack_object_map *map)
{
    json_t *obj = json_object ();
    for (uint32_t i = 0; obj && i < map->size; i++) {
        const msgpack_object *key = &map->ptr[i].key;
        const msgpack_object *val = &map->ptr[i].val;
        if (key->type != MSGPACK_OBJECT_STR) {
            json_decref (obj);
            return NULL;
        }
        const char *k = key->via.str.ptr;
        uint32_t klen = key->via.str.size;
        json_t *jv;
        int64_t ms;
        if (s_time_key (k, klen) && mp_int (val, &ms) == 0) {
            char text[40];
            clock_format_rfc3339 (ms, text, sizeof text);
            jv = json_string (text);
        }
        else
            jv = jsonmp_decode (val);
        if (!jv || json_object_setn_new (obj, k, klen, jv) != 0) {
            json_decref (obj);
            return NULL;
        }
    }
    return obj;
}

json_t *
jsonmp_decode (const msgpack_object *obj)
{
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL:
            return json_null ();
        case MSGPACK_OBJECT_BOOLEAN:
            return json_boolean (obj->via.boolean);
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            return obj->via.u64 <= INT64_MAX ? json_integer ((json_int_t) obj->via.u64) : NULL;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            return json_integer (obj->via.i64);
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            return json_real (obj->via.f64);
        case MSGPACK_OBJECT_STR:
            return json_stringn (obj->via.str.ptr, obj->via.str.size);
        case MSGPACK_OBJECT_ARRAY: {
            json_t *arr = json_array ();
            for (uint32_t i = 0; arr && i < obj->via.array.size; i++) {
                if (json_array_append_new (arr, jsonmp_decode (&obj->via.array.ptr[i])) != 0) {
                    json_decref (arr);
                    return NULL;
                }
            }
            return arr;
        }
        case MSGPACK_OBJECT_MAP:
            return s_decode_map (&obj->via.map);
        default:
            return NULL;
    }
}
