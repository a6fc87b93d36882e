#include "http.h"

int
http_call_with (harness_mesh_t *m, harness_http_t *res, const char *method, const char *path,
                const char *json_body, const char *const *headers)
{
    char url[512];
    snprintf (url, sizeof url, "%s%s", m->base_url, path);
    return harness_http (res, method, url, m->api_key, json_body ? "application/json" : NULL, json_body,
                         json_body ? strlen (json_body) : 0, headers);
}

int
http_call (harness_mesh_t *m, harness_http_t *res, const char *method, const char *path,
           const char *json_body)
{
    return http_call_with (m, res, method, path, json_body, NULL);
}

int
http_get_public (harness_mesh_t *m, harness_http_t *res, const char *path)
{
    char url[512];
    snprintf (url, sizeof url, "%s%s", m->base_url, path);
    return harness_http (res, "GET", url, NULL, NULL, NULL, 0, NULL);
}

const char *
http_json_str (const json_t *obj, const char *key)
{
    const char *s = json_string_value (json_object_get (obj, key));
    return s ? s : "";
}

int64_t
http_json_int (const json_t *obj, const char *key)
{
    return json_integer_value (json_object_get (obj, key));
}

void
http_expect_status (const harness_http_t *res, long status, const char *what)
{
    CHECK_EQ_INT (res->status, status);
    if (res->status != status)
        fprintf (stderr, "  %s: %ld %s\n", what, res->status, res->body);
}

void
http_expect_problem (const harness_http_t *res, long status, const char *slug, const char *what)
{
    http_expect_status (res, status, what);
    CHECK (strncmp (res->content_type, "application/problem+json", 24) == 0);
    char type[128];
    snprintf (type, sizeof type, "https://retailmesh.dev/problems/%s", slug);
    CHECK_STR (http_json_str (res->json, "type"), type);
    CHECK_EQ_INT (http_json_int (res->json, "status"), status);
    CHECK (*res->correlation_id);
    CHECK_STR (http_json_str (res->json, "correlation_id"), res->correlation_id);
}

void
http_put (harness_mesh_t *m, const char *path, const char *json_body)
{
    harness_http_t res;
    CHECK_EQ_INT (http_call (m, &res, "PUT", path, json_body), 0);
    http_expect_status (&res, 200, path);
    harness_http_free (&res);
}

json_t *
http_stock (harness_mesh_t *m, const char *sku, long *status)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/availability?sku=%s", sku);
    harness_http_t res;
    json_t *item = NULL;
    long answered = http_call (m, &res, "GET", path, NULL) == 0 ? res.status : 0;
    if (answered == 200)
        item = json_incref (json_array_get (json_object_get (res.json, "items"), 0));
    harness_http_free (&res);
    if (status)
        *status = answered;
    return item;
}

long
http_find_order (harness_mesh_t *m, const char *external_id, json_t **order)
{
    char path[192];
    snprintf (path, sizeof path, "/v1/orders?external_id=%s", external_id);
    harness_http_t res;
    long status = http_call (m, &res, "GET", path, NULL) == 0 ? res.status : 0;
    if (order)
        *order = res.json ? json_incref (res.json) : json_object ();
    harness_http_free (&res);
    return status;
}

bool
http_order_in_flight (harness_mesh_t *m, const char *external_id)
{
    char path[192];
    snprintf (path, sizeof path, "/v1/orders?external_id=%s", external_id);
    harness_http_t res;
    bool in_flight = http_call (m, &res, "GET", path, NULL) == 0 && res.body
                     && strstr (res.body, "still being processed") != NULL;
    harness_http_free (&res);
    return in_flight;
}

int
http_main (harness_mesh_t *m, const char *name, void (*const *tests) (void))
{
    if (harness_mesh_start (m, MESH_ALL) != 0) {
        CHECK (!"mesh started");
        harness_mesh_destroy (m);
        return harness_report (name);
    }
    for (size_t i = 0; tests[i]; i++)
        tests[i] ();
    CHECK_EQ_INT (harness_mesh_stop (m), 0);
    harness_mesh_destroy (m);
    return harness_report (name);
}

json_t *
http_expect (harness_mesh_t *m, const char *method, const char *path, const char *json_body, long status)
{
    harness_http_t res;
    CHECK_EQ_INT (http_call (m, &res, method, path, json_body), 0);
    char what[256];
    snprintf (what, sizeof what, "%s %s", method, path);
    http_expect_status (&res, status, what);
    json_t *json = res.json ? json_incref (res.json) : json_object ();
    harness_http_free (&res);
    return json;
}
