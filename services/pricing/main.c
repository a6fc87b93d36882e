//  pricing — owns prices: price books (list, channel, account) of dated,
//  tiered entries per SKU, and the quotes and price checks made from them.
#include "pricing.h"

static const service_def_t s_def = {
    .name = "pricing",
    .dbs = pricebook_dbs,
    .schema_version = PRICING_SCHEMA_VERSION,
    .migrations = pricing_migrations,
    .routes = pricing_routes,
    .options = pricing_options,
    .on_start = pricing_start,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
