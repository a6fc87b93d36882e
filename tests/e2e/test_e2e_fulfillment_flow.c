//  End to end through the gateway: an order of two SKUs held at two
//  locations gets one fulfilment per location, and milestones carry it
//  accepted → picked → packed → shipped → delivered, one fulfilment a
//  short pick. The order's status moves partially_shipped → shipped →
//  partially_delivered → delivered; inventory takes what shipped off on
//  hand and reserved exactly once (a shipment ledger entry per fulfilment,
//  none more for a repeated milestone) and releases the shortfall; orders
//  makes one invoice per shipment, at the order's prices.
#include "clock.h"
#include "ffhttp.h"
#include <stdio.h>
#include <string.h>

static harness_mesh_t mesh;

static char s_order_id[64];
static char s_tee_ff[64], s_mug_ff[64];   //  the fulfilments at FF-EAST and FF-WEST
static int64_t s_t0;

#define TEE_PRICE 1250
#define MUG_PRICE 800

static json_t *
s_get (const char *path)
{
    return http_expect (&mesh, "GET", path, NULL, 200);
}

//  Sends a milestone of the fulfilment, at s_t0 + offset seconds, and checks the status.
static json_t *
s_milestone (const char *ff, const char *event_id, const char *type, int offset, const char *extra, long status)
{
    json_t *reply = NULL;
    long got = ffhttp_milestone (&mesh, ff, event_id, type, s_t0 + offset * 1000, extra, &reply);
    if (got != status)
        fprintf (stderr, "  %s %s of %s: %ld\n", type, event_id, ff, got);
    CHECK_EQ_INT (got, status);
    return reply;
}

//  Waits for the order's status (GET /v1/orders/{order_id}/status) and checks it.
static json_t *
s_expect_status (const char *status)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/status", s_order_id);
    json_t *answer = ffhttp_wait_str (&mesh, path, "status", status);
    CHECK_STR (http_json_str (answer, "status"), status);
    return answer;
}

//  The ledger entries of sku at location of type, and the last one in *last (borrowed from *ledger).
static int
s_ledger_count (const char *location, const char *sku, const char *type, json_t **ledger, json_t **last)
{
    char path[160];
    snprintf (path, sizeof path, "/v1/stock/%s/%s/ledger?limit=1000", location, sku);
    *ledger = s_get (path);
    int count = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get (*ledger, "entries"), i, entry)
        if (strcmp (http_json_str (entry, "type"), type) == 0) {
            count++;
            *last = entry;
        }
    return count;
}

static void
test_accepted_into_fulfilments (void)
{
    http_put (&mesh, "/v1/prices/EUR/FF-TEE", "{\"unit_price\":1250}");
    http_put (&mesh, "/v1/prices/EUR/FF-MUG", "{\"unit_price\":800}");
    http_put (&mesh, "/v1/stock/FF-EAST/FF-TEE", "{\"on_hand\":10}");
    http_put (&mesh, "/v1/stock/FF-WEST/FF-MUG", "{\"on_hand\":6}");
    json_t *order = http_expect (&mesh, "POST", "/v1/orders",
                                 "{\"external_id\":\"FF-1\",\"account_id\":\"ACC-FF\",\"currency\":\"EUR\","
                                 "\"lines\":[{\"sku\":\"FF-TEE\",\"quantity\":3,\"unit_price\":1250},"
                                 "{\"sku\":\"FF-MUG\",\"quantity\":4,\"unit_price\":800}]}",
                                 201);
    snprintf (s_order_id, sizeof s_order_id, "%s", http_json_str (order, "order_id"));
    CHECK_STR (http_json_str (order, "status"), "accepted");
    json_decref (order);
    ffhttp_expect_stock (&mesh, "FF-TEE", 10, 3);
    ffhttp_expect_stock (&mesh, "FF-MUG", 6, 4);

    //  one fulfilment per location the stock is held at
    json_t *items = ffhttp_fulfillments (&mesh, s_order_id, 2);
    CHECK_EQ_INT (json_array_size (items), 2);
    json_t *tee = ffhttp_at (items, "FF-EAST"), *mug = ffhttp_at (items, "FF-WEST");
    CHECK (tee && mug);
    snprintf (s_tee_ff, sizeof s_tee_ff, "%s", http_json_str (tee, "fulfillment_id"));
    snprintf (s_mug_ff, sizeof s_mug_ff, "%s", http_json_str (mug, "fulfillment_id"));
    CHECK_STR (http_json_str (tee, "status"), "allocated");
    CHECK_STR (http_json_str (tee, "order_id"), s_order_id);
    json_t *line = json_array_get (json_object_get (tee, "lines"), 0);
    CHECK_STR (http_json_str (line, "sku"), "FF-TEE");
    CHECK_EQ_INT (http_json_int (line, "line"), 0);
    CHECK_EQ_INT (http_json_int (line, "quantity"), 3);
    line = json_array_get (json_object_get (mug, "lines"), 0);
    CHECK_STR (http_json_str (line, "sku"), "FF-MUG");
    CHECK_EQ_INT (http_json_int (line, "line"), 1);
    CHECK_EQ_INT (http_json_int (line, "quantity"), 4);
    json_decref (items);
    json_decref (s_expect_status ("accepted"));
}

static void
test_shipped_and_committed_once (void)
{
    s_t0 = clock_now_ms () - 60000;
    json_decref (s_milestone (s_tee_ff, "east-1", "picked", 1, "", 200));
    json_decref (s_milestone (s_tee_ff, "east-2", "packed", 2, "", 200));
    json_t *shipped = s_milestone (s_tee_ff, "east-3", "shipped", 3,
                                   ",\"carrier\":\"DHL\",\"tracking_number\":\"JD-EAST-1\"", 200);
    CHECK_STR (http_json_str (shipped, "status"), "shipped");
    CHECK (json_is_true (json_object_get (shipped, "applied")));
    json_decref (shipped);

    //  one of two has left
    json_t *status = s_expect_status ("partially_shipped");
    json_decref (status);
    ffhttp_expect_stock (&mesh, "FF-TEE", 7, 0);

    //  the MUG fulfilment finds 3 of its 4: a short pick
    json_decref (s_milestone (s_mug_ff, "west-1", "picked", 4, ",\"lines\":[{\"sku\":\"FF-MUG\",\"quantity\":3}]", 200));
    json_decref (s_milestone (s_mug_ff, "west-2", "packed", 5, "", 200));
    shipped = s_milestone (s_mug_ff, "west-3", "shipped", 6,
                           ",\"lines\":[{\"sku\":\"FF-MUG\",\"quantity\":3}],\"carrier\":\"UPS\","
                           "\"tracking_number\":\"1Z-WEST-1\"",
                           200);
    json_t *line = json_array_get (json_object_get (shipped, "lines"), 0);
    CHECK_EQ_INT (http_json_int (line, "shipped"), 3);
    CHECK_EQ_INT (http_json_int (line, "shortfall"), 1);
    json_decref (shipped);
    status = s_expect_status ("shipped");
    json_decref (status);

    //  3 left, the 4th released: on hand keeps it, nothing stays reserved
    ffhttp_expect_stock (&mesh, "FF-MUG", 3, 0);
    json_t *stock = http_stock (&mesh, "FF-MUG", NULL);
    CHECK_EQ_INT (http_json_int (stock, "available"), 3);
    json_decref (stock);

    //  the same milestones again change nothing anywhere
    json_t *again = s_milestone (s_mug_ff, "west-3", "shipped", 6,
                                 ",\"lines\":[{\"sku\":\"FF-MUG\",\"quantity\":3}],\"carrier\":\"UPS\","
                                 "\"tracking_number\":\"1Z-WEST-1\"",
                                 200);
    CHECK (json_is_true (json_object_get (again, "duplicate")));
    json_decref (again);
    json_decref (s_milestone (s_tee_ff, "east-3", "shipped", 3,
                              ",\"carrier\":\"DHL\",\"tracking_number\":\"JD-EAST-1\"", 200));

    //  the ledger: one shipment per location, with the order and the
    //  fulfilment; the shortfall a short_pick that leaves on hand alone
    json_t *ledger, *entry = NULL;
    CHECK_EQ_INT (s_ledger_count ("FF-EAST", "FF-TEE", "shipment", &ledger, &entry), 1);
    CHECK_EQ_INT (http_json_int (entry, "quantity_delta"), -3);
    CHECK_EQ_INT (http_json_int (entry, "on_hand_after"), 7);
    CHECK_STR (http_json_str (entry, "order_id"), s_order_id);
    CHECK_STR (http_json_str (entry, "fulfillment_id"), s_tee_ff);
    json_decref (ledger);
    CHECK_EQ_INT (s_ledger_count ("FF-WEST", "FF-MUG", "shipment", &ledger, &entry), 1);
    CHECK_EQ_INT (http_json_int (entry, "quantity_delta"), -3);
    CHECK_STR (http_json_str (entry, "fulfillment_id"), s_mug_ff);
    json_decref (ledger);
    CHECK_EQ_INT (s_ledger_count ("FF-WEST", "FF-MUG", "short_pick", &ledger, &entry), 1);
    CHECK_EQ_INT (http_json_int (entry, "quantity_delta"), 0);
    CHECK_EQ_INT (http_json_int (entry, "on_hand_after"), 3);
    json_decref (ledger);

    //  the reservation: committed, with what shipped and what was released
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/reservations", s_order_id);
    json_t *reservation = s_get (path);
    CHECK_STR (http_json_str (reservation, "status"), "committed");
    json_t *settled = json_object_get (reservation, "settled");
    CHECK_EQ_INT (json_array_size (settled), 2);
    int64_t shipped_units = 0, released = 0;
    size_t i;
    json_t *row;
    json_array_foreach (settled, i, row) {
        shipped_units += http_json_int (row, "shipped");
        released += http_json_int (row, "released");
        if (strcmp (http_json_str (row, "location"), "FF-WEST") == 0) {
            CHECK_EQ_INT (http_json_int (row, "line"), 1);
            CHECK_EQ_INT (http_json_int (row, "shipped"), 3);
            CHECK_EQ_INT (http_json_int (row, "released"), 1);
        }
    }
    CHECK_EQ_INT (shipped_units, 6);
    CHECK_EQ_INT (released, 1);
    json_decref (reservation);
    ffhttp_expect_stock (&mesh, "FF-TEE", 7, 0);
    ffhttp_expect_stock (&mesh, "FF-MUG", 3, 0);
}

//  The invoice of fulfilment ff among the order's (borrowed), or NULL.
static json_t *
s_invoice_of (json_t *items, const char *ff)
{
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item)
        if (strcmp (http_json_str (item, "fulfillment_id"), ff) == 0)
            return item;
    return NULL;
}

//  Checks an invoice bills units of sku at unit_price on order line line.
static void
s_check_invoice (const json_t *invoice, int64_t line, const char *sku, int64_t units, int64_t unit_price)
{
    CHECK_STR (http_json_str (invoice, "currency"), "EUR");
    CHECK_STR (http_json_str (invoice, "order_id"), s_order_id);
    CHECK (strncmp (http_json_str (invoice, "invoice_number"), "INV-EUR-", 8) == 0);
    CHECK (*http_json_str (invoice, "issued_at"));
    json_t *lines = json_object_get (invoice, "lines");
    CHECK_EQ_INT (json_array_size (lines), 1);
    json_t *first = json_array_get (lines, 0);
    CHECK_EQ_INT (http_json_int (first, "line"), line);
    CHECK_STR (http_json_str (first, "sku"), sku);
    CHECK_EQ_INT (http_json_int (first, "quantity"), units);
    CHECK_EQ_INT (http_json_int (first, "unit_price"), unit_price);
    CHECK_EQ_INT (http_json_int (first, "extended"), units * unit_price);
    CHECK_EQ_INT (http_json_int (invoice, "total"), units * unit_price);
}

static void
test_one_invoice_per_shipment (void)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/invoices", s_order_id);
    json_t *answer = ffhttp_wait_count (&mesh, path, "items", 2);
    json_t *items = json_object_get (answer, "items");
    CHECK_EQ_INT (json_array_size (items), 2);
    json_t *tee = s_invoice_of (items, s_tee_ff), *mug = s_invoice_of (items, s_mug_ff);
    CHECK (tee && mug);
    s_check_invoice (tee, 0, "FF-TEE", 3, TEE_PRICE);
    //  what shipped, not what was ordered: 3 of the 4
    s_check_invoice (mug, 1, "FF-MUG", 3, MUG_PRICE);
    CHECK (strcmp (http_json_str (tee, "invoice_number"), http_json_str (mug, "invoice_number")) != 0);

    //  each by its number
    char number_path[128];
    snprintf (number_path, sizeof number_path, "/v1/invoices/%s", http_json_str (mug, "invoice_number"));
    json_t *one = s_get (number_path);
    CHECK (json_equal (one, mug));
    json_decref (one);
    json_decref (answer);
}

static void
test_delivered (void)
{
    json_decref (s_milestone (s_tee_ff, "east-4", "delivered", 10, "", 200));
    json_decref (s_expect_status ("partially_delivered"));
    json_decref (s_milestone (s_mug_ff, "west-4", "delivered", 11, "", 200));
    json_t *status = s_expect_status ("delivered");
    json_t *lines = json_object_get (status, "lines");
    CHECK_EQ_INT (json_array_size (lines), 2);
    json_t *tee = json_array_get (lines, 0), *mug = json_array_get (lines, 1);
    CHECK_EQ_INT (http_json_int (tee, "shipped"), 3);
    CHECK_EQ_INT (http_json_int (tee, "delivered"), 3);
    CHECK_EQ_INT (http_json_int (mug, "shipped"), 3);
    CHECK_EQ_INT (http_json_int (mug, "delivered"), 3);
    CHECK_EQ_INT (http_json_int (mug, "shortfall"), 1);
    size_t i;
    json_t *ff;
    json_array_foreach (json_object_get (status, "fulfillments"), i, ff)
        CHECK_STR (http_json_str (ff, "status"), "delivered");
    json_decref (status);

    //  the order itself shows what shipped and was delivered per line
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s", s_order_id);
    json_t *order = ffhttp_wait_str (&mesh, path, "status", "delivered");
    CHECK_STR (http_json_str (order, "status"), "delivered");
    json_t *line = json_array_get (json_object_get (order, "lines"), 1);
    CHECK_EQ_INT (http_json_int (line, "shipped"), 3);
    CHECK_EQ_INT (http_json_int (line, "delivered"), 3);
    json_decref (order);

    //  delivery moved no stock, and made no invoice
    ffhttp_expect_stock (&mesh, "FF-TEE", 7, 0);
    ffhttp_expect_stock (&mesh, "FF-MUG", 3, 0);
    snprintf (path, sizeof path, "/v1/orders/%s/invoices", s_order_id);
    json_t *invoices = s_get (path);
    CHECK_EQ_INT (json_array_size (json_object_get (invoices, "items")), 2);
    json_decref (invoices);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_accepted_into_fulfilments, test_shipped_and_committed_once,
                                           test_one_invoice_per_shipment, test_delivered, NULL};
    return http_main (&mesh, "test_e2e_fulfillment_flow", tests);
}
