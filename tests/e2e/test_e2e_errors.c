//  End to end: what the gateway refuses, and what happens when inventory
//  is down. Every refusal is checked for its status, its problem+json body
//  and for leaving nothing behind: no order findable by its external ID,
//  nothing more reserved.
#include "clock.h"
#include "harness.h"
#include <stdlib.h>
#include <unistd.h>

static harness_mesh_t mesh;

//  orders gives up on a peer after 1 s, the gateway answers within 3 s
static const char *const s_orders_args[] = {"--call-timeout", "1000", NULL};
static const char *const s_gateway_args[] = {"--request-timeout", "3000", NULL};
#define ANSWER_WITHIN_MS 3500
//  how long releases queued while inventory was down may take to land
#define SETTLE_MS 15000

//  One request to refuse.
typedef struct {
    const char *what;
    const char *content_type;   //  NULL: application/json
    const char *body;           //  NULL: a valid order for external_id
    const char *api_key;        //  NULL: the mesh's key; "": no Authorization header
    const char *header;         //  one more header, or NULL
    long status;
    const char *slug;
    const char *pointer;        //  an error must name it (NULL: not checked)
    const char *external_id;
} refusal_t;

static int64_t
s_int (json_t *obj, const char *key)
{
    return json_integer_value (json_object_get (obj, key));
}

static const char *
s_str (json_t *obj, const char *key)
{
    const char *s = json_string_value (json_object_get (obj, key));
    return s ? s : "";
}

static int
s_call (harness_http_t *res, const char *method, const char *path, const char *body,
        const char *const *headers)
{
    char url[512];
    snprintf (url, sizeof url, "%s%s", mesh.base_url, path);
    return harness_http (res, method, url, mesh.api_key, body ? "application/json" : NULL, body,
                         body ? strlen (body) : 0, headers);
}

//  Reserved units of a SKU, or -1 when availability cannot be had.
static int64_t
s_reserved (const char *sku)
{
    char path[128];
    snprintf (path, sizeof path, "/v1/availability?sku=%s", sku);
    harness_http_t res;
    int64_t reserved = -1;
    if (s_call (&res, "GET", path, NULL, NULL) == 0 && res.status == 200)
        reserved = s_int (json_array_get (json_object_get (res.json, "items"), 0), "reserved");
    harness_http_free (&res);
    return reserved;
}

static long
s_find (const char *external_id)
{
    char path[192];
    snprintf (path, sizeof path, "/v1/orders?external_id=%s", external_id);
    harness_http_t res;
    long status = s_call (&res, "GET", path, NULL, NULL) == 0 ? res.status : 0;
    harness_http_free (&res);
    return status;
}

static void
s_order_body (char *body, size_t size, const char *external_id)
{
    snprintf (body, size,
              "{\"external_id\":\"%s\",\"account_id\":\"001A\",\"currency\":\"USD\","
              "\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}", external_id);
}

static bool
s_names_pointer (json_t *problem, const char *pointer)
{
    json_t *errors = json_object_get (problem, "errors");
    for (size_t i = 0; i < json_array_size (errors); i++)
        if (strcmp (s_str (json_array_get (errors, i), "pointer"), pointer) == 0)
            return true;
    return false;
}

//  An error of the problem must name pointer.
static void
s_expect_pointer (const harness_http_t *res, const char *pointer, const char *what)
{
    bool named = s_names_pointer (res->json, pointer);
    CHECK (named);
    if (!named)
        fprintf (stderr, "  %s: no error at %s in %s\n", what, pointer, res->body);
}

static void
s_expect_problem (const harness_http_t *res, long status, const char *slug, const char *what)
{
    CHECK_EQ_INT (res->status, status);
    if (res->status != status)
        fprintf (stderr, "  %s: %ld %s\n", what, res->status, res->body);
    CHECK (strncmp (res->content_type, "application/problem+json", 24) == 0);
    char type[128];
    snprintf (type, sizeof type, "https://retailmesh.dev/problems/%s", slug);
    CHECK_STR (s_str (res->json, "type"), type);
    CHECK_EQ_INT (s_int (res->json, "status"), status);
    CHECK (*res->correlation_id);
    CHECK_STR (s_str (res->json, "correlation_id"), res->correlation_id);
}

static void
s_refuse (const refusal_t *r)
{
    int64_t cap = s_reserved ("CAP"), tee = s_reserved ("TEE");
    char order[256];
    s_order_body (order, sizeof order, r->external_id);
    const char *body = r->body ? r->body : order;
    const char *headers[] = {r->header, NULL};
    char url[256];
    snprintf (url, sizeof url, "%s/v1/orders", mesh.base_url);
    harness_http_t res;
    const char *key = !r->api_key ? mesh.api_key : *r->api_key ? r->api_key : NULL;
    int rc = harness_http (&res, "POST", url, key,
                           r->content_type ? r->content_type : "application/json", body, strlen (body),
                           r->header ? headers : NULL);
    CHECK_EQ_INT (rc, 0);
    s_expect_problem (&res, r->status, r->slug, r->what);
    if (r->pointer)
        s_expect_pointer (&res, r->pointer, r->what);
    harness_http_free (&res);
    CHECK_EQ_INT (s_find (r->external_id), 404);
    CHECK_EQ_INT (s_reserved ("CAP"), cap);
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
}

static void
s_put (const char *path, const char *body)
{
    harness_http_t res;
    CHECK_EQ_INT (s_call (&res, "PUT", path, body, NULL), 0);
    CHECK_EQ_INT (res.status, 200);
    harness_http_free (&res);
}

static void
test_refusals (void)
{
    static const refusal_t refusals[] = {
        {"unknown SKU", NULL,
         "{\"external_id\":\"E2E-U\",\"account_id\":\"001A\",\"currency\":\"USD\",\"lines\":["
         "{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500},{\"sku\":\"NOPE\",\"quantity\":1,\"unit_price\":1}]}",
         NULL, NULL, 422, "unknown-reference", "/lines/1/sku", "E2E-U"},
        //  priced but never stocked: inventory does not know it
        {"SKU without stock", NULL,
         "{\"external_id\":\"E2E-G\",\"account_id\":\"001A\",\"currency\":\"USD\",\"lines\":["
         "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1999},{\"sku\":\"GHOST\",\"quantity\":1,\"unit_price\":100}]}",
         NULL, NULL, 422, "unknown-reference", "/lines/1/sku", "E2E-G"},
        {"unknown currency", NULL,
         "{\"external_id\":\"E2E-Y\",\"account_id\":\"001A\",\"currency\":\"JPY\",\"lines\":["
         "{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
         NULL, NULL, 422, "unknown-reference", "/currency", "E2E-Y"},
        {"malformed JSON", NULL, "{\"external_id\":\"E2E-M\",\"account_id\":", NULL, NULL, 400,
         "malformed-json", NULL, "E2E-M"},
        {"missing field", NULL,
         "{\"external_id\":\"E2E-F\",\"currency\":\"USD\",\"lines\":[{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
         NULL, NULL, 422, "validation", "/account_id", "E2E-F"},
        {"wrong type", NULL,
         "{\"external_id\":\"E2E-T\",\"account_id\":\"001A\",\"currency\":\"USD\",\"lines\":["
         "{\"sku\":\"CAP\",\"quantity\":\"1\",\"unit_price\":500}]}",
         NULL, NULL, 422, "validation", "/lines/0/quantity", "E2E-T"},
        {"unknown member", NULL,
         "{\"external_id\":\"E2E-X\",\"account_id\":\"001A\",\"currency\":\"USD\",\"coupon\":\"FREE\",\"lines\":["
         "{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
         NULL, NULL, 422, "validation", "/coupon", "E2E-X"},
        {"wrong content type", "text/plain", NULL, NULL, NULL, 415, "unsupported-media-type", NULL, "E2E-CT"},
        {"no key", NULL, NULL, "", NULL, 401, "unauthorized", NULL, "E2E-K0"},
        {"wrong key", NULL, NULL, "not-the-key", NULL, 401, "unauthorized", NULL, "E2E-K1"},
        {"bad Idempotency-Key", NULL, NULL, NULL, "Idempotency-Key: has space", 422, "validation", NULL,
         "E2E-IK"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        s_refuse (&refusals[i]);
}

//  The details a person needs: line and column of bad JSON, every field
//  at fault at once, the header at fault by name. The two "every field"
//  bodies FAIL at present (reported): the gateway lists only the first
//  fault, and none of the catalogue's constraints while a member is
//  missing or unknown.
static void
test_problem_details (void)
{
    harness_http_t res;
    CHECK_EQ_INT (s_call (&res, "POST", "/v1/orders", "{\n  \"external_id\": \"E2E-M\",\n  oops\n}", NULL), 0);
    s_expect_problem (&res, 400, "malformed-json", "malformed JSON");
    json_t *error = json_array_get (json_object_get (res.json, "errors"), 0);
    CHECK_EQ_INT (s_int (error, "line"), 3);
    CHECK (s_int (error, "column") > 0);
    harness_http_free (&res);

    CHECK_EQ_INT (s_call (&res, "POST", "/v1/orders",
                          "{\"external_id\":\"E2E-2F\",\"currency\":\"usd\",\"lines\":["
                          "{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}", NULL), 0);
    s_expect_problem (&res, 422, "validation", "two faults");
    s_expect_pointer (&res, "/account_id", "two faults");
    s_expect_pointer (&res, "/currency", "two faults (known bug: only the first fault listed)");
    harness_http_free (&res);
    CHECK_EQ_INT (s_find ("E2E-2F"), 404);
    CHECK_EQ_INT (s_call (&res, "POST", "/v1/orders",
                          "{\"external_id\":\"E2E-2C\",\"account_id\":\"001A\",\"currency\":\"usd\",\"lines\":["
                          "{\"sku\":\"CAP\",\"quantity\":0,\"unit_price\":500}]}", NULL), 0);
    s_expect_problem (&res, 422, "validation", "two constraint faults");
    s_expect_pointer (&res, "/currency", "two constraint faults");
    s_expect_pointer (&res, "/lines/0/quantity", "two constraint faults (known bug: only the first fault listed)");
    harness_http_free (&res);
    CHECK_EQ_INT (s_find ("E2E-2C"), 404);

    char order[256];
    s_order_body (order, sizeof order, "E2E-IK");
    const char *headers[] = {"Idempotency-Key: has space", NULL};
    CHECK_EQ_INT (s_call (&res, "POST", "/v1/orders", order, headers), 0);
    error = json_array_get (json_object_get (res.json, "errors"), 0);
    CHECK_STR (s_str (error, "parameter"), "Idempotency-Key");
    CHECK_STR (s_str (error, "in"), "header");
    harness_http_free (&res);

    //  a 401 says how to authenticate
    char url[256];
    snprintf (url, sizeof url, "%s/v1/availability?sku=CAP", mesh.base_url);
    CHECK_EQ_INT (harness_http (&res, "GET", url, NULL, NULL, NULL, 0, NULL), 0);
    s_expect_problem (&res, 401, "unauthorized", "no key on a GET");
    harness_http_free (&res);
}

static void
test_too_large (void)
{
    int64_t cap = s_reserved ("CAP");
    //  a valid order padded past 1 MiB with spaces
    size_t size = 1024 * 1024 + 64;
    char *body = malloc (size + 1);
    if (!body) {
        CHECK (!"memory for the large body");
        return;
    }
    char order[256];
    s_order_body (order, sizeof order, "E2E-H");
    size_t len = strlen (order);
    memcpy (body, order, len);
    memset (body + len, ' ', size - len);
    body[size] = '\0';
    harness_http_t res;
    CHECK_EQ_INT (s_call (&res, "POST", "/v1/orders", body, NULL), 0);
    s_expect_problem (&res, 413, "payload-too-large", "body over 1 MiB");
    harness_http_free (&res);
    free (body);
    CHECK_EQ_INT (s_find ("E2E-H"), 404);
    CHECK_EQ_INT (s_reserved ("CAP"), cap);
}

static void
test_inventory_down (void)
{
    int64_t cap = s_reserved ("CAP");
    CHECK (cap >= 0);
    harness_mesh_kill_one (&mesh, MESH_INVENTORY);

    //  readiness names the service that is down
    harness_http_t res;
    char url[256];
    snprintf (url, sizeof url, "%s/readyz", mesh.base_url);
    CHECK_EQ_INT (harness_http (&res, "GET", url, NULL, NULL, NULL, 0, NULL), 0);
    CHECK_EQ_INT (res.status, 503);
    CHECK_STR (s_str (res.json, "status"), "not_ready");
    json_t *services = json_object_get (res.json, "services");
    CHECK_STR (s_str (json_object_get (services, "inventory"), "status"), "down");
    CHECK (*s_str (json_object_get (services, "inventory"), "error"));
    CHECK_STR (s_str (json_object_get (services, "orders"), "status"), "ok");
    CHECK_STR (s_str (json_object_get (services, "pricing"), "status"), "ok");
    CHECK (*res.retry_after);
    harness_http_free (&res);

    char order[256];
    s_order_body (order, sizeof order, "E2E-D");
    int64_t started = clock_mono_ms ();
    CHECK_EQ_INT (s_call (&res, "POST", "/v1/orders", order, NULL), 0);
    int64_t took = clock_mono_ms () - started;
    s_expect_problem (&res, 503, "unavailable", "inventory down");
    CHECK (atoi (res.retry_after) > 0);
    harness_http_free (&res);
    fprintf (stderr, "  inventory down: 503 after %lld ms\n", (long long) took);
    CHECK (took < ANSWER_WITHIN_MS);
    CHECK_EQ_INT (s_find ("E2E-D"), 404);

    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    //  a reserve queued while inventory was down may land now; its release follows
    int64_t reserved = -1;
    for (int64_t until = clock_mono_ms () + SETTLE_MS; clock_mono_ms () < until; usleep (100 * 1000))
        if ((reserved = s_reserved ("CAP")) == cap)
            break;
    CHECK_EQ_INT (reserved, cap);
    CHECK_EQ_INT (s_find ("E2E-D"), 404);

    //  back up: ready again, and the refused order can be placed
    long ready = 0;
    for (int64_t until = clock_mono_ms () + SETTLE_MS; clock_mono_ms () < until && ready != 200;
         usleep (100 * 1000)) {
        ready = harness_http (&res, "GET", url, NULL, NULL, NULL, 0, NULL) == 0 ? res.status : 0;
        harness_http_free (&res);
    }
    CHECK_EQ_INT (ready, 200);
    CHECK_EQ_INT (s_call (&res, "POST", "/v1/orders", order, NULL), 0);
    CHECK_EQ_INT (res.status, 201);
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("CAP"), cap + 1);
    CHECK_EQ_INT (s_find ("E2E-D"), 200);
}

int
main (void)
{
    mesh.extra_args[MESH_IX_ORDERS] = s_orders_args;
    mesh.extra_args[MESH_IX_GATEWAY] = s_gateway_args;
    if (harness_mesh_start (&mesh, MESH_ALL) != 0) {
        CHECK (!"mesh started");
        harness_mesh_destroy (&mesh);
        return harness_report ("test_e2e_errors");
    }
    s_put ("/v1/prices/USD/CAP", "{\"unit_price\":500}");
    s_put ("/v1/prices/USD/TEE", "{\"unit_price\":1999}");
    s_put ("/v1/prices/USD/GHOST", "{\"unit_price\":100}");
    s_put ("/v1/stock/WH-EAST/CAP", "{\"on_hand\":50}");
    s_put ("/v1/stock/WH-EAST/TEE", "{\"on_hand\":10}");
    test_refusals ();
    test_problem_details ();
    test_too_large ();
    test_inventory_down ();
    CHECK_EQ_INT (harness_mesh_stop (&mesh), 0);
    harness_mesh_destroy (&mesh);
    return harness_report ("test_e2e_errors");
}
