//  Integration: the runbook commands of durable events, run as a person
//  runs them — the built `retailmesh` binary against the real services of
//  the table (inventory consumes orders' events, among others):
//  events tail (with and without --follow), events lag, dlq list, show and
//  retry through a dead letter's round trip, and replay.
#include "clock.h"
#include "err.h"
#include "itest.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

//  Under the sanitizers one CLI run takes a while; a hung one is killed.
#define CLI_RUN_MS 60000
#define SETTLE_MS 15000

static harness_mesh_t mesh;
static itest_clients_t clients;

static void
s_clients (void)
{
    itest_clients_connect (&clients, &mesh);
}

//  Fills argv with the retailmesh binary, args (NULL-terminated) and the
//  mesh's topology file, which holds every service's endpoints. Returns
//  argc.
static int
s_argv (const char **argv, int size, const char *const *args)
{
    int n = 0;
    argv[n++] = harness_bin ("retailmesh");
    for (int i = 0; args[i] && n < size - 5; i++)
        argv[n++] = args[i];
    argv[n++] = "--var-dir";
    argv[n++] = mesh.dir;
    argv[n++] = "--topology";
    argv[n++] = mesh.topology;
    argv[n] = NULL;
    return n;
}

//  Runs retailmesh with args and returns its exit status (-1 when it did
//  not end in time or was killed); *out gets what it printed on stdout.
static int
s_cli (char **out, const char *const *args)
{
    const char *argv[64];
    s_argv (argv, 64, args);
    harness_capture_t cap;
    harness_capture_begin (&cap, STDOUT_FILENO);
    pid_t pid = fork ();
    if (pid == 0) {
        execv (argv[0], (char *const *) argv);
        _exit (127);
    }
    int status = -1;
    int64_t deadline = clock_mono_ms () + CLI_RUN_MS;
    while (pid > 0 && waitpid (pid, &status, WNOHANG) == 0) {
        if (clock_mono_ms () > deadline) {
            fprintf (stderr, "  retailmesh %s %s did not end in %d ms: killed\n", args[0],
                     args[1] ? args[1] : "", CLI_RUN_MS);
            kill (pid, SIGKILL);
            waitpid (pid, &status, 0);
            status = -1;
            break;
        }
        usleep (20000);
    }
    *out = harness_capture_end (&cap);
    return pid > 0 && status >= 0 && WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
s_stock (const char *sku, int on_hand)
{
    json_decref (itest_callf (clients.pricing, "pricing.set", true,
                              "{\"currency\":\"USD\",\"sku\":\"%s\",\"unit_price\":100}", sku));
    json_decref (itest_callf (clients.inventory, "inventory.set_stock", true,
                              "{\"location\":\"WH-1\",\"sku\":\"%s\",\"on_hand\":%d}", sku, on_hand));
}

//  Places a one-unit order of sku and copies its ID into id.
static void
s_order (const char *sku, const char *external_id, char id[40])
{
    json_t *r = itest_callf (clients.orders, "orders.submit", true,
                             "{\"external_id\":\"%s\",\"account_id\":\"A\",\"currency\":\"USD\","
                             "\"lines\":[{\"sku\":\"%s\",\"quantity\":1,\"unit_price\":100}]}",
                             external_id, sku);
    CHECK_STR (itest_str (r, "status"), "accepted");
    snprintf (id, 40, "%.36s", itest_str (r, "order_id"));
    json_decref (r);
}

static void
s_cancel (const char *id)
{
    json_t *r = itest_callf (clients.orders, "orders.cancel", true, "{\"order_id\":\"%s\"}", id);
    CHECK_STR (itest_str (r, "status"), "cancelled");
    json_decref (r);
}

//  The seq of the event of that type about order id in orders' log, or -1.
static int64_t
s_orders_seq (const char *type, const char *id)
{
    json_t *reply = itest_call (clients.orders, "events.since", true, "{\"from\":1,\"max\":10000}");
    int64_t seq = -1;
    size_t i;
    json_t *event;
    json_array_foreach (json_object_get (reply, "events"), i, event)
        if (strcmp (itest_str (event, "type"), type) == 0
            && strcmp (itest_str (json_object_get (event, "body"), "order_id"), id) == 0)
            seq = itest_int (event, "seq");
    json_decref (reply);
    return seq;
}

//  The line of text that starts with prefix and contains needle, or NULL.
static const char *
s_line (const char *text, const char *prefix, const char *needle)
{
    for (const char *line = text; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL) {
        const char *end = strchr (line, '\n');
        size_t len = end ? (size_t) (end - line) : strlen (line);
        const char *hit = strstr (line, needle);
        if (strncmp (line, prefix, strlen (prefix)) == 0 && hit && hit + strlen (needle) <= line + len)
            return line;
    }
    return NULL;
}

//  The row of `events lag` output for consumer and source (its columns are
//  as wide as the longest name), or NULL.
static const char *
s_lag_row (const char *text, const char *consumer, const char *source)
{
    for (const char *line = text; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL) {
        char first[32], second[32];
        if (sscanf (line, "%31s %31s", first, second) == 2 && strcmp (first, consumer) == 0
            && strcmp (second, source) == 0)
            return line;
    }
    return NULL;
}

//  `events tail --source orders --from 1` shows the order's two events
//  with their seqs, times and bodies.
static void
test_tail (const char *id)
{
    int64_t accepted = s_orders_seq ("orders.order.accepted", id);
    int64_t cancelled = s_orders_seq ("orders.order.cancelled", id);
    CHECK (accepted > 0 && cancelled > accepted);
    char *out = NULL;
    static const char *const args[] = {"events", "tail", "--source", "orders", "--from", "1", NULL};
    CHECK_EQ_INT (s_cli (&out, args), 0);
    char prefix[32], needle[128];
    snprintf (prefix, sizeof prefix, "%lld 20", (long long) accepted);
    CHECK (s_line (out, prefix, " orders orders.order.accepted ") != NULL);
    snprintf (needle, sizeof needle, "{\"order_id\":\"%s\"", id);
    CHECK (s_line (out, prefix, needle) != NULL);
    snprintf (prefix, sizeof prefix, "%lld 20", (long long) cancelled);
    CHECK (s_line (out, prefix, " orders orders.order.cancelled itest ") != NULL);
    CHECK (s_line (out, "", " pricing.") == NULL);
    if (harness_failures)
        fprintf (stderr, "  events tail printed:\n%s", out);
    free (out);

    //  --limit stops early; a --from past the log prints nothing
    static const char *const one[] = {"events", "tail", "--source", "orders", "--from", "1",
                                      "--limit", "1", NULL};
    CHECK_EQ_INT (s_cli (&out, one), 0);
    CHECK (out && strncmp (out, "1 20", 4) == 0 && strchr (out, '\n') == out + strlen (out) - 1);
    free (out);
    static const char *const past[] = {"events", "tail", "--source", "orders", "--from", "1000000", NULL};
    CHECK_EQ_INT (s_cli (&out, past), 0);
    CHECK_STR (out, "");
    free (out);
    static const char *const bad[] = {"events", "tail", "--source", "billing", NULL};
    CHECK_EQ_INT (s_cli (&out, bad), 2);
    free (out);
}

//  Runs `events lag` until inventory's row for orders shows lag 0 (bounded).
//  Returns the last output (free it) and its status in *status.
static char *
s_settled_lag (int *status, int64_t *position)
{
    static const char *const args[] = {"events", "lag", NULL};
    char *out = NULL;
    int64_t deadline = clock_mono_ms () + SETTLE_MS;
    do {
        free (out);
        *status = s_cli (&out, args);
        const char *row = s_lag_row (out, "inventory", "orders");
        long long pos = -1, last = -1, lag = -1;
        if (row && sscanf (row, "%*s %*s %lld %lld %lld", &pos, &last, &lag) == 3 && lag == 0) {
            *position = pos;
            return out;
        }
        usleep (200000);
    } while (clock_mono_ms () < deadline);
    fprintf (stderr, "  events lag did not settle:\n%s", out ? out : "");
    *position = -1;
    return out;
}

static int64_t
s_orders_last_seq (void)
{
    json_t *health = itest_call (clients.orders, "sys.health", true, "{}");
    int64_t last = itest_int (json_object_get (health, "events"), "last_seq");
    json_decref (health);
    return last;
}

static void
test_lag (void)
{
    int status;
    int64_t position;
    char *out = s_settled_lag (&status, &position);
    CHECK_EQ_INT (status, 0);
    CHECK_EQ_INT (position, s_orders_last_seq ());
    CHECK (out && strncmp (out, "CONSUMER ", 9) == 0);
    const char *row = s_lag_row (out, "inventory", "orders");
    CHECK (row && s_line (row, "", " no") == row);
    free (out);
}

static void
test_replay (void)
{
    char *out = NULL;
    static const char *const args[] = {"replay", "--consumer", "inventory", "--source", "orders",
                                       "--from", "1", NULL};
    CHECK_EQ_INT (s_cli (&out, args), 0);
    CHECK (out && strstr (out, "position 0") != NULL);
    free (out);
    //  applying the cancellation again releases nothing more
    int status;
    int64_t position;
    out = s_settled_lag (&status, &position);
    CHECK_EQ_INT (position, s_orders_last_seq ());
    free (out);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "CLI"), 0);
    static const char *const missing[] = {"replay", "--consumer", "inventory", "--source", "orders", NULL};
    CHECK_EQ_INT (s_cli (&out, missing), 2);
    free (out);
    static const char *const wrong[] = {"replay", "--consumer", "pricing", "--source", "orders",
                                        "--from", "1", NULL};
    CHECK_EQ_INT (s_cli (&out, wrong), 1);
    free (out);
}

static void
s_check_no_dead_letters (void)
{
    char *out = NULL;
    static const char *const args[] = {"dlq", "list", NULL};
    CHECK_EQ_INT (s_cli (&out, args), 0);
    CHECK (out && strncmp (out, "no dead letters", 15) == 0);
    CHECK (out && !strstr (out, "orders.order.cancelled"));
    free (out);
}

//  Stops inventory and starts it again with extra arguments (or none).
static void
s_restart_inventory (const char *const *extra)
{
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    mesh.extra_args[MESH_IX_INVENTORY] = extra;
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    s_clients ();
}

//  True when `dlq list` printed inventory's dead letter of orders event
//  seq, a cancellation given up after 2 attempts.
static bool
s_dlq_listed (const char *out, int64_t seq)
{
    for (const char *line = out; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL) {
        char service[32], source[32], type[64];
        long long at = 0, attempts = 0;
        if (sscanf (line, "%31s %31s %lld %63s %lld", service, source, &at, type, &attempts) == 5
            && strcmp (service, "inventory") == 0 && strcmp (source, "orders") == 0 && at == seq
            && strcmp (type, "orders.order.cancelled") == 0 && attempts == 2)
            return true;
    }
    return false;
}

//  A cancellation inventory cannot apply becomes a dead letter; the
//  commands find it, show it, fail to retry it while the fault lasts, and
//  retry it once inventory runs without the fault.
static void
test_dead_letter_round_trip (void)
{
    char id[40];
    s_order ("CLI", "cli-dlq", id);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "CLI"), 1);
    static const char *const fast[] = {"--consumer-max-attempts", "2", "--consumer-backoff-ms", "20", NULL};
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    //  a consumer down is a failed check
    char *out = NULL;
    static const char *const lag[] = {"events", "lag", "--timeout", "300", NULL};
    CHECK_EQ_INT (s_cli (&out, lag), 1);
    CHECK (out && strstr (out, "inventory is down: ") != NULL);
    free (out);
    out = NULL;
    setenv ("RETAILMESH_FAIL_EVENTS", "orders.order.cancelled", 1);
    mesh.extra_args[MESH_IX_INVENTORY] = fast;
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    unsetenv ("RETAILMESH_FAIL_EVENTS");
    s_clients ();
    s_cancel (id);
    int64_t seq = s_orders_seq ("orders.order.cancelled", id);
    CHECK (seq > 0);

    static const char *const list[] = {"dlq", "list", NULL};
    bool listed = false;
    int64_t deadline = clock_mono_ms () + SETTLE_MS;
    do {
        free (out);
        out = NULL;
        if (s_cli (&out, list) == 0 && (listed = s_dlq_listed (out, seq)))
            break;
        usleep (100000);
    } while (clock_mono_ms () < deadline);
    CHECK (listed);
    CHECK (out && strncmp (out, "SERVICE ", 8) == 0);
    if (!listed)
        fprintf (stderr, "  dlq list printed:\n%s", out ? out : "");
    free (out);

    //  inventory and fulfillment consume orders' events: --service says which
    char seq_text[24];
    snprintf (seq_text, sizeof seq_text, "%lld", (long long) seq);
    const char *unnamed[] = {"dlq", "show", "--source", "orders", "--seq", seq_text, NULL};
    CHECK_EQ_INT (s_cli (&out, unnamed), 2);
    CHECK_STR (out, "");
    free (out);
    const char *show[] = {"dlq", "show", "--service", "inventory", "--source", "orders", "--seq", seq_text, NULL};
    CHECK_EQ_INT (s_cli (&out, show), 0);
    CHECK (out && strstr (out, "service:    inventory\n") && strstr (out, "attempts:   2\n"));
    CHECK (out && strstr (out, id) && strstr (out, "body:\n{\n"));
    free (out);
    const char *retry[] = {"dlq", "retry", "--service", "inventory", "--source", "orders", "--seq", seq_text, NULL};
    CHECK_EQ_INT (s_cli (&out, retry), 1);
    free (out);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "CLI"), 1);

    s_restart_inventory (NULL);
    CHECK_EQ_INT (s_cli (&out, retry), 0);
    CHECK (out && strstr (out, "inventory applied orders event #") != NULL);
    free (out);
    CHECK_EQ_INT (itest_reserved (clients.inventory, "CLI"), 0);
    s_check_no_dead_letters ();
    //  it is gone: a second retry, or a drop, finds nothing to act on
    CHECK_EQ_INT (s_cli (&out, retry), 1);
    free (out);
    const char *drop[] = {"dlq", "drop", "--service", "inventory", "--source", "orders", "--seq", seq_text, NULL};
    CHECK_EQ_INT (s_cli (&out, drop), 1);
    CHECK_STR (out, "");
    free (out);
}

//  The seq of orders' outbound dead letter of a call to inventory that
//  `dlq list --queue outbound` printed, or -1.
static int64_t
s_outbound_listed (const char *out)
{
    for (const char *line = out; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL) {
        char service[32], source[32], type[64];
        long long seq = 0, attempts = 0;
        if (sscanf (line, "%31s %31s %lld %63s %lld", service, source, &seq, type, &attempts) == 5
            && strcmp (service, "orders") == 0 && strcmp (source, "->inventory") == 0
            && strcmp (type, "inventory.release") == 0 && attempts == 1)
            return seq;
    }
    return -1;
}

//  orders gives up releasing a rejected order's stock while inventory is
//  down (one attempt allowed): the same commands list, show and re-drive
//  the call with --queue outbound.
static void
test_outbound_dead_letter (void)
{
    static const char *const once[] = {"--call-timeout", "1000", "--outbound-max-attempts", "1", NULL};
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_INVENTORY), 0);
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_ORDERS), 0);
    mesh.extra_args[MESH_IX_ORDERS] = once;
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_ORDERS), 0);
    s_clients ();
    json_t *r = itest_call (clients.orders, "orders.submit", false,
                            "{\"external_id\":\"cli-out\",\"account_id\":\"A\",\"currency\":\"USD\","
                            "\"lines\":[{\"sku\":\"CLI\",\"quantity\":1,\"unit_price\":1}]}");
    CHECK_STR (itest_str (r, "code"), "price_mismatch");
    json_decref (r);

    char *out = NULL;
    static const char *const list[] = {"dlq", "list", "--queue", "outbound", NULL};
    int64_t seq = -1, deadline = clock_mono_ms () + SETTLE_MS;
    do {
        free (out);
        out = NULL;
        //  inventory is down: the list is incomplete and says so (exit 1)
        if (s_cli (&out, list) >= 0 && (seq = s_outbound_listed (out)) > 0)
            break;
        usleep (100000);
    } while (clock_mono_ms () < deadline);
    CHECK (seq > 0);
    if (seq <= 0)
        fprintf (stderr, "  dlq list --queue outbound printed:\n%s", out ? out : "");
    free (out);
    char seq_text[24];
    snprintf (seq_text, sizeof seq_text, "%lld", (long long) seq);
    const char *show[] = {"dlq", "show", "--queue", "outbound", "--service", "orders", "--source", "inventory",
                          "--seq", seq_text, NULL};
    CHECK_EQ_INT (s_cli (&out, show), 0);
    CHECK (out && strstr (out, "call:       inventory.release to inventory, cid itest\n"));
    CHECK (out && strstr (out, "\"order_id\""));
    free (out);
    //  the caller holds it: no lag table can name the service
    const char *unnamed[] = {"dlq", "retry", "--queue", "outbound", "--source", "inventory", "--seq", seq_text, NULL};
    CHECK_EQ_INT (s_cli (&out, unnamed), 2);
    free (out);
    const char *retry[] = {"dlq", "retry", "--queue", "outbound", "--service", "orders", "--source", "inventory",
                           "--seq", seq_text, NULL};
    CHECK_EQ_INT (s_cli (&out, retry), 1);
    free (out);

    mesh.extra_args[MESH_IX_INVENTORY] = NULL;
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_INVENTORY), 0);
    s_clients ();
    CHECK_EQ_INT (s_cli (&out, retry), 0);
    CHECK (out && strstr (out, "orders made call #") && strstr (out, " to inventory; its dead letter is removed"));
    free (out);
    s_check_no_dead_letters ();
    mesh.extra_args[MESH_IX_ORDERS] = NULL;
    CHECK_EQ_INT (harness_mesh_restart_one (&mesh, MESH_ORDERS), 0);
    s_clients ();
}

//  The whole of the log file of a process (at most 64 KiB) into text.
static void
s_read_log (const char *path, char *text, size_t size)
{
    FILE *file = fopen (path, "r");
    text[0] = '\0';
    if (file) {
        text[fread (text, 1, size - 1, file)] = '\0';
        fclose (file);
    }
}

static int
s_count (const char *text, const char *needle)
{
    int count = 0;
    for (const char *at = strstr (text, needle); at; at = strstr (at + 1, needle))
        count++;
    return count;
}

//  `events tail --follow` prints a new event once, and ends with status 0
//  on SIGTERM (as on Ctrl-C).
static void
test_follow (void)
{
    static const char *const args[] = {"events", "tail", "--source", "pricing", "--follow", NULL};
    const char *argv[64];
    s_argv (argv, 64, args);
    harness_proc_t proc;
    CHECK_EQ_INT (harness_spawn (&proc, "cli-follow", mesh.dir, argv), 0);
    char path[400];
    snprintf (path, sizeof path, "%s/cli-follow.log", mesh.dir);
    static char text[65536];
    //  once the catch-up has shown the price set earlier, a new one is set
    bool set = false;
    int64_t deadline = clock_mono_ms () + SETTLE_MS;
    while (clock_mono_ms () < deadline && harness_alive (&proc, NULL)) {
        s_read_log (path, text, sizeof text);
        if (s_count (text, "\"sku\":\"FOLLOW\"") > 0)
            break;
        if (!set && strstr (text, " pricing pricing.price.changed ")) {
            json_decref (itest_call (clients.pricing, "pricing.set", true,
                                     "{\"currency\":\"USD\",\"sku\":\"FOLLOW\",\"unit_price\":7}"));
            set = true;
        }
        usleep (100000);
    }
    CHECK (set);
    //  and it stays printed once, after more reads of the log
    usleep (2 * 1000 * 1000);
    s_read_log (path, text, sizeof text);
    CHECK_EQ_INT (s_count (text, "\"sku\":\"FOLLOW\""), 1);
    CHECK_EQ_INT (s_count (text, "\"sku\":\"CLI\""), 1);
    CHECK_EQ_INT (harness_stop (&proc, 10000), 0);
    if (harness_failures)
        fprintf (stderr, "  events tail --follow printed:\n%s", text);
}

int
main (void)
{
    if (harness_mesh_start (&mesh, MESH_PRICING | MESH_INVENTORY | MESH_ORDERS | MESH_FULFILLMENT | MESH_RETURNS) != 0) {
        CHECK (!"mesh started");
        harness_mesh_destroy (&mesh);
        return harness_report ("test_cli_events");
    }
    s_clients ();
    s_stock ("CLI", 10);
    char id[40];
    s_order ("CLI", "cli-1", id);
    s_cancel (id);
    CHECK (itest_wait_reserved (clients.inventory, "CLI", 0, SETTLE_MS));
    test_tail (id);
    test_lag ();
    s_check_no_dead_letters ();
    test_replay ();
    if (harness_failpoints ("test_dead_letter_round_trip"))
        test_dead_letter_round_trip ();
    test_outbound_dead_letter ();
    test_follow ();
    itest_clients_close (&clients);
    harness_mesh_destroy (&mesh);
    return harness_report ("test_cli_events");
}
