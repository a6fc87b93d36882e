//  ffstats — what fulfillment measures per location, for sys.health: the
//  fulfilments created there, how many have had an exception, and for each
//  one shipped the time from its stock's allocation (the order's
//  acceptance, or the backorder fill) to its shipment. The stats database
//  holds a record {fulfillments, exceptions, shipped} per location; the
//  ship_times database the shipment times, one percentile.h group per
//  location (its name) with the fulfilment IDs' 16 bytes as sample IDs.
#ifndef RM_FFSTATS_H
#define RM_FFSTATS_H

#include "catalog_fulfillment.h"
#include "ffstore.h"

//  Counts a fulfilment created at location. Returns 0 or a store error.
int ffstats_created (MDB_txn *txn, const ffstore_dbs_t *dbs, const char *location);

//  Counts a fulfilment's first exception. Returns 0 or a store error.
int ffstats_exception (MDB_txn *txn, const ffstore_dbs_t *dbs, const char *location);

//  Records a shipment that took elapsed_ms (below 0 counts as 0) from
//  allocation. Returns 0, RM_EINVAL for a bad ID, or a store error.
int ffstats_shipped (MDB_txn *txn, const ffstore_dbs_t *dbs, const char *location, const char *fulfillment_id,
                     int64_t elapsed_ms);

//  The figures of every location, in location order, and their totals
//  (record_free (fulfillment_health_fields, out) after). Returns 0,
//  RM_ENOMEM or RM_ESTORE.
int ffstats_read (MDB_txn *txn, const ffstore_dbs_t *dbs, fulfillment_health_t *out);

//  sys.health's details: ffstats_read packed (service_def_t's health).
int ffstats_health (service_t *svc, MDB_txn *txn, msgpack_packer *pk);

#endif
