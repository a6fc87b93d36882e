//  retrec — a stored return: the returns_return record (the shape replies
//  and events carry) at RETSTORE_RECORD_V under its return_id in the
//  returns database. Saving one also moves its count per status
//  (rtstats.h) in the same transaction, so the figures never drift from
//  the returns.
#ifndef RM_RETREC_H
#define RM_RETREC_H

#include "catalog_returns.h"
#include "retstore.h"

//  Loads the return (record_free (returns_return_fields, out) after, also
//  after a failure). Returns 0, RM_ENOTFOUND, RM_ESTORE for a record it
//  cannot read, or RM_ENOMEM.
int retrec_load (MDB_txn *txn, const retstore_dbs_t *dbs, const char *return_id, returns_return_t *out);

//  Stores ret under its return_id; was is the status it had when loaded
//  (NULL for a new return). Returns 0, RM_EINVAL for an empty return_id or
//  an unknown status, or a store error.
int retrec_save (MDB_txn *txn, const retstore_dbs_t *dbs, const char *was, const returns_return_t *ret);

#endif
