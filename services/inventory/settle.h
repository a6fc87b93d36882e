//  settle — the deadline of an order's held reservation, and what happens
//  at it. A reservation held for an order (reservation_reserve) gets a
//  deadline, --order-hold-ttl from when it was made, in the order expiry
//  database (keys as hold.h's deadline databases). Once due, inventory asks
//  orders (orders.hold_status) and acts only on a definite answer:
//  accepted commits the reservation (as orders.order.accepted would, when
//  the event is late), absent expires it and gives its stock back,
//  in_flight moves the deadline a little later. While orders does not
//  answer, nothing expires: the check is tried again, and the stock stays
//  held. So the hold of an accepted order never expires, however late its
//  event reaches inventory.
#ifndef RM_INVENTORY_SETTLE_H
#define RM_INVENTORY_SETTLE_H

#include "inventory.h"

//  How much later an order still in flight, or a check orders did not
//  answer, is looked at again.
#define SETTLE_RETRY_MS 1000

//  Acts on orders' answer status (ORDERS_HOLD_*, catalog_orders.h) about
//  order_id at now: commits, expires or postpones its reservation (also
//  an unknown status: wait). *ended when the reservation left held.
//  Returns 0, RM_ENOMEM or RM_ESTORE.
int settle_apply (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16], const char *status,
                  int64_t now, bool *ended);

//  The TTL of order_id's new reservation, in ms: --order-hold-ttl (60 s
//  before settle_start), or 0 (checked at once) when orders restarted
//  since the order's ID was made (its UUIDv7 time): a reserve the
//  previous orders process sent, arriving late.
int64_t settle_ttl_ms (const uint8_t order_id[16]);

//  Orders started at started_at (its clock), told at now: every held order
//  reservation there is now is due (its deadline at most a TTL away), and
//  so is every later one of an order made before started_at.
void settle_orders_restarted (int64_t started_at, int64_t now);

//  Arms the check for a deadline at, unless it is armed for earlier.
void settle_arm (service_t *svc, int64_t at);

//  inventory.orders_restarted: settle_orders_restarted, and the check runs
//  at once: the submissions orders had in flight before it started are
//  gone, so their holds get "absent" at once, not at their deadline.
int settle_handle_orders_restarted (service_t *svc, request_t *req);

//  At start: reads --order-hold-ttl and checks the reservations due.
//  Returns 0 or RM_EINVAL (the option is not a positive number).
int settle_start (service_t *svc);

//  Schema 3 -> 4: each held order reservation (an order pending at the
//  upgrade) gets a deadline at the migration, so it is checked with orders
//  at once. Returns 0, RM_ENOMEM or RM_ESTORE.
int settle_migrate_v3 (store_t *store, MDB_txn *txn, int64_t *count);

#endif
