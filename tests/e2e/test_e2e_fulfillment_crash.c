//  End to end: 500 milestones (picked, packed, shipped, delivered of 125
//  fulfilments, every fifth a short pick) flow through the gateway's
//  batch route while fulfillment, then orders, then fulfillment again are
//  killed with SIGKILL and started on the same data. A batch that got no
//  answer is sent again as it was. Afterwards every milestone was applied
//  once (each fulfilment delivered, its history the four milestones), each
//  shipment has one invoice and the invoice numbers run without a gap,
//  and inventory's figures are exact: one shipment ledger entry per
//  fulfilment, what shipped off on hand, nothing left reserved. The
//  services run durable (no --nosync).
#include "clock.h"
#include "ffhttp.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static harness_mesh_t mesh;

#define ORDERS 125
#define QUANTITY 3
#define ON_HAND 1000
#define PER_BATCH 20                   //  items per batch: five fulfilments' four milestones
#define MILESTONES (ORDERS * 4)
#define BATCHES (MILESTONES / PER_BATCH)
#define SEND_WAIT_MS 120000            //  how long the sender keeps at a batch no service answered
#define SETTLE_WAIT_MS 60000

static char s_orders[ORDERS][64];
static char s_ffs[ORDERS][64];
static atomic_int s_sent;              //  batches answered so far
static atomic_int s_resent;            //  batches sent again (no answer, or not a 200)
static atomic_int s_refused;           //  items neither applied nor duplicates
static atomic_int s_given_up;          //  batches never answered with a 200

static void
s_nap (void)
{
    nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
}

static bool
s_short (int i)
{
    return i % 5 == 0;
}

//  Units fulfilment i ships.
static int
s_ships (int i)
{
    return s_short (i) ? QUANTITY - 1 : QUANTITY;
}

static void
test_orders_and_fulfilments (void)
{
    http_put (&mesh, "/v1/prices/EUR/CR-ITEM", "{\"unit_price\":700}");
    char body[64];
    snprintf (body, sizeof body, "{\"on_hand\":%d}", ON_HAND);
    http_put (&mesh, "/v1/stock/CR-WH/CR-ITEM", body);
    for (int i = 0; i < ORDERS; i++) {
        char order[256];
        snprintf (order, sizeof order,
                  "{\"external_id\":\"CR-%d\",\"account_id\":\"ACC-CR\",\"currency\":\"EUR\","
                  "\"lines\":[{\"sku\":\"CR-ITEM\",\"quantity\":%d,\"unit_price\":700}]}",
                  i, QUANTITY);
        json_t *answer = http_expect (&mesh, "POST", "/v1/orders", order, 201);
        snprintf (s_orders[i], sizeof s_orders[i], "%s", http_json_str (answer, "order_id"));
        json_decref (answer);
    }
    for (int i = 0; i < ORDERS; i++) {
        json_t *items = ffhttp_fulfillments (&mesh, s_orders[i], 1);
        CHECK_EQ_INT (json_array_size (items), 1);
        snprintf (s_ffs[i], sizeof s_ffs[i], "%s", http_json_str (json_array_get (items, 0), "fulfillment_id"));
        json_decref (items);
    }
    ffhttp_expect_stock (&mesh, "CR-ITEM", ON_HAND, ORDERS * QUANTITY);
}

//  Batch b: fulfilments 5b..5b+4, each picked, packed, shipped, delivered.
static char *
s_batch (int b, int64_t t0)
{
    size_t size = PER_BATCH * 512 + 32;
    char *body = malloc (size);
    if (!body)
        return NULL;
    size_t len = (size_t) snprintf (body, size, "{\"items\":[");
    static const char *const types[] = {"picked", "packed", "shipped", "delivered"};
    for (int k = 0; k < PER_BATCH; k++) {
        int i = b * (PER_BATCH / 4) + k / 4, step = k % 4;
        char event_id[64], extra[160], item[512];
        snprintf (event_id, sizeof event_id, "cr-%d-%s", i, types[step]);
        snprintf (extra, sizeof extra, ",\"fulfillment_id\":\"%.63s\"", s_ffs[i]);
        if (step == 2 && s_short (i))
            snprintf (extra + strlen (extra), sizeof extra - strlen (extra),
                      ",\"lines\":[{\"sku\":\"CR-ITEM\",\"quantity\":%d}]", s_ships (i));
        ffhttp_milestone_body (item, sizeof item, event_id, types[step], t0 + (int64_t) (i * 4 + step) * 1000, extra);
        len += (size_t) snprintf (body + len, size - len, "%s%s", k ? "," : "", item);
    }
    snprintf (body + len, size - len, "]}");
    return body;
}

//  Whether every item of a batch's answer was applied (or sent before);
//  the sender's thread says which was not on stderr.
static bool
s_all_taken (const json_t *answer)
{
    json_t *results = json_object_get (answer, "results");
    if (json_array_size (results) != PER_BATCH)
        return false;
    size_t i;
    json_t *r;
    json_array_foreach (results, i, r) {
        const char *status = http_json_str (r, "status");
        if (strcmp (status, "applied") != 0 && strcmp (status, "duplicate") != 0) {
            fprintf (stderr, "  batch item %zu: %s %s\n", i, status,
                     http_json_str (json_object_get (r, "error"), "message"));
            return false;
        }
    }
    return true;
}

static void *
s_sender (void *arg)
{
    int64_t t0 = *(const int64_t *) arg;
    for (int b = 0; b < BATCHES; b++) {
        char *body = s_batch (b, t0);
        bool done = false;
        for (int64_t until = clock_mono_ms () + SEND_WAIT_MS; body && !done && clock_mono_ms () < until;) {
            harness_http_t res;
            int rc = http_call (&mesh, &res, "POST", "/v1/fulfillments/events/batch", body);
            done = rc == 0 && res.status == 200;
            if (done && !s_all_taken (res.json))
                atomic_fetch_add (&s_refused, 1);
            harness_http_free (&res);
            if (!done) {
                atomic_fetch_add (&s_resent, 1);
                s_nap ();
            }
        }
        if (!done)
            atomic_fetch_add (&s_given_up, 1);
        free (body);
        atomic_fetch_add (&s_sent, 1);
    }
    return NULL;
}

//  SIGKILL, then the same service on the same data and ports, once the
//  sender has had batches answered.
static void
s_crash_after (int batches, unsigned which)
{
    for (int64_t until = clock_mono_ms () + SEND_WAIT_MS; atomic_load (&s_sent) < batches && clock_mono_ms () < until;)
        s_nap ();
    harness_mesh_kill_one (&mesh, which);
    CHECK_EQ_INT (harness_mesh_start (&mesh, which), 0);
}

static void
test_milestones_through_crashes (void)
{
    int64_t t0 = clock_now_ms () - 3600 * 1000;
    pthread_t sender;
    CHECK_EQ_INT (pthread_create (&sender, NULL, s_sender, &t0), 0);
    s_crash_after (BATCHES / 4, MESH_FULFILLMENT);
    s_crash_after (BATCHES / 2, MESH_ORDERS);
    s_crash_after (3 * BATCHES / 4, MESH_FULFILLMENT);
    pthread_join (sender, NULL);
    CHECK_EQ_INT (atomic_load (&s_sent), BATCHES);
    CHECK_EQ_INT (atomic_load (&s_given_up), 0);
    CHECK_EQ_INT (atomic_load (&s_refused), 0);
    fprintf (stderr, "  %d batches of %d milestones, %d sent again\n", BATCHES, PER_BATCH, atomic_load (&s_resent));
}

//  The order's invoices once it has one and is delivered, or the last seen.
static json_t *
s_invoices (int i)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%.63s", s_orders[i]);
    json_decref (ffhttp_wait_str (&mesh, path, "status", "delivered"));
    snprintf (path, sizeof path, "/v1/orders/%.63s/invoices", s_orders[i]);
    return ffhttp_wait_count (&mesh, path, "items", 1);
}

static void
test_applied_once (void)
{
    //  each fulfilment delivered, with its four milestones once each
    for (int i = 0; i < ORDERS; i++) {
        char path[128];
        snprintf (path, sizeof path, "/v1/fulfillments/%.63s", s_ffs[i]);
        json_t *ff = ffhttp_wait_str (&mesh, path, "status", "delivered");
        CHECK_STR (http_json_str (ff, "status"), "delivered");
        json_t *history = json_object_get (ff, "history");
        CHECK_EQ_INT (json_array_size (history), 4);
        json_t *line = json_array_get (json_object_get (ff, "lines"), 0);
        CHECK_EQ_INT (http_json_int (line, "shipped"), s_ships (i));
        CHECK_EQ_INT (http_json_int (line, "shortfall"), QUANTITY - s_ships (i));
        json_decref (ff);
    }

    //  one invoice per shipment, numbered without a gap: INV-EUR-000001 on
    static bool numbered[ORDERS + 1];
    int64_t shipped = 0;
    for (int i = 0; i < ORDERS; i++) {
        json_t *answer = s_invoices (i);
        json_t *items = json_object_get (answer, "items");
        CHECK_EQ_INT (json_array_size (items), 1);
        json_t *invoice = json_array_get (items, 0);
        CHECK_STR (http_json_str (invoice, "fulfillment_id"), s_ffs[i]);
        CHECK_EQ_INT (http_json_int (invoice, "total"), (int64_t) s_ships (i) * 700);
        int number = 0;
        CHECK (sscanf (http_json_str (invoice, "invoice_number"), "INV-EUR-%d", &number) == 1);
        CHECK (number >= 1 && number <= ORDERS && !numbered[number]);
        if (number >= 1 && number <= ORDERS)
            numbered[number] = true;
        shipped += s_ships (i);
        json_decref (answer);
    }

    //  inventory: what shipped left on hand, the shortfalls were released
    ffhttp_expect_stock (&mesh, "CR-ITEM", ON_HAND - shipped, 0);
    json_t *ledger = http_expect (&mesh, "GET", "/v1/stock/CR-WH/CR-ITEM/ledger?limit=1000", NULL, 200);
    int shipments = 0, short_picks = 0;
    int64_t sum = 0;
    size_t k;
    json_t *entry;
    json_array_foreach (json_object_get (ledger, "entries"), k, entry) {
        shipments += strcmp (http_json_str (entry, "type"), "shipment") == 0;
        short_picks += strcmp (http_json_str (entry, "type"), "short_pick") == 0;
        sum += http_json_int (entry, "quantity_delta");
    }
    CHECK_EQ_INT (shipments, ORDERS);
    CHECK_EQ_INT (short_picks, ORDERS / 5);
    CHECK_EQ_INT (sum, ON_HAND - shipped);
    json_decref (ledger);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_orders_and_fulfilments, test_milestones_through_crashes,
                                           test_applied_once, NULL};
    return http_main (&mesh, "test_e2e_fulfillment_crash", tests);
}
