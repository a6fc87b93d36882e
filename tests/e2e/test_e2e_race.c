//  End to end: eight HTTP clients race 400 one-unit orders for a SKU with
//  100 on hand, through the gateway, with the services durable. Exactly
//  100 win; the rest are told the stock is short; a ninth client watching
//  availability meanwhile never sees it go below zero or stock appear.
//  Then the eight send one and the same order at the same moment: one
//  order, one reservation.
#include "clock.h"
#include "http.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define CLIENTS 8
#define ORDERS 400
#define PER_CLIENT (ORDERS / CLIENTS)
#define ON_HAND 100
//  nothing may keep the race going past this
#define RACE_MS 45000
#define REQUEST_MS 10000

static harness_mesh_t mesh;
static int64_t s_race_end;

//  What one order got.
typedef struct {
    long status;
    bool short_stock;          //  a 409 of type insufficient-stock
    char order_id[40];
} outcome_t;

static outcome_t s_outcomes[ORDERS];

typedef struct {
    int index;
    int count;                 //  orders to send
    outcome_t *outcomes;       //  count of them
    bool duplicate;            //  all clients send the same order
    pthread_barrier_t *start;
    int curl_errors;
} client_t;

//  What the watcher saw.
typedef struct {
    atomic_bool stop;
    int polls;
    int failures;              //  answers that were not 200 with one item
    int64_t min_available;
    int64_t max_reserved;
    int went_back;             //  reserved smaller than in an earlier poll
    int inconsistent;          //  on_hand != 100 or reserved + available != on_hand
} watcher_t;

static void
s_record (outcome_t *out, long status, const harness_http_t *buf)
{
    out->status = status;
    json_t *json = buf->body ? json_loadb (buf->body, buf->body_len, 0, NULL) : NULL;
    bool order = status == 200 || status == 201;
    const char *text = json_string_value (json_object_get (json, order ? "order_id" : "type"));
    if (order && text)
        snprintf (out->order_id, sizeof out->order_id, "%s", text);
    out->short_stock = status == 409 && text
                       && strcmp (text, "https://retailmesh.dev/problems/insufficient-stock") == 0;
    json_decref (json);
}

//  One client: its own curl handle (one keep-alive connection), its
//  orders one after the other once every client is ready.
static void *
s_client (void *arg)
{
    client_t *client = arg;
    CURL *curl = curl_easy_init ();
    char auth[128], url[128];
    snprintf (auth, sizeof auth, "Authorization: Bearer %s", mesh.api_key);
    snprintf (url, sizeof url, "%s/v1/orders", mesh.base_url);
    struct curl_slist *headers = NULL, *more = NULL;
    const char *lines[] = {auth, "Content-Type: application/json", "Expect:"};
    for (int i = 0; i < 3 && (more = curl_slist_append (headers, lines[i])); i++)
        headers = more;
    CURLcode rc = curl && more ? CURLE_OK : CURLE_OUT_OF_MEMORY;
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_URL, url);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) REQUEST_MS);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, harness_http_collect);
    pthread_barrier_wait (client->start);
    for (int i = 0; rc == CURLE_OK && i < client->count && clock_mono_ms () < s_race_end; i++) {
        int n = client->index * client->count + i;
        char body[256];
        if (client->duplicate)
            snprintf (body, sizeof body,
                      "{\"external_id\":\"DUP-1\",\"account_id\":\"A\",\"currency\":\"USD\","
                      "\"lines\":[{\"sku\":\"DUP\",\"quantity\":1,\"unit_price\":300}]}");
        else
            snprintf (body, sizeof body,
                      "{\"external_id\":\"RACE-%03d\",\"account_id\":\"A%d\",\"currency\":\"USD\","
                      "\"lines\":[{\"sku\":\"HOT\",\"quantity\":1,\"unit_price\":700}]}", n, client->index);
        harness_http_t buf = {0};
        long status = 0;
        CURLcode sent = curl_easy_setopt (curl, CURLOPT_WRITEDATA, &buf);
        if (sent == CURLE_OK) sent = curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
        if (sent == CURLE_OK) sent = curl_easy_perform (curl);
        if (sent == CURLE_OK) sent = curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
        if (sent == CURLE_OK)
            s_record (&client->outcomes[i], status, &buf);
        else
            client->curl_errors++;
        free (buf.body);
    }
    if (rc != CURLE_OK)
        client->curl_errors++;
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    return NULL;
}

static void *
s_watch (void *arg)
{
    watcher_t *w = arg;
    w->min_available = INT64_MAX;
    w->max_reserved = 0;
    while (!atomic_load (&w->stop) && clock_mono_ms () < s_race_end) {
        json_t *item = http_stock (&mesh, "HOT", NULL);
        if (!item)
            w->failures++;
        else {
            int64_t on_hand = http_json_int (item, "on_hand");
            int64_t reserved = http_json_int (item, "reserved");
            int64_t available = http_json_int (item, "available");
            w->polls++;
            w->min_available = available < w->min_available ? available : w->min_available;
            w->went_back += reserved < w->max_reserved;
            w->max_reserved = reserved > w->max_reserved ? reserved : w->max_reserved;
            w->inconsistent += on_hand != ON_HAND || reserved + available != on_hand;
        }
        json_decref (item);
        usleep (5 * 1000);
    }
    return NULL;
}

static json_t *
s_get (const char *path)
{
    harness_http_t res;
    json_t *json = NULL;
    CHECK_EQ_INT (http_call (&mesh, &res, "GET", path, NULL), 0);
    if (res.status == 200)
        json = json_incref (res.json);
    harness_http_free (&res);
    return json;
}

//  Runs CLIENTS clients, each sending count orders into its part of
//  outcomes, all starting at once. Returns the number of curl failures.
static int
s_run_clients (int count, outcome_t *outcomes, bool duplicate)
{
    client_t clients[CLIENTS];
    pthread_t threads[CLIENTS];
    pthread_barrier_t start;
    if (pthread_barrier_init (&start, NULL, CLIENTS) != 0) {
        CHECK (!"barrier created");
        return 0;
    }
    int running = 0;
    for (; running < CLIENTS; running++) {
        clients[running] = (client_t) {.index = running, .count = count, .duplicate = duplicate,
                                       .outcomes = outcomes + running * count, .start = &start};
        if (pthread_create (&threads[running], NULL, s_client, &clients[running]) != 0)
            break;
    }
    //  a client missing would leave the others at the barrier for ever
    if (running < CLIENTS) {
        fprintf (stderr, "  only %d of %d clients started; giving up\n", running, CLIENTS);
        abort ();
    }
    int curl_errors = 0;
    for (int i = 0; i < running; i++) {
        pthread_join (threads[i], NULL);
        curl_errors += clients[i].curl_errors;
    }
    pthread_barrier_destroy (&start);
    return curl_errors;
}

static void
test_race (void)
{
    //  the stock is spread over two locations, so a reservation may span them
    http_put (&mesh, "/v1/prices/USD/HOT", "{\"unit_price\":700}");
    http_put (&mesh, "/v1/stock/WH-EAST/HOT", "{\"on_hand\":60}");
    http_put (&mesh, "/v1/stock/WH-WEST/HOT", "{\"on_hand\":40}");

    pthread_t watcher_thread;
    watcher_t watcher = {.stop = false};
    s_race_end = clock_mono_ms () + RACE_MS;
    int64_t started = clock_mono_ms ();
    bool watching = pthread_create (&watcher_thread, NULL, s_watch, &watcher) == 0;
    CHECK (watching);
    int curl_errors = s_run_clients (PER_CLIENT, s_outcomes, false);
    atomic_store (&watcher.stop, true);
    if (watching)
        pthread_join (watcher_thread, NULL);
    fprintf (stderr, "  race: %d orders in %lld ms; %d availability polls\n", ORDERS,
             (long long) (clock_mono_ms () - started), watcher.polls);

    int created = 0, short_stock = 0;
    for (int i = 0; i < ORDERS; i++) {
        created += s_outcomes[i].status == 201;
        short_stock += s_outcomes[i].short_stock;
        if (s_outcomes[i].status != 201 && !s_outcomes[i].short_stock && s_outcomes[i].status)
            fprintf (stderr, "  RACE-%03d: unexpected %ld\n", i, s_outcomes[i].status);
    }
    CHECK_EQ_INT (curl_errors, 0);
    CHECK_EQ_INT (created, ON_HAND);
    CHECK_EQ_INT (short_stock, ORDERS - ON_HAND);

    CHECK (watcher.polls > 0);
    CHECK_EQ_INT (watcher.failures, 0);
    CHECK (watcher.min_available >= 0);
    CHECK_EQ_INT (watcher.went_back, 0);
    CHECK_EQ_INT (watcher.inconsistent, 0);

    json_t *stock = s_get ("/v1/availability?sku=HOT");
    json_t *item = json_array_get (json_object_get (stock, "items"), 0);
    CHECK_EQ_INT (http_json_int (item, "on_hand"), ON_HAND);
    CHECK_EQ_INT (http_json_int (item, "reserved"), ON_HAND);
    CHECK_EQ_INT (http_json_int (item, "available"), 0);
    json_decref (stock);

    //  each winner's order is stored under its external ID with one unit
    //  held; no loser left an order behind
    int mismatched = 0;
    for (int i = 0; i < ORDERS; i++) {
        char path[64];
        snprintf (path, sizeof path, "/v1/orders?external_id=RACE-%03d", i);
        json_t *order = s_get (path);
        json_t *line = json_array_get (json_object_get (order, "lines"), 0);
        json_t *held = json_array_get (json_object_get (line, "reservations"), 0);
        bool ok = s_outcomes[i].status == 201
                ? strcmp (http_json_str (order, "order_id"), s_outcomes[i].order_id) == 0
                  && http_json_int (held, "quantity") == 1
                : order == NULL;
        mismatched += !ok;
        json_decref (order);
    }
    CHECK_EQ_INT (mismatched, 0);
    int same_id = 0;
    for (int i = 0; i < ORDERS; i++)
        for (int k = i + 1; k < ORDERS && s_outcomes[i].status == 201; k++)
            same_id += s_outcomes[k].status == 201 && strcmp (s_outcomes[i].order_id, s_outcomes[k].order_id) == 0;
    CHECK_EQ_INT (same_id, 0);
}

//  The same order from every client at once: the first makes it, the
//  others wait for it and get it with 200.
static void
test_duplicates_at_once (void)
{
    http_put (&mesh, "/v1/prices/USD/DUP", "{\"unit_price\":300}");
    http_put (&mesh, "/v1/stock/WH-EAST/DUP", "{\"on_hand\":50}");
    outcome_t outcomes[CLIENTS];
    memset (outcomes, 0, sizeof outcomes);
    s_race_end = clock_mono_ms () + RACE_MS;
    CHECK_EQ_INT (s_run_clients (1, outcomes, true), 0);
    int created = 0, repeated = 0, other_id = 0;
    for (int i = 0; i < CLIENTS; i++) {
        created += outcomes[i].status == 201;
        repeated += outcomes[i].status == 200;
        other_id += strcmp (outcomes[i].order_id, outcomes[0].order_id) != 0;
        if (outcomes[i].status != 200 && outcomes[i].status != 201)
            fprintf (stderr, "  duplicate %d: unexpected %ld\n", i, outcomes[i].status);
    }
    CHECK_EQ_INT (created, 1);
    CHECK_EQ_INT (repeated, CLIENTS - 1);
    CHECK_EQ_INT (other_id, 0);
    json_t *stock = s_get ("/v1/availability?sku=DUP");
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (stock, "items"), 0), "reserved"), 1);
    json_decref (stock);
    json_t *order = s_get ("/v1/orders?external_id=DUP-1");
    CHECK_STR (http_json_str (order, "order_id"), outcomes[0].order_id);
    json_decref (order);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_race, test_duplicates_at_once, NULL};
    return http_main (&mesh, "test_e2e_race", tests);
}
