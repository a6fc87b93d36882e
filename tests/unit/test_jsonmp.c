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
    CHECK_EQ_INT (times, 106);
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

int
main (void)
{
    test_times_by_catalogue ();
    test_time_from_json ();
    test_parse_rfc3339 ();
    test_show_and_pack ();
    return harness_report ("test_jsonmp");
}
