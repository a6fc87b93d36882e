//  inventory — owns stock per SKU per location and the reservations held for orders.
#include "inventory.h"

static const service_def_t s_def = {
    .name = "inventory",
    .dbs = inventory_dbs,
    .schema_version = 1,
    .routes = inventory_routes,
    .consumers = inventory_consumers,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, "tcp://127.0.0.1:7201", "tcp://127.0.0.1:7202", argc, argv);
}
