//  gateway — the HTTP/JSON front door of the mesh. Wiring only: options,
//  the hub (ZeroMQ side), the HTTP server, and a clean stop on SIGINT or
//  SIGTERM.
#include "auth.h"
#include "config.h"
#include "err.h"
#include "http_api.h"
#include "hub.h"
#include "log.h"
#include <czmq.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

//  Descriptors left for ZeroMQ, logs and the store of a co-located tool.
#define FD_RESERVE 64
#define CONNECTION_LIMIT_MAX 10000

static void
s_define (config_t *cfg)
{
    config_define (cfg, "http-address", "127.0.0.1", "numeric IP address to listen on for HTTP");
    config_define (cfg, "http-port", "8080", "TCP port to listen on for HTTP");
    config_define (cfg, "http-threads", "2", "HTTP worker threads");
    config_define (cfg, "orders-endpoint", "tcp://127.0.0.1:7301", "orders service ZeroMQ endpoint");
    config_define (cfg, "pricing-endpoint", "tcp://127.0.0.1:7101", "pricing service ZeroMQ endpoint");
    config_define (cfg, "inventory-endpoint", "tcp://127.0.0.1:7201", "inventory service ZeroMQ endpoint");
    config_define (cfg, "request-timeout", "5000",
                   "milliseconds to wait for a service's answer before replying 503");
    config_define (cfg, "api-key-hashes", NULL,
                   "comma-separated lower-case SHA-256 hex digests of the valid API keys "
                   "(printf %s KEY | sha256sum); without any, every /v1 call except "
                   "/v1/openapi.json is refused");
    config_define (cfg, "log-level", "info", "debug, info, warn or error");
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

int
main (int argc, char **argv)
{
    //  Every thread started from here on inherits the blocked signals;
    //  only sigwait below receives them.
    sigset_t stop_signals;
    sigemptyset (&stop_signals);
    sigaddset (&stop_signals, SIGINT);
    sigaddset (&stop_signals, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &stop_signals, NULL);

    config_t *cfg = NULL;
    if (config_new ("gateway", "[options]   (the HTTP/JSON front door of the mesh)", &cfg) != 0)
        return 1;
    s_define (cfg);
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
                                  .connection_limit = s_connection_limit ()};
    if (s_get_int (cfg, "http-port", 0, 65535, &options.port) != 0
        || s_get_int (cfg, "http-threads", 1, 64, &options.threads) != 0
        || s_get_int (cfg, "request-timeout", 10, 600000, &options.request_timeout_ms) != 0) {
        config_destroy (&cfg);
        return 2;
    }
    auth_t *auth = NULL;
    rc = auth_new (config_get (cfg, "api-key-hashes"), &auth);
    if (rc != 0) {
        config_destroy (&cfg);
        return rc == RM_EINVAL ? 2 : 1;
    }
    if (auth_size (auth) == 0)
        log_warn (NULL, "no --api-key-hashes: every /v1 call except /v1/openapi.json will get 401");

    zsys_init ();
    //  One retry per call at most: half the deadline per attempt.
    int attempt_ms = options.request_timeout_ms / 2;
    hub_t *hub = NULL;
    http_api_t *api = NULL;
    rc = hub_new (attempt_ms, &hub) == 0 ? 0 : 1;
    if (rc == 0
        && (hub_add_service (hub, "orders", config_get (cfg, "orders-endpoint")) != 0
            || hub_add_service (hub, "pricing", config_get (cfg, "pricing-endpoint")) != 0
            || hub_add_service (hub, "inventory", config_get (cfg, "inventory-endpoint")) != 0)) {
        log_error (NULL, "check --orders-endpoint, --pricing-endpoint and --inventory-endpoint");
        rc = 2;
    }
    if (rc == 0 && hub_start (hub) != 0)
        rc = 1;
    if (rc == 0) {
        //  a bad address or a port in use: an option to change
        rc = http_api_new (&options, hub, auth, &api);
        rc = rc == 0 ? 0 : rc == RM_ENOMEM ? 1 : 2;
    }
    if (rc == 0) {
        log_info (NULL, "gateway %s listening on http://%s:%d (%d threads, request timeout %d ms)",
                  RETAILMESH_VERSION, options.address, http_api_port (api), options.threads,
                  options.request_timeout_ms);
        int sig = 0;
        sigwait (&stop_signals, &sig);
        log_info (NULL, "gateway: signal %d, stopping", sig);
        http_api_drain (api, options.request_timeout_ms + 1000);
    }
    http_api_destroy (&api);
    hub_destroy (&hub);
    auth_destroy (&auth);
    config_destroy (&cfg);
    if (rc == 0)
        log_info (NULL, "gateway: stopped");
    return rc;
}
