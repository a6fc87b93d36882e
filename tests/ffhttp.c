#include "ffhttp.h"
#include "clock.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static void
s_nap (void)
{
    nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
}

//  GET path once: the answer when a 200 came, else NULL.
static json_t *
s_get (harness_mesh_t *m, const char *path)
{
    harness_http_t res;
    json_t *json = NULL;
    if (http_call (m, &res, "GET", path, NULL) == 0 && res.status == 200 && res.json)
        json = json_incref (res.json);
    harness_http_free (&res);
    return json;
}

json_t *
ffhttp_poll (harness_mesh_t *m, const char *path, ffhttp_done_fn *done, const void *arg)
{
    json_t *last = NULL;
    for (int64_t until = clock_mono_ms () + FFHTTP_WAIT_MS;; s_nap ()) {
        json_t *answer = s_get (m, path);
        if (answer) {
            json_decref (last);
            last = answer;
        }
        if ((last && done (last, arg)) || clock_mono_ms () >= until)
            break;
    }
    return last ? last : json_object ();
}

typedef struct {
    const char *key;
    size_t count;
} s_count_t;

static bool
s_has_count (const json_t *answer, const void *arg)
{
    const s_count_t *c = (const s_count_t *) arg;
    return json_array_size (json_object_get (answer, c->key)) == c->count;
}

json_t *
ffhttp_wait_count (harness_mesh_t *m, const char *path, const char *key, size_t count)
{
    s_count_t c = {key, count};
    return ffhttp_poll (m, path, s_has_count, &c);
}

json_t *
ffhttp_order_items (harness_mesh_t *m, const char *order_id, const char *what, size_t count)
{
    char path[160];
    snprintf (path, sizeof path, "/v1/orders/%s/%s", order_id, what);
    json_t *answer = ffhttp_wait_count (m, path, "items", count);
    json_t *items = json_incref (json_object_get (answer, "items"));
    json_decref (answer);
    return items ? items : json_array ();
}

json_t *
ffhttp_fulfillments (harness_mesh_t *m, const char *order_id, size_t count)
{
    return ffhttp_order_items (m, order_id, "fulfillments", count);
}

json_t *
ffhttp_at (json_t *items, const char *location)
{
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item)
        if (strcmp (http_json_str (item, "location"), location) == 0)
            return item;
    return NULL;
}

void
ffhttp_milestone_body (char *buf, size_t size, const char *event_id, const char *type, int64_t occurred_at,
                       const char *extra)
{
    char at[40];
    clock_format_rfc3339 (occurred_at, at, sizeof at);
    snprintf (buf, size, "{\"event_id\":\"%s\",\"type\":\"%s\",\"occurred_at\":\"%s\"%s}", event_id, type, at,
              extra ? extra : "");
}

long
ffhttp_milestone (harness_mesh_t *m, const char *fulfillment_id, const char *event_id, const char *type,
                  int64_t occurred_at, const char *extra, json_t **reply)
{
    char path[128], body[1024];
    snprintf (path, sizeof path, "/v1/fulfillments/%s/events", fulfillment_id);
    ffhttp_milestone_body (body, sizeof body, event_id, type, occurred_at, extra);
    harness_http_t res;
    long status = http_call (m, &res, "POST", path, body) == 0 ? res.status : 0;
    if (reply)
        *reply = res.json ? json_incref (res.json) : json_object ();
    harness_http_free (&res);
    return status;
}

typedef struct {
    const char *key, *value;
} s_str_t;

static bool
s_has_str (const json_t *answer, const void *arg)
{
    const s_str_t *s = (const s_str_t *) arg;
    return strcmp (http_json_str (answer, s->key), s->value) == 0;
}

json_t *
ffhttp_wait_str (harness_mesh_t *m, const char *path, const char *key, const char *value)
{
    s_str_t s = {key, value};
    return ffhttp_poll (m, path, s_has_str, &s);
}

typedef struct {
    int64_t on_hand, reserved;
} s_stock_t;

static bool
s_has_stock (const json_t *answer, const void *arg)
{
    const s_stock_t *s = (const s_stock_t *) arg;
    const json_t *item = json_array_get (json_object_get (answer, "items"), 0);
    return http_json_int (item, "on_hand") == s->on_hand && http_json_int (item, "reserved") == s->reserved;
}

void
ffhttp_expect_stock (harness_mesh_t *m, const char *sku, int64_t on_hand, int64_t reserved)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/availability?sku=%s", sku);
    s_stock_t s = {on_hand, reserved};
    json_t *answer = ffhttp_poll (m, path, s_has_stock, &s);
    const json_t *item = json_array_get (json_object_get (answer, "items"), 0);
    CHECK_EQ_INT (http_json_int (item, "on_hand"), on_hand);
    CHECK_EQ_INT (http_json_int (item, "reserved"), reserved);
    if (!s_has_stock (answer, &s))
        fprintf (stderr, "  stock of %s: expected %lld on hand, %lld reserved\n", sku, (long long) on_hand,
                 (long long) reserved);
    json_decref (answer);
}
