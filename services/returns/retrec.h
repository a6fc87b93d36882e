//  retrec — one return as returns stores it: the record replies and events
//  carry (catalog_returns.h), at RETSTORE_RECORD_V under its return_id,
//  with its by_order entry; and what an order's returns hold of its lines.
#ifndef RM_RETREC_H
#define RM_RETREC_H

#include "catalog_returns.h"
#include "retstore.h"

//  Every field a return is read into or packed from, whichever list
//  (stored and public, authorize's, cancel's, receive's reply) is used.
#define RETREC_MEMBERS(X, T) \
    RETURNS_RETURN_FIELDS (X, T) X (T, BOOL, created, "") X (T, BOOL, changed, "") X (T, BOOL, applied, "")

typedef struct {
    RETREC_MEMBERS (RECORD_MEMBER, void)
} retrec_t;

extern const field_spec_t retrec_fields[];
extern const field_spec_t retrec_authorize_reply_fields[];
extern const field_spec_t retrec_cancel_reply_fields[];
extern const field_spec_t retrec_receive_reply_fields[];

//  Loads the return with this ID into *out (zeroed here; retrec_free it,
//  also after a failure). Returns 0, RM_ENOTFOUND, RM_ENOMEM, or RM_ESTORE
//  when the stored record is unreadable.
int retrec_load (MDB_txn *txn, const retstore_dbs_t *dbs, const char *return_id, retrec_t *out);

//  Stores it under its return_id. Returns 0, RM_EINVAL when the ID cannot
//  be a key, or a store error (RM_ENOMEM when the map is full).
int retrec_save (MDB_txn *txn, const retstore_dbs_t *dbs, const retrec_t *self);

//  Stores a new return and its by_order entry. Returns what retrec_save
//  returns, RM_EINVAL also for an order_id that is not a UUID.
int retrec_create (MDB_txn *txn, const retstore_dbs_t *dbs, const retrec_t *self);

void retrec_free (retrec_t *self);

//  Emits the event type with the return as its body, for caller (the
//  request's, kept by a deferred handler). Only inside a service_write.
void retrec_emit (service_t *svc, const retrec_t *self, const char *type, const char *cid, const char *caller);

//  Whether a return in status holds units of its order's lines (they may
//  not be authorized again): authorized, received, refunded or closed.
bool retrec_commits (const char *status);

//  Calls fn (arg, return) for each of the order's returns, oldest first,
//  stopping at the first non-zero return, which it returns. Returns 0,
//  RM_EINVAL for an order_id that is not a UUID, RM_ENOMEM or RM_ESTORE.
typedef int (retrec_each_fn) (void *arg, const retrec_t *ret);
int retrec_each_of_order (MDB_txn *txn, const retstore_dbs_t *dbs, const char *order_id, retrec_each_fn *fn,
                          void *arg);

//  Adds to committed[line] (CATALOG_MAX_LINES entries) the units of each
//  order line its returns that commit (retrec_commits) hold: what they
//  authorized, or for a closed one what it received (the rest is no longer
//  expected and may be authorized again), and *returns how many returns
//  of any status the order has. Returns what retrec_each_of_order returns.
int retrec_committed (MDB_txn *txn, const retstore_dbs_t *dbs, const char *order_id, int64_t *committed,
                      size_t *returns);

#endif
