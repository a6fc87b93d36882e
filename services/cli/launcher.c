#include "launcher.h"
#include "keys.h"
#include "apikey.h"
#include "backoff.h"
#include "clock.h"
#include "command.h"
#include "demo.h"
#include "err.h"
#include "log.h"
#include "mesh.h"
#include "paths.h"
#include "pidfile.h"
#include "probe.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LAUNCHER_START_MS 10000       //  a service must answer this soon after it starts
#define LAUNCHER_STOP_MS 10000        //  SIGTERM, then SIGKILL after this
#define LAUNCHER_PROBE_MS 500         //  one health attempt while waiting
#define LAUNCHER_DEMO_MS 30000        //  loading the demo catalogue
#define LAUNCHER_BACKOFF_MS 200       //  first restart delay, doubled per quick exit...
#define LAUNCHER_BACKOFF_MAX_MS 10000 //  ...up to this
#define LAUNCHER_STABLE_MS 30000      //  a run this long starts the delays over
#define LAUNCHER_MARKER ".demo-loaded"

typedef struct {
    const char *name;
    char path[PATH_MAX];
    const mesh_service_t *row;        //  its row of the topology
    char **argv;                      //  NULL-terminated
    int argc;
    pid_t pid;                        //  0 when not running
    int64_t started_ms;
    int64_t restart_ms;               //  when to start it again; 0 when not due
    unsigned restarts;
    bool argv_failed;                 //  a command-line argument could not be added
    backoff_t backoff;
    bool exited;                      //  it exited at least once since the first start
    int status;                       //  its last wait status
} child_t;

typedef struct {
    config_t *cfg;
    const char *var_dir;
    char bin_dir[PATH_MAX];
    int http_port;
    char gateway_url[64];
    char topology[PATH_MAX];          //  the table recorded in var_dir, which every child reads
    char keys_dir[PATH_MAX];          //  every child's key pair (retailmesh keys init)
    child_t *children;                //  one per row of the topology, in its order
    size_t nchildren;
    sigset_t signals;                 //  blocked, and taken with sigtimedwait
    log_level_t log_level;
    pid_t self_pid;
    bool stopping;
    bool hurry;                       //  a second Ctrl-C: do not wait for stragglers
} launcher_t;

//  ---- child processes ------------------------------------------------

static void
s_arg (child_t *child, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_arg (child_t *child, const char *fmt, ...)
{
    char **grown = (char **) realloc (child->argv, (size_t) (child->argc + 2) * sizeof *grown);
    if (!grown) {
        child->argv_failed = true;
        return;
    }
    child->argv = grown;
    va_list ap;
    va_start (ap, fmt);
    int n = vasprintf (&child->argv[child->argc], fmt, ap);
    va_end (ap);
    if (n < 0) {
        child->argv[child->argc] = NULL;
        child->argv_failed = true;
        return;
    }
    child->argv[++child->argc] = NULL;
}

static void
s_describe_status (int status, char *out, size_t size)
{
    if (WIFEXITED (status))
        snprintf (out, size, "exited with status %d", WEXITSTATUS (status));
    else if (WIFSIGNALED (status))
        snprintf (out, size, "was killed by signal %d (%s)", WTERMSIG (status),
                  strsignal (WTERMSIG (status)));
    else
        snprintf (out, size, "stopped with wait status %d", status);
}

static int
s_spawn (launcher_t *self, child_t *child)
{
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    if (pid < 0) {
        log_error (NULL, "cannot start %s: fork: %s", child->name, strerror (errno));
        return RM_EUNAVAIL;
    }
    if (pid == 0) {
        //  Only async-signal-safe calls until exec: the parent has threads.
        //  The child gets its own process group, so a Ctrl-C in the
        //  terminal reaches the supervisor alone, which then stops every
        //  child the same way; and it dies with the supervisor.
        setpgid (0, 0);
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        if (getppid () != self->self_pid)
            _exit (1);
        int null = open ("/dev/null", O_RDONLY);
        if (null >= 0 && null != STDIN_FILENO) {
            dup2 (null, STDIN_FILENO);
            close (null);
        }
        //  a service logs on stderr; its stdout joins it so ours stays ours
        dup2 (STDERR_FILENO, STDOUT_FILENO);
        sigset_t none;
        sigemptyset (&none);
        sigprocmask (SIG_SETMASK, &none, NULL);
        execv (child->path, child->argv);
        static const char msg[] = "retailmesh: exec of a service binary failed\n";
        ssize_t ignored = write (STDERR_FILENO, msg, sizeof msg - 1);
        (void) ignored;
        _exit (127);
    }
    setpgid (pid, pid);
    child->pid = pid;
    child->started_ms = clock_mono_ms ();
    child->restart_ms = 0;
    log_info (NULL, "%s started (pid %d)", child->name, (int) pid);
    return 0;
}

static child_t *
s_child_by_pid (launcher_t *self, pid_t pid)
{
    for (size_t i = 0; i < self->nchildren; i++)
        if (self->children[i].pid == pid)
            return &self->children[i];
    return NULL;
}

static void
s_reap (launcher_t *self)
{
    int status;
    pid_t pid;
    while ((pid = waitpid (-1, &status, WNOHANG)) > 0) {
        child_t *child = s_child_by_pid (self, pid);
        if (!child)
            continue;
        int64_t now = clock_mono_ms ();
        int64_t uptime_ms = now - child->started_ms;
        child->pid = 0;
        child->exited = true;
        child->status = status;
        char how[128];
        s_describe_status (status, how, sizeof how);
        if (self->stopping)
            log_info (NULL, "%s stopped (%s)", child->name, how);
        else {
            int64_t delay = backoff_delay (&child->backoff, uptime_ms);
            child->restart_ms = now + delay;
            child->restarts++;
            log_warn (NULL, "%s %s after %.1f s; restarting it in %lld ms (restart %u)",
                      child->name, how, (double) uptime_ms / 1000, (long long) delay,
                      child->restarts);
        }
    }
}

//  Waits up to timeout_ms for a signal and acts on it; reaps children
//  either way, so no exit goes unnoticed.
static void
s_wait_signal (launcher_t *self, int64_t timeout_ms)
{
    if (timeout_ms < 0)
        timeout_ms = 0;
    struct timespec ts = {(time_t) (timeout_ms / 1000), (long) (timeout_ms % 1000) * 1000000L};
    siginfo_t info;
    int sig = sigtimedwait (&self->signals, &info, &ts);
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
        if (self->stopping) {
            self->hurry = true;
            log_warn (NULL, "received %s again: killing what is left", strsignal (sig));
        }
        else {
            self->stopping = true;
            log_info (NULL, "received %s: stopping every service", strsignal (sig));
        }
    }
    s_reap (self);
}

static bool
s_any_running (launcher_t *self)
{
    for (size_t i = 0; i < self->nchildren; i++)
        if (self->children[i].pid)
            return true;
    return false;
}

static void
s_stop_all (launcher_t *self)
{
    self->stopping = true;
    for (size_t i = 0; i < self->nchildren; i++)
        if (self->children[i].pid && kill (self->children[i].pid, SIGTERM) != 0)
            log_warn (NULL, "cannot signal %s: %s", self->children[i].name, strerror (errno));
    int64_t deadline = clock_mono_ms () + LAUNCHER_STOP_MS;
    while (s_any_running (self) && !self->hurry && clock_mono_ms () < deadline)
        s_wait_signal (self, deadline - clock_mono_ms ());
    for (size_t i = 0; i < self->nchildren; i++) {
        child_t *child = &self->children[i];
        if (!child->pid)
            continue;
        log_warn (NULL, "%s (pid %d) did not stop in time: killing it", child->name, (int) child->pid);
        kill (child->pid, SIGKILL);
        if (waitpid (child->pid, &child->status, 0) == child->pid)
            child->pid = 0;
    }
}

//  ---- startup -----------------------------------------------------------

//  Waits until the child answers its health check. Returns 0, 1 when the
//  launcher was told to stop meanwhile, or a negative code after logging.
static int
s_wait_ready (launcher_t *self, child_t *child, const char *endpoint)
{
    int64_t deadline = child->started_ms + LAUNCHER_START_MS;
    probe_t probe = {.error = "no attempt made"};
    while (true) {
        if (self->stopping)
            return 1;
        //  a service that fails as it starts is misconfigured: restarting
        //  it would only repeat the failure
        if (child->exited) {
            char how[128];
            s_describe_status (child->status, how, sizeof how);
            log_error (NULL, "%s %s while starting; its log lines above say why", child->name, how);
            return RM_EUNAVAIL;
        }
        if (clock_mono_ms () >= deadline) {
            log_error (NULL, "%s did not answer at %s within %d s: %s", child->name, endpoint,
                       LAUNCHER_START_MS / 1000, probe.error);
            return RM_ETIMEOUT;
        }
        //  a service still starting is expected to miss a few probes: the
        //  client's warnings about them would only alarm
        log_init ("retailmesh", RM_LOG_ERROR);
        int rc = probe_any (endpoint, LAUNCHER_PROBE_MS, &probe);
        log_init ("retailmesh", self->log_level);
        //  the pid tells our child from a service of another mesh that
        //  holds the same port (ours then fails to bind and exits)
        if (rc == 0 && probe.pid > 0 && probe.pid != child->pid) {
            log_error (NULL, "another process (pid %lld, %s) already answers at %s: is another "
                       "mesh running? Stop it, or give this one other endpoints (see --help)",
                       (long long) probe.pid, probe.service, endpoint);
            return RM_ECONFLICT;
        }
        if (rc == 0) {
            log_info (NULL, "%s is up at %s", child->name, endpoint);
            return 0;
        }
        //  a refused HTTP connection fails at once: pace the attempts
        s_wait_signal (self, 100);
    }
}

static int
s_find_binary (launcher_t *self, child_t *child)
{
    snprintf (child->path, sizeof child->path, "%.3000s/%s", self->bin_dir, child->name);
    if (access (child->path, X_OK) != 0) {
        log_error (NULL, "cannot run %s: %s; build it (./scripts/dev build) or pass --bin-dir",
                   child->path, strerror (errno));
        return RM_ENOTFOUND;
    }
    return 0;
}

//  The endpoint options of a service the child calls or consumes; a
//  source's events too. Each option is given once.
static void
s_peer_args (launcher_t *self, child_t *child, const char *name, bool events)
{
    const mesh_service_t *peer = mesh_find (name);
    if (!events || !topology_lists (child->row->calls, name))
        s_arg (child, "--%s-endpoint=%s", name, mesh_endpoint (self->cfg, peer));
    if (events)
        s_arg (child, "--%s-pub-endpoint=%s", name, mesh_pub_endpoint (self->cfg, peer));
}

//  Fills in each child's binary and command line from its topology row:
//  only the options that row makes the service declare.
static int
s_prepare (launcher_t *self, const char *hashes_file)
{
    config_t *cfg = self->cfg;
    const char *log_level = config_get (cfg, "log-level");
    const topology_t *topo = mesh_topology ();
    self->nchildren = topology_count (topo);
    self->children = (child_t *) calloc (self->nchildren, sizeof *self->children);
    if (!self->children) {
        log_error (NULL, "out of memory");
        return RM_ENOMEM;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < self->nchildren; i++) {
        child_t *child = &self->children[i];
        child->row = topology_row (topo, i);
        child->name = child->row->name;
        backoff_init (&child->backoff, LAUNCHER_BACKOFF_MS, LAUNCHER_BACKOFF_MAX_MS,
                      LAUNCHER_STABLE_MS);
        if (child->row->http_port && child->row != mesh_gateway ()) {
            log_error (NULL, "the topology has a second HTTP front, %s; `retailmesh up` runs one "
                       "(%s)", child->name, mesh_gateway ()->name);
            return RM_EINVAL;
        }
        rc = s_find_binary (self, child);
        if (rc)
            break;
        s_arg (child, "%s", child->path);
        s_arg (child, "--log-level=%s", log_level);
        //  every child reads the same table
        s_arg (child, "--topology=%s", self->topology);
        s_arg (child, "--keys-dir=%s", self->keys_dir);
        s_arg (child, "--curve=%s", config_get (cfg, "curve"));
        //  the services keep stores; an HTTP front keeps nothing
        if (child->row->rpc) {
            char data_dir[PATH_MAX];
            snprintf (data_dir, sizeof data_dir, "%.3000s/%s", self->var_dir, child->name);
            rc = paths_mkdirs (data_dir, 0700);
            if (rc)
                break;
            s_arg (child, "--data-dir=%s", data_dir);
            s_arg (child, "--rpc-endpoint=%s", mesh_endpoint (cfg, child->row));
            s_arg (child, "--pub-endpoint=%s", mesh_pub_endpoint (cfg, child->row));
        }
        for (char **peer = child->row->calls; *peer; peer++)
            s_peer_args (self, child, *peer, false);
        //  a consumer reads its source's log and subscribes to its events
        for (char **source = child->row->consumes; *source; source++)
            s_peer_args (self, child, *source, true);
        if (child->row->http_port) {
            s_arg (child, "--http-port=%d", self->http_port);
            s_arg (child, "--api-key-hashes-file=%s", hashes_file);
        }
        if (child->argv_failed) {
            log_error (NULL, "out of memory building the command line of %s", child->name);
            rc = RM_ENOMEM;
        }
    }
    return rc;
}

//  Loads the demo catalogue unless the marker says it was loaded before.
static int
s_load_demo (launcher_t *self)
{
    char marker[PATH_MAX];
    snprintf (marker, sizeof marker, "%s/%s", self->var_dir, LAUNCHER_MARKER);
    if (access (marker, F_OK) == 0 || strcmp (config_get (self->cfg, "demo"), "true") != 0)
        return 0;
    if (!mesh_find ("pricing") || !mesh_find ("inventory")) {
        log_warn (NULL, "no demo catalogue: the topology has no pricing or no inventory service");
        return 0;
    }
    log_info (NULL, "empty store: loading the demo catalogue");
    int rc = demo_load_dir (config_get (self->cfg, "demo-dir"),
                            mesh_endpoint (self->cfg, mesh_find ("pricing")),
                            mesh_endpoint (self->cfg, mesh_find ("inventory")),
                            LAUNCHER_DEMO_MS);
    if (rc != 0) {
        log_error (NULL, "the demo catalogue did not load (see above); fix that, or start "
                   "with --demo=false for an empty mesh");
        return rc;
    }
    FILE *file = fopen (marker, "w");
    bool written = file && fprintf (file, "demo catalogue loaded at %lld (unix ms)\n",
                                    (long long) clock_now_ms ()) > 0;
    if ((file && fclose (file) != 0) || !written) {
        log_error (NULL, "cannot write %s: %s", marker, strerror (errno));
        return RM_EUNAVAIL;
    }
    return 0;
}

//  Picks the first USD price (else the first price) of the demo catalogue
//  for the example order. Returns false when the catalogue cannot be read.
static bool
s_example_line (launcher_t *self, demo_price_t *out)
{
    char dir[PATH_MAX], err[512];
    const char *given = config_get (self->cfg, "demo-dir");
    if (strcmp (config_get (self->cfg, "demo"), "true") != 0
        || paths_demo_dir (given, dir, sizeof dir) != 0)
        return false;
    demo_data_t *data = NULL;
    bool found = demo_data_new (&data) == 0 && demo_data_load (data, dir, err, sizeof err) == 0 && data->nprices > 0;
    if (found) {
        *out = data->prices[0];
        for (size_t i = 0; i < data->nprices; i++)
            if (strcmp (data->prices[i].currency, "USD") == 0) {
                *out = data->prices[i];
                break;
            }
    }
    demo_data_destroy (&data);
    return found;
}

static void
s_print_ready (launcher_t *self, const char *key, bool key_created)
{
    printf ("\nretailmesh is up: ");
    for (size_t i = 0; i < self->nchildren; i++)
        printf ("%s%s", self->children[i].name,
                i + 1 == self->nchildren ? "" : i + 2 == self->nchildren ? " and " : ", ");
    printf (" run under this process.\nCtrl-C stops them all.\n\n");
    printf ("  Gateway   %s   (OpenAPI document: %s/v1/openapi.json)\n",
            self->gateway_url, self->gateway_url);
    printf ("  API key   %s   (%s %s/api-key)\n", key, key_created ? "new, saved in" : "from",
            self->var_dir);
    printf ("  Data      %s\n\n", self->var_dir);
    demo_price_t line;
    if (s_example_line (self, &line)) {
        long long id = (long long) (clock_now_ms () / 1000);
        printf ("Place an order for two %s (paste it twice: the Idempotency-Key makes the second\n"
                "call return the same order):\n\n", line.sku);
        printf ("  curl -sS -w '\\n' -X POST %s/v1/orders \\\n"
                "    -H 'Authorization: Bearer %s' \\\n"
                "    -H 'Content-Type: application/json' \\\n"
                "    -H 'Idempotency-Key: demo-%lld' \\\n"
                "    -d '{\"external_id\": \"demo-%lld\", \"account_id\": \"ACCT-DEMO-1\", "
                "\"currency\": \"%s\",\n"
                "         \"lines\": [{\"sku\": \"%s\", \"quantity\": 2, \"unit_price\": %lld}]}'\n\n",
                self->gateway_url, key, id, id, line.currency, line.sku, (long long) line.unit_price);
    }
    else
        printf ("Try:\n\n  curl -sS %s/v1/openapi.json\n\n", self->gateway_url);
    fflush (stdout);
}

//  Starts every child and waits until each answers. Returns 0, 1 when told
//  to stop meanwhile, or a negative code after logging.
static int
s_start (launcher_t *self)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < self->nchildren; i++)
        rc = s_spawn (self, &self->children[i]);
    //  the services first: the HTTP front answers /healthz before they do
    for (size_t i = 0; rc == 0 && i < self->nchildren; i++)
        if (self->children[i].row->rpc)
            rc = s_wait_ready (self, &self->children[i], mesh_endpoint (self->cfg, self->children[i].row));
    for (size_t i = 0; rc == 0 && i < self->nchildren; i++)
        if (!self->children[i].row->rpc) {
            char url[128];
            snprintf (url, sizeof url, "%s/healthz", self->gateway_url);
            rc = s_wait_ready (self, &self->children[i], url);
        }
    if (rc == 0)
        rc = mesh_write_endpoints (self->var_dir, self->cfg, self->gateway_url);
    if (rc == 0)
        rc = s_load_demo (self);
    return rc;
}

static void
s_supervise (launcher_t *self)
{
    while (!self->stopping) {
        int64_t now = clock_mono_ms ();
        int64_t wait = 1000;
        for (size_t i = 0; i < self->nchildren; i++) {
            child_t *child = &self->children[i];
            if (child->pid || !child->restart_ms)
                continue;
            if (child->restart_ms <= now) {
                if (s_spawn (self, child) != 0)
                    child->restart_ms = now + backoff_delay (&child->backoff, 0);
            }
            else if (child->restart_ms - now < wait)
                wait = child->restart_ms - now;
        }
        s_wait_signal (self, wait);
    }
}

//  ---- the command -----------------------------------------------------

static void
s_define (config_t *cfg)
{
    mesh_define_endpoints (cfg);
    mesh_define_pub_endpoints (cfg);
    char port[16] = "";
    if (mesh_gateway ())
        snprintf (port, sizeof port, "%d", mesh_gateway ()->http_port);
    config_define (cfg, "http-port", *port ? port : NULL, "Port of the gateway on 127.0.0.1.");
    config_define (cfg, "bin-dir", NULL, "Directory of the service binaries "
                   "(default: the directory of this program).");
    config_define (cfg, "demo-dir", NULL, "Directory with the demo prices.csv and stock.csv "
                   "(default: next to this program, else the source tree).");
    config_define (cfg, "demo", "true", "Load the demo catalogue into an empty mesh.");
    config_define (cfg, "log-level", "info", "Log level of every service: debug, info, warn, error.");
}

static int
s_configure (launcher_t *self)
{
    config_t *cfg = self->cfg;
    if (!mesh_gateway ()) {
        fprintf (stderr, "retailmesh up: the topology has no HTTP front (a row with an http port)\n");
        return RM_EINVAL;
    }
    int64_t port;
    if (config_get_int (cfg, "http-port", &port) != 0 || port < 1 || port > 65535) {
        fprintf (stderr, "retailmesh up: --http-port must be a port number (1-65535)\n");
        return RM_EINVAL;
    }
    self->http_port = (int) port;
    snprintf (self->gateway_url, sizeof self->gateway_url, "http://127.0.0.1:%d", self->http_port);
    int level = log_level_parse (config_get (cfg, "log-level"));
    if (level < 0) {
        fprintf (stderr, "retailmesh up: --log-level must be debug, info, warn or error\n");
        return RM_EINVAL;
    }
    self->log_level = (log_level_t) level;
    log_init ("retailmesh", self->log_level);
    self->var_dir = config_get (cfg, "var-dir");
    const char *bin_dir = config_get (cfg, "bin-dir");
    if (bin_dir)
        snprintf (self->bin_dir, sizeof self->bin_dir, "%s", bin_dir);
    else if (paths_exe_dir (self->bin_dir, sizeof self->bin_dir) != 0)
        return RM_EINVAL;
    return 0;
}

//  The mesh's key pairs, made on the first start; this process is the
//  operator (it waits for health and loads the demo).
static int
s_keys (launcher_t *self)
{
    mesh_keys_dir (self->cfg, self->keys_dir, sizeof self->keys_dir);
    if (strcmp (config_get (self->cfg, "curve"), "false") == 0) {
        log_warn (NULL, "--curve=false: the services' sockets are plain; any local process can call them");
        return 0;
    }
    int made = 0;
    int rc = keys_init (self->keys_dir, mesh_topology (), &made);
    if (rc == 0 && made > 0)
        log_info (NULL, "made %d CURVE key pair%s in %s", made, made == 1 ? "" : "s", self->keys_dir);
    if (rc == 0 && mesh_use_keys (self->cfg) != 0)
        rc = RM_ENOTFOUND;
    return rc;
}

static int
s_run (launcher_t *self)
{
    int rc = paths_mkdirs (self->var_dir, 0700);
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", self->var_dir, PIDFILE_NAME);
    int lock_fd = rc == 0 ? pidfile_acquire (path) : rc;
    if (lock_fd < 0)
        return 1;
    char key[APIKEY_HEX_LEN + 1];
    bool key_created = false;
    snprintf (path, sizeof path, "%s/api-key", self->var_dir);
    rc = apikey_load_or_create (path, key, &key_created);
    snprintf (path, sizeof path, "%s/api-key-hashes", self->var_dir);
    if (rc == 0)
        rc = apikey_write_hashes (path, "operator", key);
    if (rc == 0)
        rc = s_keys (self);
    if (rc == 0)
        rc = mesh_write_topology (self->var_dir, self->topology, sizeof self->topology);
    if (rc == 0)
        rc = s_prepare (self, path);
    if (rc == 0) {
        rc = s_start (self);
        if (rc == 0) {
            s_print_ready (self, key, key_created);
            s_supervise (self);
        }
        s_stop_all (self);
        log_info (NULL, "every service has stopped");
    }
    close (lock_fd);
    return rc < 0 ? 1 : 0;
}

int
launcher_main (int argc, char **argv)
{
    launcher_t *self = (launcher_t *) calloc (1, sizeof *self);
    if (!self)
        return 1;
    self->self_pid = getpid ();
    int code = command_new (argv[0], "[options]\n\n"
        "Starts every service of the topology (retailmesh topology) with their data\n"
        "in --var-dir, waits until each answers, loads the demo catalogue into an empty\n"
        "mesh, prints the gateway URL, an API key and an example order, and restarts a\n"
        "service that exits. Ctrl-C or SIGTERM stops them all.", NULL, &self->cfg) == 0 ? COMMAND_GO_ON : 1;
    if (code == COMMAND_GO_ON) {
        s_define (self->cfg);
        code = command_load (self->cfg, argc, argv, false, 0, 0, NULL);
    }
    if (code == COMMAND_GO_ON && s_configure (self) != 0)
        code = 2;
    if (code == COMMAND_GO_ON) {
        //  Signals are taken synchronously by the loop; blocking them before
        //  any ZeroMQ thread exists keeps every thread from taking them.
        sigemptyset (&self->signals);
        sigaddset (&self->signals, SIGINT);
        sigaddset (&self->signals, SIGTERM);
        sigaddset (&self->signals, SIGHUP);
        sigaddset (&self->signals, SIGCHLD);
        sigprocmask (SIG_BLOCK, &self->signals, NULL);
        code = s_run (self);
    }
    for (size_t i = 0; i < self->nchildren; i++) {
        for (int j = 0; j < self->children[i].argc; j++)
            free (self->children[i].argv[j]);
        free (self->children[i].argv);
    }
    free (self->children);
    config_destroy (&self->cfg);
    free (self);
    return code;
}
