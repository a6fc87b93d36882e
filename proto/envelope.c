#include "envelope.h"
#include "err.h"
#include "mp.h"
#include "text.h"
#include "uuid.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
proto_error_set (proto_error_t *err, int code, const char *field, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf (err->field, sizeof err->field, "%s", field ? field : "");
    va_list args;
    va_start (args, fmt);
    vsnprintf (err->message, sizeof err->message, fmt, args);
    va_end (args);
    return code;
}

//  ---- structural scan ---------------------------------------------------

//  How a MessagePack format byte from 0xc0 to 0xdf is laid out: a fixed
//  payload, or a big-endian length of lenbytes followed by that many
//  payload bytes (plus extra), or a count of array items or map pairs.
typedef enum { S_INVALID, S_FIXED, S_BYTES, S_ARRAY, S_MAP } s_layout_t;

typedef struct {
    s_layout_t layout;
    uint8_t lenbytes;
    uint8_t extra;
} s_format_t;

static const s_format_t s_formats[32] = {
    [0x00] = {S_FIXED, 0, 0},  [0x01] = {S_INVALID, 0, 0}, [0x02] = {S_FIXED, 0, 0},
    [0x03] = {S_FIXED, 0, 0},  [0x04] = {S_BYTES, 1, 0},   [0x05] = {S_BYTES, 2, 0},
    [0x06] = {S_BYTES, 4, 0},  [0x07] = {S_BYTES, 1, 1},   [0x08] = {S_BYTES, 2, 1},
    [0x09] = {S_BYTES, 4, 1},  [0x0a] = {S_FIXED, 0, 4},   [0x0b] = {S_FIXED, 0, 8},
    [0x0c] = {S_FIXED, 0, 1},  [0x0d] = {S_FIXED, 0, 2},   [0x0e] = {S_FIXED, 0, 4},
    [0x0f] = {S_FIXED, 0, 8},  [0x10] = {S_FIXED, 0, 1},   [0x11] = {S_FIXED, 0, 2},
    [0x12] = {S_FIXED, 0, 4},  [0x13] = {S_FIXED, 0, 8},   [0x14] = {S_FIXED, 0, 2},
    [0x15] = {S_FIXED, 0, 3},  [0x16] = {S_FIXED, 0, 5},   [0x17] = {S_FIXED, 0, 9},
    [0x18] = {S_FIXED, 0, 17}, [0x19] = {S_BYTES, 1, 0},   [0x1a] = {S_BYTES, 2, 0},
    [0x1b] = {S_BYTES, 4, 0},  [0x1c] = {S_ARRAY, 2, 0},   [0x1d] = {S_ARRAY, 4, 0},
    [0x1e] = {S_MAP, 2, 0},    [0x1f] = {S_MAP, 4, 0},
};

//  Reads the header of the object at p: its total size without children,
//  and how many child objects follow it. Returns false when the format
//  byte is invalid or the header is cut short.
static bool
s_object_header (const uint8_t *p, size_t avail, size_t *size, size_t *children)
{
    uint8_t b = p[0];
    *children = 0;
    *size = 1;
    if (b <= 0x7f || b >= 0xe0)
        return true;
    if (b <= 0x8f)
        *children = 2 * (size_t) (b & 0x0f);
    else if (b <= 0x9f)
        *children = b & 0x0f;
    else if (b <= 0xbf)
        *size += b & 0x1f;
    else {
        s_format_t f = s_formats[b - 0xc0];
        if (f.layout == S_INVALID || avail < 1u + f.lenbytes)
            return false;
        size_t n = 0;
        for (int i = 1; i <= f.lenbytes; i++)
            n = n << 8 | p[i];
        *size += f.lenbytes + f.extra + (f.layout == S_BYTES ? n : 0);
        *children = f.layout == S_ARRAY ? n : f.layout == S_MAP ? 2 * n : 0;
    }
    return true;
}

typedef enum { S_SKIPPED, S_TRUNCATED, S_OVERDECLARED } s_skip_t;

//  Walks the encoded object at *pos, with everything it holds, without
//  allocating, and moves *pos past it. msgpack-c allocates a container's
//  item slots before reading them, so a few hostile bytes that declare a
//  4-billion-item array would otherwise cost gigabytes; here every
//  declared object must have at least one byte of input left.
static s_skip_t
s_skip (const uint8_t *data, size_t size, size_t *pos)
{
    size_t pending = 1;
    while (pending > 0) {
        size_t len, children;
        if (*pos >= size || !s_object_header (data + *pos, size - *pos, &len, &children) || len > size - *pos)
            return S_TRUNCATED;
        *pos += len;
        pending = pending - 1 + children;
        if (pending > size - *pos)
            return S_OVERDECLARED;
    }
    return S_SKIPPED;
}

static int
s_scan (const uint8_t *data, size_t size, proto_error_t *err)
{
    if (size == 0)
        return proto_error_set (err, RM_EPROTO, "", "the message is empty");
    size_t pos = 0;
    s_skip_t skipped = s_skip (data, size, &pos);
    if (skipped == S_TRUNCATED)
        return proto_error_set (err, RM_EPROTO, "",
                                "the message is not valid MessagePack (bad or truncated at byte %zu)", pos);
    if (skipped == S_OVERDECLARED)
        return proto_error_set (err, RM_EPROTO, "",
                                "the message is not valid MessagePack (declares more items than it has bytes)");
    if (pos != size)
        return proto_error_set (err, RM_EPROTO, "", "the message has %zu byte%s after its first MessagePack object",
                                size - pos, size - pos == 1 ? "" : "s");
    return 0;
}

//  Zone bytes a message's objects take, per byte of the message, for a
//  typical envelope (more only adds a chunk to the zone), and at most what
//  a first chunk reserves for them (a batch of megabytes grows the zone).
#define S_ZONE_PER_BYTE 4
#define S_ZONE_TREE_MAX (1024 * 1024)

//  Unpacks a copy of the bytes kept in the unpacked zone, which also holds
//  the objects read from it: the envelope stays valid after the caller
//  frees the frame it came from, at the cost of one allocation (the zone's
//  first chunk, sized for both), where a streaming unpacker takes three
//  and copies the same bytes.
static int
s_unpack (const void *data, size_t size, msgpack_unpacked *unpacked, proto_error_t *err)
{
    int rc = s_scan (data, size, err);
    if (rc)
        return rc;
    size_t tree = size < S_ZONE_TREE_MAX / S_ZONE_PER_BYTE ? S_ZONE_PER_BYTE * size : S_ZONE_TREE_MAX;
    msgpack_zone *zone = msgpack_zone_new (size + tree + 256);
    char *copy = zone ? (char *) msgpack_zone_malloc_no_align (zone, size) : NULL;
    if (!copy) {
        msgpack_zone_free (zone);
        return proto_error_set (err, RM_EPROTO, "", "out of memory while unpacking the message");
    }
    memcpy (copy, data, size);
    size_t offset = 0;
    if (msgpack_unpack (copy, size, &offset, zone, &unpacked->data) != MSGPACK_UNPACK_SUCCESS) {
        msgpack_zone_free (zone);
        return proto_error_set (err, RM_EPROTO, "",
                                "the message could not be unpacked (nested too deeply, or out of memory)");
    }
    unpacked->zone = zone;
    return 0;
}

static bool
s_is_map_header (uint8_t b)
{
    return (b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf;
}

//  The string whose object spans [pos, end), or false when it is no string.
static bool
s_string_at (const uint8_t *data, size_t pos, size_t end, const char **str, size_t *len)
{
    uint8_t b = data[pos];
    size_t header = b >= 0xa0 && b <= 0xbf ? 1 : b == 0xd9 ? 2 : b == 0xda ? 3 : b == 0xdb ? 5 : 0;
    if (!header)
        return false;
    *str = (const char *) data + pos + header;
    *len = end - pos - header;
    return true;
}

int
envelope_type (const void *data, size_t size, char *type, size_t type_size)
{
    const uint8_t *p = (const uint8_t *) data;
    size_t pos = 0, len, children;
    if (size == 0 || !s_is_map_header (p[0]) || !s_object_header (p, size, &len, &children) || len > size)
        return RM_EPROTO;
    pos = len;
    for (size_t i = 0; i < children / 2; i++) {
        size_t key_at = pos, value_at;
        if (s_skip (p, size, &pos) != S_SKIPPED)
            return RM_EPROTO;
        const char *key, *value;
        size_t key_len, value_len;
        bool is_type = s_string_at (p, key_at, pos, &key, &key_len) && key_len == 4 && memcmp (key, "type", 4) == 0;
        value_at = pos;
        if (s_skip (p, size, &pos) != S_SKIPPED)
            return RM_EPROTO;
        if (!is_type)
            continue;
        if (!s_string_at (p, value_at, pos, &value, &value_len) || value_len == 0 || value_len >= type_size)
            return RM_EPROTO;
        memcpy (type, value, value_len);
        type[value_len] = '\0';
        for (size_t c = 0; c < value_len; c++)
            if (type[c] < 0x21 || type[c] > 0x7e)
                return RM_EPROTO;
        return 0;
    }
    return RM_EPROTO;
}

//  ---- envelope fields ---------------------------------------------------

static int s_bad (proto_error_t *err, const char *key, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_bad (proto_error_t *err, const char *key, const char *fmt, ...)
{
    char field[32], problem[120];
    snprintf (field, sizeof field, "/%s", key);
    va_list args;
    va_start (args, fmt);
    vsnprintf (problem, sizeof problem, fmt, args);
    va_end (args);
    return proto_error_set (err, RM_EPROTO, field, "envelope field %s %s", field, problem);
}

static bool
s_printable (const char *s)
{
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e)
            return false;
    return true;
}

//  Finds key and checks its MessagePack type (what names it for people).
//  An absent optional key leaves *obj NULL.
static int
s_field (const msgpack_object *map, const char *key, bool required, msgpack_object_type type,
         const char *what, const msgpack_object **obj, proto_error_t *err)
{
    *obj = mp_get (map, key);
    if (!*obj)
        return required ? s_bad (err, key, "is required") : 0;
    if ((*obj)->type != type)
        return s_bad (err, key, "must be %s", what);
    return 0;
}

//  Copies a text field: non-empty printable ASCII without spaces (it ends
//  up in logs and topics) that fits buf. An absent optional one is "".
static int
s_text (const msgpack_object *map, const char *key, bool required, char *buf, size_t size,
        proto_error_t *err)
{
    const msgpack_object *obj;
    buf[0] = '\0';
    int rc = s_field (map, key, required, MSGPACK_OBJECT_STR, "a string", &obj, err);
    if (rc || !obj)
        return rc;
    if (obj->via.str.size == 0)
        return s_bad (err, key, "must not be empty");
    if (obj->via.str.size >= size)
        return s_bad (err, key, "must be at most %zu bytes long", size - 1);
    if (mp_str (obj, buf, size) != 0 || !s_printable (buf))
        return s_bad (err, key, "must be printable ASCII without spaces");
    return 0;
}

//  Reads a Unix time in milliseconds; an absent optional one is 0.
static int
s_time (const msgpack_object *map, const char *key, bool required, int64_t *value,
        proto_error_t *err)
{
    static const char what[] = "a positive integer (Unix time in milliseconds)";
    const msgpack_object *obj;
    *value = 0;
    int rc = s_field (map, key, required, MSGPACK_OBJECT_POSITIVE_INTEGER, what, &obj, err);
    if (rc || !obj)
        return rc;
    if (mp_int (obj, value) != 0 || *value == 0)
        return s_bad (err, key, "must be %s", what);
    return 0;
}

static int
s_decode_version (const msgpack_object *map, envelope_t *env, proto_error_t *err)
{
    const msgpack_object *v;
    int rc = s_field (map, "v", true, MSGPACK_OBJECT_POSITIVE_INTEGER, "a positive integer", &v, err);
    if (rc)
        return rc;
    if (v->via.u64 != PROTO_VERSION)
        return s_bad (err, "v", "is %llu; only protocol version %d is spoken",
                      (unsigned long long) v->via.u64, PROTO_VERSION);
    env->version = PROTO_VERSION;
    return 0;
}

static int
s_decode_reply (const msgpack_object *map, envelope_t *env, proto_error_t *err)
{
    const msgpack_object *ok;
    int rc = s_text (map, "reply_to", true, env->reply_to, sizeof env->reply_to, err);
    if (rc == 0)
        rc = s_field (map, "ok", true, MSGPACK_OBJECT_BOOLEAN, "a boolean", &ok, err);
    if (rc)
        return rc;
    env->ok = ok->via.boolean;
    env->kind = ENVELOPE_REPLY;
    return 0;
}

static int
s_decode_event (const msgpack_object *map, envelope_t *env, proto_error_t *err)
{
    const msgpack_object *seq;
    int rc = s_text (map, "source", true, env->source, sizeof env->source, err);
    if (rc == 0)
        rc = s_field (map, "seq", true, MSGPACK_OBJECT_POSITIVE_INTEGER, "a non-negative integer", &seq, err);
    if (rc == 0)
        rc = s_time (map, "time", true, &env->time_ms, err);
    if (rc)
        return rc;
    env->seq = seq->via.u64;
    env->kind = ENVELOPE_EVENT;
    return 0;
}

static int
s_decode_body (const msgpack_object *map, envelope_t *env, proto_error_t *err)
{
    const msgpack_object *body;
    int rc = s_field (map, "body", true, MSGPACK_OBJECT_MAP, "a map", &body, err);
    if (rc == 0)
        env->body = *body;
    return rc;
}

//  The fields every kind has, then the kind's own: reply_to makes a reply,
//  source or seq an event, anything else is a request.
static int
s_decode_fields (const msgpack_object *map, envelope_t *env, proto_error_t *err)
{
    int rc;
    if ((rc = s_decode_version (map, env, err))
        || (rc = s_text (map, "type", true, env->type, sizeof env->type, err))
        || (rc = s_text (map, "id", true, env->id, sizeof env->id, err))
        || (rc = s_text (map, "cid", true, env->cid, sizeof env->cid, err))
        || (rc = s_text (map, "idem", false, env->idem, sizeof env->idem, err))
        || (rc = s_time (map, "deadline", false, &env->deadline_ms, err))
        || (rc = s_text (map, "caller", false, env->caller, sizeof env->caller, err)))
        return rc;
    if (mp_get (map, "reply_to"))
        rc = s_decode_reply (map, env, err);
    else if (mp_get (map, "source") || mp_get (map, "seq"))
        rc = s_decode_event (map, env, err);
    else
        env->kind = ENVELOPE_REQUEST;
    return rc ? rc : s_decode_body (map, env, err);
}

int
envelope_decode (const void *data, size_t size, msgpack_unpacked *unpacked,
                 envelope_t *env, proto_error_t *err)
{
    memset (env, 0, sizeof *env);
    msgpack_unpacked_init (unpacked);
    int rc = s_unpack (data, size, unpacked, err);
    if (rc == 0 && unpacked->data.type != MSGPACK_OBJECT_MAP)
        rc = proto_error_set (err, RM_EPROTO, "", "the envelope must be a MessagePack map");
    if (rc == 0)
        rc = s_decode_fields (&unpacked->data, env, err);
    if (rc)
        msgpack_unpacked_destroy (unpacked);
    return rc;
}

//  ---- packing -------------------------------------------------------------

void
envelope_pack_header (msgpack_packer *pk, const envelope_t *env)
{
    bool idem = env->kind == ENVELOPE_REQUEST && env->idem[0];
    bool deadline = env->kind == ENVELOPE_REQUEST && env->deadline_ms > 0;
    bool caller = env->kind != ENVELOPE_REPLY && env->caller[0];
    size_t n = 5 + idem + deadline + caller;
    if (env->kind == ENVELOPE_REPLY)
        n += 2;
    else if (env->kind == ENVELOPE_EVENT)
        n += 3;
    msgpack_pack_map (pk, n);
    mp_pack_kv_int (pk, "v", PROTO_VERSION);
    mp_pack_kv_str (pk, "type", env->type);
    mp_pack_kv_str (pk, "id", env->id);
    mp_pack_kv_str (pk, "cid", env->cid);
    if (idem)
        mp_pack_kv_str (pk, "idem", env->idem);
    if (deadline)
        mp_pack_kv_int (pk, "deadline", env->deadline_ms);
    if (caller)
        mp_pack_kv_str (pk, "caller", env->caller);
    if (env->kind == ENVELOPE_REPLY) {
        mp_pack_kv_str (pk, "reply_to", env->reply_to);
        mp_pack_kv_bool (pk, "ok", env->ok);
    }
    else if (env->kind == ENVELOPE_EVENT) {
        mp_pack_kv_str (pk, "source", env->source);
        mp_pack_str (pk, "seq");
        msgpack_pack_uint64 (pk, env->seq);
        mp_pack_kv_int (pk, "time", env->time_ms);
    }
    mp_pack_str (pk, "body");
}

//  Appends to an sbuffer and remembers whether any append ran out of memory,
//  since the packers built on it do not report failures.
typedef struct {
    msgpack_sbuffer *sbuf;
    bool failed;
} s_sink_t;

static int
s_sink_write (void *data, const char *buf, size_t len)
{
    s_sink_t *sink = data;
    if (msgpack_sbuffer_write (sink->sbuf, buf, len) != 0)
        sink->failed = true;
    return sink->failed ? -1 : 0;
}

int
envelope_pack_raw (msgpack_sbuffer *out, const envelope_t *env,
                   const char *body, size_t body_len)
{
    if (!body || body_len == 0 || !s_is_map_header ((uint8_t) body[0]))
        return RM_EINVAL;
    s_sink_t sink = {out, false};
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sink, s_sink_write);
    envelope_pack_header (&pk, env);
    s_sink_write (&sink, body, body_len);
    return sink.failed ? RM_ENOMEM : 0;
}

void
envelope_init_request (envelope_t *env, const char *type, const char *cid,
                       const char *idem, int64_t deadline_ms)
{
    memset (env, 0, sizeof *env);
    env->kind = ENVELOPE_REQUEST;
    env->version = PROTO_VERSION;
    text_copy (env->type, sizeof env->type, type);
    uuid_new_str (env->id);
    //  A request without a correlation ID starts a new conversation named
    //  after itself.
    text_copy (env->cid, sizeof env->cid, cid && *cid ? cid : env->id);
    text_copy (env->idem, sizeof env->idem, idem);
    env->deadline_ms = deadline_ms;
}

void
envelope_init_reply (envelope_t *env, const envelope_t *req, bool ok)
{
    memset (env, 0, sizeof *env);
    env->kind = ENVELOPE_REPLY;
    env->version = PROTO_VERSION;
    text_copy (env->type, sizeof env->type, req->type);
    uuid_new_str (env->id);
    text_copy (env->cid, sizeof env->cid, req->cid);
    text_copy (env->reply_to, sizeof env->reply_to, req->id);
    env->ok = ok;
}

void
envelope_pack_error_body (msgpack_packer *pk, int err, const char *field,
                          const char *message, size_t ndetails)
{
    bool has_field = field && *field;
    msgpack_pack_map (pk, 2 + has_field + (ndetails > 0));
    mp_pack_kv_str (pk, "code", rm_errname (err));
    mp_pack_kv_str (pk, "message", message ? message : rm_strerror (err));
    if (has_field)
        mp_pack_kv_str (pk, "field", field);
    if (ndetails > 0) {
        mp_pack_str (pk, "details");
        msgpack_pack_array (pk, ndetails);
    }
}
