//  tracking — orders' read model of fulfillment's events, from which
//  orders.status answers while fulfillment is down: each fulfilment's
//  last-known state, and the order's status and per-line counts derived
//  from them and kept on the stored order.
//
//  The fulfilments database holds, under the order ID and the fulfilment
//  ID, the fulfilment as an orders_fulfilment record plus "seq", the
//  sequence number of the fulfillment event that set it: an event at or
//  below it (consumer.replay) changes nothing. fulfilment_age indexes the
//  fulfilments still under way by status and as_of ("<status>\0", as_of
//  big-endian, order ID, fulfilment ID), so the stale ones are found
//  without reading every order (stale.h). These functions work on an LMDB
//  transaction.
//
//  The order's status: cancelled once the order (or every unit of it) is
//  cancelled; exception while any fulfilment is in exception; otherwise,
//  over the fulfilments not cancelled, delivered when all are delivered
//  and no unit of the order waits for a fulfilment (a backorder not yet
//  filled), partially_delivered when some are, shipped when all have left
//  and no unit waits, partially_shipped when some have, else accepted.
#ifndef RM_ORDERS_TRACKING_H
#define RM_ORDERS_TRACKING_H

#include "catalog_orders.h"
#include "orders.h"

//  Statuses a fulfilment no longer leaves (never stale).
bool orders_tracking_final (const char *status);

//  The order's status from the order (decoded) and its fulfilments; a
//  pending order stays pending.
const char *orders_tracking_order_status (const orders_order_t *order, const orders_fulfilment_t *fulfilments,
                                          size_t count);

//  Per order line, what shipped, was delivered and fell short over the
//  fulfilments, and what the order cancelled, into lines (order->lines_count
//  items, zeroed).
void orders_tracking_lines (const orders_order_t *order, const orders_fulfilment_t *fulfilments, size_t count,
                            orders_status_line_t *lines);

//  Stores fulfilment, set by event number seq, as the last-known state of
//  one of order_id's fulfilments. *applied is false, and nothing changes,
//  when an event at or after seq set it already. Returns 0, RM_EINVAL when
//  its fulfillment_id is not a UUID, or a store error.
int orders_tracking_put (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                         const orders_fulfilment_t *fulfilment, uint64_t seq, bool *applied);

//  Every fulfilment known of the order, in fulfilment ID order (time
//  order: they are UUIDv7), added to *items (record_free with the record
//  that holds them). Returns 0, RM_ENOMEM or RM_ESTORE.
int orders_tracking_load (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                          orders_fulfilment_t **items, size_t *count);

//  Brings the stored order in step with its fulfilments: its status and
//  each line's shipped and delivered. When the status changes, the
//  history records it with event, cid and caller. *status (may be NULL)
//  gets the status now. Returns 0, RM_ENOTFOUND when there is no such
//  order, RM_ENOMEM or RM_ESTORE.
int orders_tracking_sync (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *event,
                          const char *cid, const char *caller, char status[ORDERS_STATUS_SIZE]);

//  Walks fulfilment_age for status from the oldest as_of up to before
//  (exclusive), calling fn with each fulfilment's order ID, at most max
//  of them. Returns the number walked or RM_ESTORE.
int orders_tracking_older (MDB_txn *txn, const orders_dbs_t *dbs, const char *status, int64_t before, int max,
                           void (*fn) (void *arg, const uint8_t order_id[16]), void *arg);

#endif
