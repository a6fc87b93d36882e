//  catalog_fulfillment — fulfillment's messages, each body described once:
//  the record lists below give the catalogue's field lists
//  (catalog_fulfillment.c) and the structs fulfillment's handlers decode
//  requests into and pack replies and events from, and orders and
//  inventory decode fulfillment's events into.
#ifndef RM_CATALOG_FULFILLMENT_H
#define RM_CATALOG_FULFILLMENT_H

#include "catalog_inventory.h"
#include "catalog_orders.h"

//  Milestones one fulfillment.milestones_batch may carry: each item is
//  applied on its own, so this bounds one write transaction.
#define FULFILLMENT_BATCH_MAX 1000
#define FULFILLMENT_PAGE_MAX 1000
//  Milestones a fulfilment keeps; a further one (not a resend) is refused.
#define FULFILLMENT_HISTORY_MAX 1000
//  Fulfilments one order may have: one per location and per backorder fill.
#define FULFILLMENT_PER_ORDER_MAX 1000

#define FULFILLMENT_STATUSES "allocated, picked, packed, shipped, delivered, cancelled or exception"
#define FULFILLMENT_REASONS "short_pick, damaged, lost, address, refused or delayed"

#define R_FULFILLMENT_ID(X, T) X (T, STR, fulfillment_id, true, FC_UUID, UUID_STR_LEN, "fulfilment ID (UUID)")
#define R_FF_LINE_INDEX(X, T) X (T, INT, line, true, 0, CATALOG_MAX_LINES - 1, "the order line, counted from 0")
#define R_FF_UNITS(X, T, n, d) X (T, INT, n, true, 0, CATALOG_MAX_QUANTITY, d)
#define R_FF_REASON(X, T, d) X (T, STR, reason, false, FC_IDENT, 16, d)
#define R_FF_TRACKING(X, T)                                                            \
    X (T, STR, carrier, false, FC_REF, 64, "the carrier that has the parcel")          \
    X (T, STR, tracking_number, false, FC_REF, 128, "the carrier's tracking number")   \
    X (T, STR, tracking_url, false, FC_NONE, 512, "where the parcel can be followed")
#define R_EVENT_ID(X, T, req, d) X (T, STR, event_id, req, FC_REF, 128, d)
#define R_FF_EVENT_ID(X, T) \
    R_EVENT_ID (X, T, true, "the sender's ID of the milestone: resending it is harmless")
#define R_MILESTONE_TYPE(X, T) \
    X (T, STR, type, true, FC_IDENT, 16, "picked, packed, shipped, delivered or exception")

//  A fulfilment's line: units of an order line to ship from its location
#define FULFILLMENT_LINE(X, T)                                                                     \
    R_FF_LINE_INDEX (X, T) R_SKU (X, T) R_QUANTITY (X, T)                                          \
    R_FF_UNITS (X, T, picked, "units picked")                                                      \
    R_FF_UNITS (X, T, shipped, "units that left (set when shipped)")                               \
    R_FF_UNITS (X, T, delivered, "units delivered")                                                \
    R_FF_UNITS (X, T, shortfall, "quantity - cancelled - shipped once shipped: a short pick, released to inventory") \
    X (T, INT, cancelled, false, 0, CATALOG_MAX_QUANTITY, "units cancelled of quantity; absent when none")
RECORD_STRUCT (fulfillment_line, FULFILLMENT_LINE)

//  A fulfilment, as replies and events carry it
#define FULFILLMENT_FIELDS(X, T)                                                                   \
    R_FULFILLMENT_ID (X, T) R_ORDER_ID (X, T) R_EXTERNAL_ID (X, T, "the order's client reference") \
    R_CHANNEL (X, T, true, "the order's sales channel") R_LOCATION (X, T)                          \
    X (T, STR, status, true, FC_IDENT, 16, FULFILLMENT_STATUSES)                                   \
    R_FF_REASON (X, T, "exception: " FULFILLMENT_REASONS)                                          \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, fulfillment_line, "what ships from location")         \
    R_FF_TRACKING (X, T)                                                                           \
    X (T, TIME, created_at, true, "when the fulfilment was created, Unix ms")                       \
    X (T, TIME, updated_at, true,                                                                  \
       "when its status was last confirmed: the occurred_at of the newest milestone that moved it "  \
       "(created_at before any), Unix ms")                                                          \
    X (T, STR, source, true, FC_IDENT, 16, "order (stock held at acceptance) or backorder (a backorder fill)")

#define FULFILLMENT(X, T) FULFILLMENT_FIELDS (X, T)
RECORD_STRUCT (fulfillment, FULFILLMENT)

//  fulfillment.*: the fulfilment, and the milestone that changed it
#define FULFILLMENT_EVENT(X, T)                                                        \
    FULFILLMENT_FIELDS (X, T)                                                          \
    R_EVENT_ID (X, T, false, "the milestone that changed it; absent when none did")    \
    X (T, TIME, occurred_at, false, "when the milestone happened, Unix ms")
RECORD_STRUCT (fulfillment_event, FULFILLMENT_EVENT)

//  fulfillment.milestone: a warehouse's or a carrier's report
#define FULFILLMENT_MILESTONE_FIELDS(X, T)                                                          \
    R_FF_EVENT_ID (X, T) R_MILESTONE_TYPE (X, T)                                                    \
    X (T, TIME, occurred_at, true, "when it happened, Unix ms")                                     \
    X (T, OPTMAPS, lines, 1, CATALOG_MAX_LINES, catalog_sku_quantity,                               \
       "picked or shipped: units per SKU (absent: all of them); delivered: units delivered")        \
    R_FF_TRACKING (X, T) R_FF_REASON (X, T, "exception (required): " FULFILLMENT_REASONS)

#define FULFILLMENT_MILESTONE_REQUEST(X, T) R_FULFILLMENT_ID (X, T) FULFILLMENT_MILESTONE_FIELDS (X, T)
RECORD_STRUCT (fulfillment_milestone_request, FULFILLMENT_MILESTONE_REQUEST)

#define FULFILLMENT_MILESTONE_REPLY(X, T)                                                  \
    FULFILLMENT_FIELDS (X, T)                                                              \
    X (T, BOOL, applied, "the milestone moved the status")                                 \
    X (T, BOOL, duplicate, "the event_id was applied before with this body: nothing changed")
RECORD_STRUCT (fulfillment_milestone_reply, FULFILLMENT_MILESTONE_REPLY)

//  fulfillment.milestones_batch: each item applied on its own
#define FULFILLMENT_MILESTONES_BATCH_REQUEST(X, T)                                           \
    X (T, MAPS, items, 1, FULFILLMENT_BATCH_MAX, fulfillment_milestone_request,              \
       "the milestones, applied in order, each on its own")
RECORD_STRUCT (fulfillment_milestones_batch_request, FULFILLMENT_MILESTONES_BATCH_REQUEST)

#define FULFILLMENT_ITEM_ERROR(X, T)                                              \
    X (T, STR, field, false, FC_NONE, 128, "the field at fault (JSON Pointer into the item)") \
    X (T, STR, message, true, FC_NONE, 256, "what was wrong")
RECORD_STRUCT (fulfillment_item_error, FULFILLMENT_ITEM_ERROR)

#define FULFILLMENT_BATCH_RESULT(X, T)                                                             \
    X (T, INT, index, true, 0, FULFILLMENT_BATCH_MAX - 1, "the item, counted from 0")              \
    R_FULFILLMENT_ID (X, T) R_FF_EVENT_ID (X, T)                                                   \
    X (T, STR, status, true, FC_IDENT, 16,                                                         \
       "applied (moved the status), duplicate (sent before), kept (in the history, the status stays) or rejected") \
    X (T, INT, code, false, 100, 599, "rejected: the HTTP status the item alone would have had")   \
    X (T, MAP, error, false, fulfillment_item_error, "rejected: why")
RECORD_STRUCT (fulfillment_batch_result, FULFILLMENT_BATCH_RESULT)

#define FULFILLMENT_MILESTONES_BATCH_REPLY(X, T) \
    X (T, MAPS, results, 1, FULFILLMENT_BATCH_MAX, fulfillment_batch_result, "one per item, in order")
RECORD_STRUCT (fulfillment_milestones_batch_reply, FULFILLMENT_MILESTONES_BATCH_REPLY)

//  fulfillment.get: the fulfilment with its milestones
#define FULFILLMENT_GET_REQUEST(X, T) R_FULFILLMENT_ID (X, T)
RECORD_STRUCT (fulfillment_get_request, FULFILLMENT_GET_REQUEST)

#define FULFILLMENT_HISTORY_ENTRY(X, T)                                                       \
    FULFILLMENT_MILESTONE_FIELDS (X, T)                                                       \
    X (T, TIME, recorded_at, true, "when fulfillment received it, Unix ms")                   \
    X (T, BOOL, applied, "it moved the status (false: it arrived after a later one)")
RECORD_STRUCT (fulfillment_history_entry, FULFILLMENT_HISTORY_ENTRY)

#define FULFILLMENT_DETAIL(X, T)                                                          \
    FULFILLMENT_FIELDS (X, T)                                                             \
    X (T, MAPS, history, 0, FULFILLMENT_HISTORY_MAX, fulfillment_history_entry,           \
       "every milestone received, in occurred_at order")
RECORD_STRUCT (fulfillment_detail, FULFILLMENT_DETAIL)

//  fulfillment.list: a warehouse pulls its work
#define FULFILLMENT_LIST_REQUEST(X, T)                                                             \
    X (T, STR, location, false, FC_IDENT, 64, "only this location's")                              \
    X (T, STR, status, false, FC_IDENT, 16, "only those in this status")                           \
    X (T, TIME, since, false, "only those created at or after, Unix ms")                           \
    X (T, INT, limit, false, 1, FULFILLMENT_PAGE_MAX, "fulfilments per page (default 100)")        \
    X (T, STR, cursor, false, FC_IDENT, 64, "next_cursor of the previous page")
RECORD_STRUCT (fulfillment_list_request, FULFILLMENT_LIST_REQUEST)

#define FULFILLMENT_LIST_REPLY(X, T)                                                       \
    X (T, MAPS, items, 0, FULFILLMENT_PAGE_MAX, fulfillment, "oldest first (created_at, then ID)") \
    X (T, STR, next_cursor, false, FC_IDENT, 64, "absent on the last page")
RECORD_STRUCT (fulfillment_list_reply, FULFILLMENT_LIST_REPLY)

//  fulfillment.by_order
#define FULFILLMENT_BY_ORDER_REPLY(X, T) \
    X (T, MAPS, items, 0, FULFILLMENT_PER_ORDER_MAX, fulfillment, "the order's fulfilments, oldest first")
RECORD_STRUCT (fulfillment_by_order_reply, FULFILLMENT_BY_ORDER_REPLY)

//  fulfillment.cancel (orders calls it before it cancels an order)
#define FULFILLMENT_CANCEL_LINE(X, T) \
    R_FF_LINE_INDEX (X, T) X (T, INT, quantity, true, 1, CATALOG_MAX_QUANTITY, "units of the line to cancel")
RECORD_STRUCT (fulfillment_cancel_line, FULFILLMENT_CANCEL_LINE)

#define FULFILLMENT_CANCEL_REQUEST(X, T)                                                      \
    R_ORDER_ID (X, T)                                                                         \
    X (T, OPTMAPS, lines, 1, CATALOG_MAX_LINES, fulfillment_cancel_line,                      \
       "cancel only these units (absent: the whole order)")
RECORD_STRUCT (fulfillment_cancel_request, FULFILLMENT_CANCEL_REQUEST)

#define FULFILLMENT_CANCELLED_LINE(X, T) R_FF_LINE_INDEX (X, T) R_SKU (X, T) R_QUANTITY (X, T)
RECORD_STRUCT (fulfillment_cancelled_line, FULFILLMENT_CANCELLED_LINE)

#define FULFILLMENT_CANCELLED(X, T)                                                          \
    R_FULFILLMENT_ID (X, T) R_LOCATION (X, T)                                                \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, fulfillment_cancelled_line, "units cancelled there")
RECORD_STRUCT (fulfillment_cancelled, FULFILLMENT_CANCELLED)

#define FULFILLMENT_CANCEL_REPLY(X, T)                                                              \
    X (T, MAPS, cancelled, 0, FULFILLMENT_PER_ORDER_MAX, fulfillment_cancelled,                     \
       "units cancelled, per fulfilment: by this call for lines; for the whole order every unit "      \
       "cancelled, so cancelling again answers the same")
RECORD_STRUCT (fulfillment_cancel_reply, FULFILLMENT_CANCEL_REPLY)

//  fulfillment's own figures in sys.health (its details)
#define R_EXCEPTION_COUNTS(X, T)                                                        \
    R_AMOUNT (X, T, fulfillments, "fulfilments created")                                \
    R_AMOUNT (X, T, exceptions, "fulfilments that have had an exception")              \
    X (T, INT, exception_rate_bp, true, 0, 10000, "exceptions per 10,000 fulfilments")
#define FULFILLMENT_LOCATION_HEALTH(X, T)                                                           \
    R_LOCATION (X, T) R_EXCEPTION_COUNTS (X, T) R_AMOUNT (X, T, shipped, "fulfilments shipped")    \
    X (T, MAP, accepted_to_shipped_ms, false, catalog_percentiles,                               \
       "from the order's acceptance (or the backorder fill) to the shipment; absent before the first")
RECORD_STRUCT (fulfillment_location_health, FULFILLMENT_LOCATION_HEALTH)

#define FULFILLMENT_HEALTH(X, T)                                                       \
    R_EXCEPTION_COUNTS (X, T)                                                          \
    X (T, MAPS, locations, 0, CATALOG_MAX_LOCATIONS, fulfillment_location_health, "per location")
RECORD_STRUCT (fulfillment_health, FULFILLMENT_HEALTH)

#endif
