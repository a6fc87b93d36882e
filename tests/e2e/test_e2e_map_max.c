//  End to end: orders may grow its map from 1 MiB to 2 MiB at most
//  (--map-size 1M --map-size-max 2M). Orders are taken until the map can
//  grow no more; then they get 503 with problem type storage-full, /readyz
//  is 503 naming orders and the maximum, and inventory holds stock for the
//  accepted orders only. Reads are still served. fulfillment is stopped:
//  orders would otherwise write the fulfilments of the orders accepted here
//  as their events arrive, and one such small write that fits says, rightly,
//  that writes succeed again while a submission's does not.
#include "clock.h"
#include "http.h"
#include <stdlib.h>
#include <time.h>

#define TRIES 20000
#define WAIT_MS 15000

static harness_mesh_t mesh;

static void
test_refused_at_the_maximum (void)
{
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_FULFILLMENT), 0);
    http_put (&mesh, "/v1/prices/USD/MAX", "{\"unit_price\":100}");
    http_put (&mesh, "/v1/stock/WH-A/MAX", "{\"on_hand\":1000000}");
    int accepted = 0;
    long refused = 0;
    char body[256];
    for (int i = 0; i < TRIES && !refused; i++) {
        snprintf (body, sizeof body, "{\"external_id\":\"MAX-%05d\",\"account_id\":\"001M\",\"currency\":\"USD\","
                                     "\"lines\":[{\"sku\":\"MAX\",\"quantity\":1,\"unit_price\":100}]}", i);
        harness_http_t res;
        CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", body), 0);
        if (res.status == 201)
            accepted++;
        else {
            refused = res.status;
            http_expect_problem (&res, 503, "storage-full", "an order past the map's maximum");
        }
        harness_http_free (&res);
    }
    CHECK_EQ_INT (refused, 503);
    CHECK (accepted > 100);

    harness_http_t res;
    CHECK_EQ_INT (http_get_public (&mesh, &res, "/readyz"), 0);
    CHECK_EQ_INT (res.status, 503);
    json_t *orders = json_object_get (json_object_get (res.json, "services"), "orders");
    CHECK_STR (http_json_str (orders, "status"), "not_ready");
    CHECK (strstr (http_json_str (orders, "reason"), "maximum") != NULL);
    CHECK_EQ_INT (http_json_int (json_object_get (orders, "store"), "map_size"), 2 << 20);
    CHECK_EQ_INT (http_json_int (json_object_get (orders, "store"), "map_size_max"), 2 << 20);
    harness_http_free (&res);

    //  no stock is held for the refused order, once its release is done
    int64_t reserved = -1;
    for (int64_t until = clock_mono_ms () + WAIT_MS; clock_mono_ms () < until && reserved != accepted;) {
        json_t *item = http_stock (&mesh, "MAX", NULL);
        reserved = item ? http_json_int (item, "reserved") : -1;
        json_decref (item);
        if (reserved != accepted)
            nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
    }
    CHECK_EQ_INT (reserved, accepted);
    //  what was accepted is still served
    json_t *order = http_expect (&mesh, "GET", "/v1/orders?external_id=MAX-00000", NULL, 200);
    CHECK_STR (http_json_str (order, "status"), "accepted");
    json_decref (order);
}

int
main (int argc, char **argv)
{
    (void) argc;
    mesh.nosync = true;
    static const char *const bounded[] = {"--map-size", "1M", "--map-size-max", "2M", NULL};
    mesh.extra_args[MESH_IX_ORDERS] = bounded;
    static void (*const tests[]) (void) = {test_refused_at_the_maximum, NULL};
    return http_main (&mesh, argv[0], tests);
}
