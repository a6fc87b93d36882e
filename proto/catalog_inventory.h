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

//  inventory.reserve, and the reservation its reply and events carry
#define R_BACKORDER_OK(X, T, d) X (T, OPTBOOL, allow_backorder, d)
#define INVENTORY_RESERVE_LINE(X, T) \
    CATALOG_SKU_QUANTITY (X, T)      \
    R_BACKORDER_OK (X, T, "when short, hold what is available and backorder the rest")
RECORD_STRUCT (inventory_reserve_line, INVENTORY_RESERVE_LINE)

#define INVENTORY_RESERVE_REQUEST(X, T)                                                      \
    R_ORDER_ID (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, inventory_reserve_line, "what to hold") \
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

#endif
