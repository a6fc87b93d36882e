//  orders — the order book: orders keyed by time-ordered IDs, with indexes
//  by (channel, external_id) and by idempotency key, and the reservations
//  a crash left to release (moved onto the outbound queue at start-up).
//  These functions work on an LMDB transaction.
//
//  A stored order is a 32-byte SHA-256 of the submitted body followed by
//  the order as one MessagePack map (the shape the API returns).
#ifndef RM_ORDERS_H
#define RM_ORDERS_H

#include "service.h"
#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

enum { ORDERS_DB_ORDERS = 0, ORDERS_DB_BY_EXTERNAL, ORDERS_DB_BY_IDEM, ORDERS_DB_RELEASES, ORDERS_DB_HISTORY };
extern const char *const orders_dbs[];

typedef struct {
    MDB_dbi orders, by_external, by_idem, releases, history;
} orders_dbs_t;

orders_dbs_t orders_dbs_of (service_t *svc);

//  What a lookup found for a submission.
typedef struct {
    bool found;
    uint8_t order_id[16];
    uint8_t hash[32];
    MDB_val order;             //  the packed order map (valid in the txn)
} orders_found_t;

//  Finds an earlier submission by idempotency key (when idem is not empty)
//  or by (channel, external_id). RM_ECONFLICT when the key was used with
//  a different body.
int orders_find_submission (MDB_txn *txn, const orders_dbs_t *dbs, const char *channel,
                            const char *external_id, const char *idem, const uint8_t hash[32],
                            orders_found_t *found);

//  Loads an order by ID; RM_ENOTFOUND when absent.
int orders_load (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], orders_found_t *found);

//  Stores an order and its indexes.
int orders_store (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                  const uint8_t hash[32], const char *channel, const char *external_id,
                  const char *idem, const char *order, size_t order_len);

//  Removes an order and its indexes (a rejected submission leaves nothing).
int orders_remove (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                   const char *channel, const char *external_id, const char *idem);

//  The reservations to release: marked (start-up settlement), then moved
//  onto the outbound queue (release.c), cleared.
int orders_release_mark (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *cid);
int orders_release_clear (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16]);

//  Turns every order left pending by a crash into a reservation to release
//  and removes it. Returns the number settled or a negative code.
int orders_settle_pending (MDB_txn *txn, const orders_dbs_t *dbs);

//  Records a status change in the order's history (key: order ID, then a
//  time-ordered ID).
int orders_history_add (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                        const char *status, const char *event, const char *cid, const char *reason);

//  The order status in a packed order map ("" when absent).
void orders_status (const MDB_val *order, char *status, size_t size);

//  Replies with a stored order map, leaving out the fields kept for
//  internal use; created (0 or 1) is added when not negative.
void orders_reply_order (request_t *req, const MDB_val *order, int created);

//  The same with another boolean flag ("changed") added when value >= 0.
void orders_reply_order_flag (request_t *req, const MDB_val *order, const char *flag, int value);

//  Submission handling (submit.c): orders.submit, and at start the
//  settlement of what a crash left pending.
int orders_submit (service_t *svc, request_t *req);
int orders_start (service_t *svc);

extern const service_route_t orders_routes[];

#endif
