//  fulfillment — owns fulfilments: the work of shipping an accepted order
//  from each location its stock is held at, and the milestones warehouses
//  and carriers report on it.
#include "ffcancel.h"
#include "ffstats.h"
#include "ffstore.h"
#include "intake.h"
#include "listing.h"
#include "milestone.h"

static const service_route_t s_routes[] = {
    {"fulfillment.milestone", milestone_handle},
    {"fulfillment.milestones_batch", milestone_handle_batch},
    {"fulfillment.get", listing_get},
    {"fulfillment.list", listing_list},
    {"fulfillment.by_order", listing_by_order},
    {"fulfillment.cancel", ffcancel_handle},
    {NULL, NULL},
};

static const service_def_t s_def = {
    .name = "fulfillment",
    .dbs = ffstore_dbs,
    .schema_version = FFSTORE_SCHEMA_VERSION,
    .routes = s_routes,
    .consumers = intake_consumers,
    .health = ffstats_health,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
