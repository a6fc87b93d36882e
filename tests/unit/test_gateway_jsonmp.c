//  The gateway's JSON <-> MessagePack translation: every kind of body
//  error is named by its exact JSON Pointer, nothing is packed when a body
//  is wrong, and replies come back as JSON with times in RFC 3339.
#include "catalog.h"
#include "err.h"
#include "harness.h"
#include "jsonmp.h"
#include "mp.h"
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
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    int rc;
    json_t *errors = s_encode ("orders.submit",
        "{\"external_id\":7,\"account_id\":\"A\",\"currency\":\"EUR\",\"colour\":\"red\","
        "\"lines\":[{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1.0},"
        "{\"sku\":\"B\",\"quantity\":\"2\",\"unit_price\":5,\"gift\":true},"
        "{\"sku\":[],\"quantity\":1e2},\"x\"],"
        "\"ship_to\":{\"city\":1}}", &out, &rc);
    CHECK_EQ_INT (rc, RM_EINVAL);
    CHECK (s_has (errors, "/external_id", "must be a string"));
    CHECK (s_has (errors, "/colour", "is not a known field"));
    CHECK (s_has (errors, "/lines/0/unit_price", "must be an integer"));
    CHECK (s_has (errors, "/lines/1/quantity", "must be an integer"));
    CHECK (s_has (errors, "/lines/1/gift", "is not a known field"));
    CHECK (s_has (errors, "/lines/2/sku", "must be a string"));
    CHECK (s_has (errors, "/lines/2/quantity", "must be an integer"));
    CHECK (s_has (errors, "/lines/2/unit_price", "is required"));
    CHECK (s_has (errors, "/lines/3", "must be an object"));
    CHECK (s_has (errors, "/ship_to/city", "must be a string"));
    CHECK_EQ_INT (json_array_size (errors), 10);
    json_decref (errors);
    msgpack_sbuffer_destroy (&out);
}

static void
test_missing_and_shape (void)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    int rc;
    json_t *errors = s_encode ("pricing.quote", "{\"lines\":{}}", &out, &rc);
    CHECK_EQ_INT (rc, RM_EINVAL);
    CHECK (s_has (errors, "/currency", "is required"));
    CHECK (s_has (errors, "/lines", "must be an array"));
    json_decref (errors);
    msgpack_sbuffer_destroy (&out);

    msgpack_sbuffer_init (&out);
    errors = s_encode ("pricing.quote", "[1,2]", &out, &rc);
    CHECK_EQ_INT (rc, RM_EINVAL);
    CHECK (s_has (errors, "", "must be an object"));
    json_decref (errors);
    msgpack_sbuffer_destroy (&out);

    //  pointer escaping (RFC 6901) of an unknown key
    msgpack_sbuffer_init (&out);
    errors = s_encode ("pricing.quote", "{\"a/b~c\":1,\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}",
                       &out, &rc);
    CHECK (s_has (errors, "/a~1b~0c", "is not a known field"));
    json_decref (errors);
    msgpack_sbuffer_destroy (&out);
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
        msgpack_sbuffer out;
        msgpack_sbuffer_init (&out);
        int rc;
        json_t *errors = s_encode (cases[i][0], cases[i][1], &out, &rc);
        CHECK_EQ_INT (rc, RM_EINVAL);
        CHECK_EQ_INT (json_array_size (errors), 1);
        CHECK (s_has (errors, cases[i][2], cases[i][3]));
        json_decref (errors);
        msgpack_sbuffer_destroy (&out);
    }
}

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
        json_t *json = jsonmp_decode (&unpacked.data);
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
    test_decode ();
    test_message_lead ();
    return harness_report (argv[0]);
}
