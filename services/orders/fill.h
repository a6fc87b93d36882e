//  fill — stock inventory found for an order's backordered lines (the event
//  inventory.backorder.filled), applied to the stored order: the line's
//  reservations grow by where the units are now held, its backordered count
//  drops to what is still outstanding, and the order's history records it.
//  The order keeps the sequence number of the last inventory event applied
//  to it (inventory_seq, for internal use), so an event replayed to the
//  consumer changes nothing twice. These functions work on an LMDB
//  transaction.
#ifndef RM_ORDERS_FILL_H
#define RM_ORDERS_FILL_H

#include "catalog_inventory.h"
#include "orders.h"

//  Applies fill, the body of inventory event number seq (cid and caller:
//  the event's), to its order. Returns 0, also when the event was applied
//  already or the order is cancelled (inventory gives its stock back);
//  RM_ENOTFOUND when there is no such order; RM_EINVAL when the order has
//  no such line or the line is of another SKU; RM_EBUSY while the order is
//  still pending (its acceptance would overwrite the fill: try again);
//  RM_ENOMEM; RM_ESTORE when the stored order is unreadable.
int orders_fill_apply (MDB_txn *txn, const orders_dbs_t *dbs, const inventory_backorder_filled_t *fill,
                       uint64_t seq, const char *cid, const char *caller);

//  Applies inventory.backorder.filled (a consumer_apply_fn: host is the
//  service). An order still being submitted answers RM_EBUSY (retried:
//  the fill is applied once it is stored); the rest as orders_fill_apply.
int orders_fill_on_event (void *host, MDB_txn *txn, const envelope_t *event);

#endif
