//  invhost — what inventory's unit tests share: an inventory service run in
//  the test's own process (loophost.h; no routes, no consumers), and the
//  steps that stock it, reserve and read it back, each in a service_write
//  of its own. Nothing commits: the service's batch stays open and reads
//  (service_read_txn) see it. Failures are CHECKs (harness.h).
#ifndef RM_TEST_INVHOST_H
#define RM_TEST_INVHOST_H

#include "loophost.h"
#include "reservation.h"
#include "stock.h"

//  Opens the service in host (host->svc). Returns loophost_open's code.
int invhost_open (loophost_t *host);

//  Counts on_hand units of sku at location, a warehouse of that priority
//  (created or changed).
void invhost_stock (service_t *svc, const char *sku, const char *location, int64_t on_hand, int64_t priority);

//  What is reserved of sku at location.
int64_t invhost_reserved (service_t *svc, const char *sku, const char *location);

//  The stock of sku at location (a CHECK that it exists).
stock_t invhost_stock_of (service_t *svc, const char *sku, const char *location);

//  How many ledger entries sku has at location; *entry (when not NULL) is
//  the one back entries before the last, when there is one.
size_t invhost_ledger (service_t *svc, const char *sku, const char *location, size_t back,
                       inventory_ledger_entry_t *entry);

//  Applies an event of type with body (packed with fields) through apply,
//  as a consumer would (host: svc), in a service_write of its own.
//  Returns apply's code.
int invhost_apply_event (service_t *svc, const char *type, const field_spec_t *fields, const void *body,
                         consumer_apply_fn *apply);

//  A reserve for an order and what it found.
typedef struct {
    reservation_request_t request;
    reservation_t record;          //  record_free (reservation_fields, ...) after
    bool existing, hold_error;
    shortage_t shortages[8];
    reservation_outcome_t outcome;
} invhost_reserve_t;

//  Reserves lines for a->request.order_id (a new ID when it is all zero),
//  with the rest of a->request as the caller set it. Returns
//  reservation_reserve's code.
int invhost_reserve (service_t *svc, invhost_reserve_t *a, const line_t *lines, size_t count);

//  The order's stored reservation (record_free it).
reservation_t invhost_order (service_t *svc, const uint8_t id[16]);

//  Releases the order's reservation (reservation_release, a whole
//  cancel). Returns whether it was live (held or committed) before.
bool invhost_release (service_t *svc, const uint8_t order_id[16]);

//  loophost_events_decoded (loophost.h).
size_t invhost_events (service_t *svc, uint64_t after, const char *type, const field_spec_t *fields, void *records,
                       size_t size, size_t max);

//  A stock movement (to: NULL but for a transfer) and its inventory.movement body.
typedef struct {
    const char *id, *type, *sku, *location, *to;
    int64_t quantity;
} invhost_move_t;

void invhost_pack_move (msgpack_packer *pk, const invhost_move_t *m);

#endif
