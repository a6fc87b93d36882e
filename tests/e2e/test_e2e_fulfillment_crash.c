//  End to end: 500 milestones (picked, packed, shipped, delivered of 125
//  fulfilments, every fifth a short pick) flow through the gateway from
//  five threads, one at a time or a fulfilment's four as a batch, while
//  fulfillment, then orders, then fulfillment again are killed with
//  SIGKILL; each starts again on the same data (orders once the flow is
//  over). A request that got no answer is sent again as it was. Afterwards every milestone was applied
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
#define MILESTONES (ORDERS * 4)
#define SENDERS 5                      //  threads, each with ORDERS / SENDERS fulfilments
#define SEND_WAIT_MS 120000            //  how long a sender keeps at a request no service answered

static char s_orders[ORDERS][64];
static char s_ffs[ORDERS][64];
static atomic_int s_sent;              //  milestones answered so far
static atomic_int s_resent;            //  requests sent again (no answer, or not a 200)
static atomic_int s_refused;           //  milestones neither applied nor duplicates
static atomic_int s_given_up;          //  requests never answered with a 200

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

static const char *const s_types[] = {"picked", "packed", "shipped", "delivered"};

//  Milestone step (0-3) of fulfilment i, at t0 + its number in seconds,
//  with its fulfillment_id when in_batch.
static void
s_milestone (char *buf, size_t size, int i, int step, int64_t t0, bool in_batch)
{
    char event_id[64], extra[192] = "";
    snprintf (event_id, sizeof event_id, "cr-%d-%s", i, s_types[step]);
    if (in_batch)
        snprintf (extra, sizeof extra, ",\"fulfillment_id\":\"%.63s\"", s_ffs[i]);
    if (step == 2 && s_short (i))
        snprintf (extra + strlen (extra), sizeof extra - strlen (extra),
                  ",\"lines\":[{\"sku\":\"CR-ITEM\",\"quantity\":%d}]", s_ships (i));
    ffhttp_milestone_body (buf, size, event_id, s_types[step], t0 + (int64_t) (i * 4 + step) * 1000, extra);
}

//  Whether a milestone's answer says applied or sent before; says on
//  stderr which was not.
static bool
s_taken (const char *status, const json_t *error)
{
    if (strcmp (status, "applied") == 0 || strcmp (status, "duplicate") == 0)
        return true;
    fprintf (stderr, "  milestone %s: %s\n", status, http_json_str (error, "message"));
    return false;
}

//  A single milestone's answer as a batch item's status.
static const char *
s_single_status (const json_t *answer)
{
    if (json_is_true (json_object_get (answer, "duplicate")))
        return "duplicate";
    return json_is_true (json_object_get (answer, "applied")) ? "applied" : "kept";
}

//  Sends body to path until a 200 comes (the service may be down: the
//  same request again is harmless), then counts its milestones answered
//  and those not taken.
static void
s_send (const char *path, const char *body, int milestones)
{
    bool done = false;
    for (int64_t until = clock_mono_ms () + SEND_WAIT_MS; !done && clock_mono_ms () < until;) {
        harness_http_t res;
        done = http_call (&mesh, &res, "POST", path, body) == 0 && res.status == 200;
        if (done && milestones == 1 && !s_taken (s_single_status (res.json), NULL))
            atomic_fetch_add (&s_refused, 1);
        size_t k;
        json_t *r;
        json_array_foreach (done ? json_object_get (res.json, "results") : NULL, k, r)
            if (!s_taken (http_json_str (r, "status"), json_object_get (r, "error")))
                atomic_fetch_add (&s_refused, 1);
        harness_http_free (&res);
        if (!done) {
            atomic_fetch_add (&s_resent, 1);
            s_nap ();
        }
    }
    if (!done)
        atomic_fetch_add (&s_given_up, 1);
    atomic_fetch_add (&s_sent, milestones);
}

typedef struct {
    int first;                     //  the sender's fulfilments: first, first + SENDERS, ...
    int64_t t0;
    pthread_t thread;
} sender_t;

//  Each fulfilment's four milestones in order: one at a time to
//  /v1/fulfillments/{id}/events for even fulfilments, as one batch for
//  odd ones (POST /v1/fulfillments/events/batch).
static void *
s_sender (void *arg)
{
    const sender_t *sender = (const sender_t *) arg;
    for (int i = sender->first; i < ORDERS; i += SENDERS) {
        char body[2048], path[128];
        if (i % 2 == 0) {
            snprintf (path, sizeof path, "/v1/fulfillments/%.63s/events", s_ffs[i]);
            for (int step = 0; step < 4; step++) {
                s_milestone (body, sizeof body, i, step, sender->t0, false);
                s_send (path, body, 1);
            }
            continue;
        }
        size_t len = (size_t) snprintf (body, sizeof body, "{\"items\":[");
        for (int step = 0; step < 4; step++) {
            char item[448];
            s_milestone (item, sizeof item, i, step, sender->t0, true);
            len += (size_t) snprintf (body + len, sizeof body - len, "%s%s", step ? "," : "", item);
        }
        snprintf (body + len, sizeof body - len, "]}");
        s_send ("/v1/fulfillments/events/batch", body, 4);
    }
    return NULL;
}

//  SIGKILL once milestones answered reach sent, while they still flow.
static void
s_kill_after (int sent, unsigned which)
{
    for (int64_t until = clock_mono_ms () + SEND_WAIT_MS; atomic_load (&s_sent) < sent && clock_mono_ms () < until;)
        nanosleep (&(struct timespec) {0, 1000 * 1000}, NULL);
    harness_mesh_kill_one (&mesh, which);
    CHECK (atomic_load (&s_sent) < MILESTONES);
}

static void
test_milestones_through_crashes (void)
{
    static sender_t senders[SENDERS];
    int64_t t0 = clock_now_ms () - 3600 * 1000;
    for (int k = 0; k < SENDERS; k++) {
        senders[k] = (sender_t) {.first = k, .t0 = t0};
        CHECK_EQ_INT (pthread_create (&senders[k].thread, NULL, s_sender, &senders[k]), 0);
    }
    //  each started again on the same data and ports; orders only at the
    //  end, so it has fulfillment's events of the whole flow to catch up on
    s_kill_after (MILESTONES / 5, MESH_FULFILLMENT);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_FULFILLMENT), 0);
    s_kill_after (MILESTONES / 2, MESH_ORDERS);
    s_kill_after (4 * MILESTONES / 5, MESH_FULFILLMENT);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_FULFILLMENT), 0);
    for (int k = 0; k < SENDERS; k++)
        pthread_join (senders[k].thread, NULL);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_ORDERS), 0);
    CHECK_EQ_INT (atomic_load (&s_sent), MILESTONES);
    CHECK_EQ_INT (atomic_load (&s_given_up), 0);
    CHECK_EQ_INT (atomic_load (&s_refused), 0);
    fprintf (stderr, "  %d milestones, %d requests sent again (no answer from a service killed)\n", MILESTONES, atomic_load (&s_resent));
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
    //  a batch call lost with a killed fulfillment ends (503) well before
    //  the client's 10 s, and before the mesh's stop waits for it
    static const char *const gateway_args[] = {"--batch-timeout", "3000", NULL};
    mesh.extra_args[MESH_IX_GATEWAY] = gateway_args;
    static void (*const tests[]) (void) = {test_orders_and_fulfilments, test_milestones_through_crashes,
                                           test_applied_once, NULL};
    return http_main (&mesh, "test_e2e_fulfillment_crash", tests);
}
