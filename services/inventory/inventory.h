//  inventory — stock per SKU per location (on hand, reserved; available is
//  on hand minus reserved) and the reservations held for orders. Reserving
//  is all lines or none, in one transaction, so stock is never oversold.
//  These functions work on an LMDB transaction and know nothing of sockets.
#ifndef RM_INVENTORY_H
#define RM_INVENTORY_H

#include "lines.h"
#include "service.h"
#include <lmdb.h>
#include <stdint.h>

enum {
    INVENTORY_DB_STOCK = 0,
    INVENTORY_DB_RESERVATIONS = 1,
    INVENTORY_DB_RELEASED = 2,
    INVENTORY_DB_LOCATIONS = 3,
    INVENTORY_DB_SKUS = 4,
    INVENTORY_DB_LEDGER = 5,
    INVENTORY_DB_MOVEMENTS = 6,
    INVENTORY_DB_HOLDS = 7,
    INVENTORY_DB_HOLD_EXPIRY = 8,
    INVENTORY_DB_BACKORDERS = 9,
};
extern const char *const inventory_dbs[];

//  Schema 1 stored stock as raw stock_t structs, reservations as a bare
//  MessagePack array and release times as a raw int64. Schema 2 stores
//  records (storeval.h): stock {on_hand, reserved}, reservations [lines],
//  released {released_at}, each at version INVENTORY_RECORD_V.
#define INVENTORY_SCHEMA_VERSION 2
#define INVENTORY_RECORD_V 1
extern const store_migration_t inventory_migrations[];

#define INVENTORY_LOCATION_MAX (sizeof ((catalog_allocation_t *) 0)->location - 1)
#define INVENTORY_LOCATIONS_MAX 64

typedef struct {
    int64_t on_hand;
    int64_t reserved;
} stock_t;

typedef struct {
    char location[INVENTORY_LOCATION_MAX + 1];
    stock_t stock;
} location_stock_t;

typedef struct {
    char location[INVENTORY_LOCATION_MAX + 1];
    int64_t quantity;
} allocation_t;

//  A line that could not be reserved in full.
typedef struct {
    int line;
    int64_t requested;
    int64_t available;
} shortage_t;

typedef struct {
    MDB_dbi stock;                //  stock.h
    MDB_dbi reservations;         //  reservation.h
    MDB_dbi released;             //  orders whose hold is over: never reserved again
    MDB_dbi locations;            //  stock.h
    MDB_dbi skus;                 //  stock.h: per-SKU policy
    MDB_dbi ledger;               //  stock.h
    MDB_dbi movements;            //  stock.h: movement IDs seen, for idempotency
    MDB_dbi holds;                //  reservation.h
    MDB_dbi hold_expiry;          //  reservation.h: holds by expiry time
    MDB_dbi backorders;           //  backorder.h
} inventory_dbs_t;

//  The databases of svc's store, by role.
inventory_dbs_t inventory_dbs_of (service_t *svc);

int inventory_stock_get (MDB_txn *txn, MDB_dbi dbi, const char *sku, const char *location, stock_t *stock);
int inventory_stock_put (MDB_txn *txn, MDB_dbi dbi, const char *sku, const char *location, const stock_t *stock);

//  Lists a SKU's locations (at most max). Returns the count (0 when the SKU
//  is unknown) or a negative code.
int inventory_locations (MDB_txn *txn, MDB_dbi dbi, const char *sku, location_stock_t *out, int max);

//  Sets on hand. RM_ECONFLICT when on_hand would drop below what is reserved.
int inventory_set_on_hand (MDB_txn *txn, MDB_dbi dbi, const char *sku, const char *location,
                           int64_t on_hand, stock_t *result);

extern const service_route_t inventory_routes[];
extern const consumer_def_t inventory_consumers[];

#endif
