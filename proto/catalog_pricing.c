//  The pricing slice of the catalogue: quotes, price checks, prices and their event.
#include "catalog_fields.h"

static const field_spec_t s_quote_request[] = {
    F_CURRENCY, F_MAPS ("lines", 1, S_MAX_LINES, catalog_sku_quantity, "what to price"), F_END};

static const field_spec_t s_quote_line[] = {
    F_SKU, F_QUANTITY, F_UNIT_PRICE ("current price per unit, minor units"),
    F_AMOUNT ("extended_price", "unit_price * quantity"), F_END};

static const field_spec_t s_quote_reply[] = {
    F_CURRENCY, F_AMOUNT ("total", "sum of extended_price, minor units"),
    F_MAPS ("lines", 1, S_MAX_LINES, s_quote_line, "one per request line, in order"), F_END};

static const field_spec_t s_validate_request[] = {
    F_CURRENCY, F_MAPS ("lines", 1, S_MAX_LINES, catalog_quoted_line, "quoted lines to check"), F_END};

static const field_spec_t s_validate_line[] = {
    F_SKU, F_QUANTITY, F_UNIT_PRICE ("current price per unit, minor units"),
    F_INT ("quoted", 0, S_MAX_UNIT_PRICE, "price per unit the client sent"),
    F_AMOUNT ("extended_price", "current unit_price * quantity"),
    F_BOOL ("ok", "quoted equals the current price"), F_END};

static const field_spec_t s_validate_reply[] = {
    F_BOOL ("ok", "every line's quoted price is current"), F_CURRENCY,
    F_AMOUNT ("total", "sum of extended_price at current prices"),
    F_MAPS ("lines", 1, S_MAX_LINES, s_validate_line, "one per request line, in order"), F_END};

static const field_spec_t s_price_set_request[] = {
    F_CURRENCY, F_SKU, F_UNIT_PRICE ("new price per unit, minor units"), F_END};

#define S_PRICE_FIELDS                                        \
    F_CURRENCY, F_SKU, F_UNIT_PRICE ("price per unit, minor units"), \
        F_TIME ("updated_at", true, "when the price was set, Unix ms")

static const field_spec_t s_price[] = {S_PRICE_FIELDS, F_END};

static const field_spec_t s_price_changed[] = {
    S_PRICE_FIELDS,
    {.name = "previous", .type = FT_INT, .required = false, .min = 0, .max = S_MAX_UNIT_PRICE,
     .doc = "the price before, when there was one"},
    F_END};

const msg_spec_t catalog_pricing[] = {
    OP ("pricing.quote", s_quote_request, s_quote_reply, "Prices lines at the current prices."),
    OP ("pricing.validate", s_validate_request, s_validate_reply,
        "Checks quoted prices against the current ones."),
    OP ("pricing.set", s_price_set_request, s_price, "Sets the price of a SKU in a currency."),
    EVENT ("pricing.price.set", s_price_changed, "A price was set."),
    {.name = NULL},
};
