//  shipment — units of an order that left a location (a fulfilment
//  shipped: fulfillment.shipment.shipped) and units given back there
//  before they could (the fulfilment's shortfall, a short pick; cancelled
//  lines: orders.order.lines_cancelled). Both come off the order's
//  reservation at the location (reservation.h's settled): shipped units
//  leave on hand and reserved, with a ledger entry of type shipment naming
//  the order and the fulfilment; released units leave reserved only (a
//  short pick's with a ledger entry of type short_pick, quantity_delta 0)
//  and then fill the SKU's backorders, as any stock given back does. A
//  shipment also commits a reservation still held (the order's
//  orders.order.accepted had not reached inventory yet).
//
//  It owns the shipments database: per fulfilment ID (16 bytes) what its
//  shipment settled (inventory_settled_event), so a fulfilment ships once
//  whatever its events repeat.
#ifndef RM_INVENTORY_SHIPMENT_H
#define RM_INVENTORY_SHIPMENT_H

#include "inventory.h"
#include <stdbool.h>
#include <stdint.h>

//  One order line's units at one location.
typedef struct {
    size_t line;                   //  the order line, from 0
    const char *sku;
    const char *location;
    int64_t shipped;               //  units that left
    int64_t released;              //  units to give back (at most what the line still holds there)
} shipment_line_t;

typedef struct {
    uint8_t order_id[16];
    const char *order_text;        //  order_id as text
    const char *fulfillment_id;    //  the fulfilment that shipped; NULL: cancelled lines
    int64_t occurred_at;           //  Unix ms; 0: now
    const shipment_line_t *lines;
    size_t count;
} shipment_t;

//  What shipment_apply found.
typedef struct {
    bool duplicate;                //  the fulfilment shipped before: nothing changed
    bool changed;                  //  units moved
    char message[256];             //  why it was refused
} shipment_outcome_t;

//  Settles in's lines off the order's reservation, all or none, and emits
//  inventory.stock.shipped (a shipment) or inventory.reservation.reduced
//  (cancelled lines) with what it settled. A line releases at most what
//  it still holds at its location after what it shipped: a cancel that
//  crossed the shipment's shortfall on the way (both gave back the same
//  units) gives back only what is left, so reserved never drops twice.
//  A line that ships more than it still holds is refused, with
//  *out->message: the units are no longer the order's (it was cancelled,
//  or shipped already), so taking them off on hand and reserved would
//  drive the figures of other orders' stock wrong; a movement corrects on
//  hand instead. Returns 0 (*out->duplicate when the fulfilment shipped
//  before); RM_ENOTFOUND when the order has no reservation; RM_EINVAL when
//  a line is not the order's (index out of range, another SKU);
//  RM_ECONFLICT when a line ships more than it holds; RM_ENOMEM; RM_ESTORE.
//  Nothing is written before a refusal, so a consumer that rejects the
//  event (consumer.h) commits only its position.
int shipment_apply (service_t *svc, MDB_txn *txn, const char *cid, const shipment_t *in, shipment_outcome_t *out);

//  The consumer of fulfillment's events (consumer_apply_fn, host the
//  service): fulfillment.shipment.shipped, each line's shipped and its
//  shortfall released at the fulfilment's location (shipment_apply).
int shipment_on_fulfillment_event (void *host, MDB_txn *txn, const envelope_t *event);

//  orders.order.lines_cancelled (consumed with orders' other events,
//  inventory.c): each line's units released at its location
//  (shipment_apply).
int shipment_on_lines_cancelled (service_t *svc, MDB_txn *txn, const envelope_t *event);

#endif
