//  The orders slice of the catalogue: submitting, reading and cancelling orders, and their events.
#include "catalog_fields.h"

static const field_spec_t s_submit_request[] = {
    F_EXTERNAL_ID ("the client's order reference; resubmitting it returns the same order"),
    F_CHANNEL (false, "sales channel (web, store...); absent means the orders service's default"),
    F_ACCOUNT_ID, F_CURRENCY,
    F_MAPS ("lines", 1, CATALOG_MAX_LINES, catalog_quoted_line_fields, "what to order, at quoted prices"),
    F_SHIP_TO, F_END};

static const field_spec_t s_order_line[] = {
    F_SKU, F_QUANTITY, F_UNIT_PRICE ("price per unit, minor units"),
    F_AMOUNT ("extended_price", "unit_price * quantity"),
    F_MAPS ("reservations", 0, CATALOG_MAX_LOCATIONS, catalog_allocation_fields, "stock held for the line"),
    F_END};

#define S_ORDER_FIELDS                                                                 \
    F_ORDER_ID, F_EXTERNAL_ID ("the client's order reference"),                        \
        F_CHANNEL (true, "sales channel"), F_ACCOUNT_ID,                               \
        F_STR ("status", true, FC_IDENT, 16, "pending, accepted or cancelled"), F_CURRENCY, \
        F_AMOUNT ("total", "sum of extended_price, minor units"),                      \
        F_MAPS ("lines", 1, CATALOG_MAX_LINES, s_order_line, "the order lines"), F_SHIP_TO,  \
        F_TIME ("created_at", true, "when the order was created, Unix ms"),                 \
        F_TIME ("cancelled_at", false, "when the order was cancelled, Unix ms"), \
        F_STR ("cancel_reason", false, FC_NONE, 256, "why the order was cancelled")

static const field_spec_t s_order[] = {S_ORDER_FIELDS, F_END};

static const field_spec_t s_submitted_order[] = {
    S_ORDER_FIELDS, F_BOOL ("created", "false when an earlier submission made the order"), F_END};

static const field_spec_t s_get_request[] = {F_ORDER_ID, F_END};

static const field_spec_t s_cancel_request[] = {
    F_ORDER_ID, F_STR ("reason", false, FC_NONE, 256, "why the order is cancelled"), F_END};

static const field_spec_t s_cancelled_order[] = {
    S_ORDER_FIELDS, F_BOOL ("changed", "false when the order was already cancelled"), F_END};

static const field_spec_t s_cancelled_event[] = {
    F_ORDER_ID, F_EXTERNAL_ID ("the client's order reference"), F_CHANNEL (true, "sales channel"),
    F_STR ("reason", false, FC_NONE, 256, "why the order was cancelled"),
    F_MAPS ("lines", 1, CATALOG_MAX_LINES, s_order_line, "the order lines and what they held"), F_END};

static const field_spec_t s_history_entry[] = {
    F_STR ("status", true, FC_IDENT, 16, "the status the order moved to"),
    F_STR ("event", true, FC_NONE, 64, "the event that recorded it"),
    F_TIME ("time", true, "when, Unix ms"),
    F_STR ("correlation_id", true, FC_NONE, 128, "the request that caused it"),
    F_STR ("reason", false, FC_NONE, 256, "why, when given"), F_END};

static const field_spec_t s_history[] = {
    F_ORDER_ID, F_MAPS ("events", 0, 10000, s_history_entry, "status changes, oldest first"), F_END};

static const field_spec_t s_find_request[] = {
    F_CHANNEL (true, "sales channel the order was submitted on"),
    F_EXTERNAL_ID ("the client's order reference"), F_END};

const msg_spec_t catalog_orders[] = {
    OP ("orders.submit", s_submit_request, s_submitted_order,
        "Accepts an order: checks prices, reserves stock, records it."),
    OP ("orders.get", s_get_request, s_order, "An order by its ID."),
    OP ("orders.find", s_find_request, s_order, "An order by channel and external ID."),
    OP ("orders.cancel", s_cancel_request, s_cancelled_order,
        "Cancels an accepted order; inventory then releases its stock. Cancelling twice is harmless."),
    OP ("orders.history", s_get_request, s_history, "An order's status changes with time and correlation ID."),
    EVENT ("orders.order.accepted", s_order, "An order was accepted."),
    EVENT ("orders.order.cancelled", s_cancelled_event, "An accepted order was cancelled; its stock is to be released."),
    {.name = NULL},
};
