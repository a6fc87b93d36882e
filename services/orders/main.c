//  orders — owns orders: validates and accepts submissions from Salesforce
//  and other channels, with prices checked by pricing and stock reserved by
//  inventory, and shows on their lines the backorders inventory fills.
#include "fill.h"
#include "orders.h"

static const service_def_t s_def = {
    .name = "orders",
    .dbs = orders_dbs,
    .schema_version = ORDERS_SCHEMA_VERSION,
    .migrations = orders_migrations,
    .routes = orders_routes,
    .on_start = orders_start,
    .consumers = orders_consumers,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
