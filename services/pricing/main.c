//  pricing — owns prices: a unit price per SKU per currency.
#include "pricing.h"

static const service_def_t s_def = {
    .name = "pricing",
    .dbs = pricing_dbs,
    .schema_version = PRICING_SCHEMA_VERSION,
    .migrations = pricing_migrations,
    .routes = pricing_routes,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
