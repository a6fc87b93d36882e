#include "inventory.h"
#include "backorder.h"
#include "hold.h"
#include "movebatch.h"
#include "movement.h"
#include "reservation.h"
#include "restock.h"
#include "settle.h"
#include "shipment.h"
#include "stock.h"
#include "catalog_inventory.h"
#include "catalog_orders.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "storeval.h"
#include "uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Reservations are keyed by the order's 16-byte ID; stock.c says how
//  stock, locations and the ledger are keyed.
const char *const inventory_dbs[] = {"stock",  "reservations", "released", "locations",   "skus",
                                     "ledger", "movements",    "holds",    "hold_expiry", "backorders",
                                     "batches", "order_expiry", "shipments", NULL};

//  ---------------------------------------------------------------------
//  migrations

//  Schema 1 -> 2, stock: a raw stock_t {int64 on_hand, int64 reserved}.
static int
s_stock_from_v1 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    static const char *const fields[] = {"on_hand", "reserved"};
    return storeval_from_int64s (old, version, fields, 2, pk);
}

//  Schema 1 -> 2, released: a raw int64 release time.
static int
s_released_from_v1 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    static const char *const fields[] = {"released_at"};
    return storeval_from_int64s (old, version, fields, 1, pk);
}

//  Reservations were a bare array of lines already.
static int
s_migrate_v1 (store_t *store, MDB_txn *txn, int64_t *count)
{
    int rc = storeval_migrate_db (txn, store_dbi (store, INVENTORY_DB_STOCK), INVENTORY_RECORD_V, s_stock_from_v1, count);
    if (rc == 0)
        rc = storeval_migrate_db (txn, store_dbi (store, INVENTORY_DB_RESERVATIONS), INVENTORY_RECORD_V, storeval_wrap,
                                count);
    if (rc == 0)
        rc = storeval_migrate_db (txn, store_dbi (store, INVENTORY_DB_RELEASED), INVENTORY_RECORD_V, s_released_from_v1,
                                count);
    return rc;
}

//  Stock gains quarantined units, a ledger and location records (stock.h);
//  reservations gain a status (reservation.h).
static int
s_migrate_v2 (store_t *store, MDB_txn *txn, int64_t *count)
{
    int rc = stock_migrate_v2 (store, txn, count);
    if (rc == 0)
        rc = reservation_migrate_v2 (store, txn, count);
    return rc;
}

//  The shipments database is new and empty, and reservations' settled is
//  optional: a schema 4 store is read as it is.
static int
s_migrate_v4 (store_t *store, MDB_txn *txn, int64_t *count)
{
    (void) store;
    (void) txn;
    (void) count;
    return 0;
}

const store_migration_t inventory_migrations[] = {
    {1, s_migrate_v1},
    {2, s_migrate_v2},
    {3, settle_migrate_v3},
    {4, s_migrate_v4},
    {0, NULL},
};

//  ---------------------------------------------------------------------
//  operation handlers

inventory_dbs_t
inventory_dbs_of (service_t *svc)
{
    return (inventory_dbs_t) {
        .stock = service_dbi (svc, INVENTORY_DB_STOCK),
        .reservations = service_dbi (svc, INVENTORY_DB_RESERVATIONS),
        .released = service_dbi (svc, INVENTORY_DB_RELEASED),
        .locations = service_dbi (svc, INVENTORY_DB_LOCATIONS),
        .skus = service_dbi (svc, INVENTORY_DB_SKUS),
        .ledger = service_dbi (svc, INVENTORY_DB_LEDGER),
        .movements = service_dbi (svc, INVENTORY_DB_MOVEMENTS),
        .holds = service_dbi (svc, INVENTORY_DB_HOLDS),
        .hold_expiry = service_dbi (svc, INVENTORY_DB_HOLD_EXPIRY),
        .backorders = service_dbi (svc, INVENTORY_DB_BACKORDERS),
        .batches = service_dbi (svc, INVENTORY_DB_BATCHES),
        .order_expiry = service_dbi (svc, INVENTORY_DB_ORDER_EXPIRY),
        .shipments = service_dbi (svc, INVENTORY_DB_SHIPMENTS),
    };
}

int
inventory_start (service_t *svc)
{
    int rc = hold_start (svc);
    return rc == 0 ? settle_start (svc) : rc;
}

const service_option_t inventory_options[] = {
    {"order-hold-ttl", "60",
     "seconds an order's stock is held before inventory asks orders whether the order exists; "
     "it is given back only when orders answers that it does not"},
    {NULL, NULL, NULL},
};

static const char *const s_order_events[] = {"orders.order.accepted", "orders.order.cancelled",
                                             "orders.order.lines_cancelled", NULL};

static int
s_on_orders_event (void *host, MDB_txn *txn, const envelope_t *event)
{
    if (strcmp (event->type, "orders.order.lines_cancelled") == 0)
        return shipment_on_lines_cancelled ((service_t *) host, txn, event);
    return reservation_on_orders_event (host, txn, event);
}

static const char *const s_fulfillment_events[] = {"fulfillment.shipment.shipped", NULL};
static const char *const s_returns_events[] = {"returns.return.received", NULL};

const consumer_def_t inventory_consumers[] = {
    {"orders", s_order_events, s_on_orders_event},
    {"fulfillment", s_fulfillment_events, shipment_on_fulfillment_event},
    {"returns", s_returns_events, restock_on_returns_event},
    {NULL, NULL, NULL},
};

const service_route_t inventory_routes[] = {
    {"inventory.availability", stock_handle_availability},
    {"inventory.reserve", reservation_handle_reserve},
    {"inventory.release", reservation_handle_release},
    {"inventory.orders_restarted", settle_handle_orders_restarted},
    {"inventory.reservations", reservation_handle_list},
    {"inventory.hold", hold_handle_place},
    {"inventory.hold_get", hold_handle_get},
    {"inventory.hold_release", hold_handle_release},
    {"inventory.set_stock", stock_handle_set_stock},
    {"inventory.location.put", stock_handle_location_put},
    {"inventory.location.get", stock_handle_location_get},
    {"inventory.location.list", stock_handle_location_list},
    {"inventory.policy.set", stock_handle_policy_set},
    {"inventory.stock_policy.set", stock_handle_stock_policy_set},
    {"inventory.movement", movement_handle},
    {"inventory.movements_batch", movebatch_handle},
    {"inventory.ledger", stock_handle_ledger},
    {"inventory.backorders", backorder_handle_list},
    {NULL, NULL},
};
