//  End to end: sixteen HTTP clients hold, release, receive, transfer and
//  count the same 10 SKUs across 3 locations at once, through the gateway,
//  with the services durable. Meanwhile every availability they read has
//  no negative figure and each location's available is what its on hand,
//  reserved, quarantined and safety stock give. Afterwards, for every SKU and location, on hand is
//  the sum of its ledger, reserved is what the live holds hold there, and
//  each live hold holds exactly what it asked for: nothing oversold,
//  nothing counted twice.
#include "clock.h"
#include "http.h"
#include <pthread.h>
#include <stdlib.h>

#define CLIENTS 16
#define OPS 60
#define NSKUS 10
#define NLOCS 3
#define HOLDS_MAX (CLIENTS * OPS)
//  nothing may keep the race going past this
#define RACE_MS 120000

static harness_mesh_t mesh;
static const char *const s_locs[NLOCS] = {"OS-A", "OS-B", "OS-C"};

typedef struct {
    char id[40];
    char sku[16];
    int64_t quantity;
    bool live;
} hold_t;

typedef struct {
    int index;
    unsigned seed;
    hold_t holds[OPS];
    int nholds;
    int unexpected;            //  answers no operation may give
    int negative;              //  availability figures below zero
    int inconsistent;          //  a location whose available is not what its other figures give
    int reads;
    int made, short_refused, released, moved, move_refused;
} client_t;

static int64_t s_end;

static void
s_sku (char *out, size_t size, int n)
{
    snprintf (out, size, "OS-%d", n);
}

static int
s_rand (client_t *c, int n)
{
    return (int) (rand_r (&c->seed) % (unsigned) n);
}

static void
s_unexpected (client_t *c, const char *what, const harness_http_t *res)
{
    c->unexpected++;
    fprintf (stderr, "  client %d: %s answered %ld %s\n", c->index, what, res->status,
             res->body ? res->body : "");
}

static void
s_hold (client_t *c)
{
    char sku[16], body[160];
    s_sku (sku, sizeof sku, s_rand (c, NSKUS));
    int64_t quantity = 1 + s_rand (c, 12);
    snprintf (body, sizeof body, "{\"lines\":[{\"sku\":\"%s\",\"quantity\":%lld}],\"ttl_seconds\":3600}", sku,
              (long long) quantity);
    harness_http_t res;
    http_call (&mesh, &res, "POST", "/v1/holds", body);
    if (res.status == 201 && c->nholds < OPS) {
        hold_t *h = &c->holds[c->nholds++];
        snprintf (h->id, sizeof h->id, "%s", http_json_str (res.json, "hold_id"));
        snprintf (h->sku, sizeof h->sku, "%s", sku);
        h->quantity = quantity;
        h->live = true;
        c->made++;
    }
    else if (res.status == 409)
        c->short_refused++;
    else
        s_unexpected (c, "a hold", &res);
    harness_http_free (&res);
}

static void
s_release (client_t *c)
{
    for (int i = c->nholds - 1; i >= 0; i--) {
        if (!c->holds[i].live)
            continue;
        char path[96];
        snprintf (path, sizeof path, "/v1/holds/%s", c->holds[i].id);
        harness_http_t res;
        http_call (&mesh, &res, "DELETE", path, NULL);
        if (res.status == 200) {
            c->holds[i].live = false;
            c->released++;
        }
        else
            s_unexpected (c, "a release", &res);
        harness_http_free (&res);
        return;
    }
}

//  type: receipt, transfer or count
static void
s_move (client_t *c, int op, const char *type)
{
    char sku[16], body[320], to[48] = "";
    s_sku (sku, sizeof sku, s_rand (c, NSKUS));
    int from = s_rand (c, NLOCS);
    int64_t quantity = strcmp (type, "count") == 0 ? s_rand (c, 61) : 1 + s_rand (c, 8);
    if (strcmp (type, "transfer") == 0)
        snprintf (to, sizeof to, ",\"to_location\":\"%s\"", s_locs[(from + 1 + s_rand (c, NLOCS - 1)) % NLOCS]);
    snprintf (body, sizeof body,
              "{\"movement_id\":\"os-%d-%d\",\"type\":\"%s\",\"sku\":\"%s\",\"location\":\"%s\"%s,"
              "\"quantity\":%lld,\"reason\":\"race\"}",
              c->index, op, type, sku, s_locs[from], to, (long long) quantity);
    harness_http_t res;
    http_call (&mesh, &res, "POST", "/v1/stock/movements", body);
    if (res.status == 200 || res.status == 201)
        c->moved++;
    else if (res.status == 409 && strcmp (type, "transfer") == 0)
        c->move_refused++;
    else
        s_unexpected (c, type, &res);
    harness_http_free (&res);
}

static void
s_read (client_t *c)
{
    char sku[16], path[64];
    s_sku (sku, sizeof sku, s_rand (c, NSKUS));
    snprintf (path, sizeof path, "/v1/availability?sku=%s", sku);
    harness_http_t res;
    http_call (&mesh, &res, "GET", path, NULL);
    json_t *item = json_array_get (json_object_get (res.json, "items"), 0);
    if (res.status != 200 || !item)
        s_unexpected (c, "availability", &res);
    else {
        c->reads++;
        c->negative += http_json_int (item, "available") < 0;
        size_t i;
        json_t *at;
        json_array_foreach (json_object_get (item, "locations"), i, at) {
            int64_t free_units = http_json_int (at, "on_hand") - http_json_int (at, "reserved")
                               - http_json_int (at, "quarantined") - http_json_int (at, "safety_stock");
            c->negative += http_json_int (at, "available") < 0 || http_json_int (at, "reserved") < 0;
            c->inconsistent += http_json_int (at, "available") != (free_units > 0 ? free_units : 0);
        }
    }
    harness_http_free (&res);
}

static void *
s_client (void *arg)
{
    client_t *c = arg;
    for (int op = 0; op < OPS && clock_mono_ms () < s_end; op++) {
        int roll = s_rand (c, 100);
        if (roll < 30)
            s_hold (c);
        else if (roll < 50)
            s_release (c);
        else if (roll < 65)
            s_move (c, op, "receipt");
        else if (roll < 80)
            s_move (c, op, "transfer");
        else if (roll < 90)
            s_move (c, op, "count");
        else
            s_read (c);
    }
    return NULL;
}

//  The sum of quantity_delta over the whole ledger of sku at location.
static int64_t
s_ledger_sum (const char *location, const char *sku, int *pages)
{
    int64_t sum = 0;
    char cursor[64] = "";
    for (*pages = 0; *pages < 100; (*pages)++) {
        char path[192];
        snprintf (path, sizeof path, "/v1/stock/%s/%s/ledger?limit=10%s%s", location, sku, *cursor ? "&cursor=" : "",
                  cursor);
        json_t *page = http_expect (&mesh, "GET", path, NULL, 200);
        size_t i;
        json_t *entry;
        json_array_foreach (json_object_get (page, "entries"), i, entry)
            sum += http_json_int (entry, "quantity_delta");
        snprintf (cursor, sizeof cursor, "%s", http_json_str (page, "next_cursor"));
        json_decref (page);
        if (!*cursor)
            break;
    }
    return sum;
}

static void
test_no_oversell (void)
{
    for (int l = 0; l < NLOCS; l++) {
        char path[64], body[128];
        snprintf (path, sizeof path, "/v1/locations/%s", s_locs[l]);
        snprintf (body, sizeof body, "{\"name\":\"race %d\",\"type\":\"warehouse\",\"priority\":%d}", l, l + 1);
        http_put (&mesh, path, body);
    }
    for (int s = 0; s < NSKUS; s++)
        for (int l = 0; l < NLOCS; l++) {
            char sku[16], body[256];
            s_sku (sku, sizeof sku, s);
            snprintf (body, sizeof body,
                      "{\"movement_id\":\"os-init-%d-%d\",\"type\":\"receipt\",\"sku\":\"%s\",\"location\":\"%s\","
                      "\"quantity\":20}", s, l, sku, s_locs[l]);
            json_decref (http_expect (&mesh, "POST", "/v1/stock/movements", body, 200));
        }

    static client_t clients[CLIENTS];
    pthread_t threads[CLIENTS];
    s_end = clock_mono_ms () + RACE_MS;
    int started = 0;
    for (; started < CLIENTS; started++) {
        clients[started] = (client_t) {.index = started, .seed = 7919u * (unsigned) (started + 1)};
        if (pthread_create (&threads[started], NULL, s_client, &clients[started]) != 0)
            break;
    }
    CHECK_EQ_INT (started, CLIENTS);
    int unexpected = 0, negative = 0, inconsistent = 0, reads = 0, made = 0, refused = 0, released = 0, moved = 0;
    for (int i = 0; i < started; i++) {
        pthread_join (threads[i], NULL);
        unexpected += clients[i].unexpected;
        negative += clients[i].negative;
        inconsistent += clients[i].inconsistent;
        reads += clients[i].reads;
        made += clients[i].made;
        refused += clients[i].short_refused;
        released += clients[i].released;
        moved += clients[i].moved;
    }
    CHECK (clock_mono_ms () < s_end);
    fprintf (stderr, "  %d holds made, %d refused short, %d released, %d movements, %d reads\n", made, refused,
             released, moved, reads);
    CHECK_EQ_INT (unexpected, 0);
    CHECK_EQ_INT (negative, 0);
    CHECK_EQ_INT (inconsistent, 0);
    CHECK (made > 0 && released > 0 && moved > 0 && reads > 0);

    //  what every live hold holds, per SKU and location; each hold whole
    int64_t held[NSKUS][NLOCS] = {{0}};
    int partial = 0, not_held = 0;
    for (int i = 0; i < started; i++)
        for (int k = 0; k < clients[i].nholds; k++) {
            const hold_t *h = &clients[i].holds[k];
            char path[96];
            snprintf (path, sizeof path, "/v1/holds/%s", h->id);
            json_t *hold = http_expect (&mesh, "GET", path, NULL, 200);
            bool live = strcmp (http_json_str (hold, "status"), "held") == 0;
            not_held += live != h->live;
            int64_t sum = 0;
            size_t r;
            json_t *row;
            json_array_foreach (json_object_get (hold, "reservations"), r, row) {
                if (strcmp (http_json_str (row, "status"), "held") != 0)
                    continue;
                sum += http_json_int (row, "quantity");
                int s = atoi (http_json_str (row, "sku") + 3);
                for (int l = 0; l < NLOCS; l++)
                    if (strcmp (http_json_str (row, "location"), s_locs[l]) == 0 && s >= 0 && s < NSKUS)
                        held[s][l] += http_json_int (row, "quantity");
            }
            partial += live && sum != h->quantity;
            json_decref (hold);
        }
    CHECK_EQ_INT (not_held, 0);
    CHECK_EQ_INT (partial, 0);

    int ledger_off = 0, reserved_off = 0, pages_max = 0;
    for (int s = 0; s < NSKUS; s++) {
        char sku[16], path[64];
        s_sku (sku, sizeof sku, s);
        snprintf (path, sizeof path, "/v1/availability?sku=%s", sku);
        json_t *stock = http_expect (&mesh, "GET", path, NULL, 200);
        json_t *item = json_array_get (json_object_get (stock, "items"), 0);
        for (int l = 0; l < NLOCS; l++) {
            json_t *at = NULL, *loc;
            size_t i;
            json_array_foreach (json_object_get (item, "locations"), i, loc)
                if (strcmp (http_json_str (loc, "location"), s_locs[l]) == 0)
                    at = loc;
            int pages = 0;
            int64_t sum = s_ledger_sum (s_locs[l], sku, &pages);
            pages_max = pages > pages_max ? pages : pages_max;
            if (sum != http_json_int (at, "on_hand")) {
                ledger_off++;
                fprintf (stderr, "  %s at %s: on hand %lld, ledger sums to %lld\n", sku, s_locs[l],
                         (long long) http_json_int (at, "on_hand"), (long long) sum);
            }
            if (held[s][l] != http_json_int (at, "reserved")) {
                reserved_off++;
                fprintf (stderr, "  %s at %s: reserved %lld, live holds hold %lld\n", sku, s_locs[l],
                         (long long) http_json_int (at, "reserved"), (long long) held[s][l]);
            }
        }
        json_decref (stock);
    }
    CHECK_EQ_INT (ledger_off, 0);
    CHECK_EQ_INT (reserved_off, 0);
    fprintf (stderr, "  ledgers read in at most %d page(s) of 10\n", pages_max + 1);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_no_oversell, NULL};
    return http_main (&mesh, "test_e2e_oversell", tests);
}
