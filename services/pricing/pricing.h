//  pricing — the service's operations over price books (pricebook.h):
//  quotes and price checks priced from the most specific book, the books
//  and their entries, pricing.set on the list books, and the options that
//  decide when a quoted price matches and when an end is reported. These
//  functions know nothing of sockets; main.c only wires them.
#ifndef RM_PRICING_H
#define RM_PRICING_H

#include "lines.h"
#include "pricebook.h"
#include "service.h"
#include "tolerance.h"
#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

//  Schema 1 stored prices as raw {int64 unit_price, int64 updated_at}
//  structs; schema 2 as records of them keyed "<currency>\0<sku>"; schema
//  3 as price books and entries (pricebook.h), schema 2's prices becoming
//  the undated entries of the currencies' list books.
#define PRICING_SCHEMA_VERSION 3
extern const store_migration_t pricing_migrations[];

//  How lines are checked and reported.
typedef struct {
    tolerance_t tolerance;           //  when a quoted price matches
    int64_t notice_ms;               //  a price ending sooner is reported with its valid_to
} pricing_policy_t;

//  A priced line: the quoted price (-1 when none) against the current one.
typedef struct {
    pricebook_price_t price;         //  current price and where it came from
    int64_t extended_price;          //  price.unit_price × quantity
    bool ok;                         //  quoted matches (true when nothing was quoted)
    bool ends_soon;                  //  price.valid_to is within the notice
} priced_line_t;

//  Prices every line at now from scope's books. Returns 0; RM_ENOTFOUND
//  with *bad_line set (or -1 when no book prices in the currency) for an
//  unpriced SKU; RM_EINVAL when an amount overflows (*bad_line set);
//  RM_ESTORE.
int pricing_evaluate (const pricebook_t *pb, MDB_txn *txn, const pricebook_scope_t *scope,
                      const pricing_policy_t *policy, const char *currency, const line_t *lines, size_t count,
                      int64_t now, priced_line_t *out, int64_t *total, int *bad_line);

//  The service's price books: its databases, changes emitted as events
//  of the request being handled.
pricebook_t pricing_pricebook (service_t *svc);

//  --price-tolerance and --price-end-notice (days).
extern const service_option_t pricing_options[];

//  Reads the options (RM_EINVAL, logged, when one is wrong) and starts the
//  takeover of dated prices (takeover.h).
int pricing_start (service_t *svc);

//  The operation handlers (pricing.quote, pricing.validate, pricing.set and
//  the price book operations).
extern const service_route_t pricing_routes[];

#endif
