//  End to end through the gateway: an order bought on the web channel,
//  shipped from a warehouse and delivered, comes back at a store. Part of
//  it is resellable, part damaged: the store's stock gains both and
//  quarantines the damaged units; the refund is the paid price less a
//  restocking fee for the reason that carries one (no_longer_needed, 15%)
//  and none for the one that does not (damaged); orders makes exactly one
//  credit memo per receipt, and the order shows the returned quantities.
//  The same Idempotency-Key answers the same return; with another body it
//  is a conflict.
#include "clock.h"
#include "rethttp.h"
#include <stdio.h>
#include <string.h>

static harness_mesh_t mesh;

static char s_order_id[64];
static char s_return_id[64];
static char s_memo[64];

#define TEE_PRICE 2000
#define MUG_PRICE 999
#define FEE_BP 1500

static const char s_return_body[] =
    "{\"order_id\":\"%s\",\"return_location\":\"RT-STORE\",\"requested_by\":\"clerk 7\","
    "\"lines\":[{\"sku\":\"RT-TEE\",\"quantity\":3,\"reason\":\"no_longer_needed\"},"
    "{\"sku\":\"RT-MUG\",\"quantity\":1,\"reason\":\"damaged\"}]}";

static void
test_delivered_web_order (void)
{
    http_put (&mesh, "/v1/locations/RT-WH", "{\"name\":\"Central warehouse\",\"type\":\"warehouse\",\"priority\":1}");
    http_put (&mesh, "/v1/locations/RT-STORE", "{\"name\":\"High Street\",\"type\":\"store\",\"priority\":9}");
    http_put (&mesh, "/v1/prices/EUR/RT-TEE", "{\"unit_price\":2000}");
    http_put (&mesh, "/v1/prices/EUR/RT-MUG", "{\"unit_price\":999}");
    http_put (&mesh, "/v1/stock/RT-WH/RT-TEE", "{\"on_hand\":10}");
    http_put (&mesh, "/v1/stock/RT-WH/RT-MUG", "{\"on_hand\":5}");
    rethttp_order (&mesh, "rt-1", "web",
                   "[{\"sku\":\"RT-TEE\",\"quantity\":4,\"unit_price\":2000},"
                   "{\"sku\":\"RT-MUG\",\"quantity\":2,\"unit_price\":999}]",
                   true, clock_now_ms () - 60000, s_order_id);
    CHECK (*s_order_id);
    ffhttp_expect_stock (&mesh, "RT-TEE", 6, 0);
}

static void
test_authorized_at_the_store (void)
{
    char body[1024];
    snprintf (body, sizeof body, s_return_body, s_order_id);
    const char *const headers[] = {"Idempotency-Key: rt-1-return", NULL};
    harness_http_t res;
    CHECK_EQ_INT (http_call_with (&mesh, &res, "POST", "/v1/returns", body, headers), 0);
    http_expect_status (&res, 201, "POST /v1/returns");
    json_t *ret = res.json;
    snprintf (s_return_id, sizeof s_return_id, "%s", http_json_str (ret, "return_id"));
    char location[128];
    snprintf (location, sizeof location, "/v1/returns/%s", s_return_id);
    CHECK_STR (res.location, location);
    CHECK_STR (http_json_str (ret, "status"), "authorized");
    CHECK_STR (http_json_str (ret, "order_id"), s_order_id);
    CHECK_STR (http_json_str (ret, "external_id"), "rt-1");
    //  the order's channel, wherever the return is made
    CHECK_STR (http_json_str (ret, "channel"), "web");
    CHECK_STR (http_json_str (ret, "account_id"), "ACC-RT");
    CHECK_STR (http_json_str (ret, "currency"), "EUR");
    CHECK_STR (http_json_str (ret, "return_location"), "RT-STORE");
    CHECK_STR (http_json_str (ret, "requested_by"), "clerk 7");
    CHECK (json_object_get (ret, "created") == NULL);
    json_t *lines = json_object_get (ret, "lines");
    CHECK_EQ_INT (json_array_size (lines), 2);
    json_t *tee = json_array_get (lines, 0), *mug = json_array_get (lines, 1);
    CHECK_EQ_INT (http_json_int (tee, "line"), 0);
    CHECK_STR (http_json_str (tee, "sku"), "RT-TEE");
    CHECK_EQ_INT (http_json_int (tee, "quantity"), 3);
    CHECK_EQ_INT (http_json_int (tee, "unit_price"), TEE_PRICE);
    CHECK_STR (http_json_str (tee, "reason"), "no_longer_needed");
    CHECK_EQ_INT (http_json_int (tee, "received"), 0);
    CHECK_EQ_INT (http_json_int (mug, "line"), 1);
    CHECK_EQ_INT (http_json_int (mug, "unit_price"), MUG_PRICE);
    int64_t authorized_at = 0, expires_at = 0;
    CHECK_EQ_INT (clock_parse_rfc3339 (http_json_str (ret, "authorized_at"), &authorized_at), 0);
    CHECK_EQ_INT (clock_parse_rfc3339 (http_json_str (ret, "expires_at"), &expires_at), 0);
    //  the default expiry: 30 days
    CHECK_EQ_INT (expires_at - authorized_at, 30LL * 86400 * 1000);
    harness_http_free (&res);

    //  the same key and body: the same return, not a second one
    CHECK_EQ_INT (http_call_with (&mesh, &res, "POST", "/v1/returns", body, headers), 0);
    http_expect_status (&res, 200, "POST /v1/returns again");
    CHECK_STR (http_json_str (res.json, "return_id"), s_return_id);
    CHECK_STR (http_json_str (res.json, "status"), "authorized");
    harness_http_free (&res);

    //  the same key with another body
    char other[1024];
    snprintf (other, sizeof other,
              "{\"order_id\":\"%s\",\"return_location\":\"RT-STORE\","
              "\"lines\":[{\"sku\":\"RT-TEE\",\"quantity\":1,\"reason\":\"other\"}]}",
              s_order_id);
    CHECK_EQ_INT (http_call_with (&mesh, &res, "POST", "/v1/returns", other, headers), 0);
    http_expect_problem (&res, 409, "conflict", "POST /v1/returns, same key, another body");
    harness_http_free (&res);

    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/returns", s_order_id);
    json_t *list = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 1);
    CHECK_STR (http_json_str (json_array_get (json_object_get (list, "items"), 0), "return_id"), s_return_id);
    json_decref (list);
}

//  The fee of extended minor units at FEE_BP, half up.
static int64_t
s_fee (int64_t extended)
{
    return (extended * FEE_BP + 5000) / 10000;
}

static void
test_received_part_damaged (void)
{
    json_t *ret = NULL;
    long status = rethttp_receive (&mesh, s_return_id,
                                   "{\"receipt_id\":\"rt-1-r1\",\"location\":\"RT-STORE\",\"lines\":["
                                   "{\"sku\":\"RT-TEE\",\"quantity\":2,\"condition\":\"resellable\"},"
                                   "{\"sku\":\"RT-TEE\",\"quantity\":1,\"condition\":\"damaged\"},"
                                   "{\"sku\":\"RT-MUG\",\"quantity\":1,\"condition\":\"damaged\"}]}",
                                   &ret);
    CHECK_EQ_INT (status, 200);
    CHECK (json_is_true (json_object_get (ret, "applied")));
    CHECK_STR (http_json_str (ret, "return_id"), s_return_id);
    json_t *tee = json_array_get (json_object_get (ret, "lines"), 0);
    CHECK_EQ_INT (http_json_int (tee, "received"), 3);
    CHECK_EQ_INT (http_json_int (tee, "resellable"), 2);
    CHECK_EQ_INT (http_json_int (tee, "damaged"), 1);
    json_t *mug = json_array_get (json_object_get (ret, "lines"), 1);
    CHECK_EQ_INT (http_json_int (mug, "received"), 1);
    CHECK_EQ_INT (http_json_int (mug, "damaged"), 1);
    json_t *receipts = json_object_get (ret, "receipts");
    CHECK_EQ_INT (json_array_size (receipts), 1);
    json_t *receipt = json_array_get (receipts, 0);
    CHECK_STR (http_json_str (receipt, "receipt_id"), "rt-1-r1");
    CHECK_STR (http_json_str (receipt, "location"), "RT-STORE");
    //  the fee on the three shirts no longer needed, none on the damaged mug
    int64_t fee = s_fee (3 * TEE_PRICE);
    CHECK_EQ_INT (fee, 900);
    CHECK_EQ_INT (http_json_int (receipt, "restocking_fee"), fee);
    CHECK_EQ_INT (http_json_int (receipt, "refund_amount"), 3 * TEE_PRICE - fee + MUG_PRICE);
    json_decref (ret);

    //  the store took everything in, the damaged units held back from sale;
    //  the warehouse the order shipped from is untouched
    json_t *row = rethttp_expect_stock_at (&mesh, "RT-TEE", "RT-STORE", 3, 1);
    CHECK_EQ_INT (http_json_int (row, "available"), 2);
    json_decref (row);
    json_decref (rethttp_expect_stock_at (&mesh, "RT-MUG", "RT-STORE", 1, 1));
    json_decref (rethttp_expect_stock_at (&mesh, "RT-TEE", "RT-WH", 6, 0));

    //  in the store's ledger as returns, with the reason
    json_t *ledger = http_expect (&mesh, "GET", "/v1/stock/RT-STORE/RT-TEE/ledger?limit=100", NULL, 200);
    int64_t returned = 0;
    int entries = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get (ledger, "entries"), i, entry)
        if (strcmp (http_json_str (entry, "type"), "return") == 0) {
            entries++;
            returned += http_json_int (entry, "quantity_delta");
            CHECK_STR (http_json_str (entry, "reason"), "no_longer_needed");
            CHECK (strncmp (http_json_str (entry, "movement_id"), "rt-1-r1#", 8) == 0);
        }
    CHECK (entries >= 1);
    CHECK_EQ_INT (returned, 3);
    json_decref (ledger);
}

static void
test_one_credit_memo (void)
{
    json_t *items = ffhttp_order_items (&mesh, s_order_id, "credit-memos", 1);
    CHECK_EQ_INT (json_array_size (items), 1);
    json_t *memo = json_array_get (items, 0);
    snprintf (s_memo, sizeof s_memo, "%s", http_json_str (memo, "credit_memo_number"));
    CHECK_STR (s_memo, "CM-EUR-000001");
    CHECK_STR (http_json_str (memo, "return_id"), s_return_id);
    CHECK_STR (http_json_str (memo, "receipt_id"), "rt-1-r1");
    CHECK_STR (http_json_str (memo, "order_id"), s_order_id);
    CHECK_STR (http_json_str (memo, "currency"), "EUR");
    CHECK_EQ_INT (http_json_int (memo, "restocking_fee"), 900);
    CHECK_EQ_INT (http_json_int (memo, "total"), 3 * TEE_PRICE - 900 + MUG_PRICE);
    int64_t units = 0, amount = 0;
    size_t i;
    json_t *line;
    json_array_foreach (json_object_get (memo, "lines"), i, line) {
        units += http_json_int (line, "quantity");
        amount += http_json_int (line, "amount");
        CHECK_EQ_INT (http_json_int (line, "extended"), http_json_int (line, "quantity") * http_json_int (line, "unit_price"));
        CHECK_EQ_INT (http_json_int (line, "amount"), http_json_int (line, "extended") - http_json_int (line, "restocking_fee"));
        //  against the invoice of the shipment
        CHECK (strncmp (http_json_str (line, "invoice_number"), "INV-EUR-", 8) == 0);
    }
    CHECK_EQ_INT (units, 4);
    CHECK_EQ_INT (amount, http_json_int (memo, "total"));
    json_decref (items);

    //  every authorized unit received and refunded: closed at once
    json_t *ret = rethttp_wait_status (&mesh, s_return_id, "closed");
    CHECK_EQ_INT (http_json_int (ret, "refund_total"), 3 * TEE_PRICE - 900 + MUG_PRICE);
    CHECK_EQ_INT (http_json_int (ret, "restocking_fee_total"), 900);
    json_t *receipt = json_array_get (json_object_get (ret, "receipts"), 0);
    CHECK_STR (http_json_str (receipt, "credit_memo_number"), s_memo);
    CHECK (*http_json_str (receipt, "refunded_at"));
    CHECK (*http_json_str (ret, "refunded_at"));
    CHECK (*http_json_str (ret, "closed_at"));
    json_t *tee = json_array_get (json_object_get (ret, "lines"), 0);
    CHECK_EQ_INT (http_json_int (tee, "refunded"), 3);
    json_decref (ret);

    //  the order shows what came back
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s", s_order_id);
    json_t *order = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (order, "lines"), 0), "returned"), 3);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (order, "lines"), 1), "returned"), 1);
    json_decref (order);
}

//  The last shirt, damaged in transit: no restocking fee for that reason.
static void
test_refund_without_fee (void)
{
    //  the order named by its channel and reference, as a store finds it
    const char body[] = "{\"channel\":\"web\",\"external_id\":\"rt-1\",\"return_location\":\"RT-STORE\","
                        "\"lines\":[{\"sku\":\"RT-TEE\",\"quantity\":1,\"reason\":\"damaged\"}]}";
    json_t *ret = NULL;
    CHECK_EQ_INT (rethttp_authorize (&mesh, NULL, body, &ret), 201);
    CHECK_STR (http_json_str (ret, "order_id"), s_order_id);
    char return_id[64];
    snprintf (return_id, sizeof return_id, "%s", http_json_str (ret, "return_id"));
    CHECK (strcmp (return_id, s_return_id) != 0);
    json_decref (ret);
    CHECK_EQ_INT (rethttp_receive (&mesh, return_id,
                                   "{\"receipt_id\":\"rt-1-r2\",\"location\":\"RT-STORE\",\"lines\":["
                                   "{\"sku\":\"RT-TEE\",\"quantity\":1,\"condition\":\"resellable\"}]}",
                                   &ret),
                  200);
    json_t *receipt = json_array_get (json_object_get (ret, "receipts"), 0);
    CHECK_EQ_INT (http_json_int (receipt, "restocking_fee"), 0);
    CHECK_EQ_INT (http_json_int (receipt, "refund_amount"), TEE_PRICE);
    json_decref (ret);
    json_decref (rethttp_expect_stock_at (&mesh, "RT-TEE", "RT-STORE", 4, 1));

    json_t *items = ffhttp_order_items (&mesh, s_order_id, "credit-memos", 2);
    CHECK_EQ_INT (json_array_size (items), 2);
    json_t *memo = json_array_get (items, 1);
    CHECK_STR (http_json_str (memo, "credit_memo_number"), "CM-EUR-000002");
    CHECK_STR (http_json_str (memo, "return_id"), return_id);
    CHECK_EQ_INT (http_json_int (memo, "restocking_fee"), 0);
    CHECK_EQ_INT (http_json_int (memo, "total"), TEE_PRICE);
    CHECK_STR (http_json_str (json_array_get (items, 0), "credit_memo_number"), s_memo);
    json_decref (items);
    json_decref (rethttp_wait_status (&mesh, return_id, "closed"));

    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s", s_order_id);
    json_t *order = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (order, "lines"), 0), "returned"), 4);
    json_decref (order);
    snprintf (path, sizeof path, "/v1/orders/%s/returns", s_order_id);
    json_t *list = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_EQ_INT (json_array_size (json_object_get (list, "items")), 2);
    json_decref (list);
}

int
main (void)
{
    static const char *const returns_args[] = {"--restocking-fee", "no_longer_needed=1500,other=500", NULL};
    mesh.extra_args[MESH_IX_RETURNS] = returns_args;
    static void (*const tests[]) (void) = {test_delivered_web_order, test_authorized_at_the_store,
                                           test_received_part_damaged, test_one_credit_memo,
                                           test_refund_without_fee, NULL};
    return http_main (&mesh, "test_e2e_returns", tests);
}
