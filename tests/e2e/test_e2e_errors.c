//  End to end: what the gateway refuses, and what happens when inventory
//  is down. Every refusal is checked for its status, its problem+json body
//  and for leaving nothing behind: no order findable by its external ID,
//  nothing more reserved.
#include "clock.h"
#include "http.h"
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

//  Reserved units of a SKU, or -1 when availability cannot be had.
static int64_t
s_reserved (const char *sku)
{
    json_t *item = http_stock (&mesh, sku, NULL);
    int64_t reserved = item ? http_json_int (item, "reserved") : -1;
    json_decref (item);
    return reserved;
}

static long
s_find (const char *external_id)
{
    return http_find_order (&mesh, external_id, NULL);
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
        if (strcmp (http_json_str (json_array_get (errors, i), "pointer"), pointer) == 0)
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
    http_expect_problem (&res, r->status, r->slug, r->what);
    if (r->pointer)
        s_expect_pointer (&res, r->pointer, r->what);
    harness_http_free (&res);
    CHECK_EQ_INT (s_find (r->external_id), 404);
    CHECK_EQ_INT (s_reserved ("CAP"), cap);
    CHECK_EQ_INT (s_reserved ("TEE"), tee);
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
        //  valid JSON that jansson cannot hold: still the field's fault
        {"integer past 64 bits", NULL,
         "{\"external_id\":\"E2E-B\",\"account_id\":\"001A\",\"currency\":\"USD\",\"lines\":["
         "{\"sku\":\"CAP\",\"quantity\":9223372036854775808,\"unit_price\":500}]}",
         NULL, NULL, 422, "validation", "/lines/0/quantity", "E2E-B"},
        {"number past a double", NULL,
         "{\"external_id\":\"E2E-D\",\"account_id\":\"001A\",\"currency\":\"USD\",\"lines\":["
         "{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":1e400}]}",
         NULL, NULL, 422, "validation", "/lines/0/unit_price", "E2E-D"},
        {"fraction for an integer", NULL,
         "{\"external_id\":\"E2E-R\",\"account_id\":\"001A\",\"currency\":\"USD\",\"lines\":["
         "{\"sku\":\"CAP\",\"quantity\":1.5,\"unit_price\":500}]}",
         NULL, NULL, 422, "validation", "/lines/0/quantity", "E2E-R"},
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

//  body is refused with a 422 whose errors name both pointers, and no
//  order is made under external_id.
static void
s_expect_two_faults (const char *body, const char *external_id, const char *first, const char *second,
                     const char *what)
{
    harness_http_t res;
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", body), 0);
    http_expect_problem (&res, 422, "validation", what);
    s_expect_pointer (&res, first, what);
    s_expect_pointer (&res, second, what);
    harness_http_free (&res);
    CHECK_EQ_INT (s_find (external_id), 404);
}

//  The details a person needs: line and column of bad JSON, every field
//  at fault at once (a missing member does not hide a constraint broken
//  elsewhere, nor does one constraint hide another), the header at fault
//  by name.
static void
test_problem_details (void)
{
    harness_http_t res;
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", "{\n  \"external_id\": \"E2E-M\",\n  oops\n}"), 0);
    http_expect_problem (&res, 400, "malformed-json", "malformed JSON");
    json_t *error = json_array_get (json_object_get (res.json, "errors"), 0);
    CHECK_EQ_INT (http_json_int (error, "line"), 3);
    CHECK (http_json_int (error, "column") > 0);
    harness_http_free (&res);

    s_expect_two_faults ("{\"external_id\":\"E2E-2F\",\"currency\":\"usd\",\"lines\":["
                         "{\"sku\":\"CAP\",\"quantity\":1,\"unit_price\":500}]}",
                         "E2E-2F", "/account_id", "/currency", "two faults");
    s_expect_two_faults ("{\"external_id\":\"E2E-2C\",\"account_id\":\"001A\",\"currency\":\"usd\",\"lines\":["
                         "{\"sku\":\"CAP\",\"quantity\":0,\"unit_price\":500}]}",
                         "E2E-2C", "/currency", "/lines/0/quantity", "two constraint faults");

    char order[256];
    s_order_body (order, sizeof order, "E2E-IK");
    const char *headers[] = {"Idempotency-Key: has space", NULL};
    CHECK_EQ_INT (http_call_with (&mesh, &res, "POST", "/v1/orders", order, headers), 0);
    error = json_array_get (json_object_get (res.json, "errors"), 0);
    CHECK_STR (http_json_str (error, "parameter"), "Idempotency-Key");
    CHECK_STR (http_json_str (error, "in"), "header");
    harness_http_free (&res);

    //  a 401 says how to authenticate
    CHECK_EQ_INT (http_get_public (&mesh, &res, "/v1/availability?sku=CAP"), 0);
    http_expect_problem (&res, 401, "unauthorized", "no key on a GET");
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
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", body), 0);
    http_expect_problem (&res, 413, "payload-too-large", "body over 1 MiB");
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
    CHECK_EQ_INT (http_get_public (&mesh, &res, "/readyz"), 0);
    CHECK_EQ_INT (res.status, 503);
    CHECK_STR (http_json_str (res.json, "status"), "not_ready");
    json_t *services = json_object_get (res.json, "services");
    CHECK_STR (http_json_str (json_object_get (services, "inventory"), "status"), "down");
    CHECK (*http_json_str (json_object_get (services, "inventory"), "error"));
    CHECK_STR (http_json_str (json_object_get (services, "orders"), "status"), "ok");
    CHECK_STR (http_json_str (json_object_get (services, "pricing"), "status"), "ok");
    CHECK (*res.retry_after);
    harness_http_free (&res);

    char order[256];
    s_order_body (order, sizeof order, "E2E-D");
    int64_t started = clock_mono_ms ();
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", order), 0);
    int64_t took = clock_mono_ms () - started;
    http_expect_problem (&res, 503, "unavailable", "inventory down");
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
        ready = http_get_public (&mesh, &res, "/readyz") == 0 ? res.status : 0;
        harness_http_free (&res);
    }
    CHECK_EQ_INT (ready, 200);
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", order), 0);
    CHECK_EQ_INT (res.status, 201);
    harness_http_free (&res);
    CHECK_EQ_INT (s_reserved ("CAP"), cap + 1);
    CHECK_EQ_INT (s_find ("E2E-D"), 200);
}

static void
setup_catalogue (void)
{
    http_put (&mesh, "/v1/prices/USD/CAP", "{\"unit_price\":500}");
    http_put (&mesh, "/v1/prices/USD/TEE", "{\"unit_price\":1999}");
    http_put (&mesh, "/v1/prices/USD/GHOST", "{\"unit_price\":100}");
    http_put (&mesh, "/v1/stock/WH-EAST/CAP", "{\"on_hand\":50}");
    http_put (&mesh, "/v1/stock/WH-EAST/TEE", "{\"on_hand\":10}");
}

int
main (void)
{
    static void (*const tests[]) (void) = {setup_catalogue, test_refusals, test_problem_details,
                                           test_too_large, test_inventory_down, NULL};
    mesh.extra_args[MESH_IX_ORDERS] = s_orders_args;
    mesh.extra_args[MESH_IX_GATEWAY] = s_gateway_args;
    return http_main (&mesh, "test_e2e_errors", tests);
}
