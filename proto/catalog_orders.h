//  catalog_orders — orders' messages, each body described once: the record
//  lists below give the catalogue's field lists (catalog_orders.c) and the
//  structs orders' handlers decode requests into.
#ifndef RM_CATALOG_ORDERS_H
#define RM_CATALOG_ORDERS_H

#include "catalog_shared.h"

#define R_EXTERNAL_ID(X, T, d) X (T, STR, external_id, true, FC_REF, 128, d)
#define R_CHANNEL(X, T, req, d) X (T, STR, channel, req, FC_IDENT, 32, d)
#define R_ACCOUNT_ID(X, T) X (T, STR, account_id, true, FC_REF, 128, "customer account")
#define R_SHIP_TO(X, T) \
    X (T, STRMAP, ship_to, CATALOG_MAX_SHIP_TO, 256, "delivery address, e.g. name, street, city, postal_code, country")

#define R_ALLOW_BACKORDER(X, T, d) X (T, OPTBOOL, allow_backorder, d)
#define R_ORDER_HOLD(X, T) R_HOLD_ID (X, T, false, "a hold (POST /v1/holds) whose stock the order takes over")

#define R_UNITS(X, T, n, req, d) X (T, INT, n, req, 0, CATALOG_MAX_QUANTITY, d)
#define R_ORDER_LINE(X, T) X (T, INT, line, true, 0, CATALOG_MAX_LINES - 1, "the order line's index, from 0")
#define R_FULFILLMENT_REF(X, T) \
    X (T, STR, fulfillment_id, true, FC_UUID, UUID_STR_LEN, "the fulfilment (fulfillment service) it concerns")
#define R_INVOICE_NUMBER(X, T) \
    X (T, STR, invoice_number, true, FC_IDENT, 40, "INV-<currency>-<number>: gap-free per currency")

//  An order's status, and what its fulfilments may be
#define ORDERS_STATUS_DOC                                                                              \
    "pending, accepted, partially_shipped, shipped, partially_delivered, delivered, exception (while a " \
    "fulfilment is in exception) or cancelled"
#define R_ORDER_STATUS(X, T) X (T, STR, status, true, FC_IDENT, 24, ORDERS_STATUS_DOC)

//  orders.submit
#define ORDERS_SUBMIT_LINE(X, T) \
    CATALOG_QUOTED_LINE (X, T)   \
    R_ALLOW_BACKORDER (X, T, "accept the line when stock is short: what is missing is backordered")
RECORD_STRUCT (orders_submit_line, ORDERS_SUBMIT_LINE)

#define ORDERS_SUBMIT_REQUEST(X, T)                                                                    \
    R_EXTERNAL_ID (X, T, "the client's order reference; resubmitting it returns the same order")       \
    R_CHANNEL (X, T, false, "sales channel (web, store...); absent means the orders service's default") \
    R_ACCOUNT_ID (X, T) R_CURRENCY (X, T)                                                              \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, orders_submit_line, "what to order, at quoted prices")    \
    R_SHIP_TO (X, T) R_ORDER_HOLD (X, T) R_SHIP_FROM (X, T)                                            \
    R_ALLOW_BACKORDER (X, T, "accept every line when stock is short: what is missing is backordered")
RECORD_STRUCT (orders_submit_request, ORDERS_SUBMIT_REQUEST)

//  An order, as replies and events carry it
#define ORDERS_LINE(X, T)                                                             \
    R_SKU (X, T) R_QUANTITY (X, T) R_UNIT_PRICE (X, T, "price per unit, minor units") \
    R_AMOUNT (X, T, extended_price, "unit_price * quantity")                          \
    X (T, MAPS, reservations, 0, CATALOG_MAX_LOCATIONS, catalog_allocation, "stock held for the line") \
    X (T, INT, backordered, false, 0, CATALOG_MAX_QUANTITY,                           \
       "units still awaited (the line was backordered); absent when it never was")    \
    R_UNITS (X, T, shipped, false, "units that left a location (fulfillment's shipments)") \
    R_UNITS (X, T, delivered, false, "units delivered to the customer")              \
    R_UNITS (X, T, cancelled, false, "units cancelled by a partial cancel; absent when none were") \
    R_UNITS (X, T, returned, false, "units credited by credit memos (returns); absent when none were")
RECORD_STRUCT (orders_line, ORDERS_LINE)

#define ORDERS_ORDER_FIELDS(X, T)                                                             \
    R_ORDER_ID (X, T) R_EXTERNAL_ID (X, T, "the client's order reference")                    \
    R_CHANNEL (X, T, true, "sales channel") R_ACCOUNT_ID (X, T)                               \
    R_ORDER_STATUS (X, T) R_CURRENCY (X, T)                                                   \
    R_AMOUNT (X, T, total, "sum of extended_price, minor units")                              \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, orders_line, "the order lines") R_SHIP_TO (X, T) \
    R_ORDER_HOLD (X, T) R_SHIP_FROM (X, T)                                                    \
    X (T, TIME, created_at, true, "when the order was created, Unix ms")                      \
    X (T, TIME, cancelled_at, false, "when the order was cancelled, Unix ms")                 \
    X (T, STR, cancel_reason, false, FC_NONE, 256, "why the order was cancelled")

#define ORDERS_ORDER(X, T) ORDERS_ORDER_FIELDS (X, T)
RECORD_STRUCT (orders_order, ORDERS_ORDER)

#define ORDERS_SUBMITTED_ORDER(X, T) \
    ORDERS_ORDER_FIELDS (X, T) X (T, BOOL, created, "false when an earlier submission made the order")
RECORD_STRUCT (orders_submitted_order, ORDERS_SUBMITTED_ORDER)

//  orders.get, orders.history
#define ORDERS_GET_REQUEST(X, T) R_ORDER_ID (X, T)
RECORD_STRUCT (orders_get_request, ORDERS_GET_REQUEST)

//  orders.cancel, and the events orders.order.cancelled and
//  orders.order.lines_cancelled
#define ORDERS_CANCEL_LINE(X, T) R_ORDER_LINE (X, T) R_QUANTITY (X, T)
RECORD_STRUCT (orders_cancel_line, ORDERS_CANCEL_LINE)

#define ORDERS_CANCEL_REQUEST(X, T)                                                      \
    R_ORDER_ID (X, T) X (T, STR, reason, false, FC_NONE, 256, "why the order is cancelled") \
    X (T, OPTMAPS, lines, 1, CATALOG_MAX_LINES, orders_cancel_line,                      \
       "cancel only these units of unshipped lines; absent: the whole order")
RECORD_STRUCT (orders_cancel_request, ORDERS_CANCEL_REQUEST)

#define ORDERS_CANCELLED_ORDER(X, T) \
    ORDERS_ORDER_FIELDS (X, T) X (T, BOOL, changed, "false when the order was already cancelled")
RECORD_STRUCT (orders_cancelled_order, ORDERS_CANCELLED_ORDER)

#define ORDERS_CANCELLED_EVENT(X, T)                                                            \
    R_ORDER_ID (X, T) R_EXTERNAL_ID (X, T, "the client's order reference")                      \
    R_CHANNEL (X, T, true, "sales channel")                                                     \
    X (T, STR, reason, false, FC_NONE, 256, "why the order was cancelled")                      \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, orders_line, "the order lines and what they held")
RECORD_STRUCT (orders_cancelled_event, ORDERS_CANCELLED_EVENT)

#define ORDERS_LINE_CANCELLED(X, T) R_ORDER_LINE (X, T) R_SKU (X, T) R_LOCATION (X, T) R_QUANTITY (X, T)
RECORD_STRUCT (orders_line_cancelled, ORDERS_LINE_CANCELLED)

#define ORDERS_LINES_CANCELLED_EVENT(X, T)                                                  \
    R_ORDER_ID (X, T) R_EXTERNAL_ID (X, T, "the client's order reference")                  \
    R_CHANNEL (X, T, true, "sales channel")                                                 \
    X (T, STR, reason, false, FC_NONE, 256, "why the units were cancelled")                 \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES * 64, orders_line_cancelled,                    \
       "the units cancelled, per line and location where they were held")
RECORD_STRUCT (orders_lines_cancelled_event, ORDERS_LINES_CANCELLED_EVENT)

//  orders.status: the order's status from orders' own read model of
//  fulfillment's events, with how old that knowledge is
#define ORDERS_FULFILMENT_LINE(X, T)                                                        \
    R_ORDER_LINE (X, T) R_SKU (X, T) R_UNITS (X, T, quantity, true, "units to fulfil")      \
    R_UNITS (X, T, shipped, true, "units that left") R_UNITS (X, T, delivered, true, "units delivered") \
    R_UNITS (X, T, shortfall, true, "units a short pick did not ship (released to inventory)") \
    R_UNITS (X, T, cancelled, false, "units cancelled")
RECORD_STRUCT (orders_fulfilment_line, ORDERS_FULFILMENT_LINE)

#define ORDERS_FULFILMENT(X, T)                                                                   \
    R_FULFILLMENT_REF (X, T) R_LOCATION (X, T)                                                    \
    X (T, STR, status, true, FC_IDENT, 16,                                                        \
       "last known: allocated, picked, packed, shipped, delivered, cancelled or exception")       \
    X (T, STR, reason, false, FC_IDENT, 16, "exception: short_pick, damaged, lost, address, refused or delayed") \
    X (T, STR, carrier, false, FC_REF, 64, "the carrier that has the parcel")                     \
    X (T, STR, tracking_number, false, FC_REF, 128, "the carrier's tracking number")              \
    X (T, STR, tracking_url, false, FC_NONE, 512, "where the parcel can be followed")             \
    X (T, TIME, as_of, true, "when fulfillment last confirmed this status, Unix ms")              \
    X (T, BOOL, stale, "no milestone for longer than orders' --stale-<status> allows")           \
    X (T, MAPS, lines, 0, CATALOG_MAX_LINES, orders_fulfilment_line, "what it fulfils")
RECORD_STRUCT (orders_fulfilment, ORDERS_FULFILMENT)

#define ORDERS_STATUS_LINE(X, T)                                                       \
    R_ORDER_LINE (X, T) R_SKU (X, T) R_QUANTITY (X, T)                                 \
    R_UNITS (X, T, shipped, true, "units that left") R_UNITS (X, T, delivered, true, "units delivered") \
    R_UNITS (X, T, shortfall, true, "units short picks did not ship")                  \
    R_UNITS (X, T, cancelled, true, "units cancelled")
RECORD_STRUCT (orders_status_line, ORDERS_STATUS_LINE)

#define ORDERS_STATUS(X, T)                                                                          \
    R_ORDER_ID (X, T) R_ORDER_STATUS (X, T)                                                          \
    X (T, TIME, as_of, false, "the newest as_of of its fulfilments; absent before any is known")    \
    X (T, ANY, lag_seconds,                                                                          \
       "seconds since orders was last known to be caught up with fulfillment's events (integer), or " \
       "nil (JSON null) when orders has not heard from fulfillment since it started")               \
    X (T, BOOL, stale, "a fulfilment of the order is stale")                                        \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, orders_status_line, "per order line")                  \
    X (T, MAPS, fulfillments, 0, CATALOG_MAX_LINES * 64, orders_fulfilment, "each fulfilment's last-known state")
RECORD_STRUCT (orders_status, ORDERS_STATUS)

//  orders' own figures in sys.health (details)
#define ORDERS_HEALTH(X, T)                                                                          \
    R_AMOUNT (X, T, stale_orders, "orders with a fulfilment stale for its status (--stale-<status>)") \
    R_AMOUNT (X, T, stale_fulfillments, "those fulfilments")                                         \
    X (T, BOOL, stale_bounded, "the count stopped at its bound: there are at least this many")      \
    X (T, ANY, lag_seconds, "as orders.status's: how far behind fulfillment's events orders may be; nil when unknown")
RECORD_STRUCT (orders_health, ORDERS_HEALTH)

//  Invoices: one per fulfilment that shipped, for what shipped
#define ORDERS_INVOICE_LINE(X, T)                                                            \
    R_ORDER_LINE (X, T) R_SKU (X, T) R_QUANTITY (X, T)                                       \
    R_UNIT_PRICE (X, T, "the order line's price per unit, minor units")                      \
    R_AMOUNT (X, T, extended, "unit_price * quantity, minor units")
RECORD_STRUCT (orders_invoice_line, ORDERS_INVOICE_LINE)

#define ORDERS_INVOICE(X, T)                                                                    \
    R_INVOICE_NUMBER (X, T) R_ORDER_ID (X, T) R_FULFILLMENT_REF (X, T)                          \
    R_EXTERNAL_ID (X, T, "the client's order reference") R_ACCOUNT_ID (X, T) R_LOCATION (X, T)  \
    R_CURRENCY (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, orders_invoice_line, "what shipped") \
    R_AMOUNT (X, T, total, "sum of the lines' extended, minor units; tax-free")                 \
    X (T, TIME, issued_at, true, "when the invoice was issued, Unix ms")
RECORD_STRUCT (orders_invoice, ORDERS_INVOICE)

#define ORDERS_INVOICE_REQUEST(X, T) R_INVOICE_NUMBER (X, T)
RECORD_STRUCT (orders_invoice_request, ORDERS_INVOICE_REQUEST)

#define ORDERS_INVOICES(X, T) X (T, MAPS, items, 0, CATALOG_MAX_LINES * 64, orders_invoice, "oldest first")
RECORD_STRUCT (orders_invoices, ORDERS_INVOICES)

//  orders.history's reply
#define ORDERS_HISTORY_ENTRY(X, T)                                                  \
    X (T, STR, status, true, FC_IDENT, 24, "the status the order moved to")         \
    X (T, STR, event, true, FC_NONE, 64, "the event that recorded it")              \
    X (T, TIME, time, true, "when, Unix ms")                                        \
    X (T, STR, correlation_id, true, FC_NONE, 128, "the request that caused it")    \
    X (T, STR, caller, false, FC_IDENT, 39, "who made the request: its API key's caller ID at the gateway") \
    X (T, STR, reason, false, FC_NONE, 256, "why, when given")
RECORD_STRUCT (orders_history_entry, ORDERS_HISTORY_ENTRY)

#define ORDERS_HISTORY(X, T) \
    R_ORDER_ID (X, T) X (T, MAPS, events, 0, 10000, orders_history_entry, "status changes, oldest first")
RECORD_STRUCT (orders_history, ORDERS_HISTORY)

//  orders.find
//  orders.hold_status: what orders knows of orders whose held stock is due
//  to expire at inventory
#define ORDERS_HOLD_STATUS_MAX 256
#define ORDERS_HOLD_ACCEPTED "accepted"
#define ORDERS_HOLD_IN_FLIGHT "in_flight"
#define ORDERS_HOLD_ABSENT "absent"
#define ORDERS_HOLD_STATUS_REQUEST(X, T)                                                          \
    X (T, STRS, order_ids, FC_UUID, UUID_STR_LEN, 1, ORDERS_HOLD_STATUS_MAX, "the orders to look up")
RECORD_STRUCT (orders_hold_status_request, ORDERS_HOLD_STATUS_REQUEST)

#define ORDERS_HOLD_STATUS_ENTRY(X, T)                                                            \
    R_ORDER_ID (X, T)                                                                             \
    X (T, STR, status, true, FC_IDENT, 16,                                                        \
       "accepted (stored: its stock stays), in_flight (being submitted: ask again later) or absent (none stored, none in flight: its hold may expire)")
RECORD_STRUCT (orders_hold_status_entry, ORDERS_HOLD_STATUS_ENTRY)

#define ORDERS_HOLD_STATUS_REPLY(X, T)                                                            \
    X (T, MAPS, orders, 1, ORDERS_HOLD_STATUS_MAX, orders_hold_status_entry, "one per order asked, in order")
RECORD_STRUCT (orders_hold_status_reply, ORDERS_HOLD_STATUS_REPLY)

//  orders.returnable: what returns needs to authorize a return of an
//  order, by order_id or by (channel, external_id)
#define ORDERS_RETURNABLE_REQUEST(X, T)                                                     \
    X (T, STR, order_id, false, FC_UUID, UUID_STR_LEN, "order ID (UUID); or channel and external_id") \
    R_CHANNEL (X, T, false, "sales channel the order was submitted on (with external_id)")  \
    X (T, STR, external_id, false, FC_REF, 128, "the client's order reference (with channel)")
RECORD_STRUCT (orders_returnable_request, ORDERS_RETURNABLE_REQUEST)

#define ORDERS_RETURNABLE_LINE(X, T)                                                                \
    R_ORDER_LINE (X, T) R_SKU (X, T) R_QUANTITY (X, T) R_UNIT_PRICE (X, T, "price paid per unit, minor units") \
    R_UNITS (X, T, shipped, true, "units that left") R_UNITS (X, T, delivered, true, "units delivered") \
    R_UNITS (X, T, cancelled, true, "units cancelled")                                              \
    R_UNITS (X, T, returned, true, "units credited by credit memos")                                \
    X (T, TIME, shipped_at, false, "the latest as_of of the fulfilments that shipped units of the line, Unix ms") \
    X (T, TIME, delivered_at, false, "the latest as_of of the fulfilments that delivered units of the line, Unix ms")
RECORD_STRUCT (orders_returnable_line, ORDERS_RETURNABLE_LINE)

#define ORDERS_RETURNABLE(X, T)                                                                  \
    R_ORDER_ID (X, T) R_EXTERNAL_ID (X, T, "the client's order reference")                       \
    R_CHANNEL (X, T, true, "sales channel") R_ACCOUNT_ID (X, T) R_CURRENCY (X, T) R_ORDER_STATUS (X, T) \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, orders_returnable_line, "per order line")
RECORD_STRUCT (orders_returnable, ORDERS_RETURNABLE)

//  Credit memos: one per return receipt, for what came back at the order
//  lines' prices less restocking fees
#define R_CREDIT_MEMO_NUMBER(X, T, req, d) X (T, STR, credit_memo_number, req, FC_IDENT, 40, d)

#define ORDERS_CREDIT_MEMO_LINE(X, T)                                                                 \
    R_ORDER_LINE (X, T) R_SKU (X, T) R_QUANTITY (X, T)                                                \
    R_UNIT_PRICE (X, T, "the order line's price per unit, minor units")                               \
    R_AMOUNT (X, T, extended, "unit_price * quantity, minor units")                                   \
    R_AMOUNT (X, T, restocking_fee, "withheld for restocking, minor units")                           \
    R_AMOUNT (X, T, amount, "extended - restocking_fee: credited, minor units")                       \
    X (T, STR, invoice_number, false, FC_IDENT, 40,                                                   \
       "the order's most recent invoice billing the order line; absent when none did")
RECORD_STRUCT (orders_credit_memo_line, ORDERS_CREDIT_MEMO_LINE)

#define ORDERS_CREDIT_MEMO(X, T)                                                                      \
    R_CREDIT_MEMO_NUMBER (X, T, true, "CM-<currency>-<number>: gap-free per currency")                \
    X (T, STR, return_id, true, FC_IDENT, 128, "the return (returns service)")                        \
    X (T, STR, receipt_id, true, FC_IDENT, 120, "the return's receipt credited: one memo per receipt") \
    R_ORDER_ID (X, T) R_EXTERNAL_ID (X, T, "the client's order reference") R_ACCOUNT_ID (X, T)        \
    R_CURRENCY (X, T)                                                                                 \
    X (T, MAPS, lines, 1, 2 * CATALOG_MAX_LINES, orders_credit_memo_line, "what came back, per return line") \
    R_AMOUNT (X, T, restocking_fee, "sum of the lines' restocking_fee, minor units")                  \
    R_AMOUNT (X, T, total, "sum of the lines' amount: the refund, minor units; tax-free")             \
    X (T, TIME, issued_at, true, "when the credit memo was issued, Unix ms")
RECORD_STRUCT (orders_credit_memo, ORDERS_CREDIT_MEMO)

#define ORDERS_CREDIT_MEMOS(X, T) \
    X (T, MAPS, items, 0, CATALOG_MAX_LINES * 64, orders_credit_memo, "oldest first")
RECORD_STRUCT (orders_credit_memos, ORDERS_CREDIT_MEMOS)

#define ORDERS_FIND_REQUEST(X, T)                                  \
    R_CHANNEL (X, T, true, "sales channel the order was submitted on") \
    R_EXTERNAL_ID (X, T, "the client's order reference")
RECORD_STRUCT (orders_find_request, ORDERS_FIND_REQUEST)

#endif
