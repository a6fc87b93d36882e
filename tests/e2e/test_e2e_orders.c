//  End to end: the whole mesh behind the gateway, driven over real HTTP.
//  An order accepted with its stock reserved, repeats and idempotency keys
//  that make no second order, price and stock rejections that hold
//  nothing, correlation IDs from the edge to the orders log, and the
//  pricing, inventory and meta routes.
#include "clock.h"
#include "http.h"
#include <ctype.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static harness_mesh_t mesh;

//  How long a log line may take to reach the orders log.
#define LOG_WAIT_MS 3000

//  Calls path with the mesh's key; that an answer came is a check.
static int
s_call (harness_http_t *res, const char *method, const char *path, const char *body,
        const char *const *headers)
{
    int rc = http_call_with (&mesh, res, method, path, body, headers);
    CHECK_EQ_INT (rc, 0);
    return rc;
}

//  The availability item of one SKU (free it), or an empty object; that
//  an answer came, and with a 200, are checks.
static json_t *
s_stock (const char *sku)
{
    long status;
    json_t *item = http_stock (&mesh, sku, &status);
    CHECK (status != 0);
    CHECK_EQ_INT (status, 200);
    return item ? item : json_object ();
}

//  HTTP status of GET /v1/orders?external_id=..., the order in *order when
//  order is not NULL (free it); that an answer came is a check.
static long
s_find (const char *external_id, json_t **order)
{
    long status = http_find_order (&mesh, external_id, order);
    CHECK (status != 0);
    return status;
}

static int64_t
s_reserved (const char *sku)
{
    json_t *item = s_stock (sku);
    int64_t reserved = http_json_int (item, "reserved");
    json_decref (item);
    return reserved;
}

//  8-4-4-4-12 lower-case hex; version digit 7 when v7 is set.
static bool
s_is_uuid (const char *s, bool v7)
{
    if (strlen (s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit ((unsigned char) s[i]) || isupper ((unsigned char) s[i]))
            return false;
    }
    return !v7 || s[14] == '7';
}

//  "YYYY-MM-DDTHH:MM:SS[.fff]Z" within two minutes of now.
static bool
s_is_recent_rfc3339 (const char *s)
{
    struct tm tm = {0};
    int consumed = 0;
    if (sscanf (s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19)
        return false;
    const char *rest = s + consumed;
    if (*rest == '.') {
        rest++;
        if (!isdigit ((unsigned char) *rest))
            return false;
        while (isdigit ((unsigned char) *rest))
            rest++;
    }
    if (strcmp (rest, "Z") != 0)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm (&tm);
    return llabs ((long long) (t - time (NULL))) < 120;
}

//  True once the orders log has a line with both "cid=<cid> " and text.
static bool
s_orders_logged (const char *cid, const char *text)
{
    char path[512], needle[160];
    snprintf (path, sizeof path, "%s/orders.log", mesh.dir);
    snprintf (needle, sizeof needle, "cid=%s ", cid);
    for (int64_t until = clock_mono_ms () + LOG_WAIT_MS; clock_mono_ms () < until; usleep (50 * 1000)) {
        FILE *file = fopen (path, "r");
        if (!file)
            continue;
        char line[4096];
        bool found = false;
        while (!found && fgets (line, sizeof line, file))
            found = strstr (line, needle) && strstr (line, text);
        fclose (file);
        if (found)
            return true;
    }
    return false;
}

static void
test_catalogue_routes (void)
{
    harness_http_t res;
    //  a price set through the gateway comes back with its time
    if (s_call (&res, "PUT", "/v1/prices/USD/TEE", "{\"unit_price\":1999}", NULL) == 0) {
        http_expect_status (&res, 200, "PUT price");
        CHECK (strncmp (res.content_type, "application/json", 16) == 0);
        CHECK_STR (http_json_str (res.json, "currency"), "USD");
        CHECK_STR (http_json_str (res.json, "sku"), "TEE");
        CHECK_EQ_INT (http_json_int (res.json, "unit_price"), 1999);
        CHECK (s_is_recent_rfc3339 (http_json_str (res.json, "updated_at")));
    }
    harness_http_free (&res);
    http_put (&mesh, "/v1/prices/USD/MUG", "{\"unit_price\":850}");
    http_put (&mesh, "/v1/prices/USD/CAP", "{\"unit_price\":500}");
    http_put (&mesh, "/v1/prices/EUR/TEE", "{\"unit_price\":1850}");

    if (s_call (&res, "PUT", "/v1/stock/WH-EAST/TEE", "{\"on_hand\":10}", NULL) == 0) {
        http_expect_status (&res, 200, "PUT stock");
        CHECK_STR (http_json_str (res.json, "location"), "WH-EAST");
        CHECK_STR (http_json_str (res.json, "sku"), "TEE");
        CHECK_EQ_INT (http_json_int (res.json, "on_hand"), 10);
        CHECK_EQ_INT (http_json_int (res.json, "reserved"), 0);
        CHECK_EQ_INT (http_json_int (res.json, "available"), 10);
    }
    harness_http_free (&res);
    http_put (&mesh, "/v1/stock/WH-WEST/TEE", "{\"on_hand\":5}");
    http_put (&mesh, "/v1/stock/WH-EAST/MUG", "{\"on_hand\":3}");
    http_put (&mesh, "/v1/stock/WH-EAST/CAP", "{\"on_hand\":20}");

    //  two SKUs, answered in the order asked, with their locations
    if (s_call (&res, "GET", "/v1/availability?sku=TEE&sku=MUG", NULL, NULL) == 0) {
        http_expect_status (&res, 200, "availability of two SKUs");
        json_t *items = json_object_get (res.json, "items");
        CHECK_EQ_INT (json_array_size (items), 2);
        json_t *tee = json_array_get (items, 0), *mug = json_array_get (items, 1);
        CHECK_STR (http_json_str (tee, "sku"), "TEE");
        CHECK_EQ_INT (http_json_int (tee, "on_hand"), 15);
        CHECK_EQ_INT (http_json_int (tee, "reserved"), 0);
        CHECK_EQ_INT (http_json_int (tee, "available"), 15);
        CHECK_EQ_INT (json_array_size (json_object_get (tee, "locations")), 2);
        CHECK_STR (http_json_str (mug, "sku"), "MUG");
        CHECK_EQ_INT (http_json_int (mug, "on_hand"), 3);
        CHECK_EQ_INT (http_json_int (mug, "available"), 3);
        json_t *loc = json_array_get (json_object_get (mug, "locations"), 0);
        CHECK_STR (http_json_str (loc, "location"), "WH-EAST");
        CHECK_EQ_INT (http_json_int (loc, "on_hand"), 3);
    }
    harness_http_free (&res);

    if (s_call (&res, "POST", "/v1/prices/quote",
                "{\"currency\":\"USD\",\"lines\":[{\"sku\":\"TEE\",\"quantity\":3},{\"sku\":\"MUG\",\"quantity\":2}]}",
                NULL) == 0) {
        http_expect_status (&res, 200, "quote");
        CHECK_STR (http_json_str (res.json, "currency"), "USD");
        CHECK_EQ_INT (http_json_int (res.json, "total"), 3 * 1999 + 2 * 850);
        json_t *lines = json_object_get (res.json, "lines");
        CHECK_EQ_INT (json_array_size (lines), 2);
        CHECK_STR (http_json_str (json_array_get (lines, 0), "sku"), "TEE");
        CHECK_EQ_INT (http_json_int (json_array_get (lines, 0), "unit_price"), 1999);
        CHECK_EQ_INT (http_json_int (json_array_get (lines, 0), "extended_price"), 3 * 1999);
        CHECK_EQ_INT (http_json_int (json_array_get (lines, 1), "quantity"), 2);
        CHECK_EQ_INT (http_json_int (json_array_get (lines, 1), "extended_price"), 2 * 850);
    }
    harness_http_free (&res);
    //  a quote takes the new price at once, in its own currency only
    http_put (&mesh, "/v1/prices/EUR/TEE", "{\"unit_price\":1900}");
    if (s_call (&res, "POST", "/v1/prices/quote",
                "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"TEE\",\"quantity\":2}]}", NULL) == 0) {
        http_expect_status (&res, 200, "quote after a price change");
        CHECK_EQ_INT (http_json_int (res.json, "total"), 3800);
    }
    harness_http_free (&res);
    //  quotes and price changes reserve nothing
    CHECK_EQ_INT (s_reserved ("TEE"), 0);
}

static const char *s_first_order =
    "{\"external_id\":\"E2E-1\",\"account_id\":\"001A\",\"currency\":\"USD\","
    "\"lines\":[{\"sku\":\"TEE\",\"quantity\":12,\"unit_price\":1999},"
    "{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":850}]}";

static char s_first_id[64];

static void
test_order_accepted (void)
{
    harness_http_t res;
    if (s_call (&res, "POST", "/v1/orders", s_first_order, NULL) != 0) {
        harness_http_free (&res);
        return;
    }
    http_expect_status (&res, 201, "first order");
    CHECK (strncmp (res.content_type, "application/json", 16) == 0);
    json_t *order = res.json ? res.json : json_object ();
    snprintf (s_first_id, sizeof s_first_id, "%s", http_json_str (order, "order_id"));
    CHECK (s_is_uuid (s_first_id, false));
    char location[128];
    snprintf (location, sizeof location, "/v1/orders/%s", s_first_id);
    CHECK_STR (res.location, location);
    CHECK_STR (http_json_str (order, "status"), "accepted");
    CHECK_STR (http_json_str (order, "external_id"), "E2E-1");
    CHECK_STR (http_json_str (order, "channel"), "salesforce");
    CHECK_STR (http_json_str (order, "account_id"), "001A");
    CHECK_STR (http_json_str (order, "currency"), "USD");
    CHECK_EQ_INT (http_json_int (order, "total"), 12 * 1999 + 850);
    CHECK (s_is_recent_rfc3339 (http_json_str (order, "created_at")));
    CHECK (json_object_get (order, "created") == NULL);
    CHECK (json_object_get (order, "idempotency_key") == NULL);
    CHECK (json_object_get (order, "correlation_id") == NULL);
    json_t *lines = json_object_get (order, "lines");
    CHECK_EQ_INT (json_array_size (lines), 2);
    json_t *tee = json_array_get (lines, 0), *mug = json_array_get (lines, 1);
    CHECK_STR (http_json_str (tee, "sku"), "TEE");
    CHECK_EQ_INT (http_json_int (tee, "quantity"), 12);
    CHECK_EQ_INT (http_json_int (tee, "unit_price"), 1999);
    CHECK_EQ_INT (http_json_int (tee, "extended_price"), 12 * 1999);
    //  12 TEE: the 10 of WH-EAST (most available) and 2 of WH-WEST's 5
    json_t *held = json_object_get (tee, "reservations");
    CHECK_EQ_INT (json_array_size (held), 2);
    CHECK_STR (http_json_str (json_array_get (held, 0), "location"), "WH-EAST");
    CHECK_EQ_INT (http_json_int (json_array_get (held, 0), "quantity"), 10);
    CHECK_STR (http_json_str (json_array_get (held, 1), "location"), "WH-WEST");
    CHECK_EQ_INT (http_json_int (json_array_get (held, 1), "quantity"), 2);
    held = json_object_get (mug, "reservations");
    CHECK_EQ_INT (json_array_size (held), 1);
    CHECK_STR (http_json_str (json_array_get (held, 0), "location"), "WH-EAST");
    CHECK_EQ_INT (http_json_int (json_array_get (held, 0), "quantity"), 1);

    //  inventory holds exactly that, location by location
    json_t *item = s_stock ("TEE");
    CHECK_EQ_INT (http_json_int (item, "on_hand"), 15);
    CHECK_EQ_INT (http_json_int (item, "reserved"), 12);
    CHECK_EQ_INT (http_json_int (item, "available"), 3);
    json_t *locs = json_object_get (item, "locations");
    for (size_t i = 0; i < json_array_size (locs); i++) {
        json_t *loc = json_array_get (locs, i);
        bool east = strcmp (http_json_str (loc, "location"), "WH-EAST") == 0;
        CHECK_EQ_INT (http_json_int (loc, "reserved"), east ? 10 : 2);
        CHECK_EQ_INT (http_json_int (loc, "available"), east ? 0 : 3);
    }
    json_decref (item);
    item = s_stock ("MUG");
    CHECK_EQ_INT (http_json_int (item, "reserved"), 1);
    CHECK_EQ_INT (http_json_int (item, "available"), 2);
    json_decref (item);

    //  the Location and the external ID both lead to the same order
    harness_http_t got;
    if (s_call (&got, "GET", location, NULL, NULL) == 0) {
        http_expect_status (&got, 200, "GET Location");
        CHECK (got.json && json_equal (got.json, order));
    }
    harness_http_free (&got);
    json_t *found = NULL;
    CHECK_EQ_INT (s_find ("E2E-1", &found), 200);
    CHECK (json_equal (found, order));
    json_decref (found);
    harness_http_free (&res);
}

//  Submits body (with the Idempotency-Key key when not NULL); the answer
//  in res.
static void
s_submit (harness_http_t *res, const char *body, const char *key)
{
    char header[192];
    snprintf (header, sizeof header, "Idempotency-Key: %s", key ? key : "");
    const char *headers[] = {header, NULL};
    s_call (res, "POST", "/v1/orders", body, key ? headers : NULL);
}

static void
test_repeats (void)
{
    int64_t tee = s_reserved ("TEE"), mug = s_reserved ("MUG"), cap = s_reserved ("CAP");
    harness_http_t res;
    //  the same order again: the first one, 200, nothing more held
    s_submit (&res, s_first_order, NULL);
    http_expect_status (&res, 200, "repeat");
    CHECK_STR (http_json_str (res.json, "order_id"), s_first_id);
    CHECK_STR (res.location, "");
    json_t *stored = NULL;
    CHECK_EQ_INT (s_find ("E2E-1", &stored), 200);
    CHECK (res.json && json_equal (res.json, stored));
    json_decref (stored);
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
    CHECK_EQ_INT (s_reserved ("MUG"), mug);

    //  with an Idempotency-Key: one order, one reservation
    const char *with_key = "{\"external_id\":\"E2E-2\",\"account_id\":\"001A\",\"currency\":\"USD\","
                           "\"lines\":[{\"sku\":\"CAP\",\"quantity\":2,\"unit_price\":500}],"
                           "\"ship_to\":{\"name\":\"Ada\",\"city\":\"Paris\"}}";
    s_submit (&res, with_key, "key-E2E-2");
    http_expect_status (&res, 201, "first with a key");
    char id[64];
    snprintf (id, sizeof id, "%s", http_json_str (res.json, "order_id"));
    CHECK_STR (http_json_str (json_object_get (res.json, "ship_to"), "city"), "Paris");
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("CAP"), cap + 2);
    s_submit (&res, with_key, "key-E2E-2");
    http_expect_status (&res, 200, "repeat with the key");
    CHECK_STR (http_json_str (res.json, "order_id"), id);
    harness_http_free (&res);
    //  the same body written with its members in another order is the same
    //  body (JSON objects are unordered). FAILS at present: orders hashes
    //  ship_to's members in the order they arrive and answers 409 (reported).
    s_submit (&res,
              "{\"ship_to\":{\"city\":\"Paris\",\"name\":\"Ada\"},\"lines\":[{\"unit_price\":500,"
              "\"quantity\":2,\"sku\":\"CAP\"}],\"currency\":\"USD\",\"account_id\":\"001A\","
              "\"external_id\":\"E2E-2\"}",
              "key-E2E-2");
    http_expect_status (&res, 200, "repeat with the key, members reordered");
    if (res.status == 200)
        CHECK_STR (http_json_str (res.json, "order_id"), id);
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("CAP"), cap + 2);

    //  the key with another body: 409, and that body makes no order
    s_submit (&res,
              "{\"external_id\":\"E2E-3\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
              "key-E2E-2");
    http_expect_problem (&res, 409, "conflict", "same key, other body");
    harness_http_free (&res);
    s_submit (&res,
              "{\"external_id\":\"E2E-2\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"CAP\",\"quantity\":3,\"unit_price\":500}]}",
              "key-E2E-2");
    http_expect_problem (&res, 409, "conflict", "same key and external ID, other quantity");
    harness_http_free (&res);
    CHECK_EQ_INT (s_find ("E2E-3", NULL), 404);
    json_t *order = NULL;
    CHECK_EQ_INT (s_find ("E2E-2", &order), 200);
    CHECK_STR (http_json_str (order, "order_id"), id);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (order, "lines"), 0), "quantity"), 2);
    json_decref (order);
    CHECK_EQ_INT (s_reserved ("CAP"), cap + 2);
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
}

//  Channels are one whatever their case; an external ID names one order,
//  so the same one with other content is a 409 naming that order; and
//  references with white space around them or characters that do not show
//  are refused, making nothing.
static void
test_external_keys (void)
{
    int64_t cap = s_reserved ("CAP");
    const char *upper = "{\"external_id\":\"E2E-CH-1\",\"channel\":\"SALESFORCE\",\"account_id\":\"001A\","
                        "\"currency\":\"USD\",\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}";
    harness_http_t res;
    s_submit (&res, upper, NULL);
    http_expect_status (&res, 201, "channel in upper case");
    char id[64];
    snprintf (id, sizeof id, "%s", http_json_str (res.json, "order_id"));
    CHECK_STR (http_json_str (res.json, "channel"), "salesforce");
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("CAP"), cap + 1);

    //  the same order in lower case, or with the default channel, is a repeat
    s_submit (&res,
              "{\"external_id\":\"E2E-CH-1\",\"channel\":\"salesforce\",\"account_id\":\"001A\","
              "\"currency\":\"USD\",\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
              NULL);
    http_expect_status (&res, 200, "channel in lower case");
    CHECK_STR (http_json_str (res.json, "order_id"), id);
    harness_http_free (&res);
    s_call (&res, "GET", "/v1/orders?channel=SALESFORCE&external_id=E2E-CH-1", NULL, NULL);
    http_expect_status (&res, 200, "find with the channel in upper case");
    CHECK_STR (http_json_str (res.json, "order_id"), id);
    harness_http_free (&res);

    //  other lines under the same external ID: 409 naming the order
    const char *other[] = {
        "{\"external_id\":\"E2E-CH-1\",\"channel\":\"Salesforce\",\"account_id\":\"001A\","
        "\"currency\":\"USD\",\"lines\":[{\"sku\":\"CAP\",\"quantity\":4,\"unit_price\":500}]}",
        "{\"external_id\":\"E2E-CH-1\",\"account_id\":\"001B\","
        "\"currency\":\"USD\",\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
        "{\"external_id\":\"E2E-CH-1\",\"account_id\":\"001A\",\"ship_to\":{\"city\":\"Oslo\"},"
        "\"currency\":\"USD\",\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
    };
    char location[96];
    snprintf (location, sizeof location, "/v1/orders/%s", id);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        s_submit (&res, other[i], NULL);
        http_expect_problem (&res, 409, "conflict", "same external ID, other content");
        CHECK_STR (http_json_str (res.json, "order_id"), id);
        CHECK_STR (res.location, location);
        CHECK (strstr (http_json_str (res.json, "detail"), id) != NULL);
        CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"),
                   "/external_id");
        harness_http_free (&res);
    }
    json_t *order = NULL;
    CHECK_EQ_INT (s_find ("E2E-CH-1", &order), 200);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (order, "lines"), 0), "quantity"), 1);
    CHECK_STR (http_json_str (order, "account_id"), "001A");
    json_decref (order);
    CHECK_EQ_INT (s_reserved ("CAP"), cap + 1);

    //  references that are not clean make no order
    static const struct {
        const char *external_id, *account_id, *pointer;
    } unclean[] = {
        {" E2E-WS", "001A", "/external_id"},
        {"E2E-WS ", "001A", "/external_id"},
        {"   ", "001A", "/external_id"},
        {"E2E-\\u200bWS", "001A", "/external_id"},
        {"E2E-\\u202eWS", "001A", "/external_id"},
        {"E2E-\\u001b[2JWS", "001A", "/external_id"},
        {"E2E-WS", "001A\\u0085", "/account_id"},
    };
    for (size_t i = 0; i < sizeof unclean / sizeof unclean[0]; i++) {
        char body[512];
        snprintf (body, sizeof body,
                  "{\"external_id\":\"%s\",\"account_id\":\"%s\",\"currency\":\"USD\","
                  "\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
                  unclean[i].external_id, unclean[i].account_id);
        s_submit (&res, body, NULL);
        http_expect_problem (&res, 422, "validation", unclean[i].external_id);
        CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"),
                   unclean[i].pointer);
        harness_http_free (&res);
    }
    CHECK_EQ_INT (s_find ("E2E-WS", NULL), 404);
    CHECK_EQ_INT (s_reserved ("CAP"), cap + 1);
}

//  The problem has one error, about the line at pointer, with two numbers.
static void
s_expect_line_error (const harness_http_t *res, const char *pointer, const char *sku,
                     const char *a_name, int64_t a, const char *b_name, int64_t b)
{
    json_t *errors = json_object_get (res->json, "errors");
    CHECK_EQ_INT (json_array_size (errors), 1);
    json_t *error = json_array_get (errors, 0);
    CHECK_STR (http_json_str (error, "pointer"), pointer);
    CHECK_STR (http_json_str (error, "sku"), sku);
    CHECK_EQ_INT (http_json_int (error, a_name), a);
    CHECK_EQ_INT (http_json_int (error, b_name), b);
    CHECK (*http_json_str (error, "message"));
}

static void
test_price_mismatch (void)
{
    int64_t tee = s_reserved ("TEE"), mug = s_reserved ("MUG");
    const char *body = "{\"external_id\":\"E2E-P\",\"account_id\":\"001A\",\"currency\":\"USD\","
                       "\"lines\":[{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1999},"
                       "{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":800}]}";
    harness_http_t res;
    s_submit (&res, body, NULL);
    http_expect_problem (&res, 409, "price-mismatch", "wrong price");
    s_expect_line_error (&res, "/lines/1/unit_price", "MUG", "expected", 850, "quoted", 800);
    harness_http_free (&res);
    //  answered only once nothing is held
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
    CHECK_EQ_INT (s_reserved ("MUG"), mug);
    CHECK_EQ_INT (s_find ("E2E-P", NULL), 404);

    //  corrected, the same external ID is taken
    s_submit (&res,
              "{\"external_id\":\"E2E-P\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":850}]}",
              NULL);
    http_expect_status (&res, 201, "corrected price");
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("MUG"), mug + 1);
    CHECK_EQ_INT (s_find ("E2E-P", NULL), 200);
}

static void
test_short_line (void)
{
    int64_t tee = s_reserved ("TEE"), mug = s_reserved ("MUG"), cap = s_reserved ("CAP");
    json_t *before = s_stock ("MUG");
    int64_t available = http_json_int (before, "available");
    json_decref (before);
    CHECK (available > 0 && available < 5);
    harness_http_t res;
    s_submit (&res,
              "{\"external_id\":\"E2E-S\",\"account_id\":\"001A\",\"currency\":\"USD\",\"lines\":["
              "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1999},"
              "{\"sku\":\"MUG\",\"quantity\":5,\"unit_price\":850},"
              "{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
              NULL);
    http_expect_problem (&res, 409, "insufficient-stock", "short line");
    s_expect_line_error (&res, "/lines/1/quantity", "MUG", "requested", 5, "available", available);
    harness_http_free (&res);
    //  all or nothing: the good lines hold nothing either
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
    CHECK_EQ_INT (s_reserved ("MUG"), mug);
    CHECK_EQ_INT (s_reserved ("CAP"), cap);
    CHECK_EQ_INT (s_find ("E2E-S", NULL), 404);

    //  a count below what orders hold applies: the reservations are kept,
    //  the reply names the shortfall and nothing more can be sold
    json_t *mug_before = s_stock ("MUG");
    int64_t mug_on_hand = http_json_int (json_array_get (json_object_get (mug_before, "locations"), 0), "on_hand");
    CHECK_STR (http_json_str (json_array_get (json_object_get (mug_before, "locations"), 0), "location"), "WH-EAST");
    s_call (&res, "PUT", "/v1/stock/WH-EAST/MUG", "{\"on_hand\":0}", NULL);
    CHECK_EQ_INT (res.status, 200);
    CHECK_EQ_INT (http_json_int (res.json, "on_hand"), 0);
    CHECK_EQ_INT (http_json_int (res.json, "reserved"), mug);
    CHECK_EQ_INT (http_json_int (res.json, "shortfall"), mug);
    CHECK_EQ_INT (http_json_int (res.json, "available"), 0);
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("MUG"), mug);
    char body[64];
    snprintf (body, sizeof body, "{\"on_hand\":%lld}", (long long) mug_on_hand);
    s_call (&res, "PUT", "/v1/stock/WH-EAST/MUG", body, NULL);
    CHECK_EQ_INT (res.status, 200);
    CHECK (json_object_get (res.json, "shortfall") == NULL);
    harness_http_free (&res);
    json_t *mug_after = s_stock ("MUG");
    CHECK (json_equal (mug_before, mug_after));
    json_decref (mug_before);
    json_decref (mug_after);
}

//  Submits a one-CAP order with the headers; the correlation ID answered
//  in cid and the order ID in id.
static void
s_order_with (const char *external_id, const char *const *headers, char *cid, char *id)
{
    char body[256];
    snprintf (body, sizeof body,
              "{\"external_id\":\"%s\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}", external_id);
    harness_http_t res;
    s_call (&res, "POST", "/v1/orders", body, headers);
    http_expect_status (&res, 201, external_id);
    snprintf (cid, 128, "%s", res.correlation_id);
    snprintf (id, 64, "%s", http_json_str (res.json, "order_id"));
    harness_http_free (&res);
}

static void
test_correlation (void)
{
    char given[64], cid[128], id[64], header[160];
    snprintf (given, sizeof given, "e2e-cid-%d", (int) getpid ());
    snprintf (header, sizeof header, "X-Correlation-Id: %s", given);
    const char *with_cid[] = {header, NULL};
    s_order_with ("E2E-C1", with_cid, cid, id);
    CHECK_STR (cid, given);
    CHECK (*id && s_orders_logged (given, id));

    const char *trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const char *with_trace[] = {"traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", NULL};
    s_order_with ("E2E-C2", with_trace, cid, id);
    CHECK_STR (cid, trace);
    CHECK (*id && s_orders_logged (trace, id));

    //  an X-Correlation-Id with a space is ignored for the traceparent
    const char *bad_cid[] = {"X-Correlation-Id: has space",
                             "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", NULL};
    s_order_with ("E2E-C3", bad_cid, cid, id);
    CHECK_STR (cid, "0af7651916cd43dd8448eb211c80319c");

    //  neither: a new UUIDv7 each time, also on errors and public routes
    harness_http_t a, b;
    s_call (&a, "GET", "/v1/orders/00000000-0000-7000-8000-000000000000", NULL, NULL);
    http_expect_problem (&a, 404, "not-found", "unknown order");
    s_call (&b, "GET", "/healthz", NULL, NULL);
    CHECK (s_is_uuid (a.correlation_id, true));
    CHECK (s_is_uuid (b.correlation_id, true));
    CHECK (strcmp (a.correlation_id, b.correlation_id) != 0);
    harness_http_free (&a);
    harness_http_free (&b);
}

static void
test_meta_routes (void)
{
    harness_http_t res;
    CHECK_EQ_INT (http_get_public (&mesh, &res, "/healthz"), 0);
    http_expect_status (&res, 200, "healthz");
    CHECK_STR (http_json_str (res.json, "status"), "ok");
    harness_http_free (&res);

    CHECK_EQ_INT (http_get_public (&mesh, &res, "/readyz"), 0);
    http_expect_status (&res, 200, "readyz");
    CHECK_STR (http_json_str (res.json, "status"), "ready");
    const char *names[] = {"orders", "pricing", "inventory"};
    for (int i = 0; i < 3; i++) {
        json_t *svc = json_object_get (json_object_get (res.json, "services"), names[i]);
        CHECK_STR (http_json_str (svc, "status"), "ok");
        CHECK (*http_json_str (svc, "version"));
    }
    CHECK_STR (res.retry_after, "");
    harness_http_free (&res);

    //  public: no key needed
    CHECK_EQ_INT (http_get_public (&mesh, &res, "/v1/openapi.json"), 0);
    http_expect_status (&res, 200, "openapi");
    CHECK (strncmp (res.content_type, "application/json", 16) == 0);
    CHECK (json_is_object (res.json));
    CHECK (strncmp (http_json_str (res.json, "openapi"), "3.0.", 4) == 0);
    json_t *paths = json_object_get (res.json, "paths");
    CHECK (json_object_get (json_object_get (paths, "/v1/orders"), "post") != NULL);
    CHECK (json_object_get (json_object_get (paths, "/v1/availability"), "get") != NULL);
    harness_http_free (&res);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_catalogue_routes, test_order_accepted, test_repeats,
                                           test_external_keys,
                                           test_price_mismatch, test_short_line, test_correlation,
                                           test_meta_routes, NULL};
    return http_main (&mesh, "test_e2e_orders", tests);
}
