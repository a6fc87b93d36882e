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
RECORD_FIELDS (inventory_reservation_row, INVENTORY_RESERVATION_ROW)
RECORD_FIELDS (inventory_settled_line, INVENTORY_SETTLED_LINE)
RECORD_FIELDS (inventory_reservations_request, INVENTORY_RESERVATIONS_REQUEST)
RECORD_FIELDS (inventory_order_reservations, INVENTORY_ORDER_RESERVATIONS)
RECORD_FIELDS (inventory_hold_request, INVENTORY_HOLD_REQUEST)
RECORD_FIELDS (inventory_hold, INVENTORY_HOLD)
RECORD_FIELDS (inventory_hold_made, INVENTORY_HOLD_MADE)
RECORD_FIELDS (inventory_hold_id_request, INVENTORY_HOLD_ID_REQUEST)
RECORD_FIELDS (inventory_committed_event, INVENTORY_COMMITTED_EVENT)
RECORD_FIELDS (inventory_release_request, INVENTORY_RELEASE_REQUEST)
RECORD_FIELDS (inventory_release_reply, INVENTORY_RELEASE_REPLY)
RECORD_FIELDS (inventory_orders_restarted_request, INVENTORY_ORDERS_RESTARTED_REQUEST)
RECORD_FIELDS (inventory_orders_restarted_reply, INVENTORY_ORDERS_RESTARTED_REPLY)
RECORD_FIELDS (inventory_set_stock_request, INVENTORY_SET_STOCK_REQUEST)
RECORD_FIELDS (inventory_stock, INVENTORY_STOCK)
RECORD_FIELDS (inventory_backorder, INVENTORY_BACKORDER)
RECORD_FIELDS (inventory_backorders_request, INVENTORY_BACKORDERS_REQUEST)
RECORD_FIELDS (inventory_backorders_reply, INVENTORY_BACKORDERS_REPLY)
RECORD_FIELDS (inventory_backorder_filled, INVENTORY_BACKORDER_FILLED)
RECORD_FIELDS (inventory_settled_event, INVENTORY_SETTLED_EVENT)
RECORD_FIELDS (inventory_set_stock_reply, INVENTORY_SET_STOCK_REPLY)
RECORD_FIELDS (inventory_location, INVENTORY_LOCATION)
RECORD_FIELDS (inventory_location_get_request, INVENTORY_LOCATION_GET_REQUEST)
RECORD_FIELDS (inventory_location_list_reply, INVENTORY_LOCATION_LIST_REPLY)
RECORD_FIELDS (inventory_sku_policy, INVENTORY_SKU_POLICY)
RECORD_FIELDS (inventory_stock_policy_request, INVENTORY_STOCK_POLICY_REQUEST)
RECORD_FIELDS (inventory_movement_request, INVENTORY_MOVEMENT_REQUEST)
RECORD_FIELDS (inventory_movements_batch_request, INVENTORY_MOVEMENTS_BATCH_REQUEST)
RECORD_FIELDS (inventory_movement_reply, INVENTORY_MOVEMENT_REPLY)
RECORD_FIELDS (inventory_stock_moved_event, INVENTORY_STOCK_MOVED_EVENT)
RECORD_FIELDS (inventory_stock_discrepancy_event, INVENTORY_STOCK_DISCREPANCY_EVENT)
RECORD_FIELDS (inventory_stock_low_event, INVENTORY_STOCK_LOW_EVENT)
RECORD_FIELDS (inventory_ledger_entry, INVENTORY_LEDGER_ENTRY)
RECORD_FIELDS (inventory_ledger_request, INVENTORY_LEDGER_REQUEST)
RECORD_FIELDS (inventory_ledger_reply, INVENTORY_LEDGER_REPLY)

static const field_spec_t s_no_fields[] = {{.name = NULL}};

const msg_spec_t catalog_inventory[] = {
    OP ("inventory.availability", inventory_availability_request_fields, inventory_availability_reply_fields,
        "Stock of SKUs, in total and per location."),
    OP ("inventory.reserve", inventory_reserve_request_fields, inventory_reservation_fields,
        "Holds stock for an order, all lines or nothing."),
    OP ("inventory.orders_restarted", inventory_orders_restarted_request_fields,
        inventory_orders_restarted_reply_fields,
        "orders started again: the holds of submissions it had in flight are checked with it now, not at their deadline."),
    OP ("inventory.release", inventory_release_request_fields, inventory_release_reply_fields,
        "Releases everything held for an order."),
    OP ("inventory.set_stock", inventory_set_stock_request_fields, inventory_set_stock_reply_fields,
        "Counts a SKU at a location: on hand becomes the figure given (a count movement)."),
    EVENT ("inventory.stock.set", inventory_stock_fields, "The units on hand at a location were set."),
    OP ("inventory.location.put", inventory_location_fields, inventory_location_fields,
        "Creates or changes a stock location: its name, type and allocation priority."),
    OP ("inventory.location.get", inventory_location_get_request_fields, inventory_location_fields, "One location."),
    OP ("inventory.location.list", s_no_fields, inventory_location_list_reply_fields, "Every location."),
    OP ("inventory.policy.set", inventory_sku_policy_fields, inventory_sku_policy_fields,
        "Sets a SKU's safety stock and low-stock threshold (fields left out keep their value)."),
    OP ("inventory.stock_policy.set", inventory_stock_policy_request_fields, inventory_stock_fields,
        "Sets a location's own safety stock and low-stock threshold for a SKU, over the SKU's."),
    OP ("inventory.movement", inventory_movement_request_fields, inventory_movement_reply_fields,
        "Applies a stock movement once per movement_id: receipt, adjustment, transfer, count, quarantine, "
        "release_quarantine."),
    OP ("inventory.movements_batch", inventory_movements_batch_request_fields, catalog_batch_reply_fields,
        "Applies up to 10,000 stock movements in one transaction, all or none; once per batch_id, each movement "
        "once per movement_id."),
    OP ("inventory.ledger", inventory_ledger_request_fields, inventory_ledger_reply_fields,
        "The on-hand changes of a SKU at a location, oldest first, a page at a time."),
    EVENT ("inventory.stock.moved", inventory_stock_moved_event_fields, "A stock movement was applied."),
    EVENT ("inventory.stock.discrepancy", inventory_stock_discrepancy_event_fields,
           "A count found fewer units than are reserved and quarantined; the reservations were kept."),
    EVENT ("inventory.stock.low", inventory_stock_low_event_fields,
           "What is available of a SKU dropped below its low-stock threshold."),
    EVENT ("inventory.stock.replenished", inventory_stock_low_event_fields,
           "What is available of a SKU is back at or above its low-stock threshold."),
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
    EVENT ("inventory.reservation.expired", inventory_reservation_fields,
           "What was held for an order that orders says does not exist went back once its deadline passed."),
    EVENT ("inventory.hold.placed", inventory_hold_fields, "Stock was held for a while before an order."),
    EVENT ("inventory.hold.released", inventory_hold_fields, "A hold was released; its stock is available again."),
    EVENT ("inventory.hold.committed", inventory_hold_fields, "An order took a hold's stock over."),
    EVENT ("inventory.hold.expired", inventory_hold_fields,
           "A hold's time ran out; its stock is available again."),
    OP ("inventory.backorders", inventory_backorders_request_fields, inventory_backorders_reply_fields,
        "A SKU's open backorders, first come first."),
    EVENT ("inventory.backorder.filled", inventory_backorder_filled_fields,
           "Stock that arrived was held for a backordered order line; allocations say where."),
    EVENT ("inventory.stock.shipped", inventory_settled_event_fields,
           "A fulfilment shipped: on hand and reserved went down by what shipped, and its shortfall was released."),
    EVENT ("inventory.reservation.reduced", inventory_settled_event_fields,
           "Cancelled lines of an order gave their units back; the rest stays held."),
    {.name = NULL},
};
