//  movement — stock movements (inventory.movement): receipts, signed
//  adjustments, transfers between locations, counts, quarantine and its
//  release, each applied once per movement_id. It owns the movements
//  database: for each ID the SHA-256 of the body first applied and the
//  reply it got, so a resend with the same body answers the same reply
//  without applying it again, and the same ID with another body is refused.
#ifndef RM_INVENTORY_MOVEMENT_H
#define RM_INVENTORY_MOVEMENT_H

#include "inventory.h"
#include "catalog_inventory.h"
#include "sha256.h"
#include <msgpack.h>
#include <stdbool.h>

//  Why a movement was refused: the field (JSON Pointer) and the message.
typedef struct {
    const char *field;
    char message[256];
    const char *location;          //  RM_ESHORT: where
    int64_t shortfall;             //  RM_ESHORT: units missing
} movement_problem_t;

//  Applies the movement in (decoded from body, the request as received)
//  and packs its reply (inventory.movement's) into reply; emits
//  inventory.stock.moved (cid), and what stock_change and stock_count emit.
//  When movement_id was applied before with the same body, packs that
//  reply again, changes nothing and sets *replayed. Locations named that do
//  not exist are created (stock_location_ensure) and the reply says so.
//  Returns 0; RM_EINVAL with *problem (a type unknown, a quantity not
//  allowed for the type, to_location missing or the same as location, on
//  hand beyond CATALOG_MAX_ON_HAND); RM_ECONFLICT with *problem when
//  movement_id was used with another body; RM_ESHORT with *problem when
//  on hand would drop below reserved + quarantined at a location (or
//  release_quarantine asks for more than is quarantined); RM_ENOMEM;
//  RM_ESTORE. On error the caller aborts the transaction.
int movement_apply (service_t *svc, MDB_txn *txn, const char *cid, const msgpack_object *body,
                    const inventory_movement_request_t *in, msgpack_sbuffer *reply, bool *replayed,
                    movement_problem_t *problem);

//  The movements database's record of key (a movement_id, or another
//  movement's key: restock.h): 0 and its stored reply appended to reply
//  when it was applied with a body of this hash (the SHA-256 of the
//  canonical body, sha256_canonical); RM_ECONFLICT when it was applied with
//  another body; RM_ENOTFOUND when it was not; RM_ESTORE.
int movement_seen (MDB_txn *txn, const inventory_dbs_t *dbs, const char *key, const uint8_t hash[SHA256_LEN],
                   msgpack_sbuffer *reply);

//  The end of every movement applied: packs moved's reply (moved less its
//  quantity) into reply, emits inventory.stock.moved (cid) and records key
//  (inventory.movement's: the movement_id) as applied with a body of hash
//  and that reply. Returns 0 or RM_ESTORE.
int movement_record (service_t *svc, MDB_txn *txn, const char *cid, const char *key, const uint8_t hash[SHA256_LEN],
                     const inventory_stock_moved_event_t *moved, msgpack_sbuffer *reply);

//  inventory.movement's handler.
int movement_handle (service_t *svc, request_t *req);

#endif
