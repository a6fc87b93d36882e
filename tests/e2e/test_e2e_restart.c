//  End to end: each service killed with SIGKILL right after it answered a
//  write, then started again on the same data. What it acknowledged is
//  still there: the order (and its idempotency), the stock and its
//  reservations, the prices. The services run durable (no --nosync).
#include "http.h"
#include <stdlib.h>

static harness_mesh_t mesh;

//  SIGKILL, then the same service on the same data and ports.
static void
s_crash (unsigned which)
{
    harness_mesh_kill_one (&mesh, which);
    CHECK_EQ_INT (harness_mesh_start (&mesh, which), 0);
}

static const char *s_order = "{\"external_id\":\"R-1\",\"account_id\":\"001A\",\"currency\":\"USD\","
                             "\"lines\":[{\"sku\":\"KEEP\",\"quantity\":33,\"unit_price\":1234},"
                             "{\"sku\":\"ALSO\",\"quantity\":1,\"unit_price\":99}]}";
static const char *s_quote = "{\"currency\":\"USD\",\"lines\":[{\"sku\":\"KEEP\",\"quantity\":2},"
                             "{\"sku\":\"ALSO\",\"quantity\":3}]}";

static void
test_crashes_keep_data (void)
{
    json_decref (http_expect (&mesh, "PUT", "/v1/prices/USD/KEEP", "{\"unit_price\":1234}", 200));
    json_decref (http_expect (&mesh, "PUT", "/v1/prices/USD/ALSO", "{\"unit_price\":99}", 200));
    json_decref (http_expect (&mesh, "PUT", "/v1/stock/WH-A/KEEP", "{\"on_hand\":30}", 200));
    json_decref (http_expect (&mesh, "PUT", "/v1/stock/WH-B/KEEP", "{\"on_hand\":5}", 200));
    json_decref (http_expect (&mesh, "PUT", "/v1/stock/WH-A/ALSO", "{\"on_hand\":4}", 200));

    //  orders dies right after accepting
    json_t *order = http_expect (&mesh, "POST", "/v1/orders", s_order, 201);
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s", http_json_str (order, "order_id"));
    s_crash (MESH_ORDERS);
    json_t *got = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK (json_equal (got, order));
    json_decref (got);
    got = http_expect (&mesh, "GET", "/v1/orders?external_id=R-1", NULL, 200);
    CHECK (json_equal (got, order));
    json_decref (got);
    //  the repeat is still recognised: no second order, no second reservation
    got = http_expect (&mesh, "POST", "/v1/orders", s_order, 200);
    CHECK_STR (http_json_str (got, "order_id"), http_json_str (order, "order_id"));
    json_decref (got);

    json_t *stock = http_expect (&mesh, "GET", "/v1/availability?sku=KEEP&sku=ALSO", NULL, 200);
    json_t *keep = json_array_get (json_object_get (stock, "items"), 0);
    CHECK_EQ_INT (http_json_int (keep, "on_hand"), 35);
    CHECK_EQ_INT (http_json_int (keep, "reserved"), 33);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (stock, "items"), 1), "reserved"), 1);

    //  inventory dies right after a stock change; the reservations survive too
    json_t *set = http_expect (&mesh, "PUT", "/v1/stock/WH-B/KEEP", "{\"on_hand\":7}", 200);
    CHECK_EQ_INT (http_json_int (set, "reserved"), 3);
    json_decref (set);
    s_crash (MESH_INVENTORY);
    json_t *after = http_expect (&mesh, "GET", "/v1/availability?sku=KEEP&sku=ALSO", NULL, 200);
    json_t *changed = json_array_get (json_object_get (after, "items"), 0);
    CHECK_EQ_INT (http_json_int (changed, "on_hand"), 37);
    CHECK_EQ_INT (http_json_int (changed, "reserved"), 33);
    CHECK_EQ_INT (http_json_int (changed, "available"), 4);
    //  apart from WH-B's on_hand, nothing moved
    json_t *wh_b = json_array_get (json_object_get (keep, "locations"), 1);
    CHECK_STR (http_json_str (wh_b, "location"), "WH-B");
    json_object_set_new (wh_b, "on_hand", json_integer (7));
    json_object_set_new (wh_b, "available", json_integer (7 - http_json_int (wh_b, "reserved")));
    json_object_set_new (keep, "on_hand", json_integer (37));
    json_object_set_new (keep, "available", json_integer (4));
    CHECK (json_equal (after, stock));
    if (!json_equal (after, stock)) {
        char *want = json_dumps (stock, JSON_COMPACT), *have = json_dumps (after, JSON_COMPACT);
        fprintf (stderr, "  stock expected %s\n  stock found    %s\n", want, have);
        free (want);
        free (have);
    }
    json_decref (after);
    json_decref (stock);

    //  pricing dies right after a price change
    json_t *quote = http_expect (&mesh, "POST", "/v1/prices/quote", s_quote, 200);
    CHECK_EQ_INT (http_json_int (quote, "total"), 2 * 1234 + 3 * 99);
    s_crash (MESH_PRICING);
    json_t *again = http_expect (&mesh, "POST", "/v1/prices/quote", s_quote, 200);
    CHECK (json_equal (again, quote));
    json_decref (again);
    json_decref (quote);
    json_decref (http_expect (&mesh, "PUT", "/v1/prices/USD/ALSO", "{\"unit_price\":101}", 200));
    s_crash (MESH_PRICING);
    quote = http_expect (&mesh, "POST", "/v1/prices/quote", s_quote, 200);
    CHECK_EQ_INT (http_json_int (quote, "total"), 2 * 1234 + 3 * 101);
    json_decref (quote);

    //  the mesh still takes orders, at the price set before the crash
    json_decref (http_expect (&mesh, "POST", "/v1/orders",
                           "{\"external_id\":\"R-2\",\"account_id\":\"001A\",\"currency\":\"USD\","
                           "\"lines\":[{\"sku\":\"ALSO\",\"quantity\":1,\"unit_price\":101}]}", 201));
    stock = http_expect (&mesh, "GET", "/v1/availability?sku=ALSO", NULL, 200);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (stock, "items"), 0), "reserved"), 2);
    json_decref (stock);
    //  and the first order is untouched by all of it
    got = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK (json_equal (got, order));
    json_decref (got);
    json_decref (order);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_crashes_keep_data, NULL};
    return http_main (&mesh, "test_e2e_restart", tests);
}
