//  The gateway's JSON <-> MessagePack translation: every kind of body
//  error is named by its exact JSON Pointer, every fault of a body is
//  listed at once, a body is refused exactly when the catalogue refuses
//  it, and replies come back as JSON with times in RFC 3339.
#include "catalog.h"
#include "err.h"
#include "harness.h"
#include "jsonmp.h"
#include "mp.h"
#include "mpjson.h"
#include <stdlib.h>
#include <string.h>

//  Encodes text against op's request spec; returns the error list (or an
//  empty array) and the rc through *rc.
static json_t *
s_encode (const char *op, const char *text, msgpack_sbuffer *out, int *rc)
{
    json_error_t jerr;
    json_t *body = json_loads (text, JSON_REJECT_DUPLICATES, &jerr);
    json_t *errors = json_array ();
    if (!body) {
        fprintf (stderr, "bad test JSON: %s\n", jerr.text);
        *rc = 99;
        return errors;
    }
    *rc = jsonmp_encode (catalog_find (op)->request, body, out, errors);
    json_decref (body);
    return errors;
}

//  Encodes text against op's request spec, which must refuse it; returns
//  the error list (free it).
static json_t *
s_refused (const char *op, const char *text)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    int rc;
    json_t *errors = s_encode (op, text, &out, &rc);
    CHECK_EQ_INT (rc, RM_EINVAL);
    msgpack_sbuffer_destroy (&out);
    return errors;
}

//  A pricing.quote body: head (members before "lines", each followed by a
//  comma), then count lines, of quantity 0 where zero (i) is true.
static char *
s_quote_body (const char *head, int count, bool (*zero) (int))
{
    size_t size = strlen (head) + 32 + (size_t) count * 40;
    char *text = malloc (size);
    if (!text)
        return NULL;
    size_t used = (size_t) snprintf (text, size, "{%s\"lines\":[", head);
    for (int i = 0; i < count && used < size; i++)
        used += (size_t) snprintf (text + used, size - used, "%s{\"sku\":\"S%d\",\"quantity\":%d}",
                                   i ? "," : "", i, zero (i) ? 0 : 1);
    if (used < size)
        snprintf (text + used, size - used, "]}");
    return text;
}

//  True when errors holds an item with this pointer and message.
static bool
s_has (json_t *errors, const char *pointer, const char *message)
{
    size_t i;
    json_t *item;
    json_array_foreach (errors, i, item) {
        const char *p = json_string_value (json_object_get (item, "pointer"));
        const char *m = json_string_value (json_object_get (item, "message"));
        if (p && m && strcmp (p, pointer) == 0 && strncmp (m, message, strlen (message)) == 0)
            return true;
    }
    char *text = json_dumps (errors, 0);
    fprintf (stderr, "  no error {%s: %s} in %s\n", pointer, message, text);
    free (text);
    return false;
}

//  errors holds exactly the n {pointer, message} pairs of expected, in
//  any order (messages compared by their start).
static void
s_has_exactly (json_t *errors, const char *const expected[][2], size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK (s_has (errors, expected[i][0], expected[i][1]));
    CHECK_EQ_INT (json_array_size (errors), n);
}

static void
test_valid_submit (void)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    int rc;
    json_t *errors = s_encode ("orders.submit",
        "{\"external_id\":\"SF-1\",\"channel\":null,\"account_id\":\"ACME\",\"currency\":\"EUR\","
        "\"lines\":[{\"sku\":\"A-1\",\"quantity\":2,\"unit_price\":1999}],"
        "\"ship_to\":{\"city\":\"Paris\"}}", &out, &rc);
    CHECK_EQ_INT (rc, 0);
    CHECK_EQ_INT (json_array_size (errors), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t off = 0;
    CHECK (msgpack_unpack_next (&unpacked, out.data, out.size, &off) == MSGPACK_UNPACK_SUCCESS);
    char buf[64];
    int64_t value = 0;
    CHECK (mp_get_str (&unpacked.data, "external_id", buf, sizeof buf) == 0 && strcmp (buf, "SF-1") == 0);
    //  null counts as absent
    CHECK (mp_get (&unpacked.data, "channel") == NULL);
    const msgpack_object_array *lines = mp_get_array (&unpacked.data, "lines");
    CHECK (lines && lines->size == 1);
    CHECK (lines && mp_get_int (&lines->ptr[0], "unit_price", &value) == 0 && value == 1999);
    const msgpack_object *ship_to = mp_get (&unpacked.data, "ship_to");
    CHECK (ship_to && mp_get_str (ship_to, "city", buf, sizeof buf) == 0 && strcmp (buf, "Paris") == 0);
    msgpack_unpacked_destroy (&unpacked);
    json_decref (errors);
    msgpack_sbuffer_destroy (&out);
}

static void
test_type_errors (void)
{
    json_t *errors = s_refused ("orders.submit",
        "{\"external_id\":7,\"account_id\":\"A\",\"currency\":\"EUR\",\"colour\":\"red\","
        "\"lines\":[{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1.0},"
        "{\"sku\":\"B\",\"quantity\":\"2\",\"unit_price\":5,\"gift\":true},"
        "{\"sku\":[],\"quantity\":1e2},\"x\"],"
        "\"ship_to\":{\"city\":1}}");
    static const char *const expected[][2] = {
        {"/external_id", "must be a string"},
        {"/colour", "is not a known field"},
        {"/lines/0/unit_price", "must be an integer"},
        {"/lines/1/quantity", "must be an integer"},
        {"/lines/1/gift", "is not a known field"},
        {"/lines/2/sku", "must be a string"},
        {"/lines/2/quantity", "must be an integer"},
        {"/lines/2/unit_price", "is required"},
        {"/lines/3", "must be an object"},
        {"/ship_to/city", "must be a string"},
    };
    s_has_exactly (errors, expected, sizeof expected / sizeof expected[0]);
    json_decref (errors);
}

static void
test_missing_and_shape (void)
{
    json_t *errors = s_refused ("pricing.quote", "{\"lines\":{}}");
    CHECK (s_has (errors, "/currency", "is required"));
    CHECK (s_has (errors, "/lines", "must be an array"));
    json_decref (errors);

    errors = s_refused ("pricing.quote", "[1,2]");
    CHECK (s_has (errors, "", "must be an object"));
    json_decref (errors);

    //  pointer escaping (RFC 6901) of an unknown key
    errors = s_refused ("pricing.quote",
                        "{\"a/b~c\":1,\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}");
    CHECK (s_has (errors, "/a~1b~0c", "is not a known field"));
    json_decref (errors);
}

//  Shape is right, values are not: the catalogue's rules apply, and the
//  message drops the pointer the item already carries.
static void
test_catalogue_rules (void)
{
    const char *cases[][4] = {
        {"pricing.quote", "{\"currency\":\"EUX\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}", "/currency",
         "is not an ISO 4217"},
        {"pricing.quote", "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":0}]}",
         "/lines/0/quantity", "must be between 1 and"},
        {"pricing.quote", "{\"currency\":\"EUR\",\"lines\":[]}", "/lines", "must have at least 1 item"},
        {"pricing.quote", "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A B\",\"quantity\":1}]}",
         "/lines/0/sku", "must be printable ASCII"},
        {"pricing.quote", "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"\",\"quantity\":1}]}", "/lines/0/sku",
         "must not be empty"},
        //  orders.cancel: a UUID and an optional reason of text
        {"orders.cancel", "{\"order_id\":\"0190a4b2-0000-7000-8000-000000000001\",\"reason\":true}", "/reason",
         "must be a string"},
        {"orders.cancel", "{\"order_id\":\"x\"}", "/order_id", "must be a UUID"},
        {"orders.cancel", "{\"reason\":\"r\"}", "/order_id", "is required"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *errors = s_refused (cases[i][0], cases[i][1]);
        CHECK_EQ_INT (json_array_size (errors), 1);
        CHECK (s_has (errors, cases[i][2], cases[i][3]));
        json_decref (errors);
    }
}

//  Every fault of a body at once, whatever kind it is and however deep,
//  each listed once.
static void
test_every_fault (void)
{
    char long_id[130];
    memset (long_id, 'x', 129);
    long_id[129] = '\0';
    char text[1024];
    snprintf (text, sizeof text,
              "{\"external_id\":\"%s\",\"currency\":\"usd\",\"coupon\":\"FREE\",\"lines\":["
              "{\"sku\":\"A B\",\"quantity\":0,\"unit_price\":500},"
              "{\"sku\":\"B\",\"quantity\":1,\"unit_price\":-1,\"gift\":true},"
              "{\"quantity\":2000000,\"unit_price\":\"5\"},"
              "{\"sku\":\"OK\",\"quantity\":1,\"unit_price\":1}],"
              "\"ship_to\":{\"bad key\":\"x\",\"city\":\"\"}}", long_id);
    json_t *errors = s_refused ("orders.submit", text);
    static const char *const expected[][2] = {
        {"/external_id", "must be at most 128 bytes long (got 129)"},
        {"/account_id", "is required"},
        {"/currency", "is not an ISO 4217 currency code"},
        {"/coupon", "is not a known field"},
        {"/lines/0/sku", "must be printable ASCII"},
        {"/lines/0/quantity", "must be between 1 and 1000000 (got 0)"},
        {"/lines/1/unit_price", "must be between 0 and"},
        {"/lines/1/gift", "is not a known field"},
        {"/lines/2/sku", "is required"},
        {"/lines/2/quantity", "must be between 1 and 1000000 (got 2000000)"},
        {"/lines/2/unit_price", "must be an integer"},
        {"/ship_to/bad key", "is not a valid key"},
        {"/ship_to/city", "must not be empty"},
    };
    s_has_exactly (errors, expected, sizeof expected / sizeof expected[0]);
    json_decref (errors);
}

static bool
s_lines_7_and_300 (int i)
{
    return i == 7 || i == 300;
}

static bool
s_every_line (int i)
{
    (void) i;
    return true;
}

//  An array with too many items is at fault, and so are its bad items.
static void
test_array_and_items (void)
{
    char *text = s_quote_body ("\"currency\":\"EUR\",", 501, s_lines_7_and_300);
    CHECK (text != NULL);
    json_t *errors = s_refused ("pricing.quote", text ? text : "");
    static const char *const expected[][2] = {
        {"/lines", "must have at most 500 items (got 501)"},
        {"/lines/7/quantity", "must be between 1 and"},
        {"/lines/300/quantity", "must be between 1 and"},
    };
    s_has_exactly (errors, expected, sizeof expected / sizeof expected[0]);
    json_decref (errors);
    free (text);
}

//  However many faults a body has, the list stops at JSONMP_ERRORS_MAX;
//  the body is refused all the same.
static void
test_error_cap (void)
{
    char *text = s_quote_body ("", 300, s_every_line);
    CHECK (text != NULL);
    json_t *errors = s_refused ("pricing.quote", text ? text : "");
    CHECK_EQ_INT (json_array_size (errors), JSONMP_ERRORS_MAX);
    CHECK (s_has (errors, "/currency", "is required"));
    CHECK (s_has (errors, "/lines/0/quantity", "must be between 1 and"));
    json_decref (errors);
    free (text);
}

//  Bodies of the right JSON shape: the gateway refuses one exactly when
//  catalog_validate does, and lists the fault the catalogue names first.
static void
test_same_verdict_as_catalogue (void)
{
    const char *cases[][2] = {
        {"orders.submit", "{\"external_id\":\"E\",\"account_id\":\"A\",\"currency\":\"EUR\","
                          "\"lines\":[{\"sku\":\"A\",\"quantity\":1,\"unit_price\":0}],\"ship_to\":{\"city\":\"Paris\"}}"},
        {"orders.submit", "{\"external_id\":\"E\",\"channel\":\"web shop\",\"account_id\":\"A\",\"currency\":\"EUR\","
                          "\"lines\":[{\"sku\":\"A\",\"quantity\":1,\"unit_price\":0}]}"},
        {"orders.submit", "{\"external_id\":\"E\",\"account_id\":\"A\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\","
                          "\"quantity\":1,\"unit_price\":0}],\"ship_to\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\","
                          "\"e\":\"5\",\"f\":\"6\",\"g\":\"7\",\"h\":\"8\",\"i\":\"9\",\"j\":\"10\",\"k\":\"11\",\"l\":\"12\","
                          "\"m\":\"13\",\"n\":\"14\",\"o\":\"15\",\"p\":\"16\",\"q\":\"17\"}}"},
        {"orders.submit", "{\"external_id\":\"\",\"account_id\":\"A\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\","
                          "\"quantity\":1,\"unit_price\":1000000000001}]}"},
        {"pricing.quote", "{\"currency\":\"USD\",\"lines\":[{\"sku\":\"A\",\"quantity\":1000000}]}"},
        {"pricing.set", "{\"currency\":\"XXX1\",\"sku\":\"A\",\"unit_price\":5}"},
        {"inventory.availability", "{\"skus\":[\"A\",\"B\"]}"},
        {"inventory.availability", "{\"skus\":[\"A\",\"B C\",\"\"]}"},
        {"inventory.set_stock", "{\"location\":\"WH\",\"sku\":\"A\",\"on_hand\":-1}"},
        {"orders.cancel", "{\"order_id\":\"0190a4b2-0000-7000-8000-000000000001\",\"reason\":\"late\"}"},
        {"orders.cancel", "{\"order_id\":\"0190A4B2-0000-7000-8000-000000000001\",\"reason\":\"\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const field_spec_t *fields = catalog_find (cases[i][0])->request;
        json_t *body = json_loads (cases[i][1], JSON_REJECT_DUPLICATES, NULL);
        msgpack_sbuffer packed;
        msgpack_sbuffer_init (&packed);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &packed, msgpack_sbuffer_write);
        CHECK (body && jsonmp_pack (&pk, body) == 0);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        size_t off = 0;
        proto_error_t perr;
        int verdict = msgpack_unpack_next (&unpacked, packed.data, packed.size, &off) == MSGPACK_UNPACK_SUCCESS
                    ? catalog_validate (fields, &unpacked.data, &perr) : RM_EINTERNAL;
        CHECK (verdict == 0 || verdict == RM_EINVAL);

        msgpack_sbuffer out;
        msgpack_sbuffer_init (&out);
        json_t *errors = json_array ();
        int rc = jsonmp_encode (fields, body, &out, errors);
        CHECK_EQ_INT (rc, verdict);
        if (rc != verdict)
            fprintf (stderr, "  case %zu: %s\n", i, cases[i][1]);
        if (verdict == RM_EINVAL)
            CHECK (s_has (errors, perr.field, jsonmp_message (perr.message, perr.field)));
        CHECK_EQ_INT (json_array_size (errors) > 0, verdict != 0);
        json_decref (errors);
        msgpack_sbuffer_destroy (&out);
        msgpack_unpacked_destroy (&unpacked);
        msgpack_sbuffer_destroy (&packed);
        json_decref (body);
    }
}

//  The fields test_decode's bodies describe as times, as the catalogue
//  marks created_at, cancelled_at and an order history entry's time.
static const field_spec_t s_times[] = {
    {.name = "created_at", .type = FT_INT, .check = FC_TIME, .max = INT64_MAX},
    {.name = "cancelled_at", .type = FT_INT, .check = FC_TIME, .max = INT64_MAX},
    {.name = "time", .type = FT_INT, .check = FC_TIME, .max = INT64_MAX},
    {.name = NULL}};

//  Decodes what sbuf holds (a failed check when it cannot be unpacked) and
//  returns it as compact JSON text (free it), or NULL when it has no JSON form.
static char *
s_decoded (const msgpack_sbuffer *sbuf)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t off = 0;
    char *text = NULL;
    bool unpacked_ok = msgpack_unpack_next (&unpacked, sbuf->data, sbuf->size, &off) == MSGPACK_UNPACK_SUCCESS;
    CHECK (unpacked_ok);
    if (unpacked_ok) {
        json_t *json = jsonmp_decode (s_times, &unpacked.data);
        text = json ? json_dumps (json, JSON_COMPACT) : NULL;
        json_decref (json);
    }
    msgpack_unpacked_destroy (&unpacked);
    return text;
}

static void
test_decode (void)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4);
    mp_pack_kv_str (&pk, "order_id", "x");
    mp_pack_kv_int (&pk, "created_at", 1795478400123LL);
    mp_pack_kv_int (&pk, "total", -5);
    mp_pack_str (&pk, "lines");
    msgpack_pack_array (&pk, 2);
    msgpack_pack_true (&pk);
    msgpack_pack_nil (&pk);
    char *text = s_decoded (&sbuf);
    CHECK_STR (text, "{\"order_id\":\"x\",\"created_at\":\"2026-11-24T00:00:00.123Z\",\"total\":-5,\"lines\":[true,null]}");
    free (text);

    //  "time" is a time too (order history entries); other keys ending
    //  in "time" are not, nor is a "_at" key whose value is no integer
    msgpack_sbuffer_clear (&sbuf);
    msgpack_pack_map (&pk, 3);
    mp_pack_kv_int (&pk, "time", 1795478400123LL);
    mp_pack_kv_int (&pk, "runtime", 5);
    mp_pack_kv_str (&pk, "cancelled_at", "soon");
    text = s_decoded (&sbuf);
    CHECK_STR (text, "{\"time\":\"2026-11-24T00:00:00.123Z\",\"runtime\":5,\"cancelled_at\":\"soon\"}");
    free (text);

    //  binary data has no JSON form
    msgpack_sbuffer_clear (&sbuf);
    msgpack_pack_bin (&pk, 2);
    msgpack_pack_bin_body (&pk, "ab", 2);
    CHECK (s_decoded (&sbuf) == NULL);
    msgpack_sbuffer_destroy (&sbuf);
}

static void
test_message_lead (void)
{
    CHECK_STR (jsonmp_message ("/lines/0/sku is required", "/lines/0/sku"), "is required");
    CHECK_STR (jsonmp_message ("the body must be a map", ""), "must be a map");
    CHECK_STR (jsonmp_message ("no such SKU", "/lines/0/sku"), "no such SKU");
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_valid_submit ();
    test_type_errors ();
    test_missing_and_shape ();
    test_catalogue_rules ();
    test_every_fault ();
    test_array_and_items ();
    test_error_cap ();
    test_same_verdict_as_catalogue ();
    test_decode ();
    test_message_lead ();
    return harness_report (argv[0]);
}
