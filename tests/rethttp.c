#include "rethttp.h"
#include "clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const s_milestones[] = {"picked", "packed", "shipped", "delivered"};

void
rethttp_order (harness_mesh_t *m, const char *external_id, const char *channel, const char *lines,
               bool delivered, int64_t occurred_at, char order_id[64])
{
    char body[2048];
    snprintf (body, sizeof body,
              "{\"external_id\":\"%s\",\"channel\":\"%s\",\"account_id\":\"ACC-RT\",\"currency\":\"EUR\","
              "\"lines\":%s}",
              external_id, channel, lines);
    json_t *order = http_expect (m, "POST", "/v1/orders", body, 201);
    snprintf (order_id, 64, "%s", http_json_str (order, "order_id"));
    json_decref (order);
    if (!*order_id)
        return;
    json_t *items = ffhttp_fulfillments (m, order_id, 1);
    CHECK_EQ_INT (json_array_size (items), 1);
    char ff[64];
    snprintf (ff, sizeof ff, "%s", http_json_str (json_array_get (items, 0), "fulfillment_id"));
    json_decref (items);
    int steps = delivered ? 4 : 3;
    for (int i = 0; i < steps; i++) {
        char event_id[160];
        snprintf (event_id, sizeof event_id, "%s-%s", external_id, s_milestones[i]);
        long status = ffhttp_milestone (m, ff, event_id, s_milestones[i], occurred_at + i * 1000, "", NULL);
        CHECK_EQ_INT (status, 200);
    }
    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s", order_id);
    const char *want = delivered ? "delivered" : "shipped";
    json_t *answer = ffhttp_wait_str (m, path, "status", want);
    CHECK_STR (http_json_str (answer, "status"), want);
    json_decref (answer);
}

static long
s_post (harness_mesh_t *m, const char *path, const char *idem, const char *body, json_t **reply)
{
    char header[192];
    snprintf (header, sizeof header, "Idempotency-Key: %s", idem ? idem : "");
    const char *const headers[] = {header, NULL};
    harness_http_t res;
    long status = http_call_with (m, &res, "POST", path, body, idem ? headers : NULL) == 0 ? res.status : 0;
    *reply = res.json ? json_incref (res.json) : json_object ();
    harness_http_free (&res);
    return status;
}

long
rethttp_authorize (harness_mesh_t *m, const char *idem, const char *body, json_t **reply)
{
    return s_post (m, "/v1/returns", idem, body, reply);
}

long
rethttp_receive (harness_mesh_t *m, const char *return_id, const char *body, json_t **reply)
{
    char path[256];
    snprintf (path, sizeof path, "/v1/returns/%s/receipt", return_id);
    return s_post (m, path, NULL, body, reply);
}

json_t *
rethttp_wait_status (harness_mesh_t *m, const char *return_id, const char *status)
{
    char path[256];
    snprintf (path, sizeof path, "/v1/returns/%s", return_id);
    json_t *answer = ffhttp_wait_str (m, path, "status", status);
    CHECK_STR (http_json_str (answer, "status"), status);
    return answer;
}

typedef struct {
    int64_t on_hand, quarantined;
} s_levels_t;

static const json_t *
s_location_row (const json_t *answer)
{
    return json_array_get (json_object_get (json_array_get (json_object_get (answer, "items"), 0), "locations"), 0);
}

static bool
s_has_levels (const json_t *answer, const void *arg)
{
    const s_levels_t *want = (const s_levels_t *) arg;
    const json_t *row = s_location_row (answer);
    return http_json_int (row, "on_hand") == want->on_hand && http_json_int (row, "quarantined") == want->quarantined;
}

json_t *
rethttp_expect_stock_at (harness_mesh_t *m, const char *sku, const char *location, int64_t on_hand,
                         int64_t quarantined)
{
    char path[192];
    snprintf (path, sizeof path, "/v1/availability?sku=%s&location=%s", sku, location);
    s_levels_t want = {on_hand, quarantined};
    json_t *answer = ffhttp_poll (m, path, s_has_levels, &want);
    json_t *row = json_incref ((json_t *) s_location_row (answer));
    json_decref (answer);
    CHECK_EQ_INT (http_json_int (row, "on_hand"), on_hand);
    CHECK_EQ_INT (http_json_int (row, "quarantined"), quarantined);
    return row ? row : json_object ();
}

void
rethttp_expect_errors (const json_t *problem, size_t count, const char *const *pointers, const char *const *codes)
{
    const json_t *errors = json_object_get (problem, "errors");
    CHECK_EQ_INT (json_array_size (errors), count);
    for (size_t i = 0; i < count && i < json_array_size (errors); i++) {
        const json_t *error = json_array_get (errors, i);
        CHECK_STR (http_json_str (error, "pointer"), pointers[i]);
        if (codes)
            CHECK_STR (http_json_str (error, "code"), codes[i]);
        CHECK (*http_json_str (error, "message"));
    }
    if (json_array_size (errors) != count) {
        char *text = json_dumps (problem, JSON_COMPACT);
        fprintf (stderr, "  problem: %s\n", text ? text : "?");
        free (text);
    }
}

bool
rethttp_crash_start (harness_mesh_t *m, int ix, const char *point, const char *skip)
{
    CHECK_EQ_INT (harness_mesh_stop_one (m, 1u << ix), 0);
    setenv ("RETAILMESH_CRASH_POINT", point, 1);
    setenv ("RETAILMESH_CRASH_SKIP", skip, 1);
    int rc = harness_mesh_start (m, 1u << ix);
    unsetenv ("RETAILMESH_CRASH_SKIP");
    unsetenv ("RETAILMESH_CRASH_POINT");
    CHECK_EQ_INT (rc, 0);
    return rc == 0;
}

bool
rethttp_crash_await (harness_mesh_t *m, int ix)
{
    int status = 0;
    bool crashed = false;
    for (int64_t until = clock_mono_ms () + FFHTTP_WAIT_MS; !crashed && clock_mono_ms () < until;
         nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL))
        crashed = !harness_alive (&m->procs[ix], &status);
    CHECK (crashed);
    if (!crashed) {
        fprintf (stderr, "  %s did not reach its crash point\n", m->names[ix]);
        return false;
    }
    CHECK_EQ_INT (status, 137);
    harness_mesh_forget_one (m, 1u << ix);
    CHECK_EQ_INT (harness_mesh_start (m, 1u << ix), 0);
    return true;
}
