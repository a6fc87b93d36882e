#include "mesh.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static topology_t *s_topology;

int
mesh_use_topology (int argc, char **argv, bool recorded)
{
    char *given = config_peek (argc, argv, "topology");
    char *var_dir = recorded && !given ? config_peek (argc, argv, "var-dir") : NULL;
    char path[PATH_MAX] = "";
    if (recorded && !given)
        snprintf (path, sizeof path, "%.4000s/%s", var_dir ? var_dir : "./var", MESH_TOPOLOGY_FILE);
    free (given);
    free (var_dir);
    topology_t *topo = NULL;
    int rc;
    if (*path) {
        rc = topology_new (&topo);
        if (rc == 0 && access (path, R_OK) == 0)
            rc = topology_load (topo, path);
    }
    else
        rc = topology_for (argc, argv, &topo);
    if (rc == RM_ENOMEM)
        fprintf (stderr, "retailmesh: out of memory\n");
    if (rc != 0) {
        topology_destroy (&topo);
        return rc == RM_ENOMEM ? 1 : 2;
    }
    topology_destroy (&s_topology);
    s_topology = topo;
    return 0;
}

const topology_t *
mesh_topology (void)
{
    if (!s_topology && topology_new (&s_topology) != 0) {
        fprintf (stderr, "retailmesh: out of memory\n");
        abort ();
    }
    return s_topology;
}

size_t
mesh_count (void)
{
    size_t n = 0;
    for (size_t i = 0; i < topology_count (mesh_topology ()); i++)
        n += topology_row (mesh_topology (), i)->rpc != NULL;
    return n;
}

const mesh_service_t *
mesh_service (size_t index)
{
    for (size_t i = 0; i < topology_count (mesh_topology ()); i++) {
        const topology_row_t *row = topology_row (mesh_topology (), i);
        if (row->rpc && index-- == 0)
            return row;
    }
    return NULL;
}

const mesh_service_t *
mesh_gateway (void)
{
    return topology_http_front (mesh_topology ());
}

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
mesh_define_var_dir (config_t *cfg)
{
    config_define (cfg, "var-dir", "./var", "Directory of the mesh's data, API key, topology and "
                   "endpoints.conf.");
}

void
mesh_define_keys (config_t *cfg)
{
    keys_define_options (cfg, NULL);
    config_define (cfg, "key-name", KEYS_OPERATOR, "Whose key pair in --keys-dir this command uses: the operator's, "
                   "or in a service's container (whose keys directory holds only its own pair: keys init --split) "
                   "that service's, which its request socket admits.");
}

void
mesh_keys_dir (config_t *cfg, char *dir, size_t size)
{
    const char *given = config_get (cfg, "keys-dir");
    const char *var_dir = config_get (cfg, "var-dir");
    if (given)
        snprintf (dir, size, "%s", given);
    else
        snprintf (dir, size, "%.4000s/keys", var_dir ? var_dir : "./var");
}

int
mesh_use_keys (config_t *cfg)
{
    if (strcmp (config_get (cfg, "curve"), "false") == 0)
        return 0;
    char dir[PATH_MAX];
    mesh_keys_dir (cfg, dir, sizeof dir);
    const char *name = config_get (cfg, "key-name");
    int rc = keys_use (dir, name);
    if (rc == 0)
        rc = keys_add_topology (mesh_topology ());
    if (rc != 0) {
        fprintf (stderr, "retailmesh: no %s key pair in %s (--keys-dir, --key-name; `retailmesh keys init` or "
                 "`retailmesh up` makes it): %s\n", name, dir, rm_strerror (rc));
        return 2;
    }
    return 0;
}

void
mesh_define_endpoints (config_t *cfg)
{
    mesh_define_var_dir (cfg);
    mesh_define_keys (cfg);
    for (size_t i = 0; i < mesh_count (); i++)
        s_define_endpoint (cfg, mesh_service (i), false, mesh_service (i)->rpc);
}

void
mesh_define_pub_endpoints (config_t *cfg)
{
    for (size_t i = 0; i < mesh_count (); i++)
        s_define_endpoint (cfg, mesh_service (i), true, mesh_service (i)->pub);
}

void
mesh_define_gateway_url (config_t *cfg)
{
    const mesh_service_t *gateway = mesh_gateway ();
    char url[64] = "";
    if (gateway)
        snprintf (url, sizeof url, "http://127.0.0.1:%d", gateway->http_port);
    config_define (cfg, "gateway-url", gateway ? url : NULL, s_gateway_help);
}

//  The endpoint is where the command will connect: its server key goes
//  with it (a failure shows where the connection is made).
static const char *
s_endpoint (config_t *cfg, const mesh_service_t *svc, bool pub)
{
    char name[64];
    s_option_name (svc, pub, name, sizeof name);
    const char *endpoint = config_get (cfg, name);
    if (keys_add_peer (endpoint, svc->name) == RM_ENOMEM) {
        fprintf (stderr, "retailmesh: out of memory\n");
        abort ();
    }
    return endpoint;
}

const char *
mesh_endpoint (config_t *cfg, const mesh_service_t *svc)
{
    return s_endpoint (cfg, svc, false);
}

const char *
mesh_pub_endpoint (config_t *cfg, const mesh_service_t *svc)
{
    return s_endpoint (cfg, svc, true);
}

int
mesh_name_width (void)
{
    size_t width = MESH_NAME_WIDTH_MIN;
    for (size_t i = 0; i < topology_count (mesh_topology ()); i++) {
        size_t len = strlen (topology_row (mesh_topology (), i)->name);
        if (len > width)
            width = len;
    }
    return (int) width;
}

const mesh_service_t *
mesh_find (const char *name)
{
    const mesh_service_t *row = topology_find (mesh_topology (), name);
    return row && row->rpc ? row : NULL;
}

//  Makes one recorded value the default of the option it names, if this
//  command has that option.
static void
s_adopt (config_t *cfg, const char *name, const char *value)
{
    for (size_t i = 0; i < mesh_count (); i++)
        for (int pub = 0; pub < 2; pub++) {
            char option[64];
            s_option_name (mesh_service (i), pub, option, sizeof option);
            if (strcmp (name, option) == 0 && config_get (cfg, option)) {
                s_define_endpoint (cfg, mesh_service (i), pub, value);
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

//  Writes text through a temporary file: rename replaces the file whole,
//  so a reader never sees half of it.
static int
s_write_whole (const char *path, void (*write_fn) (FILE *file, void *arg), void *arg)
{
    char temp[PATH_MAX];
    snprintf (temp, sizeof temp, "%.4000s.tmp", path);
    FILE *file = fopen (temp, "w");
    if (!file) {
        log_error (NULL, "cannot write %s: %s", temp, strerror (errno));
        return RM_EUNAVAIL;
    }
    write_fn (file, arg);
    bool failed = ferror (file) != 0;
    failed |= fclose (file) != 0;
    if (failed || rename (temp, path) != 0) {
        log_error (NULL, "cannot write %s: %s", path, strerror (errno));
        unlink (temp);
        return RM_EUNAVAIL;
    }
    return 0;
}

static void
s_write_topology (FILE *file, void *arg)
{
    (void) arg;
    fprintf (file, "# Written by `retailmesh up` (pid %d): the topology of the mesh it runs.\n",
             (int) getpid ());
    topology_print (mesh_topology (), file);
}

int
mesh_write_topology (const char *var_dir, char *path, size_t size)
{
    snprintf (path, size, "%.4000s/%s", var_dir, MESH_TOPOLOGY_FILE);
    return s_write_whole (path, s_write_topology, NULL);
}

typedef struct {
    config_t *cfg;
    const char *gateway_url;
} s_endpoints_t;

static void
s_write_endpoints (FILE *file, void *arg)
{
    s_endpoints_t *endpoints = (s_endpoints_t *) arg;
    fprintf (file, "# Written by `retailmesh up` (pid %d): the endpoints of the mesh it runs.\n",
             (int) getpid ());
    for (size_t i = 0; i < mesh_count (); i++) {
        fprintf (file, "%s-endpoint = %s\n", mesh_service (i)->name,
                 mesh_endpoint (endpoints->cfg, mesh_service (i)));
        fprintf (file, "%s-pub-endpoint = %s\n", mesh_service (i)->name,
                 mesh_pub_endpoint (endpoints->cfg, mesh_service (i)));
    }
    fprintf (file, "gateway-url = %s\n", endpoints->gateway_url);
}

int
mesh_write_endpoints (const char *var_dir, config_t *cfg, const char *gateway_url)
{
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%.4000s/%s", var_dir, MESH_ENDPOINTS_FILE);
    s_endpoints_t endpoints = {cfg, gateway_url};
    return s_write_whole (path, s_write_endpoints, &endpoints);
}
