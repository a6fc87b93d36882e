//  catalog_returns — returns' messages, each body described once: the
//  record lists below give the catalogue's field lists (catalog_returns.c),
//  the structs returns' handlers decode requests into and pack replies and
//  events from, and the structs orders and inventory decode its events into.
#ifndef RM_CATALOG_RETURNS_H
#define RM_CATALOG_RETURNS_H

#include "catalog_fulfillment.h"

//  A return's stored lines: one per (order line, requested line) a
//  requested SKU is allocated over, so at most the requested lines plus the
//  order lines.
#define RETURNS_LINES_MAX (2 * CATALOG_MAX_LINES)
//  Receipts one return may have: each receives at least one unit.
#define RETURNS_RECEIPTS_MAX 1000
//  Returns one order may have (returns.by_order lists them all).
#define RETURNS_PER_ORDER_MAX 1000
//  Reasons (RETURNS_REASONS) and statuses (RETURNS_STATUSES) there are.
#define RETURNS_REASON_COUNT 5

#define RETURNS_REASONS "damaged, wrong_item, not_as_described, no_longer_needed or other"
#define RETURNS_CONDITIONS "resellable or damaged"
#define RETURNS_STATUSES "authorized, received, refunded, closed, rejected, cancelled or expired"

#define R_RETURN_ID(X, T, req, d) X (T, STR, return_id, req, FC_IDENT, 128, d)
#define R_RECEIPT_ID(X, T) \
    X (T, STR, receipt_id, true, FC_IDENT, 120, "the sender's ID of the receipt (at most 120 characters, so inventory's movement <receipt_id>#<line> fits): resending it is harmless")
#define R_RETURN_REASON(X, T) X (T, STR, reason, true, FC_IDENT, 24, "why it comes back: " RETURNS_REASONS)
#define R_CONDITION(X, T) X (T, STR, condition, true, FC_IDENT, 16, "the units' condition: " RETURNS_CONDITIONS)
#define R_RETURN_LOCATION(X, T) \
    X (T, STR, return_location, true, FC_IDENT, 64, "the stock location the units are sent back to")
#define R_RETURN_CREDIT_MEMO(X, T, req, d) X (T, STR, credit_memo_number, req, FC_IDENT, 40, d)

//  returns.authorize
#define RETURNS_REQUEST_LINE(X, T) R_SKU (X, T) R_QUANTITY (X, T) R_RETURN_REASON (X, T)
RECORD_STRUCT (returns_request_line, RETURNS_REQUEST_LINE)

#define RETURNS_AUTHORIZE_REQUEST(X, T)                                                                 \
    R_RETURN_ID (X, T, false,                                                                          \
                 "the client's ID of the return: resending it is harmless (absent: the Idempotency-Key's, " \
                 "or a new UUIDv7)")                                                                   \
    X (T, STR, order_id, false, FC_UUID, UUID_STR_LEN, "the order (UUID); or channel and external_id") \
    R_CHANNEL (X, T, false, "with external_id: the order's sales channel")                             \
    X (T, STR, external_id, false, FC_REF, 128, "with channel: the client's order reference")          \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, returns_request_line, "what comes back, and why")         \
    R_RETURN_LOCATION (X, T)                                                                           \
    X (T, STR, requested_by, false, FC_REF, 128, "who asked for the return (an agent, the customer)")
RECORD_STRUCT (returns_authorize_request, RETURNS_AUTHORIZE_REQUEST)

//  A return's line: units of one order line
#define RETURNS_LINE(X, T)                                                                   \
    R_ORDER_LINE (X, T) R_SKU (X, T) R_RETURN_REASON (X, T)                                  \
    R_QUANTITY (X, T) R_UNIT_PRICE (X, T, "price per unit paid on the order, minor units")   \
    R_UNITS (X, T, received, true, "units received so far")                                  \
    R_UNITS (X, T, resellable, true, "units received resellable")                            \
    R_UNITS (X, T, damaged, true, "units received damaged")                                  \
    R_UNITS (X, T, refunded, true, "units refunded (their receipt's credit memo issued)")
RECORD_STRUCT (returns_line, RETURNS_LINE)

#define RETURNS_RECEIPT_LINE(X, T) R_ORDER_LINE (X, T) R_SKU (X, T) R_QUANTITY (X, T) R_CONDITION (X, T)
RECORD_STRUCT (returns_receipt_line, RETURNS_RECEIPT_LINE)

#define R_RECEIPT_HEAD(X, T) \
    R_RECEIPT_ID (X, T) R_LOCATION (X, T) X (T, TIME, received_at, true, "when the units were received, Unix ms")
#define R_REFUND_FIGURES(X, T)                                                           \
    R_AMOUNT (X, T, refund_amount, "what is refunded: extended prices less restocking fees, minor units") \
    R_AMOUNT (X, T, restocking_fee, "restocking fees kept, minor units")

#define RETURNS_RECEIPT(X, T)                                                                     \
    R_RECEIPT_HEAD (X, T)                                                                         \
    X (T, MAPS, lines, 1, RETURNS_LINES_MAX, returns_receipt_line, "units received, per return line") \
    R_REFUND_FIGURES (X, T)                                                                       \
    R_RETURN_CREDIT_MEMO (X, T, false, "the credit memo orders issued for it; absent until then") \
    X (T, TIME, refunded_at, false, "when the credit memo was issued, Unix ms")
RECORD_STRUCT (returns_receipt, RETURNS_RECEIPT)

#define RETURNS_REJECTION(X, T)                                                              \
    X (T, STR, field, true, FC_NONE, 128, "the request field at fault (JSON Pointer)")       \
    X (T, STR, code, true, FC_IDENT, 32,                                                     \
       "unknown_sku, window_passed, not_delivered or exceeds_returnable")                    \
    X (T, STR, message, true, FC_NONE, 256, "what was wrong")
RECORD_STRUCT (returns_rejection, RETURNS_REJECTION)

//  A return, as replies and events carry it
#define RETURNS_RETURN_FIELDS(X, T)                                                                 \
    R_RETURN_ID (X, T, true, "the return's ID") R_ORDER_ID (X, T)                                    \
    R_EXTERNAL_ID (X, T, "the order's client reference") R_CHANNEL (X, T, true, "the order's sales channel") \
    R_ACCOUNT_ID (X, T) R_CURRENCY (X, T)                                                           \
    X (T, STR, status, true, FC_IDENT, 16, RETURNS_STATUSES)                                        \
    R_RETURN_LOCATION (X, T)                                                                        \
    X (T, STR, requested_by, false, FC_REF, 128, "who asked for the return")                        \
    X (T, MAPS, lines, 0, RETURNS_LINES_MAX, returns_line,                                          \
       "the order lines coming back (a rejected return: those its lines could be allocated over)")  \
    X (T, MAPS, receipts, 0, RETURNS_RECEIPTS_MAX, returns_receipt, "units received, oldest first") \
    R_AMOUNT (X, T, refund_total, "refund_amount of every receipt, minor units")                    \
    R_AMOUNT (X, T, restocking_fee_total, "restocking_fee of every receipt, minor units")          \
    X (T, TIME, authorized_at, true, "when returns decided on the request (authorized or rejected), Unix ms") \
    X (T, TIME, expires_at, false, "when an authorized return nothing was received for expires, Unix ms") \
    X (T, TIME, received_at, false, "when the first units were received, Unix ms")                  \
    X (T, TIME, refunded_at, false, "when every receipt was first refunded, Unix ms")               \
    X (T, TIME, closed_at, false, "when the return was closed, Unix ms")                            \
    X (T, TIME, cancelled_at, false, "when the return was cancelled, Unix ms")                      \
    X (T, STR, cancel_reason, false, FC_NONE, 256, "why the return was cancelled")                  \
    X (T, OPTMAPS, rejection, 1, CATALOG_MAX_LINES, returns_rejection,                              \
       "rejected: why, one entry per failing request line")

#define RETURNS_RETURN(X, T) RETURNS_RETURN_FIELDS (X, T)
RECORD_STRUCT (returns_return, RETURNS_RETURN)

#define RETURNS_AUTHORIZE_REPLY(X, T) \
    RETURNS_RETURN_FIELDS (X, T) X (T, BOOL, created, "false when an earlier request with this return_id made it")
RECORD_STRUCT (returns_authorize_reply, RETURNS_AUTHORIZE_REPLY)

//  returns.get, returns.cancel
#define RETURNS_GET_REQUEST(X, T) R_RETURN_ID (X, T, true, "the return's ID")
RECORD_STRUCT (returns_get_request, RETURNS_GET_REQUEST)

#define RETURNS_CANCEL_REQUEST(X, T) \
    R_RETURN_ID (X, T, true, "the return's ID") X (T, STR, reason, false, FC_NONE, 256, "why it is cancelled")
RECORD_STRUCT (returns_cancel_request, RETURNS_CANCEL_REQUEST)

#define RETURNS_CANCEL_REPLY(X, T) \
    RETURNS_RETURN_FIELDS (X, T) X (T, BOOL, changed, "false when the return was cancelled before")
RECORD_STRUCT (returns_cancel_reply, RETURNS_CANCEL_REPLY)

//  returns.by_order (request: orders_get_request)
#define RETURNS_BY_ORDER_REPLY(X, T) \
    X (T, MAPS, items, 0, RETURNS_PER_ORDER_MAX, returns_return, "the order's returns, oldest first")
RECORD_STRUCT (returns_by_order_reply, RETURNS_BY_ORDER_REPLY)

//  returns.receive
#define RETURNS_RECEIVE_LINE(X, T) R_SKU (X, T) R_QUANTITY (X, T) R_CONDITION (X, T)
RECORD_STRUCT (returns_receive_line, RETURNS_RECEIVE_LINE)

#define RETURNS_RECEIVE_REQUEST(X, T)                                                            \
    R_RETURN_ID (X, T, true, "the return's ID") R_RECEIPT_ID (X, T) R_LOCATION (X, T)            \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, returns_receive_line, "units received, per SKU")
RECORD_STRUCT (returns_receive_request, RETURNS_RECEIVE_REQUEST)

#define RETURNS_RECEIVE_REPLY(X, T) \
    RETURNS_RETURN_FIELDS (X, T) X (T, BOOL, applied, "false when the receipt_id was applied before: nothing changed")
RECORD_STRUCT (returns_receive_reply, RETURNS_RECEIVE_REPLY)

//  returns.return.received: the receipt with everything orders (credit
//  memo) and inventory (restock) need without calling back
#define RETURNS_RECEIVED_LINE(X, T)                                                               \
    R_ORDER_LINE (X, T) R_SKU (X, T) R_QUANTITY (X, T) R_CONDITION (X, T)                         \
    R_UNIT_PRICE (X, T, "price per unit paid on the order, minor units") R_RETURN_REASON (X, T)    \
    R_AMOUNT (X, T, extended, "quantity * unit_price, minor units")                                \
    R_AMOUNT (X, T, restocking_fee, "(extended * the reason's basis points + 5000) / 10000, minor units") \
    R_AMOUNT (X, T, refund, "extended - restocking_fee, minor units")
RECORD_STRUCT (returns_received_line, RETURNS_RECEIVED_LINE)

#define RETURNS_RECEIVED_RECEIPT(X, T) \
    R_RECEIPT_HEAD (X, T) X (T, MAPS, lines, 1, RETURNS_LINES_MAX, returns_received_line, "units received, per return line")
RECORD_STRUCT (returns_received_receipt, RETURNS_RECEIVED_RECEIPT)

#define RETURNS_RECEIVED_EVENT(X, T)                                                       \
    RETURNS_RETURN_FIELDS (X, T)                                                           \
    X (T, MAP, receipt, true, returns_received_receipt, "the receipt this event is about") \
    R_REFUND_FIGURES (X, T)
RECORD_STRUCT (returns_received_event, RETURNS_RECEIVED_EVENT)

//  returns.refund.issued
#define RETURNS_REFUND_ISSUED(X, T)                                                             \
    R_RETURN_ID (X, T, true, "the return's ID") R_RECEIPT_ID (X, T) R_ORDER_ID (X, T)           \
    R_RETURN_CREDIT_MEMO (X, T, true, "CM-<currency>-<number>: the credit memo orders issued")  \
    R_AMOUNT (X, T, amount, "what was refunded, minor units") R_CURRENCY (X, T)                 \
    X (T, TIME, refunded_at, true, "when the credit memo was issued, Unix ms")
RECORD_STRUCT (returns_refund_issued, RETURNS_REFUND_ISSUED)

//  returns' own figures in sys.health (its details)
#define RETURNS_RESOLUTION(X, T) \
    R_AMOUNT (X, T, count, "returns refunded") CATALOG_PERCENTILES (X, T)
RECORD_STRUCT (returns_resolution, RETURNS_RESOLUTION)

#define R_RESOLUTION_MS(X, T)                                                       \
    X (T, MAP, resolution_ms, false, returns_resolution,                            \
       "from authorization to the first refund; absent before the first")
#define RETURNS_REASON_HEALTH(X, T) R_RETURN_REASON (X, T) R_RESOLUTION_MS (X, T)
RECORD_STRUCT (returns_reason_health, RETURNS_REASON_HEALTH)

#define RETURNS_LOCATION_HEALTH(X, T) R_RETURN_LOCATION (X, T) R_RESOLUTION_MS (X, T)
RECORD_STRUCT (returns_location_health, RETURNS_LOCATION_HEALTH)

#define RETURNS_STATUS_COUNTS(X, T)                                         \
    R_AMOUNT (X, T, authorized, "returns authorized, nothing received yet") \
    R_AMOUNT (X, T, received, "returns with receipts waiting for a refund") \
    R_AMOUNT (X, T, refunded, "returns refunded, units still expected")     \
    R_AMOUNT (X, T, closed, "returns closed")                               \
    R_AMOUNT (X, T, rejected, "returns rejected")                           \
    R_AMOUNT (X, T, cancelled, "returns cancelled")                         \
    R_AMOUNT (X, T, expired, "returns expired")
RECORD_STRUCT (returns_status_counts, RETURNS_STATUS_COUNTS)

#define RETURNS_HEALTH(X, T)                                                                 \
    X (T, MAP, statuses, true, returns_status_counts, "returns per status")                  \
    R_RESOLUTION_MS (X, T)                                                                   \
    X (T, MAPS, reasons, 0, RETURNS_REASON_COUNT, returns_reason_health, "per return reason") \
    X (T, MAPS, locations, 0, CATALOG_MAX_LOCATIONS, returns_location_health, "per return location")
RECORD_STRUCT (returns_health, RETURNS_HEALTH)

#endif
