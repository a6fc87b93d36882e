//  gateway — the HTTP/JSON front door of the mesh. Wiring only: options,
//  the hub (ZeroMQ side), the HTTP server, and a clean stop on SIGINT or
//  SIGTERM.
#include "auth.h"
#include "config.h"
#include "err.h"
#include "http_api.h"
#include "keys.h"
#include "hub.h"
#include "log.h"
#include "route.h"
#include "topology.h"
#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

//  Descriptors left for ZeroMQ, logs and the store of a co-located tool.
#define FD_RESERVE 64
#define CONNECTION_LIMIT_MAX 10000
#define PEM_MAX (1024 * 1024)

//  The gateway's row of the topology names its port and the services it calls.
static void
s_define (config_t *cfg, const topology_t *topo, const topology_row_t *row)
{
    char port[16];
    snprintf (port, sizeof port, "%d", row->http_port);
    config_define (cfg, "http-address", "127.0.0.1", "numeric IP address to listen on for HTTP");
    config_define (cfg, "http-port", port, "TCP port to listen on for plain HTTP; 0: no plain HTTP");
    config_define (cfg, "https-address", NULL, "numeric IP address to listen on for HTTPS "
                   "(default: --http-address)");
    config_define (cfg, "https-port", "0", "TCP port to listen on for HTTPS (TLS 1.2 or later); "
                   "0: no HTTPS. Needs --tls-cert-file and --tls-key-file");
    config_define (cfg, "tls-cert-file", NULL, "PEM file with the HTTPS certificate (chain)");
    config_define (cfg, "tls-key-file", NULL, "PEM file with the HTTPS certificate's private key");
    config_define (cfg, "http-threads", "2", "HTTP worker threads");
    config_define (cfg, "http-request-deadline", "10000",
                   "milliseconds a request's headers and body may take to arrive (then 408 or "
                   "the connection is closed); also the longest a keep-alive connection idles");
    config_define (cfg, "http-per-ip-limit", "256",
                   "connections at once from one client address (more are closed at once); "
                   "raise it behind a load balancer, whose address every connection has");
    config_define (cfg, "http-per-ip-soft-limit", "0",
                   "connections at once from one client address that are served; those above it "
                   "(up to --http-per-ip-limit) are answered 429 with Retry-After and closed. "
                   "0: half of --http-per-ip-limit");
    for (int i = 0; row->calls[i]; i++) {
        char name[64], help[96];
        snprintf (name, sizeof name, "%s-endpoint", row->calls[i]);
        snprintf (help, sizeof help, "%s service ZeroMQ endpoint", row->calls[i]);
        config_define (cfg, name, topology_find (topo, row->calls[i])->rpc, help);
    }
    config_define (cfg, "request-timeout", "5000",
                   "milliseconds to wait for a service's answer before replying 503");
    config_define (cfg, "batch-timeout", "60000",
                   "the same for the batch routes (POST /v1/prices/batch, /v1/stock/movements/batch)");
    config_define (cfg, "api-key-hashes", NULL,
                   "comma-separated lower-case SHA-256 hex digests of the valid API keys "
                   "(printf %s KEY | sha256sum), each optionally after a caller name and a colon "
                   "(crm:3a7b...); without any here or in --api-key-hashes-file, every /v1 call "
                   "except /v1/openapi.json is refused");
    config_define (cfg, "api-key-hashes-file", NULL,
                   "a file of API key hashes, one [name:]hash a line, # starts a comment; read "
                   "besides --api-key-hashes, and keeps them off the command line");
    config_define (cfg, "log-level", "info", "debug, info, warn or error");
    keys_define_options (cfg, "./var/keys");
    topology_define_option (cfg);
}

//  Connects the hub to every service the gateway calls.
static int
s_add_services (hub_t *hub, config_t *cfg, const topology_row_t *row)
{
    for (int i = 0; row->calls[i]; i++) {
        char name[64];
        snprintf (name, sizeof name, "%s-endpoint", row->calls[i]);
        int rc = keys_add_peer (config_get (cfg, name), row->calls[i]);
        if (rc == 0)
            rc = hub_add_service (hub, row->calls[i], config_get (cfg, name));
        if (rc != 0) {
            log_error (NULL, "cannot connect to %s at %s: %s; check --%s", row->calls[i],
                       config_get (cfg, name), rm_strerror (rc), name);
            return rc == RM_ENOMEM ? 1 : 2;
        }
    }
    return 0;
}

//  Reads an integer option within [min, max]; logs the option otherwise.
static int
s_get_int (config_t *cfg, const char *name, int64_t min, int64_t max, int *value)
{
    int64_t v;
    if (config_get_int (cfg, name, &v) != 0)
        return -1;
    if (v < min || v > max) {
        log_error (NULL, "--%s must be between %lld and %lld, not %lld", name, (long long) min,
                   (long long) max, (long long) v);
        return -1;
    }
    *value = (int) v;
    return 0;
}

//  The whole of a PEM file named by option (at most 1 MiB; free it), or
//  NULL when the option is unset. Sets *failed after logging when the file
//  cannot be read.
static char *
s_read_pem (config_t *cfg, const char *option, bool *failed)
{
    const char *path = config_get (cfg, option);
    if (!path || !*path)
        return NULL;
    FILE *file = fopen (path, "rb");
    char *text = file ? (char *) calloc (1, PEM_MAX + 1) : NULL;
    size_t len = text ? fread (text, 1, PEM_MAX + 1, file) : 0;
    if (!text || ferror (file) || len == 0 || len > PEM_MAX) {
        log_error (NULL, "--%s %s: %s", option, path,
                   !file ? strerror (errno) : len > PEM_MAX ? "larger than 1 MiB" : "cannot be read or is empty");
        free (text);
        text = NULL;
        *failed = true;
    }
    if (file)
        fclose (file);
    return text;
}

//  Raises the open-file limit as far as allowed and returns how many
//  HTTP connections fit under it.
static unsigned
s_connection_limit (void)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
        return 1000;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max < CONNECTION_LIMIT_MAX + FD_RESERVE ? rl.rlim_max
                                                                       : CONNECTION_LIMIT_MAX + FD_RESERVE;
        if (want > rl.rlim_cur) {
            rl.rlim_cur = want;
            setrlimit (RLIMIT_NOFILE, &rl);
            getrlimit (RLIMIT_NOFILE, &rl);
        }
    }
    if (rl.rlim_cur <= 2 * FD_RESERVE)
        return FD_RESERVE;
    rlim_t limit = rl.rlim_cur - FD_RESERVE;
    return limit > CONNECTION_LIMIT_MAX ? CONNECTION_LIMIT_MAX : (unsigned) limit;
}

//  Runs the gateway of the topology's row until a stop signal.
static int
s_serve (int argc, char **argv, const topology_t *topo, const topology_row_t *row,
         sigset_t *stop_signals)
{
    config_t *cfg = NULL;
    if (config_new ("gateway", "[options]   (the HTTP/JSON front door of the mesh)", &cfg) != 0)
        return 1;
    s_define (cfg, topo, row);
    int rc = config_load (cfg, argc, argv);
    if (rc != 0) {
        config_destroy (&cfg);
        return rc == 1 ? 0 : 2;
    }
    int level = log_level_parse (config_get (cfg, "log-level"));
    if (level < 0) {
        fprintf (stderr, "gateway: --log-level must be debug, info, warn or error\n");
        config_destroy (&cfg);
        return 2;
    }
    log_init ("gateway", (log_level_t) level);

    http_api_options_t options = {.address = config_get (cfg, "http-address"),
                                  .https_address = config_get (cfg, "https-address"),
                                  .connection_limit = s_connection_limit (),
                                  .services = row->calls};
    int per_ip = 0, per_ip_soft = 0;
    if (s_get_int (cfg, "http-port", 0, 65535, &options.port) != 0
        || s_get_int (cfg, "https-port", 0, 65535, &options.https_port) != 0
        || s_get_int (cfg, "http-threads", 1, 64, &options.threads) != 0
        || s_get_int (cfg, "request-timeout", 10, 600000, &options.request_timeout_ms) != 0
        || s_get_int (cfg, "batch-timeout", 10, 600000, &options.batch_timeout_ms) != 0
        || s_get_int (cfg, "http-request-deadline", 100, 600000, &options.request_deadline_ms) != 0
        || s_get_int (cfg, "http-per-ip-limit", 1, CONNECTION_LIMIT_MAX, &per_ip) != 0
        || s_get_int (cfg, "http-per-ip-soft-limit", 0, CONNECTION_LIMIT_MAX, &per_ip_soft) != 0) {
        config_destroy (&cfg);
        return 2;
    }
    if (per_ip_soft >= per_ip) {
        log_error (NULL, "--http-per-ip-soft-limit (%d) must be below --http-per-ip-limit (%d)", per_ip_soft, per_ip);
        config_destroy (&cfg);
        return 2;
    }
    options.per_ip_limit = (unsigned) per_ip;
    //  at a hard cap of 1 nothing is left between the caps: no 429
    options.per_ip_soft_limit = (unsigned) (per_ip_soft ? per_ip_soft : per_ip / 2);
    //  0 on the command line turns a listener off
    options.port = options.port ? options.port : -1;
    options.https_port = options.https_port ? options.https_port : -1;
    bool failed = false;
    char *tls_cert = s_read_pem (cfg, "tls-cert-file", &failed);
    char *tls_key = s_read_pem (cfg, "tls-key-file", &failed);
    options.tls_cert = tls_cert;
    options.tls_key = tls_key;
    if (!failed && options.port < 0 && options.https_port < 0) {
        log_error (NULL, "--http-port 0 and no --https-port: the gateway would listen nowhere");
        failed = true;
    }
    if (!failed && (tls_cert || tls_key) && options.https_port < 0) {
        log_error (NULL, "--tls-cert-file and --tls-key-file need --https-port");
        failed = true;
    }
    if (failed) {
        free (tls_cert);
        free (tls_key);
        config_destroy (&cfg);
        return 2;
    }
    auth_t *auth = NULL;
    rc = auth_new (config_get (cfg, "api-key-hashes"), config_get (cfg, "api-key-hashes-file"), &auth);
    if (rc != 0) {
        free (tls_cert);
        free (tls_key);
        config_destroy (&cfg);
        return rc == RM_ENOMEM ? 1 : 2;
    }
    if (auth_size (auth) == 0)
        log_warn (NULL, "no --api-key-hashes nor --api-key-hashes-file: every /v1 call except "
                  "/v1/openapi.json will get 401");

    zsys_init ();
    //  One retry per call at most: half the deadline per attempt.
    int attempt_ms = options.request_timeout_ms / 2;
    hub_t *hub = NULL;
    http_api_t *api = NULL;
    rc = hub_new (attempt_ms, &hub) == 0 ? 0 : 1;
    if (rc == 0 && keys_configure (cfg, row->name) != 0)
        rc = 2;
    if (rc == 0)
        rc = s_add_services (hub, cfg, row);
    if (rc == 0 && hub_start (hub) != 0)
        rc = 1;
    if (rc == 0) {
        //  a bad address or a port in use: an option to change
        rc = http_api_new (&options, hub, auth, &api);
        rc = rc == 0 ? 0 : rc == RM_ENOMEM ? 1 : 2;
    }
    if (rc == 0) {
        char plain[96] = "", tls[96] = "";
        if (options.port >= 0)
            snprintf (plain, sizeof plain, " http://%s:%d", options.address, http_api_port (api));
        if (options.https_port >= 0)
            snprintf (tls, sizeof tls, " https://%s:%d",
                      options.https_address ? options.https_address : options.address,
                      http_api_https_port (api));
        log_info (NULL, "gateway %s listening on%s%s (%d threads, request timeout %d ms, "
                  "request deadline %d ms, %u connections per address served, %d at most)", RETAILMESH_VERSION,
                  plain, tls, options.threads, options.request_timeout_ms, options.request_deadline_ms,
                  options.per_ip_soft_limit, per_ip);
        int sig = 0;
        sigwait (stop_signals, &sig);
        log_info (NULL, "gateway: signal %d, stopping", sig);
        int longest = options.batch_timeout_ms > options.request_timeout_ms ? options.batch_timeout_ms
                                                                            : options.request_timeout_ms;
        http_api_drain (api, longest + 1000);
    }
    http_api_destroy (&api);
    hub_destroy (&hub);
    keys_reset ();
    auth_destroy (&auth);
    free (tls_cert);
    if (tls_key)
        explicit_bzero (tls_key, strlen (tls_key));
    free (tls_key);
    config_destroy (&cfg);
    if (rc == 0)
        log_info (NULL, "gateway: stopped");
    return rc;
}

int
main (int argc, char **argv)
{
    //  Every thread started from here on inherits the blocked signals;
    //  only sigwait receives them.
    sigset_t stop_signals;
    sigemptyset (&stop_signals);
    sigaddset (&stop_signals, SIGINT);
    sigaddset (&stop_signals, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &stop_signals, NULL);

    topology_t *topo = NULL;
    int rc = topology_for (argc, argv, &topo);
    if (rc != 0)
        return rc == RM_ENOMEM ? 1 : 2;
    const topology_row_t *row = topology_find (topo, "gateway");
    const route_t *unserved = row ? route_unserved (row->calls) : NULL;
    rc = 2;
    if (!row || !row->http_port)
        fprintf (stderr, "gateway: the topology has no gateway row with an HTTP port "
                 "(see `retailmesh topology`)\n");
    else if (unserved)
        fprintf (stderr, "gateway: %s %s goes to %s, which the gateway's topology row does not "
                 "call (see `retailmesh topology`)\n", unserved->method, unserved->path,
                 unserved->service);
    else
        rc = s_serve (argc, argv, topo, row, &stop_signals);
    topology_destroy (&topo);
    return rc;
}
