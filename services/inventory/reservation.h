//  reservation — what is held for an owner (an order, or a hold made
//  before an order), per line and per location, with a status: held,
//  committed (the order was accepted), released, expired. It owns the
//  reservations and released databases, and with hold.h the holds and hold
//  expiry databases; the quantities themselves move through stock_reserve.
//
//  An order's record lives in the reservations database under its ID, a
//  hold's in the holds database under the hold's (hold.h). A release keeps
//  the record, status released, so a listing shows what was held; the
//  order is also marked in the released database, so no later reserve
//  holds stock for it (also when it never had a reservation).
#ifndef RM_INVENTORY_RESERVATION_H
#define RM_INVENTORY_RESERVATION_H

#include "catalog_inventory.h"
#include "inventory.h"
#include <stdbool.h>
#include <stdint.h>

//  Adds units held at location to line of owner's reservation (a filled
//  backorder, say), after stock_reserve has held them; the line's
//  backordered drops by as much. owner is the order ID (16 bytes).
//  Returns 0; RM_ENOTFOUND when owner has no live reservation or line is
//  out of range; RM_ENOMEM; RM_ESTORE.
int reservation_add (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t owner[16], size_t line,
                     const char *location, int64_t quantity);

//  The version of the records of the reservations and holds databases.
//  Version 1 (schema 2) was a bare array of lines; reservation_migrate_v2
//  converts those.
#define RESERVATION_RECORD_V 2

//  A reservation as stored: lines in request order, each with its units
//  per location. A line's allocations may add up to less than its
//  quantity only while the rest is backordered.
#define RESERVATION_RECORD(X, T)                                                                 \
    R_RESERVATION_STATUS (X, T)                                                                  \
    X (T, TIME, created_at, true, "when it was made")                                            \
    X (T, TIME, updated_at, true, "when its status last changed")                                \
    X (T, TIME, expires_at, false, "a hold's expiry")                                            \
    X (T, STR, hold_id, false, FC_UUID, UUID_STR_LEN, "an order's: the hold it took over")        \
    X (T, STR, order_id, false, FC_UUID, UUID_STR_LEN, "a hold's: the order that took it over")   \
    X (T, MAPS, lines, 0, CATALOG_MAX_LINES, inventory_reserved_line, "per line, its allocations")    \
    X (T, OPTMAPS, settled, 0, INVENTORY_ROWS_MAX, inventory_settled_line,                         \
       "an order's: per line and location, units of its allocation no longer held (shipment.h)")
RECORD_STRUCT (reservation, RESERVATION_RECORD)

#define RESERVATION_HELD "held"
#define RESERVATION_COMMITTED "committed"
#define RESERVATION_RELEASED "released"
#define RESERVATION_EXPIRED "expired"

//  Whether a reservation may move from status from to status to: held to
//  any other; committed to released; nothing out of released or expired.
bool reservation_may_move (const char *from, const char *to);

//  Reads owner's record from dbi (reservations or holds) into *out (zeroed
//  by the caller; record_free (reservation_fields, out) after, also on
//  error). Returns 0, RM_ENOTFOUND, RM_ENOMEM or RM_ESTORE.
int reservation_get (MDB_txn *txn, MDB_dbi dbi, const uint8_t owner[16], reservation_t *out);

//  Stores owner's record in dbi. Returns 0, RM_ENOMEM or RM_ESTORE.
int reservation_put (MDB_txn *txn, MDB_dbi dbi, const uint8_t owner[16], const reservation_t *record);

//  Moves record to status to at now. RM_ECONFLICT when reservation_may_move says no.
int reservation_move (reservation_t *record, const char *to, int64_t now);

//  What a reservation may draw on.
typedef struct {
    const char (*ship_from)[INVENTORY_LOCATION_MAX + 1];  //  only these locations; NULL: any
    size_t ship_from_count;
    //  Per line: when short, hold what is available and leave the rest
    //  backordered (the line's backordered); NULL: no line may.
    const bool *backorder;
} reservation_scope_t;

//  Plans quantity of sku (no write): the locations by stock_locations'
//  order (priority, then most available), restricted to scope; the whole
//  quantity from the first that can fill it alone, else split over them in
//  that order. Appends the allocations to line->allocations. Returns 0;
//  RM_ESHORT with *available (over the locations in scope) when they cannot
//  fill it; RM_ENOTFOUND when sku was never stocked; RM_ENOMEM; RM_ESTORE.
int reservation_allocate (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, int64_t quantity,
                          const reservation_scope_t *scope, inventory_reserved_line_t *line, int64_t *available);

//  Holds every allocation of line through stock_reserve. Returns what
//  stock_reserve returns.
int reservation_hold_line (service_t *svc, MDB_txn *txn, const char *cid, const inventory_reserved_line_t *line);

//  The units line (an index of record's lines) still holds at location:
//  what its allocations hold there less what shipped or was given back
//  there (record's settled). 0 when the line or location is not record's.
int64_t reservation_held_at (const reservation_t *record, size_t line, const char *location);

//  Counts shipped and released more units of line at location as settled
//  in record (in memory: the caller puts the record). Returns 0 or RM_ENOMEM.
int reservation_settle (reservation_t *record, size_t line, const char *location, int64_t shipped, int64_t released);

//  Gives back every unit record's lines still hold (reservation_held_at)
//  through stock_reserve, then lets each SKU given back fill its waiting
//  backorders (backorder_fill). Returns what those return.
int reservation_give_back (service_t *svc, MDB_txn *txn, const char *cid, const reservation_t *record);

//  What reserving every line found wrong.
typedef struct {
    shortage_t *shortages;         //  the caller's, one per line
    size_t nshort;
    int bad_line;                  //  RM_ENOTFOUND: the line whose SKU is unknown
} reservation_outcome_t;

//  Allocates and holds every line (all or nothing) into out->lines,
//  taking first what pool holds of the line's SKU (units already held, a
//  hold's: moved, not held again; pool's allocations are used up). A short
//  line that scope->backorder allows holds what is available and says what
//  is missing in its backordered instead. Every line is tried so all short
//  lines are reported at once. Returns 0;
//  RM_ESHORT with outcome->shortages; RM_ENOTFOUND with outcome->bad_line;
//  RM_ENOMEM; RM_ESTORE. On error the caller aborts the transaction.
int reservation_fill (service_t *svc, MDB_txn *txn, const char *cid, const line_t *lines, size_t count,
                      const reservation_scope_t *scope, reservation_t *pool, reservation_t *out,
                      reservation_outcome_t *outcome);

//  An order's reserve request.
typedef struct {
    uint8_t order_id[16];
    const line_t *lines;
    size_t count;
    reservation_scope_t scope;
    bool has_hold;
    uint8_t hold_id[16];           //  has_hold: the hold the order takes over
    int64_t ttl_ms;                //  the reservation's deadline is this much from now (settle.h)
} reservation_request_t;

//  Reserves every line for the order (reservation_fill). With a hold, the
//  hold's units are moved to the order instead of being reserved again,
//  what the order needs beyond them is reserved as usual, and what the
//  hold has beyond the order's needs is given back; the hold becomes
//  committed (hold.h). The order's reservation has a deadline, request->ttl_ms
//  from now, in the order expiry database (settle.h). A line left backordered (scope.backorder) is queued
//  behind the SKU's earlier backorders (backorder_add). The order's record (status held) is copied to *out.
//  When the order holds a reservation already, nothing changes, *existing
//  is set and *out is that record. Returns 0; RM_ECONFLICT when the order
//  was released (a late or resent reserve must not hold stock for an order
//  that gave it back) — *hold_error false — or the hold is not held any
//  more (released, expired, taken by another order) — *hold_error true;
//  RM_ENOTFOUND with *hold_error when the hold is unknown; what
//  reservation_fill returns. On error the caller aborts the transaction.
int reservation_reserve (service_t *svc, MDB_txn *txn, const char *cid, const reservation_request_t *request,
                         reservation_t *out, bool *existing, reservation_outcome_t *outcome, bool *hold_error);

//  Releases order_id's reservation, giving its units back; the record
//  stays, status released, its deadline dropped, and is copied to *out with *released set. A
//  second release, or one of an order with nothing held, changes nothing
//  but *released stays false. Either way the order is marked released and
//  its backorders are removed (backorder_cancel); the units given back go
//  to the SKUs' waiting backorders (backorder_fill).
//  Returns 0, RM_ENOMEM or RM_ESTORE.
int reservation_release (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16],
                         reservation_t *out, bool *released);

//  Expires order_id's held reservation (orders said the order does not
//  exist, settle.h) as reservation_release does, with status expired, and
//  emits inventory.reservation.expired; *expired is set. A reservation that
//  is not held (committed, released) is left as it is, its deadline
//  dropped. Returns 0, RM_ENOMEM or RM_ESTORE.
int reservation_expire (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16], reservation_t *out,
                        bool *expired);

//  Moves the deadline of order_id's held reservation to at (orders said
//  the order is still being submitted); one not held loses its deadline.
//  Returns 0, RM_ENOMEM or RM_ESTORE.
int reservation_postpone (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t order_id[16], int64_t at);

//  Marks order_id's held reservation committed (the order was accepted),
//  drops its deadline and emits inventory.reservation.committed. Returns 0
//  (also when there is nothing held: a late event), RM_ENOMEM or RM_ESTORE.
int reservation_commit (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16]);

//  The rows of record (one per line and location, in line order) with its
//  status and, when expires_at is not 0, that expiry. *rows is allocated
//  (free ()). Returns 0 or RM_ENOMEM.
int reservation_rows (const reservation_t *record, int64_t expires_at, inventory_reservation_row_t **rows,
                      size_t *count);

//  Packs record as inventory.reserve's reply (inventory_reservation) for
//  order_id (text).
void reservation_pack (msgpack_packer *pk, const char *order_id, const reservation_t *record);

//  Schema 2 -> 3: each reservation, a bare array of lines, becomes a record
//  with status committed (only accepted orders normally kept one; a
//  pending order's is released as before) and created_at the time of the
//  migration. Adds the records converted to *count. Returns 0, RM_ENOMEM
//  or RM_ESTORE.
int reservation_migrate_v2 (store_t *store, MDB_txn *txn, int64_t *count);

//  The handlers of inventory.reserve, inventory.release and inventory.reservations.
int reservation_handle_reserve (service_t *svc, request_t *req);
int reservation_handle_release (service_t *svc, request_t *req);
int reservation_handle_list (service_t *svc, request_t *req);

//  Answers what reservation_fill refused (rc): RM_ESHORT with one detail
//  per short line, RM_ENOTFOUND naming the line's unknown SKU. Returns
//  whether rc was one of those.
bool reservation_reply_refused (request_t *req, const line_t *lines, const reservation_outcome_t *outcome, int rc);

//  The consumer of orders' events (consumer_apply_fn, host the service):
//  orders.order.accepted commits the order's reservation
//  (reservation_commit), orders.order.cancelled releases it
//  (reservation_release) and emits inventory.reservation.released.
int reservation_on_orders_event (void *host, MDB_txn *txn, const envelope_t *event);

#endif
