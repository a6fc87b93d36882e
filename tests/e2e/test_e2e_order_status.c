//  End to end: where an order stands, from the orders service's own read
//  model of fulfillment's events. An order of two SKUs from two locations
//  moves accepted → partially_shipped (a short pick) → shipped → delivered
//  with one invoice per shipment at the order's prices; with fulfillment
//  stopped GET /v1/orders/{id}/status still answers the last-known state
//  with its as_of and a growing lag, and after a restart (and after orders
//  itself missed milestones while stopped) the status catches up and moves
//  on. Cancelling before shipment releases the stock and cancels the
//  fulfilments; after it is 409 naming the shipped fulfilment with nothing
//  changed, and 503 changing nothing while fulfillment is down; a partial
//  cancel takes units of unshipped lines once. Milestones go to
//  fulfillment directly (its own operations), everything else through the
//  gateway.
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "http.h"
#include "mpjson.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static harness_mesh_t mesh;

//  Events reach orders asynchronously: polls stop after this.
#define WAIT_MS 10000
//  Allocated fulfilments are stale after this (--stale-allocated).
#define STALE_ALLOCATED_S 3

static char s_a_id[64];            //  OS-TEE x3 from WH-EAST, OS-MUG x2 from WH-WEST
static char s_a_tee[64], s_a_mug[64];  //  its fulfilments
static char s_a_invoice[64];

static void
s_pause_ms (long ms)
{
    nanosleep (&(struct timespec) {ms / 1000, (ms % 1000) * 1000 * 1000}, NULL);
}

static json_t *
s_get (const char *fmt, const char *id)
{
    char path[160];
    snprintf (path, sizeof path, fmt, id);
    return http_expect (&mesh, "GET", path, NULL, 200);
}

//  Submits an order of TEE and MUG units (0: no such line); its ID into id.
static void
s_submit (const char *external_id, int tee, int mug, char *id)
{
    char body[512], lines[320] = "";
    if (tee)
        snprintf (lines, sizeof lines, "{\"sku\":\"OS-TEE\",\"quantity\":%d,\"unit_price\":1500}", tee);
    if (mug)
        snprintf (lines + strlen (lines), sizeof lines - strlen (lines),
                  "%s{\"sku\":\"OS-MUG\",\"quantity\":%d,\"unit_price\":700}", tee ? "," : "", mug);
    snprintf (body, sizeof body, "{\"external_id\":\"%s\",\"account_id\":\"ACC-OS\",\"currency\":\"USD\",\"lines\":[%s]}",
              external_id, lines);
    json_t *order = http_expect (&mesh, "POST", "/v1/orders", body, 201);
    snprintf (id, 64, "%s", http_json_str (order, "order_id"));
    json_decref (order);
}

//  A call to fulfillment itself; the reply body (free it) or NULL.
static json_t *
s_fulfillment (const char *op, const char *body, bool expect_ok)
{
    rpc_client_t *client = NULL;
    json_t *reply = NULL;
    bool ok = false;
    CHECK_EQ_INT (rpc_client_new (mesh.more_rpc[MESH_IX_FULFILLMENT], 5000, &client), 0);
    int rc = client ? mpjson_call (client, op, "e2e-status", NULL, body, 5000, &ok, &reply) : RM_EUNAVAIL;
    CHECK_EQ_INT (rc, 0);
    CHECK (ok == expect_ok);
    if (ok != expect_ok)
        fprintf (stderr, "  %s %s answered %s\n", op, body, reply ? json_dumps (reply, JSON_COMPACT) : "nothing");
    rpc_client_destroy (&client);
    return reply;
}

//  A milestone of fulfilment id; lines and more: JSON members or "".
static void
s_milestone (const char *id, const char *event_id, const char *type, int64_t occurred_at, const char *more)
{
    char body[768];
    snprintf (body, sizeof body, "{\"fulfillment_id\":\"%s\",\"event_id\":\"%s\",\"type\":\"%s\",\"occurred_at\":%lld%s}",
              id, event_id, type, (long long) occurred_at, more);
    json_decref (s_fulfillment ("fulfillment.milestone", body, true));
}

//  The order's status once pred holds of it (or the last seen).
static json_t *
s_status_when (const char *id, bool (*pred) (json_t *status, const void *arg), const void *arg)
{
    json_t *status = NULL;
    for (int64_t until = clock_mono_ms () + WAIT_MS;;) {
        json_decref (status);
        status = s_get ("/v1/orders/%s/status", id);
        if (pred (status, arg) || clock_mono_ms () >= until)
            return status;
        s_pause_ms (50);
    }
}

static bool
s_has_status (json_t *status, const void *arg)
{
    return strcmp (http_json_str (status, "status"), (const char *) arg) == 0;
}

static bool
s_has_fulfilments (json_t *status, const void *arg)
{
    return json_array_size (json_object_get (status, "fulfillments")) == *(const size_t *) arg;
}

//  The fulfilment of the status answer at location.
static json_t *
s_at (json_t *status, const char *location)
{
    size_t i;
    json_t *f;
    json_array_foreach (json_object_get (status, "fulfillments"), i, f)
        if (strcmp (http_json_str (f, "location"), location) == 0)
            return f;
    return NULL;
}

static bool
s_fulfilment_is (json_t *status, const void *arg)
{
    const char *const *want = (const char *const *) arg;   //  location, status
    return strcmp (http_json_str (s_at (status, want[0]), "status"), want[1]) == 0;
}

static int64_t
s_reserved (const char *sku)
{
    json_t *stock = http_stock (&mesh, sku, NULL);
    int64_t reserved = http_json_int (stock, "reserved");
    json_decref (stock);
    return reserved;
}

static int64_t
s_wait_reserved (const char *sku, int64_t expected)
{
    int64_t reserved = -1;
    for (int64_t until = clock_mono_ms () + WAIT_MS; clock_mono_ms () < until; s_pause_ms (50))
        if ((reserved = s_reserved (sku)) == expected)
            break;
    return reserved;
}

static int64_t
s_now_ms (void)
{
    return clock_now_ms ();
}

//  ---------------------------------------------------------------------

static void
test_status_follows_fulfilment (void)
{
    http_put (&mesh, "/v1/prices/USD/OS-TEE", "{\"unit_price\":1500}");
    http_put (&mesh, "/v1/prices/USD/OS-MUG", "{\"unit_price\":700}");
    http_put (&mesh, "/v1/stock/WH-EAST/OS-TEE", "{\"on_hand\":20}");
    http_put (&mesh, "/v1/stock/WH-WEST/OS-MUG", "{\"on_hand\":20}");
    s_submit ("OS-A", 3, 2, s_a_id);

    //  fulfillment makes one fulfilment per location; orders learns them
    size_t two = 2;
    json_t *status = s_status_when (s_a_id, s_has_fulfilments, &two);
    CHECK_STR (http_json_str (status, "status"), "accepted");
    CHECK_EQ_INT (json_array_size (json_object_get (status, "fulfillments")), 2);
    CHECK (json_is_integer (json_object_get (status, "lag_seconds")));
    CHECK (json_is_false (json_object_get (status, "stale")));
    json_t *tee = s_at (status, "WH-EAST"), *mug = s_at (status, "WH-WEST");
    CHECK_STR (http_json_str (tee, "status"), "allocated");
    snprintf (s_a_tee, sizeof s_a_tee, "%s", http_json_str (tee, "fulfillment_id"));
    snprintf (s_a_mug, sizeof s_a_mug, "%s", http_json_str (mug, "fulfillment_id"));
    CHECK (*s_a_tee && *s_a_mug);
    json_decref (status);

    //  TEE is picked short: 2 of 3 leave
    int64_t t0 = s_now_ms () - 60000;
    s_milestone (s_a_tee, "os-a-tee-1", "picked", t0, ",\"lines\":[{\"sku\":\"OS-TEE\",\"quantity\":2}]");
    s_milestone (s_a_tee, "os-a-tee-2", "packed", t0 + 1000, "");
    static const char shipped[] = ",\"lines\":[{\"sku\":\"OS-TEE\",\"quantity\":2}],\"carrier\":\"UPS\","
                                  "\"tracking_number\":\"1ZOS0001\",\"tracking_url\":\"https://ups.example/1ZOS0001\"";
    s_milestone (s_a_tee, "os-a-tee-3", "shipped", t0 + 2000, shipped);
    status = s_status_when (s_a_id, s_has_status, "partially_shipped");
    CHECK_STR (http_json_str (status, "status"), "partially_shipped");
    tee = s_at (status, "WH-EAST");
    CHECK_STR (http_json_str (tee, "status"), "shipped");
    CHECK_STR (http_json_str (tee, "carrier"), "UPS");
    CHECK_STR (http_json_str (tee, "tracking_number"), "1ZOS0001");
    CHECK (*http_json_str (tee, "as_of"));
    json_t *line = json_array_get (json_object_get (status, "lines"), 0);
    CHECK_EQ_INT (http_json_int (line, "shipped"), 2);
    CHECK_EQ_INT (http_json_int (line, "shortfall"), 1);
    json_decref (status);
    json_t *order = s_get ("/v1/orders/%s", s_a_id);
    CHECK_STR (http_json_str (order, "status"), "partially_shipped");
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (order, "lines"), 0), "shipped"), 2);
    json_decref (order);

    //  one invoice for the shipment: 2 x 1500
    json_t *invoices = s_get ("/v1/orders/%s/invoices", s_a_id);
    json_t *items = json_object_get (invoices, "items");
    CHECK_EQ_INT (json_array_size (items), 1);
    json_t *invoice = json_array_get (items, 0);
    CHECK (strncmp (http_json_str (invoice, "invoice_number"), "INV-USD-", 8) == 0);
    CHECK_STR (http_json_str (invoice, "fulfillment_id"), s_a_tee);
    CHECK_STR (http_json_str (invoice, "currency"), "USD");
    CHECK_EQ_INT (http_json_int (invoice, "total"), 3000);
    CHECK_EQ_INT (json_array_size (json_object_get (invoice, "lines")), 1);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (invoice, "lines"), 0), "quantity"), 2);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (invoice, "lines"), 0), "unit_price"), 1500);
    snprintf (s_a_invoice, sizeof s_a_invoice, "%s", http_json_str (invoice, "invoice_number"));
    json_decref (invoices);
    invoice = s_get ("/v1/invoices/%s", s_a_invoice);
    CHECK_STR (http_json_str (invoice, "order_id"), s_a_id);
    CHECK_EQ_INT (http_json_int (invoice, "total"), 3000);
    json_decref (invoice);

    //  the shipment reported again: no second invoice
    s_milestone (s_a_tee, "os-a-tee-3", "shipped", t0 + 2000, shipped);
    s_milestone (s_a_tee, "os-a-tee-3b", "shipped", t0 + 2500, shipped);
    invoices = s_get ("/v1/orders/%s/invoices", s_a_id);
    CHECK_EQ_INT (json_array_size (json_object_get (invoices, "items")), 1);
    json_decref (invoices);

    harness_http_t res;
    if (http_call (&mesh, &res, "GET", "/v1/invoices/INV-USD-999999", NULL) == 0)
        http_expect_problem (&res, 404, "not-found", "an unknown invoice");
    harness_http_free (&res);
    if (http_call (&mesh, &res, "GET", "/v1/orders/01a21a6b-7439-770c-8df8-07418e8bd823/status", NULL) == 0)
        http_expect_problem (&res, 404, "not-found", "the status of an unknown order");
    harness_http_free (&res);
}

static bool
s_lag_at_least (json_t *status, const void *arg)
{
    json_t *lag = json_object_get (status, "lag_seconds");
    return json_is_integer (lag) && json_integer_value (lag) >= *(const int64_t *) arg;
}

static void
test_fulfillment_stopped (void)
{
    json_t *before = s_get ("/v1/orders/%s/status", s_a_id);
    int64_t lag = http_json_int (before, "lag_seconds");
    CHECK (lag <= 2);
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_FULFILLMENT), 0);

    //  the last-known state, as_of and all, and a lag that grows
    int64_t grown = lag + 2;
    json_t *status = s_status_when (s_a_id, s_lag_at_least, &grown);
    CHECK (s_lag_at_least (status, &grown));
    CHECK_STR (http_json_str (status, "status"), "partially_shipped");
    CHECK_STR (http_json_str (s_at (status, "WH-EAST"), "status"), "shipped");
    CHECK_STR (http_json_str (s_at (status, "WH-EAST"), "as_of"), http_json_str (s_at (before, "WH-EAST"), "as_of"));
    CHECK_STR (http_json_str (s_at (status, "WH-EAST"), "tracking_number"), "1ZOS0001");
    CHECK_STR (http_json_str (s_at (status, "WH-WEST"), "status"), "allocated");
    json_decref (status);
    json_decref (before);

    //  a cancel cannot be made now: 503, nothing changes
    char path[160];
    snprintf (path, sizeof path, "/v1/orders/%s/cancel", s_a_id);
    harness_http_t res;
    int64_t reserved = s_reserved ("OS-MUG");
    if (http_call (&mesh, &res, "POST", path, "{\"lines\":[{\"line\":1,\"quantity\":1}]}") == 0)
        http_expect_problem (&res, 503, "unavailable", "a cancel while fulfillment is down");
    harness_http_free (&res);
    json_t *order = s_get ("/v1/orders/%s", s_a_id);
    CHECK_STR (http_json_str (order, "status"), "partially_shipped");
    CHECK (!json_object_get (json_array_get (json_object_get (order, "lines"), 1), "cancelled"));
    json_decref (order);
    CHECK_EQ_INT (s_reserved ("OS-MUG"), reserved);

    //  back: the lag drops, and milestones move the status on
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_FULFILLMENT), 0);
    int64_t t1 = s_now_ms () - 30000;
    s_milestone (s_a_mug, "os-a-mug-1", "shipped", t1, ",\"carrier\":\"DHL\",\"tracking_number\":\"JD0002\"");
    status = s_status_when (s_a_id, s_has_status, "shipped");
    CHECK_STR (http_json_str (status, "status"), "shipped");
    CHECK (http_json_int (status, "lag_seconds") <= 2);
    CHECK_STR (http_json_str (s_at (status, "WH-WEST"), "carrier"), "DHL");
    json_decref (status);
}

static void
test_orders_catches_up (void)
{
    //  orders misses the deliveries while it is down...
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_ORDERS), 0);
    int64_t t2 = s_now_ms () - 10000;
    s_milestone (s_a_tee, "os-a-tee-4", "delivered", t2, "");
    s_milestone (s_a_mug, "os-a-mug-2", "delivered", t2 + 1000, "");
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_ORDERS), 0);
    //  ...and catches up from fulfillment's log
    json_t *status = s_status_when (s_a_id, s_has_status, "delivered");
    CHECK_STR (http_json_str (status, "status"), "delivered");
    json_t *tee = json_array_get (json_object_get (status, "lines"), 0);
    json_t *mug = json_array_get (json_object_get (status, "lines"), 1);
    CHECK_EQ_INT (http_json_int (tee, "delivered"), 2);
    CHECK_EQ_INT (http_json_int (mug, "delivered"), 2);
    json_decref (status);

    //  one invoice per shipment: TEE's 2 x 1500, MUG's 2 x 700
    json_t *invoices = s_get ("/v1/orders/%s/invoices", s_a_id);
    json_t *items = json_object_get (invoices, "items");
    CHECK_EQ_INT (json_array_size (items), 2);
    CHECK_STR (http_json_str (json_array_get (items, 0), "invoice_number"), s_a_invoice);
    CHECK_STR (http_json_str (json_array_get (items, 1), "fulfillment_id"), s_a_mug);
    CHECK_EQ_INT (http_json_int (json_array_get (items, 1), "total"), 1400);
    json_decref (invoices);

    //  the history shows each step
    json_t *history = s_get ("/v1/orders/%s/events", s_a_id);
    const char *steps[] = {"accepted", "partially_shipped", "shipped", "delivered"};
    size_t i, n = 0;
    json_t *entry;
    json_array_foreach (json_object_get (history, "events"), i, entry)
        if (n < 4 && strcmp (http_json_str (entry, "status"), steps[n]) == 0)
            n++;
    CHECK_EQ_INT (n, 4);
    json_decref (history);
}

//  ---------------------------------------------------------------------
//  cancelling

static void
test_cancel_before_shipment (void)
{
    char id[64], path[160];
    int64_t reserved = s_reserved ("OS-TEE");
    s_submit ("OS-B", 2, 0, id);
    CHECK_EQ_INT (s_wait_reserved ("OS-TEE", reserved + 2), reserved + 2);
    size_t one = 1;
    json_decref (s_status_when (id, s_has_fulfilments, &one));

    //  allocated for longer than --stale-allocated: stale, and counted
    json_t *status = NULL;
    for (int64_t until = clock_mono_ms () + (STALE_ALLOCATED_S + 5) * 1000;; s_pause_ms (200)) {
        json_decref (status);
        status = s_get ("/v1/orders/%s/status", id);
        if (json_is_true (json_object_get (status, "stale")) || clock_mono_ms () >= until)
            break;
    }
    CHECK (json_is_true (json_object_get (status, "stale")));
    CHECK (json_is_true (json_object_get (json_array_get (json_object_get (status, "fulfillments"), 0), "stale")));
    json_decref (status);
    rpc_client_t *orders = NULL;
    json_t *health = NULL;
    bool ok = false;
    CHECK_EQ_INT (rpc_client_new (mesh.orders_rpc, 5000, &orders), 0);
    CHECK_EQ_INT (mpjson_call (orders, "sys.health", "e2e-status", NULL, "{}", 5000, &ok, &health), 0);
    CHECK (http_json_int (json_object_get (health, "details"), "stale_orders") >= 1);
    json_decref (health);
    rpc_client_destroy (&orders);

    snprintf (path, sizeof path, "/v1/orders/%s/cancel", id);
    json_t *cancelled = http_expect (&mesh, "POST", path, "{\"reason\":\"customer asked\"}", 200);
    CHECK_STR (http_json_str (cancelled, "status"), "cancelled");
    CHECK (json_is_true (json_object_get (cancelled, "changed")));
    json_decref (cancelled);
    //  the stock goes back, the fulfilment is cancelled
    CHECK_EQ_INT (s_wait_reserved ("OS-TEE", reserved), reserved);
    static const char *const gone[] = {"WH-EAST", "cancelled"};
    status = s_status_when (id, s_fulfilment_is, gone);
    CHECK_STR (http_json_str (s_at (status, "WH-EAST"), "status"), "cancelled");
    CHECK_STR (http_json_str (status, "status"), "cancelled");
    CHECK (json_is_false (json_object_get (status, "stale")));
    json_decref (status);
    char body[96];
    snprintf (body, sizeof body, "{\"order_id\":\"%s\"}", id);
    json_t *at = s_fulfillment ("fulfillment.by_order", body, true);
    CHECK_STR (http_json_str (json_array_get (json_object_get (at, "items"), 0), "status"), "cancelled");
    json_decref (at);
    //  again: nothing changes
    cancelled = http_expect (&mesh, "POST", path, NULL, 200);
    CHECK (json_is_false (json_object_get (cancelled, "changed")));
    json_decref (cancelled);
}

static void
test_cancel_after_shipment (void)
{
    char id[64], path[160];
    s_submit ("OS-C", 1, 1, id);
    size_t two = 2;
    json_t *status = s_status_when (id, s_has_fulfilments, &two);
    char tee[64];
    snprintf (tee, sizeof tee, "%s", http_json_str (s_at (status, "WH-EAST"), "fulfillment_id"));
    json_decref (status);
    s_milestone (tee, "os-c-tee-1", "shipped", s_now_ms () - 1000, "");
    json_decref (s_status_when (id, s_has_status, "partially_shipped"));
    int64_t tee_reserved = s_reserved ("OS-TEE"), mug_reserved = s_reserved ("OS-MUG");

    snprintf (path, sizeof path, "/v1/orders/%s/cancel", id);
    harness_http_t res;
    if (http_call (&mesh, &res, "POST", path, "{\"reason\":\"too late\"}") == 0) {
        http_expect_problem (&res, 409, "conflict", "a cancel after a shipment");
        CHECK (strstr (http_json_str (res.json, "detail"), tee) != NULL);
        json_t *ids = json_object_get (res.json, "fulfillment_ids");
        CHECK_EQ_INT (json_array_size (ids), 1);
        CHECK_STR (json_string_value (json_array_get (ids, 0)), tee);
    }
    harness_http_free (&res);
    //  nothing changed: the order, its other fulfilment, the stock
    json_t *order = s_get ("/v1/orders/%s", id);
    CHECK_STR (http_json_str (order, "status"), "partially_shipped");
    json_decref (order);
    status = s_get ("/v1/orders/%s/status", id);
    CHECK_STR (http_json_str (s_at (status, "WH-WEST"), "status"), "allocated");
    json_decref (status);
    CHECK_EQ_INT (s_reserved ("OS-MUG"), mug_reserved);
    CHECK_EQ_INT (s_reserved ("OS-TEE"), tee_reserved);
}

static void
test_partial_cancel (void)
{
    char id[64], path[160];
    s_submit ("OS-D", 4, 1, id);
    size_t two = 2;
    json_t *status = s_status_when (id, s_has_fulfilments, &two);
    char mug[64];
    snprintf (mug, sizeof mug, "%s", http_json_str (s_at (status, "WH-WEST"), "fulfillment_id"));
    json_decref (status);
    int64_t tee_reserved = s_reserved ("OS-TEE");
    snprintf (path, sizeof path, "/v1/orders/%s/cancel", id);

    //  bad lines change nothing
    harness_http_t res;
    if (http_call (&mesh, &res, "POST", path, "{\"lines\":[{\"line\":5,\"quantity\":1}]}") == 0)
        http_expect_problem (&res, 422, "validation", "a line the order does not have");
    harness_http_free (&res);
    if (http_call (&mesh, &res, "POST", path, "{\"lines\":[{\"line\":0,\"quantity\":5}]}") == 0)
        http_expect_problem (&res, 422, "validation", "more units than the line has");
    harness_http_free (&res);

    //  1 of the 4 TEE: the line shows it, inventory releases it at WH-EAST
    static const char *const once[] = {"Idempotency-Key: os-d-cancel-1", NULL};
    static const char one_tee[] = "{\"reason\":\"out of season\",\"lines\":[{\"line\":0,\"quantity\":1}]}";
    CHECK_EQ_INT (http_call_with (&mesh, &res, "POST", path, one_tee, once), 0);
    http_expect_status (&res, 200, "a partial cancel");
    CHECK_STR (http_json_str (res.json, "status"), "accepted");
    CHECK (json_is_true (json_object_get (res.json, "changed")));
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (res.json, "lines"), 0), "cancelled"), 1);
    harness_http_free (&res);
    CHECK_EQ_INT (s_wait_reserved ("OS-TEE", tee_reserved - 1), tee_reserved - 1);
    //  sent again: applied once
    CHECK_EQ_INT (http_call_with (&mesh, &res, "POST", path, one_tee, once), 0);
    http_expect_status (&res, 200, "the partial cancel again");
    CHECK (json_is_false (json_object_get (res.json, "changed")));
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (res.json, "lines"), 0), "cancelled"), 1);
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("OS-TEE"), tee_reserved - 1);

    //  MUG ships; cancelling its unit then is a conflict naming it
    s_milestone (mug, "os-d-mug-1", "shipped", s_now_ms () - 1000, "");
    json_decref (s_status_when (id, s_has_status, "partially_shipped"));
    if (http_call (&mesh, &res, "POST", path, "{\"lines\":[{\"line\":1,\"quantity\":1}]}") == 0) {
        http_expect_problem (&res, 409, "conflict", "a partial cancel of a shipped line");
        CHECK (strstr (http_json_str (res.json, "detail"), mug) != NULL);
    }
    harness_http_free (&res);
    json_t *order = s_get ("/v1/orders/%s", id);
    CHECK (!json_object_get (json_array_get (json_object_get (order, "lines"), 1), "cancelled"));
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (order, "lines"), 0), "cancelled"), 1);
    json_decref (order);

    //  the rest of TEE: every unit not shipped is cancelled, the order is
    //  shipped (what is left of it left)
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", path, "{\"lines\":[{\"line\":0,\"quantity\":3}]}"), 0);
    http_expect_status (&res, 200, "cancelling the rest of a line");
    CHECK_STR (http_json_str (res.json, "status"), "shipped");
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (res.json, "lines"), 0), "cancelled"), 4);
    harness_http_free (&res);
    CHECK_EQ_INT (s_wait_reserved ("OS-TEE", tee_reserved - 4), tee_reserved - 4);
}

int
main (void)
{
    static const char *const stale[] = {"--stale-allocated", "3s", NULL};
    mesh.extra_args[MESH_IX_ORDERS] = stale;
    static void (*const tests[]) (void) = {test_status_follows_fulfilment, test_fulfillment_stopped,
                                           test_orders_catches_up,         test_cancel_before_shipment,
                                           test_cancel_after_shipment,     test_partial_cancel,
                                           NULL};
    return http_main (&mesh, "test_e2e_order_status", tests);
}
