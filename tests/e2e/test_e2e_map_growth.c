//  End to end: the services start with a 1 MiB LMDB map (--map-size 1M),
//  far too small for what follows. First eight clients send orders of 500
//  lines at once, so that a batch can hold more than the map has left: the
//  writes, or commits, that find the map full run again once it grew. Then 20,000
//  orders go through the gateway without one error: each map grows by
//  itself, in steps, as it fills. Every order is accepted, its stock
//  reserved, and the stores report the larger maps in sys.health.
#include "http.h"
#include <pthread.h>
#include <stdlib.h>

#define ORDERS 20000
#define BIG_CLIENTS 8
#define BIG_ORDERS 2
#define BIG_LINES 500

static harness_mesh_t mesh;

//  SKUs of 64 characters make each line of a big order weigh.
static void
s_big_sku (char *out, size_t size, int i)
{
    snprintf (out, size, "BIG-%060d", i);
}

static void *
s_big_client (void *arg)
{
    int client = (int) (intptr_t) arg;
    size_t size = 200 + BIG_LINES * 120;
    char *body = malloc (size);
    int *accepted = calloc (1, sizeof *accepted);
    for (int n = 0; body && accepted && n < BIG_ORDERS; n++) {
        int len = snprintf (body, size, "{\"external_id\":\"BIG-%d-%d\",\"account_id\":\"001B\",\"currency\":\"USD\","
                            "\"lines\":[", client, n);
        for (int i = 0; i < BIG_LINES; i++) {
            char sku[80];
            s_big_sku (sku, sizeof sku, i);
            len += snprintf (body + len, size - (size_t) len, "%s{\"sku\":\"%s\",\"quantity\":1,\"unit_price\":10}",
                             i ? "," : "", sku);
        }
        snprintf (body + len, size - (size_t) len, "]}");
        harness_http_t res;
        if (http_call (&mesh, &res, "POST", "/v1/orders", body) == 0 && res.status == 201)
            (*accepted)++;
        else
            fprintf (stderr, "big order %d-%d: HTTP %ld: %.300s\n", client, n, res.status, res.body ? res.body : "");
        harness_http_free (&res);
    }
    free (body);
    return accepted;
}

static int
s_log_count (const char *service, const char *text)
{
    char path[300];
    snprintf (path, sizeof path, "%s/%s.log", mesh.dir, service);
    FILE *log = fopen (path, "r");
    char line[2048];
    int count = 0;
    while (log && fgets (line, sizeof line, log))
        count += strstr (line, text) != NULL;
    if (log)
        fclose (log);
    return count;
}

static void
test_big_orders_at_once (void)
{
    char path[128], sku[80];
    for (int i = 0; i < BIG_LINES; i++) {
        s_big_sku (sku, sizeof sku, i);
        snprintf (path, sizeof path, "/v1/prices/USD/%s", sku);
        http_put (&mesh, path, "{\"unit_price\":10}");
        snprintf (path, sizeof path, "/v1/stock/WH-A/%s", sku);
        http_put (&mesh, path, "{\"on_hand\":1000}");
    }
    pthread_t threads[BIG_CLIENTS];
    for (int c = 0; c < BIG_CLIENTS; c++)
        CHECK_EQ_INT (pthread_create (&threads[c], NULL, s_big_client, (void *) (intptr_t) c), 0);
    int accepted = 0;
    for (int c = 0; c < BIG_CLIENTS; c++) {
        void *result = NULL;
        pthread_join (threads[c], &result);
        accepted += result ? *(int *) result : 0;
        free (result);
    }
    CHECK_EQ_INT (accepted, BIG_CLIENTS * BIG_ORDERS);
    s_big_sku (sku, sizeof sku, BIG_LINES - 1);
    json_t *item = http_stock (&mesh, sku, NULL);
    CHECK_EQ_INT (http_json_int (item, "reserved"), BIG_CLIENTS * BIG_ORDERS);
    json_decref (item);
}

static void
test_orders_past_the_first_map (void)
{
    http_put (&mesh, "/v1/prices/USD/GROW", "{\"unit_price\":250}");
    http_put (&mesh, "/v1/stock/WH-A/GROW", "{\"on_hand\":1000000}");
    int accepted = 0, failed = 0;
    char body[256];
    for (int i = 0; i < ORDERS; i++) {
        snprintf (body, sizeof body,
                  "{\"external_id\":\"GROW-%05d\",\"account_id\":\"001G\",\"currency\":\"USD\","
                  "\"lines\":[{\"sku\":\"GROW\",\"quantity\":2,\"unit_price\":250}]}", i);
        harness_http_t res;
        int rc = http_call (&mesh, &res, "POST", "/v1/orders", body);
        if (rc == 0 && res.status == 201)
            accepted++;
        else if (failed++ < 5)
            fprintf (stderr, "order %d: rc %d, HTTP %ld: %s\n", i, rc, res.status, res.body ? res.body : "");
        harness_http_free (&res);
    }
    CHECK_EQ_INT (accepted, ORDERS);
    CHECK_EQ_INT (failed, 0);
    json_t *item = http_stock (&mesh, "GROW", NULL);
    CHECK_EQ_INT (http_json_int (item, "reserved"), 2 * ORDERS);
    json_decref (item);

    //  every store grew past the map it started with, and says so
    harness_http_t res;
    CHECK_EQ_INT (http_get_public (&mesh, &res, "/readyz"), 0);
    CHECK_EQ_INT (res.status, 200);
    json_t *services = json_object_get (res.json, "services");
    static const char *const names[] = {"orders", "inventory"};
    for (size_t i = 0; i < 2; i++) {
        json_t *store = json_object_get (json_object_get (services, names[i]), "store");
        CHECK (http_json_int (store, "map_size") > (1 << 20));
        CHECK (http_json_int (store, "used") > (1 << 20));
        CHECK (http_json_int (store, "map_size_max") >= http_json_int (store, "map_size"));
    }
    harness_http_free (&res);
    CHECK (s_log_count ("orders", "map grown from") >= 3);
}

int
main (int argc, char **argv)
{
    (void) argc;
    mesh.nosync = true;
    static const char *const small_map[] = {"--map-size", "1M", NULL};
    mesh.extra_args[MESH_IX_PRICING] = small_map;
    mesh.extra_args[MESH_IX_INVENTORY] = small_map;
    mesh.extra_args[MESH_IX_ORDERS] = small_map;
    static void (*const tests[]) (void) = {test_big_orders_at_once, test_orders_past_the_first_map, NULL};
    return http_main (&mesh, argv[0], tests);
}
