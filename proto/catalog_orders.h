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
       "units still awaited (the line was backordered); absent when it never was")
RECORD_STRUCT (orders_line, ORDERS_LINE)

#define ORDERS_ORDER_FIELDS(X, T)                                                             \
    R_ORDER_ID (X, T) R_EXTERNAL_ID (X, T, "the client's order reference")                    \
    R_CHANNEL (X, T, true, "sales channel") R_ACCOUNT_ID (X, T)                               \
    X (T, STR, status, true, FC_IDENT, 16, "pending, accepted or cancelled") R_CURRENCY (X, T) \
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

//  orders.cancel, and the event orders.order.cancelled
#define ORDERS_CANCEL_REQUEST(X, T) \
    R_ORDER_ID (X, T) X (T, STR, reason, false, FC_NONE, 256, "why the order is cancelled")
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

//  orders.history's reply
#define ORDERS_HISTORY_ENTRY(X, T)                                                  \
    X (T, STR, status, true, FC_IDENT, 16, "the status the order moved to")         \
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

#define ORDERS_FIND_REQUEST(X, T)                                  \
    R_CHANNEL (X, T, true, "sales channel the order was submitted on") \
    R_EXTERNAL_ID (X, T, "the client's order reference")
RECORD_STRUCT (orders_find_request, ORDERS_FIND_REQUEST)

#endif
