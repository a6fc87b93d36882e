//  returns — owns returns: the authorization of units of an order to come
//  back, their receipt at a location, and the refund orders' credit memos
//  settle.
#include "authorize.h"
#include "credit.h"
#include "expiry.h"
#include "receipt.h"
#include "retcancel.h"
#include "retget.h"
#include "retopts.h"
#include "retstore.h"
#include "rtstats.h"

static const service_route_t s_routes[] = {
    {"returns.authorize", authorize_handle},
    {"returns.get", retget_get},
    {"returns.by_order", retget_handle_by_order},
    {"returns.receive", receipt_handle},
    {"returns.cancel", retcancel_handle},
    {NULL, NULL},
};

static const service_option_t s_options[] = {
    RETOPTS_OPTIONS,
    {NULL, NULL, NULL},
};

static int
s_start (service_t *svc)
{
    static retopts_t opts;
    int rc = retopts_configure (&opts, service_config (svc));
    if (rc == 0)
        service_set_state (svc, &opts);
    return rc;
}

static const service_def_t s_def = {
    .name = "returns",
    .dbs = retstore_dbs,
    .schema_version = RETSTORE_SCHEMA_VERSION,
    .routes = s_routes,
    .options = s_options,
    .on_start = s_start,
    .consumers = credit_consumers,
    .timers = expiry_timers,
    .health = rtstats_health,
};

int
main (int argc, char **argv)
{
    return service_main (&s_def, argc, argv);
}
