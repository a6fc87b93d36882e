//  The returns slice of the catalogue: return authorizations, the receipts of returned units, and their events.
#include "catalog_returns.h"
#include "catalog_fields.h"

RECORD_FIELDS (returns_request_line, RETURNS_REQUEST_LINE)
RECORD_FIELDS (returns_authorize_request, RETURNS_AUTHORIZE_REQUEST)
RECORD_FIELDS (returns_line, RETURNS_LINE)
RECORD_FIELDS (returns_receipt_line, RETURNS_RECEIPT_LINE)
RECORD_FIELDS (returns_receipt, RETURNS_RECEIPT)
RECORD_FIELDS (returns_rejection, RETURNS_REJECTION)
RECORD_FIELDS (returns_return, RETURNS_RETURN)
RECORD_FIELDS (returns_authorize_reply, RETURNS_AUTHORIZE_REPLY)
RECORD_FIELDS (returns_get_request, RETURNS_GET_REQUEST)
RECORD_FIELDS (returns_cancel_request, RETURNS_CANCEL_REQUEST)
RECORD_FIELDS (returns_cancel_reply, RETURNS_CANCEL_REPLY)
RECORD_FIELDS (returns_by_order_reply, RETURNS_BY_ORDER_REPLY)
RECORD_FIELDS (returns_receive_line, RETURNS_RECEIVE_LINE)
RECORD_FIELDS (returns_receive_request, RETURNS_RECEIVE_REQUEST)
RECORD_FIELDS (returns_receive_reply, RETURNS_RECEIVE_REPLY)
RECORD_FIELDS (returns_received_line, RETURNS_RECEIVED_LINE)
RECORD_FIELDS (returns_received_receipt, RETURNS_RECEIVED_RECEIPT)
RECORD_FIELDS (returns_received_event, RETURNS_RECEIVED_EVENT)
RECORD_FIELDS (returns_refund_issued, RETURNS_REFUND_ISSUED)
RECORD_FIELDS (returns_resolution, RETURNS_RESOLUTION)
RECORD_FIELDS (returns_reason_health, RETURNS_REASON_HEALTH)
RECORD_FIELDS (returns_location_health, RETURNS_LOCATION_HEALTH)
RECORD_FIELDS (returns_status_counts, RETURNS_STATUS_COUNTS)
RECORD_FIELDS (returns_health, RETURNS_HEALTH)

const msg_spec_t catalog_returns[] = {
    OP ("returns.authorize", returns_authorize_request_fields, returns_authorize_reply_fields,
        "Authorizes a return of delivered units of an order, once per return_id: every line within the return "
        "window and what is still returnable, else the return is stored rejected with a reason per line."),
    OP ("returns.get", returns_get_request_fields, returns_return_fields, "A return with its receipts."),
    OP ("returns.by_order", orders_get_request_fields, returns_by_order_reply_fields,
        "An order's returns, oldest first."),
    OP ("returns.receive", returns_receive_request_fields, returns_receive_reply_fields,
        "Records units of a return received at a location, once per receipt_id, with the refund each line "
        "earns less its restocking fee."),
    OP ("returns.cancel", returns_cancel_request_fields, returns_cancel_reply_fields,
        "Cancels an authorized return nothing was received for; cancelling it again answers the same."),
    EVENT ("returns.return.authorized", returns_return_fields, "A return was authorized."),
    EVENT ("returns.return.rejected", returns_return_fields,
           "A return was rejected; rejection says why, per request line."),
    EVENT ("returns.return.received", returns_received_event_fields,
           "Units of a return were received; receipt says what, at which price and for what refund."),
    EVENT ("returns.return.refunded", returns_return_fields, "Every receipt of a return has been refunded."),
    EVENT ("returns.return.cancelled", returns_return_fields, "An authorized return was cancelled."),
    EVENT ("returns.return.expired", returns_return_fields,
           "An authorized return expired with nothing received."),
    EVENT ("returns.return.closed", returns_return_fields,
           "A return was closed: every unit received and refunded, or the rest is no longer expected."),
    EVENT ("returns.refund.issued", returns_refund_issued_fields,
           "orders issued the credit memo of a receipt: its refund is done."),
    {.name = NULL},
};
