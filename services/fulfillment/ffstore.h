//  ffstore — fulfillment's store: its databases and schema. Fulfilments
//  are keyed by their time-ordered IDs (so key order is creation order);
//  orders holds per order what fulfillment knows of it (its fulfilments,
//  a cancellation received before its acceptance); history and event_ids
//  the milestones received per fulfilment; ship_times and stats what
//  sys.health reports per location; cancels the answers to partial cancels
//  that came with an idempotency key.
#ifndef RM_FFSTORE_H
#define RM_FFSTORE_H

#include "service.h"
#include <lmdb.h>

enum {
    FFSTORE_DB_FULFILLMENTS = 0,
    FFSTORE_DB_ORDERS,
    FFSTORE_DB_HISTORY,
    FFSTORE_DB_EVENT_IDS,
    FFSTORE_DB_SHIP_TIMES,
    FFSTORE_DB_STATS,
    FFSTORE_DB_CANCELS,
};
extern const char *const ffstore_dbs[];

#define FFSTORE_SCHEMA_VERSION 1
#define FFSTORE_RECORD_V 1

typedef struct {
    MDB_dbi fulfillments, orders, history, event_ids, ship_times, stats, cancels;
} ffstore_dbs_t;

ffstore_dbs_t ffstore_dbs_of (service_t *svc);

#endif
