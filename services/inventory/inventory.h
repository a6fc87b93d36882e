//  inventory — stock per SKU per location (on hand, reserved, quarantined,
//  safety stock, the ledger of on-hand changes: stock.h, movement.h, and
//  a bulk feed's batches of movements: movebatch.h) and
//  the reservations held for orders (reservation.h, hold.h, backorder.h)
//  until their units ship or are given back (shipment.h), and the units
//  customers send back (restock.h).
//  Reserving is all lines or none, in one transaction, so stock is never
//  oversold.
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
    INVENTORY_DB_BATCHES = 10,
    INVENTORY_DB_ORDER_EXPIRY = 11,
    INVENTORY_DB_SHIPMENTS = 12,
};
extern const char *const inventory_dbs[];

//  Schema 1 stored stock as raw stock_t structs, reservations as a bare
//  MessagePack array and release times as a raw int64. Schema 2 stores
//  records (storeval.h): stock {on_hand, reserved}, reservations [lines],
//  released {released_at}, each at version INVENTORY_RECORD_V. Schema 3
//  adds locations, SKU policy, the ledger and movements; stock records
//  gain quarantined and their own policy (INVENTORY_STOCK_RECORD_V, stock.h)
//  and every existing stock an "initial" ledger entry; reservations become
//  records with a status (RESERVATION_RECORD_V, reservation.h), and holds
//  and their expiry get databases of their own. Schema 4 gives each held
//  order reservation a deadline (expires_at) in the order expiry database
//  (settle.h). Schema 5 adds the shipments database (shipment.h) and an
//  optional settled list to reservations: nothing to convert.
#define INVENTORY_SCHEMA_VERSION 5
#define INVENTORY_RECORD_V 1
extern const store_migration_t inventory_migrations[];

#define INVENTORY_LOCATION_MAX (sizeof ((catalog_allocation_t *) 0)->location - 1)

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
    MDB_dbi batches;              //  movebatch.h: bulk.h's batch records
    MDB_dbi order_expiry;         //  settle.h: held order reservations by deadline
    MDB_dbi shipments;            //  shipment.h: fulfilments shipped
} inventory_dbs_t;

//  The databases of svc's store, by role.
inventory_dbs_t inventory_dbs_of (service_t *svc);


//  At start: expires the holds due (hold_start) and starts the checks of
//  order reservations due (settle_start).
int inventory_start (service_t *svc);

extern const service_option_t inventory_options[];
extern const service_route_t inventory_routes[];
extern const consumer_def_t inventory_consumers[];

#endif
