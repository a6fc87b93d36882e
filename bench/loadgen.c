//  loadgen — a closed-loop HTTP load generator for the gateway and for the
//  baseline pipeline. C keep-alive connections each keep exactly one
//  request in flight for a warm-up and then D measured seconds; it prints
//  successful requests per second, latency percentiles from a log-bucket
//  histogram (1.6 % resolution), errors by HTTP status, and one RESULT line
//  for scripts.
//
//  Modes: orders (POST /v1/orders, unique external_id, 1-3 lines priced from
//  --sku SKU:PRICE or from POST /v1/prices/quote), availability
//  (GET /v1/availability?sku=..), holds (POST /v1/holds, one line of one
//  unit), milestones (POST /v1/fulfillments/{id}/events: picked, packed,
//  shipped, delivered of each of --fulfillments N fulfilments still
//  allocated, listed through GET /v1/fulfillments first), post (a fixed
//  1 KiB JSON body). availability and holds draw SKUs
//  from the --sku list or from --sku-prefix P --sku-count N (P000001 ..).
//  --requests N replaces the time window with exactly N requests, for
//  profiles that need a fixed amount of work.
#include "clock.h"
#include "log.h"
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_SKUS 256
#define MAX_LINES 3
#define MAX_STATUS 600
#define BODY_CAP 2048
#define URL_CAP 4096
#define SAMPLE_CAP 512
#define POST_BODY_BYTES 1024

//  Log-bucket histogram of microseconds: values below 128 are exact, above
//  that each power of two is split into 64 buckets.
#define HIST_SUB_BITS 6
#define HIST_SUB (1 << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

typedef enum { MODE_ORDERS, MODE_AVAILABILITY, MODE_HOLDS, MODE_MILESTONES, MODE_POST } loadgen_mode_t;

//  A fulfilment's ID, as GET /v1/fulfillments lists it.
typedef char ff_id_t[40];

typedef struct {
    char sku[64];
    char escaped[192];           //  URL-encoded for the availability query
    int64_t unit_price;          //  minor units; -1 until known
} sku_t;

typedef struct {
    uint64_t counts[HIST_BUCKETS];
    uint64_t total;
    uint64_t max;
} hist_t;

typedef struct worker_t worker_t;

typedef struct {
    CURL *easy;
    char body[BODY_CAP];         //  request body; curl reads it in place
    char url[URL_CAP];
    char sample[SAMPLE_CAP];     //  start of the response body, for error reports
    size_t sample_len;
    int64_t started_us;
} conn_t;

struct worker_t {
    int id;
    CURLM *multi;
    conn_t *conns;
    int nconns;
    int inflight;
    uint64_t seq;                //  requests issued, part of external_id
    uint64_t rng;
    hist_t hist;
    uint64_t ok;
    uint64_t status[MAX_STATUS]; //  measured non-success responses by status
    uint64_t transport;          //  measured requests that got no response
    long connects;               //  TCP connections opened
    char error_sample[SAMPLE_CAP + 64];
    pthread_t thread;
    int rc;
};

static struct {
    loadgen_mode_t mode;
    const char *mode_name;
    const char *base;
    const char *path;
    const char *currency;
    const char *account;
    const char *channel;
    const char *key;
    int conns;
    int threads;
    int duration_s;
    int warmup_s;
    long timeout_ms;
    long expect_status;
    sku_t skus[MAX_SKUS];
    int nskus;                   //  --sku list, or --sku-count with a prefix
    const char *sku_prefix;      //  generated names instead of skus[]
    long ttl_s;
    long requests;               //  0: the time window decides
    atomic_long issued;          //  with --requests: requests started
    ff_id_t *ffs;                //  milestones: the fulfilments, each sent its four in turn
    long nffs;                   //  --fulfillments
    atomic_long milestones;      //  milestones started; the next one's number
    int64_t finished_us;
    char run_id[17];
    char post_body[POST_BODY_BYTES + 1];
    struct curl_slist *headers;
    int64_t window_start_us;     //  measurement window, monotonic
    int64_t window_end_us;
} s_opt;

static uint64_t
s_random_seed (void)
{
    uint64_t seed = 0;
    if (getrandom (&seed, sizeof seed, 0) != (ssize_t) sizeof seed)
        seed = (uint64_t) clock_mono_us ();
    return seed | 1;
}

//  xorshift64*: cheap and good enough to pick SKUs and line counts.
static uint64_t
s_next_random (uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static size_t
s_hist_index (uint64_t v)
{
    if (v < 2 * HIST_SUB)
        return (size_t) v;
    int msb = 63 - __builtin_clzll (v);
    int shift = msb - HIST_SUB_BITS;
    return (size_t) shift * HIST_SUB + (size_t) (v >> shift);
}

//  Midpoint of the bucket's range.
static uint64_t
s_hist_value (size_t index)
{
    if (index < 2 * HIST_SUB)
        return index;
    int shift = (int) (index / HIST_SUB) - 1;
    uint64_t low = (uint64_t) (index % HIST_SUB + HIST_SUB) << shift;
    return low + ((1ULL << shift) - 1) / 2;
}

static void
s_hist_record (hist_t *h, uint64_t v)
{
    h->counts[s_hist_index (v)]++;
    h->total++;
    if (v > h->max)
        h->max = v;
}

static void
s_hist_merge (hist_t *into, const hist_t *from)
{
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        into->counts[i] += from->counts[i];
    into->total += from->total;
    if (from->max > into->max)
        into->max = from->max;
}

static double
s_hist_percentile_ms (const hist_t *h, double p)
{
    if (h->total == 0)
        return 0;
    uint64_t rank = (uint64_t) (p * (double) h->total + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = s_hist_value (i);
            return (double) (v < h->max ? v : h->max) / 1000.0;
        }
    }
    return (double) h->max / 1000.0;
}

static size_t
s_on_body (char *data, size_t size, size_t nmemb, void *arg)
{
    conn_t *conn = arg;
    size_t n = size * nmemb;
    size_t room = SAMPLE_CAP - 1 - conn->sample_len;
    size_t take = n < room ? n : room;
    memcpy (conn->sample + conn->sample_len, data, take);
    conn->sample_len += take;
    conn->sample[conn->sample_len] = 0;
    return n;
}

//  The name of SKU index i: from the list, or the prefix and i+1 in six
//  digits (the names scripts/bench and baseline --read seed).
static const char *
s_sku_name (int index, char buf[64])
{
    if (!s_opt.sku_prefix)
        return s_opt.skus[index].sku;
    snprintf (buf, 64, "%.50s%06d", s_opt.sku_prefix, index + 1);
    return buf;
}

//  Picks 1..3 distinct SKUs (fewer when fewer are configured).
static int
s_pick_skus (worker_t *w, int picked[MAX_LINES])
{
    int want = 1 + (int) (s_next_random (&w->rng) % MAX_LINES);
    if (want > s_opt.nskus)
        want = s_opt.nskus;
    int n = 0;
    while (n < want) {
        int candidate = (int) (s_next_random (&w->rng) % (uint64_t) s_opt.nskus);
        bool dup = false;
        for (int i = 0; i < n; i++)
            dup = dup || picked[i] == candidate;
        if (!dup)
            picked[n++] = candidate;
    }
    return n;
}

static int
s_build_order (worker_t *w, conn_t *conn)
{
    int picked[MAX_LINES];
    int nlines = s_pick_skus (w, picked);
    char channel[128] = "";
    if (s_opt.channel)
        snprintf (channel, sizeof channel, "\"channel\":\"%s\",", s_opt.channel);
    int n = snprintf (conn->body, BODY_CAP,
                      "{\"external_id\":\"bench-%s-%d-%" PRIu64 "\",%s\"account_id\":\"%s\","
                      "\"currency\":\"%s\",\"lines\":[",
                      s_opt.run_id, w->id, w->seq, channel, s_opt.account, s_opt.currency);
    for (int i = 0; i < nlines && n > 0 && n < BODY_CAP; i++) {
        const sku_t *sku = &s_opt.skus[picked[i]];
        n += snprintf (conn->body + n, BODY_CAP - (size_t) n,
                       "%s{\"sku\":\"%s\",\"quantity\":1,\"unit_price\":%" PRId64 "}",
                       i ? "," : "", sku->sku, sku->unit_price);
    }
    if (n > 0 && n < BODY_CAP)
        n += snprintf (conn->body + n, BODY_CAP - (size_t) n, "]}");
    if (n <= 0 || n >= BODY_CAP) {
        log_error (NULL, "order body exceeds %d bytes; use shorter SKUs", BODY_CAP);
        return -1;
    }
    if (curl_easy_setopt (conn->easy, CURLOPT_POSTFIELDSIZE, (long) n) != CURLE_OK
        || curl_easy_setopt (conn->easy, CURLOPT_POSTFIELDS, conn->body) != CURLE_OK)
        return -1;
    return 0;
}

static int
s_build_availability (worker_t *w, conn_t *conn)
{
    int picked[MAX_LINES];
    int nskus = s_pick_skus (w, picked);
    int n = snprintf (conn->url, URL_CAP, "%s/v1/availability", s_opt.base);
    char name[64];
    //  a prefix is checked to need no escaping
    for (int i = 0; i < nskus && n > 0 && n < URL_CAP; i++)
        n += snprintf (conn->url + n, URL_CAP - (size_t) n, "%csku=%s", i ? '&' : '?',
                       s_opt.sku_prefix ? s_sku_name (picked[i], name) : s_opt.skus[picked[i]].escaped);
    if (n <= 0 || n >= URL_CAP) {
        log_error (NULL, "availability URL exceeds %d bytes", URL_CAP);
        return -1;
    }
    return curl_easy_setopt (conn->easy, CURLOPT_URL, conn->url) == CURLE_OK ? 0 : -1;
}

static int
s_build_hold (worker_t *w, conn_t *conn)
{
    char name[64];
    int index = (int) (s_next_random (&w->rng) % (uint64_t) s_opt.nskus);
    int n = snprintf (conn->body, BODY_CAP, "{\"lines\":[{\"sku\":\"%s\",\"quantity\":1}],\"ttl_seconds\":%ld}",
                      s_sku_name (index, name), s_opt.ttl_s);
    if (curl_easy_setopt (conn->easy, CURLOPT_POSTFIELDSIZE, (long) n) != CURLE_OK
        || curl_easy_setopt (conn->easy, CURLOPT_POSTFIELDS, conn->body) != CURLE_OK)
        return -1;
    return 0;
}

//  Milestone number n: the (n / 4)-th fulfilment's picked, packed, shipped
//  or delivered; past the last fulfilment the list starts again, and those
//  milestones are kept in the history without moving a status (reported).
static int
s_build_milestone (worker_t *w, conn_t *conn)
{
    static const char *const types[] = {"picked", "packed", "shipped", "delivered"};
    long n = atomic_fetch_add (&s_opt.milestones, 1);
    const char *ff = s_opt.ffs[(n / 4) % s_opt.nffs];
    char at[40];
    clock_format_rfc3339 (clock_now_ms (), at, sizeof at);
    int u = snprintf (conn->url, URL_CAP, "%s/v1/fulfillments/%s/events", s_opt.base, ff);
    int b = snprintf (conn->body, BODY_CAP, "{\"event_id\":\"bench-%s-%ld\",\"type\":\"%s\",\"occurred_at\":\"%s\"}",
                      s_opt.run_id, n, types[n % 4], at);
    (void) w;
    if (u <= 0 || u >= URL_CAP || b <= 0 || b >= BODY_CAP)
        return -1;
    if (curl_easy_setopt (conn->easy, CURLOPT_URL, conn->url) != CURLE_OK
        || curl_easy_setopt (conn->easy, CURLOPT_POSTFIELDSIZE, (long) b) != CURLE_OK
        || curl_easy_setopt (conn->easy, CURLOPT_POSTFIELDS, conn->body) != CURLE_OK)
        return -1;
    return 0;
}

//  Prepares the next request on a connection and hands it to the multi
//  handle. Returns 0, 1 when --requests have all been started, -1 on error.
static int
s_issue (worker_t *w, conn_t *conn)
{
    if (s_opt.requests && atomic_fetch_add (&s_opt.issued, 1) >= s_opt.requests)
        return 1;
    int rc = 0;
    if (s_opt.mode == MODE_ORDERS)
        rc = s_build_order (w, conn);
    else if (s_opt.mode == MODE_AVAILABILITY)
        rc = s_build_availability (w, conn);
    else if (s_opt.mode == MODE_HOLDS)
        rc = s_build_hold (w, conn);
    else if (s_opt.mode == MODE_MILESTONES)
        rc = s_build_milestone (w, conn);
    if (rc != 0)
        return -1;
    w->seq++;
    conn->sample_len = 0;
    conn->sample[0] = 0;
    conn->started_us = clock_mono_us ();
    CURLMcode mc = curl_multi_add_handle (w->multi, conn->easy);
    if (mc != CURLM_OK) {
        log_error (NULL, "curl_multi_add_handle: %s", curl_multi_strerror (mc));
        return -1;
    }
    w->inflight++;
    return 0;
}

static void
s_complete (worker_t *w, conn_t *conn, CURLcode result)
{
    int64_t now = clock_mono_us ();
    long connects = 0;
    if (curl_easy_getinfo (conn->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
        w->connects += connects;
    //  a failure that ends after the window still counts when its request
    //  started inside it, so a hung server shows up as timeouts
    bool in_window = now >= s_opt.window_start_us && now <= s_opt.window_end_us;
    bool late = now > s_opt.window_end_us && conn->started_us <= s_opt.window_end_us;
    if (!in_window && !late)
        return;
    if (result != CURLE_OK) {
        w->transport++;
        if (!w->error_sample[0])
            snprintf (w->error_sample, sizeof w->error_sample, "transport: %s", curl_easy_strerror (result));
        return;
    }
    long status = 0;
    if (curl_easy_getinfo (conn->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        status = 0;
    if (status == s_opt.expect_status) {
        if (!in_window)
            return;
        w->ok++;
        s_hist_record (&w->hist, (uint64_t) (now - conn->started_us));
        return;
    }
    w->status[status > 0 && status < MAX_STATUS ? status : 0]++;
    if (!w->error_sample[0])
        snprintf (w->error_sample, sizeof w->error_sample, "HTTP %ld: %.*s", status, SAMPLE_CAP, conn->sample);
}

static int
s_conn_init (conn_t *conn)
{
    conn->easy = curl_easy_init ();
    if (!conn->easy) {
        log_error (NULL, "curl_easy_init failed");
        return -1;
    }
    CURLcode rc = CURLE_OK;
    CURL *e = conn->easy;
    if (s_opt.mode == MODE_AVAILABILITY)
        rc |= curl_easy_setopt (e, CURLOPT_HTTPGET, 1L);
    else if (s_opt.mode != MODE_MILESTONES) {
        snprintf (conn->url, URL_CAP, "%s%s", s_opt.base, s_opt.path);
        rc |= curl_easy_setopt (e, CURLOPT_URL, conn->url);
    }
    if (s_opt.mode == MODE_POST) {
        rc |= curl_easy_setopt (e, CURLOPT_POSTFIELDSIZE, (long) POST_BODY_BYTES);
        rc |= curl_easy_setopt (e, CURLOPT_POSTFIELDS, s_opt.post_body);
    }
    rc |= curl_easy_setopt (e, CURLOPT_HTTPHEADER, s_opt.headers);
    rc |= curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, s_on_body);
    rc |= curl_easy_setopt (e, CURLOPT_WRITEDATA, conn);
    rc |= curl_easy_setopt (e, CURLOPT_PRIVATE, conn);
    rc |= curl_easy_setopt (e, CURLOPT_TIMEOUT_MS, s_opt.timeout_ms);
    rc |= curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt (e, CURLOPT_TCP_NODELAY, 1L);
    //  an explicit empty proxy spares a getenv of every proxy variable per request
    rc |= curl_easy_setopt (e, CURLOPT_PROXY, "");
    if (rc != CURLE_OK) {
        log_error (NULL, "curl_easy_setopt failed");
        return -1;
    }
    return 0;
}

//  One multi handle drives this worker's connections until the window
//  closes, then lets the requests in flight finish (bounded by the
//  per-request timeout) so the server sees no aborted requests.
static void *
s_worker_run (void *arg)
{
    worker_t *w = arg;
    w->rc = -1;
    for (int i = 0; i < w->nconns; i++)
        if (s_conn_init (&w->conns[i]) != 0 || s_issue (w, &w->conns[i]) < 0)
            return NULL;
    while (w->inflight > 0) {
        int running = 0;
        CURLMcode mc = curl_multi_perform (w->multi, &running);
        if (mc != CURLM_OK) {
            log_error (NULL, "curl_multi_perform: %s", curl_multi_strerror (mc));
            return NULL;
        }
        CURLMsg *msg;
        int left = 0;
        while ((msg = curl_multi_info_read (w->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *easy = msg->easy_handle;
            CURLcode result = msg->data.result;
            conn_t *conn = NULL;
            if (curl_easy_getinfo (easy, CURLINFO_PRIVATE, (char **) &conn) != CURLE_OK || !conn)
                return NULL;
            mc = curl_multi_remove_handle (w->multi, easy);
            if (mc != CURLM_OK) {
                log_error (NULL, "curl_multi_remove_handle: %s", curl_multi_strerror (mc));
                return NULL;
            }
            w->inflight--;
            s_complete (w, conn, result);
            if (clock_mono_us () < s_opt.window_end_us && s_issue (w, conn) < 0)
                return NULL;
        }
        if (w->inflight > 0) {
            mc = curl_multi_poll (w->multi, NULL, 0, 100, NULL);
            if (mc != CURLM_OK) {
                log_error (NULL, "curl_multi_poll: %s", curl_multi_strerror (mc));
                return NULL;
            }
        }
    }
    w->rc = 0;
    return NULL;
}

//  A whole response body, grown as it arrives (up to 1 MiB).
typedef struct {
    char *data;
    size_t len;
    bool too_large;
} reply_buf_t;

static size_t
s_on_reply (char *data, size_t size, size_t nmemb, void *arg)
{
    reply_buf_t *buf = arg;
    size_t n = size * nmemb;
    char *grown = buf->len + n <= (1 << 20) ? realloc (buf->data, buf->len + n + 1) : NULL;
    if (!grown) {
        buf->too_large = true;
        return 0;
    }
    memcpy (grown + buf->len, data, n);
    buf->data = grown;
    buf->len += n;
    buf->data[buf->len] = 0;
    return n;
}

//  One request on its own handle: POST of body to url, or GET when body is
//  NULL; a 200 with a JSON body gives 0 and *reply (free it), anything
//  else is logged and gives -1.
static int
s_call_json (const char *url, const char *body, json_t **reply)
{
    const char *method = body ? "POST" : "GET";
    reply_buf_t buf = {NULL, 0, false};
    CURL *e = curl_easy_init ();
    int rc = -1;
    long status = 0;
    *reply = NULL;
    if (!e)
        return -1;
    CURLcode cc = curl_easy_setopt (e, CURLOPT_URL, url);
    cc |= curl_easy_setopt (e, CURLOPT_HTTPHEADER, s_opt.headers);
    if (body)
        cc |= curl_easy_setopt (e, CURLOPT_POSTFIELDS, body);
    cc |= curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, s_on_reply);
    cc |= curl_easy_setopt (e, CURLOPT_WRITEDATA, &buf);
    cc |= curl_easy_setopt (e, CURLOPT_TIMEOUT_MS, s_opt.timeout_ms);
    if (cc == CURLE_OK)
        cc = curl_easy_perform (e);
    json_error_t jerr;
    if (cc != CURLE_OK)
        log_error (NULL, "%s %s: %s%s", method, url, curl_easy_strerror (cc),
                   buf.too_large ? " (reply larger than 1 MiB)" : "");
    else if (curl_easy_getinfo (e, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200)
        log_error (NULL, "%s %s: HTTP %ld: %.500s", method, url, status, buf.data ? buf.data : "");
    else if (!(*reply = json_loads (buf.data ? buf.data : "", 0, &jerr)))
        log_error (NULL, "%s %s: the reply is not JSON: %s", method, url, jerr.text);
    else
        rc = 0;
    curl_easy_cleanup (e);
    free (buf.data);
    return rc;
}

//  Asks POST /v1/prices/quote for the unit price of every SKU given
//  without one.
static int
s_fetch_prices (void)
{
    json_t *lines = json_array ();
    for (int i = 0; lines && i < s_opt.nskus; i++)
        if (s_opt.skus[i].unit_price < 0
            && json_array_append_new (lines, json_pack ("{s:s, s:i}", "sku", s_opt.skus[i].sku,
                                                        "quantity", 1)) != 0) {
            json_decref (lines);
            lines = NULL;
        }
    json_t *req = lines ? json_pack ("{s:s, s:o}", "currency", s_opt.currency, "lines", lines) : NULL;
    char *text = req ? json_dumps (req, JSON_COMPACT) : NULL;
    json_decref (req);
    if (!text) {
        log_error (NULL, "cannot build the quote request");
        return -1;
    }
    char url[URL_CAP];
    snprintf (url, sizeof url, "%s/v1/prices/quote", s_opt.base);
    json_t *reply = NULL;
    int rc = s_call_json (url, text, &reply);
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get (reply, "lines"), i, item) {
        const char *sku = json_string_value (json_object_get (item, "sku"));
        json_t *price = json_object_get (item, "unit_price");
        for (int k = 0; sku && json_is_integer (price) && k < s_opt.nskus; k++)
            if (strcmp (s_opt.skus[k].sku, sku) == 0)
                s_opt.skus[k].unit_price = json_integer_value (price);
    }
    for (int k = 0; rc == 0 && k < s_opt.nskus; k++)
        if (s_opt.skus[k].unit_price < 0) {
            log_error (NULL, "the quote has no unit_price for SKU %s", s_opt.skus[k].sku);
            rc = -1;
        }
    json_decref (reply);
    free (text);
    return rc;
}

//  Lists --fulfillments fulfilments still allocated, oldest first (GET
//  /v1/fulfillments?status=allocated, a page of up to 1,000 at a time),
//  waiting up to --timeout-ms for fulfillment to have made that many from
//  the orders it consumes.
static int
s_fetch_fulfillments (void)
{
    s_opt.ffs = calloc ((size_t) s_opt.nffs, sizeof *s_opt.ffs);
    if (!s_opt.ffs)
        return -1;
    long have = 0;
    for (int64_t until = clock_mono_ms () + s_opt.timeout_ms; have < s_opt.nffs && clock_mono_ms () < until;) {
        char url[URL_CAP], cursor[128] = "";
        have = 0;
        do {
            long page = s_opt.nffs - have < 1000 ? s_opt.nffs - have : 1000;
            snprintf (url, sizeof url, "%s/v1/fulfillments?status=allocated&limit=%ld%s%s", s_opt.base, page,
                      cursor[0] ? "&cursor=" : "", cursor);
            json_t *reply = NULL;
            if (s_call_json (url, NULL, &reply) != 0)
                return -1;
            size_t i;
            json_t *item;
            json_array_foreach (json_object_get (reply, "items"), i, item)
                if (have < s_opt.nffs)
                    snprintf (s_opt.ffs[have++], sizeof (ff_id_t), "%s",
                              json_string_value (json_object_get (item, "fulfillment_id")));
            const char *next = json_string_value (json_object_get (reply, "next_cursor"));
            snprintf (cursor, sizeof cursor, "%s", next ? next : "");
            json_decref (reply);
        } while (have < s_opt.nffs && cursor[0]);
        if (have < s_opt.nffs)
            nanosleep (&(struct timespec) {0, 200 * 1000 * 1000}, NULL);
    }
    if (have < s_opt.nffs) {
        log_error (NULL, "fulfillment lists %ld allocated fulfilments, not the %ld of --fulfillments", have,
                   s_opt.nffs);
        return -1;
    }
    return 0;
}

static int
s_add_sku (const char *arg)
{
    if (s_opt.nskus == MAX_SKUS) {
        fprintf (stderr, "loadgen: at most %d --sku options\n", MAX_SKUS);
        return -1;
    }
    sku_t *sku = &s_opt.skus[s_opt.nskus];
    const char *colon = strchr (arg, ':');
    size_t len = colon ? (size_t) (colon - arg) : strlen (arg);
    if (len == 0 || len >= sizeof sku->sku || strpbrk (arg, "\"\\")) {
        fprintf (stderr, "loadgen: --sku '%s': expected SKU[:PRICE], SKU 1-63 chars without quotes\n", arg);
        return -1;
    }
    memcpy (sku->sku, arg, len);
    sku->unit_price = -1;
    if (colon) {
        char *end = NULL;
        errno = 0;
        long long price = strtoll (colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || price < 0) {
            fprintf (stderr, "loadgen: --sku '%s': PRICE must be a non-negative integer in minor units\n", arg);
            return -1;
        }
        sku->unit_price = price;
    }
    char *escaped = curl_easy_escape (NULL, sku->sku, 0);
    if (!escaped || strlen (escaped) >= sizeof sku->escaped) {
        curl_free (escaped);
        fprintf (stderr, "loadgen: --sku '%s': cannot URL-encode\n", arg);
        return -1;
    }
    strcpy (sku->escaped, escaped);
    curl_free (escaped);
    s_opt.nskus++;
    return 0;
}

static int
s_parse_int (const char *name, const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol (text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        fprintf (stderr, "loadgen: --%s '%s': expected an integer from %ld to %ld\n",
                 name, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: loadgen --url BASE [--mode orders|availability|holds|milestones|post] [options]\n"
             "  --url BASE          base URL, e.g. http://127.0.0.1:8080 (required)\n"
             "  --mode M            orders (default), availability, holds, milestones or post\n"
             "  --conns N           keep-alive connections, one request in flight each (32)\n"
             "  --threads N         threads, each with its own curl multi handle (1)\n"
             "  --duration S        measured seconds (10)\n"
             "  --warmup S          unmeasured seconds before the window (2)\n"
             "  --requests N        exactly N requests, no warm-up, instead of --duration;\n"
             "                      req/s is then over the time they took\n"
             "  --sku SKU[:PRICE]   SKU and unit price in minor units; repeat (at most %d); SKUs\n"
             "                      without a price are quoted through POST /v1/prices/quote first\n"
             "  --sku-prefix P      availability and holds, instead of --sku: the SKUs P000001 ..\n"
             "  --sku-count N       up to N (1-999999) at random; P is letters, digits, '.', '_', '-'\n"
             "  --ttl S             ttl_seconds of holds (60)\n"
             "  --fulfillments N    milestones: the N oldest fulfilments still allocated get their\n"
             "                      picked, packed, shipped and delivered in turn (1000)\n"
             "  --currency CODE     ISO 4217 currency of orders and quotes (EUR)\n"
             "  --account ID        account_id of orders (bench-account)\n"
             "  --channel NAME      channel of orders (omitted by default)\n"
             "  --key KEY           sends Authorization: Bearer KEY\n"
             "  --path PATH         path for post and holds mode (/v1/orders, /v1/holds)\n"
             "  --timeout-ms MS     per-request timeout (10000)\n"
             "rps counts successful responses (201 for orders, holds and post, 200 for\n"
             "availability and milestones); latencies are of successful responses only.\n", MAX_SKUS);
}

static int
s_parse_args (int argc, char **argv)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},      {"mode", required_argument, NULL, 'm'},
        {"conns", required_argument, NULL, 'c'},    {"threads", required_argument, NULL, 't'},
        {"duration", required_argument, NULL, 'd'}, {"warmup", required_argument, NULL, 'w'},
        {"sku", required_argument, NULL, 's'},      {"currency", required_argument, NULL, 'y'},
        {"account", required_argument, NULL, 'a'},  {"channel", required_argument, NULL, 'n'},
        {"key", required_argument, NULL, 'k'},      {"path", required_argument, NULL, 'p'},
        {"timeout-ms", required_argument, NULL, 'T'}, {"help", no_argument, NULL, 'h'},
        {"sku-prefix", required_argument, NULL, 'P'}, {"sku-count", required_argument, NULL, 'N'},
        {"ttl", required_argument, NULL, 'L'},      {"requests", required_argument, NULL, 'R'},
        {"fulfillments", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0}};
    s_opt.mode_name = "orders";
    s_opt.path = NULL;
    s_opt.currency = "EUR";
    s_opt.account = "bench-account";
    long conns = 32, threads = 1, duration = 10, warmup = 2, timeout = 10000;
    long sku_count = 0, ttl = 60, requests = 0, fulfillments = 1000;
    int c;
    while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'u': s_opt.base = optarg; break;
        case 'm': s_opt.mode_name = optarg; break;
        case 'c': rc = s_parse_int ("conns", optarg, 1, 10000, &conns); break;
        case 't': rc = s_parse_int ("threads", optarg, 1, 64, &threads); break;
        case 'd': rc = s_parse_int ("duration", optarg, 1, 3600, &duration); break;
        case 'w': rc = s_parse_int ("warmup", optarg, 0, 600, &warmup); break;
        case 's': rc = s_add_sku (optarg); break;
        case 'y': s_opt.currency = optarg; break;
        case 'a': s_opt.account = optarg; break;
        case 'n': s_opt.channel = optarg; break;
        case 'k': s_opt.key = optarg; break;
        case 'p': s_opt.path = optarg; break;
        case 'T': rc = s_parse_int ("timeout-ms", optarg, 1, 600000, &timeout); break;
        case 'P': s_opt.sku_prefix = optarg; break;
        case 'N': rc = s_parse_int ("sku-count", optarg, 1, 999999, &sku_count); break;
        case 'L': rc = s_parse_int ("ttl", optarg, 1, 604800, &ttl); break;
        case 'R': rc = s_parse_int ("requests", optarg, 1, 1000000000, &requests); break;
        case 'F': rc = s_parse_int ("fulfillments", optarg, 1, 1000000, &fulfillments); break;
        case 'h': s_usage (stdout); exit (0);
        default: s_usage (stderr); return -1;
        }
        if (rc != 0)
            return -1;
    }
    if (optind < argc) {
        fprintf (stderr, "loadgen: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!s_opt.base || strncmp (s_opt.base, "http://", 7) != 0) {
        fprintf (stderr, "loadgen: --url is required and must start with http://\n");
        return -1;
    }
    if (strcmp (s_opt.mode_name, "orders") == 0)
        s_opt.mode = MODE_ORDERS;
    else if (strcmp (s_opt.mode_name, "availability") == 0)
        s_opt.mode = MODE_AVAILABILITY;
    else if (strcmp (s_opt.mode_name, "holds") == 0)
        s_opt.mode = MODE_HOLDS;
    else if (strcmp (s_opt.mode_name, "milestones") == 0)
        s_opt.mode = MODE_MILESTONES;
    else if (strcmp (s_opt.mode_name, "post") == 0)
        s_opt.mode = MODE_POST;
    else {
        fprintf (stderr, "loadgen: --mode '%s': expected orders, availability, holds, milestones or post\n",
                 s_opt.mode_name);
        return -1;
    }
    if (!s_opt.path)
        s_opt.path = s_opt.mode == MODE_HOLDS ? "/v1/holds" : "/v1/orders";
    if (!s_opt.sku_prefix != !sku_count) {
        fprintf (stderr, "loadgen: --sku-prefix and --sku-count go together\n");
        return -1;
    }
    if (s_opt.sku_prefix) {
        if (s_opt.nskus || (s_opt.mode != MODE_AVAILABILITY && s_opt.mode != MODE_HOLDS)) {
            fprintf (stderr, "loadgen: --sku-prefix is for availability and holds, instead of --sku\n");
            return -1;
        }
        size_t len = strlen (s_opt.sku_prefix);
        if (len == 0 || len > 50 || strspn (s_opt.sku_prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != len) {
            fprintf (stderr, "loadgen: --sku-prefix '%s': 1-50 letters, digits, '.', '_' or '-'\n", s_opt.sku_prefix);
            return -1;
        }
        s_opt.nskus = (int) sku_count;
    }
    if (s_opt.mode != MODE_POST && s_opt.mode != MODE_MILESTONES && s_opt.nskus == 0) {
        fprintf (stderr, "loadgen: --mode %s needs at least one --sku\n", s_opt.mode_name);
        return -1;
    }
    if (strlen (s_opt.currency) != 3 || strpbrk (s_opt.account, "\"\\")
        || (s_opt.channel && strpbrk (s_opt.channel, "\"\\"))) {
        fprintf (stderr, "loadgen: --currency must be 3 letters; --account and --channel without quotes\n");
        return -1;
    }
    if (threads > conns)
        threads = conns;
    s_opt.conns = (int) conns;
    s_opt.threads = (int) threads;
    s_opt.duration_s = (int) duration;
    s_opt.warmup_s = (int) warmup;
    s_opt.timeout_ms = timeout;
    s_opt.ttl_s = ttl;
    s_opt.requests = requests;
    s_opt.nffs = fulfillments;
    if (requests)
        s_opt.warmup_s = 0;
    s_opt.expect_status = s_opt.mode == MODE_AVAILABILITY || s_opt.mode == MODE_MILESTONES ? 200 : 201;
    return 0;
}

static int
s_prepare (void)
{
    snprintf (s_opt.run_id, sizeof s_opt.run_id, "%016" PRIx64, s_random_seed ());
    s_opt.headers = curl_slist_append (NULL, "Content-Type: application/json");
    //  curl would otherwise wait for "100 Continue" before large bodies
    s_opt.headers = curl_slist_append (s_opt.headers, "Expect:");
    if (s_opt.key) {
        char auth[512];
        snprintf (auth, sizeof auth, "Authorization: Bearer %s", s_opt.key);
        s_opt.headers = curl_slist_append (s_opt.headers, auth);
    }
    if (!s_opt.headers)
        return -1;
    int n = snprintf (s_opt.post_body, sizeof s_opt.post_body,
                      "{\"external_id\":\"bench-%s\",\"pad\":\"", s_opt.run_id);
    memset (s_opt.post_body + n, 'x', POST_BODY_BYTES - (size_t) n - 2);
    memcpy (s_opt.post_body + POST_BODY_BYTES - 2, "\"}", 3);
    if (s_opt.mode == MODE_MILESTONES)
        return s_fetch_fulfillments ();
    for (int i = 0; !s_opt.sku_prefix && i < s_opt.nskus; i++)
        if (s_opt.skus[i].unit_price < 0)
            return s_opt.mode == MODE_ORDERS ? s_fetch_prices () : 0;
    return 0;
}

static void
s_report (worker_t *workers)
{
    hist_t *total = calloc (1, sizeof *total);
    uint64_t ok = 0, transport = 0, status[MAX_STATUS] = {0};
    long connects = 0;
    const char *sample = "";
    for (int i = 0; i < s_opt.threads; i++) {
        worker_t *w = &workers[i];
        if (total)
            s_hist_merge (total, &w->hist);
        ok += w->ok;
        transport += w->transport;
        connects += w->connects;
        for (int k = 0; k < MAX_STATUS; k++)
            status[k] += w->status[k];
        if (!*sample)
            sample = w->error_sample;
    }
    uint64_t errors = transport;
    for (int k = 0; k < MAX_STATUS; k++)
        errors += status[k];
    double measured_s = s_opt.requests ? (double) (s_opt.finished_us - s_opt.window_start_us) / 1e6
                                       : (double) s_opt.duration_s;
    double elapsed_s = measured_s + s_opt.warmup_s;
    double rps = measured_s > 0 ? (double) ok / measured_s : 0;
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
    if (total) {
        p50 = s_hist_percentile_ms (total, 0.50);
        p90 = s_hist_percentile_ms (total, 0.90);
        p99 = s_hist_percentile_ms (total, 0.99);
        max = (double) total->max / 1000.0;
    }
    if (s_opt.requests)
        printf ("mode %s, %s, %d connections, %d thread(s), %ld requests in %.2f s, no warm-up\n",
                s_opt.mode_name, s_opt.base, s_opt.conns, s_opt.threads, s_opt.requests, measured_s);
    else
        printf ("mode %s, %s, %d connections, %d thread(s), %d s measured after %d s warm-up\n",
                s_opt.mode_name, s_opt.base, s_opt.conns, s_opt.threads, s_opt.duration_s,
                s_opt.warmup_s);
    printf ("successful %" PRIu64 " (%.1f req/s), errors %" PRIu64 ", TCP connections opened %ld\n",
            ok, rps, errors, connects);
    printf ("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", p50, p90, p99, max);
    long milestones = atomic_load (&s_opt.milestones);
    if (s_opt.mode == MODE_MILESTONES && milestones > 4 * s_opt.nffs)
        printf ("note: %ld milestones for %ld fulfilments: past the first %ld they were kept in the history "
                "without moving a status (give more --fulfillments or fewer --requests)\n",
                milestones, s_opt.nffs, 4 * s_opt.nffs);
    if (errors) {
        printf ("errors by status:");
        for (int k = 1; k < MAX_STATUS; k++)
            if (status[k])
                printf (" %d=%" PRIu64, k, status[k]);
        if (status[0])
            printf (" other=%" PRIu64, status[0]);
        if (transport)
            printf (" transport=%" PRIu64, transport);
        printf ("\nfirst error: %s\n", sample);
    }
    //  the box is shared with the server under test, so say what we cost
    struct rusage ru;
    double cpu_s = 0;
    if (getrusage (RUSAGE_SELF, &ru) == 0)
        cpu_s = (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
              + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf ("loadgen CPU %.2f s over %.1f s (%.2f cores)\n", cpu_s, elapsed_s,
            elapsed_s > 0 ? cpu_s / elapsed_s : 0);
    printf ("RESULT mode=%s conns=%d rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%" PRIu64
            " cpu_s=%.2f elapsed_s=%.2f\n",
            s_opt.mode_name, s_opt.conns, rps, p50, p90, p99, max, errors, cpu_s, elapsed_s);
    free (total);
}

int
main (int argc, char **argv)
{
    if (s_parse_args (argc, argv) != 0)
        return 2;
    log_init ("loadgen", RM_LOG_INFO);
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error (NULL, "curl_global_init failed");
        return 1;
    }
    int rc = 1;
    worker_t *workers = NULL;
    conn_t *conns = NULL;
    if (s_prepare () != 0)
        goto done;
    workers = calloc ((size_t) s_opt.threads, sizeof *workers);
    conns = calloc ((size_t) s_opt.conns, sizeof *conns);
    if (!workers || !conns) {
        log_error (NULL, "out of memory");
        goto done;
    }
    int64_t start = clock_mono_us ();
    s_opt.window_start_us = start + (int64_t) s_opt.warmup_s * 1000000;
    s_opt.window_end_us = s_opt.requests ? INT64_MAX
                                         : s_opt.window_start_us + (int64_t) s_opt.duration_s * 1000000;
    int started = 0;
    for (int i = 0, first = 0; i < s_opt.threads; i++) {
        worker_t *w = &workers[i];
        w->id = i;
        w->rng = s_random_seed ();
        w->nconns = s_opt.conns / s_opt.threads + (i < s_opt.conns % s_opt.threads);
        w->conns = conns + first;
        first += w->nconns;
        w->multi = curl_multi_init ();
        if (!w->multi
            || curl_multi_setopt (w->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) w->nconns) != CURLM_OK
            || curl_multi_setopt (w->multi, CURLMOPT_MAXCONNECTS, (long) w->nconns) != CURLM_OK) {
            log_error (NULL, "curl_multi_init failed");
            break;
        }
        if (pthread_create (&w->thread, NULL, s_worker_run, w) != 0) {
            log_error (NULL, "pthread_create failed");
            break;
        }
        started++;
    }
    rc = started == s_opt.threads ? 0 : 1;
    for (int i = 0; i < started; i++) {
        pthread_join (workers[i].thread, NULL);
        if (workers[i].rc != 0)
            rc = 1;
    }
    s_opt.finished_us = clock_mono_us ();
    if (rc == 0) {
        s_report (workers);
        uint64_t ok = 0;
        for (int i = 0; i < s_opt.threads; i++)
            ok += workers[i].ok;
        rc = ok > 0 ? 0 : 1;
    }
    for (int i = 0; workers && i < s_opt.threads; i++)
        if (workers[i].multi)
            curl_multi_cleanup (workers[i].multi);
    for (int i = 0; conns && i < s_opt.conns; i++)
        if (conns[i].easy)
            curl_easy_cleanup (conns[i].easy);
done:
    free (workers);
    free (conns);
    free (s_opt.ffs);
    curl_slist_free_all (s_opt.headers);
    curl_global_cleanup ();
    return rc;
}
