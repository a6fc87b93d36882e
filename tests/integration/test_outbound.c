//  Integration: orders' outbound queue through real processes. A rejected
//  order's release goes out after the commit; while inventory is down it
//  is retried, survives a restart of orders and is delivered once
//  inventory is back; with a small attempt bound it becomes a dead letter
//  that dlq.list/show show under queue "outbound" and dlq.retry re-drives
//  once inventory answers again. sys.health reports the queue throughout.
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "itest.h"
#include <string.h>
#include <unistd.h>

static harness_mesh_t mesh;
static itest_clients_t clients;

static const char *const s_patient[] = {"--call-timeout", "1000", "--outbound-backoff-ms", "50",
                                        "--outbound-backoff-max-ms", "200", NULL};
static const char *const s_bounded[] = {"--call-timeout", "1000", "--outbound-backoff-ms", "50",
                                        "--outbound-backoff-max-ms", "100", "--outbound-max-attempts", "2", NULL};

static void
s_connect (void)
{
    itest_clients_connect (&clients, &mesh);
}

//  orders' sys.health outbound.<key>.
static int64_t
s_outbound (const char *key)
{
    json_t *health = itest_call (clients.orders, "sys.health", true, "{}");
    int64_t value = itest_int (json_object_get (health, "outbound"), key);
    json_decref (health);
    return value;
}

//  Polls orders' health until outbound.<key> == expected (or, when
//  at_least, >= expected), at most timeout_ms.
static bool
s_wait_outbound (const char *key, int64_t expected, bool at_least, int timeout_ms)
{
    int64_t until = clock_mono_ms () + timeout_ms;
    while (clock_mono_ms () < until) {
        int64_t value = s_outbound (key);
        if (value == expected || (at_least && value > expected))
            return true;
        usleep (50000);
    }
    fprintf (stderr, "outbound.%s never became %lld (is %lld)\n", key, (long long) expected,
             (long long) s_outbound (key));
    return false;
}

//  Submits an order whose quoted price is wrong: pricing refuses it, so
//  whatever inventory held (or might have held) must be given back.
static void
s_submit_mismatch (const char *external_id)
{
    json_t *reply = itest_callf (clients.orders, "orders.submit", false,
                                 "{\"external_id\":\"%s\",\"account_id\":\"A1\",\"currency\":\"USD\","
                                 "\"lines\":[{\"sku\":\"OUTQ\",\"quantity\":2,\"unit_price\":1}]}",
                                 external_id);
    CHECK_STR (itest_str (reply, "code"), "price_mismatch");
    json_decref (reply);
}

static void
test_release_after_commit (void)
{
    s_submit_mismatch ("OQ-1");
    //  answered after the release: nothing is held
    CHECK_EQ_INT (itest_reserved (clients.inventory, "OUTQ"), 0);
    CHECK_EQ_INT (s_outbound ("depth"), 0);
    CHECK (s_outbound ("sent") >= 1);
    CHECK_EQ_INT (itest_count_events (clients.inventory, "inventory.reservation.released"), 1);
}

//  The release cannot be delivered while inventory is down; it is kept
//  across a restart of orders and delivered when inventory returns.
static void
test_retry_and_restart (void)
{
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    s_submit_mismatch ("OQ-2");
    CHECK_EQ_INT (s_outbound ("depth"), 1);
    CHECK (s_wait_outbound ("failed_attempts", 3, true, 10000));
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_ORDERS), 0);
    s_connect ();
    CHECK_EQ_INT (s_outbound ("depth"), 1);
    CHECK_EQ_INT (s_outbound ("dead_letters"), 0);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    s_connect ();
    CHECK (s_wait_outbound ("depth", 0, false, 10000));
    CHECK (s_outbound ("sent") >= 1);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "OUTQ"), 0);
}

//  The entries of orders' outbound dead letters.
static json_t *
s_dead_letters (void)
{
    json_t *list = itest_call (clients.orders, "dlq.list", true, "{\"queue\":\"outbound\"}");
    json_t *entries = json_incref (json_object_get (list, "entries"));
    json_decref (list);
    return entries ? entries : json_array ();
}

static void
test_dead_letter_redrive (void)
{
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_ORDERS), 0);
    mesh.extra_args[MESH_IX_ORDERS] = s_bounded;
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_ORDERS), 0);
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    s_connect ();
    s_submit_mismatch ("OQ-3");
    CHECK (s_wait_outbound ("dead_letters", 1, false, 10000));
    CHECK_EQ_INT (s_outbound ("depth"), 0);

    json_t *entries = s_dead_letters ();
    CHECK_EQ_INT (json_array_size (entries), 1);
    json_t *entry = json_array_get (entries, 0);
    CHECK_STR (itest_str (entry, "queue"), "outbound");
    CHECK_STR (itest_str (entry, "source"), "inventory");
    CHECK_STR (itest_str (entry, "type"), "inventory.release");
    CHECK_EQ_INT (itest_int (entry, "attempts"), 2);
    int64_t seq = itest_int (entry, "seq");
    json_decref (entries);

    //  the same entry in the unfiltered list; the events queue has none
    json_t *all = itest_call (clients.orders, "dlq.list", true, "{}");
    CHECK_EQ_INT (json_array_size (json_object_get (all, "entries")), 1);
    json_decref (all);
    json_t *events = itest_call (clients.orders, "dlq.list", true, "{\"queue\":\"events\"}");
    CHECK_EQ_INT (json_array_size (json_object_get (events, "entries")), 0);
    json_decref (events);
    json_t *bad = itest_call (clients.orders, "dlq.list", false, "{\"queue\":\"mail\"}");
    CHECK_STR (itest_str (bad, "field"), "/queue");
    json_decref (bad);

    json_t *shown = itest_callf (clients.orders, "dlq.show", true,
                                 "{\"queue\":\"outbound\",\"source\":\"inventory\",\"seq\":%lld}", (long long) seq);
    json_t *action = json_object_get (shown, "event");
    CHECK_STR (itest_str (action, "op"), "inventory.release");
    CHECK_STR (itest_str (action, "cid"), "itest");
    CHECK (itest_str (json_object_get (action, "body"), "order_id") != NULL);
    json_decref (shown);
    json_t *wrong = itest_callf (clients.orders, "dlq.show", false,
                                 "{\"queue\":\"outbound\",\"source\":\"pricing\",\"seq\":%lld}", (long long) seq);
    CHECK_STR (itest_str (wrong, "code"), "not_found");
    json_decref (wrong);

    //  re-driven while inventory is still down: it fails and stays
    json_t *still = itest_callf (clients.orders, "dlq.retry", false,
                                 "{\"queue\":\"outbound\",\"source\":\"inventory\",\"seq\":%lld}", (long long) seq);
    CHECK (itest_str (still, "message") && strstr (itest_str (still, "message"), "still fails"));
    json_decref (still);
    entries = s_dead_letters ();
    CHECK_EQ_INT (json_array_size (entries), 1);
    json_decref (entries);

    //  fixed: re-driven, delivered, removed
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    s_connect ();
    json_t *done = itest_callf (clients.orders, "dlq.retry", true,
                                "{\"queue\":\"outbound\",\"source\":\"inventory\",\"seq\":%lld}", (long long) seq);
    CHECK (json_is_true (json_object_get (done, "applied")));
    json_decref (done);
    entries = s_dead_letters ();
    CHECK_EQ_INT (json_array_size (entries), 0);
    json_decref (entries);
    CHECK_EQ_INT (s_outbound ("dead_letters"), 0);
    json_t *gone = itest_callf (clients.orders, "dlq.drop", false,
                                "{\"queue\":\"outbound\",\"source\":\"inventory\",\"seq\":%lld}", (long long) seq);
    CHECK_STR (itest_str (gone, "code"), "not_found");
    json_decref (gone);
}

int
main (int argc, char **argv)
{
    (void) argc;
    mesh.nosync = true;
    mesh.extra_args[MESH_IX_ORDERS] = s_patient;
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_PRICING | MESH_INVENTORY | MESH_ORDERS), 0);
    s_connect ();
    json_decref (itest_call (clients.pricing, "pricing.set", true,
                             "{\"currency\":\"USD\",\"sku\":\"OUTQ\",\"unit_price\":500}"));
    json_decref (itest_call (clients.inventory, "inventory.set_stock", true,
                             "{\"location\":\"WH-EAST\",\"sku\":\"OUTQ\",\"on_hand\":10}"));
    test_release_after_commit ();
    test_retry_and_restart ();
    test_dead_letter_redrive ();
    itest_clients_close (&clients);
    CHECK_EQ_INT (harness_mesh_stop (&mesh), 0);
    harness_mesh_destroy (&mesh);
    return harness_report (argv[0]);
}
