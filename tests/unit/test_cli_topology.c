//  Adding a service is one folder, one topology row and its messages: the
//  throwaway service tally (tests/throwaway/tally) gets a row in a
//  topology file, and `retailmesh up --topology FILE` starts it with the
//  built-in services, wired by name. It shows in `retailmesh status` and in the
//  gateway's GET /readyz (which goes 503 naming it while it does not
//  answer), it applies orders' events, and the supervisor restarts it.
#include "apikey.h"
#include "call.h"
#include "clock.h"
#include "harness.h"
#include "keys.h"
#include "log.h"
#include "mp.h"
#include "probe.h"
#include "topology.h"
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Under the sanitizers the services take a while to start.
#define READY_MS 60000
#define POLL_MS 100

typedef struct {
    char dir[PATH_MAX];
    char var_dir[PATH_MAX + 8];
    char topology[PATH_MAX + 16];
    char tally[64];                  //  tally's request endpoint
    char base_url[64];
    char key[APIKEY_HEX_LEN + 1];
    harness_proc_t up;
} mesh_t;

static void
s_print_list (FILE *file, char *const *list, const char *extra)
{
    int n = 0;
    for (; list[n]; n++)
        fprintf (file, "%s%s", n ? "," : "", list[n]);
    if (extra)
        fprintf (file, "%s%s", n++ ? "," : "", extra);
    fprintf (file, "%s ", n ? "" : "-");
}

//  The built-in rows on free ports, tally's row, and the gateway calling
//  tally too: the whole change a new service needs.
static int
s_write_topology (mesh_t *m)
{
    topology_t *topo = NULL;
    FILE *file = topology_new (&topo) == 0 ? fopen (m->topology, "w") : NULL;
    if (!file) {
        topology_destroy (&topo);
        return -1;
    }
    for (size_t i = 0; i < topology_count (topo); i++) {
        const topology_row_t *row = topology_row (topo, i);
        fprintf (file, "%s ", row->name);
        if (row->rpc)
            fprintf (file, "tcp://127.0.0.1:%d tcp://127.0.0.1:%d ", harness_free_port (),
                     harness_free_port ());
        else
            fprintf (file, "- - ");
        s_print_list (file, row->calls, row->http_port ? "tally" : NULL);
        s_print_list (file, row->consumes, NULL);
        if (row->http_port) {
            int port = harness_free_port ();
            snprintf (m->base_url, sizeof m->base_url, "http://127.0.0.1:%d", port);
            fprintf (file, "%d\n", port);
        }
        else
            fprintf (file, "-\n");
    }
    snprintf (m->tally, sizeof m->tally, "tcp://127.0.0.1:%d", harness_free_port ());
    fprintf (file, "# the new service: it answers requests and applies orders' events\n");
    fprintf (file, "tally %s tcp://127.0.0.1:%d - orders -\n", m->tally, harness_free_port ());
    topology_destroy (&topo);
    return fclose (file) == 0 ? 0 : -1;
}

//  Runs a retailmesh command to its end; returns its exit status and its
//  output (stdout and stderr) in *out.
static int
s_run (mesh_t *m, const char *name, const char *const *argv, char **out)
{
    harness_proc_t proc;
    *out = NULL;
    if (harness_spawn (&proc, name, m->dir, argv) != 0)
        return -1;
    int status = -1;
    int64_t deadline = clock_mono_ms () + 30000;
    while (harness_alive (&proc, &status) && clock_mono_ms () < deadline)
        usleep (20 * 1000);
    harness_kill (&proc);
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.log", m->dir, name);
    *out = harness_read_file (path);
    return status;
}

static bool
s_wait_up (mesh_t *m)
{
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/up.log", m->dir);
    int64_t deadline = clock_mono_ms () + READY_MS;
    while (clock_mono_ms () < deadline && harness_alive (&m->up, NULL)) {
        char *log = harness_read_file (path);
        bool up = log && strstr (log, "retailmesh is up");
        free (log);
        if (up)
            return true;
        usleep (POLL_MS * 1000);
    }
    return false;
}

//  GET /readyz: its status and tally's entry's status ("ok", "down").
static long
s_readyz (mesh_t *m, char *tally_status, size_t size)
{
    char url[128];
    snprintf (url, sizeof url, "%s/readyz", m->base_url);
    harness_http_t res;
    long status = harness_http (&res, "GET", url, NULL, NULL, NULL, 0, NULL) == 0 ? res.status : 0;
    json_t *tally = json_object_get (json_object_get (res.json, "services"), "tally");
    const char *text = json_string_value (json_object_get (tally, "status"));
    snprintf (tally_status, size, "%s", text ? text : "");
    harness_http_free (&res);
    return status;
}

//  Polls /readyz until it answers want with tally's entry saying tally_want.
static bool
s_wait_readyz (mesh_t *m, long want, const char *tally_want)
{
    int64_t deadline = clock_mono_ms () + READY_MS;
    char tally[32] = "";
    long status = 0;
    while (clock_mono_ms () < deadline) {
        status = s_readyz (m, tally, sizeof tally);
        if (status == want && strcmp (tally, tally_want) == 0)
            return true;
        usleep (POLL_MS * 1000);
    }
    fprintf (stderr, "readyz: %ld with tally '%s', wanted %ld with '%s'\n", status, tally, want,
             tally_want);
    return false;
}

//  tally.count's "accepted", or -1 when tally does not answer.
static int64_t
s_tally_count (mesh_t *m, char *label, size_t size)
{
    call_t call;
    int64_t count = -1;
    if (call_make (&call, m->tally, "tally.count", NULL, 2000) == 0 && call.reply.ok) {
        mp_get_int (&call.reply.body, "accepted", &count);
        mp_get_str (&call.reply.body, "label", label, size);
    }
    call_release (&call);
    return count;
}

static void
s_check_status_and_topology (mesh_t *m)
{
    const char *status_argv[] = {harness_bin ("retailmesh"), "status", "--var-dir", m->var_dir, NULL};
    char *out = NULL;
    CHECK_EQ_INT (s_run (m, "status", status_argv, &out), 0);
    char *line = out ? strstr (out, "\ntally ") : NULL;
    CHECK (line != NULL);
    CHECK (line && strstr (line, m->tally) && strstr (line, " up "));
    free (out);

    //  the table `up` recorded is the one the other commands read
    const char *topo_argv[] = {harness_bin ("retailmesh"), "topology", "--var-dir", m->var_dir, NULL};
    CHECK_EQ_INT (s_run (m, "topology", topo_argv, &out), 0);
    line = out ? strstr (out, "\ntally ") : NULL;
    CHECK (line && strstr (line, m->tally) && strstr (line, "orders"));
    free (out);

    //  its own option is in its --help, next to those every service has
    const char *help_argv[] = {harness_bin ("tally"), "--help", "--topology", m->topology, NULL};
    CHECK_EQ_INT (s_run (m, "tally-help", help_argv, &out), 0);
    CHECK (out && strstr (out, "--label") && strstr (out, "--orders-pub-endpoint"));
    free (out);
}

static void
s_check_events (mesh_t *m)
{
    char label[64] = "";
    CHECK_EQ_INT (s_tally_count (m, label, sizeof label), 0);
    CHECK_STR (label, "tally");
    char url[128];
    snprintf (url, sizeof url, "%s/v1/orders", m->base_url);
    const char *body = "{\"external_id\": \"test-topology-1\", \"account_id\": \"ACCT-DEMO-1\", "
                       "\"currency\": \"USD\", \"lines\": [{\"sku\": \"SKU-TSHIRT-BLK-M\", "
                       "\"quantity\": 1, \"unit_price\": 1999}]}";
    harness_http_t res;
    CHECK_EQ_INT (harness_http (&res, "POST", url, m->key, "application/json", body, strlen (body),
                                NULL), 0);
    CHECK_EQ_INT (res.status, 201);
    harness_http_free (&res);
    int64_t count = -1;
    int64_t deadline = clock_mono_ms () + READY_MS;
    while ((count = s_tally_count (m, label, sizeof label)) != 1 && clock_mono_ms () < deadline)
        usleep (POLL_MS * 1000);
    CHECK_EQ_INT (count, 1);
}

//  Stopped, tally does not answer and /readyz says so; killed, the
//  supervisor starts a new one.
static void
s_check_down_and_restart (mesh_t *m)
{
    probe_t before, after = {.pid = -1};
    CHECK_EQ_INT (probe_rpc (m->tally, 2000, &before), 0);
    CHECK (before.pid > 0);
    if (before.pid <= 0)
        return;
    CHECK_EQ_INT (kill ((pid_t) before.pid, SIGSTOP), 0);
    CHECK (s_wait_readyz (m, 503, "down"));
    CHECK_EQ_INT (kill ((pid_t) before.pid, SIGCONT), 0);
    CHECK (s_wait_readyz (m, 200, "ok"));

    CHECK_EQ_INT (kill ((pid_t) before.pid, SIGKILL), 0);
    int64_t deadline = clock_mono_ms () + READY_MS;
    while (clock_mono_ms () < deadline) {
        if (probe_rpc (m->tally, 500, &after) == 0 && after.pid != before.pid)
            break;
        usleep (POLL_MS * 1000);
    }
    CHECK (after.pid > 0 && after.pid != before.pid);
    CHECK (s_wait_readyz (m, 200, "ok"));
}

int
main (void)
{
    log_init ("test_cli_topology", RM_LOG_ERROR);
    mesh_t m = {0};
    char *dir = harness_tmpdir ("cli-topology");
    snprintf (m.dir, sizeof m.dir, "%s", dir);
    free (dir);
    snprintf (m.var_dir, sizeof m.var_dir, "%s/var", m.dir);
    snprintf (m.topology, sizeof m.topology, "%s/topology.txt", m.dir);
    CHECK_EQ_INT (s_write_topology (&m), 0);

    const char *argv[] = {harness_bin ("retailmesh"), "up", "--var-dir", m.var_dir,
                          "--topology", m.topology, "--log-level", "warn", NULL};
    CHECK_EQ_INT (harness_spawn (&m.up, "up", m.dir, argv), 0);
    bool up = s_wait_up (&m);
    CHECK (up);
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/api-key", m.var_dir);
    char *key = harness_read_file (path);
    if (key) {
        key[strcspn (key, "\n")] = '\0';
        snprintf (m.key, sizeof m.key, "%s", key);
    }
    free (key);
    //  the tally row got its key pair from up like the built-in rows
    snprintf (path, sizeof path, "%s/keys", m.var_dir);
    CHECK_EQ_INT (keys_use (path, KEYS_OPERATOR), 0);
    CHECK_EQ_INT (keys_add_peer (m.tally, "tally"), 0);
    if (up) {
        char tally[32];
        CHECK_EQ_INT (s_readyz (&m, tally, sizeof tally), 200);
        CHECK_STR (tally, "ok");
        s_check_status_and_topology (&m);
        s_check_events (&m);
        s_check_down_and_restart (&m);
    }
    CHECK_EQ_INT (harness_stop (&m.up, 20000), 0);
    probe_t probe;
    CHECK (probe_rpc (m.tally, 300, &probe) != 0);
    if (harness_failures == 0)
        harness_rmtree (m.dir);
    else
        fprintf (stderr, "logs kept in %s\n", m.dir);
    return harness_report ("test_cli_topology");
}
