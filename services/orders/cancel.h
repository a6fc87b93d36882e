//  cancel — orders.cancel: an order, or with lines some units of its
//  unshipped lines, is cancelled only after fulfillment has cancelled the
//  fulfilments concerned (fulfillment.cancel, sent at once with the
//  caller's deadline; all or nothing there). When fulfillment answers
//  conflict (a fulfilment of the order has shipped, or a line asks more
//  than its unshipped units) the answer is that conflict, naming the
//  shipped fulfilments; when it does not answer, unavailable; nothing
//  changes in either case. Then, in one transaction, the whole order is
//  stored cancelled with orders.order.cancelled (inventory releases its
//  stock), or the lines' cancelled units grow by what fulfillment
//  cancelled, with orders.order.lines_cancelled naming where the units
//  were held (inventory releases them there).
//
//  A crash after fulfillment cancelled and before orders committed leaves
//  the order as it was: the caller retries (fulfillment answers a whole
//  cancel again the same). A partial cancel is applied once per
//  Idempotency-Key, or without one per correlation ID: the cancels
//  database keeps, under the order ID and the SHA-256 of that key, that it
//  was, so a resend answers the order without cancelling more.
#ifndef RM_ORDERS_CANCEL_H
#define RM_ORDERS_CANCEL_H

#include "catalog_fulfillment.h"
#include "orders.h"

//  What a cancel request asks of the order (decoded): 0 when fulfillment
//  is to be asked; 1 when there is nothing to do (the order is cancelled
//  already: the answer is the order, unchanged); RM_EBUSY while the order
//  is still pending; RM_EINVAL with field (a JSON Pointer) and message
//  when a line is not the order's, is named twice or asks more units than
//  it has left.
int orders_cancel_check (const orders_order_t *order, const orders_cancel_request_t *in, char *field,
                         size_t field_size, char *message, size_t message_size);

//  The units fulfillment cancelled, per order line (per_line: the order's
//  lines_count items, zeroed), and as the lines of
//  orders.order.lines_cancelled (added to event, which holds them).
//  Returns 0, RM_EINVAL when the reply names a line the order does not
//  have or of another SKU, or more units than the line has left, or
//  RM_ENOMEM.
int orders_cancel_units (const orders_order_t *order, const fulfillment_cancel_reply_t *reply, int64_t *per_line,
                         orders_lines_cancelled_event_t *event);

//  Adds per_line (one count per line of the order) to the stored order's
//  cancelled units and brings its status in step (tracking.h); the
//  history records the change with reason, cid and caller. The order as
//  now stored goes into order (a packed map). Returns 0, RM_ENOTFOUND,
//  RM_EINVAL when per_line does not fit the order's lines, RM_ENOMEM or
//  RM_ESTORE.
int orders_cancel_lines_apply (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                               const int64_t *per_line, size_t count, const char *reason, const char *cid,
                               const char *caller, msgpack_sbuffer *order);

//  Whether a partial cancel under key (the Idempotency-Key, else the
//  correlation ID) was applied to the order; marking it. Return 0 /
//  1 (seen) or a store error.
int orders_cancel_seen (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *key);
int orders_cancel_mark (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *key);

//  orders.cancel (a service_handler_fn).
int orders_cancel_handle (service_t *svc, request_t *req);

#endif
