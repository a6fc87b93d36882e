//  End to end through the gateway: what a return may not do. More units
//  than were delivered (also two requests at once for the last unit: one
//  is authorized, the other rejected), a SKU not on the order, an order
//  delivered longer ago than the return window, one not delivered yet
//  (until returns counts from shipment, --return-basis shipped), more
//  units received than authorized; each a 422 naming every failing line,
//  the rejection stored and nothing else changed. A receipt sent twice
//  is applied once; a cancelled return frees its units.
#include "clock.h"
#include "rethttp.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static harness_mesh_t mesh;

static char s_order_id[64];      //  2 of RJ-A delivered a minute ago
static char s_old_id[64];        //  1 of RJ-A delivered 40 days ago
static char s_shipped_id[64];    //  1 of RJ-A shipped, not delivered
static char s_first_id[64];      //  authorized: 1 of s_order_id's 2
static char s_last_id[64];       //  the concurrent request that won the last unit

#define DAY_MS (86400LL * 1000)

static void
test_orders (void)
{
    http_put (&mesh, "/v1/locations/RJ-WH", "{\"name\":\"Warehouse\",\"type\":\"warehouse\",\"priority\":1}");
    http_put (&mesh, "/v1/locations/RJ-STORE", "{\"name\":\"Store\",\"type\":\"store\",\"priority\":9}");
    http_put (&mesh, "/v1/prices/EUR/RJ-A", "{\"unit_price\":1500}");
    http_put (&mesh, "/v1/prices/EUR/RJ-B", "{\"unit_price\":300}");
    http_put (&mesh, "/v1/stock/RJ-WH/RJ-A", "{\"on_hand\":20}");
    http_put (&mesh, "/v1/stock/RJ-WH/RJ-B", "{\"on_hand\":20}");
    int64_t now = clock_now_ms ();
    rethttp_order (&mesh, "rj-1", "store", "[{\"sku\":\"RJ-A\",\"quantity\":2,\"unit_price\":1500}]", true,
                   now - 60000, s_order_id);
    rethttp_order (&mesh, "rj-old", "store", "[{\"sku\":\"RJ-A\",\"quantity\":1,\"unit_price\":1500}]", true,
                   now - 40 * DAY_MS, s_old_id);
    rethttp_order (&mesh, "rj-ship", "store", "[{\"sku\":\"RJ-A\",\"quantity\":1,\"unit_price\":1500}]", false,
                   now - 60000, s_shipped_id);
    CHECK (*s_order_id && *s_old_id && *s_shipped_id);
}

//  POSTs a return of order_id at RJ-STORE with lines (a JSON array) and
//  checks the status; returns the answer (free it).
static json_t *
s_authorize (const char *order_id, const char *lines, long status)
{
    char body[1024];
    snprintf (body, sizeof body, "{\"order_id\":\"%s\",\"return_location\":\"RJ-STORE\",\"lines\":%s}", order_id,
              lines);
    json_t *reply = NULL;
    long got = rethttp_authorize (&mesh, NULL, body, &reply);
    CHECK_EQ_INT (got, status);
    if (got != status) {
        char *text = json_dumps (reply, JSON_COMPACT);
        fprintf (stderr, "  return of %s %s: %ld %s\n", order_id, lines, got, text ? text : "");
        free (text);
    }
    return reply;
}

//  The order's returns (GET /v1/orders/{order_id}/returns): the items (free it).
static json_t *
s_returns_of (const char *order_id)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s/returns", order_id);
    json_t *answer = http_expect (&mesh, "GET", path, NULL, 200);
    json_t *items = json_incref (json_object_get (answer, "items"));
    json_decref (answer);
    return items ? items : json_array ();
}

static void
test_unknown_order_and_location (void)
{
    json_t *problem = s_authorize ("0192f5a4-7c3e-7a10-8b2c-3d4e5f607182",
                                   "[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]", 422);
    rethttp_expect_errors (problem, 1, (const char *const[]) {"/order_id"}, NULL);
    json_decref (problem);
    json_t *reply = NULL;
    char body[512];
    snprintf (body, sizeof body,
              "{\"order_id\":\"%s\",\"return_location\":\"RJ-NOWHERE\","
              "\"lines\":[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]}",
              s_order_id);
    CHECK_EQ_INT (rethttp_authorize (&mesh, NULL, body, &reply), 422);
    rethttp_expect_errors (reply, 1, (const char *const[]) {"/return_location"}, NULL);
    json_decref (reply);
    //  a reason returns does not know
    problem = s_authorize (s_order_id, "[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"bored\"}]", 422);
    rethttp_expect_errors (problem, 1, (const char *const[]) {"/lines/0/reason"}, NULL);
    json_decref (problem);
    //  none of these was stored against the order
    json_t *items = s_returns_of (s_order_id);
    CHECK_EQ_INT (json_array_size (items), 0);
    json_decref (items);
}

static void
test_not_on_order_and_too_many (void)
{
    //  one error per failing line, the good line between them named by none
    json_t *problem = s_authorize (s_order_id,
                                   "[{\"sku\":\"RJ-B\",\"quantity\":1,\"reason\":\"other\"},"
                                   "{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"},"
                                   "{\"sku\":\"RJ-A\",\"quantity\":2,\"reason\":\"damaged\"}]",
                                   422);
    rethttp_expect_errors (problem, 2, (const char *const[]) {"/lines/0/sku", "/lines/2/quantity"}, NULL);
    CHECK_STR (http_json_str (json_array_get (json_object_get (problem, "errors"), 1), "code"),
               "exceeds_returnable");
    json_decref (problem);

    //  stored as rejected, with the same rejection
    json_t *items = s_returns_of (s_order_id);
    CHECK_EQ_INT (json_array_size (items), 1);
    json_t *rejected = json_array_get (items, 0);
    CHECK_STR (http_json_str (rejected, "status"), "rejected");
    json_t *rejection = json_object_get (rejected, "rejection");
    CHECK_EQ_INT (json_array_size (rejection), 2);
    CHECK_STR (http_json_str (json_array_get (rejection, 0), "field"), "/lines/0/sku");
    CHECK_STR (http_json_str (json_array_get (rejection, 1), "field"), "/lines/2/quantity");
    CHECK_STR (http_json_str (json_array_get (rejection, 1), "code"), "exceeds_returnable");
    json_decref (items);

    problem = s_authorize (s_order_id, "[{\"sku\":\"RJ-A\",\"quantity\":3,\"reason\":\"other\"}]", 422);
    rethttp_expect_errors (problem, 1, (const char *const[]) {"/lines/0/quantity"},
                           (const char *const[]) {"exceeds_returnable"});
    json_decref (problem);
}

typedef struct {
    long status;
    char return_id[64];
} s_attempt_t;

static void *
s_last_unit (void *arg)
{
    s_attempt_t *attempt = (s_attempt_t *) arg;
    char body[512];
    snprintf (body, sizeof body,
              "{\"order_id\":\"%s\",\"return_location\":\"RJ-STORE\","
              "\"lines\":[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"wrong_item\"}]}",
              s_order_id);
    json_t *reply = NULL;
    attempt->status = rethttp_authorize (&mesh, NULL, body, &reply);
    snprintf (attempt->return_id, sizeof attempt->return_id, "%s", http_json_str (reply, "return_id"));
    json_decref (reply);
    return NULL;
}

static void
test_last_unit_once (void)
{
    json_t *first = s_authorize (s_order_id, "[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]", 201);
    snprintf (s_first_id, sizeof s_first_id, "%s", http_json_str (first, "return_id"));
    CHECK_STR (http_json_str (first, "status"), "authorized");
    json_decref (first);

    //  two at once for the one unit left
    s_attempt_t attempts[2] = {{0}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT (pthread_create (&threads[i], NULL, s_last_unit, &attempts[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join (threads[i], NULL);
    int won = attempts[0].status == 201 ? 0 : 1;
    CHECK_EQ_INT (attempts[won].status, 201);
    CHECK_EQ_INT (attempts[1 - won].status, 422);
    snprintf (s_last_id, sizeof s_last_id, "%s", attempts[won].return_id);

    json_t *problem = s_authorize (s_order_id, "[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]", 422);
    rethttp_expect_errors (problem, 1, (const char *const[]) {"/lines/0/quantity"},
                           (const char *const[]) {"exceeds_returnable"});
    json_decref (problem);

    //  two authorized; rejected: the two above, the loser and the last
    json_t *items = s_returns_of (s_order_id);
    int authorized = 0, rejected = 0;
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        authorized += strcmp (http_json_str (item, "status"), "authorized") == 0;
        rejected += strcmp (http_json_str (item, "status"), "rejected") == 0;
    }
    CHECK_EQ_INT (authorized, 2);
    CHECK_EQ_INT (rejected, 4);
    json_decref (items);
}

static void
test_window_passed (void)
{
    json_t *problem = s_authorize (s_old_id, "[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]", 422);
    rethttp_expect_errors (problem, 1, (const char *const[]) {"/lines/0"}, (const char *const[]) {"window_passed"});
    json_decref (problem);
}

static void
test_not_delivered (void)
{
    char body[512];
    snprintf (body, sizeof body,
              "{\"order_id\":\"%s\",\"return_location\":\"RJ-STORE\","
              "\"lines\":[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]}",
              s_shipped_id);
    //  under one Idempotency-Key: the stored rejection answers again
    for (int i = 0; i < 2; i++) {
        json_t *problem = NULL;
        CHECK_EQ_INT (rethttp_authorize (&mesh, "rj-ship-key", body, &problem), 422);
        rethttp_expect_errors (problem, 1, (const char *const[]) {"/lines/0"},
                               (const char *const[]) {"not_delivered"});
        json_decref (problem);
    }
    json_t *items = s_returns_of (s_shipped_id);
    CHECK_EQ_INT (json_array_size (items), 1);
    CHECK_STR (http_json_str (json_array_get (items, 0), "status"), "rejected");
    json_decref (items);
    //  the key with another body
    json_t *reply = NULL;
    CHECK_EQ_INT (rethttp_authorize (&mesh, "rj-ship-key", "{\"order_id\":\"0192f5a4-7c3e-7a10-8b2c-3d4e5f607182\","
                                                           "\"return_location\":\"RJ-STORE\",\"lines\":[{\"sku\":"
                                                           "\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]}",
                                     &reply),
                  409);
    json_decref (reply);
}

static void
test_more_than_authorized (void)
{
    json_t *reply = NULL;
    CHECK_EQ_INT (rethttp_receive (&mesh, s_first_id,
                                   "{\"receipt_id\":\"rj-r0\",\"location\":\"RJ-STORE\",\"lines\":["
                                   "{\"sku\":\"RJ-A\",\"quantity\":2,\"condition\":\"resellable\"}]}",
                                   &reply),
                  422);
    rethttp_expect_errors (reply, 1, (const char *const[]) {"/lines/0/quantity"}, NULL);
    json_decref (reply);
    CHECK_EQ_INT (rethttp_receive (&mesh, s_first_id,
                                   "{\"receipt_id\":\"rj-r0\",\"location\":\"RJ-STORE\",\"lines\":["
                                   "{\"sku\":\"RJ-B\",\"quantity\":1,\"condition\":\"resellable\"}]}",
                                   &reply),
                  422);
    rethttp_expect_errors (reply, 1, (const char *const[]) {"/lines/0/sku"}, NULL);
    json_decref (reply);
    //  nothing was taken in
    json_t *ret = rethttp_wait_status (&mesh, s_first_id, "authorized");
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (ret, "lines"), 0), "received"), 0);
    CHECK_EQ_INT (json_array_size (json_object_get (ret, "receipts")), 0);
    json_decref (ret);
    json_t *row = rethttp_expect_stock_at (&mesh, "RJ-A", "RJ-STORE", 0, 0);
    json_decref (row);
}

static const char s_receipt[] = "{\"receipt_id\":\"rj-r1\",\"location\":\"RJ-STORE\",\"lines\":["
                                "{\"sku\":\"RJ-A\",\"quantity\":1,\"condition\":\"resellable\"}]}";

static void
test_receipt_twice (void)
{
    json_t *reply = NULL;
    CHECK_EQ_INT (rethttp_receive (&mesh, s_first_id, s_receipt, &reply), 200);
    CHECK (json_is_true (json_object_get (reply, "applied")));
    json_decref (reply);
    CHECK_EQ_INT (rethttp_receive (&mesh, s_first_id, s_receipt, &reply), 200);
    CHECK (json_is_false (json_object_get (reply, "applied")));
    CHECK_EQ_INT (json_array_size (json_object_get (reply, "receipts")), 1);
    json_decref (reply);
    //  the same receipt_id for other units
    CHECK_EQ_INT (rethttp_receive (&mesh, s_first_id,
                                   "{\"receipt_id\":\"rj-r1\",\"location\":\"RJ-STORE\",\"lines\":["
                                   "{\"sku\":\"RJ-A\",\"quantity\":1,\"condition\":\"damaged\"}]}",
                                   &reply),
                  409);
    json_decref (reply);

    json_t *ret = rethttp_wait_status (&mesh, s_first_id, "closed");
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (ret, "lines"), 0), "received"), 1);
    CHECK_EQ_INT (http_json_int (ret, "refund_total"), 1500);
    json_decref (ret);
    json_t *items = ffhttp_order_items (&mesh, s_order_id, "credit-memos", 1);
    CHECK_EQ_INT (json_array_size (items), 1);
    CHECK_EQ_INT (http_json_int (json_array_get (items, 0), "total"), 1500);
    json_decref (items);
    json_decref (rethttp_expect_stock_at (&mesh, "RJ-A", "RJ-STORE", 1, 0));
    //  a closed return takes no more
    CHECK_EQ_INT (rethttp_receive (&mesh, s_first_id,
                                   "{\"receipt_id\":\"rj-r2\",\"location\":\"RJ-STORE\",\"lines\":["
                                   "{\"sku\":\"RJ-A\",\"quantity\":1,\"condition\":\"resellable\"}]}",
                                   &reply),
                  409);
    json_decref (reply);
}

static void
test_cancel_frees_units (void)
{
    char path[160];
    snprintf (path, sizeof path, "/v1/returns/%s/cancel", s_last_id);
    json_t *ret = http_expect (&mesh, "POST", path, "{\"reason\":\"changed their mind\"}", 200);
    CHECK_STR (http_json_str (ret, "status"), "cancelled");
    CHECK (json_is_true (json_object_get (ret, "changed")));
    CHECK_STR (http_json_str (ret, "cancel_reason"), "changed their mind");
    json_decref (ret);
    ret = http_expect (&mesh, "POST", path, NULL, 200);
    CHECK (json_is_false (json_object_get (ret, "changed")));
    json_decref (ret);
    snprintf (path, sizeof path, "/v1/returns/%s/cancel", s_first_id);
    harness_http_t res;
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", path, NULL), 0);
    http_expect_problem (&res, 409, "conflict", "cancel of a closed return");
    harness_http_free (&res);
    //  the cancelled unit may be returned again
    json_decref (s_authorize (s_order_id, "[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]", 201));
    CHECK_EQ_INT (http_call (&mesh, &res, "GET", "/v1/returns/rj-no-such-return", NULL), 0);
    http_expect_problem (&res, 404, "not-found", "GET of an unknown return");
    harness_http_free (&res);
}

//  Counting from shipment, the shipped order may be returned.
static void
test_basis_shipped (void)
{
    static const char *const shipped[] = {"--return-basis", "shipped", NULL};
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_RETURNS), 0);
    mesh.extra_args[MESH_IX_RETURNS] = shipped;
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_RETURNS), 0);
    json_t *ret = s_authorize (s_shipped_id, "[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]", 201);
    CHECK_STR (http_json_str (ret, "status"), "authorized");
    json_decref (ret);
    //  still no more than what left
    json_decref (s_authorize (s_shipped_id, "[{\"sku\":\"RJ-A\",\"quantity\":1,\"reason\":\"other\"}]", 422));
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_orders, test_unknown_order_and_location,
                                           test_not_on_order_and_too_many, test_last_unit_once,
                                           test_window_passed, test_not_delivered, test_more_than_authorized,
                                           test_receipt_twice, test_cancel_frees_units, test_basis_shipped, NULL};
    return http_main (&mesh, "test_e2e_returns_reject", tests);
}
