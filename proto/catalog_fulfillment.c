//  The fulfillment slice of the catalogue: fulfilments, the milestones warehouses and carriers report, and their events.
#include "catalog_fulfillment.h"
#include "catalog_fields.h"

RECORD_FIELDS (fulfillment_line, FULFILLMENT_LINE)
RECORD_FIELDS (fulfillment, FULFILLMENT)
RECORD_FIELDS (fulfillment_event, FULFILLMENT_EVENT)
RECORD_FIELDS (fulfillment_milestone_request, FULFILLMENT_MILESTONE_REQUEST)
RECORD_FIELDS (fulfillment_milestone_reply, FULFILLMENT_MILESTONE_REPLY)
RECORD_FIELDS (fulfillment_milestones_batch_request, FULFILLMENT_MILESTONES_BATCH_REQUEST)
RECORD_FIELDS (fulfillment_item_error, FULFILLMENT_ITEM_ERROR)
RECORD_FIELDS (fulfillment_batch_result, FULFILLMENT_BATCH_RESULT)
RECORD_FIELDS (fulfillment_milestones_batch_reply, FULFILLMENT_MILESTONES_BATCH_REPLY)
RECORD_FIELDS (fulfillment_get_request, FULFILLMENT_GET_REQUEST)
RECORD_FIELDS (fulfillment_history_entry, FULFILLMENT_HISTORY_ENTRY)
RECORD_FIELDS (fulfillment_detail, FULFILLMENT_DETAIL)
RECORD_FIELDS (fulfillment_list_request, FULFILLMENT_LIST_REQUEST)
RECORD_FIELDS (fulfillment_list_reply, FULFILLMENT_LIST_REPLY)
RECORD_FIELDS (fulfillment_by_order_reply, FULFILLMENT_BY_ORDER_REPLY)
RECORD_FIELDS (fulfillment_cancel_line, FULFILLMENT_CANCEL_LINE)
RECORD_FIELDS (fulfillment_cancel_request, FULFILLMENT_CANCEL_REQUEST)
RECORD_FIELDS (fulfillment_cancelled_line, FULFILLMENT_CANCELLED_LINE)
RECORD_FIELDS (fulfillment_cancelled, FULFILLMENT_CANCELLED)
RECORD_FIELDS (fulfillment_cancel_reply, FULFILLMENT_CANCEL_REPLY)
RECORD_FIELDS (fulfillment_location_health, FULFILLMENT_LOCATION_HEALTH)
RECORD_FIELDS (fulfillment_health, FULFILLMENT_HEALTH)

const msg_spec_t catalog_fulfillment[] = {
    OP ("fulfillment.milestone", fulfillment_milestone_request_fields, fulfillment_milestone_reply_fields,
        "Records a warehouse's or carrier's milestone once per event_id; an older one is kept in the history "
        "without moving the status back."),
    OP ("fulfillment.milestones_batch", fulfillment_milestones_batch_request_fields,
        fulfillment_milestones_batch_reply_fields,
        "Records up to 1,000 milestones, each on its own, with a result per item."),
    OP ("fulfillment.get", fulfillment_get_request_fields, fulfillment_detail_fields,
        "A fulfilment with its milestones in occurred_at order."),
    OP ("fulfillment.list", fulfillment_list_request_fields, fulfillment_list_reply_fields,
        "Fulfilments oldest first, by location, status and creation time, a page at a time."),
    OP ("fulfillment.by_order", orders_get_request_fields, fulfillment_by_order_reply_fields,
        "An order's fulfilments."),
    OP ("fulfillment.cancel", fulfillment_cancel_request_fields, fulfillment_cancel_reply_fields,
        "Cancels an order's fulfilments, or units of its lines, all or nothing: refused while any of them has "
        "shipped. Cancelling a cancelled order answers the same; units of lines once per idempotency key."),
    EVENT ("fulfillment.order.created", fulfillment_event_fields,
           "A fulfilment was created: stock held at one location for an order or a backorder fill."),
    EVENT ("fulfillment.shipment.picked", fulfillment_event_fields, "A fulfilment was picked."),
    EVENT ("fulfillment.shipment.packed", fulfillment_event_fields, "A fulfilment was packed."),
    EVENT ("fulfillment.shipment.shipped", fulfillment_event_fields,
           "A fulfilment left its location; lines say what shipped and the shortfall released."),
    EVENT ("fulfillment.shipment.delivered", fulfillment_event_fields, "A fulfilment was delivered."),
    EVENT ("fulfillment.shipment.exception", fulfillment_event_fields,
           "A fulfilment ran into an exception; reason says which."),
    EVENT ("fulfillment.order.cancelled", fulfillment_event_fields,
           "A fulfilment was cancelled, wholly or some units of its lines (cancelled)."),
    {.name = NULL},
};
