//  fulfillment — owns fulfilments: the work of shipping an accepted order
//  from each location its stock is held at, and the milestones warehouses
//  and carriers report on it.
#include "ffstore.h"

static const service_route_t s_routes[] = {{NULL, NULL}};

static const service_def_t s_def = {
    .name = "fulfillment",
    .dbs = ffstore_dbs,
    .schema_version = FFSTORE_SCHEMA_VERSION,
    .routes = s_routes,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
