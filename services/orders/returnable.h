//  returnable — what of an order may come back, as orders.returnable tells
//  returns before it authorizes a return: per order line the units that
//  shipped, were delivered, were cancelled and were already credited by
//  credit memos (creditmemo.h), and when the line last shipped and was
//  delivered, from orders' read model of fulfillment's events (tracking.h).
#ifndef RM_ORDERS_RETURNABLE_H
#define RM_ORDERS_RETURNABLE_H

#include "catalog_orders.h"
#include "orders.h"

//  Fills out (zeroed; record_free it) from order (decoded) and its known
//  fulfilments: shipped and delivered summed over the fulfilments,
//  cancelled and returned from the order's lines; shipped_at (delivered_at)
//  the latest as_of of the fulfilments with units of the line shipped
//  (delivered), absent when none has. Returns 0 or RM_ENOMEM.
int orders_returnable_of (const orders_order_t *order, const orders_fulfilment_t *fulfilments, size_t count,
                          orders_returnable_t *out);

//  orders.returnable (a service_handler_fn): the order by order_id, or by
//  channel and external_id as orders.find finds it. Answers invalid at
//  /order_id when neither is given (or only one of channel and
//  external_id), not_found for an order orders does not have (or one
//  still pending); store errors are returned.
int orders_returnable_handle (service_t *svc, request_t *req);

#endif
