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
//  cancelled; exception while any fulfilment is in exception; otherwise
//  counted in units and over the fulfilments that have left (shipped or
//  delivered): shipped when every unit the order still wants (less what
//  it cancelled) has left or fell short in them, so none waits for a
//  fulfilment (a backorder not yet filled) or in one still open;
//  delivered when, besides, all of them are delivered; partially_delivered
//  when some are; partially_shipped when some have left; else accepted.
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

//  Applies one of fulfillment's events (fulfillment.order.created,
//  fulfillment.shipment.*, fulfillment.order.cancelled: each carries the
//  fulfilment) to the read model and the order; when the fulfilment has
//  left, issues its invoice (invoice.h) and emits orders.invoice.created.
//  A consumer_apply_fn: host is the service. RM_EINVAL for a body that is
//  not a fulfilment, RM_ENOTFOUND for an order orders does not have (both
//  rejected, not retried); store errors are retried.
int orders_tracking_on_event (void *host, MDB_txn *txn, const envelope_t *event);

//  Reads the stale limits (stale.h) from the service's options, at start.
//  Returns 0 or RM_EINVAL (logged).
int orders_tracking_start (service_t *svc);

//  orders.status (a service_handler_fn): the order's status and lines,
//  each fulfilment's last-known state with stale, the newest as_of, and
//  lag_seconds from the fulfillment consumer (consumer_caught_up_at).
//  Answers from the store alone, so also while fulfillment is down.
int orders_tracking_handle_status (service_t *svc, request_t *req);

//  orders' figures for sys.health (orders_health): the stale orders and
//  fulfilments, and lag_seconds. Returns 0, RM_ENOMEM or RM_ESTORE.
int orders_tracking_health (service_t *svc, MDB_txn *txn, msgpack_packer *pk);

#endif
