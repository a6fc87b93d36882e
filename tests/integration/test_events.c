//  Integration: durable events. Orders emits through its outbox; inventory
//  consumes orders' events (cancellations, which orders commits once
//  fulfillment has cancelled the fulfilments, release stock). Covers
//  cancel, a late consumer, a consumer killed mid-stream, a producer killed
//  right after its commit, a lossy subscription, and dead letters.
#include "clock.h"
#include "err.h"
#include "itest.h"
#include "mp.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static harness_mesh_t mesh;
static itest_clients_t clients;

static void
s_clients (void)
{
    itest_clients_connect (&clients, &mesh);
}

static void
s_stock (const char *sku, int on_hand)
{
    json_decref (itest_callf (clients.pricing, "pricing.set", true, "{\"currency\":\"USD\",\"sku\":\"%s\",\"unit_price\":100}", sku));
    json_decref (itest_callf (clients.inventory, "inventory.set_stock", true,
                              "{\"location\":\"WH-1\",\"sku\":\"%s\",\"on_hand\":%d}", sku, on_hand));
}

static void
s_answer (void *arg, int err, const envelope_t *reply)
{
    if (err == 0 && reply->ok)
        (*(int *) arg)++;
}

//  Lets replies in until fewer than window calls are in flight (bounded).
static void
s_drain (rpc_client_t *client, size_t window, int64_t until)
{
    while (rpc_client_pending (client) > window && clock_mono_ms () < until) {
        zmq_pollitem_t item = {zsock_resolve (rpc_client_socket (client)), 0, ZMQ_POLLIN, 0};
        zmq_poll (&item, 1, 100);
        rpc_client_handle (client);
        rpc_client_expire (client);
    }
}

//  Sends n calls pipelined on one client, at most 100 in flight, as a busy
//  channel would, and waits (bounded) for them all.
static int
s_burst (const char *op, int n, const char *fmt, const char *sku, char ids[][40])
{
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new (mesh.orders_rpc, 30000, &client), 0);
    int ok = 0;
    int64_t until = clock_mono_ms () + 120000;
    for (int i = 0; i < n; i++) {
        s_drain (client, 100, until);
        char text[512];
        if (ids)
            snprintf (text, sizeof text, fmt, ids[i]);
        else
            snprintf (text, sizeof text, fmt, sku, i, sku);
        CHECK_EQ_INT (mpjson_send (client, op, "burst", text, 60000, s_answer, &ok), 0);
    }
    s_drain (client, 0, until);
    rpc_client_destroy (&client);
    return ok;
}

static const char *s_order_fmt =
    "{\"external_id\":\"%s-%d\",\"account_id\":\"A\",\"currency\":\"USD\","
    "\"lines\":[{\"sku\":\"%s\",\"quantity\":1,\"unit_price\":100}]}";

//  Places n one-unit orders of sku and returns their IDs (found by external ID).
static void
s_place (const char *sku, int n, char ids[][40])
{
    CHECK_EQ_INT (s_burst ("orders.submit", n, s_order_fmt, sku, NULL), n);
    for (int i = 0; i < n; i++) {
        json_t *found = itest_callf (clients.orders, "orders.find", true,
                                     "{\"channel\":\"salesforce\",\"external_id\":\"%s-%d\"}", sku, i);
        snprintf (ids[i], 40, "%.36s", itest_str (found, "order_id"));
        json_decref (found);
    }
}

static json_t *
s_consumer_status (void)
{
    json_t *health = itest_call (clients.inventory, "sys.health", true, "{}");
    json_t *status = json_incref (json_array_get (json_object_get (health, "consumers"), 0));
    json_decref (health);
    return status ? status : json_object ();
}

static void
test_cancel (void)
{
    s_stock ("CXL", 10);
    char ids[1][40];
    s_place ("CXL", 1, ids);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "CXL"), 1);
    json_t *r = itest_callf (clients.orders, "orders.cancel", true, "{\"order_id\":\"%s\",\"reason\":\"customer asked\"}", ids[0]);
    CHECK_STR (itest_str (r, "status"), "cancelled");
    CHECK (json_is_true (json_object_get (r, "changed")));
    CHECK_STR (itest_str (r, "cancel_reason"), "customer asked");
    json_decref (r);
    CHECK (itest_wait_reserved (clients.inventory, "CXL", 0, 5000));
    r = itest_callf (clients.orders, "orders.cancel", true, "{\"order_id\":\"%s\"}", ids[0]);
    CHECK (json_is_false (json_object_get (r, "changed")));
    json_decref (r);
    r = itest_call (clients.orders, "orders.cancel", false, "{\"order_id\":\"01a21a6b-7439-770c-8df8-07418e8bd823\"}");
    CHECK_STR (itest_str (r, "code"), "not_found");
    json_decref (r);
    r = itest_callf (clients.orders, "orders.get", true, "{\"order_id\":\"%s\"}", ids[0]);
    CHECK_STR (itest_str (r, "status"), "cancelled");
    json_decref (r);
    r = itest_callf (clients.orders, "orders.history", true, "{\"order_id\":\"%s\"}", ids[0]);
    json_t *events = json_object_get (r, "events");
    CHECK_EQ_INT (json_array_size (events), 2);
    CHECK_STR (itest_str (json_array_get (events, 0), "status"), "accepted");
    CHECK_STR (itest_str (json_array_get (events, 1), "status"), "cancelled");
    CHECK_STR (itest_str (json_array_get (events, 1), "correlation_id"), "itest");
    json_decref (r);
    //  one release for one cancellation, and the on-hand count untouched
    CHECK_EQ_INT (itest_count_events (clients.inventory, "inventory.reservation.released"), 1);
}

//  Events produced while the consumer is down are applied when it starts.
static void
test_late_consumer (void)
{
    enum { N = 50 };
    char ids[N][40];
    s_stock ("LATE", N);
    s_place ("LATE", N, ids);
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    CHECK_EQ_INT (s_burst ("orders.cancel", N, "{\"order_id\":\"%s\"}", NULL, ids), N);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    s_clients ();
    CHECK (itest_wait_reserved (clients.inventory, "LATE", 0, 10000));
}

//  Thousands of cancellations flow while the consumer is killed with
//  SIGKILL and restarted: every reservation is released, each exactly once.
static void
test_consumer_killed (void)
{
    enum { N = 2000 };
    static char ids[N][40];
    s_stock ("KILL", N);
    s_place ("KILL", N, ids);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "KILL"), N);
    int before = itest_count_events (clients.inventory, "inventory.reservation.released");
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new (mesh.orders_rpc, 30000, &client), 0);
    int ok = 0;
    int64_t until = clock_mono_ms () + 120000;
    for (int i = 0; i < N; i++) {
        s_drain (client, 100, until);
        char body[128];
        snprintf (body, sizeof body, "{\"order_id\":\"%s\"}", ids[i]);
        CHECK_EQ_INT (mpjson_send (client, "orders.cancel", "kill", body, 60000, s_answer, &ok), 0);
        if (i == N / 4)
            harness_mesh_kill_one (&mesh, MESH_INVENTORY);
    }
    s_drain (client, 0, until);
    rpc_client_destroy (&client);
    CHECK_EQ_INT (ok, N);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    s_clients ();
    CHECK (itest_wait_reserved (clients.inventory, "KILL", 0, 20000));
    CHECK_EQ_INT (itest_count_events (clients.inventory, "inventory.reservation.released") - before, N);
    json_t *status = s_consumer_status ();
    CHECK_EQ_INT (itest_int (status, "lag"), 0);
    json_decref (status);
}

static int64_t
s_orders_log (const char *key)
{
    json_t *health = itest_call (clients.orders, "sys.health", true, "{}");
    int64_t value = itest_int (json_object_get (health, "events"), key);
    json_decref (health);
    return value;
}

//  SIGKILL right after the commit that holds an event, before the relay
//  sends it: after the restart the relay publishes it, and the consumer
//  applies it.
static void
test_producer_crash (void)
{
    s_stock ("CRASH", 5);
    char ids[1][40];
    s_place ("CRASH", 1, ids);
    harness_mesh_kill_one (&mesh, MESH_ORDERS);
    setenv ("RETAILMESH_CRASH_POINT", "after-commit", 1);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_ORDERS), 0);
    unsetenv ("RETAILMESH_CRASH_POINT");
    s_clients ();
    int64_t last_before = s_orders_log ("last_seq");
    bool ok = true;
    json_t *reply = NULL;
    char body[128];
    snprintf (body, sizeof body, "{\"order_id\":\"%s\"}", ids[0]);
    CHECK (mpjson_call (clients.orders, "orders.cancel", "crash", NULL, body, 1500, &ok, &reply) == RM_ETIMEOUT);
    json_decref (reply);
    int status = 0;
    for (int i = 0; i < 50 && harness_alive (&mesh.procs[MESH_IX_ORDERS], &status); i++)
        usleep (100000);
    CHECK (!harness_alive (&mesh.procs[MESH_IX_ORDERS], &status));
    harness_mesh_forget_one (&mesh, MESH_ORDERS);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_ORDERS), 0);
    s_clients ();
    //  the cancellation committed before the crash: it is in the log...
    CHECK_EQ_INT (s_orders_log ("last_seq"), last_before + 1);
    json_t *r = itest_callf (clients.orders, "orders.get", true, "{\"order_id\":\"%s\"}", ids[0]);
    CHECK_STR (itest_str (r, "status"), "cancelled");
    json_decref (r);
    //  ...the relay sent it after the restart...
    int64_t published = 0;
    for (int i = 0; i < 50 && (published = s_orders_log ("published")) <= last_before; i++)
        usleep (100000);
    CHECK (published >= last_before + 1);
    //  ...and the consumer applied it
    CHECK (itest_wait_reserved (clients.inventory, "CRASH", 0, 5000));
}

//  A subscription that holds one message at a time, and a consumer told
//  to drop every 7th live event and deliver every 5th twice: replay fills
//  the gaps, and effects are still exactly once and in order.
static void
test_lossy_subscription (void)
{
    enum { N = 1000 };
    static char ids[N][40];
    static const char *const hwm[] = {"--sub-hwm", "1", NULL};
    s_stock ("LOSSY", N);
    s_place ("LOSSY", N, ids);
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    mesh.extra_args[MESH_IX_INVENTORY] = hwm;
    setenv ("RETAILMESH_CHAOS_EVENTS", "drop=7,dup=5", 1);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    unsetenv ("RETAILMESH_CHAOS_EVENTS");
    s_clients ();
    //  wait until the fresh consumer has caught up, so the burst goes live
    for (int i = 0; i < 100; i++) {
        json_t *status = s_consumer_status ();
        bool idle = itest_int (status, "lag") == 0 && itest_int (status, "replays") > 0;
        json_decref (status);
        if (idle)
            break;
        usleep (50000);
    }
    int before = itest_count_events (clients.inventory, "inventory.reservation.released");
    CHECK_EQ_INT (s_burst ("orders.cancel", N, "{\"order_id\":\"%s\"}", NULL, ids), N);
    CHECK (itest_wait_reserved (clients.inventory, "LOSSY", 0, 20000));
    CHECK_EQ_INT (itest_count_events (clients.inventory, "inventory.reservation.released") - before, N);
    json_t *status = s_consumer_status ();
    CHECK (itest_int (status, "gaps") > 0);
    CHECK (itest_int (status, "duplicates") > 0);
    fprintf (stderr, "  lossy: %lld gaps, %lld replays, %lld duplicates\n", (long long) itest_int (status, "gaps"),
             (long long) itest_int (status, "replays"), (long long) itest_int (status, "duplicates"));
    json_decref (status);
    mesh.extra_args[MESH_IX_INVENTORY] = NULL;
}

//  A handler that always fails: the event goes to the dead-letter store
//  after its retries, later events still apply, and dlq.retry applies it
//  once the cause is gone.
static void
test_dead_letters (void)
{
    s_stock ("DLQ", 10);
    char ids[2][40];
    s_place ("DLQ", 2, ids);
    static const char *const fast[] = {"--consumer-max-attempts", "3", "--consumer-backoff-ms", "20", NULL};
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    mesh.extra_args[MESH_IX_INVENTORY] = fast;
    setenv ("RETAILMESH_FAIL_EVENTS", "orders.order.cancelled", 1);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    unsetenv ("RETAILMESH_FAIL_EVENTS");
    s_clients ();
    json_t *r = itest_callf (clients.orders, "orders.cancel", true, "{\"order_id\":\"%s\"}", ids[0]);
    json_decref (r);
    json_t *entries = NULL;
    for (int i = 0; i < 100; i++) {
        json_decref (entries);
        json_t *list = itest_call (clients.inventory, "dlq.list", true, "{\"source\":\"orders\"}");
        entries = json_incref (json_object_get (list, "entries"));
        json_decref (list);
        if (json_array_size (entries) == 1)
            break;
        usleep (50000);
    }
    CHECK_EQ_INT (json_array_size (entries), 1);
    json_t *entry = json_array_get (entries, 0);
    CHECK_STR (itest_str (entry, "type"), "orders.order.cancelled");
    CHECK_EQ_INT (itest_int (entry, "attempts"), 3);
    int64_t seq = itest_int (entry, "seq");
    json_decref (entries);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "DLQ"), 2);
    //  a later event still applies: a stock feed after the dead letter
    json_t *shown = itest_callf (clients.inventory, "dlq.show", true, "{\"source\":\"orders\",\"seq\":%lld}", (long long) seq);
    CHECK_STR (itest_str (json_object_get (json_object_get (shown, "event"), "body"), "order_id"), ids[0]);
    json_decref (shown);
    json_t *still = itest_callf (clients.inventory, "dlq.retry", false, "{\"source\":\"orders\",\"seq\":%lld}", (long long) seq);
    json_decref (still);
    //  the cause is fixed: inventory restarts without the fault
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_INVENTORY), 0);
    mesh.extra_args[MESH_IX_INVENTORY] = NULL;
    s_clients ();
    json_t *done = itest_callf (clients.inventory, "dlq.retry", true, "{\"source\":\"orders\",\"seq\":%lld}", (long long) seq);
    CHECK (json_is_true (json_object_get (done, "applied")));
    json_decref (done);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "DLQ"), 1);
    json_t *list = itest_call (clients.inventory, "dlq.list", true, "{}");
    CHECK_EQ_INT (json_array_size (json_object_get (list, "entries")), 0);
    json_decref (list);
    json_t *again = itest_callf (clients.inventory, "dlq.retry", false, "{\"source\":\"orders\",\"seq\":%lld}", (long long) seq);
    CHECK_STR (itest_str (again, "code"), "not_found");
    json_decref (again);
    //  events after the dead letter apply normally
    json_decref (itest_callf (clients.orders, "orders.cancel", true, "{\"order_id\":\"%s\"}", ids[1]));
    CHECK (itest_wait_reserved (clients.inventory, "DLQ", 0, 5000));
}

//  A consumer that fell behind the source's retention says so (log and
//  health) instead of skipping events silently; consumer.replay lets an
//  operator move it on.
static void
test_behind_retention (void)
{
    enum { N = 12 };
    char ids[N][40];
    s_stock ("RET", N);
    s_place ("RET", N, ids);
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    CHECK_EQ_INT (s_burst ("orders.cancel", N, "{\"order_id\":\"%s\"}", NULL, ids), N);
    static const char *const keep_five[] = {"--event-retention-count", "5", NULL};
    mesh.extra_args[MESH_IX_ORDERS] = keep_five;
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_ORDERS), 0);
    mesh.extra_args[MESH_IX_ORDERS] = NULL;
    s_clients ();
    int64_t first = 0;
    for (int i = 0; i < 50 && (first = s_orders_log ("first_seq")) <= 1; i++)
        usleep (100000);
    CHECK (first > 1);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    s_clients ();
    json_t *status = NULL;
    for (int i = 0; i < 50; i++) {
        json_decref (status);
        status = s_consumer_status ();
        if (json_is_true (json_object_get (status, "stalled")))
            break;
        usleep (100000);
    }
    CHECK (json_is_true (json_object_get (status, "stalled")));
    CHECK (strstr (itest_str (status, "stalled_reason"), "retention") != NULL);
    json_decref (status);
    //  the operator accepts the loss and moves the consumer to what is kept
    json_t *r = itest_callf (clients.inventory, "consumer.replay", true, "{\"source\":\"orders\",\"from\":%lld}",
                             (long long) first);
    CHECK_EQ_INT (itest_int (r, "position"), first - 1);
    json_decref (r);
    //  lag alone can read 0 before the first heartbeat tells the consumer
    //  how far the source goes, so wait for the position itself
    for (int i = 0; i < 100; i++) {
        status = s_consumer_status ();
        bool caught_up = !json_is_true (json_object_get (status, "stalled")) && itest_int (status, "lag") == 0
                         && itest_int (status, "position") == s_orders_log ("last_seq");
        json_decref (status);
        if (caught_up)
            break;
        usleep (100000);
    }
    status = s_consumer_status ();
    CHECK (!json_is_true (json_object_get (status, "stalled")));
    CHECK_EQ_INT (itest_int (status, "position"), s_orders_log ("last_seq"));
    json_decref (status);
}

int
main (void)
{
    if (harness_mesh_start (&mesh, MESH_PRICING | MESH_INVENTORY | MESH_ORDERS | MESH_FULFILLMENT) != 0) {
        CHECK (!"mesh started");
        harness_mesh_destroy (&mesh);
        return harness_report ("test_events");
    }
    s_clients ();
    test_cancel ();
    test_late_consumer ();
    test_consumer_killed ();
    if (harness_failpoints ("test_producer_crash"))
        test_producer_crash ();
    if (harness_failpoints ("test_lossy_subscription"))
        test_lossy_subscription ();
    if (harness_failpoints ("test_dead_letters"))
        test_dead_letters ();
    test_behind_retention ();
    itest_clients_close (&clients);
    harness_mesh_destroy (&mesh);
    return harness_report ("test_events");
}
