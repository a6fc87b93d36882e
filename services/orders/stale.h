//  stale — when a fulfilment has waited too long for its next milestone:
//  a limit per status it can leave (allocated, picked, packed, shipped,
//  exception), from orders' options --stale-<status> (a duration such as
//  "90m", "24h" or "7d"; a bare number is seconds). A fulfilment is stale
//  once its as_of is older than its status's limit; delivered and
//  cancelled never are. orders.status flags it, sys.health counts the
//  orders that have one (through fulfilment_age, tracking.h).
#ifndef RM_ORDERS_STALE_H
#define RM_ORDERS_STALE_H

#include "orders.h"
#include <stdbool.h>
#include <stdint.h>

#define ORDERS_STALE_STATUSES 5

typedef struct {
    int64_t limit_ms[ORDERS_STALE_STATUSES];   //  in the order of orders_stale_status
} orders_stale_t;

//  The statuses that have a limit, in the order of limit_ms.
extern const char *const orders_stale_status[ORDERS_STALE_STATUSES];

//  The options that set the limits (--stale-allocated ...), with their
//  defaults, for the service's option table.
#define ORDERS_STALE_OPTIONS                                                                          \
    {"stale-allocated", "24h", "a fulfilment not picked within this is stale (s, m, h, d; bare: seconds)"}, \
    {"stale-picked", "24h", "a picked fulfilment not packed within this is stale"},                  \
    {"stale-packed", "24h", "a packed fulfilment not shipped within this is stale"},                 \
    {"stale-shipped", "10d", "a shipped fulfilment not delivered within this is stale"},             \
    {"stale-exception", "48h", "a fulfilment in exception without a further milestone within this is stale"}

//  Reads the limits from the service's options. Returns 0, or RM_EINVAL
//  after logging which option is wrong.
int orders_stale_configure (orders_stale_t *self, config_t *cfg);

//  The limit of status in ms; 0 for a status that is never stale.
int64_t orders_stale_limit (const orders_stale_t *self, const char *status);

//  Whether a fulfilment in status, confirmed at as_of, is stale at now.
bool orders_stale_is (const orders_stale_t *self, const char *status, int64_t as_of, int64_t now);

//  Counts, at now, the orders with a stale fulfilment and those
//  fulfilments, looking at no more than max fulfilments of each status (so
//  sys.health stays quick; *bounded tells that the count stopped there).
//  Returns 0, RM_ENOMEM or RM_ESTORE.
int orders_stale_count (MDB_txn *txn, const orders_dbs_t *dbs, const orders_stale_t *self, int64_t now, int max,
                        int64_t *orders, int64_t *fulfilments, bool *bounded);

#endif
