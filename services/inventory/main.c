//  inventory — owns stock per SKU per location and the reservations held for orders.
#include "inventory.h"

static const service_def_t s_def = {
    .name = "inventory",
    .dbs = inventory_dbs,
    .schema_version = INVENTORY_SCHEMA_VERSION,
    .migrations = inventory_migrations,
    .routes = inventory_routes,
    .options = inventory_options,
    .consumers = inventory_consumers,
    .on_start = inventory_start,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
