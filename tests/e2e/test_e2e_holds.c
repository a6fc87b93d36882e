//  End to end: holds through the gateway. A hold expires on time with no
//  request to make it, once; one whose time ran out while inventory was
//  down is expired when inventory starts; an order that names a hold takes
//  its stock over (availability does not move), is listed per line and
//  location, and ship_from keeps it to the locations named.
#include "clock.h"
#include "http.h"
#include "itest.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static harness_mesh_t mesh;
static itest_clients_t clients;

//  Bounds for conditions polled: a hold of 2 s expires well within them.
#define EXPIRY_WAIT_MS 10000
#define POLL_MS 50

static int64_t
s_available (const char *sku)
{
    json_t *item = http_stock (&mesh, sku, NULL);
    int64_t available = item ? http_json_int (item, "available") : -1;
    json_decref (item);
    return available;
}

//  Makes a hold of quantity units of sku for ttl seconds; its ID goes in id.
static void
s_hold (const char *sku, int quantity, int ttl, char *id, size_t size)
{
    char body[256];
    snprintf (body, sizeof body, "{\"lines\":[{\"sku\":\"%s\",\"quantity\":%d}],\"ttl_seconds\":%d}", sku, quantity,
              ttl);
    json_t *hold = http_expect (&mesh, "POST", "/v1/holds", body, 201);
    snprintf (id, size, "%s", http_json_str (hold, "hold_id"));
    CHECK_STR (http_json_str (hold, "status"), "held");
    CHECK (strlen (id) == 36);
    json_decref (hold);
}

static char *
s_status (const char *id, char *status, size_t size)
{
    char path[96];
    snprintf (path, sizeof path, "/v1/holds/%s", id);
    json_t *hold = http_expect (&mesh, "GET", path, NULL, 200);
    snprintf (status, size, "%s", http_json_str (hold, "status"));
    json_decref (hold);
    return status;
}

//  Polls the hold until its status is want, at most EXPIRY_WAIT_MS.
static bool
s_wait_status (const char *id, const char *want)
{
    char status[32] = "";
    int64_t until = clock_mono_ms () + EXPIRY_WAIT_MS;
    while (strcmp (s_status (id, status, sizeof status), want) != 0 && clock_mono_ms () < until)
        usleep (POLL_MS * 1000);
    return strcmp (status, want) == 0;
}

//  inventory.hold.expired events about hold id in inventory's log.
static int
s_expired_events (const char *id)
{
    json_t *reply = itest_call (clients.inventory, "events.since", true, "{\"from\":1,\"max\":10000}");
    size_t i;
    json_t *event;
    int count = 0;
    json_array_foreach (json_object_get (reply, "events"), i, event)
        count += strcmp (itest_str (event, "type"), "inventory.hold.expired") == 0
                 && strcmp (itest_str (json_object_get (event, "body"), "hold_id"), id) == 0;
    json_decref (reply);
    return count;
}

static void
test_hold_expires_on_time (void)
{
    http_put (&mesh, "/v1/stock/WH-A/HOLD-T", "{\"on_hand\":10}");
    char id[64];
    int64_t made = clock_mono_ms ();
    s_hold ("HOLD-T", 4, 2, id, sizeof id);
    CHECK_EQ_INT (s_available ("HOLD-T"), 6);
    char path[96];
    snprintf (path, sizeof path, "/v1/holds/%s", id);
    json_t *hold = http_expect (&mesh, "GET", path, NULL, 200);
    json_t *row = json_array_get (json_object_get (hold, "reservations"), 0);
    CHECK_STR (http_json_str (row, "location"), "WH-A");
    CHECK_EQ_INT (http_json_int (row, "quantity"), 4);
    CHECK (strlen (http_json_str (row, "expires_at")) > 0);
    json_decref (hold);
    //  nothing but the polls that watch it: inventory's own timer expires it
    CHECK (s_wait_status (id, "expired"));
    CHECK (clock_mono_ms () - made >= 1900);
    CHECK_EQ_INT (s_available ("HOLD-T"), 10);
    CHECK_EQ_INT (s_expired_events (id), 1);
    //  the same hold again answers it as it is; other lines conflict
    char body[256];
    snprintf (body, sizeof body, "{\"hold_id\":\"%s\",\"lines\":[{\"sku\":\"HOLD-T\",\"quantity\":4}],\"ttl_seconds\":2}",
              id);
    hold = http_expect (&mesh, "POST", "/v1/holds", body, 200);
    CHECK_STR (http_json_str (hold, "status"), "expired");
    json_decref (hold);
    snprintf (body, sizeof body, "{\"hold_id\":\"%s\",\"lines\":[{\"sku\":\"HOLD-T\",\"quantity\":5}],\"ttl_seconds\":2}",
              id);
    json_decref (http_expect (&mesh, "POST", "/v1/holds", body, 409));
    //  releasing it now changes nothing; a live one is released at once
    json_decref (http_expect (&mesh, "DELETE", path, NULL, 200));
    CHECK_EQ_INT (s_available ("HOLD-T"), 10);
    char other[64];
    s_hold ("HOLD-T", 3, 600, other, sizeof other);
    CHECK_EQ_INT (s_available ("HOLD-T"), 7);
    snprintf (path, sizeof path, "/v1/holds/%s", other);
    hold = http_expect (&mesh, "DELETE", path, NULL, 200);
    CHECK_STR (http_json_str (hold, "status"), "released");
    json_decref (hold);
    CHECK_EQ_INT (s_available ("HOLD-T"), 10);
    //  expiry did not come twice
    CHECK_EQ_INT (s_expired_events (id), 1);
    json_decref (http_expect (&mesh, "GET", "/v1/holds/00000000-0000-4000-8000-000000000000", NULL, 404));
}

static void
test_order_takes_hold (void)
{
    http_put (&mesh, "/v1/prices/USD/HOLD-O", "{\"unit_price\":250}");
    http_put (&mesh, "/v1/stock/WH-A/HOLD-O", "{\"on_hand\":10}");
    http_put (&mesh, "/v1/stock/WH-B/HOLD-O", "{\"on_hand\":10}");
    char id[64];
    s_hold ("HOLD-O", 3, 600, id, sizeof id);
    int64_t after_hold = s_available ("HOLD-O");
    CHECK_EQ_INT (after_hold, 17);
    char body[512];
    snprintf (body, sizeof body,
              "{\"external_id\":\"HOLD-ORDER-1\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"HOLD-O\",\"quantity\":3,\"unit_price\":250}],\"hold_id\":\"%s\"}",
              id);
    json_t *order = http_expect (&mesh, "POST", "/v1/orders", body, 201);
    CHECK_STR (http_json_str (order, "hold_id"), id);
    //  the hold's units became the order's: availability did not move
    CHECK_EQ_INT (s_available ("HOLD-O"), after_hold);
    char path[128];
    snprintf (path, sizeof path, "/v1/holds/%s", id);
    json_t *hold = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_STR (http_json_str (hold, "status"), "committed");
    CHECK_STR (http_json_str (hold, "order_id"), http_json_str (order, "order_id"));
    json_decref (hold);
    //  listed per line and location; committed once orders' acceptance arrives
    snprintf (path, sizeof path, "/v1/orders/%s/reservations", http_json_str (order, "order_id"));
    json_t *listed = http_expect (&mesh, "GET", path, NULL, 200);
    int64_t until = clock_mono_ms () + EXPIRY_WAIT_MS;
    while (strcmp (http_json_str (listed, "status"), "committed") != 0 && clock_mono_ms () < until) {
        usleep (POLL_MS * 1000);
        json_decref (listed);
        listed = http_expect (&mesh, "GET", path, NULL, 200);
    }
    CHECK_STR (http_json_str (listed, "status"), "committed");
    CHECK_STR (http_json_str (listed, "hold_id"), id);
    json_t *rows = json_object_get (listed, "reservations");
    CHECK_EQ_INT (json_array_size (rows), 1);
    CHECK_EQ_INT (http_json_int (json_array_get (rows, 0), "line"), 0);
    CHECK_EQ_INT (http_json_int (json_array_get (rows, 0), "quantity"), 3);
    CHECK_STR (http_json_str (json_array_get (rows, 0), "status"), "committed");
    json_decref (listed);
    //  a hold is taken once
    snprintf (body, sizeof body,
              "{\"external_id\":\"HOLD-ORDER-2\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"HOLD-O\",\"quantity\":3,\"unit_price\":250}],\"hold_id\":\"%s\"}",
              id);
    harness_http_t res;
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", body), 0);
    http_expect_problem (&res, 409, "conflict", "second order with the hold");
    CHECK (res.body && strstr (res.body, "/hold_id"));
    harness_http_free (&res);
    snprintf (body, sizeof body,
              "{\"external_id\":\"HOLD-ORDER-3\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"HOLD-O\",\"quantity\":1,\"unit_price\":250}],"
              "\"hold_id\":\"00000000-0000-4000-8000-000000000000\"}");
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", body), 0);
    http_expect_problem (&res, 422, "unknown-reference", "order with an unknown hold");
    CHECK (res.body && strstr (res.body, "/hold_id"));
    harness_http_free (&res);
    CHECK_EQ_INT (s_available ("HOLD-O"), after_hold);
    //  ship_from: WH-A comes first, but the order may only ship from WH-B
    snprintf (body, sizeof body,
              "{\"external_id\":\"HOLD-ORDER-4\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"HOLD-O\",\"quantity\":2,\"unit_price\":250}],\"ship_from\":[\"WH-B\"]}");
    json_t *shipped = http_expect (&mesh, "POST", "/v1/orders", body, 201);
    json_t *held = json_object_get (json_array_get (json_object_get (shipped, "lines"), 0), "reservations");
    CHECK_EQ_INT (json_array_size (held), 1);
    CHECK_STR (http_json_str (json_array_get (held, 0), "location"), "WH-B");
    CHECK_EQ_INT (json_array_size (json_object_get (shipped, "ship_from")), 1);
    json_decref (shipped);
    json_decref (order);
}

static void
test_hold_expires_across_restart (void)
{
    http_put (&mesh, "/v1/stock/WH-A/HOLD-R", "{\"on_hand\":8}");
    char id[64];
    s_hold ("HOLD-R", 5, 2, id, sizeof id);
    CHECK_EQ_INT (s_available ("HOLD-R"), 3);
    int64_t made = clock_mono_ms ();
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    //  down past the hold's time
    while (clock_mono_ms () - made < 2500)
        usleep (POLL_MS * 1000);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    itest_clients_connect (&clients, &mesh);
    //  start-up expired it before the first request was served
    char status[32];
    CHECK_STR (s_status (id, status, sizeof status), "expired");
    CHECK_EQ_INT (s_available ("HOLD-R"), 8);
    CHECK_EQ_INT (s_expired_events (id), 1);
}

int
main (void)
{
    if (harness_mesh_start (&mesh, MESH_ALL) != 0) {
        CHECK (!"mesh started");
        harness_mesh_destroy (&mesh);
        return harness_report ("test_e2e_holds");
    }
    itest_clients_connect (&clients, &mesh);
    test_hold_expires_on_time ();
    test_order_takes_hold ();
    test_hold_expires_across_restart ();
    itest_clients_close (&clients);
    CHECK_EQ_INT (harness_mesh_stop (&mesh), 0);
    harness_mesh_destroy (&mesh);
    return harness_report ("test_e2e_holds");
}
