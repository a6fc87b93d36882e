//  End to end through the gateway: an order of two SKUs held at two
//  locations becomes two fulfilments; warehouses and carriers report
//  milestones on them (picked, packed, a short-picked shipment, delivered),
//  twice, out of order, for a fulfilment that does not exist and malformed,
//  one at a time and in a batch with mixed items; inventory takes what
//  shipped off its books and releases the shortfall; warehouses list their
//  work; sys.health of fulfillment counts the shipments per location.
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "http.h"
#include "itest.h"
#include "rpc_client.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static harness_mesh_t mesh;

//  fulfillment makes fulfilments from orders' events: polls stop after this.
#define WAIT_MS 10000

static char s_order_id[64];
static char s_ff_a[64], s_ff_b[64];          //  the fulfilments at FF-WH-A and FF-WH-B

static json_t *
s_get (const char *path)
{
    return http_expect (&mesh, "GET", path, NULL, 200);
}

static void
s_pause (void)
{
    nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
}

//  The order's fulfilments once there are count of them (the last answer
//  when the deadline passes).
static json_t *
s_wait_fulfilments (const char *order_id, size_t count)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/fulfillments", order_id);
    json_t *list = NULL;
    for (int64_t until = clock_mono_ms () + WAIT_MS;;) {
        json_decref (list);
        list = s_get (path);
        if (json_array_size (json_object_get (list, "items")) >= count || clock_mono_ms () >= until)
            break;
        s_pause ();
    }
    return list;
}

static json_t *
s_fulfilment (const char *id)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/fulfillments/%s", id);
    return s_get (path);
}

//  POSTs a milestone of fulfilment id and returns the answer (free it);
//  status says what the call answered (0: none).
static json_t *
s_milestone (const char *id, const char *body, long *status)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/fulfillments/%s/events", id);
    harness_http_t res;
    json_t *answer = NULL;
    *status = 0;
    if (http_call (&mesh, &res, "POST", path, body) == 0) {
        *status = res.status;
        answer = json_incref (res.json);
        if (res.status >= 400)
            fprintf (stderr, "  milestone %s: %ld %s\n", id, res.status, res.body);
    }
    harness_http_free (&res);
    return answer ? answer : json_object ();
}

static json_t *
s_expect_milestone (const char *id, const char *body, long expected)
{
    long status;
    json_t *answer = s_milestone (id, body, &status);
    CHECK_EQ_INT (status, expected);
    return answer;
}

static json_t *
s_line (json_t *fulfilment, size_t i)
{
    return json_array_get (json_object_get (fulfilment, "lines"), i);
}

static bool
s_flag (json_t *obj, const char *key)
{
    return json_is_true (json_object_get (obj, key));
}

//  ---------------------------------------------------------------------

static void
test_order_makes_fulfilments (void)
{
    http_put (&mesh, "/v1/prices/USD/FF-TEE", "{\"unit_price\":1500}");
    http_put (&mesh, "/v1/prices/USD/FF-MUG", "{\"unit_price\":700}");
    http_put (&mesh, "/v1/stock/FF-WH-A/FF-TEE", "{\"on_hand\":5}");
    http_put (&mesh, "/v1/stock/FF-WH-B/FF-MUG", "{\"on_hand\":5}");
    json_t *order = http_expect (&mesh, "POST", "/v1/orders",
                                 "{\"external_id\":\"FF-1\",\"account_id\":\"ACC-FF\",\"currency\":\"USD\","
                                 "\"lines\":[{\"sku\":\"FF-TEE\",\"quantity\":2,\"unit_price\":1500},"
                                 "{\"sku\":\"FF-MUG\",\"quantity\":3,\"unit_price\":700}]}",
                                 201);
    snprintf (s_order_id, sizeof s_order_id, "%s", http_json_str (order, "order_id"));
    json_decref (order);

    json_t *list = s_wait_fulfilments (s_order_id, 2);
    json_t *items = json_object_get (list, "items");
    CHECK_EQ_INT (json_array_size (items), 2);
    for (size_t i = 0; i < json_array_size (items); i++) {
        json_t *f = json_array_get (items, i);
        bool at_a = strcmp (http_json_str (f, "location"), "FF-WH-A") == 0;
        snprintf (at_a ? s_ff_a : s_ff_b, sizeof s_ff_a, "%s", http_json_str (f, "fulfillment_id"));
        CHECK_STR (http_json_str (f, "status"), "allocated");
        CHECK_STR (http_json_str (f, "source"), "order");
        CHECK_STR (http_json_str (f, "order_id"), s_order_id);
        CHECK_STR (http_json_str (f, "external_id"), "FF-1");
        CHECK_EQ_INT (json_array_size (json_object_get (f, "lines")), 1);
        json_t *line = s_line (f, 0);
        CHECK_STR (http_json_str (line, "sku"), at_a ? "FF-TEE" : "FF-MUG");
        CHECK_EQ_INT (http_json_int (line, "line"), at_a ? 0 : 1);
        CHECK_EQ_INT (http_json_int (line, "quantity"), at_a ? 2 : 3);
        CHECK_EQ_INT (http_json_int (line, "shipped"), 0);
    }
    CHECK (s_ff_a[0] && s_ff_b[0]);
    json_decref (list);
}

static void
test_milestones_in_order_with_short_pick (void)
{
    json_t *f = s_expect_milestone (s_ff_a, "{\"event_id\":\"wms-a-1\",\"type\":\"picked\","
                                    "\"occurred_at\":\"2026-12-01T10:00:00Z\",\"lines\":[{\"sku\":\"FF-TEE\",\"quantity\":1}]}",
                                    200);
    CHECK_STR (http_json_str (f, "status"), "picked");
    CHECK (s_flag (f, "applied") && !s_flag (f, "duplicate"));
    CHECK_EQ_INT (http_json_int (s_line (f, 0), "picked"), 1);
    json_decref (f);
    f = s_expect_milestone (s_ff_a, "{\"event_id\":\"wms-a-2\",\"type\":\"packed\",\"occurred_at\":\"2026-12-01T11:00:00Z\"}",
                            200);
    CHECK_STR (http_json_str (f, "status"), "packed");
    json_decref (f);
    //  only one unit was found: it ships, the other is the shortfall
    f = s_expect_milestone (s_ff_a, "{\"event_id\":\"ups-a-3\",\"type\":\"shipped\",\"occurred_at\":\"2026-12-01T12:00:00Z\","
                            "\"lines\":[{\"sku\":\"FF-TEE\",\"quantity\":1}],\"carrier\":\"UPS\","
                            "\"tracking_number\":\"1ZFF0001\",\"tracking_url\":\"https://ups.example/1ZFF0001\"}",
                            200);
    CHECK_STR (http_json_str (f, "status"), "shipped");
    CHECK_STR (http_json_str (f, "reason"), "short_pick");
    CHECK_STR (http_json_str (f, "carrier"), "UPS");
    CHECK_STR (http_json_str (f, "tracking_number"), "1ZFF0001");
    CHECK_STR (http_json_str (f, "updated_at"), "2026-12-01T12:00:00.000Z");
    CHECK_EQ_INT (http_json_int (s_line (f, 0), "shipped"), 1);
    CHECK_EQ_INT (http_json_int (s_line (f, 0), "shortfall"), 1);
    json_decref (f);
    f = s_expect_milestone (s_ff_a, "{\"event_id\":\"ups-a-4\",\"type\":\"delivered\",\"occurred_at\":\"2026-12-02T09:00:00Z\"}",
                            200);
    CHECK_STR (http_json_str (f, "status"), "delivered");
    CHECK_EQ_INT (http_json_int (s_line (f, 0), "delivered"), 1);
    json_decref (f);

    //  inventory took the shipped unit off on hand and reserved, and
    //  released the one not found
    json_t *stock = NULL;
    for (int64_t until = clock_mono_ms () + WAIT_MS;;) {
        json_decref (stock);
        stock = http_stock (&mesh, "FF-TEE", NULL);
        if ((http_json_int (stock, "on_hand") == 4 && http_json_int (stock, "reserved") == 0)
            || clock_mono_ms () >= until)
            break;
        s_pause ();
    }
    CHECK_EQ_INT (http_json_int (stock, "on_hand"), 4);
    CHECK_EQ_INT (http_json_int (stock, "reserved"), 0);
    json_decref (stock);
}

static void
test_same_milestone_twice (void)
{
    const char *body = "{\"event_id\":\"wms-a-2\",\"type\":\"packed\",\"occurred_at\":\"2026-12-01T11:00:00Z\"}";
    json_t *f = s_expect_milestone (s_ff_a, body, 200);
    CHECK (s_flag (f, "duplicate") && !s_flag (f, "applied"));
    CHECK_STR (http_json_str (f, "status"), "delivered");
    json_decref (f);
    //  the same event_id with another body
    char path[128];
    snprintf (path, sizeof path, "/v1/fulfillments/%s/events", s_ff_a);
    harness_http_t res;
    if (http_call (&mesh, &res, "POST", path,
                   "{\"event_id\":\"wms-a-2\",\"type\":\"packed\",\"occurred_at\":\"2026-12-01T11:30:00Z\"}") == 0) {
        http_expect_problem (&res, 409, "conflict", "event_id with another body");
        CHECK (strstr (res.body, "/event_id") != NULL);
    }
    harness_http_free (&res);
    f = s_fulfilment (s_ff_a);
    CHECK_EQ_INT (json_array_size (json_object_get (f, "history")), 4);
    json_decref (f);
}

static void
test_out_of_order (void)
{
    //  delivered comes first: it stands for the shipment too
    json_t *f = s_expect_milestone (s_ff_b, "{\"event_id\":\"dhl-b-3\",\"type\":\"delivered\","
                                    "\"occurred_at\":\"2026-12-03T09:00:00Z\",\"carrier\":\"DHL\"}",
                                    200);
    CHECK_STR (http_json_str (f, "status"), "delivered");
    CHECK_EQ_INT (http_json_int (s_line (f, 0), "shipped"), 3);
    CHECK_EQ_INT (http_json_int (s_line (f, 0), "delivered"), 3);
    CHECK_EQ_INT (http_json_int (s_line (f, 0), "shortfall"), 0);
    json_decref (f);
    //  the shipped and picked that come after do not move it back
    f = s_expect_milestone (s_ff_b, "{\"event_id\":\"dhl-b-2\",\"type\":\"shipped\",\"occurred_at\":\"2026-12-02T15:00:00Z\"}",
                            200);
    CHECK (!s_flag (f, "applied") && !s_flag (f, "duplicate"));
    CHECK_STR (http_json_str (f, "status"), "delivered");
    json_decref (f);
    f = s_expect_milestone (s_ff_b, "{\"event_id\":\"wms-b-1\",\"type\":\"picked\",\"occurred_at\":\"2026-12-02T08:00:00Z\"}",
                            200);
    CHECK (!s_flag (f, "applied"));
    CHECK_STR (http_json_str (f, "updated_at"), "2026-12-03T09:00:00.000Z");
    json_decref (f);
    //  the history has all three, in occurred_at order
    f = s_fulfilment (s_ff_b);
    json_t *history = json_object_get (f, "history");
    CHECK_EQ_INT (json_array_size (history), 3);
    const char *order[] = {"wms-b-1", "dhl-b-2", "dhl-b-3"};
    const bool applied[] = {false, false, true};
    for (size_t i = 0; i < 3; i++) {
        CHECK_STR (http_json_str (json_array_get (history, i), "event_id"), order[i]);
        CHECK (s_flag (json_array_get (history, i), "applied") == applied[i]);
    }
    json_decref (f);
    //  the mugs left FF-WH-B once
    json_t *stock = NULL;
    for (int64_t until = clock_mono_ms () + WAIT_MS;;) {
        json_decref (stock);
        stock = http_stock (&mesh, "FF-MUG", NULL);
        if (http_json_int (stock, "on_hand") == 2 || clock_mono_ms () >= until)
            break;
        s_pause ();
    }
    CHECK_EQ_INT (http_json_int (stock, "on_hand"), 2);
    CHECK_EQ_INT (http_json_int (stock, "reserved"), 0);
    json_decref (stock);
}

//  A milestone the gateway or fulfillment refuses with status, naming field.
static void
s_expect_refused (const char *id, const char *body, long status, const char *slug, const char *field)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/fulfillments/%s/events", id);
    harness_http_t res;
    if (http_call (&mesh, &res, "POST", path, body) == 0) {
        http_expect_problem (&res, status, slug, body);
        if (field) {
            json_t *first = json_array_get (json_object_get (res.json, "errors"), 0);
            CHECK_STR (http_json_str (first, "pointer"), field);
        }
    }
    harness_http_free (&res);
}

static void
test_unknown_and_malformed (void)
{
    char order[] = "{\"external_id\":\"FF-2\",\"account_id\":\"ACC-FF\",\"currency\":\"USD\","
                   "\"lines\":[{\"sku\":\"FF-TEE\",\"quantity\":2,\"unit_price\":1500}]}";
    json_t *answer = http_expect (&mesh, "POST", "/v1/orders", order, 201);
    json_t *list = s_wait_fulfilments (http_json_str (answer, "order_id"), 1);
    char id[64];
    snprintf (id, sizeof id, "%s", http_json_str (json_array_get (json_object_get (list, "items"), 0), "fulfillment_id"));
    json_decref (list);
    json_decref (answer);

    s_expect_refused ("01938a4e-7b7c-7f00-8a1b-000000000000",
                      "{\"event_id\":\"x-1\",\"type\":\"picked\",\"occurred_at\":\"2026-12-01T10:00:00Z\"}", 404,
                      "not-found", NULL);
    s_expect_refused (id, "{\"event_id\":\"x-2\",\"type\":\"picked\"}", 422, "validation", "/occurred_at");
    s_expect_refused (id, "{\"event_id\":\"x-3\",\"type\":\"lost\",\"occurred_at\":\"2026-12-01T10:00:00Z\"}", 422,
                      "validation", "/type");
    s_expect_refused (id, "{\"event_id\":\"x-4\",\"type\":\"exception\",\"occurred_at\":\"2026-12-01T10:00:00Z\"}",
                      422, "validation", "/reason");
    s_expect_refused (id, "{\"event_id\":\"x-5\",\"type\":\"shipped\",\"occurred_at\":\"2026-12-01T10:00:00Z\","
                      "\"lines\":[{\"sku\":\"FF-TEE\",\"quantity\":3}]}",
                      422, "validation", "/lines/0/quantity");
    s_expect_refused (id, "{\"event_id\":\"x-6\",\"type\":\"shipped\",\"occurred_at\":\"2026-12-01T10:00:00Z\","
                      "\"lines\":[{\"sku\":\"FF-HAT\",\"quantity\":1}]}",
                      422, "validation", "/lines/0/sku");
    //  nothing of those was recorded
    json_t *f = s_fulfilment (id);
    CHECK_STR (http_json_str (f, "status"), "allocated");
    CHECK_EQ_INT (json_array_size (json_object_get (f, "history")), 0);
    json_decref (f);
    //  an exception with its reason is taken
    json_t *done = s_expect_milestone (id, "{\"event_id\":\"x-7\",\"type\":\"exception\",\"reason\":\"damaged\","
                                       "\"occurred_at\":\"2026-12-04T10:00:00Z\"}",
                                       200);
    CHECK_STR (http_json_str (done, "status"), "exception");
    CHECK_STR (http_json_str (done, "reason"), "damaged");
    json_decref (done);
}

static void
test_batch_with_mixed_items (void)
{
    char body[2048];
    snprintf (body, sizeof body,
              "{\"items\":["
              "{\"fulfillment_id\":\"%s\",\"event_id\":\"wms-a-2\",\"type\":\"packed\",\"occurred_at\":\"2026-12-01T11:00:00Z\"},"
              "{\"fulfillment_id\":\"%s\",\"event_id\":\"wms-a-0\",\"type\":\"picked\",\"occurred_at\":\"2026-12-01T09:00:00Z\"},"
              "{\"fulfillment_id\":\"01938a4e-7b7c-7f00-8a1b-000000000000\",\"event_id\":\"c-1\",\"type\":\"picked\","
              "\"occurred_at\":\"2026-12-01T09:00:00Z\"},"
              "{\"fulfillment_id\":\"%s\",\"event_id\":\"c-2\",\"type\":\"delivered\",\"occurred_at\":\"2026-12-05T09:00:00Z\","
              "\"lines\":[{\"sku\":\"FF-MUG\",\"quantity\":4}]},"
              "{\"fulfillment_id\":\"%s\",\"event_id\":\"wms-a-2\",\"type\":\"packed\",\"occurred_at\":\"2026-12-01T11:05:00Z\"}"
              "]}",
              s_ff_a, s_ff_a, s_ff_b, s_ff_a);
    json_t *answer = http_expect (&mesh, "POST", "/v1/fulfillments/events/batch", body, 200);
    json_t *results = json_object_get (answer, "results");
    CHECK_EQ_INT (json_array_size (results), 5);
    const char *status[] = {"duplicate", "kept", "rejected", "rejected", "rejected"};
    const int64_t code[] = {0, 0, 404, 422, 409};
    for (size_t i = 0; i < 5; i++) {
        json_t *r = json_array_get (results, i);
        CHECK_EQ_INT (http_json_int (r, "index"), i);
        CHECK_STR (http_json_str (r, "status"), status[i]);
        CHECK_EQ_INT (http_json_int (r, "code"), code[i]);
        CHECK ((json_object_get (r, "error") != NULL) == (code[i] != 0));
    }
    CHECK_STR (http_json_str (json_object_get (json_array_get (results, 3), "error"), "field"), "/lines/0/quantity");
    json_decref (answer);
    //  the kept one is in the history; the rejected ones nowhere
    json_t *f = s_fulfilment (s_ff_a);
    CHECK_EQ_INT (json_array_size (json_object_get (f, "history")), 5);
    CHECK_STR (http_json_str (json_array_get (json_object_get (f, "history"), 0), "event_id"), "wms-a-0");
    json_decref (f);
    //  the whole batch again changes nothing
    answer = http_expect (&mesh, "POST", "/v1/fulfillments/events/batch", body, 200);
    CHECK_STR (http_json_str (json_array_get (json_object_get (answer, "results"), 1), "status"), "duplicate");
    json_decref (answer);
    //  a body the schema refuses is refused whole, naming the item's field
    harness_http_t res;
    if (http_call (&mesh, &res, "POST", "/v1/fulfillments/events/batch",
                   "{\"items\":[{\"fulfillment_id\":\"nope\",\"event_id\":\"c-3\",\"type\":\"picked\","
                   "\"occurred_at\":\"2026-12-01T09:00:00Z\"}]}") == 0) {
        http_expect_problem (&res, 422, "validation", "batch with a bad item");
        CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"),
                   "/items/0/fulfillment_id");
    }
    harness_http_free (&res);
}

static void
test_list_for_warehouses (void)
{
    json_t *page = s_get ("/v1/fulfillments?location=FF-WH-B");
    json_t *items = json_object_get (page, "items");
    CHECK_EQ_INT (json_array_size (items), 1);
    CHECK_STR (http_json_str (json_array_get (items, 0), "fulfillment_id"), s_ff_b);
    CHECK (json_object_get (page, "next_cursor") == NULL);
    json_decref (page);
    //  FF-WH-A has two, oldest first, one a page
    page = s_get ("/v1/fulfillments?location=FF-WH-A&limit=1");
    items = json_object_get (page, "items");
    CHECK_EQ_INT (json_array_size (items), 1);
    CHECK_STR (http_json_str (json_array_get (items, 0), "fulfillment_id"), s_ff_a);
    char path[256];
    snprintf (path, sizeof path, "/v1/fulfillments?location=FF-WH-A&limit=1&cursor=%s",
              http_json_str (page, "next_cursor"));
    json_decref (page);
    page = s_get (path);
    items = json_object_get (page, "items");
    CHECK_EQ_INT (json_array_size (items), 1);
    CHECK_STR (http_json_str (json_array_get (items, 0), "status"), "exception");
    json_decref (page);
    page = s_get ("/v1/fulfillments?status=delivered&since=2020-01-01T00:00:00Z");
    CHECK_EQ_INT (json_array_size (json_object_get (page, "items")), 2);
    json_decref (page);
    page = s_get ("/v1/fulfillments?since=2099-01-01T00:00:00Z");
    CHECK_EQ_INT (json_array_size (json_object_get (page, "items")), 0);
    json_decref (page);
    harness_http_t res;
    if (http_call (&mesh, &res, "GET", "/v1/fulfillments?status=lost", NULL) == 0)
        http_expect_problem (&res, 422, "validation", "unknown status");
    harness_http_free (&res);
    if (http_call (&mesh, &res, "GET", "/v1/fulfillments/01938a4e-7b7c-7f00-8a1b-000000000000", NULL) == 0)
        http_expect_problem (&res, 404, "not-found", "unknown fulfilment");
    harness_http_free (&res);
}

static void
test_health_figures (void)
{
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new (mesh.more_rpc[MESH_IX_FULFILLMENT], 1000, &client), 0);
    json_t *health = itest_call (client, "sys.health", true, "{}");
    json_t *details = json_object_get (health, "details");
    CHECK_EQ_INT (itest_int (details, "fulfillments"), 3);
    CHECK_EQ_INT (itest_int (details, "exceptions"), 1);
    CHECK_EQ_INT (itest_int (details, "exception_rate_bp"), 3333);
    json_t *locations = json_object_get (details, "locations");
    CHECK_EQ_INT (json_array_size (locations), 2);
    json_t *a = json_array_get (locations, 0);
    CHECK_STR (itest_str (a, "location"), "FF-WH-A");
    CHECK_EQ_INT (itest_int (a, "shipped"), 1);
    CHECK_EQ_INT (itest_int (a, "exceptions"), 1);
    CHECK (json_object_get (a, "accepted_to_shipped_ms") != NULL);
    json_decref (health);
    rpc_client_destroy (&client);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_order_makes_fulfilments, test_milestones_in_order_with_short_pick,
                                           test_same_milestone_twice, test_out_of_order, test_unknown_and_malformed,
                                           test_batch_with_mixed_items, test_list_for_warehouses, test_health_figures,
                                           NULL};
    return http_main (&mesh, "test_e2e_fulfillment", tests);
}
