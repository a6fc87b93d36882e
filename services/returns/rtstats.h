//  rtstats — what returns measures, for sys.health: how many returns are in
//  each status, and for each return refunded the time from its
//  authorization to its first refund, overall, per reason of its lines and
//  per return location. The stats database holds one count per status
//  ("s:<status>") and per group of resolution times ("g:<group>"); the
//  resolution_times database the times (common/percentile.h), in the groups
//  "*" (every return), "r:<reason>" and "l:<return location>", with the
//  return_id as sample ID.
#ifndef RM_RTSTATS_H
#define RM_RTSTATS_H

#include "retrec.h"
#include "retstore.h"

//  Moves a return from status from (NULL for a new return) to status to;
//  nothing when they are equal. Returns 0, RM_EINVAL for a status that is
//  not one, RM_ESTORE when from's count is already 0, or a store error.
int rtstats_status (MDB_txn *txn, const retstore_dbs_t *dbs, const char *from, const char *to);

//  Records the first refund of a return: refunded_at − authorized_at (below
//  0 counts as 0) overall, under its return location and under the reason
//  of each line with units refunded (each reason once). Returns 0, RM_EINVAL for a missing refunded_at, or a store error.
int rtstats_resolved (MDB_txn *txn, const retstore_dbs_t *dbs, const retrec_t *ret);

//  The figures (record_free (returns_health_fields, out) after). Returns 0,
//  RM_ENOMEM or RM_ESTORE.
int rtstats_read (MDB_txn *txn, const retstore_dbs_t *dbs, returns_health_t *out);

//  sys.health's details: rtstats_read packed (service_def_t's health).
int rtstats_health (service_t *svc, MDB_txn *txn, msgpack_packer *pk);

#endif
