//  mesh — the services `retailmesh` runs, from the topology (topology.h),
//  and the options that point the command at them. `up` records
//  the endpoints it used in <var-dir>/endpoints.conf; the other commands
//  take that file's values as their defaults, so `status` finds a mesh that
//  was started on other ports without being told again.
#ifndef RM_CLI_MESH_H
#define RM_CLI_MESH_H

#include "config.h"
#include "topology.h"
#include <stdbool.h>
#include <stddef.h>

//  A service of the mesh: its row of the topology.
typedef topology_row_t mesh_service_t;

#define MESH_ENDPOINTS_FILE "endpoints.conf"

#define MESH_TOPOLOGY_FILE "topology"

//  Makes the table the topology option names (see topology_for) the
//  active one; without that option and with recorded, the table `retailmesh
//  up` recorded in <var-dir>/topology. Returns 0, or the exit code after
//  printing what is wrong (2; 1 when out of memory).
int mesh_use_topology (int argc, char **argv, bool recorded);

//  Records the active table in <var_dir>/topology, for the services `up`
//  starts and the commands run later, and puts that path in path. Returns
//  0 or RM_EUNAVAIL after logging.
int mesh_write_topology (const char *var_dir, char *path, size_t size);

//  The active topology: the built-in one until mesh_use_topology.
const topology_t *mesh_topology (void);

//  The services that answer over ZeroMQ, in table (start) order.
size_t mesh_count (void);
const mesh_service_t *mesh_service (size_t i);

//  The HTTP front of the mesh (the gateway's row), or NULL.
const mesh_service_t *mesh_gateway (void);

//  Declares --keys-dir (default <var-dir>/keys), --curve and --key-name.
void mesh_define_keys (config_t *cfg);

//  Takes the --key-name (the operator's) key pair from the keys directory and records each
//  row's server key, so runbook commands are admitted (keys.h). With
//  --curve=false, does nothing. Returns 0, or 2 after printing what is
//  missing.
int mesh_use_keys (config_t *cfg);

//  The keys directory of this command: --keys-dir, else <var-dir>/keys.
void mesh_keys_dir (config_t *cfg, char *dir, size_t size);

//  Declares --var-dir.
void mesh_define_var_dir (config_t *cfg);

//  Declares --var-dir and --<service>-endpoint for each service.
void mesh_define_endpoints (config_t *cfg);

//  Declares --<service>-pub-endpoint for each service.
void mesh_define_pub_endpoints (config_t *cfg);

//  Declares --gateway-url, by default the gateway's port on 127.0.0.1.
void mesh_define_gateway_url (config_t *cfg);

//  Like config_load, with the values in <var-dir>/endpoints.conf (when it
//  exists) as the defaults of the options declared above.
int mesh_config_load (config_t *cfg, int argc, char **argv);

//  The request endpoint chosen for a service.
const char *mesh_endpoint (config_t *cfg, const mesh_service_t *svc);

//  The event endpoint chosen for a service (needs mesh_define_pub_endpoints).
const char *mesh_pub_endpoint (config_t *cfg, const mesh_service_t *svc);

//  The width of a column of service names: the longest name of the active
//  table (the gateway's too), at least MESH_NAME_WIDTH_MIN.
#define MESH_NAME_WIDTH_MIN 10
int mesh_name_width (void);

//  The service of that name that answers over ZeroMQ, or NULL (also for
//  a NULL name).
const mesh_service_t *mesh_find (const char *name);

//  Records the request and event endpoints cfg holds for every service and
//  the gateway URL in <var_dir>/endpoints.conf. Returns 0 or RM_EUNAVAIL
//  after logging.
int mesh_write_endpoints (const char *var_dir, config_t *cfg, const char *gateway_url);

#endif
