#include "status.h"
#include "command.h"
#include "mesh.h"
#include "pidfile.h"
#include "probe.h"
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define S_ROW_FORMAT "%-*s %-30s %-9s %-9s %-8s %-10s %-26s %-8s %-8s %s\n"

static void
s_format_uptime (int64_t s, char *out, size_t size)
{
    if (s < 0)
        snprintf (out, size, "-");
    else if (s < 60)
        snprintf (out, size, "%" PRId64 "s", s);
    else if (s < 3600)
        snprintf (out, size, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    else if (s < 86400)
        snprintf (out, size, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
    else
        snprintf (out, size, "%" PRId64 "d%02" PRId64 "h", s / 86400, s / 3600 % 24);
}

static void
s_format_bytes (int64_t bytes, char *out, size_t size)
{
    static const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 0) {
        snprintf (out, size, "-");
        return;
    }
    if (bytes < 1024) {
        snprintf (out, size, "%" PRId64 " B", bytes);
        return;
    }
    //  tenths of a unit, in integers
    int unit = 0;
    int64_t tenths = bytes * 10 / 1024;
    while (tenths >= 10240 && unit < 3) {
        tenths /= 1024;
        unit++;
    }
    snprintf (out, size, "%" PRId64 ".%" PRId64 " %s", tenths / 10, tenths % 10, units[unit]);
}

//  Probes endpoint (probe_url when not NULL) and prints one table row.
static bool
s_print_row (const char *name, const char *endpoint, const char *probe_url, int timeout_ms)
{
    probe_t probe;
    probe_any (probe_url ? probe_url : endpoint, timeout_ms, &probe);
    char uptime[32], store[32], map[32], max[32], fill[100] = "-";
    s_format_uptime (probe.uptime_s, uptime, sizeof uptime);
    s_format_bytes (probe.store_bytes, store, sizeof store);
    if (probe.map_size > 0) {
        s_format_bytes (probe.map_size, map, sizeof map);
        s_format_bytes (probe.map_size_max, max, sizeof max);
        snprintf (fill, sizeof fill, "%" PRId64 "%% of %s (max %s)", probe.store_bytes * 100 / probe.map_size, map,
                  max);
    }
    char refused[24] = "-", disconnects[24] = "-";
    if (probe.refused >= 0)
        snprintf (refused, sizeof refused, "%" PRId64, probe.refused);
    if (probe.disconnects >= 0)
        snprintf (disconnects, sizeof disconnects, "%" PRId64, probe.disconnects);
    bool serving = probe.up && probe.ready;
    const char *note = !probe.up ? probe.error : !probe.ready ? probe.reason : "";
    printf (S_ROW_FORMAT, mesh_name_width (), name, endpoint,
            !probe.up ? "down" : probe.ready ? "up" : "not-ready", *probe.version ? probe.version : "-", uptime,
            store, fill, refused, disconnects, note);
    return serving;
}

int
status_main (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], "[options]\n\n"
        "Asks every service whether it is up (sys.health; GET /healthz for the gateway)\n"
        "and prints one line per service: its status (up, down, or not-ready with the\n"
        "reason, e.g. a full store), the store's size and how full its map is, and\n"
        "its sockets' refused handshakes (no CURVE key, a key not allowed) and\n"
        "disconnects (clients that left, or were dropped for a message over\n"
        "--max-message-size). Exits 1\n"
        "when any is down or not ready. Endpoints default to those `retailmesh up`\n"
        "recorded in --var-dir.", "1000", &cfg) != 0)
        return 1;
    mesh_define_endpoints (cfg);
    mesh_define_gateway_url (cfg);
    int timeout_ms;
    int code = command_load (cfg, argc, argv, true, 0, 0, &timeout_ms);
    if (code == COMMAND_GO_ON) {
        const char *var_dir = config_get (cfg, "var-dir");
        char path[PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", var_dir, PIDFILE_NAME);
        pid_t supervisor = pidfile_holder (path);
        if (supervisor)
            printf ("retailmesh up: running (pid %d) on %s\n\n", (int) supervisor, var_dir);
        else
            printf ("retailmesh up: not running on %s\n\n", var_dir);
        printf (S_ROW_FORMAT, mesh_name_width (), "SERVICE", "ENDPOINT", "STATUS", "VERSION", "UPTIME", "STORE", "FILL", "REFUSED", "DISCONN", "NOTE");
        bool all_up = true;
        for (size_t i = 0; i < mesh_count (); i++)
            all_up &= s_print_row (mesh_service (i)->name,
                                   mesh_endpoint (cfg, mesh_service (i)), NULL, timeout_ms);
        const char *gateway = config_get (cfg, "gateway-url");
        if (mesh_gateway () && gateway) {
            char url[PATH_MAX];
            snprintf (url, sizeof url, "%s/healthz", gateway);
            all_up &= s_print_row (mesh_gateway ()->name, gateway, url, timeout_ms);
        }
        code = all_up ? 0 : 1;
    }
    config_destroy (&cfg);
    return code;
}

int
health_main (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], "ENDPOINT [options]\n\n"
        "Asks one service whether it is up: sys.health for a ZeroMQ endpoint\n"
        "(tcp://127.0.0.1:7101), GET for an http:// URL (a URL without a path gets\n"
        "/healthz). Exits 0 when it answers, 1 otherwise: a container health check.", "2000", &cfg) != 0)
        return 1;
    int timeout_ms;
    mesh_define_var_dir (cfg);
    mesh_define_keys (cfg);
    int code = command_load (cfg, argc, argv, false, 1, 1, &timeout_ms);
    if (code == COMMAND_GO_ON && strncmp (config_arg (cfg, 0), "http", 4) != 0)
        code = mesh_use_keys (cfg) == 0 ? COMMAND_GO_ON : 2;
    if (code == COMMAND_GO_ON) {
        char endpoint[PATH_MAX];
        const char *given = config_arg (cfg, 0);
        const char *host = strstr (given, "://");
        bool bare_url = strncmp (given, "http", 4) == 0 && host && !strchr (host + 3, '/');
        snprintf (endpoint, sizeof endpoint, "%s%s", given, bare_url ? "/healthz" : "");
        probe_t probe;
        if (probe_any (endpoint, timeout_ms, &probe) == 0) {
            char uptime[32];
            s_format_uptime (probe.uptime_s, uptime, sizeof uptime);
            if (*probe.service)
                printf ("%s is up: %s %s, uptime %s\n", endpoint, probe.service,
                        probe.version, uptime);
            else
                printf ("%s is up\n", endpoint);
            code = 0;
        }
        else {
            fprintf (stderr, "%s is down: %s\n", endpoint, probe.error);
            code = 1;
        }
    }
    config_destroy (&cfg);
    return code;
}
