//  catalog_pricing — pricing's messages, each body described once: the
//  record lists below give the catalogue's field lists (catalog_pricing.c)
//  and the structs pricing's handlers decode requests into and pack
//  replies and events from.
#ifndef RM_CATALOG_PRICING_H
#define RM_CATALOG_PRICING_H

#include "catalog_shared.h"

//  pricing.quote
#define PRICING_QUOTE_REQUEST(X, T) \
    R_CURRENCY (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, catalog_sku_quantity, "what to price")
RECORD_STRUCT (pricing_quote_request, PRICING_QUOTE_REQUEST)

#define PRICING_QUOTE_LINE(X, T)                                                    \
    R_SKU (X, T) R_QUANTITY (X, T) R_UNIT_PRICE (X, T, "current price per unit, minor units") \
    R_AMOUNT (X, T, extended_price, "unit_price * quantity")
RECORD_STRUCT (pricing_quote_line, PRICING_QUOTE_LINE)

//  line: the record of its lines (pricing.c reads them from a price check's)
#define PRICING_QUOTE_REPLY_OF(X, T, line)                                         \
    R_CURRENCY (X, T) R_AMOUNT (X, T, total, "sum of extended_price, minor units") \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, line, "one per request line, in order")
#define PRICING_QUOTE_REPLY(X, T) PRICING_QUOTE_REPLY_OF (X, T, pricing_quote_line)
RECORD_STRUCT (pricing_quote_reply, PRICING_QUOTE_REPLY)

//  pricing.validate
#define PRICING_VALIDATE_REQUEST(X, T) \
    R_CURRENCY (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, catalog_quoted_line, "quoted lines to check")
RECORD_STRUCT (pricing_validate_request, PRICING_VALIDATE_REQUEST)

#define PRICING_VALIDATE_LINE(X, T)                                                 \
    R_SKU (X, T) R_QUANTITY (X, T) R_UNIT_PRICE (X, T, "current price per unit, minor units") \
    X (T, INT, quoted, true, 0, CATALOG_MAX_UNIT_PRICE, "price per unit the client sent")      \
    R_AMOUNT (X, T, extended_price, "current unit_price * quantity")                          \
    X (T, BOOL, ok, "quoted equals the current price")
RECORD_STRUCT (pricing_validate_line, PRICING_VALIDATE_LINE)

#define PRICING_VALIDATE_REPLY(X, T)                                              \
    X (T, BOOL, ok, "every line's quoted price is current") R_CURRENCY (X, T)     \
    R_AMOUNT (X, T, total, "sum of extended_price at current prices")             \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, pricing_validate_line, "one per request line, in order")
RECORD_STRUCT (pricing_validate_reply, PRICING_VALIDATE_REPLY)

//  pricing.set, its reply (a price) and the event pricing.price.set
#define PRICING_SET_REQUEST(X, T) \
    R_CURRENCY (X, T) R_SKU (X, T) R_UNIT_PRICE (X, T, "new price per unit, minor units")
RECORD_STRUCT (pricing_set_request, PRICING_SET_REQUEST)

#define PRICING_PRICE(X, T)                                               \
    R_CURRENCY (X, T) R_SKU (X, T) R_UNIT_PRICE (X, T, "price per unit, minor units") \
    X (T, TIME, updated_at, true, "when the price was set, Unix ms")
RECORD_STRUCT (pricing_price, PRICING_PRICE)

#define PRICING_PRICE_CHANGED(X, T) \
    PRICING_PRICE (X, T)            \
    X (T, INT, previous, false, 0, CATALOG_MAX_UNIT_PRICE, "the price before, when there was one")
RECORD_STRUCT (pricing_price_changed, PRICING_PRICE_CHANGED)

#endif
