//  End to end through the gateway: a return's refund survives crashes.
//  returns SIGKILLed after a receipt is answered and before its refund
//  (orders down meanwhile, so no credit memo can have been made), and
//  returns exiting at a crash point right after committing a receipt,
//  before publishing its event; orders exiting at a crash point while it
//  writes the credit memo, before committing it. After each restart the
//  receipt is applied once: one refund, one credit memo, gap-free numbers.
//  The crash points need a -DRETAILMESH_FAILPOINTS=ON build; without one
//  those parts are skipped.
#include "clock.h"
#include "rethttp.h"
#include <stdio.h>
#include <string.h>

static harness_mesh_t mesh;

#define ORDERS 3
static char s_orders[ORDERS][64];
static int s_memos;              //  credit memos made so far, over every order

static void
test_orders (void)
{
    http_put (&mesh, "/v1/locations/RC-WH", "{\"name\":\"Warehouse\",\"type\":\"warehouse\",\"priority\":1}");
    http_put (&mesh, "/v1/locations/RC-STORE", "{\"name\":\"Store\",\"type\":\"store\",\"priority\":9}");
    http_put (&mesh, "/v1/prices/EUR/RC-A", "{\"unit_price\":4200}");
    http_put (&mesh, "/v1/stock/RC-WH/RC-A", "{\"on_hand\":20}");
    for (int i = 0; i < ORDERS; i++) {
        char external_id[32];
        snprintf (external_id, sizeof external_id, "rc-%d", i);
        rethttp_order (&mesh, external_id, "web", "[{\"sku\":\"RC-A\",\"quantity\":2,\"unit_price\":4200}]", true,
                       clock_now_ms () - 60000, s_orders[i]);
    }
}

//  Authorizes the return of both units of order i; its return_id.
static void
s_authorize (int i, char return_id[64])
{
    char body[512];
    snprintf (body, sizeof body,
              "{\"order_id\":\"%s\",\"return_location\":\"RC-STORE\","
              "\"lines\":[{\"sku\":\"RC-A\",\"quantity\":2,\"reason\":\"wrong_item\"}]}",
              s_orders[i]);
    json_t *ret = NULL;
    CHECK_EQ_INT (rethttp_authorize (&mesh, NULL, body, &ret), 201);
    snprintf (return_id, 64, "%s", http_json_str (ret, "return_id"));
    json_decref (ret);
}

static void
s_receipt_body (char *buf, size_t size, int i)
{
    snprintf (buf, size,
              "{\"receipt_id\":\"rc-%d-r1\",\"location\":\"RC-STORE\","
              "\"lines\":[{\"sku\":\"RC-A\",\"quantity\":2,\"condition\":\"resellable\"}]}",
              i);
}

//  After the crashes: the return of order i closed with one refund, the
//  order with one credit memo, numbered next after the ones before.
static void
s_refunded_once (int i, const char *return_id)
{
    char number[32];
    snprintf (number, sizeof number, "CM-EUR-%06d", ++s_memos);
    json_t *items = ffhttp_order_items (&mesh, s_orders[i], "credit-memos", 1);
    CHECK_EQ_INT (json_array_size (items), 1);
    json_t *memo = json_array_get (items, 0);
    CHECK_STR (http_json_str (memo, "credit_memo_number"), number);
    CHECK_STR (http_json_str (memo, "return_id"), return_id);
    CHECK_EQ_INT (http_json_int (memo, "total"), 2 * 4200);
    json_t *ret = rethttp_wait_status (&mesh, return_id, "closed");
    json_t *receipts = json_object_get (ret, "receipts");
    CHECK_EQ_INT (json_array_size (receipts), 1);
    CHECK_STR (http_json_str (json_array_get (receipts, 0), "credit_memo_number"), number);
    CHECK_EQ_INT (http_json_int (ret, "refund_total"), 2 * 4200);
    json_decref (ret);
    //  settled: nothing more comes
    json_decref (items);
    items = ffhttp_order_items (&mesh, s_orders[i], "credit-memos", 1);
    CHECK_EQ_INT (json_array_size (items), 1);
    json_decref (items);
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s", s_orders[i]);
    json_t *order = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (order, "lines"), 0), "returned"), 2);
    json_decref (order);
}

static void
test_returns_killed_before_refund (void)
{
    char return_id[64], body[256];
    s_authorize (0, return_id);
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_ORDERS), 0);
    s_receipt_body (body, sizeof body, 0);
    json_t *ret = NULL;
    CHECK_EQ_INT (rethttp_receive (&mesh, return_id, body, &ret), 200);
    CHECK (json_is_true (json_object_get (ret, "applied")));
    json_decref (ret);
    harness_mesh_kill_one (&mesh, MESH_RETURNS);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_RETURNS), 0);
    //  the receipt was kept
    CHECK_EQ_INT (rethttp_receive (&mesh, return_id, body, &ret), 200);
    CHECK (json_is_false (json_object_get (ret, "applied")));
    CHECK_STR (http_json_str (ret, "status"), "received");
    json_decref (ret);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_ORDERS), 0);
    s_refunded_once (0, return_id);
    json_decref (rethttp_expect_stock_at (&mesh, "RC-A", "RC-STORE", 2, 0));
}

static void
test_returns_crash_after_receipt (void)
{
    if (!harness_failpoints ("returns exiting after committing a receipt"))
        return;
    //  passes the authorization's commit, exits after the receipt's
    if (!rethttp_crash_start (&mesh, MESH_IX_RETURNS, "after-commit", "1"))
        return;
    char return_id[64], body[256];
    s_authorize (1, return_id);
    s_receipt_body (body, sizeof body, 1);
    json_t *ret = NULL;
    long status = rethttp_receive (&mesh, return_id, body, &ret);
    json_decref (ret);
    if (!rethttp_crash_await (&mesh, MESH_IX_RETURNS))
        return;
    //  the client that got no answer sends it again: applied before the crash
    CHECK (status != 200);
    CHECK_EQ_INT (rethttp_receive (&mesh, return_id, body, &ret), 200);
    CHECK (json_is_false (json_object_get (ret, "applied")));
    json_decref (ret);
    s_refunded_once (1, return_id);
    json_decref (rethttp_expect_stock_at (&mesh, "RC-A", "RC-STORE", 4, 0));
}

static void
test_orders_crash_writing_memo (void)
{
    if (!harness_failpoints ("orders exiting while it writes a credit memo"))
        return;
    if (!rethttp_crash_start (&mesh, MESH_IX_ORDERS, "orders-credit-memo-before-commit", "0"))
        return;
    char return_id[64], body[256];
    s_authorize (2, return_id);
    s_receipt_body (body, sizeof body, 2);
    json_t *ret = NULL;
    CHECK_EQ_INT (rethttp_receive (&mesh, return_id, body, &ret), 200);
    json_decref (ret);
    if (!rethttp_crash_await (&mesh, MESH_IX_ORDERS))
        return;
    //  the memo not committed took no number
    s_refunded_once (2, return_id);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_orders, test_returns_killed_before_refund,
                                           test_returns_crash_after_receipt, test_orders_crash_writing_memo, NULL};
    return http_main (&mesh, "test_e2e_returns_crash", tests);
}
