//  The inventory slice of the catalogue: stock, holds for orders and their events.
#include "catalog_inventory.h"
#include "catalog_fields.h"

RECORD_FIELDS (inventory_availability_request, INVENTORY_AVAILABILITY_REQUEST)
RECORD_FIELDS (inventory_location_stock, INVENTORY_LOCATION_STOCK)
RECORD_FIELDS (inventory_availability_item, INVENTORY_AVAILABILITY_ITEM)
RECORD_FIELDS (inventory_availability_reply, INVENTORY_AVAILABILITY_REPLY)
RECORD_FIELDS (inventory_reserve_line, INVENTORY_RESERVE_LINE)
RECORD_FIELDS (inventory_reserve_request, INVENTORY_RESERVE_REQUEST)
RECORD_FIELDS (inventory_reserved_line, INVENTORY_RESERVED_LINE)
RECORD_FIELDS (inventory_reservation, INVENTORY_RESERVATION)
RECORD_FIELDS (inventory_release_request, INVENTORY_RELEASE_REQUEST)
RECORD_FIELDS (inventory_release_reply, INVENTORY_RELEASE_REPLY)
RECORD_FIELDS (inventory_set_stock_request, INVENTORY_SET_STOCK_REQUEST)
RECORD_FIELDS (inventory_stock, INVENTORY_STOCK)
RECORD_FIELDS (inventory_backorder, INVENTORY_BACKORDER)
RECORD_FIELDS (inventory_backorders_request, INVENTORY_BACKORDERS_REQUEST)
RECORD_FIELDS (inventory_backorders_reply, INVENTORY_BACKORDERS_REPLY)
RECORD_FIELDS (inventory_backorder_filled, INVENTORY_BACKORDER_FILLED)

const msg_spec_t catalog_inventory[] = {
    OP ("inventory.availability", inventory_availability_request_fields, inventory_availability_reply_fields,
        "Stock of SKUs, in total and per location."),
    OP ("inventory.reserve", inventory_reserve_request_fields, inventory_reservation_fields,
        "Holds stock for an order, all lines or nothing."),
    OP ("inventory.release", inventory_release_request_fields, inventory_release_reply_fields,
        "Releases everything held for an order."),
    OP ("inventory.set_stock", inventory_set_stock_request_fields, inventory_stock_fields,
        "Sets the units on hand of a SKU at a location."),
    EVENT ("inventory.stock.set", inventory_stock_fields, "The units on hand at a location were set."),
    EVENT ("inventory.stock.reserved", inventory_reservation_fields, "Stock was held for an order."),
    EVENT ("inventory.reservation.released", inventory_reservation_fields,
           "What was held for an order was released; lines say what was freed."),
    OP ("inventory.backorders", inventory_backorders_request_fields, inventory_backorders_reply_fields,
        "A SKU's open backorders, first come first."),
    EVENT ("inventory.backorder.filled", inventory_backorder_filled_fields,
           "Stock that arrived was held for a backordered order line; allocations say where."),
    {.name = NULL},
};
