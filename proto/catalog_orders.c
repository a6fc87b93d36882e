//  The orders slice of the catalogue: submitting, reading, cancelling and crediting orders, and their events.
#include "catalog_orders.h"
#include "catalog_fields.h"

RECORD_FIELDS (orders_submit_line, ORDERS_SUBMIT_LINE)
RECORD_FIELDS (orders_submit_request, ORDERS_SUBMIT_REQUEST)
RECORD_FIELDS (orders_line, ORDERS_LINE)
RECORD_FIELDS (orders_order, ORDERS_ORDER)
RECORD_FIELDS (orders_submitted_order, ORDERS_SUBMITTED_ORDER)
RECORD_FIELDS (orders_get_request, ORDERS_GET_REQUEST)
RECORD_FIELDS (orders_cancel_line, ORDERS_CANCEL_LINE)
RECORD_FIELDS (orders_cancel_request, ORDERS_CANCEL_REQUEST)
RECORD_FIELDS (orders_cancelled_order, ORDERS_CANCELLED_ORDER)
RECORD_FIELDS (orders_cancelled_event, ORDERS_CANCELLED_EVENT)
RECORD_FIELDS (orders_line_cancelled, ORDERS_LINE_CANCELLED)
RECORD_FIELDS (orders_lines_cancelled_event, ORDERS_LINES_CANCELLED_EVENT)
RECORD_FIELDS (orders_fulfilment_line, ORDERS_FULFILMENT_LINE)
RECORD_FIELDS (orders_fulfilment, ORDERS_FULFILMENT)
RECORD_FIELDS (orders_status_line, ORDERS_STATUS_LINE)
RECORD_FIELDS (orders_status, ORDERS_STATUS)
RECORD_FIELDS (orders_health, ORDERS_HEALTH)
RECORD_FIELDS (orders_invoice_line, ORDERS_INVOICE_LINE)
RECORD_FIELDS (orders_invoice, ORDERS_INVOICE)
RECORD_FIELDS (orders_invoice_request, ORDERS_INVOICE_REQUEST)
RECORD_FIELDS (orders_invoices, ORDERS_INVOICES)
RECORD_FIELDS (orders_history_entry, ORDERS_HISTORY_ENTRY)
RECORD_FIELDS (orders_history, ORDERS_HISTORY)
RECORD_FIELDS (orders_find_request, ORDERS_FIND_REQUEST)
RECORD_FIELDS (orders_hold_status_request, ORDERS_HOLD_STATUS_REQUEST)
RECORD_FIELDS (orders_hold_status_entry, ORDERS_HOLD_STATUS_ENTRY)
RECORD_FIELDS (orders_hold_status_reply, ORDERS_HOLD_STATUS_REPLY)
RECORD_FIELDS (orders_returnable_request, ORDERS_RETURNABLE_REQUEST)
RECORD_FIELDS (orders_returnable_line, ORDERS_RETURNABLE_LINE)
RECORD_FIELDS (orders_returnable, ORDERS_RETURNABLE)
RECORD_FIELDS (orders_credit_memo_line, ORDERS_CREDIT_MEMO_LINE)
RECORD_FIELDS (orders_credit_memo, ORDERS_CREDIT_MEMO)
RECORD_FIELDS (orders_credit_memos, ORDERS_CREDIT_MEMOS)

const msg_spec_t catalog_orders[] = {
    OP ("orders.submit", orders_submit_request_fields, orders_submitted_order_fields,
        "Accepts an order: checks prices, reserves stock, records it."),
    OP ("orders.get", orders_get_request_fields, orders_order_fields, "An order by its ID."),
    OP ("orders.find", orders_find_request_fields, orders_order_fields, "An order by channel and external ID."),
    OP ("orders.cancel", orders_cancel_request_fields, orders_cancelled_order_fields,
        "Cancels an accepted order, or with lines some units of its unshipped lines, once fulfillment has "
        "cancelled their fulfilments (conflict, naming them, when one has shipped); inventory then releases "
        "the stock. Cancelling twice is harmless."),
    OP ("orders.status", orders_get_request_fields, orders_status_fields,
        "Where an order stands: its status and each fulfilment's last-known status, from orders' own read "
        "model (it answers while fulfillment is down), with as_of, lag_seconds and stale."),
    OP ("orders.invoices", orders_get_request_fields, orders_invoices_fields, "An order's invoices."),
    OP ("orders.invoice", orders_invoice_request_fields, orders_invoice_fields, "An invoice by its number."),
    OP ("orders.history", orders_get_request_fields, orders_history_fields,
        "An order's status changes with time and correlation ID."),
    OP ("orders.hold_status", orders_hold_status_request_fields, orders_hold_status_reply_fields,
        "Whether orders were accepted, are being submitted or do not exist: inventory asks before it expires an order's hold."),
    OP ("orders.returnable", orders_returnable_request_fields, orders_returnable_fields,
        "What of an order (by order_id, or channel and external_id) may come back: per line the units "
        "shipped, delivered, cancelled and already returned, and when the line last shipped and was delivered."),
    OP ("orders.credit_memos", orders_get_request_fields, orders_credit_memos_fields,
        "An order's credit memos, oldest first."),
    EVENT ("orders.order.accepted", orders_order_fields, "An order was accepted."),
    EVENT ("orders.order.cancelled", orders_cancelled_event_fields,
           "An accepted order was cancelled; its stock is to be released."),
    EVENT ("orders.order.lines_cancelled", orders_lines_cancelled_event_fields,
           "Units of an order's unshipped lines were cancelled; their stock is to be released where it was held."),
    EVENT ("orders.invoice.created", orders_invoice_fields, "An invoice was issued for what a fulfilment shipped."),
    EVENT ("orders.credit_memo.created", orders_credit_memo_fields,
           "A credit memo was issued for what a return receipt brought back (returns.return.received)."),
    {.name = NULL},
};
