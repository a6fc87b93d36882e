//  intake — fulfilments made from the events fulfillment consumes: an
//  accepted order (orders.order.accepted) becomes one fulfilment per
//  location its stock is held at; a backorder fill (inventory.backorder.
//  filled) one more per location the fill allocated. Each is stored
//  allocated, counted at its location and published as
//  fulfillment.order.created, in the consumer's transaction. Backordered
//  units create nothing until they are filled. An order cancelled before
//  its acceptance arrived creates nothing.
#ifndef RM_INTAKE_H
#define RM_INTAKE_H

#include "catalog_fulfillment.h"
#include "ffstore.h"

//  Makes the fulfilments of an accepted order. Returns 0, also when the
//  acceptance was applied before or the order was cancelled first;
//  RM_EINVAL for an order ID that is not a UUID; RM_ECONFLICT when it would
//  have more than FULFILLMENT_PER_ORDER_MAX; RM_ENOMEM, RM_ESTORE.
int intake_order (service_t *svc, MDB_txn *txn, const orders_order_t *order, const char *cid);

//  Makes the fulfilments of a backorder fill, inventory event number seq
//  (at time_ms). Returns 0, also when that event was applied before or the
//  order is cancelled; RM_EBUSY while the order's acceptance has not been
//  applied (it comes from another source: try again); RM_EINVAL,
//  RM_ECONFLICT, RM_ENOMEM, RM_ESTORE as intake_order.
int intake_fill (service_t *svc, MDB_txn *txn, const inventory_backorder_filled_t *fill, uint64_t seq,
                 int64_t time_ms, const char *cid);

//  The events fulfillment consumes: orders' and inventory's.
extern const consumer_def_t intake_consumers[];

#endif
