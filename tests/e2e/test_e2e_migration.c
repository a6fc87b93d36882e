//  End to end: stores written by the previous release (schema version 1:
//  raw C structs and bare values, written here with LMDB directly as that
//  release did) are migrated when the services open them, and then served:
//  prices quoted (pricing through schema 2 to 3: the prices become entries
//  of the currency's list book; inventory on to 4: held order reservations
//  get a deadline, and 5), stock and reservations counted, the order and its
//  history shown (orders on to 4: its lines show nothing shipped or
//  delivered), a pending release carried out, a cancel giving the
//  migrated reservation back, an order stored with an upper-case channel
//  found by any case of it. A store marked with a newer schema version
//  is refused, naming both versions.
#include "http.h"
#include "mp.h"
#include "store.h"
#include "uuid.h"
#include <lmdb.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static harness_mesh_t mesh;
static uint8_t s_order_id[16], s_left_id[16], s_released_id[16], s_upper_id[16], s_clash_id[16];
static char s_order_text[UUID_STR_LEN + 1], s_upper_text[UUID_STR_LEN + 1], s_clash_text[UUID_STR_LEN + 1];

//  Puts one value into a named database of the LMDB environment in dir,
//  creating both as needed (what the previous release's store did).
static void
s_lmdb_put (const char *dir, const char *db, const void *key, size_t klen, const void *val, size_t vlen)
{
    mkdir (dir, 0755);
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    int rc = mdb_env_create (&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs (env, 16);
    if (rc == 0)
        rc = mdb_env_set_mapsize (env, 16u << 20);
    if (rc == 0)
        rc = mdb_env_open (env, dir, MDB_NOTLS, 0644);
    if (rc == 0)
        rc = mdb_txn_begin (env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open (txn, db, MDB_CREATE, &dbi);
    MDB_val k = {klen, (void *) key}, v = {vlen, (void *) val};
    if (rc == 0)
        rc = mdb_put (txn, dbi, &k, &v, 0);
    if (rc == 0) {
        rc = mdb_txn_commit (txn);
        txn = NULL;
    }
    if (txn)
        mdb_txn_abort (txn);
    if (env)
        mdb_env_close (env);
    if (rc != 0)
        fprintf (stderr, "writing %s/%s: %s\n", dir, db, mdb_strerror (rc));
    CHECK_EQ_INT (rc, 0);
}

static char *
s_dir (const char *service)
{
    char *dir = NULL;
    CHECK (asprintf (&dir, "%s/%s", mesh.dir, service) > 0);
    return dir;
}

static void
s_put (const char *service, const char *db, const void *key, size_t klen, const void *val, size_t vlen)
{
    char *dir = s_dir (service);
    s_lmdb_put (dir, db, key, klen, val, vlen);
    free (dir);
}

static void
s_set_schema (const char *service, unsigned version)
{
    uint8_t be[4] = {(uint8_t) (version >> 24), (uint8_t) (version >> 16), (uint8_t) (version >> 8),
                     (uint8_t) version};
    s_put (service, "meta", "schema_version", 14, be, sizeof be);
}

static void
s_put_pair (const char *service, const char *db, const char *a, const char *b, const void *val, size_t vlen)
{
    char key[128];
    size_t klen = store_key_pair (key, sizeof key, a, b);
    s_put (service, db, key, klen, val, vlen);
}

//  The previous release's layouts.
typedef struct {
    int64_t unit_price, updated_at;
} v1_price_t;

typedef struct {
    int64_t on_hand, reserved;
} v1_stock_t;

static void
s_pack_reservation (msgpack_sbuffer *buf, int64_t quantity)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 3);
    mp_pack_kv_str (&pk, "sku", "OLD");
    mp_pack_kv_int (&pk, "quantity", quantity);
    mp_pack_str (&pk, "allocations");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "location", "WH-A");
    mp_pack_kv_int (&pk, "quantity", quantity);
}

//  An accepted order as the previous release stored it: the SHA-256 of the
//  body, then the order map.
static void
s_pack_order (msgpack_sbuffer *buf, const char *order_id, const char *channel, const char *external_id)
{
    static const uint8_t hash[32] = {7, 7, 7};
    msgpack_sbuffer_write (buf, (const char *) hash, sizeof hash);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 11);
    mp_pack_kv_str (&pk, "order_id", order_id);
    mp_pack_kv_str (&pk, "external_id", external_id);
    mp_pack_kv_str (&pk, "channel", channel);
    mp_pack_kv_str (&pk, "account_id", "001OLD");
    mp_pack_kv_str (&pk, "status", "accepted");
    mp_pack_kv_str (&pk, "currency", "USD");
    mp_pack_kv_int (&pk, "total", 4500);
    mp_pack_kv_int (&pk, "created_at", 1700000000000);
    mp_pack_str (&pk, "lines");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 5);
    mp_pack_kv_str (&pk, "sku", "OLD");
    mp_pack_kv_int (&pk, "quantity", 3);
    mp_pack_kv_int (&pk, "unit_price", 1500);
    mp_pack_kv_int (&pk, "extended_price", 4500);
    mp_pack_str (&pk, "reservations");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "location", "WH-A");
    mp_pack_kv_int (&pk, "quantity", 3);
    mp_pack_kv_str (&pk, "idempotency_key", "");
    mp_pack_kv_str (&pk, "correlation_id", "cid-old");
}

static void
s_write_v1_stores (void)
{
    uuid_new (s_order_id);
    uuid_new (s_left_id);
    uuid_new (s_released_id);
    uuid_format (s_order_id, s_order_text);

    v1_price_t price = {1500, 1700000000000};
    s_put_pair ("pricing", "prices", "USD", "OLD", &price, sizeof price);
    s_set_schema ("pricing", 1);

    //  3 held for the accepted order, 2 for one left to release
    v1_stock_t stock = {10, 5};
    s_put_pair ("inventory", "stock", "OLD", "WH-A", &stock, sizeof stock);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    s_pack_reservation (&buf, 3);
    s_put ("inventory", "reservations", s_order_id, 16, buf.data, buf.size);
    msgpack_sbuffer_clear (&buf);
    s_pack_reservation (&buf, 2);
    s_put ("inventory", "reservations", s_left_id, 16, buf.data, buf.size);
    int64_t released_at = 1700000000000;
    s_put ("inventory", "released", s_released_id, 16, &released_at, sizeof released_at);
    s_set_schema ("inventory", 1);

    msgpack_sbuffer_clear (&buf);
    s_pack_order (&buf, s_order_text, "salesforce", "OLD-1");
    s_put ("orders", "orders", s_order_id, 16, buf.data, buf.size);
    s_put_pair ("orders", "by_external", "salesforce", "OLD-1", s_order_id, 16);
    //  written before channels were lowered: one alone under its key, one
    //  whose lowered key another order holds already
    uuid_new (s_upper_id);
    uuid_format (s_upper_id, s_upper_text);
    msgpack_sbuffer_clear (&buf);
    s_pack_order (&buf, s_upper_text, "Web-EU", "OLD-2");
    s_put ("orders", "orders", s_upper_id, 16, buf.data, buf.size);
    s_put_pair ("orders", "by_external", "Web-EU", "OLD-2", s_upper_id, 16);
    uuid_new (s_clash_id);
    uuid_format (s_clash_id, s_clash_text);
    msgpack_sbuffer_clear (&buf);
    s_pack_order (&buf, s_clash_text, "SalesForce", "OLD-1");
    s_put ("orders", "orders", s_clash_id, 16, buf.data, buf.size);
    s_put_pair ("orders", "by_external", "SalesForce", "OLD-1", s_clash_id, 16);
    s_put ("orders", "releases", s_left_id, 16, "cid-left", 8);
    msgpack_sbuffer_clear (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4);
    mp_pack_kv_str (&pk, "status", "accepted");
    mp_pack_kv_str (&pk, "event", "orders.order.accepted");
    mp_pack_kv_int (&pk, "time", 1700000000000);
    mp_pack_kv_str (&pk, "correlation_id", "cid-old");
    uint8_t hkey[32];
    memcpy (hkey, s_order_id, 16);
    uuid_new (hkey + 16);
    s_put ("orders", "history", hkey, sizeof hkey, buf.data, buf.size);
    s_set_schema ("orders", 1);
    msgpack_sbuffer_destroy (&buf);
}

//  Polls OLD's reserved count until it is want (at most 10 s); returns the last seen.
static int64_t
s_wait_reserved (int64_t want)
{
    int64_t reserved = -1;
    for (int i = 0; i < 200 && reserved != want; i++) {
        json_t *item = http_stock (&mesh, "OLD", NULL);
        reserved = item ? http_json_int (item, "reserved") : -1;
        json_decref (item);
        if (reserved != want)
            nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
    }
    return reserved;
}

static char *
s_log (const char *service)
{
    char *path = NULL, *text = NULL;
    CHECK (asprintf (&path, "%s/%s.log", mesh.dir, service) > 0);
    FILE *f = path ? fopen (path, "r") : NULL;
    size_t len = 0;
    if (f) {
        FILE *out = open_memstream (&text, &len);
        char chunk[4096];
        size_t n;
        while (out && (n = fread (chunk, 1, sizeof chunk, f)) > 0)
            fwrite (chunk, 1, n, out);
        if (out)
            fclose (out);
        fclose (f);
    }
    free (path);
    return text ? text : strdup ("");
}

static void
test_migrated_and_served (void)
{
    static const char *const services[] = {"pricing", "inventory", "orders"};
    static const char *const migrated[] = {"migrated from schema version 1 to 3", "migrated from schema version 1 to 5",
                                           "migrated from schema version 1 to 4"};
    for (size_t i = 0; i < 3; i++) {
        char *log = s_log (services[i]);
        CHECK (strstr (log, migrated[i]) != NULL);
        free (log);
    }
    //  the old price is the undated entry of the USD list book
    json_t *quote = http_expect (&mesh, "POST", "/v1/prices/quote",
                              "{\"currency\":\"USD\",\"account_id\":\"001OLD\",\"channel\":\"salesforce\","
                              "\"lines\":[{\"sku\":\"OLD\",\"quantity\":2}]}", 200);
    CHECK_EQ_INT (http_json_int (quote, "total"), 3000);
    CHECK_STR (http_json_str (json_array_get (json_object_get (quote, "lines"), 0), "price_book"), "list-usd");
    json_decref (quote);
    json_t *book = http_expect (&mesh, "GET", "/v1/pricebooks/list-usd", NULL, 200);
    CHECK_STR (http_json_str (book, "kind"), "list");
    CHECK_STR (http_json_str (book, "currency"), "USD");
    json_decref (book);
    json_t *priced = http_expect (&mesh, "GET", "/v1/pricebooks/list-usd/entries/OLD", NULL, 200);
    json_t *price = json_array_get (json_object_get (priced, "entries"), 0);
    CHECK_EQ_INT (json_array_size (json_object_get (priced, "entries")), 1);
    CHECK_EQ_INT (http_json_int (price, "unit_price"), 1500);
    CHECK_STR (http_json_str (price, "updated_at"), "2023-11-14T22:13:20.000Z");
    json_decref (priced);

    //  the release left pending by the old release is carried out
    CHECK_EQ_INT (s_wait_reserved (3), 3);
    json_t *item = http_stock (&mesh, "OLD", NULL);
    CHECK_EQ_INT (http_json_int (item, "on_hand"), 10);
    json_decref (item);
    //  schema 3: the stock's on hand is its ledger's first entry, and its
    //  location a warehouse
    json_t *ledger = http_expect (&mesh, "GET", "/v1/stock/WH-A/OLD/ledger", NULL, 200);
    json_t *first = json_object_get (ledger, "entries");
    CHECK_EQ_INT (json_array_size (first), 1);
    CHECK_STR (http_json_str (json_array_get (first, 0), "type"), "initial");
    CHECK_EQ_INT (http_json_int (json_array_get (first, 0), "quantity_delta"), 10);
    json_decref (ledger);
    json_t *location = http_expect (&mesh, "GET", "/v1/locations/WH-A", NULL, 200);
    CHECK_STR (http_json_str (location, "type"), "warehouse");
    json_decref (location);

    char path[128];
    snprintf (path, sizeof path, "/v1/orders/%s", s_order_text);
    json_t *order = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_STR (http_json_str (order, "status"), "accepted");
    CHECK_STR (http_json_str (order, "external_id"), "OLD-1");
    CHECK_EQ_INT (http_json_int (order, "total"), 4500);
    //  an order stored before backorders reads as it was: its line was never backordered
    json_t *line = json_array_get (json_object_get (order, "lines"), 0);
    CHECK (json_object_get (line, "backordered") == NULL);
    //  schema 4: nothing of it has shipped or been delivered
    CHECK (json_is_integer (json_object_get (line, "shipped")) && http_json_int (line, "shipped") == 0);
    CHECK (json_is_integer (json_object_get (line, "delivered")) && http_json_int (line, "delivered") == 0);
    json_decref (order);
    snprintf (path, sizeof path, "/v1/orders/%s/status", s_order_text);
    json_t *status = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_STR (http_json_str (status, "status"), "accepted");
    CHECK_EQ_INT (json_array_size (json_object_get (status, "fulfillments")), 0);
    json_decref (status);
    order = http_expect (&mesh, "GET", "/v1/orders?external_id=OLD-1", NULL, 200);
    CHECK_STR (http_json_str (order, "order_id"), s_order_text);
    json_decref (order);
    //  the upper-case channel was lowered: found whatever the case asked
    static const char *const asked[] = {"WEB-EU", "web-eu", "Web-EU"};
    for (size_t i = 0; i < 3; i++) {
        snprintf (path, sizeof path, "/v1/orders?external_id=OLD-2&channel=%s", asked[i]);
        order = http_expect (&mesh, "GET", path, NULL, 200);
        CHECK_STR (http_json_str (order, "order_id"), s_upper_text);
        CHECK_STR (http_json_str (order, "channel"), "web-eu");
        json_decref (order);
    }
    //  the clash keeps its channel and the lowered key stays the other order's
    snprintf (path, sizeof path, "/v1/orders/%s", s_clash_text);
    order = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_STR (http_json_str (order, "channel"), "SalesForce");
    json_decref (order);
    char *log = s_log ("orders");
    CHECK (strstr (log, "keeps channel 'SalesForce'") != NULL);
    free (log);
    snprintf (path, sizeof path, "/v1/orders/%s/events", s_order_text);
    json_t *history = http_expect (&mesh, "GET", path, NULL, 200);
    json_t *events = json_object_get (history, "events");
    CHECK_EQ_INT (json_array_size (events), 1);
    CHECK_STR (http_json_str (json_array_get (events, 0), "correlation_id"), "cid-old");
    json_decref (history);

    //  the migrated reservation is the accepted order's: committed, per location
    snprintf (path, sizeof path, "/v1/orders/%s/reservations", s_order_text);
    json_t *held = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_STR (http_json_str (held, "status"), "committed");
    json_t *row = json_array_get (json_object_get (held, "reservations"), 0);
    CHECK_STR (http_json_str (row, "location"), "WH-A");
    CHECK_EQ_INT (http_json_int (row, "quantity"), 3);
    json_decref (held);
    //  cancelling gives the migrated reservation back, and keeps it listed as released
    snprintf (path, sizeof path, "/v1/orders/%s/cancel", s_order_text);
    json_decref (http_expect (&mesh, "POST", path, "{\"reason\":\"migrated\"}", 200));
    CHECK_EQ_INT (s_wait_reserved (0), 0);
    snprintf (path, sizeof path, "/v1/orders/%s/reservations", s_order_text);
    held = http_expect (&mesh, "GET", path, NULL, 200);
    CHECK_STR (http_json_str (held, "status"), "released");
    json_decref (held);
    //  new writes work on the migrated store, and the ledger still sums to on hand
    json_decref (http_expect (&mesh, "PUT", "/v1/prices/USD/OLD", "{\"unit_price\":1600}", 200));
    json_decref (http_expect (&mesh, "POST", "/v1/stock/movements",
                              "{\"movement_id\":\"after-migration\",\"type\":\"receipt\",\"sku\":\"OLD\","
                              "\"location\":\"WH-A\",\"quantity\":5}", 200));
    ledger = http_expect (&mesh, "GET", "/v1/stock/WH-A/OLD/ledger", NULL, 200);
    int64_t sum = 0;
    size_t i;
    json_t *change;
    json_array_foreach (json_object_get (ledger, "entries"), i, change)
        sum += http_json_int (change, "quantity_delta");
    json_decref (ledger);
    item = http_stock (&mesh, "OLD", NULL);
    CHECK_EQ_INT (http_json_int (item, "on_hand"), 15);
    CHECK_EQ_INT (sum, 15);
    json_decref (item);

    //  the migrated store takes backorders: 5 short of 20, filled by the next receipt
    json_t *late = http_expect (&mesh, "POST", "/v1/orders",
                                "{\"external_id\":\"OLD-2\",\"account_id\":\"001OLD\",\"currency\":\"USD\","
                                "\"allow_backorder\":true,\"lines\":[{\"sku\":\"OLD\",\"quantity\":20,\"unit_price\":1600}]}",
                                201);
    CHECK_EQ_INT (http_json_int (json_array_get (json_object_get (late, "lines"), 0), "backordered"), 5);
    snprintf (path, sizeof path, "/v1/orders/%s", http_json_str (late, "order_id"));
    json_decref (late);
    json_decref (http_expect (&mesh, "POST", "/v1/stock/movements",
                              "{\"movement_id\":\"after-migration-2\",\"type\":\"receipt\",\"sku\":\"OLD\","
                              "\"location\":\"WH-A\",\"quantity\":5}", 200));
    CHECK_EQ_INT (s_wait_reserved (20), 20);
    int64_t backordered = -1;
    for (int i = 0; i < 200 && backordered != 0; i++) {
        late = http_expect (&mesh, "GET", path, NULL, 200);
        backordered = http_json_int (json_array_get (json_object_get (late, "lines"), 0), "backordered");
        json_decref (late);
        if (backordered != 0)
            nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
    }
    CHECK_EQ_INT (backordered, 0);
    //  a bulk feed's batches too: their records' database is new and starts empty
    json_t *batch = http_expect (&mesh, "POST", "/v1/prices/batch",
                                 "{\"batch_id\":\"after-migration\",\"items\":[{\"currency\":\"USD\",\"sku\":\"NEW\","
                                 "\"unit_price\":1700}]}", 200);
    CHECK_EQ_INT (http_json_int (batch, "applied"), 1);
    json_decref (batch);
    batch = http_expect (&mesh, "POST", "/v1/stock/movements/batch",
                         "{\"batch_id\":\"after-migration\",\"items\":[{\"movement_id\":\"after-migration-3\","
                         "\"type\":\"receipt\",\"sku\":\"OLD\",\"location\":\"WH-A\",\"quantity\":1}]}", 200);
    CHECK_EQ_INT (http_json_int (batch, "applied"), 1);
    json_decref (batch);
    item = http_stock (&mesh, "OLD", NULL);
    CHECK_EQ_INT (http_json_int (item, "on_hand"), 21);
    json_decref (item);
}

static void
test_newer_store_refused (void)
{
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_PRICING), 0);
    s_set_schema ("pricing", 4);
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    int rc = harness_mesh_start (&mesh, MESH_PRICING);
    free (harness_capture_end (&cap));
    CHECK (rc != 0);
    CHECK (!(mesh.running & MESH_PRICING));
    char *log = s_log ("pricing");
    CHECK (strstr (log, "written with schema version 4") != NULL);
    CHECK (strstr (log, "versions up to 3") != NULL);
    free (log);
    //  the refused store is left as it was: back at 3 it opens and serves
    s_set_schema ("pricing", 3);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_PRICING), 0);
    json_t *quote = http_expect (&mesh, "POST", "/v1/prices/quote",
                              "{\"currency\":\"USD\",\"lines\":[{\"sku\":\"OLD\",\"quantity\":1}]}", 200);
    CHECK_EQ_INT (http_json_int (quote, "total"), 1600);
    json_decref (quote);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-migration");
    snprintf (mesh.dir, sizeof mesh.dir, "%s", dir);
    free (dir);
    mesh.nosync = true;
    s_write_v1_stores ();
    static void (*const tests[]) (void) = {test_migrated_and_served, test_newer_store_refused, NULL};
    return http_main (&mesh, argv[0], tests);
}
