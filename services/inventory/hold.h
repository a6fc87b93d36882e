//  hold — stock held for a while before there is an order (POST
//  /v1/holds): a reservation owned by a hold ID, with an expiry. It owns
//  the holds and hold expiry databases. A hold ends one way: released
//  (DELETE), expired (its time ran out: the service's own timer, or
//  start-up for a hold that ran out while the service was down), or
//  committed (an order named it and took its units over, reservation.h).
//  The hold expiry database keys each live hold by its big-endian expiry
//  time then its ID, so the earliest expiry is its first key.
#ifndef RM_INVENTORY_HOLD_H
#define RM_INVENTORY_HOLD_H

#include "reservation.h"

//  A deadline database (hold expiry, order expiry) keys owner (16 bytes)
//  by the big-endian deadline at, then owner. These put and delete one
//  (deleting one that is absent is not an error). Return 0, RM_ENOMEM or
//  RM_ESTORE.
int hold_deadline_put (MDB_txn *txn, MDB_dbi dbi, int64_t at, const uint8_t owner[16]);
int hold_deadline_del (MDB_txn *txn, MDB_dbi dbi, int64_t at, const uint8_t owner[16]);

//  The owners of dbi whose deadline is at or before now, earliest first, at
//  most max of them into due; *next is the first deadline not taken (0:
//  none). Returns 0 or RM_ESTORE.
int hold_deadlines_due (MDB_txn *txn, MDB_dbi dbi, int64_t now, size_t max, uint8_t (*due)[16], size_t *count,
                        int64_t *next);

//  Holds every line for hold_id until now + ttl_ms (status held), emitting
//  inventory.hold.placed, and copies the record to *out. When hold_id has
//  a hold already: with the same lines (SKUs and quantities, in order)
//  nothing changes, *existing is set and *out is that hold, whatever its
//  status; with other lines RM_ECONFLICT. Else what reservation_fill
//  returns. On error the caller aborts the transaction.
int hold_place (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t hold_id[16], const line_t *lines,
                size_t count, int64_t ttl_ms, int64_t now, reservation_t *out, bool *existing,
                reservation_outcome_t *outcome);

//  Reads hold_id's record. Returns what reservation_get returns.
int hold_get (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t hold_id[16], reservation_t *out);

//  Releases a held hold: its units are given back, status released,
//  inventory.hold.released emitted, *changed set. A hold no longer held is
//  left as it is (*changed false). *out is the record after. Returns 0,
//  RM_ENOTFOUND (unknown hold), RM_ENOMEM or RM_ESTORE.
int hold_release (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t hold_id[16], int64_t now,
                  reservation_t *out, bool *changed);

//  Takes a held hold over for order_id: status committed, no longer due to
//  expire, inventory.hold.committed emitted. *out is the hold, its lines
//  the units the order takes (still held: nothing is given back here).
//  RM_ENOTFOUND when unknown;
//  RM_ECONFLICT when it is not held, or its time ran out (now past
//  expires_at: the timer expires it next); RM_ENOMEM; RM_ESTORE.
int hold_take (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t hold_id[16], const uint8_t order_id[16],
               int64_t now, reservation_t *out);

//  Expires every held hold whose time is at or before now, at most max of
//  them: gives its units back once, status expired, emits
//  inventory.hold.expired. *expired counts them; *next is the earliest
//  expiry left (0: none). Returns 0, RM_ENOMEM or RM_ESTORE.
int hold_expire_due (service_t *svc, MDB_txn *txn, const char *cid, int64_t now, size_t max, size_t *expired,
                     int64_t *next);

//  Packs record as the hold hold_id (text) for replies and events
//  (inventory_hold; with created, inventory_hold_made).
int hold_pack (msgpack_packer *pk, const char *hold_id, const reservation_t *record, const bool *created);

//  Answers a request that named hold_id but could not use it (rc, from
//  hold_take): RM_ENOTFOUND or RM_ECONFLICT naming /hold_id and saying why.
int hold_reply_unusable (service_t *svc, request_t *req, const uint8_t hold_id[16], int rc);

//  At start-up: expires the holds that ran out while the service was down
//  and arms the expiry timer for the next one.
int hold_start (service_t *svc);

//  The handlers of inventory.hold, inventory.hold_get and inventory.hold_release.
int hold_handle_place (service_t *svc, request_t *req);
int hold_handle_get (service_t *svc, request_t *req);
int hold_handle_release (service_t *svc, request_t *req);

#endif
