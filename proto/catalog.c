#include "catalog.h"
#include "catalog_core.h"
#include "catalog_fields.h"
#include "err.h"
#include "money.h"
#include "mp.h"
#include "uuid.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  ---- the operations every service answers ------------------------------------

static const field_spec_t s_none[] = {{.name = NULL}};

RECORD_FIELDS (core_event_log, CORE_EVENT_LOG)
RECORD_FIELDS (core_consumer_status, CORE_CONSUMER_STATUS)
RECORD_FIELDS (core_outbound_status, CORE_OUTBOUND_STATUS)
RECORD_FIELDS (core_store_fill, CORE_STORE_FILL)
RECORD_FIELDS (core_security, CORE_SECURITY)
RECORD_FIELDS (core_health, CORE_HEALTH)
RECORD_FIELDS (core_since_request, CORE_SINCE_REQUEST)
RECORD_FIELDS (core_since_reply, CORE_SINCE_REPLY)
RECORD_FIELDS (core_replay_request, CORE_REPLAY_REQUEST)
RECORD_FIELDS (core_replay_reply, CORE_REPLAY_REPLY)
RECORD_FIELDS (core_dlq_list_request, CORE_DLQ_LIST_REQUEST)
RECORD_FIELDS (core_dlq_entry, CORE_DLQ_ENTRY)
RECORD_FIELDS (core_dlq_list_reply, CORE_DLQ_LIST_REPLY)
RECORD_FIELDS (core_dlq_key_request, CORE_DLQ_KEY_REQUEST)
RECORD_FIELDS (core_dlq_shown, CORE_DLQ_SHOWN)
RECORD_FIELDS (core_dlq_retried, CORE_DLQ_RETRIED)
RECORD_FIELDS (core_dlq_dropped, CORE_DLQ_DROPPED)
RECORD_FIELDS (catalog_sku_quantity, CATALOG_SKU_QUANTITY)
RECORD_FIELDS (catalog_quoted_line, CATALOG_QUOTED_LINE)
RECORD_FIELDS (catalog_allocation, CATALOG_ALLOCATION)
RECORD_FIELDS (catalog_batch_reply, CATALOG_BATCH_REPLY)
RECORD_FIELDS (catalog_percentiles, CATALOG_PERCENTILES)

const msg_spec_t catalog_core[] = {
    OP ("sys.health", s_none, core_health_fields, "Liveness and basic facts; every service answers it."),
    OP ("events.since", core_since_request_fields, core_since_reply_fields,
        "Events from the service's log, from a sequence number on; every service answers it."),
    OP ("consumer.replay", core_replay_request_fields, core_replay_reply_fields,
        "Applies a source's events again from a sequence number (application is idempotent)."),
    OP ("dlq.list", core_dlq_list_request_fields, core_dlq_list_reply_fields, "Events that failed and were set aside."),
    OP ("dlq.show", core_dlq_key_request_fields, core_dlq_shown_fields, "One dead letter with its event."),
    OP ("dlq.retry", core_dlq_key_request_fields, core_dlq_retried_fields,
        "Applies a dead letter again; removed if it applies."),
    OP ("dlq.drop", core_dlq_key_request_fields, core_dlq_dropped_fields, "Removes a dead letter without applying it."),
    {.name = NULL},
};

//  ---- the registry ---------------------------------------------------------------

//  Every message of every registered slice, in registration order, so the
//  catalogue reads as one list; the mesh's own slices come first.
static msg_spec_t s_all[CATALOG_MESSAGES_MAX + 1];
static size_t s_count;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

//  s_all by name, for the lookup every message makes: an open-addressed
//  table of indices into s_all plus one (0: empty slot), twice the
//  catalogue's capacity, so a name is hashed once rather than compared
//  with every message's.
#define S_INDEX_SIZE (2 * CATALOG_MESSAGES_MAX)
static uint16_t s_index[S_INDEX_SIZE];

static size_t
s_slot (const char *name)
{
    uint32_t hash = 2166136261u;
    for (const unsigned char *c = (const unsigned char *) name; *c; c++)
        hash = (hash ^ *c) * 16777619u;
    return hash & (S_INDEX_SIZE - 1);
}

static const msg_spec_t *
s_find (const char *name)
{
    if (!name)
        return NULL;
    for (size_t slot = s_slot (name); s_index[slot]; slot = (slot + 1) & (S_INDEX_SIZE - 1))
        if (strcmp (s_all[s_index[slot] - 1].name, name) == 0)
            return &s_all[s_index[slot] - 1];
    return NULL;
}

//  Checks the whole slice first, so a refused slice adds nothing.
static int
s_register (const msg_spec_t *messages)
{
    size_t n = 0;
    for (const msg_spec_t *msg = messages; msg && msg->name; msg++, n++) {
        if (s_find (msg->name))
            return RM_EINVAL;
        for (const msg_spec_t *other = messages; other < msg; other++)
            if (strcmp (other->name, msg->name) == 0)
                return RM_EINVAL;
    }
    if (s_count + n > CATALOG_MESSAGES_MAX)
        return RM_ENOMEM;
    memcpy (&s_all[s_count], messages, n * sizeof *messages);
    for (size_t i = s_count; i < s_count + n; i++) {
        size_t slot = s_slot (s_all[i].name);
        while (s_index[slot])
            slot = (slot + 1) & (S_INDEX_SIZE - 1);
        s_index[slot] = (uint16_t) (i + 1);
    }
    s_count += n;
    return 0;
}

static void
s_register_mesh (void)
{
    const msg_spec_t *const slices[] = {catalog_core, catalog_pricing, catalog_inventory, catalog_orders,
                                         catalog_fulfillment, catalog_returns};
    for (size_t i = 0; i < sizeof slices / sizeof slices[0]; i++)
        s_register (slices[i]);
}

int
catalog_register (const msg_spec_t *messages)
{
    pthread_once (&s_once, s_register_mesh);
    pthread_mutex_lock (&s_lock);
    int rc = s_register (messages);
    pthread_mutex_unlock (&s_lock);
    return rc;
}

const msg_spec_t *
catalog_all (void)
{
    pthread_once (&s_once, s_register_mesh);
    return s_all;
}

const msg_spec_t *
catalog_find (const char *name)
{
    pthread_once (&s_once, s_register_mesh);
    return s_find (name);
}

//  ---- validation ---------------------------------------------------------------

#define S_PATH_MAX sizeof (((proto_error_t *) 0)->field)

static int s_check_value (const field_spec_t *spec, const msgpack_object *obj, char *path,
                          size_t len, proto_error_t *err);

static int s_fail (proto_error_t *err, const char *path, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Messages start with the pointer, so they read well on their own.
static int
s_fail (proto_error_t *err, const char *path, const char *fmt, ...)
{
    char problem[160];
    va_list args;
    va_start (args, fmt);
    vsnprintf (problem, sizeof problem, fmt, args);
    va_end (args);
    return proto_error_set (err, RM_EINVAL, path, "%s %s", path[0] ? path : "the body", problem);
}

static const char *
s_kind_of (const msgpack_object *obj)
{
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL: return "nil";
        case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64: return "a float";
        case MSGPACK_OBJECT_STR: return "a string";
        case MSGPACK_OBJECT_ARRAY: return "an array";
        case MSGPACK_OBJECT_MAP: return "a map";
        case MSGPACK_OBJECT_BIN: return "binary data";
        case MSGPACK_OBJECT_EXT: return "an extension value";
    }
    return "an unknown type";
}

static int
s_wrong_type (proto_error_t *err, const char *path, const char *expected, const msgpack_object *obj)
{
    return s_fail (err, path, "must be %s (got %s)", expected, s_kind_of (obj));
}

//  Appends "/segment" with JSON Pointer escaping (RFC 6901: "~" is "~0",
//  "/" is "~1"); bytes that are not printable ASCII become "?", since the
//  pointer is read by people. Returns the new length.
static size_t
s_path_key (char *path, size_t len, const char *key, size_t key_len)
{
    if (len + 1 < S_PATH_MAX)
        path[len++] = '/';
    for (size_t i = 0; i < key_len && len + 2 < S_PATH_MAX; i++) {
        char c = key[i];
        if (c == '~' || c == '/') {
            path[len++] = '~';
            path[len++] = c == '~' ? '0' : '1';
        }
        else
            path[len++] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    path[len] = '\0';
    return len;
}

static size_t
s_path_index (char *path, size_t len, uint32_t index)
{
    snprintf (path + len, S_PATH_MAX - len, "/%u", index);
    return strlen (path);
}

//  A short, printable excerpt of a bad value for an error message.
static const char *
s_excerpt (const char *s, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < size; i++)
        buf[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    buf[n] = '\0';
    if (n < len)
        strcat (buf, "...");
    return buf;
}

static bool
s_ident (const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

//  Decodes the code point at s[i] into *code and returns its length in
//  bytes; 0 for anything but well-formed UTF-8 (RFC 3629: shortest forms,
//  no surrogates, nothing above U+10FFFF).
static size_t
s_utf8_next (const uint8_t *s, size_t len, size_t i, uint32_t *code)
{
    static const uint32_t min_code[] = {0, 0x80, 0x800, 0x10000};
    uint8_t c = s[i];
    if (c < 0x80) {
        *code = c;
        return 1;
    }
    size_t extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
    if (extra == 0 || extra >= len - i)
        return 0;
    uint32_t value = c & (0x3f >> extra);
    for (size_t k = 1; k <= extra; k++) {
        if ((s[i + k] & 0xc0) != 0x80)
            return 0;
        value = value << 6 | (s[i + k] & 0x3f);
    }
    if (value < min_code[extra] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return 0;
    *code = value;
    return extra + 1;
}

//  Well-formed UTF-8 without NUL, which would cut C strings short.
static bool
s_utf8 (const char *text, size_t len)
{
    const uint8_t *s = (const uint8_t *) text;
    uint32_t code;
    for (size_t i = 0, n; i < len; i += n)
        if ((n = s_utf8_next (s, len, i, &code)) == 0 || code == 0)
            return false;
    return true;
}

//  C0, DEL and C1.
static bool
s_control (uint32_t code)
{
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

//  Characters that do not show, or that reorder what is shown, so that two
//  references looking alike differ: zero-width spaces and joiners, the
//  bidirectional marks, embeddings, overrides and isolates, the line and
//  paragraph separators, the invisible operators and the byte order mark.
static bool
s_invisible (uint32_t code)
{
    return (code >= 0x200b && code <= 0x200f) || code == 0x2028 || code == 0x2029
           || (code >= 0x202a && code <= 0x202e) || (code >= 0x2060 && code <= 0x2064)
           || (code >= 0x2066 && code <= 0x2069) || code == 0xfeff;
}

//  ASCII and Unicode white space (Unicode's White_Space property).
static bool
s_space (uint32_t code)
{
    return code == ' ' || (code >= 0x09 && code <= 0x0d) || code == 0x85 || code == 0xa0
           || code == 0x1680 || (code >= 0x2000 && code <= 0x200a) || code == 0x2028 || code == 0x2029
           || code == 0x202f || code == 0x205f || code == 0x3000;
}

//  A client's reference, already known to be well-formed UTF-8.
static int
s_check_ref (const char *text, size_t len, const char *path, proto_error_t *err)
{
    const uint8_t *s = (const uint8_t *) text;
    uint32_t code = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i += n) {
        n = s_utf8_next (s, len, i, &code);
        if (s_control (code))
            return s_fail (err, path, "must not contain control characters (got U+%04X at byte %zu)",
                           (unsigned) code, i);
        if (s_invisible (code))
            return s_fail (err, path, "must not contain zero-width or bidirectional control characters "
                           "(got U+%04X at byte %zu)", (unsigned) code, i);
        if (s_space (code) && (i == 0 || i + n == len))
            return s_fail (err, path, "must not start or end with white space");
    }
    return 0;
}

static int
s_check_format (field_check_t check, const char *s, size_t len, const char *path,
                proto_error_t *err)
{
    char text[UUID_STR_LEN + 1], got[24];
    uint8_t id[16];
    if (check == FC_IDENT && !s_ident (s, len))
        return s_fail (err, path, "must be printable ASCII without spaces (got \"%s\")",
                       s_excerpt (s, len, got, sizeof got));
    if (check == FC_REF)
        return s_check_ref (s, len, path, err);
    if (check == FC_CURRENCY) {
        snprintf (text, sizeof text, "%.*s", (int) (len < 4 ? len : 4), s);
        if (len != 3 || !money_currency_valid (text))
            return s_fail (err, path, "is not an ISO 4217 currency code (got \"%s\"); use an "
                           "upper-case code such as EUR or USD", s_excerpt (s, len, got, sizeof got));
    }
    if (check == FC_UUID) {
        snprintf (text, sizeof text, "%.*s", (int) (len < sizeof text ? len : sizeof text - 1), s);
        if (len != UUID_STR_LEN || uuid_parse (text, id) != 0)
            return s_fail (err, path, "must be a UUID: 36 characters, lower-case hex digits "
                           "and hyphens in groups 8-4-4-4-12");
    }
    return 0;
}

static int
s_check_str (const field_spec_t *spec, const msgpack_object *obj, const char *path,
             proto_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_STR)
        return s_wrong_type (err, path, "a string", obj);
    const char *s = obj->via.str.ptr;
    size_t len = obj->via.str.size;
    size_t max = spec->max_len ? spec->max_len : CATALOG_STR_DEFAULT_MAX;
    if (len == 0)
        return s_fail (err, path, "must not be empty");
    if (!s_utf8 (s, len))
        return s_fail (err, path, "must be valid UTF-8 without NUL characters");
    int rc = s_check_format (spec->check, s, len, path, err);
    if (rc)
        return rc;
    if (len > max)
        return s_fail (err, path, "must be at most %zu bytes long (got %zu)", max, len);
    return 0;
}

static int
s_check_int (const field_spec_t *spec, const msgpack_object *obj, const char *path,
             proto_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_POSITIVE_INTEGER && obj->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return s_wrong_type (err, path, "an integer", obj);
    int64_t value;
    bool fits = mp_int (obj, &value) == 0;
    if (fits && value >= spec->min && value <= spec->max)
        return 0;
    char got[32] = "";
    if (fits)
        snprintf (got, sizeof got, " (got %lld)", (long long) value);
    if (spec->max == INT64_MAX)
        return s_fail (err, path, "must be at least %lld%s", (long long) spec->min, got);
    return s_fail (err, path, "must be between %lld and %lld%s", (long long) spec->min,
                   (long long) spec->max, got);
}

static int
s_check_array (const field_spec_t *spec, const msgpack_object *obj, char *path, size_t len,
               proto_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_ARRAY)
        return s_wrong_type (err, path, "an array", obj);
    uint32_t n = obj->via.array.size;
    if (n < spec->min_items)
        return s_fail (err, path, "must have at least %zu item%s (got %u)", spec->min_items,
                       spec->min_items == 1 ? "" : "s", n);
    if (n > spec->max_items)
        return s_fail (err, path, "must have at most %zu items (got %u)", spec->max_items, n);
    //  Items carry the array's own bounds and checks: its max_len and check
    //  for strings, min and max for integers, fields for maps.
    field_spec_t item = *spec;
    item.type = spec->item;
    for (uint32_t i = 0; i < n; i++) {
        int rc = s_check_value (&item, &obj->via.array.ptr[i], path, s_path_index (path, len, i), err);
        if (rc)
            return rc;
    }
    return 0;
}

//  Checks the i-th key of a map is a string that no earlier key repeats,
//  and appends it to the path.
static int
s_enter_key (const msgpack_object *map, uint32_t i, char *path, size_t len, size_t *key_len,
             proto_error_t *err)
{
    const msgpack_object *key = &map->via.map.ptr[i].key;
    if (key->type != MSGPACK_OBJECT_STR)
        return s_fail (err, path, "has a key that is not a string (got %s)", s_kind_of (key));
    *key_len = s_path_key (path, len, key->via.str.ptr, key->via.str.size);
    for (uint32_t j = 0; j < i; j++)
        if (msgpack_object_equal (map->via.map.ptr[j].key, *key))
            return s_fail (err, path, "appears more than once");
    return 0;
}

static bool
s_known (const field_spec_t *fields, const msgpack_object *key)
{
    for (const field_spec_t *f = fields; f->name; f++)
        if (mp_str_eq (key, f->name))
            return true;
    return false;
}

static int
s_unknown_field (const field_spec_t *fields, const char *path, proto_error_t *err)
{
    char names[120] = "";
    size_t used = 0;
    for (const field_spec_t *f = fields; f->name && used < sizeof names; f++)
        used += (size_t) snprintf (names + used, sizeof names - used, "%s%s", used ? ", " : "", f->name);
    return s_fail (err, path, "is not a known field (known: %s)", fields->name ? names : "none");
}

static int
s_check_map (const field_spec_t *fields, const msgpack_object *obj, char *path, size_t len,
             proto_error_t *err)
{
    size_t key_len;
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        int rc = s_enter_key (obj, i, path, len, &key_len, err);
        if (rc)
            return rc;
        if (!s_known (fields, &obj->via.map.ptr[i].key))
            return s_unknown_field (fields, path, err);
    }
    for (const field_spec_t *f = fields; f->name; f++) {
        const msgpack_object *value = mp_get (obj, f->name);
        size_t field_len = s_path_key (path, len, f->name, strlen (f->name));
        if (!value && f->required)
            return s_fail (err, path, "is required");
        int rc = value ? s_check_value (f, value, path, field_len, err) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

static int
s_check_strmap (const field_spec_t *spec, const msgpack_object *obj, char *path, size_t len,
                proto_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_MAP)
        return s_wrong_type (err, path, "a map of strings to strings", obj);
    uint32_t n = obj->via.map.size;
    if (n > spec->max_items)
        return s_fail (err, path, "must have at most %zu entries (got %u)", spec->max_items, n);
    field_spec_t value = {.type = FT_STR, .max_len = spec->max_len};
    size_t key_len;
    for (uint32_t i = 0; i < n; i++) {
        int rc = s_enter_key (obj, i, path, len, &key_len, err);
        if (rc)
            return rc;
        const msgpack_object_str *key = &obj->via.map.ptr[i].key.via.str;
        if (key->size == 0 || key->size > CATALOG_STRMAP_KEY_MAX || !s_ident (key->ptr, key->size))
            return s_fail (err, path, "is not a valid key (keys are 1 to %d printable ASCII "
                           "characters without spaces)", CATALOG_STRMAP_KEY_MAX);
        if ((rc = s_check_str (&value, &obj->via.map.ptr[i].val, path, err)))
            return rc;
    }
    return 0;
}

static int
s_check_value (const field_spec_t *spec, const msgpack_object *obj, char *path, size_t len,
               proto_error_t *err)
{
    switch (spec->type) {
        case FT_STR: return s_check_str (spec, obj, path, err);
        case FT_INT: return s_check_int (spec, obj, path, err);
        case FT_BOOL:
            return obj->type == MSGPACK_OBJECT_BOOLEAN ? 0 : s_wrong_type (err, path, "a boolean", obj);
        case FT_MAP:
            return obj->type == MSGPACK_OBJECT_MAP ? s_check_map (spec->fields, obj, path, len, err)
                                                   : s_wrong_type (err, path, "a map", obj);
        case FT_ARRAY: return s_check_array (spec, obj, path, len, err);
        case FT_STRMAP: return s_check_strmap (spec, obj, path, len, err);
        case FT_ANY: break;
    }
    return 0;
}

int
catalog_validate (const field_spec_t *fields, const msgpack_object *body, proto_error_t *err)
{
    char path[S_PATH_MAX] = "";
    if (!body)
        return s_fail (err, path, "is missing");
    if (body->type != MSGPACK_OBJECT_MAP)
        return s_wrong_type (err, path, "a map", body);
    return s_check_map (fields ? fields : s_none, body, path, 0, err);
}

int
catalog_validate_packed (const field_spec_t *fields, const char *data, size_t size, proto_error_t *err)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    int rc;
    if (msgpack_unpack_next (&unpacked, data, size, &offset) != MSGPACK_UNPACK_SUCCESS || offset != size)
        rc = proto_error_set (err, RM_EPROTO, "", "the body is not one MessagePack object");
    else
        rc = catalog_validate (fields, &unpacked.data, err);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}
