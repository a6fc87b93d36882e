//  End to end through the gateway: price books decide prices. The most
//  specific book with an entry in effect prices a line (account, channel,
//  list) in quotes and in an order's price check; tiers apply from their
//  min_quantity; quotes say where a price came from and when it ends; the
//  price tolerance (--price-tolerance 5 here) decides whether a quoted
//  price matches; a future entry takes over at its valid_from by itself,
//  announced once by pricing.price.changed, also when pricing was down at
//  that moment.
#include "clock.h"
#include "http.h"
#include "itest.h"
#include <stdlib.h>
#include <time.h>

static harness_mesh_t mesh;
static itest_clients_t clients;

static void
s_pause_ms (long ms)
{
    nanosleep (&(struct timespec) {0, ms * 1000 * 1000}, NULL);
}

//  Quotes quantity units of sku for account and channel (NULL: none); the
//  answer's first line (free the answer), NULL when no 200 came.
static json_t *
s_quote (const char *sku, int quantity, const char *account, const char *channel, json_t **answer)
{
    char body[512];
    int n = snprintf (body, sizeof body, "{\"currency\":\"USD\",\"lines\":[{\"sku\":\"%s\",\"quantity\":%d}]", sku,
                      quantity);
    if (account)
        n += snprintf (body + n, sizeof body - (size_t) n, ",\"account_id\":\"%s\"", account);
    if (channel)
        n += snprintf (body + n, sizeof body - (size_t) n, ",\"channel\":\"%s\"", channel);
    snprintf (body + n, sizeof body - (size_t) n, "}");
    *answer = http_expect (&mesh, "POST", "/v1/prices/quote", body, 200);
    return json_array_get (json_object_get (*answer, "lines"), 0);
}

static void
s_check_quote (const char *sku, int quantity, const char *account, const char *channel, int64_t unit_price,
               const char *book)
{
    json_t *answer;
    json_t *line = s_quote (sku, quantity, account, channel, &answer);
    CHECK_EQ_INT (http_json_int (line, "unit_price"), unit_price);
    CHECK_STR (http_json_str (line, "price_book"), book);
    json_decref (answer);
}

//  The last change seen: when it took effect and when it was emitted (Unix ms).
typedef struct {
    int64_t changed_at, emitted;
} s_change_t;

//  The pricing.price.changed events about sku with cause (NULL: any); the
//  last one goes into last when it is not NULL.
static int
s_changes (const char *sku, const char *cause, s_change_t *last)
{
    json_t *reply = itest_call (clients.pricing, "events.since", true, "{\"from\":1,\"max\":10000}");
    size_t i;
    json_t *event;
    int count = 0;
    json_array_foreach (json_object_get (reply, "events"), i, event) {
        json_t *body = json_object_get (event, "body");
        if (strcmp (itest_str (event, "type"), "pricing.price.changed") == 0
            && strcmp (itest_str (body, "sku"), sku) == 0 && (!cause || strcmp (itest_str (body, "cause"), cause) == 0)) {
            count++;
            if (last)
                *last = (s_change_t) {itest_int (body, "changed_at"), itest_int (event, "time")};
        }
    }
    json_decref (reply);
    return count;
}

//  PUTs an entry of unit_price in book from the time from (Unix ms, sent as RFC 3339).
static void
s_put_from (const char *book, const char *sku, int64_t unit_price, int64_t from)
{
    char text[40], path[256], body[256];
    clock_format_rfc3339 (from, text, sizeof text);
    snprintf (path, sizeof path, "/v1/pricebooks/%s/entries/%s", book, sku);
    snprintf (body, sizeof body, "{\"unit_price\":%lld,\"valid_from\":\"%s\"}", (long long) unit_price, text);
    http_put (&mesh, path, body);
}

static void
test_books_and_most_specific (void)
{
    itest_clients_connect (&clients, &mesh);
    http_put (&mesh, "/v1/prices/USD/PB-TEE", "{\"unit_price\":1000}");
    http_put (&mesh, "/v1/prices/USD/PB-MUG", "{\"unit_price\":500}");
    json_t *book = http_expect (&mesh, "PUT", "/v1/pricebooks/web-usd",
                                "{\"name\":\"Web shop\",\"currency\":\"USD\",\"kind\":\"channel\",\"channel\":\"Web\"}",
                                200);
    CHECK_STR (http_json_str (book, "channel"), "web");
    CHECK_STR (http_json_str (book, "kind"), "channel");
    json_decref (book);
    http_put (&mesh, "/v1/pricebooks/acme-usd",
              "{\"name\":\"ACME contract\",\"currency\":\"USD\",\"kind\":\"account\",\"account_id\":\"ACME\"}");
    json_t *entry = http_expect (&mesh, "PUT", "/v1/pricebooks/web-usd/entries/PB-TEE", "{\"unit_price\":900}", 200);
    CHECK_STR (http_json_str (entry, "currency"), "USD");
    CHECK_EQ_INT (http_json_int (entry, "unit_price"), 900);
    json_decref (entry);
    http_put (&mesh, "/v1/pricebooks/acme-usd/entries/PB-TEE", "{\"unit_price\":800}");

    s_check_quote ("PB-TEE", 1, "ACME", "web", 800, "acme-usd");
    s_check_quote ("PB-TEE", 1, "OTHER", "WEB", 900, "web-usd");
    s_check_quote ("PB-TEE", 1, NULL, NULL, 1000, "list-usd");
    //  the specific books have no entry for the mug: the list book's
    s_check_quote ("PB-MUG", 1, "ACME", "web", 500, "list-usd");
    //  an account entry not yet in effect: the channel's
    int64_t later = clock_now_ms () + 3600 * 1000;
    s_put_from ("acme-usd", "PB-MUG", 450, later);
    http_put (&mesh, "/v1/pricebooks/web-usd/entries/PB-MUG", "{\"unit_price\":480}");
    s_check_quote ("PB-MUG", 1, "ACME", "web", 480, "web-usd");

    //  the books, listed and read
    json_t *list = http_expect (&mesh, "GET", "/v1/pricebooks?currency=USD", NULL, 200);
    CHECK_EQ_INT (json_array_size (json_object_get (list, "books")), 3);
    json_decref (list);
    list = http_expect (&mesh, "GET", "/v1/pricebooks?kind=list", NULL, 200);
    CHECK_EQ_INT (json_array_size (json_object_get (list, "books")), 1);
    CHECK_STR (http_json_str (json_array_get (json_object_get (list, "books"), 0), "book_id"), "list-usd");
    json_decref (list);
    book = http_expect (&mesh, "GET", "/v1/pricebooks/acme-usd", NULL, 200);
    CHECK_STR (http_json_str (book, "account_id"), "ACME");
    json_decref (book);
    json_t *entries = http_expect (&mesh, "GET", "/v1/pricebooks/acme-usd/entries/PB-MUG", NULL, 200);
    CHECK_EQ_INT (json_array_size (json_object_get (entries, "entries")), 1);
    char from[40];
    clock_format_rfc3339 (later, from, sizeof from);
    CHECK_STR (http_json_str (json_array_get (json_object_get (entries, "entries"), 0), "valid_from"), from);
    json_decref (entries);

    //  what is wrong is named
    harness_http_t res;
    http_call (&mesh, &res, "GET", "/v1/pricebooks/nope", NULL);
    http_expect_problem (&res, 404, "not-found", "unknown book");
    harness_http_free (&res);
    http_call (&mesh, &res, "PUT", "/v1/pricebooks/nope/entries/PB-TEE", "{\"unit_price\":1}");
    http_expect_problem (&res, 404, "not-found", "entry of an unknown book");
    harness_http_free (&res);
    http_call (&mesh, &res, "PUT", "/v1/pricebooks/web-2", "{\"name\":\"again\",\"currency\":\"USD\",\"kind\":\"channel\","
               "\"channel\":\"web\"}");
    http_expect_problem (&res, 409, "conflict", "second book of a channel");
    harness_http_free (&res);
    http_call (&mesh, &res, "PUT", "/v1/pricebooks/x", "{\"name\":\"x\",\"currency\":\"USD\",\"kind\":\"region\"}");
    http_expect_problem (&res, 422, "validation", "unknown kind");
    CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"), "/kind");
    harness_http_free (&res);
    http_call (&mesh, &res, "PUT", "/v1/pricebooks/list-usd/entries/PB-TEE",
               "{\"unit_price\":1,\"valid_from\":\"2030-01-02T00:00:00Z\",\"valid_to\":\"2030-01-01T00:00:00Z\"}");
    http_expect_problem (&res, 422, "validation", "window that ends before it begins");
    CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"), "/valid_to");
    harness_http_free (&res);
}

//  Tiers from their min_quantity; an end within the notice is reported.
static void
test_tiers_and_ends (void)
{
    http_put (&mesh, "/v1/pricebooks/list-usd/entries/PB-PEN",
              "{\"unit_price\":100,\"tiers\":[{\"min_quantity\":10,\"unit_price\":90},"
              "{\"min_quantity\":50,\"unit_price\":80}]}");
    json_t *answer;
    json_t *line = s_quote ("PB-PEN", 9, NULL, NULL, &answer);
    CHECK_EQ_INT (http_json_int (line, "unit_price"), 100);
    CHECK (json_object_get (line, "min_quantity") == NULL);
    json_decref (answer);
    line = s_quote ("PB-PEN", 10, NULL, NULL, &answer);
    CHECK_EQ_INT (http_json_int (line, "unit_price"), 90);
    CHECK_EQ_INT (http_json_int (line, "min_quantity"), 10);
    CHECK_EQ_INT (http_json_int (line, "extended_price"), 900);
    json_decref (answer);
    line = s_quote ("PB-PEN", 50, NULL, NULL, &answer);
    CHECK_EQ_INT (http_json_int (line, "min_quantity"), 50);
    json_decref (answer);

    char to[40], body[256];
    clock_format_rfc3339 (clock_now_ms () + 24 * 3600 * 1000, to, sizeof to);
    snprintf (body, sizeof body, "{\"unit_price\":300,\"valid_to\":\"%s\"}", to);
    http_put (&mesh, "/v1/pricebooks/list-usd/entries/PB-SOON", body);
    line = s_quote ("PB-SOON", 1, NULL, NULL, &answer);
    CHECK_STR (http_json_str (line, "valid_to"), to);
    json_decref (answer);
    clock_format_rfc3339 (clock_now_ms () + 30LL * 24 * 3600 * 1000, to, sizeof to);
    snprintf (body, sizeof body, "{\"unit_price\":300,\"valid_to\":\"%s\"}", to);
    http_put (&mesh, "/v1/pricebooks/list-usd/entries/PB-LATER", body);
    line = s_quote ("PB-LATER", 1, NULL, NULL, &answer);
    CHECK (json_object_get (line, "valid_to") == NULL);
    json_decref (answer);
}

//  Orders are checked against the order's account and channel books,
//  within the tolerance of 5 minor units.
static void
test_orders_and_tolerance (void)
{
    http_put (&mesh, "/v1/stock/WH-A/PB-TEE", "{\"on_hand\":100}");
    json_t *order = http_expect (&mesh, "POST", "/v1/orders",
                                 "{\"external_id\":\"PB-1\",\"account_id\":\"ACME\",\"channel\":\"web\","
                                 "\"currency\":\"USD\",\"lines\":[{\"sku\":\"PB-TEE\",\"quantity\":1,\"unit_price\":800}]}",
                                 201);
    json_decref (order);
    //  within the tolerance
    order = http_expect (&mesh, "POST", "/v1/orders",
                         "{\"external_id\":\"PB-2\",\"account_id\":\"ACME\",\"channel\":\"web\","
                         "\"currency\":\"USD\",\"lines\":[{\"sku\":\"PB-TEE\",\"quantity\":1,\"unit_price\":805}]}",
                         201);
    json_decref (order);
    //  the channel's price for another account; the list price is beyond the tolerance
    harness_http_t res;
    http_call (&mesh, &res, "POST", "/v1/orders",
               "{\"external_id\":\"PB-3\",\"account_id\":\"OTHER\",\"channel\":\"web\","
               "\"currency\":\"USD\",\"lines\":[{\"sku\":\"PB-TEE\",\"quantity\":1,\"unit_price\":1000}]}");
    http_expect_problem (&res, 409, "price-mismatch", "list price on the web channel");
    json_t *error = json_array_get (json_object_get (res.json, "errors"), 0);
    CHECK_EQ_INT (http_json_int (error, "expected"), 900);
    CHECK_STR (http_json_str (error, "price_book"), "web-usd");
    harness_http_free (&res);
    http_call (&mesh, &res, "POST", "/v1/orders",
               "{\"external_id\":\"PB-4\",\"account_id\":\"ACME\",\"channel\":\"web\","
               "\"currency\":\"USD\",\"lines\":[{\"sku\":\"PB-TEE\",\"quantity\":1,\"unit_price\":806}]}");
    http_expect_problem (&res, 409, "price-mismatch", "beyond the tolerance");
    harness_http_free (&res);
}

//  Polls the quote of sku until its unit price is want, up to deadline
//  (monotonic ms). Returns the last price seen.
static int64_t
s_wait_price (const char *sku, int64_t want, int64_t deadline)
{
    int64_t seen = -1;
    while (seen != want && clock_mono_ms () < deadline) {
        json_t *answer;
        seen = http_json_int (s_quote (sku, 1, NULL, NULL, &answer), "unit_price");
        json_decref (answer);
        if (seen != want)
            s_pause_ms (50);
    }
    return seen;
}

//  Polls until sku has count scheduled changes, up to deadline; returns the count seen.
static int
s_wait_changes (const char *sku, int count, int64_t deadline, s_change_t *last)
{
    int seen = s_changes (sku, "scheduled", last);
    while (seen < count && clock_mono_ms () < deadline) {
        s_pause_ms (50);
        seen = s_changes (sku, "scheduled", last);
    }
    return seen;
}

//  A future entry takes over on its own, announced once.
static void
test_future_price (void)
{
    http_put (&mesh, "/v1/prices/USD/PB-FUT", "{\"unit_price\":500}");
    int64_t from = clock_now_ms () + 2000;
    s_put_from ("list-usd", "PB-FUT", 450, from);
    CHECK_EQ_INT (s_changes ("PB-FUT", NULL, NULL), 1);
    s_check_quote ("PB-FUT", 1, NULL, NULL, 500, "list-usd");
    CHECK (clock_now_ms () < from);
    int64_t deadline = clock_mono_ms () + 10000;
    CHECK_EQ_INT (s_wait_price ("PB-FUT", 450, deadline), 450);
    s_change_t change = {0};
    CHECK_EQ_INT (s_wait_changes ("PB-FUT", 1, deadline, &change), 1);
    CHECK_EQ_INT (change.changed_at, from);
    CHECK (change.emitted >= from);
    int64_t first_from = from;
    //  the change was announced by the timer, not by the quotes: without any
    //  request the next one is announced too
    from = clock_now_ms () + 1500;
    s_put_from ("web-usd", "PB-FUT", 300, from);
    CHECK_EQ_INT (s_wait_changes ("PB-FUT", 2, clock_mono_ms () + 10000, &change), 2);
    CHECK_EQ_INT (change.changed_at, from);
    CHECK (change.emitted >= from);

    //  the dated entry is removed: the undated price is back, and said so
    char path[256], text[40];
    clock_format_rfc3339 (first_from, text, sizeof text);
    snprintf (path, sizeof path, "/v1/pricebooks/list-usd/entries/PB-FUT?valid_from=%s", text);
    json_t *answer = http_expect (&mesh, "DELETE", path, NULL, 200);
    CHECK_EQ_INT (http_json_int (answer, "deleted"), 1);
    json_decref (answer);
    CHECK_EQ_INT (s_changes ("PB-FUT", "deleted", NULL), 1);
    s_check_quote ("PB-FUT", 1, NULL, NULL, 500, "list-usd");
    harness_http_t res;
    http_call (&mesh, &res, "DELETE", path, NULL);
    http_expect_problem (&res, 404, "not-found", "entry already removed");
    harness_http_free (&res);
    answer = http_expect (&mesh, "DELETE", "/v1/pricebooks/web-usd/entries/PB-FUT", NULL, 200);
    CHECK_EQ_INT (http_json_int (answer, "deleted"), 1);
    json_decref (answer);
    http_call (&mesh, &res, "GET", "/v1/pricebooks/web-usd/entries/PB-FUT", NULL);
    http_expect_problem (&res, 404, "not-found", "no entry left");
    harness_http_free (&res);
}

//  A takeover due while pricing is down is announced at start-up, once.
static void
test_takeover_while_down (void)
{
    http_put (&mesh, "/v1/prices/USD/PB-DOWN", "{\"unit_price\":700}");
    int64_t from = clock_now_ms () + 1500;
    s_put_from ("list-usd", "PB-DOWN", 650, from);
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_PRICING), 0);
    for (int i = 0; i < 100 && clock_now_ms () <= from; i++)
        s_pause_ms (50);
    int64_t started = clock_now_ms ();
    CHECK (started > from);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_PRICING), 0);
    itest_clients_connect (&clients, &mesh);
    s_change_t change = {0};
    CHECK_EQ_INT (s_wait_changes ("PB-DOWN", 1, clock_mono_ms () + 10000, &change), 1);
    CHECK_EQ_INT (change.changed_at, from);
    //  announced by the restarted pricing, not before it stopped
    CHECK (change.emitted >= started);
    s_check_quote ("PB-DOWN", 1, NULL, NULL, 650, "list-usd");
    //  and not again after another restart
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_PRICING), 0);
    itest_clients_connect (&clients, &mesh);
    s_check_quote ("PB-DOWN", 1, NULL, NULL, 650, "list-usd");
    CHECK_EQ_INT (s_changes ("PB-DOWN", "scheduled", NULL), 1);
    itest_clients_close (&clients);
}

int
main (int argc, char **argv)
{
    (void) argc;
    mesh.nosync = true;
    static const char *const pricing_args[] = {"--price-tolerance", "5", NULL};
    mesh.extra_args[MESH_IX_PRICING] = pricing_args;
    static void (*const tests[]) (void) = {test_books_and_most_specific, test_tiers_and_ends,
                                           test_orders_and_tolerance, test_future_price, test_takeover_while_down,
                                           NULL};
    return http_main (&mesh, argv[0], tests);
}
