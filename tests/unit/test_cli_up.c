//  `retailmesh up` as a person uses it: it starts every service of the
//  topology table on the loopback ports it is given, loads the demo
//  catalogue, prints a working example order, restarts a service that dies,
//  refuses a second supervisor on the same data, and stops everything with
//  exit status 0 on SIGTERM.
#include "apikey.h"
#include "clock.h"
#include "demo_data.h"
#include "harness.h"
#include "keys.h"
#include "log.h"
#include "probe.h"
#include "sha256.h"
#include "topology.h"
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  Under the sanitizers the services take a while to start.
#define UP_READY_MS 60000

//  Arguments of `up` besides the endpoint options.
#define UP_ARGS_MAX 16

typedef struct {
    char dir[PATH_MAX];
    char var_dir[PATH_MAX + 8];
    size_t count;                      //  the rows of the table that take requests
    char name[MESH_ROWS_MAX][32];      //  in table order: pricing first
    char endpoint[MESH_ROWS_MAX][64];
    char pub[MESH_ROWS_MAX][64];
    //  "--<name>-endpoint=..." and "--<name>-pub-endpoint=..." of each
    char options[2 * MESH_ROWS_MAX][128];
    char http_port[16];
    char base_url[64];
    harness_proc_t proc;
} up_t;

static void
s_init (up_t *up)
{
    memset (up, 0, sizeof *up);
    char *dir = harness_tmpdir ("cli-up");
    snprintf (up->dir, sizeof up->dir, "%s", dir);
    free (dir);
    snprintf (up->var_dir, sizeof up->var_dir, "%s/var", up->dir);
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_new (&topo), 0);
    for (size_t i = 0; topo && i < topology_count (topo) && up->count < MESH_ROWS_MAX; i++) {
        const topology_row_t *row = topology_row (topo, i);
        if (!row->rpc)
            continue;
        size_t n = up->count++;
        snprintf (up->name[n], sizeof up->name[n], "%s", row->name);
        int rpc = harness_free_port (), pub = harness_free_port ();
        snprintf (up->endpoint[n], sizeof up->endpoint[n], "tcp://127.0.0.1:%d", rpc);
        snprintf (up->pub[n], sizeof up->pub[n], "tcp://127.0.0.1:%d", pub);
        snprintf (up->options[2 * n], sizeof up->options[2 * n], "--%s-endpoint=tcp://127.0.0.1:%d",
                  row->name, rpc);
        snprintf (up->options[2 * n + 1], sizeof up->options[2 * n + 1],
                  "--%s-pub-endpoint=tcp://127.0.0.1:%d", row->name, pub);
    }
    topology_destroy (&topo);
    CHECK (up->count >= 3 && strcmp (up->name[0], "pricing") == 0);
    int port = harness_free_port ();
    snprintf (up->http_port, sizeof up->http_port, "%d", port);
    snprintf (up->base_url, sizeof up->base_url, "http://127.0.0.1:%d", port);
}

//  Starts `retailmesh up` logging to <dir>/<name>.log.
static int
s_start (up_t *up, harness_proc_t *proc, const char *name)
{
    const char *argv[UP_ARGS_MAX + 2 * MESH_ROWS_MAX] = {
        harness_bin ("retailmesh"), "up", "--var-dir", up->var_dir, "--http-port", up->http_port,
        "--log-level", "warn"};
    size_t argc = 8;
    for (size_t i = 0; i < 2 * up->count; i++)
        argv[argc++] = up->options[i];
    argv[argc] = NULL;
    return harness_spawn (proc, name, up->dir, argv);
}

//  Waits until <dir>/<name>.log holds text; false when the process ended
//  or the time ran out.
static bool
s_wait_log (up_t *up, harness_proc_t *proc, const char *name, const char *text, int timeout_ms)
{
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.log", up->dir, name);
    int64_t deadline = clock_mono_ms () + timeout_ms;
    while (clock_mono_ms () < deadline) {
        char *log = harness_read_file (path);
        bool found = log && strstr (log, text);
        free (log);
        if (found)
            return true;
        if (!harness_alive (proc, NULL))
            return false;
        usleep (100 * 1000);
    }
    return false;
}

//  The quantity on hand of sku over every location of the shipped demo.
static int64_t
s_demo_on_hand (const char *sku)
{
    const char *source = getenv ("RETAILMESH_SOURCE_DIR");
    char dir[PATH_MAX], err[512];
    snprintf (dir, sizeof dir, "%s/services/cli/demo", source ? source : ".");
    demo_data_t *data = NULL;
    CHECK_EQ_INT (demo_data_new (&data), 0);
    int64_t total = -1;
    if (data && demo_data_load (data, dir, err, sizeof err) == 0) {
        total = 0;
        for (size_t i = 0; i < data->nstock; i++)
            if (strcmp (data->stock[i].sku, sku) == 0)
                total += data->stock[i].on_hand;
    }
    demo_data_destroy (&data);
    return total;
}

static void
s_check_demo_and_order (up_t *up, const char *key)
{
    char url[256];
    snprintf (url, sizeof url, "%s/v1/availability?sku=SKU-TSHIRT-BLK-M", up->base_url);
    harness_http_t res;
    CHECK_EQ_INT (harness_http (&res, "GET", url, key, NULL, NULL, 0, NULL), 0);
    CHECK_EQ_INT (res.status, 200);
    json_t *item = json_array_get (json_object_get (res.json, "items"), 0);
    CHECK_EQ_INT (json_integer_value (json_object_get (item, "on_hand")),
                  s_demo_on_hand ("SKU-TSHIRT-BLK-M"));
    harness_http_free (&res);

    //  the order the banner suggests, with the key it printed
    snprintf (url, sizeof url, "%s/v1/orders", up->base_url);
    const char *body = "{\"external_id\": \"test-cli-up-1\", \"account_id\": \"ACCT-DEMO-1\", "
                       "\"currency\": \"USD\", \"lines\": [{\"sku\": \"SKU-TSHIRT-BLK-M\", "
                       "\"quantity\": 2, \"unit_price\": 1999}]}";
    const char *headers[] = {"Idempotency-Key: test-cli-up-1", NULL};
    CHECK_EQ_INT (harness_http (&res, "POST", url, key, "application/json", body, strlen (body),
                                headers), 0);
    CHECK (res.status == 201 || res.status == 200);
    CHECK_STR (json_string_value (json_object_get (res.json, "status")), "accepted");
    harness_http_free (&res);
    CHECK_EQ_INT (harness_http (&res, "POST", url, "wrong-key", "application/json", body,
                                strlen (body), headers), 0);
    CHECK_EQ_INT (res.status, 401);
    harness_http_free (&res);
}

//  Kills pricing and waits for the supervisor to bring up a new one.
static void
s_check_restart (up_t *up)
{
    probe_t before, after = {.pid = -1};
    CHECK_EQ_INT (probe_rpc (up->endpoint[0], 2000, &before), 0);
    CHECK (before.pid > 0);
    if (before.pid <= 0)
        return;
    CHECK_EQ_INT (kill ((pid_t) before.pid, SIGKILL), 0);
    int64_t deadline = clock_mono_ms () + UP_READY_MS;
    while (clock_mono_ms () < deadline) {
        if (probe_rpc (up->endpoint[0], 500, &after) == 0 && after.pid != before.pid)
            break;
        usleep (100 * 1000);
    }
    CHECK (after.up);
    CHECK (after.pid > 0 && after.pid != before.pid);
}

int
main (void)
{
    //  the probes of stopped services are expected to go unanswered
    log_init ("test_cli_up", RM_LOG_ERROR);
    up_t up;
    s_init (&up);
    CHECK_EQ_INT (s_start (&up, &up.proc, "up"), 0);
    bool ready = s_wait_log (&up, &up.proc, "up", "retailmesh is up", UP_READY_MS);
    CHECK (ready);

    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/api-key", up.var_dir);
    char *key = harness_read_file (path);
    if (key)
        key[strcspn (key, "\n")] = '\0';
    CHECK (key && apikey_valid (key));
    struct stat st;
    CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
    //  the gateway reads the key's hash from a file, not its command line
    snprintf (path, sizeof path, "%s/api-key-hashes", up.var_dir);
    char *hashes = harness_read_file (path);
    char entry[SHA256_HEX_LEN + 16] = "";
    if (key) {
        char hash[SHA256_HEX_LEN + 1];
        sha256_hex (key, strlen (key), hash);
        snprintf (entry, sizeof entry, "\noperator:%s\n", hash);
    }
    CHECK (hashes && key && strstr (hashes, entry));
    CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
    free (hashes);
    snprintf (path, sizeof path, "%s/.demo-loaded", up.var_dir);
    CHECK (access (path, F_OK) == 0);
    snprintf (path, sizeof path, "%s/up.log", up.dir);
    char *log = harness_read_file (path);
    CHECK (log && key && strstr (log, key));
    CHECK (log && strstr (log, "curl -sS"));
    free (log);

    //  up made the mesh's keys; this test calls the services as the operator
    char keys[PATH_MAX + 16];
    snprintf (keys, sizeof keys, "%s/keys", up.var_dir);
    snprintf (path, sizeof path, "%s/pricing.cert_secret", keys);
    CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_EQ_INT (keys_use (keys, KEYS_OPERATOR), 0);
    for (size_t i = 0; i < up.count; i++)
        CHECK_EQ_INT (keys_add_peer (up.endpoint[i], up.name[i]), 0);
    //  every service of the table runs, on the endpoint it was given
    probe_t probe;
    for (size_t i = 0; ready && i < up.count; i++)
        if (probe_rpc (up.endpoint[i], 2000, &probe) != 0 || strcmp (probe.service, up.name[i]) != 0) {
            fprintf (stderr, "  %s does not answer at %s\n", up.name[i], up.endpoint[i]);
            CHECK (!"every service of the table is up");
        }
    if (ready && key && apikey_valid (key)) {
        s_check_demo_and_order (&up, key);

        //  a second supervisor on the same data must refuse to start
        harness_proc_t second;
        CHECK_EQ_INT (s_start (&up, &second, "second"), 0);
        int status = -1;
        int64_t deadline = clock_mono_ms () + 10000;
        while (harness_alive (&second, &status) && clock_mono_ms () < deadline)
            usleep (50 * 1000);
        CHECK_EQ_INT (status, 1);
        harness_kill (&second);
        s_check_restart (&up);
    }
    CHECK_EQ_INT (harness_stop (&up.proc, 20000), 0);
    for (size_t i = 0; i < up.count; i++)
        CHECK (probe_rpc (up.endpoint[i], 300, &probe) != 0);
    CHECK (probe_http (up.base_url, 300, &probe) != 0);
    free (key);
    if (harness_failures == 0)
        harness_rmtree (up.dir);
    else
        fprintf (stderr, "logs kept in %s\n", up.dir);
    return harness_report ("test_cli_up");
}
