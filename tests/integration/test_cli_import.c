//  `retailmesh import` as a person runs it: --dry-run checks a file and
//  prints its counts and batches (the same batch IDs every time), bad rows
//  are printed as FILE:LINE: column COLUMN: reason with exit status 1 (3
//  with --skip-bad), usage errors exit 2, and without --dry-run a mesh that
//  does not answer is said so with nothing sent. Against a running pricing
//  and inventory, a file is applied; a file with a row only the service
//  can refuse changes nothing, and the row is printed with its column.
//  A stock file imported twice is applied once.
#include "clock.h"
#include "itest.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_MS 30000

static char s_dir[PATH_MAX];

//  Runs `retailmesh import ARGS...`; returns its exit status, its output
//  (stdout and stderr) in *out.
static int
s_run (char **out, const char *const *args)
{
    static int runs;
    //  the test's directory first: a --var-dir in args comes later and wins
    const char *argv[32] = {harness_bin ("retailmesh"), "import", "--var-dir", s_dir};
    int n = 4;
    for (; args[n - 4] && n < 31; n++)
        argv[n] = args[n - 4];
    argv[n] = NULL;
    char name[32];
    snprintf (name, sizeof name, "import-%d", ++runs);
    harness_proc_t proc;
    *out = NULL;
    if (harness_spawn (&proc, name, s_dir, argv) != 0)
        return -1;
    int status = -1;
    int64_t deadline = clock_mono_ms () + RUN_MS;
    while (harness_alive (&proc, &status) && clock_mono_ms () < deadline)
        usleep (10 * 1000);
    harness_kill (&proc);
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.log", s_dir, name);
    *out = harness_read_file (path);
    return status;
}

#define RUN(out, ...) s_run (out, (const char *const[]) {__VA_ARGS__, NULL})

static void
s_has (const char *out, const char *words)
{
    CHECK (out && strstr (out, words));
    if (!out || !strstr (out, words))
        fprintf (stderr, "  expected \"%s\" in:\n%s\n", words, out ? out : "(no output)");
}

static const char *
s_file (const char *name, const char *text)
{
    static char paths[8][PATH_MAX + 64];
    static int next;
    char *path = paths[next++ % 8];
    snprintf (path, PATH_MAX + 64, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    CHECK (file != NULL);
    if (file) {
        fputs (text, file);
        fclose (file);
    }
    return path;
}

static void
test_dry_run_good (void)
{
    const char *prices = s_file ("prices.csv", "currency,sku,unit_price,tiers\r\n"
                                 "EUR,SKU-1,1299,\r\nEUR,SKU-2,500,10:450;100:400\r\nUSD,\"SKU-3\",99,\r\n");
    char *out;
    CHECK_EQ_INT (RUN (&out, "prices", prices, "--dry-run"), 0);
    s_has (out, "prices.csv: 3 rows, 3 good, 0 bad");
    s_has (out, "batch 1 of 1: 3 item(s), lines 2-4, batch_id ");
    s_has (out, "dry run: nothing sent; pricing.batch would get 1 batch");
    free (out);

    const char *stock = s_file ("stock.jsonl", "{\"sku\":\"A\",\"location\":\"W\",\"quantity\":1}\n"
                                "{\"sku\":\"B\",\"location\":\"W\",\"quantity\":2,\"type\":\"receipt\"}\n"
                                "{\"sku\":\"C\",\"location\":\"W\",\"quantity\":3}\n");
    CHECK_EQ_INT (RUN (&out, "stock", stock, "--dry-run", "--batch-size", "2"), 0);
    s_has (out, "stock.jsonl: 3 rows, 3 good, 0 bad");
    s_has (out, "batch 2 of 2: 1 item(s), lines 3-3, batch_id ");
    s_has (out, "inventory.movements_batch would get 2 batches");
    char *again;
    CHECK_EQ_INT (RUN (&again, "stock", stock, "--dry-run", "--batch-size", "2"), 0);
    //  the same file gives the same batches: the output after the command line is the same
    const char *a = out ? strstr (out, "stock.jsonl: 3 rows") : NULL;
    const char *b = again ? strstr (again, "stock.jsonl: 3 rows") : NULL;
    CHECK (a && b && strcmp (a, b) == 0);
    free (again);
    free (out);

    const char *txt = s_file ("stock.txt", "sku,location,quantity\nA,W,5\n");
    CHECK_EQ_INT (RUN (&out, "stock", txt, "--dry-run", "--format", "csv"), 0);
    s_has (out, "stock.txt: 1 rows, 1 good, 0 bad");
    free (out);
}

static void
test_dry_run_bad (void)
{
    const char *prices = s_file ("bad.csv", "currency,sku,unit_price\n"
                                 "EUR,SKU-1,1299\nEUR,SKU-2,12.50\nEURO,SKU-3,1\nEUR,SKU-4\n");
    char *out;
    CHECK_EQ_INT (RUN (&out, "prices", prices, "--dry-run"), 1);
    s_has (out, "bad.csv:3: column unit_price: '12.50' has a decimal point: amounts are whole minor "
                "units (1250 for 12.50)");
    s_has (out, "bad.csv:4: column currency: ");
    s_has (out, "bad.csv:5: has 2 fields, the header has 3");
    s_has (out, "bad.csv: 4 rows, 1 good, 3 bad");
    s_has (out, "nothing imported");
    CHECK (out && !strstr (out, "batch 1 of"));
    free (out);

    CHECK_EQ_INT (RUN (&out, "prices", prices, "--dry-run", "--skip-bad"), 3);
    s_has (out, "bad.csv:3: column unit_price");
    s_has (out, "batch 1 of 1: 1 item(s), lines 2-2");
    free (out);

    //  a header without a required column: no row can be read, --skip-bad or not
    const char *header = s_file ("header.csv", "sku,quantity\nA,1\n");
    CHECK_EQ_INT (RUN (&out, "stock", header, "--dry-run", "--skip-bad"), 1);
    s_has (out, "header.csv:1: column location: required column missing from the header");
    free (out);

    const char *jsonl = s_file ("bad.jsonl", "{\"sku\":\"A\",\"location\":\"W\",\"quantity\":1}\n"
                                "{\"sku\":\"A\",\"location\":\"W\",\n"
                                "{\"sku\":\"A\",\"location\":\"W\",\"quantity\":3,\"type\":\"transfer\"}\n");
    CHECK_EQ_INT (RUN (&out, "stock", jsonl, "--dry-run"), 1);
    s_has (out, "bad.jsonl:2: not JSON");
    s_has (out, "bad.jsonl:3: column to_location: a transfer needs the location it moves to");
    free (out);
}

static void
test_usage (void)
{
    char *out;
    CHECK_EQ_INT (RUN (&out, "--help"), 0);
    s_has (out, "prices|stock FILE");
    s_has (out, "--skip-bad");
    s_has (out, "--dry-run");
    free (out);
    const char *prices = s_file ("p.csv", "currency,sku,unit_price\nEUR,A,1\n");
    CHECK_EQ_INT (RUN (&out, "orders", prices, "--dry-run"), 2);
    s_has (out, "prices or stock, not 'orders'");
    free (out);
    const char *txt = s_file ("p.txt", "currency,sku,unit_price\nEUR,A,1\n");
    CHECK_EQ_INT (RUN (&out, "prices", txt, "--dry-run"), 2);
    s_has (out, "--format csv");
    free (out);
    CHECK_EQ_INT (RUN (&out, "prices", prices, "--dry-run", "--format", "xml"), 2);
    free (out);
    CHECK_EQ_INT (RUN (&out, "prices", prices, "--dry-run", "--batch-size", "10001"), 2);
    free (out);
    CHECK_EQ_INT (RUN (&out, "prices", "--dry-run"), 2);
    free (out);
    char missing[PATH_MAX + 16];
    snprintf (missing, sizeof missing, "%s/none.csv", s_dir);
    CHECK_EQ_INT (RUN (&out, "prices", missing, "--dry-run"), 1);
    s_has (out, "cannot open");
    free (out);
}

//  Without --dry-run the service must answer first; nothing is sent to a mesh that is not there.
static void
test_no_mesh (void)
{
    int port = harness_free_port ();
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    const char *prices = s_file ("live.csv", "currency,sku,unit_price\nEUR,A,1\n");
    char *out;
    CHECK_EQ_INT (RUN (&out, "prices", prices, "--curve=false", "--pricing-endpoint", endpoint,
                       "--timeout", "300"), 1);
    s_has (out, "no answer within 300 ms");
    s_has (out, "is the mesh running");
    CHECK (out && !strstr (out, "rows imported"));
    free (out);
}

//  Against a running pricing and inventory: a file is applied, and one
//  with a row only the service can refuse (an unknown book, a movement of
//  more than there is) changes nothing and names the row and its column.
static void
test_live (void)
{
    harness_mesh_t mesh = {0};
    snprintf (mesh.dir, sizeof mesh.dir, "%.200s/mesh", s_dir);
    CHECK_EQ_INT (mkdir (mesh.dir, 0700), 0);
    if (harness_mesh_start (&mesh, MESH_PRICING | MESH_INVENTORY) != 0) {
        harness_mesh_destroy (&mesh);
        return;
    }
    const char *prices = s_file ("live.csv", "currency,sku,unit_price\nEUR,FEED-1,1234\n");
    char *out;
    int status = RUN (&out, "prices", prices, "--var-dir", mesh.dir, "--topology", mesh.topology);
    CHECK_EQ_INT (status, 0);
    s_has (out, "live.csv: 1 rows imported into pricing in 1 batch");
    free (out);
    rpc_client_t *pricing = NULL, *inventory = NULL;
    CHECK_EQ_INT (rpc_client_new (mesh.pricing_rpc, 2000, &pricing), 0);
    CHECK_EQ_INT (rpc_client_new (mesh.inventory_rpc, 2000, &inventory), 0);
    static const char quote_body[] = "{\"currency\": \"EUR\", \"lines\": [{\"sku\": \"FEED-1\", \"quantity\": 1}]}";
    json_t *quote = itest_call (pricing, "pricing.quote", true, quote_body);
    CHECK_EQ_INT (itest_int (json_array_get (json_object_get (quote, "lines"), 0), "unit_price"), 1234);
    json_decref (quote);

    prices = s_file ("live-bad.csv", "currency,sku,unit_price,book_id\nEUR,FEED-1,1500,\nEUR,FEED-2,1,nope\n");
    status = RUN (&out, "prices", prices, "--var-dir", mesh.dir, "--topology", mesh.topology);
    CHECK_EQ_INT (status, 1);
    s_has (out, "live-bad.csv:3: column book_id: no price book 'nope'");
    free (out);
    quote = itest_call (pricing, "pricing.quote", true, quote_body);
    CHECK_EQ_INT (itest_int (json_array_get (json_object_get (quote, "lines"), 0), "unit_price"), 1234);
    json_decref (quote);

    const char *stock = s_file ("stock.csv", "type,sku,location,quantity\nreceipt,FEED-1,WH-1,5\n"
                                             "transfer,FEED-1,WH-1,9\n");
    status = RUN (&out, "stock", stock, "--var-dir", mesh.dir, "--topology", mesh.topology);
    CHECK_EQ_INT (status, 1);
    s_has (out, "stock.csv:3: column to_location:");
    free (out);
    stock = s_file ("stock-short.csv", "type,sku,location,to_location,quantity\nreceipt,FEED-1,WH-1,,5\n"
                                       "transfer,FEED-1,WH-1,ST-1,9\n");
    status = RUN (&out, "stock", stock, "--var-dir", mesh.dir, "--topology", mesh.topology);
    CHECK_EQ_INT (status, 1);
    s_has (out, "stock-short.csv:3: column quantity: on hand of FEED-1 at WH-1 would be");
    free (out);
    //  nothing of either file was applied: inventory has never seen the SKU
    json_t *availability = itest_call (inventory, "inventory.availability", false, "{\"skus\": [\"FEED-1\"]}");
    CHECK_STR (itest_str (availability, "code"), "not_found");
    json_decref (availability);
    stock = s_file ("stock-good.csv", "type,sku,location,to_location,quantity\nreceipt,FEED-1,WH-1,,5\n"
                                      "transfer,FEED-1,WH-1,ST-1,2\n");
    status = RUN (&out, "stock", stock, "--var-dir", mesh.dir, "--topology", mesh.topology);
    CHECK_EQ_INT (status, 0);
    free (out);
    availability = itest_call (inventory, "inventory.availability", true, "{\"skus\": [\"FEED-1\"]}");
    CHECK_EQ_INT (itest_int (json_array_get (json_object_get (availability, "items"), 0), "on_hand"), 5);
    json_decref (availability);
    rpc_client_destroy (&inventory);
    rpc_client_destroy (&pricing);
    harness_mesh_destroy (&mesh);
}

//  Against a running inventory the stock file's movements are applied,
//  once: importing the file again changes nothing. A batch with an item
//  inventory refuses is applied not at all, and the item's row is named.
//  A file with a row the importer refuses changes nothing, unless
//  --skip-bad, which applies the other rows.
static void
test_live_inventory (void)
{
    harness_mesh_t mesh = {0};
    snprintf (mesh.dir, sizeof mesh.dir, "%.200s/mesh-inv", s_dir);
    CHECK_EQ_INT (mkdir (mesh.dir, 0700), 0);
    if (harness_mesh_start (&mesh, MESH_INVENTORY) != 0) {
        harness_mesh_destroy (&mesh);
        return;
    }
    const char *stock = s_file ("live-stock.csv", "sku,location,quantity,type,to_location\n"
                                "FEED-S,WH-F,10,,\nFEED-S,WH-F,5,receipt,\nFEED-S,WH-F,4,transfer,ST-F\n");
    rpc_client_t *inventory = NULL;
    CHECK_EQ_INT (rpc_client_new (mesh.inventory_rpc, 2000, &inventory), 0);
    for (int round = 0; round < 2; round++) {
        char *out;
        CHECK_EQ_INT (RUN (&out, "stock", stock, "--var-dir", mesh.dir, "--topology", mesh.topology), 0);
        s_has (out, "live-stock.csv: 3 rows imported into inventory in 1 batch");
        free (out);
        json_t *reply = itest_call (inventory, "inventory.availability", true, "{\"skus\": [\"FEED-S\"]}");
        json_t *item = json_array_get (json_object_get (reply, "items"), 0);
        CHECK_EQ_INT (itest_int (item, "on_hand"), 15);
        CHECK_EQ_INT (json_array_size (json_object_get (item, "locations")), 2);
        json_decref (reply);
    }
    const char *bad = s_file ("short-stock.csv", "sku,location,quantity,type\n"
                              "FEED-S,WH-F,1,receipt\nFEED-S,WH-F,-50,adjustment\n");
    char *out;
    CHECK_EQ_INT (RUN (&out, "stock", bad, "--var-dir", mesh.dir, "--topology", mesh.topology), 1);
    s_has (out, "short-stock.csv: batch 1 (lines 2-3) not applied: ");
    s_has (out, "short-stock.csv:3: column quantity: ");
    free (out);
    json_t *reply = itest_call (inventory, "inventory.availability", true, "{\"skus\": [\"FEED-S\"]}");
    CHECK_EQ_INT (itest_int (json_array_get (json_object_get (reply, "items"), 0), "on_hand"), 15);
    json_decref (reply);
    //  a file with a row the importer refuses: nothing without --skip-bad,
    //  the good rows with it
    const char *mixed = s_file ("mixed-stock.csv", "sku,location,quantity,type\n"
                                "FEED-K,WH-F,7,receipt\nFEED-K,WH-F,seven,receipt\nFEED-K,WH-F,2,receipt\n");
    CHECK_EQ_INT (RUN (&out, "stock", mixed, "--var-dir", mesh.dir, "--topology", mesh.topology), 1);
    s_has (out, "mixed-stock.csv:3: column quantity: ");
    free (out);
    reply = itest_call (inventory, "inventory.availability", false, "{\"skus\": [\"FEED-K\"]}");
    CHECK_STR (itest_str (reply, "code"), "not_found");
    json_decref (reply);
    CHECK_EQ_INT (RUN (&out, "stock", mixed, "--var-dir", mesh.dir, "--topology", mesh.topology, "--skip-bad"), 3);
    s_has (out, "mixed-stock.csv:3: column quantity: ");
    free (out);
    reply = itest_call (inventory, "inventory.availability", true, "{\"skus\": [\"FEED-K\"]}");
    CHECK_EQ_INT (itest_int (json_array_get (json_object_get (reply, "items"), 0), "on_hand"), 9);
    json_decref (reply);
    rpc_client_destroy (&inventory);
    harness_mesh_destroy (&mesh);
}

int
main (void)
{
    char *dir = harness_tmpdir ("cli-import");
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    test_dry_run_good ();
    test_dry_run_bad ();
    test_usage ();
    test_no_mesh ();
    test_live ();
    test_live_inventory ();
    harness_rmtree (dir);
    free (dir);
    return harness_report (__FILE__);
}
