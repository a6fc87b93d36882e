//  Integration: pricing, inventory and orders as real processes on
//  loopback, driven over ZeroMQ. Covers acceptance, idempotency, what of
//  an order may be returned, every rejection leaving nothing reserved, a
//  peer that is down, and restarts.
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "itest.h"
#include <string.h>
#include <unistd.h>

static harness_mesh_t mesh;
static rpc_client_t *pricing, *inventory, *orders;

static int64_t
s_reserved (const char *sku)
{
    return itest_reserved (inventory, sku);
}

static void
s_seed (void)
{
    json_decref (itest_call (pricing, "pricing.set", true, "{\"currency\":\"USD\",\"sku\":\"TEE\",\"unit_price\":1999}"));
    json_decref (itest_call (pricing, "pricing.set", true, "{\"currency\":\"USD\",\"sku\":\"MUG\",\"unit_price\":850}"));
    json_decref (itest_call (pricing, "pricing.set", true, "{\"currency\":\"EUR\",\"sku\":\"TEE\",\"unit_price\":1850}"));
    json_decref (itest_call (inventory, "inventory.set_stock", true, "{\"location\":\"WH-EAST\",\"sku\":\"TEE\",\"on_hand\":10}"));
    json_decref (itest_call (inventory, "inventory.set_stock", true, "{\"location\":\"WH-WEST\",\"sku\":\"TEE\",\"on_hand\":5}"));
    json_decref (itest_call (inventory, "inventory.set_stock", true, "{\"location\":\"WH-EAST\",\"sku\":\"MUG\",\"on_hand\":3}"));
}

static void
test_accept_and_repeat (void)
{
    const char *order = "{\"external_id\":\"SF-1\",\"account_id\":\"001A\",\"currency\":\"USD\","
                        "\"lines\":[{\"sku\":\"TEE\",\"quantity\":12,\"unit_price\":1999},"
                        "{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":850}]}";
    json_t *first = itest_call (orders, "orders.submit", true, order);
    CHECK_STR (itest_str (first, "status"), "accepted");
    CHECK_EQ_INT (itest_int (first, "total"), 12 * 1999 + 850);
    CHECK (json_is_true (json_object_get (first, "created")));
    CHECK_STR (itest_str (first, "channel"), "salesforce");
    //  12 TEE: 10 from WH-EAST (most available) and 2 from WH-WEST
    json_t *res = json_object_get (json_array_get (json_object_get (first, "lines"), 0), "reservations");
    CHECK_EQ_INT (json_array_size (res), 2);
    CHECK_STR (itest_str (json_array_get (res, 0), "location"), "WH-EAST");
    CHECK_EQ_INT (itest_int (json_array_get (res, 0), "quantity"), 10);
    CHECK_EQ_INT (itest_int (json_array_get (res, 1), "quantity"), 2);
    CHECK_EQ_INT (s_reserved ("TEE"), 12);
    CHECK_EQ_INT (s_reserved ("MUG"), 1);

    json_t *again = itest_call (orders, "orders.submit", true, order);
    CHECK_STR (itest_str (again, "order_id"), itest_str (first, "order_id"));
    CHECK (json_is_false (json_object_get (again, "created")));
    CHECK_EQ_INT (s_reserved ("TEE"), 12);

    char body[128];
    snprintf (body, sizeof body, "{\"order_id\":\"%s\"}", itest_str (first, "order_id"));
    json_t *got = itest_call (orders, "orders.get", true, body);
    CHECK_EQ_INT (itest_int (got, "total"), itest_int (first, "total"));
    CHECK (json_object_get (got, "idempotency_key") == NULL);
    json_t *found = itest_call (orders, "orders.find", true, "{\"channel\":\"salesforce\",\"external_id\":\"SF-1\"}");
    CHECK_STR (itest_str (found, "order_id"), itest_str (first, "order_id"));
    json_t *missing = itest_call (orders, "orders.find", false, "{\"channel\":\"salesforce\",\"external_id\":\"nope\"}");
    CHECK_STR (itest_str (missing, "code"), "not_found");
    json_decref (first);
    json_decref (again);
    json_decref (got);
    json_decref (found);
    json_decref (missing);
}

//  What of SF-1 may come back (nothing shipped yet), found either way,
//  and its credit memos (none); what returns may ask wrongly
static void
test_returnable (void)
{
    json_t *found = itest_call (orders, "orders.returnable", true,
                                "{\"channel\":\"SalesForce\",\"external_id\":\"SF-1\"}");
    CHECK_STR (itest_str (found, "external_id"), "SF-1");
    CHECK_STR (itest_str (found, "currency"), "USD");
    json_t *line = json_array_get (json_object_get (found, "lines"), 0);
    CHECK_STR (itest_str (line, "sku"), "TEE");
    CHECK_EQ_INT (itest_int (line, "quantity"), 12);
    CHECK_EQ_INT (itest_int (line, "unit_price"), 1999);
    CHECK_EQ_INT (itest_int (line, "shipped"), 0);
    CHECK_EQ_INT (itest_int (line, "returned"), 0);
    CHECK (json_object_get (line, "shipped_at") == NULL);
    char body[128];
    snprintf (body, sizeof body, "{\"order_id\":\"%s\"}", itest_str (found, "order_id"));
    json_t *by_id = itest_call (orders, "orders.returnable", true, body);
    CHECK_STR (itest_str (by_id, "channel"), "salesforce");
    CHECK_EQ_INT (json_array_size (json_object_get (by_id, "lines")), 2);
    json_t *memos = itest_call (orders, "orders.credit_memos", true, body);
    CHECK_EQ_INT (json_array_size (json_object_get (memos, "items")), 0);
    json_t *neither = itest_call (orders, "orders.returnable", false, "{\"channel\":\"salesforce\"}");
    CHECK_STR (itest_str (neither, "code"), "invalid");
    CHECK_STR (itest_str (neither, "field"), "/external_id");
    json_t *none = itest_call (orders, "orders.returnable", false, "{}");
    CHECK_STR (itest_str (none, "field"), "/order_id");
    json_t *unknown = itest_call (orders, "orders.returnable", false,
                                  "{\"order_id\":\"01890a5d-ac96-774b-bcce-b302099a8057\"}");
    CHECK_STR (itest_str (unknown, "code"), "not_found");
    json_t *no_memos = itest_call (orders, "orders.credit_memos", false,
                                   "{\"order_id\":\"01890a5d-ac96-774b-bcce-b302099a8057\"}");
    CHECK_STR (itest_str (no_memos, "code"), "not_found");
    json_decref (found);
    json_decref (by_id);
    json_decref (memos);
    json_decref (neither);
    json_decref (none);
    json_decref (unknown);
    json_decref (no_memos);
}

static void
test_idempotency_key (void)
{
    const char *a = "{\"external_id\":\"SF-2\",\"account_id\":\"001A\",\"currency\":\"USD\","
                    "\"lines\":[{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":850}]}";
    const char *b = "{\"external_id\":\"SF-3\",\"account_id\":\"001A\",\"currency\":\"USD\","
                    "\"lines\":[{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":850}]}";
    bool ok = false;
    json_t *first = NULL, *second = NULL, *conflict = NULL;
    CHECK_EQ_INT (mpjson_call (orders, "orders.submit", "k1", "KEY-1", a, 5000, &ok, &first), 0);
    CHECK (ok);
    CHECK_EQ_INT (mpjson_call (orders, "orders.submit", "k2", "KEY-1", a, 5000, &ok, &second), 0);
    CHECK (ok);
    CHECK_STR (itest_str (second, "order_id"), itest_str (first, "order_id"));
    CHECK_EQ_INT (mpjson_call (orders, "orders.submit", "k3", "KEY-1", b, 5000, &ok, &conflict), 0);
    CHECK (!ok);
    CHECK_STR (itest_str (conflict, "code"), "conflict");
    CHECK_EQ_INT (s_reserved ("MUG"), 2);
    json_decref (first);
    json_decref (second);
    json_decref (conflict);
}

static void
test_rejections_reserve_nothing (void)
{
    int64_t tee = s_reserved ("TEE"), mug = s_reserved ("MUG");
    json_t *r = itest_call (orders, "orders.submit", false,
                        "{\"external_id\":\"SF-P\",\"account_id\":\"A\",\"currency\":\"USD\",\"lines\":["
                        "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1999},{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":800}]}");
    CHECK_STR (itest_str (r, "code"), "price_mismatch");
    json_t *detail = json_array_get (json_object_get (r, "details"), 0);
    CHECK_EQ_INT (json_array_size (json_object_get (r, "details")), 1);
    CHECK_EQ_INT (itest_int (detail, "line"), 1);
    CHECK_EQ_INT (itest_int (detail, "expected"), 850);
    CHECK_EQ_INT (itest_int (detail, "quoted"), 800);
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
    CHECK_EQ_INT (s_reserved ("MUG"), mug);
    json_decref (r);

    r = itest_call (orders, "orders.submit", false,
                "{\"external_id\":\"SF-S\",\"account_id\":\"A\",\"currency\":\"USD\",\"lines\":["
                "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1999},{\"sku\":\"MUG\",\"quantity\":5,\"unit_price\":850}]}");
    CHECK_STR (itest_str (r, "code"), "insufficient_stock");
    detail = json_array_get (json_object_get (r, "details"), 0);
    CHECK_EQ_INT (json_array_size (json_object_get (r, "details")), 1);
    CHECK_EQ_INT (itest_int (detail, "line"), 1);
    CHECK_EQ_INT (itest_int (detail, "available"), 3 - mug);
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
    json_decref (r);

    //  refused with the field named, and nothing held
    static const struct {
        const char *lines, *currency, *code, *field;
    } refusals[] = {
        {"{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1999},{\"sku\":\"NOPE\",\"quantity\":1,\"unit_price\":1}",
         "USD", "not_found", "/lines/1/sku"},
        {"{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1999}", "JPY", "not_found", "/currency"},
        {"{\"sku\":\"TEE\",\"quantity\":\"1\",\"unit_price\":1999}", "USD", "invalid", "/lines/0/quantity"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        r = itest_callf (orders, "orders.submit", false,
                         "{\"external_id\":\"SF-R%zu\",\"account_id\":\"A\",\"currency\":\"%s\",\"lines\":[%s]}", i,
                         refusals[i].currency, refusals[i].lines);
        CHECK_STR (itest_str (r, "code"), refusals[i].code);
        CHECK_STR (itest_str (r, "field"), refusals[i].field);
        CHECK_EQ_INT (s_reserved ("TEE"), tee);
        json_decref (r);
    }

    //  a rejected external_id may be submitted again once corrected
    r = itest_call (orders, "orders.submit", true,
                "{\"external_id\":\"SF-P\",\"account_id\":\"A\",\"currency\":\"USD\",\"lines\":["
                "{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":850}]}");
    CHECK_STR (itest_str (r, "status"), "accepted");
    CHECK_EQ_INT (s_reserved ("MUG"), mug + 1);
    json_decref (r);
}

static void
test_inventory_down (void)
{
    int64_t tee = s_reserved ("TEE");
    harness_mesh_kill_one (&mesh, MESH_INVENTORY);
    int64_t started = clock_mono_ms ();
    json_t *r = itest_call (orders, "orders.submit", false,
                        "{\"external_id\":\"SF-D\",\"account_id\":\"A\",\"currency\":\"USD\",\"lines\":["
                        "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1999}]}");
    int64_t took = clock_mono_ms () - started;
    CHECK (strcmp (itest_str (r, "code"), "timeout") == 0 || strcmp (itest_str (r, "code"), "unavailable") == 0);
    //  orders runs with --call-timeout 1000: the answer comes within about two of them
    if (took >= 4000)
        fprintf (stderr, "  inventory down: answered after %lld ms\n", (long long) took);
    CHECK (took < 4000);
    json_decref (r);
    r = itest_call (orders, "orders.find", false, "{\"channel\":\"salesforce\",\"external_id\":\"SF-D\"}");
    CHECK_STR (itest_str (r, "code"), "not_found");
    json_decref (r);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
}

static void
s_count_answer (void *arg, int err, const envelope_t *reply)
{
    //  only an acceptance promises the order survives; under load some
    //  submissions are refused (a peer's deadline passed) and hold nothing
    if (err == 0 && reply->ok)
        (*(int *) arg)++;
}

//  Orders killed with submissions in flight: after restart every unit
//  reserved belongs to an accepted order, and every accepted order holds
//  its units.
static void
test_orders_crash (void)
{
    json_decref (itest_call (inventory, "inventory.set_stock", true, "{\"location\":\"WH-EAST\",\"sku\":\"CAP\",\"on_hand\":1000}"));
    json_decref (itest_call (pricing, "pricing.set", true, "{\"currency\":\"USD\",\"sku\":\"CAP\",\"unit_price\":500}"));
    enum { N = 400, FIRST = 100 };
    rpc_client_t *burst = NULL;
    CHECK_EQ_INT (rpc_client_new (mesh.orders_rpc, 60000, &burst), 0);
    int answered = 0;
    for (int i = 0; i < N; i++) {
        char text[256];
        snprintf (text, sizeof text,
                  "{\"external_id\":\"CRASH-%d\",\"account_id\":\"A\",\"currency\":\"USD\",\"lines\":"
                  "[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}", i);
        CHECK_EQ_INT (mpjson_send (burst, "orders.submit", "crash", text, 60000, s_count_answer, &answered), 0);
        //  after the first batch is partly answered, send the rest and kill at once
        for (int64_t until = clock_mono_ms () + 20000;
             i == FIRST - 1 && answered < FIRST / 2 && clock_mono_ms () < until;) {
            zmq_pollitem_t item = {zsock_resolve (rpc_client_socket (burst)), 0, ZMQ_POLLIN, 0};
            zmq_poll (&item, 1, 100);
            rpc_client_handle (burst);
        }
    }
    CHECK (answered >= FIRST / 2);
    harness_mesh_kill_one (&mesh, MESH_ORDERS);
    rpc_client_destroy (&burst);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_ORDERS), 0);
    rpc_client_destroy (&orders);
    CHECK_EQ_INT (rpc_client_new (mesh.orders_rpc, 1000, &orders), 0);
    //  start-up queues the releases; give them a bounded time to land
    int accepted = 0;
    int64_t reserved = -1;
    for (int attempt = 0; attempt < 50; attempt++) {
        accepted = 0;
        for (int i = 0; i < N; i++) {
            char body[128];
            snprintf (body, sizeof body, "{\"channel\":\"salesforce\",\"external_id\":\"CRASH-%d\"}", i);
            bool ok = false;
            json_t *reply = NULL;
            if (mpjson_call (orders, "orders.find", "crash", NULL, body, 5000, &ok, &reply) == 0 && ok)
                accepted += strcmp (itest_str (reply, "status"), "accepted") == 0;
            json_decref (reply);
        }
        reserved = s_reserved ("CAP");
        if (reserved == accepted)
            break;
        usleep (200000);
    }
    fprintf (stderr, "  crash: %d of %d orders accepted before the kill, %lld units reserved\n", accepted, N,
             (long long) reserved);
    CHECK_EQ_INT (reserved, accepted);
    CHECK (accepted >= answered);
}

static void
test_restarts_keep_data (void)
{
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_PRICING), 0);
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_INVENTORY), 0);
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_ORDERS), 0);
    rpc_client_destroy (&orders);
    CHECK_EQ_INT (rpc_client_new (mesh.orders_rpc, 1000, &orders), 0);
    json_t *q = itest_call (pricing, "pricing.quote", true, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"TEE\",\"quantity\":2}]}");
    CHECK_EQ_INT (itest_int (q, "total"), 3700);
    json_decref (q);
    CHECK (s_reserved ("TEE") >= 12);
    json_t *found = itest_call (orders, "orders.find", true, "{\"channel\":\"salesforce\",\"external_id\":\"SF-1\"}");
    CHECK_STR (itest_str (found, "status"), "accepted");
    json_decref (found);
}

int
main (void)
{
    static const char *const orders_args[] = {"--call-timeout", "1000", NULL};
    mesh.extra_args[MESH_IX_ORDERS] = orders_args;
    if (harness_mesh_start (&mesh, MESH_PRICING | MESH_INVENTORY | MESH_ORDERS) != 0) {
        CHECK (!"mesh started");
        harness_mesh_destroy (&mesh);
        return harness_report ("test_orders_flow");
    }
    //  short attempts so a restarted peer is reached again quickly
    CHECK_EQ_INT (rpc_client_new (mesh.pricing_rpc, 1000, &pricing), 0);
    CHECK_EQ_INT (rpc_client_new (mesh.inventory_rpc, 1000, &inventory), 0);
    CHECK_EQ_INT (rpc_client_new (mesh.orders_rpc, 1000, &orders), 0);
    s_seed ();
    test_accept_and_repeat ();
    test_returnable ();
    test_idempotency_key ();
    test_rejections_reserve_nothing ();
    test_inventory_down ();
    test_orders_crash ();
    test_restarts_keep_data ();
    rpc_client_destroy (&pricing);
    rpc_client_destroy (&inventory);
    rpc_client_destroy (&orders);
    CHECK_EQ_INT (harness_mesh_stop (&mesh), 0);
    harness_mesh_destroy (&mesh);
    return harness_report ("test_orders_flow");
}
