//  The pricing slice of the catalogue: quotes, price checks, prices and their event.
#include "catalog_pricing.h"
#include "catalog_fields.h"

RECORD_FIELDS (pricing_quote_request, PRICING_QUOTE_REQUEST)
RECORD_FIELDS (pricing_quote_line, PRICING_QUOTE_LINE)
RECORD_FIELDS (pricing_quote_reply, PRICING_QUOTE_REPLY)
RECORD_FIELDS (pricing_validate_request, PRICING_VALIDATE_REQUEST)
RECORD_FIELDS (pricing_validate_line, PRICING_VALIDATE_LINE)
RECORD_FIELDS (pricing_validate_reply, PRICING_VALIDATE_REPLY)
RECORD_FIELDS (pricing_set_request, PRICING_SET_REQUEST)
RECORD_FIELDS (pricing_price, PRICING_PRICE)
RECORD_FIELDS (pricing_price_changed, PRICING_PRICE_CHANGED)

const msg_spec_t catalog_pricing[] = {
    OP ("pricing.quote", pricing_quote_request_fields, pricing_quote_reply_fields,
        "Prices lines at the current prices."),
    OP ("pricing.validate", pricing_validate_request_fields, pricing_validate_reply_fields,
        "Checks quoted prices against the current ones."),
    OP ("pricing.set", pricing_set_request_fields, pricing_price_fields, "Sets the price of a SKU in a currency."),
    EVENT ("pricing.price.set", pricing_price_changed_fields, "A price was set."),
    {.name = NULL},
};
