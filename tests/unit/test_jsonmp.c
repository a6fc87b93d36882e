//  jsonmp, the one JSON <-> MessagePack codec: times are converted where
//  the catalogue marks them (FC_TIME), at any depth, and nowhere else,
//  whatever a key is called; a time field takes RFC 3339 text in JSON;
//  jsonmp_pack and jsonmp_show carry values as they are on the wire.
#include "catalog.h"
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "jsonmp.h"
#include "mp.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  Packs JSON text as it stands and decodes it against fields.
static char *
s_round_trip (const field_spec_t *fields, const char *json)
{
    json_t *value = json_loads (json, 0, NULL);
    CHECK (value != NULL);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (jsonmp_pack (&pk, value), 0);
    json_decref (value);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    char *text = NULL;
    if (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        json_t *decoded = jsonmp_decode (fields, &unpacked.data);
        text = decoded ? json_dumps (decoded, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref (decoded);
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return text;
}

//  Counts the time fields of a field list at every depth, checking each.
static int
s_times (const field_spec_t *fields)
{
    int n = 0;
    for (const field_spec_t *f = fields; f && f->name; f++) {
        if (f->check == FC_TIME) {
            n++;
            CHECK (f->type == FT_INT && f->min == 0 && f->max == INT64_MAX);
        }
        n += s_times (f->fields);
    }
    return n;
}

static void
test_times_by_catalogue (void)
{
    //  orders.history: a time nested in an array of maps
    char *text = s_round_trip (catalog_find ("orders.history")->reply,
                               "{\"order_id\":\"x\",\"events\":[{\"status\":\"accepted\",\"time\":1795478400123}]}");
    CHECK_STR (text, "{\"order_id\":\"x\",\"events\":[{\"status\":\"accepted\",\"time\":\"2026-11-24T00:00:00.123Z\"}]}");
    free (text);

    //  a key that looks like a time but is not one in the catalogue stays
    //  an integer, and so does everything without a field list
    text = s_round_trip (catalog_find ("pricing.set")->reply,
                         "{\"updated_at\":0,\"unit_price\":5,\"shipped_at\":1795478400123}");
    CHECK_STR (text, "{\"updated_at\":\"1970-01-01T00:00:00.000Z\",\"unit_price\":5,\"shipped_at\":1795478400123}");
    free (text);
    text = s_round_trip (NULL, "{\"created_at\":1795478400123,\"time\":1}");
    CHECK_STR (text, "{\"created_at\":1795478400123,\"time\":1}");
    free (text);

    //  every time in the catalogue is an integer >= 0 on the wire
    int times = 0;
    for (const msg_spec_t *msg = catalog_all (); msg->name; msg++)
        times += s_times (msg->request) + s_times (msg->reply);
    CHECK_EQ_INT (times, 208);
}

static const field_spec_t s_at[] = {
    {.name = "due", .type = FT_INT, .required = true, .check = FC_TIME, .min = 0, .max = INT64_MAX},
    {.name = NULL}};

//  Encodes {"due": value} against s_at; returns rc and the packed due in *ms.
static int
s_encode_due (const char *json_value, int64_t *ms, char *problem, size_t size)
{
    char text[128];
    snprintf (text, sizeof text, "{\"due\":%s}", json_value);
    json_t *body = json_loads (text, 0, NULL);
    CHECK (body != NULL);
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    json_t *errors = json_array ();
    int rc = jsonmp_encode (s_at, body, &out, errors);
    *problem = '\0';
    if (rc == 0) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        CHECK (msgpack_unpack_next (&unpacked, out.data, out.size, NULL) == MSGPACK_UNPACK_SUCCESS);
        CHECK_EQ_INT (mp_get_int (&unpacked.data, "due", ms), 0);
        msgpack_unpacked_destroy (&unpacked);
    }
    else if (json_array_size (errors) > 0) {
        json_t *item = json_array_get (errors, 0);
        snprintf (problem, size, "%s %s", json_string_value (json_object_get (item, "pointer")),
                  json_string_value (json_object_get (item, "message")));
    }
    json_decref (errors);
    json_decref (body);
    msgpack_sbuffer_destroy (&out);
    return rc;
}

static void
test_time_from_json (void)
{
    int64_t ms = -1;
    char problem[200];
    CHECK_EQ_INT (s_encode_due ("\"2026-11-24T00:00:00.123Z\"", &ms, problem, sizeof problem), 0);
    CHECK_EQ_INT (ms, 1795478400123LL);
    CHECK_EQ_INT (s_encode_due ("\"2026-11-24T01:30:00+01:30\"", &ms, problem, sizeof problem), 0);
    CHECK_EQ_INT (ms, 1795478400000LL);
    CHECK_EQ_INT (s_encode_due ("1795478400123", &ms, problem, sizeof problem), 0);
    CHECK_EQ_INT (ms, 1795478400123LL);

    CHECK_EQ_INT (s_encode_due ("\"tomorrow\"", &ms, problem, sizeof problem), RM_EINVAL);
    CHECK_STR (problem, "/due must be an RFC 3339 time such as 2026-11-24T10:00:00Z");
    CHECK_EQ_INT (s_encode_due ("true", &ms, problem, sizeof problem), RM_EINVAL);
    CHECK_STR (problem, "/due must be an RFC 3339 time such as 2026-11-24T10:00:00Z");
    //  the catalogue's range still holds: before 1970 is refused
    CHECK_EQ_INT (s_encode_due ("\"1969-12-31T23:59:59Z\"", &ms, problem, sizeof problem), RM_EINVAL);
    CHECK (strstr (problem, "/due must be at least 0") == problem);
}

static void
test_parse_rfc3339 (void)
{
    int64_t ms = 0;
    CHECK_EQ_INT (clock_parse_rfc3339 ("1970-01-01T00:00:00Z", &ms), 0);
    CHECK_EQ_INT (ms, 0);
    CHECK_EQ_INT (clock_parse_rfc3339 ("2026-01-01T00:00:00.5z", &ms), 0);
    CHECK_EQ_INT (ms, 1767225600500LL);
    CHECK_EQ_INT (clock_parse_rfc3339 ("2026-01-01T00:00:00.123456-00:30", &ms), 0);
    CHECK_EQ_INT (ms, 1767225600123LL + 1800000);
    //  what it prints, it reads
    char text[32];
    clock_format_rfc3339 (1795478400123LL, text, sizeof text);
    CHECK_EQ_INT (clock_parse_rfc3339 (text, &ms), 0);
    CHECK_EQ_INT (ms, 1795478400123LL);

    static const char *bad[] = {
        "", "2026-01-01", "2026-01-01T00:00:00", "2026-1-1T0:0:0Z", "2026-01-01 00:00:00Z",
        "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+1:00", "2026-01-01T00:00:00Zjunk",
        "2026-13-01T00:00:00Z", " 2026-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT (clock_parse_rfc3339 (bad[i], &ms), RM_EINVAL);
        if (clock_parse_rfc3339 (bad[i], &ms) != RM_EINVAL)
            fprintf (stderr, "  accepted: \"%s\"\n", bad[i]);
    }
    CHECK_EQ_INT (clock_parse_rfc3339 (NULL, &ms), RM_EINVAL);
}

static void
test_show_and_pack (void)
{
    //  reals pack as floats, and show keeps times as the integers they are
    json_t *value = json_loads ("{\"x\":2.5,\"created_at\":7,\"n\":[null,true]}", 0, NULL);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (jsonmp_pack (&pk, value), 0);
    CHECK_EQ_INT (jsonmp_pack (&pk, NULL), RM_EINVAL);
    json_decref (value);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *x = mp_get (&unpacked.data, "x");
    CHECK (x && x->type == MSGPACK_OBJECT_FLOAT64);
    char *text = jsonmp_show_text (&unpacked.data, JSON_SORT_KEYS);
    CHECK_STR (text, "{\"created_at\":7,\"n\":[null,true],\"x\":2.5}");
    free (text);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

//  jsonmp_decode_text against the tree it replaces: the same bytes as
//  json_dumps (jsonmp_decode (...), JSON_COMPACT), or NULL where that is
//  NULL. Returns the text (free it), or NULL.
static char *
s_text_as_tree (const field_spec_t *fields, const msgpack_sbuffer *packed, const char *skip)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, packed->data, packed->size, NULL) == MSGPACK_UNPACK_SUCCESS);
    size_t len = 0;
    char *text = jsonmp_decode_text (fields, &unpacked.data, skip, &len);
    json_t *tree = jsonmp_decode (fields, &unpacked.data);
    if (skip && json_is_object (tree))
        json_object_del (tree, skip);
    char *dumped = json_is_object (tree) ? json_dumps (tree, JSON_COMPACT) : NULL;
    CHECK ((text == NULL) == (dumped == NULL));
    if (text && dumped) {
        CHECK_STR (text, dumped);
        CHECK_EQ_INT ((int) len, (int) strlen (dumped));
    }
    free (dumped);
    json_decref (tree);
    msgpack_unpacked_destroy (&unpacked);
    return text;
}

static void
s_pack_bytes (msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str (pk, n);
    msgpack_pack_str_body (pk, s, n);
}

//  One map {"k": value} packed by fill, written both ways.
static char *
s_one (void (*fill) (msgpack_packer *pk, int arg), int arg)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    mp_pack_str (&pk, "k");
    fill (&pk, arg);
    char *text = s_text_as_tree (NULL, &buf, NULL);
    msgpack_sbuffer_destroy (&buf);
    return text;
}

static void
s_fill_byte (msgpack_packer *pk, int byte)
{
    char s[3] = {'a', (char) byte, 'z'};
    s_pack_bytes (pk, s, sizeof s);
}

static const char *const s_utf8[] = {
    "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbf",    //  valid
    "\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80",  //  not UTF-8
};

static void
s_fill_utf8 (msgpack_packer *pk, int i)
{
    s_pack_bytes (pk, s_utf8[i], strlen (s_utf8[i]));
}

static void
s_fill_number (msgpack_packer *pk, int i)
{
    switch (i) {
        case 0: msgpack_pack_int64 (pk, INT64_MIN); break;
        case 1: msgpack_pack_int64 (pk, INT64_MAX); break;
        case 2: msgpack_pack_uint64 (pk, (uint64_t) INT64_MAX + 1); break;
        case 3: msgpack_pack_int64 (pk, -1); break;
        case 4: msgpack_pack_int64 (pk, 0); break;
        case 5: msgpack_pack_double (pk, 1.0); break;
        case 6: msgpack_pack_double (pk, 0.1); break;
        case 7: msgpack_pack_double (pk, -1e300); break;
        case 8: msgpack_pack_float (pk, 2.5f); break;
        case 9: msgpack_pack_double (pk, NAN); break;
        case 10: msgpack_pack_double (pk, INFINITY); break;
        case 11: msgpack_pack_bin (pk, 2); msgpack_pack_bin_body (pk, "ab", 2); break;
        case 12: msgpack_pack_ext (pk, 1, 1); msgpack_pack_ext_body (pk, "x", 1); break;
        case 13: msgpack_pack_nil (pk); break;
        case 14: msgpack_pack_true (pk); break;
        case 15: msgpack_pack_false (pk); break;
        case 16: msgpack_pack_map (pk, 0); break;
        case 17: msgpack_pack_array (pk, 0); break;
        case 18:
            msgpack_pack_array (pk, 3);
            msgpack_pack_array (pk, 1);
            msgpack_pack_map (pk, 1);
            mp_pack_str (pk, "");
            msgpack_pack_nil (pk);
            mp_pack_str (pk, "x");
            msgpack_pack_int64 (pk, -12345678901LL);
            break;
        case 19:                       //  a key that is not a string
            msgpack_pack_map (pk, 1);
            msgpack_pack_int64 (pk, 1);
            msgpack_pack_true (pk);
            break;
        default: msgpack_pack_double (pk, 123456789.125); break;
    }
}

static void
test_decode_text (void)
{
    //  every ASCII byte, escaped as jansson escapes it
    for (int byte = 0; byte < 0x80; byte++) {
        char *text = s_one (s_fill_byte, byte);
        CHECK (text != NULL);
        free (text);
    }
    char *text = s_one (s_fill_byte, '\t');
    CHECK_STR (text, "{\"k\":\"a\\tz\"}");
    free (text);
    text = s_one (s_fill_byte, 0x1f);
    CHECK_STR (text, "{\"k\":\"a\\u001Fz\"}");
    free (text);
    text = s_one (s_fill_byte, '/');
    CHECK_STR (text, "{\"k\":\"a/z\"}");
    free (text);
    //  UTF-8 passes as it is; what is not UTF-8 is refused, as by the tree
    for (int i = 0; i < (int) (sizeof s_utf8 / sizeof s_utf8[0]); i++) {
        text = s_one (s_fill_utf8, i);
        CHECK ((text != NULL) == (i < 4));
        free (text);
    }
    //  numbers, floats through jansson, what JSON cannot carry refused
    for (int i = 0; i <= 20; i++) {
        text = s_one (s_fill_number, i);
        CHECK ((text == NULL) == (i == 2 || i == 9 || i == 10 || i == 11 || i == 12 || i == 19));
        free (text);
    }
    text = s_one (s_fill_number, 0);
    CHECK_STR (text, "{\"k\":-9223372036854775808}");
    free (text);

    //  a catalogue's times at any depth; the key to skip left out wherever
    //  it stands, its value still checked
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4);
    mp_pack_kv_bool (&pk, "created", true);
    mp_pack_kv_str (&pk, "order_id", "x");
    mp_pack_str (&pk, "events");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "status", "accepted");
    mp_pack_kv_int (&pk, "time", 1795478400123LL);
    mp_pack_kv_int (&pk, "time", 5);
    const field_spec_t *history = catalog_find ("orders.history")->reply;
    text = s_text_as_tree (history, &buf, "created");
    CHECK_STR (text, "{\"order_id\":\"x\",\"events\":[{\"status\":\"accepted\",\"time\":\"2026-11-24T00:00:00.123Z\"}],"
                     "\"time\":5}");
    free (text);
    free (s_text_as_tree (history, &buf, "time"));
    free (s_text_as_tree (history, &buf, "order_id"));
    free (s_text_as_tree (NULL, &buf, NULL));

    //  a repeated key is refused (the tree would keep one of them)
    msgpack_sbuffer_clear (&buf);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_int (&pk, "a", 1);
    mp_pack_kv_int (&pk, "a", 2);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    size_t len;
    CHECK (jsonmp_decode_text (NULL, &unpacked.data, NULL, &len) == NULL);
    //  and so is anything but a map
    CHECK (jsonmp_decode_text (NULL, &unpacked.data.via.map.ptr[0].val, NULL, &len) == NULL);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

int
main (void)
{
    test_times_by_catalogue ();
    test_time_from_json ();
    test_parse_rfc3339 ();
    test_show_and_pack ();
    test_decode_text ();
    return harness_report ("test_jsonmp");
}
