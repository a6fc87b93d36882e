//  codec: the msgpack accessors and packers, envelope round trips for
//  requests, replies and events, error bodies, and every way
//  envelope_decode rejects a message, with the envelope field it names;
//  envelope_type reading the type alone.
#include "envelope.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include <stdlib.h>
#include <string.h>

#define REQUEST_ID "01890a5d-ac96-774b-bcce-b302099a8057"

//  ---- building test envelopes ------------------------------------------

//  One key of a hand-built envelope. kind: 's' string, 'i' integer,
//  'u' unsigned 64-bit, 'b' boolean, 'f' float, 'm' map {"k": 1},
//  'a' array [1], 'n' nil, '-' leaves the key out.
typedef struct {
    const char *key;
    char kind;
    const char *s;
    int64_t i;
} kv_t;

static const kv_t s_request[] = {
    {"v", 'i', NULL, 1},      {"type", 's', "pricing.quote", 0}, {"id", 's', REQUEST_ID, 0},
    {"cid", 's', "cid-1", 0}, {"body", 'm', NULL, 0},            {NULL, 0, NULL, 0},
};

static const kv_t s_reply[] = {
    {"v", 'i', NULL, 1},       {"type", 's', "pricing.quote", 0},     {"id", 's', REQUEST_ID, 0},
    {"cid", 's', "cid-1", 0},  {"reply_to", 's', REQUEST_ID, 0}, {"ok", 'b', NULL, 1},
    {"body", 'm', NULL, 0},    {NULL, 0, NULL, 0},
};

static const kv_t s_event[] = {
    {"v", 'i', NULL, 1},          {"type", 's', "pricing.price.changed", 0}, {"id", 's', REQUEST_ID, 0},
    {"cid", 's', "cid-1", 0},     {"source", 's', "pricing", 0},     {"seq", 'i', NULL, 7},
    {"time", 'i', NULL, 1700000000000}, {"body", 'm', NULL, 0},       {NULL, 0, NULL, 0},
};

static void
s_pack_value (msgpack_packer *pk, const kv_t *kv)
{
    switch (kv->kind) {
        case 's': mp_pack_str (pk, kv->s); break;
        case 'i': msgpack_pack_int64 (pk, kv->i); break;
        case 'u': msgpack_pack_uint64 (pk, (uint64_t) kv->i); break;
        case 'b': kv->i ? msgpack_pack_true (pk) : msgpack_pack_false (pk); break;
        case 'f': msgpack_pack_double (pk, 1.5); break;
        case 'm': msgpack_pack_map (pk, 1); mp_pack_kv_int (pk, "k", 1); break;
        case 'a': msgpack_pack_array (pk, 1); msgpack_pack_int (pk, 1); break;
        default: msgpack_pack_nil (pk); break;
    }
}

//  Packs base with one key replaced by change (or added, when base lacks it).
static void
s_pack_envelope (msgpack_sbuffer *buf, const kv_t *base, const kv_t *change)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    size_t n = 0;
    bool replaced = false;
    for (const kv_t *kv = base; kv->key; kv++) {
        bool hit = change && strcmp (kv->key, change->key) == 0;
        replaced |= hit;
        n += !(hit && change->kind == '-');
    }
    if (change && !replaced && change->kind != '-')
        n++;
    msgpack_pack_map (&pk, n);
    for (const kv_t *kv = base; kv->key; kv++) {
        const kv_t *use = change && strcmp (kv->key, change->key) == 0 ? change : kv;
        if (use->kind == '-')
            continue;
        mp_pack_str (&pk, use->key);
        s_pack_value (&pk, use);
    }
    if (change && !replaced && change->kind != '-') {
        mp_pack_str (&pk, change->key);
        s_pack_value (&pk, change);
    }
}

static int
s_decode (const void *data, size_t size, envelope_t *env, proto_error_t *err)
{
    msgpack_unpacked unpacked;
    int rc = envelope_decode (data, size, &unpacked, env, err);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  ---- rejections --------------------------------------------------------

typedef struct {
    const kv_t *base;
    kv_t change;
    const char *field;
} bad_case_t;

static char s_long_type[ENVELOPE_TYPE_MAX + 1];
static char s_long_id[ENVELOPE_ID_MAX + 1];
static char s_long_cid[ENVELOPE_CID_MAX + 1];
static char s_long_source[sizeof ((envelope_t *) 0)->source + 1];

static void
s_fill (char *buf, size_t size)
{
    memset (buf, 'x', size - 1);
    buf[size - 1] = '\0';
}

static void
test_decode_rejects_fields (void)
{
    s_fill (s_long_type, sizeof s_long_type);
    s_fill (s_long_id, sizeof s_long_id);
    s_fill (s_long_cid, sizeof s_long_cid);
    s_fill (s_long_source, sizeof s_long_source);
    const bad_case_t cases[] = {
        {s_request, {"v", '-', NULL, 0}, "/v"},
        {s_request, {"v", 's', "1", 0}, "/v"},
        {s_request, {"v", 'i', NULL, 2}, "/v"},
        {s_request, {"v", 'f', NULL, 0}, "/v"},
        {s_request, {"type", '-', NULL, 0}, "/type"},
        {s_request, {"type", 'i', NULL, 5}, "/type"},
        {s_request, {"type", 's', "", 0}, "/type"},
        {s_request, {"type", 's', "pricing quote", 0}, "/type"},
        {s_request, {"type", 's', s_long_type, 0}, "/type"},
        {s_request, {"type", 'n', NULL, 0}, "/type"},
        {s_request, {"id", '-', NULL, 0}, "/id"},
        {s_request, {"id", 'a', NULL, 0}, "/id"},
        {s_request, {"id", 's', "", 0}, "/id"},
        {s_request, {"id", 's', s_long_id, 0}, "/id"},
        {s_request, {"cid", '-', NULL, 0}, "/cid"},
        {s_request, {"cid", 's', "", 0}, "/cid"},
        {s_request, {"cid", 'b', NULL, 1}, "/cid"},
        {s_request, {"cid", 's', s_long_cid, 0}, "/cid"},
        {s_request, {"idem", 'i', NULL, 3}, "/idem"},
        {s_request, {"idem", 's', "", 0}, "/idem"},
        {s_request, {"idem", 's', s_long_cid, 0}, "/idem"},
        {s_request, {"caller", 's', "", 0}, "/caller"},
        {s_request, {"caller", 's', "two words", 0}, "/caller"},
        {s_request, {"caller", 'i', NULL, 7}, "/caller"},
        {s_request, {"caller", 's', s_long_cid, 0}, "/caller"},
        {s_event, {"caller", 's', "bad\ncaller", 0}, "/caller"},
        {s_request, {"deadline", 's', "soon", 0}, "/deadline"},
        {s_request, {"deadline", 'i', NULL, -5}, "/deadline"},
        {s_request, {"deadline", 'f', NULL, 0}, "/deadline"},
        {s_request, {"body", '-', NULL, 0}, "/body"},
        {s_request, {"body", 'a', NULL, 0}, "/body"},
        {s_request, {"body", 's', "{}", 0}, "/body"},
        {s_request, {"body", 'n', NULL, 0}, "/body"},
        {s_reply, {"ok", '-', NULL, 0}, "/ok"},
        {s_reply, {"ok", 'i', NULL, 1}, "/ok"},
        {s_reply, {"reply_to", 'i', NULL, 1}, "/reply_to"},
        {s_reply, {"reply_to", 's', "", 0}, "/reply_to"},
        {s_event, {"seq", '-', NULL, 0}, "/seq"},
        {s_event, {"seq", 'i', NULL, -1}, "/seq"},
        {s_event, {"seq", 's', "7", 0}, "/seq"},
        {s_event, {"source", '-', NULL, 0}, "/source"},
        {s_event, {"source", 's', s_long_source, 0}, "/source"},
        {s_event, {"time", '-', NULL, 0}, "/time"},
        {s_event, {"time", 's', "now", 0}, "/time"},
        {s_request, {"seq", 'i', NULL, 1}, "/source"},
        {s_request, {"body", 'm', NULL, 0}, NULL},
        {s_request, {"added_later", 's', "ignored", 0}, NULL},
        {s_reply, {"ok", 'b', NULL, 0}, NULL},
        {s_event, {"seq", 'u', NULL, 0}, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msgpack_sbuffer buf;
        msgpack_sbuffer_init (&buf);
        s_pack_envelope (&buf, cases[i].base, &cases[i].change);
        envelope_t env;
        proto_error_t err = {0};
        int rc = s_decode (buf.data, buf.size, &env, &err);
        if (cases[i].field) {
            CHECK_EQ_INT (rc, RM_EPROTO);
            CHECK_EQ_INT (err.code, RM_EPROTO);
            CHECK_STR (err.field, cases[i].field);
            CHECK (strstr (err.message, cases[i].field) != NULL);
        }
        else
            CHECK_EQ_INT (rc, 0);
        msgpack_sbuffer_destroy (&buf);
    }
}

//  Bytes that are not one well-formed MessagePack map are rejected as a
//  whole message (field "").
static void
test_decode_rejects_bytes (void)
{
    static const struct {
        const char *data;
        size_t size;
        const char *phrase;
    } cases[] = {
        {"", 0, "the message is empty"},
        {"not msgpack", 11, "has 10 bytes after its first MessagePack object"},   //  'n' is fixint 110
        {"\xc1", 1, "not valid MessagePack (bad or truncated at byte 0)"},        //  never used
        {"\x82\xa1v", 3, "declares more items than it has bytes"},                //  a map cut short
        {"\x91\x01", 2, "the envelope must be a MessagePack map"},
        {"\xa5hello", 6, "the envelope must be a MessagePack map"},
        {"\x80\x80", 2, "has 1 byte after its first MessagePack object"},
        //  Hostile headers that would make msgpack-c allocate gigabytes.
        {"\xdd\xff\xff\xff\xff", 5, "declares more items than it has bytes"},
        {"\xdf\xff\xff\xff\xff\x00", 6, "declares more items than it has bytes"},
        {"\xdb\xff\xff\xff\xff", 5, "not valid MessagePack (bad or truncated at byte 0)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        envelope_t env;
        proto_error_t err = {0};
        CHECK_EQ_INT (s_decode (cases[i].data, cases[i].size, &env, &err), RM_EPROTO);
        CHECK_STR (err.field, "");
        if (!strstr (err.message, cases[i].phrase))
            fprintf (stderr, "case %zu: \"%s\" lacks \"%s\"\n", i, err.message, cases[i].phrase);
        CHECK (strstr (err.message, cases[i].phrase) != NULL);
    }
}

//  msgpack-c caps nesting at 32 levels; deeper input is an error, not a crash.
static void
test_decode_rejects_deep_nesting (void)
{
    char data[200];
    size_t n = 0;
    data[n++] = (char) 0x81;
    data[n++] = (char) 0xa1;
    data[n++] = 'x';
    for (int i = 0; i < 100; i++)
        data[n++] = (char) 0x91;
    data[n++] = 0x01;
    envelope_t env;
    proto_error_t err = {0};
    CHECK_EQ_INT (s_decode (data, n, &env, &err), RM_EPROTO);
}

//  ---- round trips ---------------------------------------------------------

static void
s_pack_quote_body (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 2);
    mp_pack_kv_str (pk, "currency", "EUR");
    mp_pack_str (pk, "lines");
    msgpack_pack_array (pk, 1);
    msgpack_pack_map (pk, 2);
    mp_pack_kv_str (pk, "sku", "SKU-1");
    mp_pack_kv_int (pk, "quantity", 3);
}

static void
s_check_quote_body (const msgpack_object *body)
{
    char currency[8];
    CHECK_EQ_INT (mp_get_str (body, "currency", currency, sizeof currency), 0);
    CHECK_STR (currency, "EUR");
    const msgpack_object_array *lines = mp_get_array (body, "lines");
    CHECK (lines && lines->size == 1);
    if (!lines || lines->size != 1)
        return;
    int64_t quantity = 0;
    CHECK_EQ_INT (mp_get_int (&lines->ptr[0], "quantity", &quantity), 0);
    CHECK_EQ_INT (quantity, 3);
}

static void
s_pack (msgpack_sbuffer *buf, const envelope_t *env, void (*pack_body) (msgpack_packer *))
{
    msgpack_packer pk;
    msgpack_sbuffer_init (buf);
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    envelope_pack_header (&pk, env);
    pack_body (&pk);
}

//  The decoded body must not point into the caller's bytes: the frame
//  they came in is often freed before the body is used.
static void
test_request_round_trip (void)
{
    envelope_t req;
    envelope_init_request (&req, "pricing.quote", "corr-9", "idem-4", 1900000000000);
    snprintf (req.caller, sizeof req.caller, "crm");
    CHECK_EQ_INT (req.kind, ENVELOPE_REQUEST);
    CHECK_EQ_INT (strlen (req.id), 36);
    msgpack_sbuffer buf;
    s_pack (&buf, &req, s_pack_quote_body);

    char *copy = malloc (buf.size);
    CHECK (copy != NULL);
    if (!copy)
        return;
    memcpy (copy, buf.data, buf.size);
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t err = {0};
    CHECK_EQ_INT (envelope_decode (copy, buf.size, &unpacked, &env, &err), 0);
    memset (copy, 0, buf.size);
    free (copy);
    CHECK_EQ_INT (env.kind, ENVELOPE_REQUEST);
    CHECK_EQ_INT (env.version, PROTO_VERSION);
    CHECK_STR (env.type, "pricing.quote");
    CHECK_STR (env.id, req.id);
    CHECK_STR (env.cid, "corr-9");
    CHECK_STR (env.idem, "idem-4");
    CHECK_STR (env.caller, "crm");
    CHECK_EQ_INT (env.deadline_ms, 1900000000000);
    s_check_quote_body (&env.body);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

static void
s_pack_empty_body (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 0);
}

//  Without a correlation ID a request starts its own, named after itself;
//  absent optional fields decode as empty.
static void
test_request_defaults (void)
{
    envelope_t req, other;
    envelope_init_request (&req, "sys.health", NULL, NULL, 0);
    envelope_init_request (&other, "sys.health", "", NULL, 0);
    CHECK_STR (req.cid, req.id);
    CHECK (strcmp (req.id, other.id) < 0);
    msgpack_sbuffer buf;
    s_pack (&buf, &req, s_pack_empty_body);
    envelope_t env;
    proto_error_t err = {0};
    CHECK_EQ_INT (s_decode (buf.data, buf.size, &env, &err), 0);
    CHECK_STR (env.cid, req.id);
    CHECK_STR (env.idem, "");
    CHECK_STR (env.caller, "");
    CHECK_EQ_INT (env.deadline_ms, 0);
    //  no caller key at all: envelopes from before it existed
    CHECK (memmem (buf.data, buf.size, "caller", 6) == NULL);
    msgpack_sbuffer_destroy (&buf);
}

static void
test_reply_round_trip (void)
{
    envelope_t req, rep;
    envelope_init_request (&req, "pricing.quote", "corr-9", "idem-4", 1900000000000);
    snprintf (req.caller, sizeof req.caller, "crm");
    envelope_init_reply (&rep, &req, true);
    CHECK (strcmp (rep.id, req.id) != 0);
    msgpack_sbuffer buf;
    s_pack (&buf, &rep, s_pack_quote_body);
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t err = {0};
    CHECK_EQ_INT (envelope_decode (buf.data, buf.size, &unpacked, &env, &err), 0);
    CHECK_EQ_INT (env.kind, ENVELOPE_REPLY);
    CHECK_STR (env.type, "pricing.quote");
    CHECK_STR (env.id, rep.id);
    CHECK_STR (env.reply_to, req.id);
    CHECK_STR (env.cid, "corr-9");
    CHECK (env.ok);
    CHECK_STR (env.idem, "");
    //  a reply does not repeat who asked
    CHECK (!mp_get (&unpacked.data, "caller"));
    s_check_quote_body (&env.body);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

static void
test_event_round_trip (void)
{
    envelope_t ev = {.kind = ENVELOPE_EVENT, .version = PROTO_VERSION,
                     .type = "pricing.price.changed", .id = REQUEST_ID, .cid = "corr-2",
                     .source = "pricing", .seq = UINT64_MAX - 1, .time_ms = 1700000000123,
                     .caller = "key-1a2b3c4d"};
    msgpack_sbuffer buf;
    s_pack (&buf, &ev, s_pack_quote_body);
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t err = {0};
    CHECK_EQ_INT (envelope_decode (buf.data, buf.size, &unpacked, &env, &err), 0);
    CHECK_EQ_INT (env.kind, ENVELOPE_EVENT);
    CHECK_STR (env.type, "pricing.price.changed");
    CHECK_STR (env.source, "pricing");
    CHECK (env.seq == UINT64_MAX - 1);
    CHECK_EQ_INT (env.time_ms, 1700000000123);
    CHECK_STR (env.caller, "key-1a2b3c4d");
    CHECK (!mp_get (&unpacked.data, "reply_to"));
    s_check_quote_body (&env.body);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

static void
test_pack_raw (void)
{
    envelope_t req;
    envelope_init_request (&req, "pricing.quote", "corr-1", NULL, 0);
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    s_pack_quote_body (&pk);

    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    CHECK_EQ_INT (envelope_pack_raw (&out, &req, body.data, body.size), 0);
    envelope_t env;
    msgpack_unpacked unpacked;
    proto_error_t err = {0};
    CHECK_EQ_INT (envelope_decode (out.data, out.size, &unpacked, &env, &err), 0);
    CHECK_STR (env.id, req.id);
    s_check_quote_body (&env.body);
    msgpack_unpacked_destroy (&unpacked);

    CHECK_EQ_INT (envelope_pack_raw (&out, &req, "\x91\x01", 2), RM_EINVAL);
    CHECK_EQ_INT (envelope_pack_raw (&out, &req, NULL, 0), RM_EINVAL);
    msgpack_sbuffer_destroy (&out);
    msgpack_sbuffer_destroy (&body);
}

//  envelope_type reads the type alone, wherever it stands in the map, and
//  refuses what decoding would refuse about it.
static int
s_type_of (const kv_t *base, const kv_t *change, size_t cut, char *type, size_t size)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    s_pack_envelope (&buf, base, change);
    int rc = envelope_type (buf.data, cut ? cut : buf.size, type, size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static void
test_type_only (void)
{
    char type[ENVELOPE_TYPE_MAX];
    CHECK_EQ_INT (s_type_of (s_event, NULL, 0, type, sizeof type), 0);
    CHECK_STR (type, "pricing.price.changed");
    static const kv_t type_last[] = {
        {"v", 'i', NULL, 1}, {"body", 'm', NULL, 0}, {"seq", 'u', NULL, 7}, {"ok", 'b', NULL, 0},
        {"time", 'f', NULL, 0}, {"x", 'a', NULL, 0}, {"y", 'n', NULL, 0}, {"type", 's', "a.b", 0}, {NULL, 0, NULL, 0},
    };
    CHECK_EQ_INT (s_type_of (type_last, NULL, 0, type, sizeof type), 0);
    CHECK_STR (type, "a.b");
    CHECK_EQ_INT (s_type_of (s_event, &(kv_t) {"type", '-', NULL, 0}, 0, type, sizeof type), RM_EPROTO);
    CHECK_EQ_INT (s_type_of (s_event, &(kv_t) {"type", 'i', NULL, 3}, 0, type, sizeof type), RM_EPROTO);
    CHECK_EQ_INT (s_type_of (s_event, &(kv_t) {"type", 's', "", 0}, 0, type, sizeof type), RM_EPROTO);
    CHECK_EQ_INT (s_type_of (s_event, &(kv_t) {"type", 's', "a b", 0}, 0, type, sizeof type), RM_EPROTO);
    s_fill (s_long_type, sizeof s_long_type);
    CHECK_EQ_INT (s_type_of (s_event, &(kv_t) {"type", 's', s_long_type, 0}, 0, type, sizeof type), RM_EPROTO);
    //  cut short before the type, or not a map at all
    CHECK_EQ_INT (s_type_of (type_last, NULL, 6, type, sizeof type), RM_EPROTO);
    CHECK_EQ_INT (s_type_of (s_event, NULL, 5, type, sizeof type), RM_EPROTO);
    CHECK_EQ_INT (envelope_type ("\x91\xa1x", 3, type, sizeof type), RM_EPROTO);
    CHECK_EQ_INT (envelope_type ("", 0, type, sizeof type), RM_EPROTO);
    //  a map that declares more pairs than it has bytes
    CHECK_EQ_INT (envelope_type ("\xdf\xff\xff\xff\xff\xa1x", 7, type, sizeof type), RM_EPROTO);
}

static void
s_pack_error_body (msgpack_packer *pk)
{
    envelope_pack_error_body (pk, RM_EMISMATCH, "/lines/0/unit_price", "price changed", 1);
    msgpack_pack_map (pk, 1);
    mp_pack_kv_int (pk, "line", 0);
}

static void
s_pack_bare_error_body (msgpack_packer *pk)
{
    envelope_pack_error_body (pk, RM_ENOTFOUND, NULL, NULL, 0);
}

static void
test_error_body (void)
{
    envelope_t req, rep;
    envelope_init_request (&req, "orders.submit", "c", NULL, 0);
    envelope_init_reply (&rep, &req, false);
    msgpack_sbuffer buf;
    s_pack (&buf, &rep, s_pack_error_body);
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t err = {0};
    CHECK_EQ_INT (envelope_decode (buf.data, buf.size, &unpacked, &env, &err), 0);
    CHECK (!env.ok);
    char text[64];
    CHECK_EQ_INT (mp_get_str (&env.body, "code", text, sizeof text), 0);
    CHECK_STR (text, "price_mismatch");
    CHECK_EQ_INT (mp_get_str (&env.body, "field", text, sizeof text), 0);
    CHECK_STR (text, "/lines/0/unit_price");
    CHECK_EQ_INT (mp_get_str (&env.body, "message", text, sizeof text), 0);
    CHECK_STR (text, "price changed");
    const msgpack_object_array *details = mp_get_array (&env.body, "details");
    CHECK (details && details->size == 1);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);

    s_pack (&buf, &rep, s_pack_bare_error_body);
    CHECK_EQ_INT (envelope_decode (buf.data, buf.size, &unpacked, &env, &err), 0);
    CHECK_EQ_INT (env.body.via.map.size, 2);
    CHECK_EQ_INT (mp_get_str (&env.body, "code", text, sizeof text), 0);
    CHECK_STR (text, "not_found");
    CHECK (!mp_get (&env.body, "field") && !mp_get (&env.body, "details"));
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

static void
test_proto_error_set (void)
{
    proto_error_t err;
    CHECK_EQ_INT (proto_error_set (&err, RM_EINVAL, "/a", "bad %d", 7), RM_EINVAL);
    CHECK_EQ_INT (err.code, RM_EINVAL);
    CHECK_STR (err.field, "/a");
    CHECK_STR (err.message, "bad 7");
    CHECK_EQ_INT (proto_error_set (&err, RM_EPROTO, NULL, "x"), RM_EPROTO);
    CHECK_STR (err.field, "");
}

//  ---- mp accessors ------------------------------------------------------------

static void
s_pack_sample (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 7);
    mp_pack_kv_str (pk, "name", "hello");
    mp_pack_kv_int (pk, "neg", -42);
    mp_pack_str (pk, "huge");
    msgpack_pack_uint64 (pk, UINT64_MAX);
    mp_pack_kv_bool (pk, "flag", true);
    mp_pack_str (pk, "list");
    msgpack_pack_array (pk, 2);
    msgpack_pack_int (pk, 1);
    mp_pack_strn (pk, "two", 3);
    mp_pack_str (pk, "nul");
    mp_pack_strn (pk, "a\0b", 3);
    mp_pack_kv_int (pk, "max", INT64_MAX);
}

static void
test_mp_accessors (void)
{
    msgpack_sbuffer buf;
    s_pack (&buf, &(envelope_t) {.kind = ENVELOPE_REQUEST, .type = "t", .id = "i", .cid = "c"},
            s_pack_sample);
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t err = {0};
    CHECK_EQ_INT (envelope_decode (buf.data, buf.size, &unpacked, &env, &err), 0);
    const msgpack_object *body = &env.body;
    char text[8];
    int64_t value = 0;
    bool flag = false;

    CHECK (mp_get (body, "missing") == NULL);
    CHECK (mp_get (mp_get (body, "name"), "name") == NULL);
    CHECK (mp_str_eq (mp_get (body, "name"), "hello"));
    CHECK (!mp_str_eq (mp_get (body, "name"), "hell"));
    CHECK (!mp_str_eq (mp_get (body, "neg"), "-42"));
    CHECK_EQ_INT (mp_get_str (body, "name", text, sizeof text), 0);
    CHECK_STR (text, "hello");
    CHECK_EQ_INT (mp_get_str (body, "name", text, 5), RM_ENOMEM);
    CHECK_EQ_INT (mp_get_str (body, "neg", text, sizeof text), RM_EINVAL);
    CHECK_EQ_INT (mp_get_str (body, "missing", text, sizeof text), RM_EINVAL);
    CHECK_EQ_INT (mp_get_str (body, "nul", text, sizeof text), RM_EINVAL);
    CHECK_EQ_INT (mp_get_int (body, "neg", &value), 0);
    CHECK_EQ_INT (value, -42);
    CHECK_EQ_INT (mp_get_int (body, "max", &value), 0);
    CHECK (value == INT64_MAX);
    CHECK_EQ_INT (mp_get_int (body, "huge", &value), RM_EINVAL);
    CHECK_EQ_INT (mp_get_int (body, "name", &value), RM_EINVAL);
    CHECK_EQ_INT (mp_int (NULL, &value), RM_EINVAL);
    CHECK_EQ_INT (mp_get_bool (body, "flag", &flag), 0);
    CHECK (flag);
    CHECK_EQ_INT (mp_get_bool (body, "neg", &flag), RM_EINVAL);
    CHECK_EQ_INT (mp_get_bool (body, "missing", &flag), RM_EINVAL);
    const msgpack_object_array *list = mp_get_array (body, "list");
    CHECK (list && list->size == 2 && mp_str_eq (&list->ptr[1], "two"));
    CHECK (mp_get_array (body, "name") == NULL);

    //  A deep copy packs to an object equal to the original.
    msgpack_sbuffer copy;
    msgpack_sbuffer_init (&copy);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &copy, msgpack_sbuffer_write);
    mp_pack_object (&pk, body);
    msgpack_unpacked again;
    msgpack_unpacked_init (&again);
    CHECK_EQ_INT (msgpack_unpack_next (&again, copy.data, copy.size, NULL), MSGPACK_UNPACK_SUCCESS);
    CHECK (msgpack_object_equal (again.data, *body));
    msgpack_unpacked_destroy (&again);
    msgpack_sbuffer_destroy (&copy);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

//  Packs a map of two entries, nested one level, in the given key order.
static void
s_pack_two (msgpack_sbuffer *buf, bool swapped)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, swapped ? "zeta" : "alpha", swapped ? "z" : "a");
    mp_pack_str (&pk, swapped ? "alpha" : "zeta");
    if (swapped)
        mp_pack_str (&pk, "a");
    else {
        msgpack_pack_map (&pk, 2);
        mp_pack_kv_str (&pk, "name", "Ada");
        mp_pack_kv_str (&pk, "city", "Paris");
    }
}

//  Two encodings of one value differ by key order; canonical packing
//  makes them equal, and keeps what differs in value apart.
static void
test_canonical_order (void)
{
    msgpack_sbuffer a, b, ca, cb;
    msgpack_sbuffer_init (&a);
    msgpack_sbuffer_init (&b);
    msgpack_sbuffer_init (&ca);
    msgpack_sbuffer_init (&cb);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &a, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "name", "Ada");
    mp_pack_kv_str (&pk, "city", "Paris");
    msgpack_packer_init (&pk, &b, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "city", "Paris");
    mp_pack_kv_str (&pk, "name", "Ada");
    CHECK (a.size == b.size && memcmp (a.data, b.data, a.size) != 0);
    msgpack_unpacked ua, ub;
    msgpack_unpacked_init (&ua);
    msgpack_unpacked_init (&ub);
    CHECK (msgpack_unpack_next (&ua, a.data, a.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    CHECK (msgpack_unpack_next (&ub, b.data, b.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    msgpack_packer_init (&pk, &ca, msgpack_sbuffer_write);
    mp_pack_canonical (&pk, &ua.data);
    msgpack_packer_init (&pk, &cb, msgpack_sbuffer_write);
    mp_pack_canonical (&pk, &ub.data);
    CHECK (ca.size == cb.size && memcmp (ca.data, cb.data, ca.size) == 0);
    msgpack_unpacked_destroy (&ua);
    msgpack_unpacked_destroy (&ub);
    //  nested maps are ordered too; different values stay different
    msgpack_sbuffer_clear (&a);
    msgpack_sbuffer_clear (&b);
    msgpack_sbuffer_clear (&cb);
    s_pack_two (&a, false);
    s_pack_two (&b, true);
    msgpack_unpacked_init (&ua);
    msgpack_unpacked_init (&ub);
    CHECK (msgpack_unpack_next (&ua, a.data, a.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    CHECK (msgpack_unpack_next (&ub, b.data, b.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    msgpack_sbuffer_clear (&ca);
    msgpack_packer_init (&pk, &ca, msgpack_sbuffer_write);
    mp_pack_canonical (&pk, &ua.data);
    msgpack_packer_init (&pk, &cb, msgpack_sbuffer_write);
    mp_pack_canonical (&pk, &ub.data);
    CHECK (ca.size != cb.size || memcmp (ca.data, cb.data, ca.size) != 0);
    msgpack_unpacked_destroy (&ua);
    msgpack_unpacked_destroy (&ub);
    msgpack_sbuffer_destroy (&a);
    msgpack_sbuffer_destroy (&b);
    msgpack_sbuffer_destroy (&ca);
    msgpack_sbuffer_destroy (&cb);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_decode_rejects_fields ();
    test_decode_rejects_bytes ();
    test_decode_rejects_deep_nesting ();
    test_request_round_trip ();
    test_request_defaults ();
    test_reply_round_trip ();
    test_event_round_trip ();
    test_pack_raw ();
    test_type_only ();
    test_error_body ();
    test_proto_error_set ();
    test_mp_accessors ();
    test_canonical_order ();
    return harness_report (argv[0]);
}
