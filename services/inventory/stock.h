//  stock — quantities per SKU and location (on hand, reserved,
//  quarantined, safety stock), the locations themselves, per-SKU policy
//  (safety stock, low-stock threshold), and the append-only ledger of every
//  on-hand change. It owns the stock, locations, skus, ledger and
//  movements databases. Every change of a quantity goes through here so
//  that on hand always equals the sum of the ledger and the low-stock
//  events fire exactly when available crosses a threshold.
#ifndef RM_INVENTORY_STOCK_H
#define RM_INVENTORY_STOCK_H

#include "inventory.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t on_hand;
    int64_t reserved;              //  held by live reservations (orders, holds, filled backorders)
    int64_t quarantined;           //  damaged or held back: on hand but not sellable
    int64_t safety_stock;          //  the effective figure: the location's own, else the SKU's
} stock_t;

//  on_hand - reserved - quarantined - safety_stock, never below zero.
int64_t stock_available (const stock_t *stock);

//  One location of a SKU, as allocation sees it.
typedef struct {
    char location[INVENTORY_LOCATION_MAX + 1];
    int64_t priority;              //  the location's: lower is used first
    stock_t stock;
} stock_at_t;

//  Reads the stock of sku at location. RM_ENOTFOUND when the SKU has never
//  been stocked there; RM_ESTORE when the record is unreadable.
int stock_get (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, const char *location, stock_t *stock);

//  Every location that has stocked sku (any number), ordered by location
//  priority, then most available, then name. *out is allocated (free());
//  *count is 0 when the SKU is unknown. Returns 0, RM_ENOMEM or RM_ESTORE.
int stock_locations (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, stock_at_t **out, size_t *count);

//  Changes what is reserved of sku at location by delta: positive holds
//  units, negative gives them back. Emits inventory.stock.low or
//  inventory.stock.replenished (cid) when available crosses the threshold.
//  Returns 0; RM_ESHORT when delta exceeds what is available there;
//  RM_ENOTFOUND when the SKU has never been stocked at location; RM_ESTORE
//  when giving back more than is reserved (a broken reservation record).
int stock_reserve (service_t *svc, MDB_txn *txn, const char *cid, const char *sku, const char *location,
                   int64_t delta);

#endif
