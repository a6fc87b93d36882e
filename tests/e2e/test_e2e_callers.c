//  End to end: who made a write, and the keys that say so kept secret.
//  Two API keys (one named in the gateway's hashes file, one not): writes
//  made with each record their caller in the envelopes of the events they
//  cause, in the calls between services and in the order's history; and
//  after a run of good and refused calls, with every service logging at
//  debug level, no log and no answer holds a key or a key's hash.
#include "http.h"
#include "itest.h"
#include "clock.h"
#include "sha256.h"
#include <string.h>
#include <unistd.h>

static harness_mesh_t mesh;
static itest_clients_t clients;

#define KEY_A "callers-key-a-5f1c9e0d7b"
#define KEY_B "callers-key-b-93ad04e611"
#define WRONG_KEY "callers-wrong-secret-7d2e40"

static char s_hash_a[SHA256_HEX_LEN + 1], s_hash_b[SHA256_HEX_LEN + 1], s_hash_wrong[SHA256_HEX_LEN + 1];
static char s_caller_b[32];       //  key B has no name: "key-" and its hash's first 8 hex digits
static char s_order_id[64];

//  Every secret of the run, which nothing may show.
static const char *const *
s_secrets (void)
{
    static const char *secrets[] = {KEY_A, KEY_B, WRONG_KEY, s_hash_a, s_hash_b, s_hash_wrong, NULL};
    return secrets;
}

//  The answer's body holds no secret.
static void
s_check_clean (const harness_http_t *res, const char *what)
{
    for (const char *const *secret = s_secrets (); *secret; secret++)
        if (res->body && strstr (res->body, *secret)) {
            fprintf (stderr, "%s: the answer shows a secret: %s\n", what, res->body);
            CHECK (false);
        }
}

//  A call with key (NULL: none) and extra headers; its answer is checked
//  for secrets.
static void
s_call_as (harness_http_t *res, const char *key, const char *method, const char *path, const char *body,
           const char *const *headers)
{
    char url[512];
    snprintf (url, sizeof url, "%s%s", mesh.base_url, path);
    CHECK_EQ_INT (harness_http (res, method, url, key, body ? "application/json" : NULL, body,
                                body ? strlen (body) : 0, headers),
                  0);
    s_check_clean (res, path);
}

//  The caller in the envelope of the last event of type about order_id
//  (when not NULL) in the log of client's service; "" when there is none.
static void
s_event_caller (rpc_client_t *client, const char *type, const char *order_id, char *caller, size_t size)
{
    json_t *reply = itest_call (client, "events.since", true, "{\"from\":1,\"max\":10000}");
    size_t i;
    json_t *event;
    caller[0] = '\0';
    json_array_foreach (json_object_get (reply, "events"), i, event)
        if (strcmp (itest_str (event, "type"), type) == 0
            && (!order_id || strcmp (itest_str (json_object_get (event, "body"), "order_id"), order_id) == 0))
            snprintf (caller, size, "%s", itest_str (event, "caller"));
    json_decref (reply);
}

//  Submit with key A, cancel with key B: each event and history entry
//  names its caller; the calls orders made for A's submission carry A, and
//  the release inventory makes on B's cancellation carries B.
static void
test_callers (void)
{
    harness_http_t res;
    s_call_as (&res, KEY_A, "PUT", "/v1/prices/USD/AUDIT-1", "{\"unit_price\":700}", NULL);
    http_expect_status (&res, 200, "price with key A");
    harness_http_free (&res);
    s_call_as (&res, KEY_B, "PUT", "/v1/stock/WH-A/AUDIT-1", "{\"on_hand\":10}", NULL);
    http_expect_status (&res, 200, "stock with key B");
    harness_http_free (&res);

    const char *cid_header[] = {"X-Correlation-Id: callers-cid-1", NULL};
    s_call_as (&res, KEY_A, "POST", "/v1/orders",
               "{\"external_id\":\"AUDIT-ORDER-1\",\"account_id\":\"ACCT-1\",\"currency\":\"USD\","
               "\"lines\":[{\"sku\":\"AUDIT-1\",\"quantity\":2,\"unit_price\":700}]}",
               cid_header);
    http_expect_status (&res, 201, "submit with key A");
    snprintf (s_order_id, sizeof s_order_id, "%s", http_json_str (res.json, "order_id"));
    harness_http_free (&res);
    char path[160];
    snprintf (path, sizeof path, "/v1/orders/%s/cancel", s_order_id);
    s_call_as (&res, KEY_B, "POST", path, "{\"reason\":\"audit\"}", NULL);
    http_expect_status (&res, 200, "cancel with key B");
    harness_http_free (&res);

    //  the history: accepted by A, cancelled by B
    snprintf (path, sizeof path, "/v1/orders/%s/events", s_order_id);
    s_call_as (&res, KEY_A, "GET", path, NULL, NULL);
    http_expect_status (&res, 200, "history");
    json_t *events = json_object_get (res.json, "events");
    CHECK_EQ_INT (json_array_size (events), 2);
    CHECK_STR (http_json_str (json_array_get (events, 0), "status"), "accepted");
    CHECK_STR (http_json_str (json_array_get (events, 0), "caller"), HARNESS_API_KEY_NAME);
    CHECK_STR (http_json_str (json_array_get (events, 1), "status"), "cancelled");
    CHECK_STR (http_json_str (json_array_get (events, 1), "caller"), s_caller_b);
    harness_http_free (&res);

    //  the event envelopes
    char caller[64];
    s_event_caller (clients.orders, "orders.order.accepted", s_order_id, caller, sizeof caller);
    CHECK_STR (caller, HARNESS_API_KEY_NAME);
    s_event_caller (clients.orders, "orders.order.cancelled", s_order_id, caller, sizeof caller);
    CHECK_STR (caller, s_caller_b);
    s_event_caller (clients.inventory, "inventory.stock.reserved", s_order_id, caller, sizeof caller);
    CHECK_STR (caller, HARNESS_API_KEY_NAME);
    //  inventory releases the stock when it applies orders' cancellation:
    //  on behalf of whoever cancelled
    int64_t until = clock_mono_ms () + 5000;
    s_event_caller (clients.inventory, "inventory.reservation.released", s_order_id, caller, sizeof caller);
    while (!*caller && clock_mono_ms () < until) {
        usleep (20000);
        s_event_caller (clients.inventory, "inventory.reservation.released", s_order_id, caller, sizeof caller);
    }
    CHECK_STR (caller, s_caller_b);
    s_event_caller (clients.pricing, "pricing.price.changed", NULL, caller, sizeof caller);
    CHECK_STR (caller, HARNESS_API_KEY_NAME);
    s_event_caller (clients.inventory, "inventory.stock.set", NULL, caller, sizeof caller);
    CHECK_STR (caller, s_caller_b);

    //  a write made on the service plane, not through the gateway, has none
    json_decref (itest_call (clients.pricing, "pricing.set", true,
                             "{\"currency\":\"USD\",\"sku\":\"AUDIT-2\",\"unit_price\":1}"));
    s_event_caller (clients.pricing, "pricing.price.changed", NULL, caller, sizeof caller);
    CHECK_STR (caller, "");
}

//  Refused keys in every shape: 401, and the answer shows none of them.
static void
test_refusals (void)
{
    char bearer_hash[128], basic[128];
    snprintf (bearer_hash, sizeof bearer_hash, "Authorization: Bearer %s", s_hash_a);
    snprintf (basic, sizeof basic, "Authorization: Basic %s", KEY_A);
    const char *hash_header[] = {bearer_hash, NULL};
    const char *basic_header[] = {basic, NULL};
    struct {
        const char *key;
        const char *const *headers;
    } tries[] = {{NULL, NULL}, {WRONG_KEY, NULL}, {NULL, hash_header}, {NULL, basic_header}, {s_hash_b, NULL}};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        harness_http_t res;
        s_call_as (&res, tries[i].key, "POST", "/v1/orders",
                   "{\"external_id\":\"AUDIT-REFUSED\",\"account_id\":\"ACCT-1\",\"currency\":\"USD\","
                   "\"lines\":[{\"sku\":\"AUDIT-1\",\"quantity\":1,\"unit_price\":700}]}",
                   tries[i].headers);
        http_expect_problem (&res, 401, "unauthorized", "a refused key");
        harness_http_free (&res);
        s_call_as (&res, tries[i].key, "GET", "/v1/orders?external_id=AUDIT-ORDER-1", NULL, tries[i].headers);
        http_expect_status (&res, 401, "a refused key, GET");
        harness_http_free (&res);
    }
}

//  After the mesh stopped: no log holds a secret; the logs were written
//  (the submission's correlation ID is in them).
static void
s_check_logs (void)
{
    char where[PATH_MAX];
    CHECK (harness_mesh_logs_find (&mesh, "callers-cid-1", NULL, 0) >= 2);
    for (const char *const *secret = s_secrets (); *secret; secret++) {
        int found = harness_mesh_logs_find (&mesh, *secret, where, sizeof where);
        if (found)
            fprintf (stderr, "%s holds the secret %s\n", where, *secret);
        CHECK_EQ_INT (found, 0);
    }
}

int
main (void)
{
    snprintf (mesh.api_key, sizeof mesh.api_key, "%s", KEY_A);
    snprintf (mesh.second_key, sizeof mesh.second_key, "%s", KEY_B);
    sha256_hex (KEY_A, strlen (KEY_A), s_hash_a);
    sha256_hex (KEY_B, strlen (KEY_B), s_hash_b);
    sha256_hex (WRONG_KEY, strlen (WRONG_KEY), s_hash_wrong);
    snprintf (s_caller_b, sizeof s_caller_b, "key-%.8s", s_hash_b);
    static const char *const debug[] = {"--log-level", "debug", NULL};
    for (int ix = 0; ix < MESH_NSERVICES; ix++)
        mesh.extra_args[ix] = debug;
    if (harness_mesh_start (&mesh, MESH_ALL) != 0) {
        CHECK (!"mesh started");
        harness_mesh_destroy (&mesh);
        return harness_report ("test_e2e_callers");
    }
    itest_clients_connect (&clients, &mesh);
    test_callers ();
    test_refusals ();
    itest_clients_close (&clients);
    CHECK_EQ_INT (harness_mesh_stop (&mesh), 0);
    s_check_logs ();
    harness_mesh_destroy (&mesh);
    return harness_report ("test_e2e_callers");
}
