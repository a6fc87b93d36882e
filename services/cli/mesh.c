#include "mesh.h"
#include "err.h"
#include "log.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const mesh_service_t mesh_services[MESH_RPC_COUNT] = {
    {"pricing", "tcp://127.0.0.1:7101", "tcp://127.0.0.1:7102"},
    {"inventory", "tcp://127.0.0.1:7201", "tcp://127.0.0.1:7202"},
    {"orders", "tcp://127.0.0.1:7301", "tcp://127.0.0.1:7302"},
};

static const char *s_gateway_help = "Base URL of the gateway.";

static void
s_option_name (const mesh_service_t *svc, char *out, size_t size)
{
    snprintf (out, size, "%s-endpoint", svc->name);
}

static void
s_define_endpoint (config_t *cfg, const mesh_service_t *svc, const char *def)
{
    char name[64], help[128];
    s_option_name (svc, name, sizeof name);
    snprintf (help, sizeof help, "Request (ZeroMQ) endpoint of the %s service.", svc->name);
    config_define (cfg, name, def, help);
}

void
mesh_define_endpoints (config_t *cfg)
{
    config_define (cfg, "var-dir", "./var", "Directory of the mesh's data, API key and endpoints.conf.");
    for (int i = 0; i < MESH_RPC_COUNT; i++)
        s_define_endpoint (cfg, &mesh_services[i], mesh_services[i].rpc);
}

void
mesh_define_gateway_url (config_t *cfg)
{
    config_define (cfg, "gateway-url", MESH_GATEWAY_URL, s_gateway_help);
}

const char *
mesh_endpoint (config_t *cfg, const mesh_service_t *svc)
{
    char name[64];
    s_option_name (svc, name, sizeof name);
    return config_get (cfg, name);
}

//  Makes one recorded value the default of the option it names, if this
//  command has that option.
static void
s_adopt (config_t *cfg, const char *name, const char *value)
{
    for (int i = 0; i < MESH_RPC_COUNT; i++) {
        char option[64];
        s_option_name (&mesh_services[i], option, sizeof option);
        if (strcmp (name, option) == 0 && config_get (cfg, option)) {
            s_define_endpoint (cfg, &mesh_services[i], value);
            return;
        }
    }
    if (strcmp (name, "gateway-url") == 0 && config_get (cfg, "gateway-url"))
        config_define (cfg, "gateway-url", value, s_gateway_help);
}

int
mesh_config_load (config_t *cfg, int argc, char **argv)
{
    int rc = config_load (cfg, argc, argv);
    if (rc != 0)
        return rc;
    const char *var_dir = config_get (cfg, "var-dir");
    if (!var_dir)
        return 0;
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", var_dir, MESH_ENDPOINTS_FILE);
    FILE *file = fopen (path, "r");
    if (!file)
        return 0;
    char line[512];
    while (fgets (line, sizeof line, file)) {
        char name[64], value[400];
        if (line[0] != '#' && sscanf (line, " %63[a-z-] = %399s", name, value) == 2)
            s_adopt (cfg, name, value);
    }
    fclose (file);
    //  again, so flags and variables still win over the recorded values
    return config_load (cfg, argc, argv);
}

int
mesh_write_endpoints (const char *var_dir, const char *const *endpoints,
                      const char *gateway_url)
{
    char path[PATH_MAX], temp[PATH_MAX];
    snprintf (path, sizeof path, "%.4000s/%s", var_dir, MESH_ENDPOINTS_FILE);
    snprintf (temp, sizeof temp, "%.4000s/%s.tmp", var_dir, MESH_ENDPOINTS_FILE);
    FILE *file = fopen (temp, "w");
    if (!file) {
        log_error (NULL, "cannot write %s: %s", temp, strerror (errno));
        return RM_EUNAVAIL;
    }
    fprintf (file, "# Written by `retailmesh up` (pid %d): the endpoints of the mesh it runs.\n",
             (int) getpid ());
    for (int i = 0; i < MESH_RPC_COUNT; i++)
        fprintf (file, "%s-endpoint = %s\n", mesh_services[i].name, endpoints[i]);
    fprintf (file, "gateway-url = %s\n", gateway_url);
    bool failed = ferror (file) != 0;
    failed |= fclose (file) != 0;
    //  rename replaces the file whole, so a reader never sees half of it
    if (failed || rename (temp, path) != 0) {
        log_error (NULL, "cannot write %s: %s", path, strerror (errno));
        unlink (temp);
        return RM_EUNAVAIL;
    }
    return 0;
}
