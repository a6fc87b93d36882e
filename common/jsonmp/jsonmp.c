#include "jsonmp.h"
#include "clock.h"
#include "err.h"
#include "mp.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Encoding is two passes. The first walks the JSON against the field list:
//  it packs the body and lists what is missing, unknown or of the wrong
//  JSON type; a value it refuses is packed as nil, so the body stays
//  whole. The second walks the packed body and asks catalog_validate about
//  ever smaller parts of it, so every rule the catalogue has (lengths,
//  ranges, codes, item counts) is applied exactly as the services apply
//  it, although catalog_validate itself names only the first fault.
typedef struct {
    msgpack_packer pk;
    json_t *errors;
    size_t faults;               //  found, listed or not (past the cap)
    char ptr[JSONMP_POINTER_MAX];
} encoder_t;

static const field_spec_t s_no_fields[] = {{.name = NULL}};

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

static bool
s_full (const encoder_t *enc)
{
    return enc->faults >= JSONMP_ERRORS_MAX;
}

static void
s_error_at (encoder_t *enc, const char *pointer, const char *message)
{
    bool listed = !s_full (enc);
    enc->faults++;
    if (!listed)
        return;
    json_t *item = json_pack ("{s:s, s:s}", "pointer", pointer, "message", message);
    //  Out of memory the list comes out short; faults still refuses the body.
    if (item)
        (void) json_array_append_new (enc->errors, item);
}

static void
s_error (encoder_t *enc, const char *message)
{
    s_error_at (enc, enc->ptr, message);
}

//  A value of the wrong JSON type: listed, and nil packed in its place.
static void
s_refuse (encoder_t *enc, const char *message)
{
    s_error (enc, message);
    msgpack_pack_nil (&enc->pk);
}

static void
s_pack_string (encoder_t *enc, const json_t *value)
{
    mp_pack_strn (&enc->pk, json_string_value (value), json_string_length (value));
}

int
jsonmp_pack (msgpack_packer *pk, const json_t *value)
{
    if (!value)
        return RM_EINVAL;
    switch (json_typeof (value)) {
        case JSON_OBJECT: {
            const char *key;
            json_t *item;
            msgpack_pack_map (pk, json_object_size (value));
            json_object_foreach ((json_t *) value, key, item) {
                mp_pack_str (pk, key);
                jsonmp_pack (pk, item);
            }
            break;
        }
        case JSON_ARRAY: {
            size_t index;
            json_t *item;
            msgpack_pack_array (pk, json_array_size (value));
            json_array_foreach (value, index, item)
                jsonmp_pack (pk, item);
            break;
        }
        case JSON_STRING:
            mp_pack_strn (pk, json_string_value (value), json_string_length (value));
            break;
        case JSON_INTEGER:
            msgpack_pack_int64 (pk, json_integer_value (value));
            break;
        case JSON_REAL:
            msgpack_pack_double (pk, json_real_value (value));
            break;
        case JSON_TRUE:
            msgpack_pack_true (pk);
            break;
        case JSON_FALSE:
            msgpack_pack_false (pk);
            break;
        case JSON_NULL:
            msgpack_pack_nil (pk);
            break;
    }
    return 0;
}

//  A time field: RFC 3339 text, or Unix milliseconds as they go on the wire.
static void
s_encode_time (encoder_t *enc, json_t *value)
{
    int64_t ms;
    if (json_is_integer (value))
        msgpack_pack_int64 (&enc->pk, json_integer_value (value));
    else if (json_is_string (value) && clock_parse_rfc3339 (json_string_value (value), &ms) == 0)
        msgpack_pack_int64 (&enc->pk, ms);
    else
        s_refuse (enc, "must be an RFC 3339 time such as 2026-11-24T10:00:00Z");
}

static void s_encode_map (encoder_t *enc, const field_spec_t *fields, json_t *obj);

static void
s_encode_value (encoder_t *enc, field_type_t type, field_check_t check, const field_spec_t *fields,
                field_type_t item, json_t *value)
{
    switch (type) {
        case FT_STR:
            if (json_is_string (value))
                s_pack_string (enc, value);
            else
                s_refuse (enc, "must be a string");
            break;
        case FT_INT:
            //  1.0 and "1" are refused: an integer field takes a JSON integer
            if (check == FC_TIME)
                s_encode_time (enc, value);
            else if (json_is_integer (value))
                msgpack_pack_int64 (&enc->pk, json_integer_value (value));
            else
                s_refuse (enc, "must be an integer");
            break;
        case FT_BOOL:
            if (json_is_true (value))
                msgpack_pack_true (&enc->pk);
            else if (json_is_false (value))
                msgpack_pack_false (&enc->pk);
            else
                s_refuse (enc, "must be true or false");
            break;
        case FT_MAP:
            s_encode_map (enc, fields, value);
            break;
        case FT_ARRAY: {
            if (!json_is_array (value)) {
                s_refuse (enc, "must be an array");
                break;
            }
            size_t index;
            json_t *elem;
            msgpack_pack_array (&enc->pk, json_array_size (value));
            json_array_foreach (value, index, elem) {
                size_t len = s_push_index (enc, index);
                s_encode_value (enc, item, check, fields, FT_ANY, elem);
                enc->ptr[len] = '\0';
            }
            break;
        }
        case FT_STRMAP: {
            if (!json_is_object (value)) {
                s_refuse (enc, "must be an object");
                break;
            }
            const char *key;
            json_t *elem;
            msgpack_pack_map (&enc->pk, json_object_size (value));
            json_object_foreach (value, key, elem) {
                size_t len = jsonmp_pointer_push (enc->ptr, key);
                mp_pack_str (&enc->pk, key);
                s_encode_value (enc, FT_STR, FC_NONE, NULL, FT_ANY, elem);
                enc->ptr[len] = '\0';
            }
            break;
        }
        case FT_ANY:
            jsonmp_pack (&enc->pk, value);
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
        s_refuse (enc, "must be an object");
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
            s_encode_value (enc, f->type, f->check, f->fields, f->item, value);
        }
        else if (f->required)
            s_error (enc, "is required");
        enc->ptr[len] = '\0';
    }
}

//  ---- the catalogue's rules, every fault ----------------------------------

//  A value is validated as the only field of a one-field map, so that any
//  part of a body can be put to catalog_validate with its own field spec.
#define S_WRAP_KEY "v"
#define S_WRAP_POINTER "/" S_WRAP_KEY

static int
s_validate (const field_spec_t *spec, const msgpack_object *obj, proto_error_t *err)
{
    field_spec_t fields[] = {*spec, {.name = NULL}};
    fields[0].name = S_WRAP_KEY;
    fields[0].required = true;
    msgpack_object_kv kv = {
        .key = {.type = MSGPACK_OBJECT_STR, .via.str = {.size = sizeof S_WRAP_KEY - 1, .ptr = S_WRAP_KEY}},
        .val = *obj};
    msgpack_object map = {.type = MSGPACK_OBJECT_MAP, .via.map = {.size = 1, .ptr = &kv}};
    return catalog_validate (fields, &map, err);
}

//  Where below the validated value the fault is: "" for the value itself.
static const char *
s_below (const proto_error_t *err)
{
    size_t len = sizeof S_WRAP_POINTER - 1;
    return strncmp (err->field, S_WRAP_POINTER, len) == 0 ? err->field + len : "";
}

static void
s_list (encoder_t *enc, const proto_error_t *err)
{
    char pointer[JSONMP_POINTER_MAX];
    snprintf (pointer, sizeof pointer, "%s%s", enc->ptr, s_below (err));
    s_error_at (enc, pointer, jsonmp_message (err->message, err->field));
}

static int s_check (encoder_t *enc, const field_spec_t *spec, const msgpack_object *obj,
                    proto_error_t *err);

static void
s_check_fields (encoder_t *enc, const field_spec_t *fields, const msgpack_object *obj)
{
    for (const field_spec_t *f = fields; f && f->name && !s_full (enc); f++) {
        const msgpack_object *value = mp_get (obj, f->name);
        if (!value)
            continue;
        size_t len = jsonmp_pointer_push (enc->ptr, f->name);
        proto_error_t err;
        s_check (enc, f, value, &err);
        enc->ptr[len] = '\0';
    }
}

static void
s_check_items (encoder_t *enc, const field_spec_t *spec, const msgpack_object *obj)
{
    //  Items carry the array's own bounds and checks, as in the catalogue.
    field_spec_t item = *spec;
    item.type = spec->item;
    for (uint32_t i = 0; i < obj->via.array.size && !s_full (enc); i++) {
        size_t len = s_push_index (enc, i);
        proto_error_t err;
        s_check (enc, &item, &obj->via.array.ptr[i], &err);
        enc->ptr[len] = '\0';
    }
}

//  Each entry (its key and its value) is checked as a map of its own.
static void
s_check_entries (encoder_t *enc, const field_spec_t *spec, const msgpack_object *obj)
{
    for (uint32_t i = 0; i < obj->via.map.size && !s_full (enc); i++) {
        msgpack_object_kv *kv = &obj->via.map.ptr[i];
        if (kv->val.type == MSGPACK_OBJECT_NIL)
            continue;
        msgpack_object entry = {.type = MSGPACK_OBJECT_MAP, .via.map = {.size = 1, .ptr = kv}};
        proto_error_t err;
        if (s_validate (spec, &entry, &err) != 0 && *s_below (&err))
            s_list (enc, &err);
    }
}

//  Lists every fault of obj (at enc->ptr) and of what it holds. Nil stands
//  where the first pass refused a value, and has been listed already; so
//  have absent required fields. Returns what catalog_validate says of obj
//  as a whole, its first fault in err.
static int
s_check (encoder_t *enc, const field_spec_t *spec, const msgpack_object *obj, proto_error_t *err)
{
    int rc = s_validate (spec, obj, err);
    if (rc == 0 || obj->type == MSGPACK_OBJECT_NIL || s_full (enc))
        return rc;
    if (*s_below (err) == '\0')
        s_list (enc, err);
    if (spec->type == FT_MAP && obj->type == MSGPACK_OBJECT_MAP)
        s_check_fields (enc, spec->fields, obj);
    else if (spec->type == FT_ARRAY && obj->type == MSGPACK_OBJECT_ARRAY)
        s_check_items (enc, spec, obj);
    else if (spec->type == FT_STRMAP && obj->type == MSGPACK_OBJECT_MAP)
        s_check_entries (enc, spec, obj);
    return rc;
}

int
jsonmp_encode (const field_spec_t *fields, json_t *obj, msgpack_sbuffer *out,
               json_t *errors)
{
    encoder_t enc = {.errors = errors};
    msgpack_packer_init (&enc.pk, out, msgpack_sbuffer_write);
    s_encode_map (&enc, fields, obj);

    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    bool read_back = msgpack_unpack_next (&unpacked, out->data, out->size, &offset) == MSGPACK_UNPACK_SUCCESS;
    if (read_back) {
        const field_spec_t body = {.type = FT_MAP, .fields = fields ? fields : s_no_fields};
        proto_error_t err;
        //  Should the walk miss a rule the catalogue adds, its own first
        //  fault still keeps the body from being sent.
        if (s_check (&enc, &body, &unpacked.data, &err) != 0 && enc.faults == 0)
            s_list (&enc, &err);
    }
    msgpack_unpacked_destroy (&unpacked);
    return enc.faults ? RM_EINVAL : read_back ? 0 : RM_EINTERNAL;
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

//  ---- MessagePack to JSON ------------------------------------------------

//  Decoding walks obj beside its field spec (NULL where the catalogue says
//  nothing), so a time is known by its description, never by its key.
//  show: for people, every value gets some JSON form; otherwise a value
//  JSON cannot carry makes the whole result NULL.
static json_t *s_decode (const field_spec_t *spec, const msgpack_object *obj, bool show);

//  A string; in show mode bytes that are not valid UTF-8 become '?' so the
//  rest of the text still shows.
static json_t *
s_string (const char *data, size_t size, bool show)
{
    json_t *value = json_stringn (data, size);
    if (value || !show)
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
s_opaque (const char *kind, size_t size, bool show)
{
    char text[64];
    snprintf (text, sizeof text, "<%s, %zu bytes>", kind, size);
    return show ? json_string (text) : NULL;
}

static json_t *
s_decode_int (const field_spec_t *spec, const msgpack_object *obj, bool show)
{
    int64_t value;
    if (mp_int (obj, &value) != 0) {
        //  beyond what JSON readers take as integers: the digits keep the value
        char digits[32];
        snprintf (digits, sizeof digits, "%" PRIu64, obj->via.u64);
        return show ? json_string (digits) : NULL;
    }
    if (spec && spec->type == FT_INT && spec->check == FC_TIME) {
        char text[40];
        clock_format_rfc3339 (value, text, sizeof text);
        return json_string (text);
    }
    return json_integer ((json_int_t) value);
}

static json_t *
s_decode_real (double value, bool show)
{
    if (isfinite (value) || !show)
        return json_real (value);
    return json_string (isnan (value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
}

//  The spec of a map's field named key: the map's own fields, or none.
static const field_spec_t *
s_field_of (const field_spec_t *spec, const msgpack_object *key)
{
    if (!spec || spec->type != FT_MAP || key->type != MSGPACK_OBJECT_STR)
        return NULL;
    for (const field_spec_t *f = spec->fields; f && f->name; f++)
        if (mp_str_eq (key, f->name))
            return f;
    return NULL;
}

static json_t *
s_decode_map (const field_spec_t *spec, const msgpack_object_map *map, bool show)
{
    json_t *out = json_object ();
    for (uint32_t i = 0; out && i < map->size; i++) {
        const msgpack_object *key = &map->ptr[i].key;
        bool is_str = key->type == MSGPACK_OBJECT_STR;
        if (!is_str && !show) {
            json_decref (out);
            return NULL;
        }
        json_t *name = is_str ? s_string (key->via.str.ptr, key->via.str.size, show) : NULL;
        char *text = is_str ? NULL : jsonmp_show_text (key, 0);
        json_t *value = s_decode (s_field_of (spec, key), &map->ptr[i].val, show);
        const char *label = name ? json_string_value (name) : text;
        //  json_object_set_new takes the value even when it fails
        size_t label_len = name ? json_string_length (name) : text ? strlen (text) : 0;
        if (!label || !value || json_object_setn_new (out, label, label_len, value) != 0) {
            if (!label)
                json_decref (value);
            json_decref (out);
            out = NULL;
        }
        json_decref (name);
        free (text);
    }
    return out;
}

static json_t *
s_decode_array (const field_spec_t *spec, const msgpack_object_array *array, bool show)
{
    //  Items carry the array's own checks, as in the catalogue.
    field_spec_t item = {.type = FT_ANY};
    if (spec && spec->type == FT_ARRAY) {
        item = *spec;
        item.type = spec->item;
    }
    json_t *out = json_array ();
    for (uint32_t i = 0; out && i < array->size; i++)
        if (json_array_append_new (out, s_decode (&item, &array->ptr[i], show)) != 0) {
            json_decref (out);
            out = NULL;
        }
    return out;
}

static json_t *
s_decode (const field_spec_t *spec, const msgpack_object *obj, bool show)
{
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL:
            return json_null ();
        case MSGPACK_OBJECT_BOOLEAN:
            return json_boolean (obj->via.boolean);
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            return s_decode_int (spec, obj, show);
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            return s_decode_real (obj->via.f64, show);
        case MSGPACK_OBJECT_STR:
            return s_string (obj->via.str.ptr, obj->via.str.size, show);
        case MSGPACK_OBJECT_BIN:
            return s_opaque ("bin", obj->via.bin.size, show);
        case MSGPACK_OBJECT_EXT:
            return s_opaque ("ext", obj->via.ext.size, show);
        case MSGPACK_OBJECT_ARRAY:
            return s_decode_array (spec, &obj->via.array, show);
        case MSGPACK_OBJECT_MAP:
            return s_decode_map (spec, &obj->via.map, show);
    }
    return show ? json_null () : NULL;
}

json_t *
jsonmp_decode (const field_spec_t *fields, const msgpack_object *obj)
{
    const field_spec_t body = {.type = FT_MAP, .fields = fields};
    return s_decode (fields ? &body : NULL, obj, false);
}

//  ---- MessagePack to JSON text ---------------------------------------------

//  The text is written as jansson writes a decoded tree with JSON_COMPACT:
//  insertion order, "," and ":" without spaces, only '"', '\\' and control
//  characters escaped (\b \f \n \r \t by name, the others as \u00XX),
//  everything else as it is. Whatever this writer does not do itself
//  (checking UTF-8, printing a float) it asks jansson, so the two agree.
typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} s_text_t;

static void
s_put (s_text_t *t, const char *s, size_t n)
{
    if (t->failed || n == 0)
        return;
    if (t->len + n >= t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap <= t->len + n)
            cap *= 2;
        char *grown = (char *) realloc (t->data, cap);
        if (!grown) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->cap = cap;
    }
    memcpy (t->data + t->len, s, n);
    t->len += n;
}

static bool
s_text_string (s_text_t *t, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    bool checked = false;
    s_put (t, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
            continue;
        if (c >= 0x80) {
            //  jansson's own check, so the text is refused where a tree is
            json_t *probe = checked ? NULL : json_stringn (s, n);
            if (!checked && !probe)
                return false;
            json_decref (probe);
            checked = true;
            continue;
        }
        s_put (t, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', (char) c};
        size_t len = 2;
        static const char named[] = {['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
        if (c < sizeof named && named[c])
            esc[1] = named[c];
        else if (c < 0x20) {
            memcpy (esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0x0f];
            len = 6;
        }
        s_put (t, esc, len);
    }
    s_put (t, s + run, n - run);
    s_put (t, "\"", 1);
    return true;
}

static void
s_text_int (s_text_t *t, int64_t value)
{
    char digits[24];
    size_t at = sizeof digits;
    uint64_t magnitude = value < 0 ? (uint64_t) 0 - (uint64_t) value : (uint64_t) value;
    do {
        digits[--at] = (char) ('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        digits[--at] = '-';
    s_put (t, digits + at, sizeof digits - at);
}

static bool
s_text_real (s_text_t *t, double value)
{
    json_t *real = json_real (value);
    char *text = real ? json_dumps (real, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref (real);
    if (!text)
        return false;
    s_put (t, text, strlen (text));
    free (text);
    return true;
}

static bool s_text_value (s_text_t *t, const field_spec_t *spec, const msgpack_object *obj, const char *skip);

static bool
s_text_map (s_text_t *t, const field_spec_t *spec, const msgpack_object_map *map, const char *skip)
{
    size_t skip_len = skip ? strlen (skip) : 0;
    bool first = true;
    s_put (t, "{", 1);
    for (uint32_t i = 0; i < map->size; i++) {
        const msgpack_object *key = &map->ptr[i].key;
        if (key->type != MSGPACK_OBJECT_STR)
            return false;
        for (uint32_t k = 0; k < i; k++)
            if (map->ptr[k].key.via.str.size == key->via.str.size
                && memcmp (map->ptr[k].key.via.str.ptr, key->via.str.ptr, key->via.str.size) == 0)
                return false;
        //  a left-out value must still be one JSON can carry
        size_t mark = t->len;
        if (!first)
            s_put (t, ",", 1);
        if (!s_text_string (t, key->via.str.ptr, key->via.str.size))
            return false;
        s_put (t, ":", 1);
        if (!s_text_value (t, s_field_of (spec, key), &map->ptr[i].val, NULL))
            return false;
        if (skip && key->via.str.size == skip_len && memcmp (key->via.str.ptr, skip, skip_len) == 0)
            t->len = mark;
        else
            first = false;
    }
    s_put (t, "}", 1);
    return true;
}

static bool
s_text_array (s_text_t *t, const field_spec_t *spec, const msgpack_object_array *array)
{
    field_spec_t item = {.type = FT_ANY};
    if (spec && spec->type == FT_ARRAY) {
        item = *spec;
        item.type = spec->item;
    }
    s_put (t, "[", 1);
    for (uint32_t i = 0; i < array->size; i++) {
        if (i > 0)
            s_put (t, ",", 1);
        if (!s_text_value (t, &item, &array->ptr[i], NULL))
            return false;
    }
    s_put (t, "]", 1);
    return true;
}

static bool
s_text_value (s_text_t *t, const field_spec_t *spec, const msgpack_object *obj, const char *skip)
{
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL:
            s_put (t, "null", 4);
            return true;
        case MSGPACK_OBJECT_BOOLEAN:
            if (obj->via.boolean)
                s_put (t, "true", 4);
            else
                s_put (t, "false", 5);
            return true;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: {
            int64_t value;
            if (mp_int (obj, &value) != 0)
                return false;
            if (spec && spec->type == FT_INT && spec->check == FC_TIME) {
                char text[40];
                clock_format_rfc3339 (value, text, sizeof text);
                return s_text_string (t, text, strlen (text));
            }
            s_text_int (t, value);
            return true;
        }
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            return s_text_real (t, obj->via.f64);
        case MSGPACK_OBJECT_STR:
            return s_text_string (t, obj->via.str.ptr, obj->via.str.size);
        case MSGPACK_OBJECT_ARRAY:
            return s_text_array (t, spec, &obj->via.array);
        case MSGPACK_OBJECT_MAP:
            return s_text_map (t, spec, &obj->via.map, skip);
        case MSGPACK_OBJECT_BIN:
        case MSGPACK_OBJECT_EXT:
            break;
    }
    return false;
}

char *
jsonmp_decode_text (const field_spec_t *fields, const msgpack_object *obj, const char *skip, size_t *len)
{
    const field_spec_t body = {.type = FT_MAP, .fields = fields};
    s_text_t t = {0};
    bool ok = obj->type == MSGPACK_OBJECT_MAP && s_text_value (&t, fields ? &body : NULL, obj, skip);
    if (!ok || t.failed || !t.data) {
        free (t.data);
        return NULL;
    }
    //  s_put leaves room for the NUL
    t.data[t.len] = '\0';
    *len = t.len;
    return t.data;
}

json_t *
jsonmp_show (const msgpack_object *obj)
{
    return s_decode (NULL, obj, true);
}

char *
jsonmp_show_text (const msgpack_object *obj, size_t flags)
{
    json_t *value = jsonmp_show (obj);
    char *text = value ? json_dumps (value, flags | JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref (value);
    return text;
}
