//  returns — owns returns: the authorization of units of an order to come
//  back, their receipt at a location, and the refund orders' credit memos
//  settle.
#include "retstore.h"
#include "rtstats.h"

static const service_route_t s_routes[] = {
    {NULL, NULL},
};

//  orders' credit memos settle the refunds (their consumer comes with the
//  refund module); until then orders' events only advance the position.
static const consumer_def_t s_consumers[] = {
    {"orders", NULL, NULL},
    {NULL, NULL, NULL},
};

static const service_def_t s_def = {
    .name = "returns",
    .dbs = retstore_dbs,
    .schema_version = RETSTORE_SCHEMA_VERSION,
    .routes = s_routes,
    .consumers = s_consumers,
    .health = rtstats_health,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
