//  mesh — the services `retailmesh` runs and their default loopback
//  endpoints, and the options that point the command at them. `up` records
//  the endpoints it used in <var-dir>/endpoints.conf; the other commands
//  take that file's values as their defaults, so `status` finds a mesh that
//  was started on other ports without being told again.
#ifndef RM_CLI_MESH_H
#define RM_CLI_MESH_H

#include "config.h"

typedef struct {
    const char *name;            //  "pricing": binary name and option prefix
    const char *rpc;             //  default request endpoint
    const char *pub;             //  default event endpoint
    const char *consumes;        //  the service whose events it applies, or NULL
} mesh_service_t;

enum { MESH_SVC_PRICING, MESH_SVC_INVENTORY, MESH_SVC_ORDERS, MESH_RPC_COUNT };

//  The services that answer over ZeroMQ, in start order.
extern const mesh_service_t mesh_services[MESH_RPC_COUNT];

#define MESH_HTTP_PORT "8080"
#define MESH_GATEWAY_URL "http://127.0.0.1:8080"
#define MESH_ENDPOINTS_FILE "endpoints.conf"

//  Declares --var-dir and --<service>-endpoint for each service.
void mesh_define_endpoints (config_t *cfg);

//  Declares --<service>-pub-endpoint for each service.
void mesh_define_pub_endpoints (config_t *cfg);

//  Declares --gateway-url.
void mesh_define_gateway_url (config_t *cfg);

//  Like config_load, with the values in <var-dir>/endpoints.conf (when it
//  exists) as the defaults of the options declared above.
int mesh_config_load (config_t *cfg, int argc, char **argv);

//  The request endpoint chosen for a service.
const char *mesh_endpoint (config_t *cfg, const mesh_service_t *svc);

//  The event endpoint chosen for a service (needs mesh_define_pub_endpoints).
const char *mesh_pub_endpoint (config_t *cfg, const mesh_service_t *svc);

//  The service of that name, or NULL (also for a NULL name).
const mesh_service_t *mesh_find (const char *name);

//  Records the request and event endpoints cfg holds for every service and
//  the gateway URL in <var_dir>/endpoints.conf. Returns 0 or RM_EUNAVAIL
//  after logging.
int mesh_write_endpoints (const char *var_dir, config_t *cfg, const char *gateway_url);

#endif
