//  End to end: the order path (inventory's hold, then orders' acceptance)
//  crashed at each of its points under load, through the gateway, with the
//  services durable and inventory's order-hold TTL at 1 s. A failure hook
//  (RETAILMESH_CRASH_POINT, failpoint.h) makes the service exit as SIGKILL
//  would, at the point's 25th pass, while the clients' orders go through: orders before the hold is asked for, after inventory answered
//  with the hold, after the acceptance committed (before the answer);
//  inventory after committing a hold (before the answer), and when it
//  applies orders.order.accepted (before the confirmation commits). After
//  the restart every order answered 201 is there, accepted, its
//  reservation committed; every hold of an order that does not exist has
//  expired, so reserved is what the orders that exist hold; a resubmission
//  of every order finds the one that exists or makes it anew, holding
//  nothing twice. Then orders' events are kept from inventory
//  (RETAILMESH_FAIL_EVENTS) past the hold deadline: orders' answer to
//  orders.hold_status confirms the holds, and none expires. Last, with a
//  TTL of an hour, orders' notice at its start (inventory.orders_restarted)
//  ends the holds of the submissions it lost at once. First, a submission
//  in flight (nothing stored yet) is found by its repeats.
#include "clock.h"
#include "http.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLIENTS 4
#define PER_CLIENT 40
#define ON_HAND 100000
//  bounds on waiting for a crash and for the mesh to settle after it
#define CRASH_WAIT_MS 30000
#define SETTLE_WAIT_MS 30000
//  the crash comes at the point's 25th pass, with orders taken before it
#define CRASH_SKIP "24"

static harness_mesh_t mesh;

typedef struct {
    char external_id[40];
    int64_t quantity;
    long status;               //  of the submission; 0 when none came
    char order_id[40];         //  when 201 or 200
} attempt_t;

typedef struct {
    const char *sku;
    const char *prefix;
    int index;
    int sent;
    attempt_t attempts[PER_CLIENT];
    atomic_bool *stop;
} client_t;

static void
s_nap (void)
{
    nanosleep (&(struct timespec) {0, 20 * 1000 * 1000}, NULL);
}

static void
s_body (char *body, size_t size, const attempt_t *a, const char *sku)
{
    snprintf (body, size,
              "{\"external_id\":\"%s\",\"account_id\":\"A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"%s\",\"quantity\":%lld,\"unit_price\":250}]}",
              a->external_id, sku, (long long) a->quantity);
}

static void
s_submit (attempt_t *a, const char *sku)
{
    char body[256];
    s_body (body, sizeof body, a, sku);
    harness_http_t res;
    a->status = http_call (&mesh, &res, "POST", "/v1/orders", body) == 0 ? res.status : 0;
    if ((a->status == 201 || a->status == 200) && res.json)
        snprintf (a->order_id, sizeof a->order_id, "%s", http_json_str (res.json, "order_id"));
    harness_http_free (&res);
}

static void *
s_client (void *arg)
{
    client_t *c = (client_t *) arg;
    for (int i = 0; i < PER_CLIENT && !atomic_load (c->stop); i++) {
        attempt_t *a = &c->attempts[i];
        snprintf (a->external_id, sizeof a->external_id, "%s-%d-%02d", c->prefix, c->index, i);
        a->quantity = 1 + (c->index + i) % 3;
        s_submit (a, c->sku);
        c->sent++;
    }
    return NULL;
}

static int64_t
s_reserved (const char *sku)
{
    json_t *item = http_stock (&mesh, sku, NULL);
    int64_t reserved = item ? http_json_int (item, "reserved") : -1;
    json_decref (item);
    return reserved;
}

//  The status of order_id's reservation at inventory ("" when none).
static void
s_reservation_status (const char *order_id, char *status, size_t size)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/reservations", order_id);
    harness_http_t res;
    status[0] = '\0';
    if (http_call (&mesh, &res, "GET", path, NULL) == 0 && res.status == 200 && res.json)
        snprintf (status, size, "%s", http_json_str (res.json, "status"));
    harness_http_free (&res);
}

//  What the mesh shows for the attempts once it has settled.
typedef struct {
    int lost;                  //  answered 201, now missing or not accepted or another order
    int unconfirmed;           //  an order that exists whose reservation is not committed
    int existing;
    int64_t ordered;           //  units of the orders that exist
    int64_t reserved;
} tally_t;

static tally_t
s_tally (client_t *clients, const char *sku)
{
    tally_t t = {0};
    for (int c = 0; c < CLIENTS; c++)
        for (int i = 0; i < clients[c].sent; i++) {
            attempt_t *a = &clients[c].attempts[i];
            json_t *order = NULL;
            long found = http_find_order (&mesh, a->external_id, &order);
            bool accepted = found == 200 && strcmp (http_json_str (order, "status"), "accepted") == 0;
            if (a->status == 201 && (!accepted || strcmp (http_json_str (order, "order_id"), a->order_id) != 0))
                t.lost++;
            if (found == 200) {
                char status[16];
                s_reservation_status (http_json_str (order, "order_id"), status, sizeof status);
                t.unconfirmed += strcmp (status, "committed") != 0;
                t.existing++;
                t.ordered += a->quantity;
            }
            json_decref (order);
        }
    t.reserved = s_reserved (sku);
    return t;
}

//  Polls until the attempts' orders and the SKU's reservations agree.
static tally_t
s_settled (client_t *clients, const char *sku)
{
    tally_t t = {0};
    for (int64_t until = clock_mono_ms () + SETTLE_WAIT_MS; clock_mono_ms () < until; s_nap ()) {
        t = s_tally (clients, sku);
        if (t.lost == 0 && t.unconfirmed == 0 && t.reserved == t.ordered)
            break;
    }
    return t;
}

static void
s_check_tally (const tally_t *t, const char *point)
{
    if (t->lost || t->unconfirmed || t->reserved != t->ordered)
        fprintf (stderr, "  %s: %d lost, %d unconfirmed, %d orders of %lld units, %lld reserved\n", point, t->lost,
                 t->unconfirmed, t->existing, (long long) t->ordered, (long long) t->reserved);
    CHECK_EQ_INT (t->lost, 0);
    CHECK_EQ_INT (t->unconfirmed, 0);
    CHECK_EQ_INT (t->reserved, t->ordered);
}

//  Restarts which with the crash point armed, puts the clients to work
//  until it has exited there, starts it again and checks what is left.
static void
s_crash_at (const char *point, unsigned which, int ix, const char *sku, const char *prefix)
{
    char path[96];
    snprintf (path, sizeof path, "/v1/stock/WH-A/%s", sku);
    char stock[64];
    snprintf (stock, sizeof stock, "{\"on_hand\":%d}", ON_HAND);
    http_put (&mesh, path, stock);
    snprintf (path, sizeof path, "/v1/prices/USD/%s", sku);
    http_put (&mesh, path, "{\"unit_price\":250}");
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, which), 0);
    setenv ("RETAILMESH_CRASH_POINT", point, 1);
    setenv ("RETAILMESH_CRASH_SKIP", CRASH_SKIP, 1);
    CHECK_EQ_INT (harness_mesh_start (&mesh, which), 0);
    unsetenv ("RETAILMESH_CRASH_SKIP");
    unsetenv ("RETAILMESH_CRASH_POINT");

    atomic_bool stop = false;
    static client_t clients[CLIENTS];
    pthread_t threads[CLIENTS];
    for (int c = 0; c < CLIENTS; c++) {
        memset (&clients[c], 0, sizeof clients[c]);
        clients[c] = (client_t) {.sku = sku, .prefix = prefix, .index = c, .stop = &stop};
        CHECK_EQ_INT (pthread_create (&threads[c], NULL, s_client, &clients[c]), 0);
    }
    int status = 0;
    bool crashed = false;
    for (int64_t until = clock_mono_ms () + CRASH_WAIT_MS; clock_mono_ms () < until && !crashed; s_nap ())
        crashed = !harness_alive (&mesh.procs[ix], &status);
    atomic_store (&stop, true);
    for (int c = 0; c < CLIENTS; c++)
        pthread_join (threads[c], NULL);
    if (!crashed)
        fprintf (stderr, "  %s: the crash point was not reached\n", point);
    CHECK (crashed);
    CHECK_EQ_INT (status, 137);
    harness_mesh_forget_one (&mesh, which);
    CHECK_EQ_INT (harness_mesh_start (&mesh, which), 0);

    tally_t t = s_settled (clients, sku);
    s_check_tally (&t, point);
    int created = 0;
    for (int c = 0; c < CLIENTS; c++)
        for (int i = 0; i < clients[c].sent; i++)
            created += clients[c].attempts[i].status == 201;
    CHECK (created > 0);

    //  every attempt once more: the one that exists is found, the others
    //  are made now; nothing is held twice
    int64_t units = 0;
    for (int c = 0; c < CLIENTS; c++)
        for (int i = 0; i < clients[c].sent; i++) {
            attempt_t *a = &clients[c].attempts[i];
            char before[40];
            snprintf (before, sizeof before, "%s", a->status == 201 ? a->order_id : "");
            long first = a->status;
            s_submit (a, sku);
            if (a->status != 200 && a->status != 201)
                fprintf (stderr, "  %s: resubmitting %s: %ld\n", point, a->external_id, a->status);
            CHECK (a->status == 200 || a->status == 201);
            if (first == 201)
                CHECK_STR (a->order_id, before);
            units += a->quantity;
        }
    t = s_settled (clients, sku);
    s_check_tally (&t, point);
    CHECK_EQ_INT (t.ordered, units);
}

static void
test_orders_before_hold (void)
{
    s_crash_at ("orders-before-hold", MESH_ORDERS, MESH_IX_ORDERS, "CP-1", "BH");
}

static void
test_orders_after_hold (void)
{
    s_crash_at ("orders-after-hold", MESH_ORDERS, MESH_IX_ORDERS, "CP-2", "AH");
}

static void
test_orders_after_accept (void)
{
    s_crash_at ("orders-after-accept", MESH_ORDERS, MESH_IX_ORDERS, "CP-3", "AA");
}

static void
test_inventory_after_hold (void)
{
    s_crash_at ("after-commit", MESH_INVENTORY, MESH_IX_INVENTORY, "CP-4", "IH");
}

static void
test_inventory_before_confirm (void)
{
    s_crash_at ("inventory-before-confirm", MESH_INVENTORY, MESH_IX_INVENTORY, "CP-5", "IC");
}

//  orders.order.accepted never reaches inventory: past the deadline,
//  orders' answer confirms every hold of an accepted order.
static void
test_late_events_expire_nothing (void)
{
    http_put (&mesh, "/v1/stock/WH-A/LATE", "{\"on_hand\":1000}");
    http_put (&mesh, "/v1/prices/USD/LATE", "{\"unit_price\":250}");
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    setenv ("RETAILMESH_FAIL_EVENTS", "orders.order.accepted", 1);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    unsetenv ("RETAILMESH_FAIL_EVENTS");
    enum { N = 10 };
    char ids[N][40];
    for (int i = 0; i < N; i++) {
        attempt_t a = {.quantity = 2};
        snprintf (a.external_id, sizeof a.external_id, "LATE-%02d", i);
        s_submit (&a, "LATE");
        CHECK_EQ_INT (a.status, 201);
        snprintf (ids[i], sizeof ids[i], "%s", a.order_id);
    }
    int committed = 0;
    for (int64_t until = clock_mono_ms () + SETTLE_WAIT_MS; clock_mono_ms () < until && committed < N; s_nap ()) {
        committed = 0;
        for (int i = 0; i < N; i++) {
            char status[16];
            s_reservation_status (ids[i], status, sizeof status);
            committed += strcmp (status, "committed") == 0;
            CHECK (strcmp (status, "expired") != 0);
        }
    }
    CHECK_EQ_INT (committed, N);
    CHECK_EQ_INT (s_reserved ("LATE"), 2 * N);
    CHECK (harness_mesh_logs_find (&mesh, "settled", NULL, 0) >= 1);
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_INVENTORY), 0);
    CHECK_EQ_INT (s_reserved ("LATE"), 2 * N);
}

typedef struct {
    const char *body;
    const char *key;
    harness_http_t res;
} keyed_t;

static void *
s_submit_keyed (void *arg)
{
    keyed_t *k = (keyed_t *) arg;
    char header[96];
    snprintf (header, sizeof header, "Idempotency-Key: %s", k->key);
    const char *headers[] = {header, NULL};
    CHECK_EQ_INT (http_call_with (&mesh, &k->res, "POST", "/v1/orders", k->body, headers), 0);
    return NULL;
}

//  With nothing stored before the hold, a submission in flight is known by
//  orders' table alone: a repeat waits for its answer, the same
//  Idempotency-Key on another body is refused at once, and one hold is made.
static void
test_in_flight_repeats (void)
{
    http_put (&mesh, "/v1/stock/WH-A/IF", "{\"on_hand\":50}");
    http_put (&mesh, "/v1/prices/USD/IF", "{\"unit_price\":250}");
    static const char *body = "{\"external_id\":\"IF-1\",\"account_id\":\"A\",\"currency\":\"USD\","
                              "\"lines\":[{\"sku\":\"IF\",\"quantity\":3,\"unit_price\":250}]}";
    keyed_t first = {body, "key-if-1", {0}}, repeat = {body, "key-if-1", {0}};
    pid_t inventory = mesh.procs[MESH_IX_INVENTORY].pid;
    CHECK_EQ_INT (kill (inventory, SIGSTOP), 0);
    pthread_t a, b;
    CHECK_EQ_INT (pthread_create (&a, NULL, s_submit_keyed, &first), 0);
    bool in_flight = false;
    //  well within orders' 2 s call timeout
    for (int64_t until = clock_mono_ms () + 1000; clock_mono_ms () < until && !in_flight;)
        if (!(in_flight = http_order_in_flight (&mesh, "IF-1")))
            s_nap ();
    CHECK (in_flight);
    CHECK_EQ_INT (pthread_create (&b, NULL, s_submit_keyed, &repeat), 0);
    keyed_t other = {"{\"external_id\":\"IF-2\",\"account_id\":\"A\",\"currency\":\"USD\","
                     "\"lines\":[{\"sku\":\"IF\",\"quantity\":1,\"unit_price\":250}]}",
                     "key-if-1", {0}};
    s_submit_keyed (&other);
    http_expect_status (&other.res, 409, "the same Idempotency-Key on another body while the first is in flight");
    harness_http_free (&other.res);
    CHECK_EQ_INT (kill (inventory, SIGCONT), 0);
    pthread_join (a, NULL);
    pthread_join (b, NULL);
    http_expect_status (&first.res, 201, "the first submission");
    http_expect_status (&repeat.res, 200, "its repeat, which waited");
    CHECK_STR (http_json_str (repeat.res.json, "order_id"), http_json_str (first.res.json, "order_id"));
    harness_http_free (&first.res);
    harness_http_free (&repeat.res);
    CHECK_EQ_INT (s_reserved ("IF"), 3);
}

//  With an hour's TTL the holds orders left behind end only because
//  orders, started again, tells inventory (inventory.orders_restarted).
static void
test_restart_notice (void)
{
    static const char *const long_ttl[] = {"--order-hold-ttl", "3600", NULL};
    mesh.extra_args[MESH_IX_INVENTORY] = long_ttl;
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_INVENTORY), 0);
    s_crash_at ("orders-after-hold", MESH_ORDERS, MESH_IX_ORDERS, "CP-6", "RN");
}

int
main (void)
{
    static const char *const inventory_args[] = {"--order-hold-ttl", "1", NULL};
    mesh.extra_args[MESH_IX_INVENTORY] = inventory_args;
    static void (*const tests[]) (void) = {test_in_flight_repeats, test_orders_before_hold, test_orders_after_hold, test_orders_after_accept,
                                           test_inventory_after_hold, test_inventory_before_confirm,
                                           test_late_events_expire_nothing, test_restart_notice, NULL};
    return http_main (&mesh, "test_e2e_crashpoints", tests);
}
