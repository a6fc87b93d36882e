//  pricing: the plain functions behind quote, validate and set, on a real
//  LMDB store and without sockets.
#include "err.h"
#include "harness.h"
#include "pricing.h"
#include <stdlib.h>

static store_t *s_store;
static MDB_dbi s_prices;

static void
s_put (MDB_txn *txn, const char *currency, const char *sku, int64_t unit_price)
{
    price_t price = {unit_price, 1};
    CHECK_EQ_INT (pricing_put (txn, s_prices, currency, sku, &price), 0);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-pricing");
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = PRICING_SCHEMA_VERSION, .dbs = pricing_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_store), 0);
    s_prices = store_dbi (s_store, PRICING_DB_PRICES);
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    s_put (txn, "USD", "TEE", 1999);
    s_put (txn, "USD", "MUG", 850);
    s_put (txn, "EUR", "TEE", 1850);
    s_put (txn, "JPY", "TEE", 2500);

    //  quoted lines against current prices: totals and each line's verdict
    line_t lines[] = {{"TEE", 3, 1999}, {"MUG", 2, 800}};
    priced_line_t priced[2];
    int64_t total = 0;
    int bad = -2;
    CHECK_EQ_INT (pricing_evaluate (txn, s_prices, "USD", lines, 2, priced, &total, &bad), 0);
    CHECK_EQ_INT (total, 3 * 1999 + 2 * 850);
    CHECK (priced[0].ok);
    CHECK (!priced[1].ok);
    CHECK_EQ_INT (priced[1].unit_price, 850);
    CHECK_EQ_INT (priced[1].extended_price, 1700);
    //  a line without a quoted price is only priced
    line_t unquoted[] = {{"TEE", 1, -1}};
    CHECK_EQ_INT (pricing_evaluate (txn, s_prices, "EUR", unquoted, 1, priced, &total, &bad), 0);
    CHECK (priced[0].ok);
    CHECK_EQ_INT (total, 1850);
    //  an unknown SKU names its line; an unpriced currency names none
    line_t unknown[] = {{"TEE", 1, -1}, {"CAP", 1, -1}};
    CHECK_EQ_INT (pricing_evaluate (txn, s_prices, "USD", unknown, 2, priced, &total, &bad), RM_ENOTFOUND);
    CHECK_EQ_INT (bad, 1);
    CHECK_EQ_INT (pricing_evaluate (txn, s_prices, "GBP", unquoted, 1, priced, &total, &bad), RM_ENOTFOUND);
    CHECK_EQ_INT (bad, -1);
    CHECK (pricing_has_currency (txn, s_prices, "JPY"));
    CHECK (!pricing_has_currency (txn, s_prices, "JP"));
    //  amounts never overflow silently
    s_put (txn, "USD", "GOLD", INT64_MAX / 2);
    line_t huge[] = {{"GOLD", 3, -1}};
    CHECK_EQ_INT (pricing_evaluate (txn, s_prices, "USD", huge, 1, priced, &total, &bad), RM_EINVAL);
    CHECK_EQ_INT (bad, 0);
    store_abort (&txn);
    store_close (&s_store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
