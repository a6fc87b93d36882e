//  The inventory slice of the catalogue: stock, holds for orders and their events.
#include "catalog_inventory.h"
#include "catalog_fields.h"

RECORD_FIELDS (inventory_availability_request, INVENTORY_AVAILABILITY_REQUEST)
RECORD_FIELDS (inventory_location_stock, INVENTORY_LOCATION_STOCK)
RECORD_FIELDS (inventory_availability_item, INVENTORY_AVAILABILITY_ITEM)
RECORD_FIELDS (inventory_availability_reply, INVENTORY_AVAILABILITY_REPLY)
RECORD_FIELDS (inventory_reserve_request, INVENTORY_RESERVE_REQUEST)
RECORD_FIELDS (inventory_reserved_line, INVENTORY_RESERVED_LINE)
RECORD_FIELDS (inventory_reservation, INVENTORY_RESERVATION)
RECORD_FIELDS (inventory_reservation_row, INVENTORY_RESERVATION_ROW)
RECORD_FIELDS (inventory_reservations_request, INVENTORY_RESERVATIONS_REQUEST)
RECORD_FIELDS (inventory_order_reservations, INVENTORY_ORDER_RESERVATIONS)
RECORD_FIELDS (inventory_hold_request, INVENTORY_HOLD_REQUEST)
RECORD_FIELDS (inventory_hold, INVENTORY_HOLD)
RECORD_FIELDS (inventory_hold_made, INVENTORY_HOLD_MADE)
RECORD_FIELDS (inventory_hold_id_request, INVENTORY_HOLD_ID_REQUEST)
RECORD_FIELDS (inventory_committed_event, INVENTORY_COMMITTED_EVENT)
RECORD_FIELDS (inventory_release_request, INVENTORY_RELEASE_REQUEST)
RECORD_FIELDS (inventory_release_reply, INVENTORY_RELEASE_REPLY)
RECORD_FIELDS (inventory_set_stock_request, INVENTORY_SET_STOCK_REQUEST)
RECORD_FIELDS (inventory_stock, INVENTORY_STOCK)

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
    OP ("inventory.reservations", inventory_reservations_request_fields, inventory_order_reservations_fields,
        "An order's reservation per line and location, with its status (released ones too)."),
    OP ("inventory.hold", inventory_hold_request_fields, inventory_hold_made_fields,
        "Holds stock for a while before there is an order, all lines or nothing."),
    OP ("inventory.hold_get", inventory_hold_id_request_fields, inventory_hold_fields, "A hold by its ID."),
    OP ("inventory.hold_release", inventory_hold_id_request_fields, inventory_hold_fields,
        "Releases a hold's stock; releasing twice, or a hold already over, is harmless."),
    EVENT ("inventory.reservation.committed", inventory_committed_event_fields,
           "An order was accepted: its reservation is committed."),
    EVENT ("inventory.hold.placed", inventory_hold_fields, "Stock was held for a while before an order."),
    EVENT ("inventory.hold.released", inventory_hold_fields, "A hold was released; its stock is available again."),
    EVENT ("inventory.hold.committed", inventory_hold_fields, "An order took a hold's stock over."),
    EVENT ("inventory.hold.expired", inventory_hold_fields,
           "A hold's time ran out; its stock is available again."),
    {.name = NULL},
};
