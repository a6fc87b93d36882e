//  pricing — the price book: one unit price per SKU per currency, in
//  integer minor units. These functions work on an LMDB transaction and
//  know nothing of sockets; main.c adapts them to operations.
#ifndef RM_PRICING_H
#define RM_PRICING_H

#include "lines.h"
#include "service.h"
#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

enum { PRICING_DB_PRICES = 0 };
extern const char *const pricing_dbs[];

//  Schema 1 stored prices as raw price_t structs; schema 2 stores them as
//  records (storeval.h) {unit_price, updated_at}, version PRICING_PRICE_V.
#define PRICING_SCHEMA_VERSION 2
#define PRICING_PRICE_V 1
extern const store_migration_t pricing_migrations[];

typedef struct {
    int64_t unit_price;       //  minor units
    int64_t updated_at;       //  Unix ms
} price_t;

//  A priced line: the quoted price (-1 when none) against the current one.
typedef struct {
    int64_t unit_price;       //  current price
    int64_t extended_price;   //  unit_price × quantity
    bool ok;                  //  quoted == current (true when nothing was quoted)
} priced_line_t;

//  RM_ENOTFOUND when there is no price; RM_ESTORE when the record is unreadable.
int pricing_get (MDB_txn *txn, MDB_dbi dbi, const char *currency, const char *sku, price_t *price);
int pricing_put (MDB_txn *txn, MDB_dbi dbi, const char *currency, const char *sku, const price_t *price);

//  True when at least one SKU has a price in currency.
bool pricing_has_currency (MDB_txn *txn, MDB_dbi dbi, const char *currency);

//  Prices every line. Returns 0; RM_ENOTFOUND with *bad_line set (or -1 when
//  the currency itself has no prices) for an unknown SKU; RM_EINVAL when an
//  amount overflows (*bad_line set).
int pricing_evaluate (MDB_txn *txn, MDB_dbi dbi, const char *currency,
                      const line_t *lines, size_t count, priced_line_t *out,
                      int64_t *total, int *bad_line);

//  The operation handlers (pricing.quote, pricing.validate, pricing.set).
extern const service_route_t pricing_routes[];

#endif
