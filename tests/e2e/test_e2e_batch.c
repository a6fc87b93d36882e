//  End to end through the gateway: a bulk feed's batches. POST
//  /v1/prices/batch and POST /v1/stock/movements/batch apply 10,000 items
//  in one go; a batch with bad items applies nothing and its 422 names
//  every bad item (all 10,000 when all are bad); a movement counts once per
//  movement_id; the same batch_id and body answer the first answer again
//  (also with the keys in another order), another body under it is a 409;
//  more than 10,000 items is a 422 at /items, a body over 3 MiB a 413.
#include "clock.h"
#include "http.h"
#include "itest.h"
#include <stdlib.h>

static harness_mesh_t mesh;
static itest_clients_t clients;

//  A growing text (a batch's JSON body).
typedef struct {
    char *text;
    size_t len, cap;
} s_text_t;

static void
s_append (s_text_t *t, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_append (s_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (NULL, 0, fmt, ap);
    va_end (ap);
    if (n < 0)
        return;
    if (t->len + (size_t) n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + (size_t) n + 1)
            cap *= 2;
        char *grown = (char *) realloc (t->text, cap);
        CHECK (grown != NULL);
        if (!grown)
            exit (1);
        t->text = grown;
        t->cap = cap;
    }
    va_start (ap, fmt);
    vsnprintf (t->text + t->len, t->cap - t->len, fmt, ap);
    va_end (ap);
    t->len += (size_t) n;
}

//  {"batch_id": id, "items": [count prices of SKUs prefix-NNNNN at base + i]}
static char *
s_price_batch (const char *id, const char *prefix, int count, int64_t base)
{
    s_text_t t = {0};
    s_append (&t, "{\"batch_id\":\"%s\",\"items\":[", id);
    for (int i = 0; i < count; i++)
        s_append (&t, "%s{\"currency\":\"USD\",\"sku\":\"%s-%05d\",\"unit_price\":%lld}", i ? "," : "", prefix, i,
                  (long long) (base + i));
    s_append (&t, "]}");
    return t.text;
}

static int64_t
s_price_of (const char *sku, long *status)
{
    char body[256];
    snprintf (body, sizeof body, "{\"currency\":\"USD\",\"lines\":[{\"sku\":\"%s\",\"quantity\":1}]}", sku);
    harness_http_t res;
    http_call (&mesh, &res, "POST", "/v1/prices/quote", body);
    *status = res.status;
    int64_t price = http_json_int (json_array_get (json_object_get (res.json, "lines"), 0), "unit_price");
    harness_http_free (&res);
    return price;
}

//  The errors of a problem as "pointer index code" lines, one per error.
static void
s_errors_text (json_t *problem, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    size_t i;
    json_t *error;
    json_array_foreach (json_object_get (problem, "errors"), i, error) {
        int n = snprintf (out + len, size - len, "%s %lld %s\n", http_json_str (error, "pointer"),
                          json_object_get (error, "index") ? (long long) http_json_int (error, "index") : -1LL,
                          http_json_str (error, "code"));
        if (n < 0 || (size_t) n >= size - len)
            return;
        len += (size_t) n;
    }
}

static void
test_ten_thousand_prices (void)
{
    char *body = s_price_batch ("feed-1", "BULK", 10000, 1000);
    int64_t start = clock_mono_ms ();
    json_t *answer = http_expect (&mesh, "POST", "/v1/prices/batch", body, 200);
    int64_t took = clock_mono_ms () - start;
    printf ("# a 10,000-item price batch (%zu bytes of JSON) took %lld ms through the gateway\n", strlen (body),
            (long long) took);
    CHECK_STR (http_json_str (answer, "batch_id"), "feed-1");
    CHECK_EQ_INT (http_json_int (answer, "applied"), 10000);
    CHECK (json_is_false (json_object_get (answer, "replayed")));
    const char *applied_at = http_json_str (answer, "applied_at");
    CHECK (strlen (applied_at) == 24);
    char first_at[32];
    snprintf (first_at, sizeof first_at, "%s", applied_at);
    json_decref (answer);
    long status;
    CHECK_EQ_INT (s_price_of ("BULK-00000", &status), 1000);
    CHECK_EQ_INT (s_price_of ("BULK-09999", &status), 10999);
    CHECK_EQ_INT (itest_count_events (clients.pricing, "pricing.price.changed"), 10000);

    //  the same batch again: the first answer, nothing applied again
    answer = http_expect (&mesh, "POST", "/v1/prices/batch", body, 200);
    CHECK (json_is_true (json_object_get (answer, "replayed")));
    CHECK_EQ_INT (http_json_int (answer, "applied"), 10000);
    CHECK_STR (http_json_str (answer, "applied_at"), first_at);
    json_decref (answer);
    CHECK_EQ_INT (itest_count_events (clients.pricing, "pricing.price.changed"), 10000);
    free (body);

    //  the same body with its keys in another order is the same batch
    answer = http_expect (&mesh, "POST", "/v1/prices/batch",
                          "{\"items\":[{\"unit_price\":5,\"sku\":\"ORDER-1\",\"currency\":\"USD\"}],\"batch_id\":\"feed-2\"}",
                          200);
    CHECK (json_is_false (json_object_get (answer, "replayed")));
    json_decref (answer);
    answer = http_expect (&mesh, "POST", "/v1/prices/batch",
                          "{\"batch_id\":\"feed-2\",\"items\":[{\"currency\":\"USD\",\"sku\":\"ORDER-1\",\"unit_price\":5}]}",
                          200);
    CHECK (json_is_true (json_object_get (answer, "replayed")));
    json_decref (answer);

    //  another body under a used batch_id
    harness_http_t res;
    http_call (&mesh, &res, "POST", "/v1/prices/batch",
               "{\"batch_id\":\"feed-2\",\"items\":[{\"currency\":\"USD\",\"sku\":\"ORDER-1\",\"unit_price\":6}]}");
    http_expect_problem (&res, 409, "conflict", "another body under feed-2");
    CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"), "/batch_id");
    harness_http_free (&res);
    CHECK_EQ_INT (s_price_of ("ORDER-1", &status), 5);
}

//  Ten prices under batch_id feed-bad; items 3 and 7 are bad unless fixed.
static char *
s_bad_batch (bool fixed)
{
    s_text_t t = {0};
    s_append (&t, "{\"batch_id\":\"feed-bad\",\"items\":[");
    for (int i = 0; i < 10; i++) {
        const char *extra = "";
        if (i == 3)
            extra = fixed ? ",\"book_id\":\"web-usd\"" : ",\"book_id\":\"no-such-book\"";
        else if (i == 7)
            extra = fixed ? ",\"book_id\":\"web-usd\",\"valid_from\":\"2030-01-02T00:00:00Z\",\"valid_to\":\"2031-01-01T00:00:00Z\""
                          : ",\"book_id\":\"web-usd\",\"valid_from\":\"2030-01-02T00:00:00Z\",\"valid_to\":\"2030-01-01T00:00:00Z\"";
        s_append (&t, "%s{\"currency\":\"USD\",\"sku\":\"BAD-%d\",\"unit_price\":100%s}", i ? "," : "", i, extra);
    }
    s_append (&t, "]}");
    return t.text;
}

//  Items 3 and 7 are bad: nothing is applied and both are named.
static void
test_bad_items (void)
{
    http_put (&mesh, "/v1/pricebooks/web-usd",
              "{\"name\":\"Web shop\",\"currency\":\"USD\",\"kind\":\"channel\",\"channel\":\"web\"}");
    char *bad = s_bad_batch (false);
    harness_http_t res;
    http_call (&mesh, &res, "POST", "/v1/prices/batch", bad);
    http_expect_problem (&res, 422, "validation", "a batch with bad items 3 and 7");
    char errors[512];
    s_errors_text (res.json, errors, sizeof errors);
    CHECK_STR (errors, "/items/3/book_id 3 not_found\n/items/7/valid_to 7 invalid\n");
    CHECK_STR (http_json_str (res.json, "detail"), "2 items are not valid; nothing was applied");
    harness_http_free (&res);
    long status;
    s_price_of ("BAD-0", &status);
    CHECK_EQ_INT (status, 422);

    free (bad);

    //  corrected, the same batch_id applies: the refused batch left nothing
    char *fixed = s_bad_batch (true);
    json_t *answer = http_expect (&mesh, "POST", "/v1/prices/batch", fixed, 200);
    CHECK_EQ_INT (http_json_int (answer, "applied"), 10);
    CHECK (json_is_false (json_object_get (answer, "replayed")));
    json_decref (answer);
    CHECK_EQ_INT (s_price_of ("BAD-0", &status), 100);
    free (fixed);

    //  what the schema refuses, the gateway finds before any call: every field
    http_call (&mesh, &res, "POST", "/v1/prices/batch",
               "{\"batch_id\":\"feed-schema\",\"items\":[{\"currency\":\"USD\",\"sku\":\"S-0\",\"unit_price\":1},"
               "{\"currency\":\"USD\",\"sku\":\"S-1\",\"unit_price\":-1},{\"currency\":\"USD\",\"unit_price\":1}]}");
    http_expect_problem (&res, 422, "validation", "schema faults");
    s_errors_text (res.json, errors, sizeof errors);
    CHECK_STR (errors, "/items/2/sku -1 \n/items/1/unit_price -1 \n");
    harness_http_free (&res);
}

//  {"batch_id": id, "items": [count receipts of 1 unit of SKUs prefix-NNNN at WH-B]}
static char *
s_receipt_batch (const char *id, const char *prefix, int count)
{
    s_text_t t = {0};
    s_append (&t, "{\"batch_id\":\"%s\",\"items\":[", id);
    for (int i = 0; i < count; i++)
        s_append (&t, "%s{\"movement_id\":\"%s-%05d\",\"type\":\"receipt\",\"sku\":\"%s-%04d\","
                  "\"location\":\"WH-B\",\"quantity\":1,\"reason\":\"ASN 77\"}",
                  i ? "," : "", id, i, prefix, i % 100);
    s_append (&t, "]}");
    return t.text;
}

static int64_t
s_on_hand (const char *sku)
{
    json_t *item = http_stock (&mesh, sku, NULL);
    int64_t on_hand = http_json_int (item, "on_hand");
    json_decref (item);
    return on_hand;
}

static void
test_ten_thousand_movements (void)
{
    char *body = s_receipt_batch ("asn-1", "STK", 10000);
    int64_t start = clock_mono_ms ();
    json_t *answer = http_expect (&mesh, "POST", "/v1/stock/movements/batch", body, 200);
    printf ("# a 10,000-item movement batch (%zu bytes of JSON) took %lld ms through the gateway\n", strlen (body),
            (long long) (clock_mono_ms () - start));
    CHECK_EQ_INT (http_json_int (answer, "applied"), 10000);
    CHECK (json_is_false (json_object_get (answer, "replayed")));
    json_decref (answer);
    CHECK_EQ_INT (s_on_hand ("STK-0000"), 100);
    CHECK_EQ_INT (s_on_hand ("STK-0099"), 100);
    answer = http_expect (&mesh, "POST", "/v1/stock/movements/batch", body, 200);
    CHECK (json_is_true (json_object_get (answer, "replayed")));
    json_decref (answer);
    CHECK_EQ_INT (s_on_hand ("STK-0000"), 100);
    free (body);

    //  a movement already applied by POST /v1/stock/movements counts, once
    json_decref (http_expect (&mesh, "POST", "/v1/stock/movements",
                              "{\"movement_id\":\"one-1\",\"type\":\"receipt\",\"sku\":\"ONE\","
                              "\"location\":\"WH-B\",\"quantity\":5}", 200));
    answer = http_expect (&mesh, "POST", "/v1/stock/movements/batch",
                          "{\"batch_id\":\"asn-2\",\"items\":[{\"movement_id\":\"one-1\",\"type\":\"receipt\","
                          "\"sku\":\"ONE\",\"location\":\"WH-B\",\"quantity\":5},{\"movement_id\":\"one-2\","
                          "\"type\":\"transfer\",\"sku\":\"ONE\",\"location\":\"WH-B\",\"to_location\":\"ST-B\","
                          "\"quantity\":2}]}",
                          200);
    CHECK_EQ_INT (http_json_int (answer, "applied"), 2);
    json_decref (answer);
    CHECK_EQ_INT (s_on_hand ("ONE"), 5);

    //  items 1 and 2 are bad: a transfer of more than there is, a movement_id used for another body
    harness_http_t res;
    http_call (&mesh, &res, "POST", "/v1/stock/movements/batch",
               "{\"batch_id\":\"asn-3\",\"items\":[{\"movement_id\":\"three-0\",\"type\":\"receipt\","
               "\"sku\":\"ONE\",\"location\":\"WH-B\",\"quantity\":1},{\"movement_id\":\"three-1\","
               "\"type\":\"transfer\",\"sku\":\"ONE\",\"location\":\"WH-B\",\"to_location\":\"ST-B\","
               "\"quantity\":50},{\"movement_id\":\"one-1\",\"type\":\"receipt\",\"sku\":\"ONE\","
               "\"location\":\"WH-B\",\"quantity\":6}]}");
    http_expect_problem (&res, 422, "validation", "a movement batch with bad items 1 and 2");
    char errors[512];
    s_errors_text (res.json, errors, sizeof errors);
    CHECK_STR (errors, "/items/1/quantity 1 insufficient_stock\n/items/2/movement_id 2 conflict\n");
    harness_http_free (&res);
    CHECK_EQ_INT (s_on_hand ("ONE"), 5);
}

//  The bounds: 10,000 items, and 3 MiB of body.
static void
test_bounds (void)
{
    char *body = s_price_batch ("feed-big", "BIG", 10001, 1);
    harness_http_t res;
    http_call (&mesh, &res, "POST", "/v1/prices/batch", body);
    http_expect_problem (&res, 422, "validation", "10,001 items");
    CHECK_STR (http_json_str (json_array_get (json_object_get (res.json, "errors"), 0), "pointer"), "/items");
    harness_http_free (&res);
    free (body);
    //  every one of 10,000 items bad: every one named
    s_text_t bad = {0};
    s_append (&bad, "{\"batch_id\":\"feed-all-bad\",\"items\":[");
    for (int i = 0; i < 10000; i++)
        s_append (&bad, "%s{\"currency\":\"USD\",\"sku\":\"ALL-%05d\",\"unit_price\":1,\"book_id\":\"nope\"}",
                  i ? "," : "", i);
    s_append (&bad, "]}");
    http_call (&mesh, &res, "POST", "/v1/prices/batch", bad.text);
    http_expect_problem (&res, 422, "validation", "10,000 bad items");
    json_t *errors = json_object_get (res.json, "errors");
    CHECK_EQ_INT (json_array_size (errors), 10000);
    CHECK_STR (http_json_str (json_array_get (errors, 9999), "pointer"), "/items/9999/book_id");
    CHECK_STR (http_json_str (res.json, "detail"), "10000 items are not valid; nothing was applied");
    harness_http_free (&res);
    free (bad.text);
    //  long SKUs: 10,000 items over 3 MiB
    s_text_t t = {0};
    s_append (&t, "{\"batch_id\":\"feed-huge\",\"items\":[");
    for (int i = 0; t.len < (3u << 20); i++)
        s_append (&t, "%s{\"currency\":\"USD\",\"sku\":\"%060d\",\"unit_price\":%d,\"book_id\":\"%060d\"}",
                  i ? "," : "", i, i, i);
    s_append (&t, "]}");
    http_call (&mesh, &res, "POST", "/v1/prices/batch", t.text);
    http_expect_problem (&res, 413, "payload-too-large", "over 3 MiB");
    CHECK_STR (http_json_str (res.json, "detail"), "The body must be at most 3 MiB.");
    harness_http_free (&res);
    free (t.text);
    //  other routes keep 1 MiB
    t = (s_text_t) {0};
    s_append (&t, "{\"currency\":\"USD\",\"lines\":[{\"sku\":\"X\",\"quantity\":1}]}");
    while (t.len < (1u << 20) + 16)
        s_append (&t, "          ");
    http_call (&mesh, &res, "POST", "/v1/prices/quote", t.text);
    http_expect_problem (&res, 413, "payload-too-large", "quote over 1 MiB");
    CHECK_STR (http_json_str (res.json, "detail"), "The body must be at most 1 MiB.");
    harness_http_free (&res);
    free (t.text);
}

static void
test_connect (void)
{
    itest_clients_connect (&clients, &mesh);
}

static void
test_disconnect (void)
{
    itest_clients_close (&clients);
}

int
main (int argc, char **argv)
{
    (void) argc;
    mesh.nosync = true;
    static void (*const tests[]) (void) = {test_connect, test_ten_thousand_prices, test_bad_items,
                                           test_ten_thousand_movements, test_bounds,
                                           test_disconnect, NULL};
    return http_main (&mesh, argv[0], tests);
}
