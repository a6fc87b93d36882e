//  catalog_shared — what the catalogue's slices share: the bounds, the
//  field descriptions several messages use (as record.h entries), and the
//  records more than one service's messages carry.
#ifndef RM_CATALOG_SHARED_H
#define RM_CATALOG_SHARED_H

#include "record.h"
#include "uuid.h"

#define CATALOG_MAX_LINES 500
#define CATALOG_MAX_SKUS 100
#define CATALOG_MAX_QUANTITY 1000000
#define CATALOG_MAX_UNIT_PRICE 1000000000000LL
#define CATALOG_MAX_ON_HAND 1000000000
//  Replies list a SKU's locations; this only keeps a broken reply bounded.
#define CATALOG_MAX_LOCATIONS 10000
#define CATALOG_MAX_SHIP_TO 16
#define CATALOG_STRMAP_KEY_MAX 64
#define CATALOG_STR_DEFAULT_MAX 256
//  Items one batch of a bulk feed may have (pricing.batch,
//  inventory.movements_batch): a batch is one transaction, so this bounds
//  how long it holds the service's write lock.
#define CATALOG_MAX_BATCH_ITEMS 10000

//  Field descriptions, each an entry of a record list (record.h).
#define R_SKU(X, T) X (T, STR, sku, true, FC_IDENT, 64, "stock keeping unit")
#define R_LOCATION(X, T) X (T, STR, location, true, FC_IDENT, 64, "stock location (warehouse, store)")
#define R_CURRENCY(X, T) \
    X (T, STR, currency, true, FC_CURRENCY, 3, "ISO 4217 code of every amount in the message")
#define R_ORDER_ID(X, T) X (T, STR, order_id, true, FC_UUID, UUID_STR_LEN, "order ID (UUID)")
#define R_QUANTITY(X, T) X (T, INT, quantity, true, 1, CATALOG_MAX_QUANTITY, "units")
#define R_UNIT_PRICE(X, T, d) X (T, INT, unit_price, true, 0, CATALOG_MAX_UNIT_PRICE, d)
#define R_AMOUNT(X, T, n, d) X (T, INT, n, true, 0, INT64_MAX, d)

#define R_BATCH_ID(X, T) \
    X (T, STR, batch_id, true, FC_IDENT, 128, "the sender's ID of the batch: resending it is harmless")

//  What an order may name to inventory (orders.submit, inventory.reserve).
#define CATALOG_MAX_SHIP_FROM 64
#define R_HOLD_ID(X, T, req, d) X (T, STR, hold_id, req, FC_UUID, UUID_STR_LEN, d)
#define R_SHIP_FROM(X, T)                                                                        \
    X (T, OPTSTRS, ship_from, FC_IDENT, 64, 1, CATALOG_MAX_SHIP_FROM,                            \
       "the only locations the order may ship from; absent: any")

//  Lines of SKU and quantity: pricing.quote, inventory.reserve.
#define CATALOG_SKU_QUANTITY(X, T) R_SKU (X, T) R_QUANTITY (X, T)
RECORD_STRUCT (catalog_sku_quantity, CATALOG_SKU_QUANTITY)

//  Lines with the price the client was quoted: pricing.validate, orders.submit.
#define CATALOG_QUOTED_LINE(X, T) \
    R_SKU (X, T) R_QUANTITY (X, T) R_UNIT_PRICE (X, T, "price per unit the client was quoted, minor units")
RECORD_STRUCT (catalog_quoted_line, CATALOG_QUOTED_LINE)

//  Units at a location: inventory's holds, an order line's reservations.
#define CATALOG_ALLOCATION(X, T) R_LOCATION (X, T) R_QUANTITY (X, T)
RECORD_STRUCT (catalog_allocation, CATALOG_ALLOCATION)

//  The answer to a bulk feed's batch, applied whole (pricing.batch,
//  inventory.movements_batch); a resend of the batch answers it again.
#define CATALOG_BATCH_REPLY(X, T)                                                      \
    R_BATCH_ID (X, T) R_AMOUNT (X, T, applied, "items applied: every item of the batch") \
    X (T, TIME, applied_at, true, "when the batch was applied, Unix ms")               \
    X (T, BOOL, replayed, "the batch_id was applied before with this body: nothing was applied again")
RECORD_STRUCT (catalog_batch_reply, CATALOG_BATCH_REPLY)

//  Nearest-rank percentiles of durations (sys.health figures).
#define CATALOG_PERCENTILES(X, T)                                           \
    R_AMOUNT (X, T, p50, "half took at most this long, ms")                 \
    R_AMOUNT (X, T, p90, "nine in ten took at most this long, ms")          \
    R_AMOUNT (X, T, p99, "ninety-nine in a hundred took at most this long, ms")
RECORD_STRUCT (catalog_percentiles, CATALOG_PERCENTILES)

#endif
