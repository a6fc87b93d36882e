//  catalog_inventory — inventory's messages, each body described once: the
//  record lists below give the catalogue's field lists
//  (catalog_inventory.c) and the structs inventory's handlers decode
//  requests into and pack replies and events from.
#ifndef RM_CATALOG_INVENTORY_H
#define RM_CATALOG_INVENTORY_H

#include "catalog_shared.h"

#define R_STOCK(X, T, n, d) X (T, INT, n, true, 0, CATALOG_MAX_ON_HAND, d)
#define INVENTORY_STOCK_LEVELS(X, T)                                                   \
    R_STOCK (X, T, on_hand, "units on hand") R_STOCK (X, T, reserved, "units held for orders") \
    R_STOCK (X, T, available, "on_hand - reserved")

//  inventory.availability
#define INVENTORY_AVAILABILITY_REQUEST(X, T) \
    X (T, STRS, skus, FC_IDENT, 64, 1, CATALOG_MAX_SKUS, "SKUs to look up")
RECORD_STRUCT (inventory_availability_request, INVENTORY_AVAILABILITY_REQUEST)

#define INVENTORY_LOCATION_STOCK(X, T) R_LOCATION (X, T) INVENTORY_STOCK_LEVELS (X, T)
RECORD_STRUCT (inventory_location_stock, INVENTORY_LOCATION_STOCK)

#define INVENTORY_AVAILABILITY_ITEM(X, T)                                              \
    R_SKU (X, T) R_AMOUNT (X, T, on_hand, "units on hand over all locations")          \
    R_AMOUNT (X, T, reserved, "units held for orders over all locations")             \
    R_AMOUNT (X, T, available, "on_hand - reserved")                                   \
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
#define INVENTORY_RESERVE_REQUEST(X, T)                                                          \
    R_ORDER_ID (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, catalog_sku_quantity, "what to hold") \
    R_HOLD_ID (X, T, false, "a hold (inventory.hold) whose stock the order takes over") R_SHIP_FROM (X, T)
RECORD_STRUCT (inventory_reserve_request, INVENTORY_RESERVE_REQUEST)

#define INVENTORY_RESERVED_LINE(X, T) \
    R_SKU (X, T) R_QUANTITY (X, T)    \
    X (T, MAPS, allocations, 1, CATALOG_MAX_LOCATIONS, catalog_allocation, "where the units are held")
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

//  inventory.reservations: an order's reservation, per line and location
#define INVENTORY_RESERVATIONS_REQUEST(X, T) R_ORDER_ID (X, T)
RECORD_STRUCT (inventory_reservations_request, INVENTORY_RESERVATIONS_REQUEST)

#define INVENTORY_ORDER_RESERVATIONS(X, T)                                                       \
    R_ORDER_ID (X, T) R_RESERVATION_STATUS (X, T)                                                \
    R_HOLD_ID (X, T, false, "the hold the order took over, if any")                              \
    X (T, MAPS, reservations, 0, INVENTORY_ROWS_MAX, inventory_reservation_row, "per line and location, in line order")
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

//  inventory.set_stock, and the stock its reply and event carry
#define INVENTORY_SET_STOCK_REQUEST(X, T) \
    R_LOCATION (X, T) R_SKU (X, T) R_STOCK (X, T, on_hand, "units now on hand at the location")
RECORD_STRUCT (inventory_set_stock_request, INVENTORY_SET_STOCK_REQUEST)

#define INVENTORY_STOCK(X, T) R_LOCATION (X, T) R_SKU (X, T) INVENTORY_STOCK_LEVELS (X, T)
RECORD_STRUCT (inventory_stock, INVENTORY_STOCK)

#endif
