#include "ffstore.h"

const char *const ffstore_dbs[] = {"fulfillments", "orders", "history", "event_ids", "ship_times", "stats", "cancels",
                                      NULL};

ffstore_dbs_t
ffstore_dbs_of (service_t *svc)
{
    return (ffstore_dbs_t) {service_dbi (svc, FFSTORE_DB_FULFILLMENTS), service_dbi (svc, FFSTORE_DB_ORDERS),
                            service_dbi (svc, FFSTORE_DB_HISTORY), service_dbi (svc, FFSTORE_DB_EVENT_IDS),
                            service_dbi (svc, FFSTORE_DB_SHIP_TIMES), service_dbi (svc, FFSTORE_DB_STATS),
                            service_dbi (svc, FFSTORE_DB_CANCELS)};
}
