//  orders — owns orders: validates and accepts submissions from Salesforce
//  and other channels, with prices checked by pricing and stock reserved by
//  inventory, shows on their lines the backorders inventory fills, keeps
//  their status in step with fulfillment's shipments, invoices what
//  shipped, cancels them once fulfillment has, tells returns what of an
//  order may come back and credits what did.
#include "orders.h"
#include "tracking.h"

static const service_def_t s_def = {
    .name = "orders",
    .dbs = orders_dbs,
    .schema_version = ORDERS_SCHEMA_VERSION,
    .migrations = orders_migrations,
    .routes = orders_routes,
    .options = orders_options,
    .on_start = orders_on_start,
    .consumers = orders_consumers,
    .health = orders_tracking_health,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
