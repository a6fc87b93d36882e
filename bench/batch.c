//  batch — how big and how fast a bulk feed's 10,000-item batch is, in one
//  run. It starts the mesh itself (tests/harness.c: free loopback ports,
//  durable commits unless --nosync), then:
//    sizes     the JSON and MessagePack bytes of 10,000 items of a usual
//              shape, for pricing.batch and inventory.movements_batch, and
//              how many of the largest items the catalogue allows fit in
//              the gateway's 3 MiB (ROUTE_BATCH_BODY_MAX);
//    prices    --reps fresh 10,000-item POST /v1/prices/batch, each timed
//              end to end (median, range, items/s);
//    baseline  the same kind of prices one PUT /v1/prices/{currency}/{sku}
//              at a time on one keep-alive connection (--baseline-items of
//              them), what a feed does without batches: items/s.
//  batch [--reps N] [--baseline-items N] [--nosync]
#include "catalog_pricing.h"
#include "clock.h"
#include "harness.h"
#include "http.h"
#include "jsonmp.h"
#include "route.h"
#include <curl/curl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ITEMS CATALOG_MAX_BATCH_ITEMS
#define S_REPS_MAX 50

typedef struct {
    char *text;
    size_t len, cap;
} s_text_t;

static void s_append (s_text_t *t, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_append (s_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (NULL, 0, fmt, ap);
    va_end (ap);
    if (n < 0)
        exit (1);
    if (t->len + (size_t) n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + (size_t) n + 1)
            cap *= 2;
        char *grown = (char *) realloc (t->text, cap);
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

//  A usual price item: a list or channel book, a 12-character SKU, and
//  every other one dated.
static void
s_price_item (s_text_t *t, int run, int i)
{
    s_append (t, "%s{\"currency\":\"EUR\",\"sku\":\"SKU-%02d-%05d\",\"unit_price\":%d%s%s}", i ? "," : "", run, i,
              1000 + i, i % 2 ? ",\"book_id\":\"web-eur\"" : "",
              i % 2 ? ",\"valid_from\":\"2030-01-01T00:00:00Z\"" : "");
}

//  The largest price item: 64-character SKU and book, 16 tiers, both times.
static void
s_largest_price_item (s_text_t *t, int i)
{
    s_append (t, "%s{\"currency\":\"EUR\",\"sku\":\"%064d\",\"unit_price\":1000000000000,\"book_id\":\"%064d\","
              "\"tiers\":[", i ? "," : "", i, i);
    for (int k = 0; k < PRICING_MAX_TIERS; k++)
        s_append (t, "%s{\"min_quantity\":%d,\"unit_price\":999999999999}", k ? "," : "", 999000 + k);
    s_append (t, "],\"valid_from\":\"2030-01-01T00:00:00.000Z\",\"valid_to\":\"2031-01-01T00:00:00.000Z\"}");
}

static void
s_movement_item (s_text_t *t, int i)
{
    s_append (t, "%s{\"movement_id\":\"asn-4711-%05d\",\"type\":\"receipt\",\"sku\":\"SKU-%07d\",\"location\":\"WH-1\","
              "\"quantity\":%d,\"reason\":\"ASN 4711\"}", i ? "," : "", i, i, 1 + i % 50);
}

static char *
s_price_batch (int run)
{
    s_text_t t = {0};
    s_append (&t, "{\"batch_id\":\"bench-%d\",\"items\":[", run);
    for (int i = 0; i < S_ITEMS; i++)
        s_price_item (&t, run, i);
    s_append (&t, "]}");
    return t.text;
}

//  The MessagePack bytes the gateway sends for body (op's request), or 0.
static size_t
s_packed_size (const char *op, const char *body)
{
    json_t *json = json_loads (body, 0, NULL);
    json_t *errors = json_array ();
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    int rc = json && errors ? jsonmp_encode (catalog_find (op)->request, json, &out, errors) : -1;
    if (rc != 0)
        fprintf (stderr, "batch: %s body refused: %s\n", op, json_dumps (json_array_get (errors, 0), 0));
    size_t size = rc == 0 ? out.size : 0;
    msgpack_sbuffer_destroy (&out);
    json_decref (errors);
    json_decref (json);
    return size;
}

static void
s_sizes (void)
{
    char *prices = s_price_batch (0);
    s_text_t moves = {0};
    s_append (&moves, "{\"batch_id\":\"bench-moves\",\"items\":[");
    for (int i = 0; i < S_ITEMS; i++)
        s_movement_item (&moves, i);
    s_append (&moves, "]}");
    printf ("| batch of 10,000 | JSON bytes | MessagePack bytes |\n|---|---|---|\n");
    printf ("| prices (half list book, half a channel book from a valid_from) | %zu | %zu |\n", strlen (prices),
            s_packed_size ("pricing.batch", prices));
    printf ("| receipts (movement_id, type, sku, location, quantity, reason) | %zu | %zu |\n", moves.len,
            s_packed_size ("inventory.movements_batch", moves.text));
    s_text_t largest = {0};
    s_append (&largest, "{\"batch_id\":\"bench-largest\",\"items\":[");
    int fit = 0;
    for (size_t before = largest.len; fit < S_ITEMS; fit++, before = largest.len) {
        s_largest_price_item (&largest, fit);
        if (largest.len + 2 > ROUTE_BATCH_BODY_MAX) {
            largest.len = before;
            break;
        }
    }
    s_append (&largest, "]}");
    size_t packed = s_packed_size ("pricing.batch", largest.text);
    printf ("| the largest price items (64-byte IDs, 16 tiers, both times): %d fit in 3 MiB | %zu | %zu |\n", fit,
            largest.len, packed);
    free (largest.text);
    free (moves.text);
    free (prices);
}

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

static void
s_prices (harness_mesh_t *mesh, int reps)
{
    http_put (mesh, "/v1/pricebooks/web-eur",
              "{\"name\":\"Web shop\",\"currency\":\"EUR\",\"kind\":\"channel\",\"channel\":\"web\"}");
    int64_t took[S_REPS_MAX];
    for (int r = 0; r < reps; r++) {
        char *body = s_price_batch (r + 1);
        harness_http_t res;
        int64_t start = clock_mono_us ();
        http_call (mesh, &res, "POST", "/v1/prices/batch", body);
        took[r] = clock_mono_us () - start;
        if (res.status != 200)
            fprintf (stderr, "batch: run %d answered %ld: %.200s\n", r, res.status, res.body);
        harness_http_free (&res);
        free (body);
    }
    qsort (took, (size_t) reps, sizeof took[0], s_cmp);
    int64_t median = took[reps / 2];
    printf ("| POST /v1/prices/batch, 10,000 items | %d | %.1f ms (%.1f–%.1f) | %.0f |\n", reps, median / 1000.0,
            took[0] / 1000.0, took[reps - 1] / 1000.0, S_ITEMS * 1e6 / (double) median);
}

static void
s_baseline (harness_mesh_t *mesh, int count)
{
    CURL *curl = curl_easy_init ();
    char auth[128];
    snprintf (auth, sizeof auth, "Authorization: Bearer %s", mesh->api_key);
    struct curl_slist *headers = curl_slist_append (NULL, auth);
    headers = curl_slist_append (headers, "Content-Type: application/json");
    harness_http_t sink = {0};
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, harness_http_collect);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &sink);
    int failed = 0;
    int64_t start = clock_mono_us ();
    for (int i = 0; i < count; i++) {
        char url[256], body[64];
        snprintf (url, sizeof url, "%s/v1/prices/EUR/ONE-%05d", mesh->base_url, i);
        snprintf (body, sizeof body, "{\"unit_price\":%d}", 1000 + i);
        curl_easy_setopt (curl, CURLOPT_URL, url);
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
        long status = 0;
        if (curl_easy_perform (curl) != CURLE_OK
            || curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200)
            failed++;
        free (sink.body);
        sink = (harness_http_t) {0};
    }
    int64_t took = clock_mono_us () - start;
    printf ("| PUT /v1/prices/{currency}/{sku}, one at a time | %d | %.1f ms for %d (%.2f ms each)%s | %.0f |\n", 1,
            took / 1000.0, count, took / 1000.0 / count, failed ? " SOME FAILED" : "", count * 1e6 / (double) took);
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
}

int
main (int argc, char **argv)
{
    int reps = 5, baseline_items = 2000;
    bool nosync = false;
    static const struct option options[] = {{"reps", required_argument, NULL, 'r'},
                                            {"baseline-items", required_argument, NULL, 'b'},
                                            {"nosync", no_argument, NULL, 'n'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long (argc, argv, "", options, NULL)) != -1;) {
        if (c == 'r')
            reps = atoi (optarg);
        else if (c == 'b')
            baseline_items = atoi (optarg);
        else if (c == 'n')
            nosync = true;
        else {
            printf ("usage: batch [--reps N (1-%d, default 5)] [--baseline-items N (default 2000)] [--nosync]\n"
                    "Starts the mesh (binaries from RETAILMESH_BIN_DIR), prints the JSON and MessagePack sizes of\n"
                    "10,000-item batches, times 10,000-item POST /v1/prices/batch end to end and, as the same-run\n"
                    "baseline, single PUT /v1/prices/{currency}/{sku} requests.\n", S_REPS_MAX);
            return c == 'h' ? 0 : 2;
        }
    }
    if (reps < 1 || reps > S_REPS_MAX || baseline_items < 1)
        return 2;
    s_sizes ();
    harness_mesh_t mesh = {.nosync = nosync};
    if (harness_mesh_start (&mesh, MESH_PRICING | MESH_GATEWAY) != 0) {
        harness_mesh_destroy (&mesh);
        return 1;
    }
    printf ("\n| what (%s commits) | runs | time | items/s |\n|---|---|---|---|\n", nosync ? "unsynced" : "durable");
    s_prices (&mesh, reps);
    s_baseline (&mesh, baseline_items);
    harness_mesh_destroy (&mesh);
    return harness_report (argv[0]) == 0 ? 0 : 1;
}
