#include "mesh.h"
#include "err.h"
#include "log.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const mesh_service_t mesh_services[MESH_RPC_COUNT] = {
    {"pricing", "tcp://127.0.0.1:7101", "tcp://127.0.0.1:7102", NULL},
    //  inventory releases the stock of cancelled orders
    {"inventory", "tcp://127.0.0.1:7201", "tcp://127.0.0.1:7202", "orders"},
    {"orders", "tcp://127.0.0.1:7301", "tcp://127.0.0.1:7302", NULL},
};

static const char *s_gateway_help = "Base URL of the gateway.";

//  "pricing-endpoint", or with pub "pricing-pub-endpoint"
static void
s_option_name (const mesh_service_t *svc, bool pub, char *out, size_t size)
{
    snprintf (out, size, "%s-%sendpoint", svc->name, pub ? "pub-" : "");
}

static void
s_define_endpoint (config_t *cfg, const mesh_service_t *svc, bool pub, const char *def)
{
    char name[64], help[128];
    s_option_name (svc, pub, name, sizeof name);
    snprintf (help, sizeof help, pub ? "Event (ZeroMQ PUB) endpoint of the %s service."
                                     : "Request (ZeroMQ) endpoint of the %s service.", svc->name);
    config_define (cfg, name, def, help);
}

void
mesh_define_endpoints (config_t *cfg)
{
    config_define (cfg, "var-dir", "./var", "Directory of the mesh's data, API key and endpoints.conf.");
    for (int i = 0; i < MESH_RPC_COUNT; i++)
        s_define_endpoint (cfg, &mesh_services[i], false, mesh_services[i].rpc);
}

void
mesh_define_pub_endpoints (config_t *cfg)
{
    for (int i = 0; i < MESH_RPC_COUNT; i++)
        s_define_endpoint (cfg, &mesh_services[i], true, mesh_services[i].pub);
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
    s_option_name (svc, false, name, sizeof name);
    return config_get (cfg, name);
}

const char *
mesh_pub_endpoint (config_t *cfg, const mesh_service_t *svc)
{
    char name[64];
    s_option_name (svc, true, name, sizeof name);
    return config_get (cfg, name);
}

const mesh_service_t *
mesh_find (const char *name)
{
    for (int i = 0; name && i < MESH_RPC_COUNT; i++)
        if (strcmp (name, mesh_services[i].name) == 0)
            return &mesh_services[i];
    return NULL;
}

//  Makes one recorded value the default of the option it names, if this
//  command has that option.
static void
s_adopt (config_t *cfg, const char *name, const char *value)
{
    for (int i = 0; i < MESH_RPC_COUNT; i++)
        for (int pub = 0; pub < 2; pub++) {
            char option[64];
            s_option_name (&mesh_services[i], pub, option, sizeof option);
            if (strcmp (name, option) == 0 && config_get (cfg, option)) {
                s_define_endpoint (cfg, &mesh_services[i], pub, value);
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
mesh_write_endpoints (const char *var_dir, config_t *cfg, const char *gateway_url)
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
    for (int i = 0; i < MESH_RPC_COUNT; i++) {
        fprintf (file, "%s-endpoint = %s\n", mesh_services[i].name, mesh_endpoint (cfg, &mesh_services[i]));
        fprintf (file, "%s-pub-endpoint = %s\n", mesh_services[i].name,
                 mesh_pub_endpoint (cfg, &mesh_services[i]));
    }
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
