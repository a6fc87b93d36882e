//  The topology table: its built-in rows, a file that replaces and adds
//  rows (and is refused whole, naming the line and field, when a row is
//  wrong), printing as a file that loads back, moving a row's endpoints,
//  and a service's start-up reading its row.
#include "err.h"
#include "harness.h"
#include "service.h"
#include "topology.h"
#include <stdlib.h>
#include <unistd.h>

static char s_dir[PATH_MAX];

//  Writes text to <s_dir>/<name> and returns the path (static buffer).
static const char *
s_file (const char *name, const char *text)
{
    static char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    if (file) {
        fputs (text, file);
        fclose (file);
    }
    return path;
}

static void
test_builtin (void)
{
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_new (&topo), 0);
    CHECK_EQ_INT (topology_count (topo), 6);
    const topology_row_t *orders = topology_find (topo, "orders");
    CHECK (orders && orders->rpc && orders->pub && !orders->http_port);
    CHECK (topology_lists (orders->calls, "pricing") && topology_lists (orders->calls, "inventory"));
    CHECK (!topology_lists (orders->calls, "orders"));
    CHECK_STR (topology_find (topo, "inventory")->consumes[0], "orders");
    const topology_row_t *gateway = topology_http_front (topo);
    CHECK (gateway && !gateway->rpc && !gateway->pub && gateway->http_port > 0);
    CHECK_STR (gateway->name, "gateway");
    //  every service the gateway calls has a row that answers requests
    for (char **name = gateway->calls; *name; name++)
        CHECK (topology_find (topo, *name) && topology_find (topo, *name)->rpc);
    CHECK (topology_find (topo, "billing") == NULL && topology_find (topo, NULL) == NULL);
    CHECK_STR (topology_row (topo, 4)->name, "fulfillment");
    CHECK (topology_lists (orders->calls, "fulfillment") && topology_lists (gateway->calls, "fulfillment"));
    const topology_row_t *returns = topology_row (topo, 5);
    CHECK_STR (returns->name, "returns");
    CHECK (topology_lists (returns->calls, "orders") && topology_lists (returns->calls, "inventory"));
    CHECK (topology_lists (returns->consumes, "orders") && topology_lists (gateway->calls, "returns"));
    CHECK (topology_lists (orders->consumes, "returns")
           && topology_lists (topology_find (topo, "inventory")->consumes, "returns"));
    CHECK (topology_row (topo, 6) == NULL);
    topology_destroy (&topo);
    CHECK (topo == NULL);
}

static void
test_load_replaces_and_adds (void)
{
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_new (&topo), 0);
    const char *path = s_file ("extend",
        "# a mesh on other ports, with one more service\n"
        "orders   tcp://127.0.0.1:17301 tcp://127.0.0.1:17302 pricing,inventory - -\n"
        "\n"
        "billing  tcp://127.0.0.1:17401 tcp://127.0.0.1:17402 orders orders -   # a comment\n"
        "gateway  - - orders,pricing,inventory,billing - 18080\n");
    CHECK_EQ_INT (topology_load (topo, path), 0);
    CHECK_EQ_INT (topology_count (topo), 7);
    CHECK_STR (topology_find (topo, "orders")->rpc, "tcp://127.0.0.1:17301");
    //  a replaced row keeps its place; a new one comes last
    CHECK_STR (topology_row (topo, 2)->name, "orders");
    CHECK_STR (topology_row (topo, 6)->name, "billing");
    const topology_row_t *billing = topology_find (topo, "billing");
    CHECK_STR (billing->calls[0], "orders");
    CHECK (billing->calls[1] == NULL);
    CHECK_STR (billing->consumes[0], "orders");
    CHECK_EQ_INT (topology_http_front (topo)->http_port, 18080);
    CHECK (topology_lists (topology_http_front (topo)->calls, "billing"));
    topology_destroy (&topo);
}

static void
test_load_refuses_bad_rows (void)
{
    static const struct {
        const char *text;
        const char *says;          //  in the message
    } bad[] = {
        {"billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 - -\n", "expected 6 fields"},
        {"billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 - - - extra\n", "more than 6 fields"},
        {"Billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 - - -\n", "name: 'Billing'"},
        {"billing 127.0.0.1:1 tcp://127.0.0.1:2 - - -\n", "rpc: '127.0.0.1:1'"},
        {"billing tcp://127.0.0.1:1 - - - -\n", "rpc, pub"},
        {"billing - - - - -\n", "serves nothing"},
        {"billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 - - 70000\n", "http: '70000'"},
        {"billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 nobody - -\n", "calls: nobody has no row"},
        {"billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 - gateway -\n", "consumes: gateway takes no requests"},
        {"billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 billing - -\n", "is the row itself"},
        {"billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 orders,,x - -\n", "calls: ''"},
        {"billing tcp://127.0.0.1:1 tcp://127.0.0.1:2 - - -\n"
         "billing tcp://127.0.0.1:3 tcp://127.0.0.1:4 - - -\n", ":2: name: billing has a row earlier"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        topology_t *topo = NULL;
        CHECK_EQ_INT (topology_new (&topo), 0);
        const char *path = s_file ("bad", bad[i].text);
        harness_capture_t cap;
        harness_capture_begin (&cap, STDERR_FILENO);
        int rc = topology_load (topo, path);
        char *said = harness_capture_end (&cap);
        CHECK_EQ_INT (rc, RM_EINVAL);
        if (!said || !strstr (said, bad[i].says))
            fprintf (stderr, "row %zu: expected '%s' in: %s\n", i, bad[i].says, said ? said : "");
        CHECK (said && strstr (said, bad[i].says) && strstr (said, path));
        free (said);
        //  nothing of a refused file is kept
        CHECK_EQ_INT (topology_count (topo), 6);
        CHECK (topology_find (topo, "billing") == NULL);
        topology_destroy (&topo);
    }
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_new (&topo), 0);
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (topology_load (topo, "/nonexistent/topology"), RM_EINVAL);
    free (harness_capture_end (&cap));
    topology_destroy (&topo);
}

static char *
s_printed (const topology_t *topo)
{
    harness_capture_t cap;
    harness_capture_begin (&cap, STDOUT_FILENO);
    topology_print (topo, stdout);
    fflush (stdout);
    return harness_capture_end (&cap);
}

static void
test_print_loads_back_and_set (void)
{
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_new (&topo), 0);
    CHECK_EQ_INT (topology_set (topo, "pricing", "tcp://127.0.0.1:27101", NULL, 0), 0);
    CHECK_EQ_INT (topology_set (topo, "gateway", NULL, NULL, 28080), 0);
    CHECK_EQ_INT (topology_set (topo, "gateway", "tcp://127.0.0.1:1", NULL, 0), RM_EINVAL);
    CHECK_EQ_INT (topology_set (topo, "pricing", NULL, NULL, 80), RM_EINVAL);
    CHECK_EQ_INT (topology_set (topo, "billing", NULL, NULL, 80), RM_ENOTFOUND);
    CHECK_STR (topology_find (topo, "pricing")->rpc, "tcp://127.0.0.1:27101");
    CHECK_STR (topology_find (topo, "pricing")->pub, "tcp://127.0.0.1:7102");
    char *printed = s_printed (topo);
    CHECK (printed && strstr (printed, "tcp://127.0.0.1:27101") && strstr (printed, "28080"));
    topology_t *again = NULL;
    CHECK_EQ_INT (topology_new (&again), 0);
    CHECK_EQ_INT (topology_load (again, s_file ("printed", printed ? printed : "")), 0);
    char *reprinted = s_printed (again);
    CHECK_STR (reprinted, printed);
    free (printed);
    free (reprinted);
    topology_destroy (&again);
    topology_destroy (&topo);
}

static void
test_for_reads_the_option (void)
{
    const char *path = s_file ("moved", "pricing tcp://127.0.0.1:37101 tcp://127.0.0.1:37102 - - -\n");
    char arg[PATH_MAX + 80];
    snprintf (arg, sizeof arg, "--topology=%s", path);
    char *argv[] = {"pricing", "--log-level", "warn", arg, NULL};
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_for (4, argv, &topo), 0);
    CHECK (topo && strcmp (topology_find (topo, "pricing")->rpc, "tcp://127.0.0.1:37101") == 0);
    topology_destroy (&topo);

    setenv ("RETAILMESH_TOPOLOGY", path, 1);
    char *bare[] = {"pricing", NULL};
    CHECK_EQ_INT (topology_for (1, bare, &topo), 0);
    CHECK (topo && strcmp (topology_find (topo, "pricing")->rpc, "tcp://127.0.0.1:37101") == 0);
    topology_destroy (&topo);
    unsetenv ("RETAILMESH_TOPOLOGY");

    char line[PATH_MAX + 32];
    snprintf (line, sizeof line, "topology = %s\n", path);
    char config[PATH_MAX + 64];
    snprintf (config, sizeof config, "%s", s_file ("config", line));
    char *with_config[] = {"pricing", "--config", config, NULL};
    CHECK_EQ_INT (topology_for (3, with_config, &topo), 0);
    CHECK (topo && strcmp (topology_find (topo, "pricing")->rpc, "tcp://127.0.0.1:37101") == 0);
    topology_destroy (&topo);

    CHECK_EQ_INT (topology_for (1, bare, &topo), 0);
    CHECK (topo && strcmp (topology_find (topo, "pricing")->rpc, "tcp://127.0.0.1:7101") == 0);
    topology_destroy (&topo);

    char *missing[] = {"pricing", "--topology", "/nonexistent/topology", NULL};
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (topology_for (3, missing, &topo), RM_EINVAL);
    CHECK (topo == NULL);
    free (harness_capture_end (&cap));
}

static int
s_apply (void *host, MDB_txn *txn, const envelope_t *event)
{
    (void) host, (void) txn, (void) event;
    return 0;
}

//  A service reads its defaults, peers and sources from its row, and its
//  consumers must be what the row says it consumes.
static void
test_service_reads_its_row (void)
{
    static const char *const types[] = {"orders.order.accepted", NULL};
    static const consumer_def_t consumers[] = {{"orders", types, s_apply}, {NULL, NULL, NULL}};
    static const service_option_t options[] = {{"label", "x", "a label"}, {NULL, NULL, NULL}};
    service_def_t def = {.name = "billing", .consumers = consumers, .options = options};
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_new (&topo), 0);
    CHECK_EQ_INT (topology_load (topo, s_file ("billing",
        "billing tcp://127.0.0.1:17401 tcp://127.0.0.1:17402 pricing orders -\n")), 0);
    config_t *cfg = NULL;
    CHECK_EQ_INT (config_new ("billing", NULL, &cfg), 0);
    CHECK_EQ_INT (service_config_define (cfg, &def, topo), 0);
    CHECK_STR (config_get (cfg, "rpc-endpoint"), "tcp://127.0.0.1:17401");
    CHECK_STR (config_get (cfg, "pricing-endpoint"), "tcp://127.0.0.1:7101");
    CHECK_STR (config_get (cfg, "orders-endpoint"), "tcp://127.0.0.1:7301");
    CHECK_STR (config_get (cfg, "orders-pub-endpoint"), "tcp://127.0.0.1:7302");
    CHECK_STR (config_get (cfg, "label"), "x");
    CHECK (config_get (cfg, "inventory-endpoint") == NULL);
    config_destroy (&cfg);

    //  a consumer its row does not list, a row that lists a source nobody
    //  consumes, and a service without a row are refused at start-up
    static const consumer_def_t wrong[] = {{"pricing", types, s_apply}, {NULL, NULL, NULL}};
    service_def_t defs[] = {
        {.name = "billing", .consumers = wrong},
        {.name = "billing"},
        {.name = "nobody"},
        {.name = "gateway"},
    };
    const char *says[] = {"does not list pricing", "consumes 1 source(s) but", "no row", "no row"};
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        CHECK_EQ_INT (config_new (defs[i].name, NULL, &cfg), 0);
        harness_capture_t cap;
        harness_capture_begin (&cap, STDERR_FILENO);
        CHECK_EQ_INT (service_config_define (cfg, &defs[i], topo), RM_EINVAL);
        service_t *svc = NULL;
        CHECK_EQ_INT (service_new (&defs[i], topo, cfg, &svc), RM_EINVAL);
        char *said = harness_capture_end (&cap);
        CHECK (svc == NULL);
        CHECK (said && strstr (said, says[i]));
        free (said);
        config_destroy (&cfg);
    }
    topology_destroy (&topo);
}

int
main (void)
{
    char *dir = harness_tmpdir ("topology");
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    test_builtin ();
    test_load_replaces_and_adds ();
    test_load_refuses_bad_rows ();
    test_print_loads_back_and_set ();
    test_for_reads_the_option ();
    test_service_reads_its_row ();
    harness_rmtree (dir);
    free (dir);
    return harness_report ("test_topology");
}
