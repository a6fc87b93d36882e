#include "itest.h"
#include "clock.h"
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

json_t *
itest_call (rpc_client_t *client, const char *op, bool expect_ok, const char *body)
{
    bool ok = !expect_ok;
    json_t *reply = NULL;
    int rc = mpjson_call (client, op, "itest", NULL, body, 8000, &ok, &reply);
    CHECK_EQ_INT (rc, 0);
    CHECK (ok == expect_ok);
    if (rc == 0 && ok != expect_ok) {
        char *text = json_dumps (reply, JSON_COMPACT);
        fprintf (stderr, "  %s %s -> %s\n", op, body, text);
        free (text);
    }
    return reply ? reply : json_object ();
}

json_t *
itest_callf (rpc_client_t *client, const char *op, bool expect_ok, const char *fmt, ...)
{
    char body[8192];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (body, sizeof body, fmt, ap);
    va_end (ap);
    return itest_call (client, op, expect_ok, body);
}

int64_t
itest_int (json_t *obj, const char *key)
{
    return json_integer_value (json_object_get (obj, key));
}

const char *
itest_str (json_t *obj, const char *key)
{
    const char *s = json_string_value (json_object_get (obj, key));
    return s ? s : "";
}

int64_t
itest_reserved (rpc_client_t *inventory, const char *sku)
{
    json_t *reply = itest_callf (inventory, "inventory.availability", true, "{\"skus\":[\"%s\"]}", sku);
    int64_t reserved = itest_int (json_array_get (json_object_get (reply, "items"), 0), "reserved");
    json_decref (reply);
    return reserved;
}

int
itest_count_events (rpc_client_t *client, const char *type)
{
    int count = 0;
    int64_t from = 1;
    //  bounded: at most 1000 pages of 10000 events
    for (int page = 0; page < 1000; page++) {
        json_t *reply = itest_callf (client, "events.since", true, "{\"from\":%lld,\"max\":10000}", (long long) from);
        json_t *events = json_object_get (reply, "events");
        size_t i;
        json_t *event;
        json_array_foreach (events, i, event)
            count += strcmp (itest_str (event, "type"), type) == 0;
        bool more = json_array_size (events) > 0 && from + (int64_t) json_array_size (events) <= itest_int (reply, "last_seq");
        from += (int64_t) json_array_size (events);
        json_decref (reply);
        if (!more)
            break;
    }
    return count;
}

bool
itest_wait_reserved (rpc_client_t *inventory, const char *sku, int64_t expected, int timeout_ms)
{
    int64_t until = clock_mono_ms () + timeout_ms;
    int64_t reserved = -1;
    while (clock_mono_ms () < until) {
        bool ok = false;
        json_t *reply = NULL;
        char body[128];
        snprintf (body, sizeof body, "{\"skus\":[\"%s\"]}", sku);
        if (mpjson_call (inventory, "inventory.availability", "itest", NULL, body, 2000, &ok, &reply) == 0 && ok)
            reserved = itest_int (json_array_get (json_object_get (reply, "items"), 0), "reserved");
        json_decref (reply);
        if (reserved == expected)
            return true;
        usleep (50000);
    }
    fprintf (stderr, "  %s: reserved %lld, expected %lld after %d ms\n", sku, (long long) reserved,
             (long long) expected, timeout_ms);
    return false;
}

void
itest_clients_connect (itest_clients_t *clients, const harness_mesh_t *mesh)
{
    itest_clients_close (clients);
    CHECK_EQ_INT (rpc_client_new (mesh->pricing_rpc, 1000, &clients->pricing), 0);
    CHECK_EQ_INT (rpc_client_new (mesh->inventory_rpc, 1000, &clients->inventory), 0);
    CHECK_EQ_INT (rpc_client_new (mesh->orders_rpc, 1000, &clients->orders), 0);
}

void
itest_clients_close (itest_clients_t *clients)
{
    rpc_client_destroy (&clients->pricing);
    rpc_client_destroy (&clients->inventory);
    rpc_client_destroy (&clients->orders);
}
