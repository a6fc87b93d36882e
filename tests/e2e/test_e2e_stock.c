//  End to end: stock through the gateway. Locations are described and
//  listed; movements (receipt, transfer to a location nobody described,
//  quarantine, count) change the stock, a resend answers the first result
//  and a reused ID with another body is a 409, as is a shortfall; the
//  ledger pages through every on-hand change and sums to on hand; the
//  availability query keeps the locations asked for; policy routes set
//  safety stock.
#include "http.h"
#include <stdlib.h>
#include <string.h>

static harness_mesh_t mesh;

static json_t *
s_move (const char *body, long status)
{
    return http_expect (&mesh, "POST", "/v1/stock/movements", body, status);
}

static json_t *
s_location_of (json_t *item, const char *location)
{
    size_t i;
    json_t *at;
    json_array_foreach (json_object_get (item, "locations"), i, at)
        if (strcmp (http_json_str (at, "location"), location) == 0)
            return at;
    return NULL;
}

//  The sum of quantity_delta over every ledger entry of sku at location,
//  read in pages of page; *entries counts them.
static int64_t
s_ledger_sum (const char *location, const char *sku, int page, size_t *entries)
{
    int64_t sum = 0;
    *entries = 0;
    char cursor[40] = "";
    for (int pages = 0; pages < 100; pages++) {
        char path[256];
        snprintf (path, sizeof path, "/v1/stock/%s/%s/ledger?limit=%d%s%s", location, sku, page,
                  cursor[0] ? "&cursor=" : "", cursor);
        json_t *ledger = http_expect (&mesh, "GET", path, NULL, 200);
        size_t i;
        json_t *entry;
        json_array_foreach (json_object_get (ledger, "entries"), i, entry) {
            sum += http_json_int (entry, "quantity_delta");
            CHECK_EQ_INT (http_json_int (entry, "on_hand_after"), sum);
            CHECK (http_json_str (entry, "recorded_at")[0] != '\0');
            (*entries)++;
        }
        CHECK (json_array_size (json_object_get (ledger, "entries")) <= (size_t) page);
        const char *next = http_json_str (ledger, "next_cursor");
        snprintf (cursor, sizeof cursor, "%s", next);
        json_decref (ledger);
        if (!cursor[0])
            break;
    }
    return sum;
}

static void
test_locations (void)
{
    json_t *loc = http_expect (&mesh, "PUT", "/v1/locations/E2E-WH",
                               "{\"name\":\"East warehouse\",\"type\":\"warehouse\",\"priority\":5}", 200);
    CHECK_STR (http_json_str (loc, "location"), "E2E-WH");
    CHECK_EQ_INT (http_json_int (loc, "priority"), 5);
    json_decref (loc);
    loc = http_expect (&mesh, "GET", "/v1/locations/E2E-WH", NULL, 200);
    CHECK_STR (http_json_str (loc, "name"), "East warehouse");
    CHECK_STR (http_json_str (loc, "type"), "warehouse");
    json_decref (loc);
    harness_http_t res;
    CHECK_EQ_INT (http_call (&mesh, &res, "PUT", "/v1/locations/E2E-X", "{\"name\":\"x\",\"type\":\"barn\",\"priority\":1}"),
                  0);
    http_expect_problem (&res, 422, "validation", "unknown location type");
    CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"), "/type");
    harness_http_free (&res);
    json_decref (http_expect (&mesh, "GET", "/v1/locations/E2E-NOPE", NULL, 404));
    json_t *list = http_expect (&mesh, "GET", "/v1/locations", NULL, 200);
    bool listed = false;
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get (list, "locations"), i, item)
        listed |= strcmp (http_json_str (item, "location"), "E2E-WH") == 0;
    CHECK (listed);
    json_decref (list);
}

static void
test_movements_and_ledger (void)
{
    json_t *moved = s_move ("{\"movement_id\":\"e2e-1\",\"type\":\"receipt\",\"sku\":\"E2E-S\","
                            "\"location\":\"E2E-WH\",\"quantity\":30,\"reason\":\"PO 1\"}",
                            200);
    CHECK (json_is_false (json_object_get (moved, "location_created")));
    CHECK_EQ_INT (http_json_int (json_object_get (moved, "stock"), "on_hand"), 30);
    json_decref (moved);
    //  a transfer to a location nobody described creates it, and says so
    const char *transfer = "{\"movement_id\":\"e2e-2\",\"type\":\"transfer\",\"sku\":\"E2E-S\","
                           "\"location\":\"E2E-WH\",\"to_location\":\"E2E-STORE\",\"quantity\":10}";
    moved = s_move (transfer, 200);
    CHECK (json_is_true (json_object_get (moved, "to_location_created")));
    CHECK_EQ_INT (http_json_int (json_object_get (moved, "stock"), "on_hand"), 20);
    CHECK_EQ_INT (http_json_int (json_object_get (moved, "to_stock"), "on_hand"), 10);
    char *first = json_dumps (moved, JSON_SORT_KEYS);
    json_decref (moved);
    json_t *loc = http_expect (&mesh, "GET", "/v1/locations/E2E-STORE", NULL, 200);
    CHECK_STR (http_json_str (loc, "type"), "warehouse");
    CHECK (http_json_int (loc, "priority") > 5);
    json_decref (loc);
    //  the same movement again answers the first result and moves nothing
    moved = s_move (transfer, 200);
    char *again = json_dumps (moved, JSON_SORT_KEYS);
    CHECK_STR (again, first);
    free (first);
    free (again);
    json_decref (moved);
    harness_http_t res;
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/stock/movements",
                             "{\"movement_id\":\"e2e-2\",\"type\":\"transfer\",\"sku\":\"E2E-S\","
                             "\"location\":\"E2E-WH\",\"to_location\":\"E2E-STORE\",\"quantity\":11}"),
                  0);
    http_expect_problem (&res, 409, "conflict", "movement ID reused");
    harness_http_free (&res);
    //  more than is free at a location: 409 naming the shortfall
    json_decref (s_move ("{\"movement_id\":\"e2e-3\",\"type\":\"quarantine\",\"sku\":\"E2E-S\","
                         "\"location\":\"E2E-WH\",\"quantity\":4,\"reason\":\"damaged\"}",
                         200));
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/stock/movements",
                             "{\"movement_id\":\"e2e-4\",\"type\":\"adjustment\",\"sku\":\"E2E-S\","
                             "\"location\":\"E2E-WH\",\"quantity\":-17}"),
                  0);
    http_expect_problem (&res, 409, "insufficient-stock", "adjustment below quarantined");
    CHECK (strstr (http_json_str (res.json, "detail"), "1 units short") != NULL);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (res.json, "errors"), 0), "shortfall"), 1);
    harness_http_free (&res);
    //  a count, then a PUT (also a count)
    json_decref (s_move ("{\"movement_id\":\"e2e-5\",\"type\":\"count\",\"sku\":\"E2E-S\","
                         "\"location\":\"E2E-WH\",\"quantity\":18}",
                         200));
    json_t *put = http_expect (&mesh, "PUT", "/v1/stock/E2E-STORE/E2E-S", "{\"on_hand\":12}", 200);
    CHECK (json_is_false (json_object_get (put, "location_created")));
    json_decref (put);
    put = http_expect (&mesh, "PUT", "/v1/stock/E2E-NEW/E2E-S", "{\"on_hand\":3}", 200);
    CHECK (json_is_true (json_object_get (put, "location_created")));
    json_decref (put);
    //  every change is in the ledger, a page at a time, and sums to on hand
    size_t entries;
    CHECK_EQ_INT (s_ledger_sum ("E2E-WH", "E2E-S", 1, &entries), 18);
    CHECK_EQ_INT (entries, 3);
    CHECK_EQ_INT (s_ledger_sum ("E2E-STORE", "E2E-S", 100, &entries), 12);
    CHECK_EQ_INT (entries, 2);
    json_t *ledger = http_expect (&mesh, "GET", "/v1/stock/E2E-WH/E2E-S/ledger", NULL, 200);
    json_t *entry = json_array_get (json_object_get (ledger, "entries"), 1);
    CHECK_STR (http_json_str (entry, "type"), "transfer_out");
    CHECK_STR (http_json_str (entry, "movement_id"), "e2e-2");
    CHECK_STR (http_json_str (json_array_get (json_object_get (ledger, "entries"), 0), "reason"), "PO 1");
    json_decref (ledger);
    CHECK_EQ_INT (http_call (&mesh, &res, "GET", "/v1/stock/E2E-WH/E2E-S/ledger?limit=x", NULL), 0);
    http_expect_status (&res, 422, "limit not a number");
    harness_http_free (&res);
    json_decref (http_expect (&mesh, "GET", "/v1/stock/E2E-WH/E2E-NONE/ledger", NULL, 404));
}

static void
test_availability_query (void)
{
    json_t *reply = http_expect (&mesh, "POST", "/v1/availability/query",
                                 "{\"skus\":[\"E2E-S\"],\"locations\":[\"E2E-WH\",\"E2E-STORE\"]}", 200);
    json_t *item = json_array_get (json_object_get (reply, "items"), 0);
    CHECK_EQ_INT (json_array_size (json_object_get (item, "locations")), 2);
    CHECK (s_location_of (item, "E2E-NEW") == NULL);
    CHECK_EQ_INT (http_json_int (item, "on_hand"), 30);
    CHECK_EQ_INT (http_json_int (item, "quarantined"), 4);
    CHECK_EQ_INT (http_json_int (item, "available"), 26);
    json_t *wh = s_location_of (item, "E2E-WH");
    CHECK_EQ_INT (http_json_int (wh, "available"), 14);
    json_decref (reply);
    //  without the filter every location is there; GET takes it too
    json_t *all = http_stock (&mesh, "E2E-S", NULL);
    CHECK_EQ_INT (json_array_size (json_object_get (all, "locations")), 3);
    json_decref (all);
    reply = http_expect (&mesh, "GET", "/v1/availability?sku=E2E-S&location=E2E-NEW", NULL, 200);
    item = json_array_get (json_object_get (reply, "items"), 0);
    CHECK_EQ_INT (json_array_size (json_object_get (item, "locations")), 1);
    CHECK_EQ_INT (http_json_int (item, "on_hand"), 3);
    json_decref (reply);
    //  safety stock, the SKU's then a location's own
    json_t *policy = http_expect (&mesh, "PUT", "/v1/skus/E2E-S/policy", "{\"safety_stock\":2,\"low_stock_threshold\":5}",
                                  200);
    CHECK_EQ_INT (http_json_int (policy, "safety_stock"), 2);
    json_decref (policy);
    json_t *stock = http_expect (&mesh, "PUT", "/v1/stock/E2E-WH/E2E-S/policy", "{\"safety_stock\":10}", 200);
    CHECK_EQ_INT (http_json_int (stock, "safety_stock"), 10);
    CHECK_EQ_INT (http_json_int (stock, "available"), 4);
    json_decref (stock);
    reply = http_expect (&mesh, "POST", "/v1/availability/query", "{\"skus\":[\"E2E-S\"]}", 200);
    item = json_array_get (json_object_get (reply, "items"), 0);
    CHECK_EQ_INT (http_json_int (s_location_of (item, "E2E-STORE"), "safety_stock"), 2);
    CHECK_EQ_INT (http_json_int (item, "available"), 4 + 10 + 1);
    json_decref (reply);
    //  a query over the limit is refused, naming it
    char body[2048] = "{\"skus\":[";
    for (int i = 0; i < 101; i++)
        snprintf (body + strlen (body), sizeof body - strlen (body), "%s\"S%d\"", i ? "," : "", i);
    snprintf (body + strlen (body), sizeof body - strlen (body), "]}");
    harness_http_t res;
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/availability/query", body), 0);
    http_expect_problem (&res, 422, "validation", "too many SKUs");
    CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"), "/skus");
    harness_http_free (&res);
}

//  Stock arriving by a movement goes to the SKU's backorders first.
static void
test_arrival_fills_backorders (void)
{
    json_decref (http_expect (&mesh, "PUT", "/v1/prices/EUR/E2E-BO", "{\"unit_price\":1000}", 200));
    json_decref (s_move ("{\"movement_id\":\"bo-1\",\"type\":\"receipt\",\"sku\":\"E2E-BO\","
                         "\"location\":\"E2E-WH\",\"quantity\":1}",
                         200));
    json_decref (s_move ("{\"movement_id\":\"bo-q1\",\"type\":\"receipt\",\"sku\":\"E2E-BO\","
                         "\"location\":\"E2E-STORE\",\"quantity\":5}",
                         200));
    json_decref (s_move ("{\"movement_id\":\"bo-q2\",\"type\":\"quarantine\",\"sku\":\"E2E-BO\","
                         "\"location\":\"E2E-STORE\",\"quantity\":5}",
                         200));
    json_t *order = http_expect (&mesh, "POST", "/v1/orders",
                                 "{\"external_id\":\"E2E-BO-1\",\"account_id\":\"ACC\",\"currency\":\"EUR\","
                                 "\"lines\":[{\"sku\":\"E2E-BO\",\"quantity\":4,\"unit_price\":1000,"
                                 "\"allow_backorder\":true}]}",
                                 201);
    json_decref (order);
    json_t *item = http_stock (&mesh, "E2E-BO", NULL);
    CHECK_EQ_INT (http_json_int (item, "reserved"), 1);
    json_decref (item);
    //  a receipt of 2: both held for the order, in the movement's own answer
    json_t *moved = s_move ("{\"movement_id\":\"bo-2\",\"type\":\"receipt\",\"sku\":\"E2E-BO\","
                            "\"location\":\"E2E-WH\",\"quantity\":2}",
                            200);
    CHECK_EQ_INT (http_json_int (json_object_get (moved, "stock"), "reserved"), 3);
    CHECK_EQ_INT (http_json_int (json_object_get (moved, "stock"), "available"), 0);
    json_decref (moved);
    //  3 units out of quarantine: the last unit the order needs is held there
    moved = s_move ("{\"movement_id\":\"bo-3\",\"type\":\"release_quarantine\",\"sku\":\"E2E-BO\","
                    "\"location\":\"E2E-STORE\",\"quantity\":3}",
                    200);
    CHECK_EQ_INT (http_json_int (json_object_get (moved, "stock"), "reserved"), 1);
    json_decref (moved);
    item = http_stock (&mesh, "E2E-BO", NULL);
    CHECK_EQ_INT (http_json_int (item, "reserved"), 4);
    CHECK_EQ_INT (http_json_int (item, "available"), 5 - 1 - 2);
    json_decref (item);
}

int
main (int argc, char **argv)
{
    (void) argc;
    static void (*const tests[]) (void) = {test_locations, test_movements_and_ledger, test_availability_query,
                                           test_arrival_fills_backorders, NULL};
    return http_main (&mesh, argv[0], tests);
}
