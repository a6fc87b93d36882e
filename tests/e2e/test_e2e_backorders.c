//  End to end through the gateway: orders whose lines allow backorders are
//  accepted when stock is short; their backorders are queued in arrival
//  order, filled first come first served as stock arrives (a count, a
//  receipt), each unit once, and the orders show the fills; a cancelled
//  order's backorders go, and what it held goes to the next in line.
#include "clock.h"
#include "harness.h"
#include "http.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static harness_mesh_t mesh;

//  Orders apply fills asynchronously (an event): polls stop after this.
#define WAIT_MS 10000

typedef struct {
    char id[64];
    char path[128];
} order_t;

static char s_a_id[64], s_b_id[64], s_d_id[64];

static json_t *
s_get (const char *path)
{
    return http_expect (&mesh, "GET", path, NULL, 200);
}

//  Submits an order of one line of SKU BO-TEE (1000 EUR a unit); flags are
//  the JSON members the line or the order add ("" for none).
static long
s_submit (const char *external_id, int64_t quantity, const char *line_flag, const char *order_flag,
          char *id, json_t **answer)
{
    char body[512];
    snprintf (body, sizeof body,
              "{\"external_id\":\"%s\",\"account_id\":\"ACC-BO\",\"currency\":\"EUR\"%s,"
              "\"lines\":[{\"sku\":\"BO-TEE\",\"quantity\":%lld,\"unit_price\":1000%s}]}",
              external_id, order_flag, (long long) quantity, line_flag);
    harness_http_t res;
    long status = 0;
    if (http_call (&mesh, &res, "POST", "/v1/orders", body) == 0) {
        status = res.status;
        if (id)
            snprintf (id, 64, "%s", http_json_str (res.json, "order_id"));
        if (answer)
            *answer = json_incref (res.json);
    }
    harness_http_free (&res);
    return status;
}

//  Units a line holds over its reservations.
static int64_t
s_held (const json_t *line)
{
    int64_t held = 0;
    size_t i;
    json_t *at;
    json_array_foreach (json_object_get (line, "reservations"), i, at)
        held += http_json_int (at, "quantity");
    return held;
}

static json_t *
s_order (const char *id)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s", id);
    return s_get (path);
}

//  The order's first line once it holds held units and awaits backordered
//  (orders applies inventory's event shortly after the stock arrived);
//  the last seen when the deadline passes.
static json_t *
s_wait_line (const char *id, int64_t held, int64_t backordered)
{
    json_t *order = NULL;
    for (int64_t until = clock_mono_ms () + WAIT_MS;;) {
        json_decref (order);
        order = s_order (id);
        json_t *line = json_array_get (json_object_get (order, "lines"), 0);
        if ((s_held (line) == held && http_json_int (line, "backordered") == backordered)
            || clock_mono_ms () >= until)
            break;
        nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
    }
    return order;
}

static void
s_expect_line (const char *id, int64_t held, int64_t backordered, const char *what)
{
    json_t *order = s_wait_line (id, held, backordered);
    json_t *line = json_array_get (json_object_get (order, "lines"), 0);
    CHECK_EQ_INT (s_held (line), held);
    CHECK_EQ_INT (http_json_int (line, "backordered"), backordered);
    if (s_held (line) != held || http_json_int (line, "backordered") != backordered)
        fprintf (stderr, "  %s: order %s\n", what, id);
    json_decref (order);
}

//  GET /v1/backorders?sku=BO-TEE: the backorders, in order.
static json_t *
s_backorders (void)
{
    json_t *list = s_get ("/v1/backorders?sku=BO-TEE");
    json_t *items = json_incref (json_object_get (list, "backorders"));
    CHECK_STR (http_json_str (list, "sku"), "BO-TEE");
    CHECK (json_is_false (json_object_get (list, "more")));
    json_decref (list);
    return items ? items : json_array ();
}

//  The entries of the order's history recorded by fills.
static int
s_fills_recorded (const char *id)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/events", id);
    json_t *history = s_get (path);
    int fills = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get (history, "events"), i, entry)
        fills += strcmp (http_json_str (entry, "event"), "inventory.backorder.filled") == 0;
    json_decref (history);
    return fills;
}

static void
test_backordered_when_short (void)
{
    http_put (&mesh, "/v1/prices/EUR/BO-TEE", "{\"unit_price\":1000}");
    http_put (&mesh, "/v1/stock/WH-EAST/BO-TEE", "{\"on_hand\":2}");

    //  A: the line allows it; 2 held, 3 backordered
    json_t *a = NULL;
    CHECK_EQ_INT (s_submit ("BO-A", 5, ",\"allow_backorder\":true", "", s_a_id, &a), 201);
    json_t *line = json_array_get (json_object_get (a, "lines"), 0);
    CHECK_STR (http_json_str (a, "status"), "accepted");
    CHECK_EQ_INT (s_held (line), 2);
    CHECK_EQ_INT (http_json_int (line, "backordered"), 3);
    json_decref (a);

    //  B: the order allows it for every line; nothing left, all 4 backordered
    json_t *b = NULL;
    CHECK_EQ_INT (s_submit ("BO-B", 4, "", ",\"allow_backorder\":true", s_b_id, &b), 201);
    line = json_array_get (json_object_get (b, "lines"), 0);
    CHECK_EQ_INT (s_held (line), 0);
    CHECK_EQ_INT (http_json_int (line, "backordered"), 4);
    json_decref (b);

    //  C: no allow_backorder: all or nothing, as ever; nothing queued
    json_t *c = NULL;
    CHECK_EQ_INT (s_submit ("BO-C", 1, "", "", NULL, &c), 409);
    json_decref (c);

    //  the queue, first come first
    json_t *items = s_backorders ();
    CHECK_EQ_INT (json_array_size (items), 2);
    json_t *first = json_array_get (items, 0), *second = json_array_get (items, 1);
    CHECK_STR (http_json_str (first, "order_id"), s_a_id);
    CHECK_EQ_INT (http_json_int (first, "line"), 0);
    CHECK_EQ_INT (http_json_int (first, "outstanding"), 3);
    CHECK_EQ_INT (http_json_int (first, "filled"), 0);
    CHECK (*http_json_str (first, "created_at"));
    CHECK_STR (http_json_str (second, "order_id"), s_b_id);
    CHECK_EQ_INT (http_json_int (second, "outstanding"), 4);
    json_decref (items);

    //  allow_backorder does not take a SKU inventory has never stocked
    http_put (&mesh, "/v1/prices/EUR/BO-NONE", "{\"unit_price\":1000}");
    harness_http_t res;
    if (http_call (&mesh, &res, "POST", "/v1/orders",
                   "{\"external_id\":\"BO-X\",\"account_id\":\"ACC-BO\",\"currency\":\"EUR\",\"allow_backorder\":true,"
                   "\"lines\":[{\"sku\":\"BO-NONE\",\"quantity\":1,\"unit_price\":1000}]}") == 0)
        http_expect_problem (&res, 422, "unknown-reference", "an unknown SKU with allow_backorder");
    harness_http_free (&res);
}

static void
test_filled_first_come_first_served (void)
{
    //  2 more units: all go to A, the first in line
    http_put (&mesh, "/v1/stock/WH-EAST/BO-TEE", "{\"on_hand\":4}");
    s_expect_line (s_a_id, 4, 1, "A after the first arrival");
    s_expect_line (s_b_id, 0, 4, "B after the first arrival");
    json_t *items = s_backorders ();
    CHECK_EQ_INT (json_array_size (items), 2);
    CHECK_STR (http_json_str (json_array_get (items, 0), "order_id"), s_a_id);
    CHECK_EQ_INT (http_json_int (json_array_get (items, 0), "outstanding"), 1);
    CHECK_EQ_INT (http_json_int (json_array_get (items, 0), "filled"), 2);
    json_decref (items);

    //  a receipt of 3 at another location: A's last one, then 2 for B
    static const char receipt[] = "{\"movement_id\":\"BO-RECEIPT-1\",\"type\":\"receipt\",\"sku\":\"BO-TEE\","
                                  "\"location\":\"WH-WEST\",\"quantity\":3}";
    json_decref (http_expect (&mesh, "POST", "/v1/stock/movements", receipt, 200));
    s_expect_line (s_a_id, 5, 0, "A after the second arrival");
    s_expect_line (s_b_id, 2, 2, "B after the second arrival");
    items = s_backorders ();
    CHECK_EQ_INT (json_array_size (items), 1);
    CHECK_STR (http_json_str (json_array_get (items, 0), "order_id"), s_b_id);
    CHECK_EQ_INT (http_json_int (json_array_get (items, 0), "outstanding"), 2);
    CHECK_EQ_INT (http_json_int (json_array_get (items, 0), "filled"), 2);
    json_decref (items);

    //  the receipt sent again, or the same count, brings nothing new:
    //  nothing is filled twice
    json_decref (http_expect (&mesh, "POST", "/v1/stock/movements", receipt, 200));
    http_put (&mesh, "/v1/stock/WH-WEST/BO-TEE", "{\"on_hand\":3}");
    items = s_backorders ();
    CHECK_EQ_INT (json_array_size (items), 1);
    CHECK_EQ_INT (http_json_int (json_array_get (items, 0), "outstanding"), 2);
    json_decref (items);
    json_t *stock = http_stock (&mesh, "BO-TEE", NULL);
    CHECK_EQ_INT (http_json_int (stock, "on_hand"), 7);
    CHECK_EQ_INT (http_json_int (stock, "reserved"), 7);
    json_decref (stock);

    //  each order's history records each of its fills once
    CHECK_EQ_INT (s_fills_recorded (s_a_id), 2);
    CHECK_EQ_INT (s_fills_recorded (s_b_id), 1);
    s_expect_line (s_a_id, 5, 0, "A at the end");
    s_expect_line (s_b_id, 2, 2, "B at the end");
}

static void
test_cancel_removes_backorders (void)
{
    //  D waits behind B
    CHECK_EQ_INT (s_submit ("BO-D", 3, ",\"allow_backorder\":true", "", s_d_id, NULL), 201);
    s_expect_line (s_d_id, 0, 3, "D backordered");
    json_t *items = s_backorders ();
    CHECK_EQ_INT (json_array_size (items), 2);
    CHECK_STR (http_json_str (json_array_get (items, 1), "order_id"), s_d_id);
    json_decref (items);

    //  cancelling B takes its backorder out of the queue (inventory applies
    //  the cancellation shortly after); the 2 units B held go to D
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/cancel", s_b_id);
    json_decref (http_expect (&mesh, "POST", path, "{\"reason\":\"customer changed their mind\"}", 200));
    size_t left = 0;
    for (int64_t until = clock_mono_ms () + WAIT_MS;;) {
        items = s_backorders ();
        left = json_array_size (items);
        bool b_listed = left > 0 && strcmp (http_json_str (json_array_get (items, 0), "order_id"), s_b_id) == 0;
        json_decref (items);
        if (!b_listed || clock_mono_ms () >= until)
            break;
        nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
    }
    s_expect_line (s_d_id, 2, 1, "D after B was cancelled");
    items = s_backorders ();
    CHECK_EQ_INT (json_array_size (items), 1);
    CHECK_STR (http_json_str (json_array_get (items, 0), "order_id"), s_d_id);
    CHECK_EQ_INT (http_json_int (json_array_get (items, 0), "outstanding"), 1);
    json_decref (items);

    //  later stock goes to D, never to the cancelled B
    http_put (&mesh, "/v1/stock/WH-WEST/BO-TEE", "{\"on_hand\":4}");
    s_expect_line (s_d_id, 3, 0, "D after more stock");
    items = s_backorders ();
    CHECK_EQ_INT (json_array_size (items), 0);
    json_decref (items);
    json_t *b = s_order (s_b_id);
    CHECK_STR (http_json_str (b, "status"), "cancelled");
    json_decref (b);
    json_t *stock = http_stock (&mesh, "BO-TEE", NULL);
    CHECK_EQ_INT (http_json_int (stock, "reserved"), 8);
    json_decref (stock);
}

static void
test_bad_requests (void)
{
    harness_http_t res;
    if (http_call (&mesh, &res, "GET", "/v1/backorders", NULL) == 0)
        http_expect_problem (&res, 422, "validation", "backorders without a SKU");
    harness_http_free (&res);
    //  a SKU nobody backordered has an empty queue
    json_t *list = s_get ("/v1/backorders?sku=NO-SUCH");
    CHECK_EQ_INT (json_array_size (json_object_get (list, "backorders")), 0);
    json_decref (list);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_backordered_when_short, test_filled_first_come_first_served,
                                           test_cancel_removes_backorders, test_bad_requests, NULL};
    return http_main (&mesh, "test_e2e_backorders", tests);
}
