//  stock — quantities per SKU and location (on hand, reserved,
//  quarantined, safety stock), the locations themselves, per-SKU policy
//  (safety stock, low-stock threshold), and the append-only ledger of every
//  on-hand change. It owns the stock, locations, skus and ledger
//  databases (the movements database is movement.h's). Every change of a quantity goes through here so
//  that on hand always equals the sum of the ledger and the low-stock
//  events fire exactly when available crosses a threshold.
#ifndef RM_INVENTORY_STOCK_H
#define RM_INVENTORY_STOCK_H

#include "inventory.h"
#include "catalog_inventory.h"
#include <stdbool.h>
#include <stdint.h>

//  Stock records (the stock database) are at this version since schema 3:
//  {on_hand, reserved, quarantined, ledger_seq, safety_stock?,
//  low_stock_threshold?}, the last two the location's own policy.
#define INVENTORY_STOCK_RECORD_V 2

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

//  ---------------------------------------------------------------------
//  on-hand changes and the ledger. Every change of on hand at a location
//  appends one ledger entry there, so on hand is always the sum of the
//  entries' quantity_delta (the first is the stock's "initial" entry when
//  it predates the ledger, schema 3).

//  What the ledger says about a change.
typedef struct {
    const char *movement_id;
    const char *reason;            //  may be NULL
    int64_t occurred_at;           //  Unix ms; 0: when it is recorded
    const char *order_id;          //  a shipment's (shipment.h); NULL: none
    const char *fulfillment_id;    //  a shipment's; NULL: none
} stock_entry_t;

//  A change of what is on hand, quarantined or reserved at one location.
typedef struct {
    const stock_entry_t *entry;    //  NULL: on hand does not change (reserving)
    const char *type;              //  the ledger entry's: receipt, adjustment, transfer_out, transfer_in, count,
                                   //  shipment, short_pick, return
    bool count;                    //  on hand becomes counted (on_hand_delta unused)
    int64_t counted;
    int64_t on_hand_delta;
    int64_t quarantine_delta;
    int64_t reserve_delta;
} stock_change_t;

//  Applies change to sku at location, with its ledger entry (when on hand
//  changes, for every count, and for a change of reserved that has one: a
//  short pick's release, recorded with quantity_delta 0) and low-stock events, into *after. A
//  change with an entry creates the stock when it is new. A count always
//  applies (*shortfall: what reserved + quarantined exceed on hand by, 0
//  when they do not); any other change that lowers on hand or raises
//  quarantined, so that reserved + quarantined would exceed on hand, is
//  refused with RM_ESHORT and *shortfall, as is reserving more than is
//  available or releasing more quarantined units than there are. Also
//  RM_ENOTFOUND (no entry and the SKU never stocked there), RM_EINVAL (on
//  hand would pass CATALOG_MAX_ON_HAND), RM_ESTORE (giving back more than
//  is reserved), RM_ENOMEM.
int stock_change (service_t *svc, MDB_txn *txn, const char *cid, const char *sku, const char *location,
                  const stock_change_t *change, stock_t *after, int64_t *shortfall);

//  Stock of sku arrived (a receipt, a positive adjustment or count, a
//  transfer in, units out of quarantine): fills its backorders first come
//  first served (backorder_fill), then reads the stock at location again
//  into *stock. Returns what backorder_fill and
//  stock_get return.
int stock_arrived (service_t *svc, MDB_txn *txn, const char *cid, const char *sku, const char *location, stock_t *stock);

//  Sets on hand of sku at location to counted, whatever is reserved:
//  reservations and quarantined units are kept, and when they exceed what
//  was counted *shortfall says by how much (0 otherwise; available is then
//  0) and inventory.stock.discrepancy is emitted. Creates the stock, and the
//  location (stock_location_ensure, *created), when new. A count up is
//  stock arriving (stock_arrived: *after is read after the fill). Returns
//  0, RM_ENOMEM or RM_ESTORE.
int stock_count (service_t *svc, MDB_txn *txn, const char *cid, const char *sku, const char *location, int64_t counted,
                 const stock_entry_t *entry, stock_t *after, int64_t *shortfall, bool *created);

//  Up to limit ledger entries of sku at location, oldest first, from
//  sequence number from (1 is the first). *entries is allocated (free());
//  *next is the sequence number of the next page, 0 when this is the last.
//  Returns 0, RM_ENOMEM or RM_ESTORE (no entries: 0 with *count 0).
int stock_ledger (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, const char *location, uint64_t from,
                  size_t limit, inventory_ledger_entry_t **entries, size_t *count, uint64_t *next);

//  ---------------------------------------------------------------------
//  policy: a SKU's safety stock and low-stock threshold (0: none). A
//  location's own figures (stock_set_location_policy) win over the SKU's
//  safety stock there; a location's own threshold watches that location's
//  available, the SKU's watches the total over its locations.

typedef struct {
    int64_t safety_stock;
    int64_t low_stock_threshold;
} stock_policy_t;

//  RM_ENOTFOUND (policy zeroed) when the SKU has none; RM_ESTORE.
int stock_policy_get (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, stock_policy_t *policy);

//  Sets the fields of in that are present, keeping the others, into
//  *policy. Emits low/replenished when the change crosses a threshold;
//  units a lower safety stock frees fill the SKU's backorders first
//  (backorder_fill). Returns 0, RM_ENOMEM or RM_ESTORE.
int stock_set_policy (service_t *svc, MDB_txn *txn, const char *cid, const inventory_sku_policy_t *in,
                      stock_policy_t *policy);

//  As stock_set_policy for one location's own figures. RM_ENOTFOUND when
//  the SKU has never been stocked at location; RM_ENOMEM; RM_ESTORE.
int stock_set_location_policy (service_t *svc, MDB_txn *txn, const char *cid,
                               const inventory_stock_policy_request_t *in, stock_t *stock);

//  ---------------------------------------------------------------------
//  locations: {name, type, priority} by location ID, as
//  inventory.location.put sets them (lower priority is used first)

//  RM_ENOTFOUND; RM_ESTORE.
int stock_location_get (MDB_txn *txn, const inventory_dbs_t *dbs, const char *location, inventory_location_t *loc);

//  Creates or replaces. RM_EINVAL when type is not one of the three; RM_ESTORE.
int stock_location_put (MDB_txn *txn, const inventory_dbs_t *dbs, const inventory_location_t *loc);

//  Every location, by ID; *out allocated (free()). 0, RM_ENOMEM, RM_ESTORE.
int stock_location_list (MDB_txn *txn, const inventory_dbs_t *dbs, inventory_location_t **out, size_t *count);

//  Creates location, when it does not exist, as a warehouse used after
//  every other (priority: the highest in use + 1; 1 for the first), and
//  says so in *created. Returns 0, RM_ENOMEM or RM_ESTORE.
int stock_location_ensure (MDB_txn *txn, const inventory_dbs_t *dbs, const char *location, bool *created);

//  The stock part of the schema 2 -> 3 step (inventory_migrations): stock
//  records to INVENTORY_STOCK_RECORD_V, an "initial" ledger entry of each
//  stock's on hand, a location record (warehouse, priority 1) for each
//  location stocked. Adds the records rewritten to *count. Returns 0,
//  RM_ENOMEM or RM_ESTORE.
int stock_migrate_v2 (store_t *store, MDB_txn *txn, int64_t *count);

//  ---------------------------------------------------------------------
//  the figures of replies and events, and the handlers of stock's
//  operations (inventory_routes)

void stock_fill_location_stock (inventory_location_stock_t *out, const char *location, const stock_t *stock);
void stock_fill_stock (inventory_stock_t *out, const char *sku, const char *location, const stock_t *stock);

int stock_handle_availability (service_t *svc, request_t *req);
int stock_handle_set_stock (service_t *svc, request_t *req);
int stock_handle_location_put (service_t *svc, request_t *req);
int stock_handle_location_get (service_t *svc, request_t *req);
int stock_handle_location_list (service_t *svc, request_t *req);
int stock_handle_policy_set (service_t *svc, request_t *req);
int stock_handle_stock_policy_set (service_t *svc, request_t *req);
int stock_handle_ledger (service_t *svc, request_t *req);

#endif
