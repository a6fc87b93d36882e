//  release — giving back the stock of an order that was not accepted:
//  the inventory.release call is put on the service's outbound queue, so
//  the stock is released at least once (inventory's release is idempotent)
//  even across a crash of orders after the rejection (before it, the hold
//  expires at its deadline: inventory's settle.h). These functions
//  work on an LMDB transaction and the queue, without sockets.
#ifndef RM_ORDERS_RELEASE_H
#define RM_ORDERS_RELEASE_H

#include "orders.h"
#include "outq.h"

//  Packs the body of inventory.release: {order_id, reason}.
void orders_release_body (msgpack_sbuffer *body, const uint8_t order_id[16]);

//  Queues inventory.release {order_id, reason} for the order in txn, on
//  behalf of caller (who submitted it; NULL or "" for none); *action (may
//  be NULL) names the queued call. Returns 0 or outq_push's error.
int orders_release_queue (outq_t *outq, MDB_txn *txn, const uint8_t order_id[16], const char *cid,
                          const char *caller, uint64_t *action);

//  Packs the body of inventory.orders_restarted: {started_at}.
void orders_restarted_body (msgpack_sbuffer *body, int64_t started_at);

//  Moves every release marked in the releases database (by the start-up
//  settlement of pending orders, or in a store written before the queue
//  existed) onto the queue, in txn; the marks keep no caller, so these
//  releases have none. Returns the number moved or an error.
int orders_releases_queue (MDB_txn *txn, const orders_dbs_t *dbs, outq_t *outq);

#endif
