//  catalog_inventory — inventory's messages, each body described once: the
//  record lists below give the catalogue's field lists
//  (catalog_inventory.c) and the structs inventory's handlers decode
//  requests into and pack replies and events from.
#ifndef RM_CATALOG_INVENTORY_H
#define RM_CATALOG_INVENTORY_H

#include "catalog_shared.h"

//  A location's priority: allocation uses lower numbers first.
#define STOCK_PRIORITY_MAX 1000000000
#define STOCK_LEDGER_PAGE_MAX 1000

#define R_STOCK(X, T, n, d) X (T, INT, n, true, 0, CATALOG_MAX_ON_HAND, d)
#define INVENTORY_STOCK_LEVELS(X, T)                                                   \
    R_STOCK (X, T, on_hand, "units on hand") R_STOCK (X, T, reserved, "units held for orders") \
    R_STOCK (X, T, quarantined, "units on hand held back from sale (damaged, inspected)")     \
    R_STOCK (X, T, safety_stock, "units kept back as a buffer: the location's own figure, else the SKU's") \
    R_STOCK (X, T, available, "on_hand - reserved - quarantined - safety_stock, never below 0")

//  inventory.availability
#define INVENTORY_AVAILABILITY_REQUEST(X, T)                                \
    X (T, STRS, skus, FC_IDENT, 64, 1, CATALOG_MAX_SKUS, "SKUs to look up") \
    X (T, OPTSTRS, locations, FC_IDENT, 64, 1, CATALOG_MAX_SKUS, "only these locations (all when absent)")
RECORD_STRUCT (inventory_availability_request, INVENTORY_AVAILABILITY_REQUEST)

#define INVENTORY_LOCATION_STOCK(X, T) R_LOCATION (X, T) INVENTORY_STOCK_LEVELS (X, T)
RECORD_STRUCT (inventory_location_stock, INVENTORY_LOCATION_STOCK)

#define INVENTORY_AVAILABILITY_ITEM(X, T)                                              \
    R_SKU (X, T) R_AMOUNT (X, T, on_hand, "units on hand over all locations")          \
    R_AMOUNT (X, T, reserved, "units held for orders over all locations")             \
    R_AMOUNT (X, T, quarantined, "units quarantined over all locations")              \
    R_AMOUNT (X, T, safety_stock, "units kept back over all locations")               \
    R_AMOUNT (X, T, available, "the sum of the locations' available")                  \
    X (T, MAPS, locations, 0, CATALOG_MAX_LOCATIONS, inventory_location_stock, "per location")
RECORD_STRUCT (inventory_availability_item, INVENTORY_AVAILABILITY_ITEM)

#define INVENTORY_AVAILABILITY_REPLY(X, T) \
    X (T, MAPS, items, 1, CATALOG_MAX_SKUS, inventory_availability_item, "one per requested SKU, in order")
RECORD_STRUCT (inventory_availability_reply, INVENTORY_AVAILABILITY_REPLY)

//  Reservations (services/inventory/reservation.h): what an order or a
//  hold holds, with a status, and the locations an order may ship from.
#define INVENTORY_HOLD_TTL_MAX 604800
#define INVENTORY_ROWS_MAX (CATALOG_MAX_LINES * 64)
#define R_RESERVATION_STATUS(X, T) \
    X (T, STR, status, true, FC_IDENT, 16, "held, committed (the order was accepted, or an order took the hold over), released or expired")

//  inventory.reserve, and the reservation its reply and events carry
#define R_BACKORDER_OK(X, T, d) X (T, OPTBOOL, allow_backorder, d)
#define INVENTORY_RESERVE_LINE(X, T) \
    CATALOG_SKU_QUANTITY (X, T)      \
    R_BACKORDER_OK (X, T, "when short, hold what is available and backorder the rest")
RECORD_STRUCT (inventory_reserve_line, INVENTORY_RESERVE_LINE)

#define INVENTORY_RESERVE_REQUEST(X, T)                                                            \
    R_ORDER_ID (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, inventory_reserve_line, "what to hold") \
    R_HOLD_ID (X, T, false, "a hold (inventory.hold) whose stock the order takes over") R_SHIP_FROM (X, T) \
    R_BACKORDER_OK (X, T, "as allow_backorder on every line")
RECORD_STRUCT (inventory_reserve_request, INVENTORY_RESERVE_REQUEST)

#define INVENTORY_RESERVED_LINE(X, T)                                                                  \
    R_SKU (X, T) R_QUANTITY (X, T)                                                                     \
    X (T, MAPS, allocations, 0, CATALOG_MAX_LOCATIONS, catalog_allocation, "where the units are held") \
    X (T, INT, backordered, false, 1, CATALOG_MAX_QUANTITY, "units short, queued as a backorder")
RECORD_STRUCT (inventory_reserved_line, INVENTORY_RESERVED_LINE)

#define INVENTORY_RESERVATION(X, T) \
    R_ORDER_ID (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, inventory_reserved_line, "one per request line, in order")
RECORD_STRUCT (inventory_reservation, INVENTORY_RESERVATION)

//  One line's units at one location, as listings show them.
#define INVENTORY_RESERVATION_ROW(X, T)                                                          \
    X (T, INT, line, true, 0, CATALOG_MAX_LINES - 1, "the line's index in the order or hold")    \
    R_SKU (X, T) R_LOCATION (X, T) R_QUANTITY (X, T) R_RESERVATION_STATUS (X, T)                  \
    X (T, TIME, expires_at, false, "a hold's: when it expires unless taken over or released")
RECORD_STRUCT (inventory_reservation_row, INVENTORY_RESERVATION_ROW)

//  Units of an order line's reservation at a location that left it
//  (services/inventory/shipment.h): shipped (fulfillment.shipment.shipped),
//  or given back there before they could (a short pick's shortfall,
//  orders.order.lines_cancelled).
#define INVENTORY_SETTLED_LINE(X, T)                                                                \
    X (T, INT, line, true, 0, CATALOG_MAX_LINES - 1, "the order line, counted from 0")             \
    R_SKU (X, T) R_LOCATION (X, T)                                                                  \
    X (T, INT, shipped, true, 0, CATALOG_MAX_ON_HAND, "units that left the location")              \
    X (T, INT, released, true, 0, CATALOG_MAX_ON_HAND, "units no longer held there: available again")
RECORD_STRUCT (inventory_settled_line, INVENTORY_SETTLED_LINE)

//  inventory.reservations: an order's reservation, per line and location
#define INVENTORY_RESERVATIONS_REQUEST(X, T) R_ORDER_ID (X, T)
RECORD_STRUCT (inventory_reservations_request, INVENTORY_RESERVATIONS_REQUEST)

#define INVENTORY_ORDER_RESERVATIONS(X, T)                                                       \
    R_ORDER_ID (X, T) R_RESERVATION_STATUS (X, T)                                                \
    R_HOLD_ID (X, T, false, "the hold the order took over, if any")                              \
    X (T, MAPS, reservations, 0, INVENTORY_ROWS_MAX, inventory_reservation_row, "per line and location, in line order") \
    X (T, OPTMAPS, settled, 0, INVENTORY_ROWS_MAX, inventory_settled_line,                        \
       "per line and location, units of the reservations that shipped or were given back (no longer reserved)")
RECORD_STRUCT (inventory_order_reservations, INVENTORY_ORDER_RESERVATIONS)

//  inventory.hold: stock held before there is an order; its reply and events
#define INVENTORY_HOLD_REQUEST(X, T)                                                             \
    R_HOLD_ID (X, T, false, "the hold's ID (UUID); absent: one is made. The same ID with the same lines answers the hold made first") \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, catalog_sku_quantity, "what to hold")               \
    X (T, INT, ttl_seconds, true, 1, INVENTORY_HOLD_TTL_MAX, "how long to hold it, seconds")
RECORD_STRUCT (inventory_hold_request, INVENTORY_HOLD_REQUEST)

#define INVENTORY_HOLD_FIELDS(X, T)                                                              \
    R_HOLD_ID (X, T, true, "the hold's ID (UUID)") R_RESERVATION_STATUS (X, T)                   \
    X (T, TIME, created_at, true, "when the hold was made")                                      \
    X (T, TIME, expires_at, true, "when it expires unless taken over or released")               \
    X (T, STR, order_id, false, FC_UUID, UUID_STR_LEN, "the order that took the hold over")       \
    X (T, MAPS, reservations, 0, INVENTORY_ROWS_MAX, inventory_reservation_row, "per line and location, in line order")

#define INVENTORY_HOLD(X, T) INVENTORY_HOLD_FIELDS (X, T)
RECORD_STRUCT (inventory_hold, INVENTORY_HOLD)

#define INVENTORY_HOLD_MADE(X, T) \
    INVENTORY_HOLD_FIELDS (X, T) X (T, BOOL, created, "false when the same request made the hold before")
RECORD_STRUCT (inventory_hold_made, INVENTORY_HOLD_MADE)

//  inventory.hold_get, inventory.hold_release
#define INVENTORY_HOLD_ID_REQUEST(X, T) R_HOLD_ID (X, T, true, "the hold's ID (UUID)")
RECORD_STRUCT (inventory_hold_id_request, INVENTORY_HOLD_ID_REQUEST)

//  inventory.reservation.committed: an accepted order's reservation
#define INVENTORY_COMMITTED_EVENT(X, T) R_ORDER_ID (X, T) R_RESERVATION_STATUS (X, T)
RECORD_STRUCT (inventory_committed_event, INVENTORY_COMMITTED_EVENT)

//  inventory.release
#define INVENTORY_RELEASE_REQUEST(X, T) \
    R_ORDER_ID (X, T) X (T, STR, reason, false, FC_NONE, 256, "why, for people reading logs")
RECORD_STRUCT (inventory_release_request, INVENTORY_RELEASE_REQUEST)

#define INVENTORY_RELEASE_REPLY(X, T) \
    R_ORDER_ID (X, T) X (T, BOOL, released, "false when nothing was held for the order")
RECORD_STRUCT (inventory_release_reply, INVENTORY_RELEASE_REPLY)

//  inventory.orders_restarted
#define INVENTORY_ORDERS_RESTARTED_REQUEST(X, T) \
    X (T, TIME, started_at, true, "when orders started: the submissions it had in flight before are gone")
RECORD_STRUCT (inventory_orders_restarted_request, INVENTORY_ORDERS_RESTARTED_REQUEST)

#define INVENTORY_ORDERS_RESTARTED_REPLY(X, T) \
    X (T, TIME, until, true, "held order reservations with a deadline up to this are checked with orders now")
RECORD_STRUCT (inventory_orders_restarted_reply, INVENTORY_ORDERS_RESTARTED_REPLY)

//  inventory.set_stock, and the stock its reply and event carry
#define INVENTORY_SET_STOCK_REQUEST(X, T) \
    R_LOCATION (X, T) R_SKU (X, T) R_STOCK (X, T, on_hand, "units now on hand at the location")
RECORD_STRUCT (inventory_set_stock_request, INVENTORY_SET_STOCK_REQUEST)

#define INVENTORY_STOCK(X, T) R_LOCATION (X, T) R_SKU (X, T) INVENTORY_STOCK_LEVELS (X, T)
RECORD_STRUCT (inventory_stock, INVENTORY_STOCK)

//  Backorders (backorder.h): inventory.backorders, and the event
//  inventory.backorder.filled
#define INVENTORY_BACKORDERS_MAX 1000
#define R_LINE_INDEX(X, T) X (T, INT, line, true, 0, CATALOG_MAX_LINES - 1, "the order line, counted from 0")
#define INVENTORY_BACKORDER(X, T)                                                                   \
    R_ORDER_ID (X, T) R_LINE_INDEX (X, T) R_SKU (X, T)                                              \
    X (T, INT, outstanding, true, 1, CATALOG_MAX_QUANTITY, "units still to fill")                  \
    X (T, INT, filled, true, 0, CATALOG_MAX_QUANTITY, "units filled so far")                       \
    X (T, TIME, created_at, true, "when the line was backordered, Unix ms")
RECORD_STRUCT (inventory_backorder, INVENTORY_BACKORDER)

#define INVENTORY_BACKORDERS_REQUEST(X, T) R_SKU (X, T)
RECORD_STRUCT (inventory_backorders_request, INVENTORY_BACKORDERS_REQUEST)

#define INVENTORY_BACKORDERS_REPLY(X, T)                                                                  \
    R_SKU (X, T)                                                                                          \
    X (T, MAPS, backorders, 0, INVENTORY_BACKORDERS_MAX, inventory_backorder,                             \
       "the SKU's open backorders, first come first")                                                     \
    X (T, BOOL, more, "true when more backorders wait behind those listed")
RECORD_STRUCT (inventory_backorders_reply, INVENTORY_BACKORDERS_REPLY)

#define INVENTORY_BACKORDER_FILLED(X, T)                                                            \
    R_ORDER_ID (X, T) R_LINE_INDEX (X, T) R_SKU (X, T)                                              \
    X (T, INT, quantity, true, 1, CATALOG_MAX_QUANTITY, "units filled now")                        \
    X (T, MAPS, allocations, 1, CATALOG_MAX_LOCATIONS, catalog_allocation, "where they are held")   \
    X (T, INT, outstanding, true, 0, CATALOG_MAX_QUANTITY, "units still to fill after this")
RECORD_STRUCT (inventory_backorder_filled, INVENTORY_BACKORDER_FILLED)

//  inventory.stock.shipped and inventory.reservation.reduced (services/inventory/shipment.h)
#define R_INVENTORY_FULFILLMENT_ID(X, T, d) X (T, STR, fulfillment_id, false, FC_UUID, UUID_STR_LEN, d)
#define INVENTORY_SETTLED_EVENT(X, T)                                                               \
    R_ORDER_ID (X, T) R_INVENTORY_FULFILLMENT_ID (X, T, "the fulfilment that shipped (absent: cancelled lines)") \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, inventory_settled_line, "per order line and location")  \
    X (T, TIME, occurred_at, true, "when it happened (the milestone's occurred_at, or when recorded)")
RECORD_STRUCT (inventory_settled_event, INVENTORY_SETTLED_EVENT)

//  inventory.set_stock's reply: it is a count (see inventory.movement)
#define INVENTORY_SET_STOCK_REPLY(X, T)                                                          \
    INVENTORY_STOCK (X, T) X (T, BOOL, location_created, "location was unknown and was created") \
    X (T, INT, shortfall, false, 0, INT64_MAX, "units reserved and quarantined beyond on hand (kept)")
RECORD_STRUCT (inventory_set_stock_reply, INVENTORY_SET_STOCK_REPLY)

//  ---- stock: locations, policy, movements, ledger (services/inventory/stock.h)

#define R_LOCATION_FIELDS(X, T)                                                          \
    R_LOCATION (X, T) X (T, STR, name, true, FC_REF, 128, "what people call it")          \
    X (T, STR, type, true, FC_IDENT, 16, "warehouse, store or dropship")                  \
    X (T, INT, priority, true, 0, STOCK_PRIORITY_MAX, "allocation order: lower is used first")

//  inventory.location.put: the location record itself
#define INVENTORY_LOCATION(X, T) R_LOCATION_FIELDS (X, T)
RECORD_STRUCT (inventory_location, INVENTORY_LOCATION)

//  inventory.location.get
#define INVENTORY_LOCATION_GET_REQUEST(X, T) R_LOCATION (X, T)
RECORD_STRUCT (inventory_location_get_request, INVENTORY_LOCATION_GET_REQUEST)

//  inventory.location.list (no request fields)
#define INVENTORY_LOCATION_LIST_REPLY(X, T) \
    X (T, MAPS, locations, 0, CATALOG_MAX_LOCATIONS, inventory_location, "every location, by name")
RECORD_STRUCT (inventory_location_list_reply, INVENTORY_LOCATION_LIST_REPLY)

#define R_POLICY(X, T)                                                                               \
    X (T, INT, safety_stock, false, 0, CATALOG_MAX_ON_HAND, "units kept back from what is available") \
    X (T, INT, low_stock_threshold, false, 0, CATALOG_MAX_ON_HAND,                                  \
       "inventory.stock.low when available drops below it (0: never)")

//  inventory.policy.set: a SKU's policy (over all its locations)
#define INVENTORY_SKU_POLICY(X, T) R_SKU (X, T) R_POLICY (X, T)
RECORD_STRUCT (inventory_sku_policy, INVENTORY_SKU_POLICY)

//  inventory.stock_policy.set: a location's own figures for a SKU
#define INVENTORY_STOCK_POLICY_REQUEST(X, T) R_LOCATION (X, T) R_SKU (X, T) R_POLICY (X, T)
RECORD_STRUCT (inventory_stock_policy_request, INVENTORY_STOCK_POLICY_REQUEST)

//  inventory.movement
#define R_MOVEMENT_ID(X, T) X (T, STR, movement_id, true, FC_IDENT, 128, "the sender's ID: resending it is harmless")
#define INVENTORY_MOVEMENT_REQUEST(X, T)                                                           \
    R_MOVEMENT_ID (X, T)                                                                           \
    X (T, STR, type, true, FC_IDENT, 32,                                                           \
       "receipt, adjustment, transfer, count, quarantine or release_quarantine")                   \
    R_SKU (X, T) R_LOCATION (X, T)                                                                 \
    X (T, STR, to_location, false, FC_IDENT, 64, "transfer: where the units go")                   \
    X (T, INT, quantity, true, -CATALOG_MAX_ON_HAND, CATALOG_MAX_ON_HAND,                          \
       "units; the counted figure for a count; signed for an adjustment only")                     \
    X (T, STR, reason, false, FC_REF, 256, "why, kept in the ledger")                              \
    X (T, TIME, occurred_at, false, "when it happened (default: when it was recorded)")
RECORD_STRUCT (inventory_movement_request, INVENTORY_MOVEMENT_REQUEST)

//  inventory.movements_batch: movements, all applied or none
#define INVENTORY_MOVEMENTS_BATCH_REQUEST(X, T)                                              \
    R_BATCH_ID (X, T)                                                                        \
    X (T, MAPS, items, 1, CATALOG_MAX_BATCH_ITEMS, inventory_movement_request,                 \
       "the movements, applied in order, all or none; each once per movement_id")
RECORD_STRUCT (inventory_movements_batch_request, INVENTORY_MOVEMENTS_BATCH_REQUEST)

#define INVENTORY_MOVEMENT_REPLY(X, T)                                                             \
    R_MOVEMENT_ID (X, T) X (T, STR, type, true, FC_IDENT, 32, "the movement's type")               \
    R_SKU (X, T) R_LOCATION (X, T) X (T, STR, to_location, false, FC_IDENT, 64, "transfer: where the units went") \
    X (T, MAP, stock, true, inventory_location_stock, "the stock at location afterwards")          \
    X (T, MAP, to_stock, false, inventory_location_stock, "transfer: the stock at to_location afterwards") \
    X (T, BOOL, location_created, "location was unknown and was created (a warehouse, used last)") \
    X (T, BOOL, to_location_created, "to_location was unknown and was created")                     \
    X (T, INT, shortfall, false, 0, INT64_MAX,                                                     \
       "count: units reserved and quarantined beyond what was counted (reservations are kept)")
RECORD_STRUCT (inventory_movement_reply, INVENTORY_MOVEMENT_REPLY)

//  inventory.stock.moved: a movement, with its reply's figures
#define INVENTORY_STOCK_MOVED_EVENT(X, T) INVENTORY_MOVEMENT_REPLY (X, T) \
    X (T, INT, quantity, true, -CATALOG_MAX_ON_HAND, CATALOG_MAX_ON_HAND, "the movement's quantity")
RECORD_STRUCT (inventory_stock_moved_event, INVENTORY_STOCK_MOVED_EVENT)

//  inventory.stock.discrepancy: a count below what is reserved and quarantined
#define INVENTORY_STOCK_DISCREPANCY_EVENT(X, T)                                            \
    R_MOVEMENT_ID (X, T) R_SKU (X, T) R_LOCATION (X, T) INVENTORY_STOCK_LEVELS (X, T)      \
    X (T, INT, shortfall, true, 1, INT64_MAX, "units reserved and quarantined beyond on hand")
RECORD_STRUCT (inventory_stock_discrepancy_event, INVENTORY_STOCK_DISCREPANCY_EVENT)

//  inventory.stock.low and inventory.stock.replenished
#define INVENTORY_STOCK_LOW_EVENT(X, T)                                                          \
    R_SKU (X, T) X (T, STR, location, false, FC_IDENT, 64, "the location whose own threshold was crossed; absent: the SKU's total") \
    R_AMOUNT (X, T, available, "available now")                                                 \
    R_AMOUNT (X, T, low_stock_threshold, "the threshold crossed")
RECORD_STRUCT (inventory_stock_low_event, INVENTORY_STOCK_LOW_EVENT)

//  inventory.ledger: one on-hand change; quantity_delta over a stock's
//  entries sums to its on hand
#define INVENTORY_LEDGER_ENTRY(X, T)                                                                \
    R_MOVEMENT_ID (X, T)                                                                            \
    X (T, STR, type, true, FC_IDENT, 32,                                                            \
       "initial, receipt, adjustment, transfer_out, transfer_in, count, shipment, short_pick (no on-hand change) " \
       "or return (units a customer sent back)")                                                 \
    X (T, INT, quantity_delta, true, -CATALOG_MAX_ON_HAND, CATALOG_MAX_ON_HAND, "change of on hand")  \
    R_STOCK (X, T, on_hand_after, "on hand after the change")                                       \
    X (T, STR, reason, false, FC_REF, 256, "the movement's reason")                                 \
    X (T, TIME, occurred_at, true, "when it happened")                                              \
    X (T, TIME, recorded_at, true, "when inventory recorded it")                                    \
    X (T, STR, order_id, false, FC_UUID, UUID_STR_LEN, "shipment, short_pick, return: the order") \
    R_INVENTORY_FULFILLMENT_ID (X, T, "shipment, short_pick: the fulfilment")
RECORD_STRUCT (inventory_ledger_entry, INVENTORY_LEDGER_ENTRY)

#define INVENTORY_LEDGER_REQUEST(X, T)                                                      \
    R_LOCATION (X, T) R_SKU (X, T)                                                          \
    X (T, INT, limit, false, 1, STOCK_LEDGER_PAGE_MAX, "entries per page (default 100)")    \
    X (T, STR, cursor, false, FC_IDENT, 32, "next_cursor of the previous page")
RECORD_STRUCT (inventory_ledger_request, INVENTORY_LEDGER_REQUEST)

#define INVENTORY_LEDGER_REPLY(X, T)                                                          \
    R_LOCATION (X, T) R_SKU (X, T)                                                            \
    X (T, MAPS, entries, 0, STOCK_LEDGER_PAGE_MAX, inventory_ledger_entry, "oldest first")    \
    X (T, STR, next_cursor, false, FC_IDENT, 32, "absent on the last page")
RECORD_STRUCT (inventory_ledger_reply, INVENTORY_LEDGER_REPLY)

#endif
