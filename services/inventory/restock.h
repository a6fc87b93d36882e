//  restock — units customers sent back (returns' returns.return.received)
//  coming into the stock at the receipt's location. A resellable unit is on
//  hand again and fills the SKU's backorders first come first served, as a
//  receipt's does (stock_arrived); a damaged one is on hand and quarantined
//  at once, so it is never sold. Each receipt line is one movement,
//  "<receipt_id>#<n>" (n counts the receipt's lines from 1): a ledger entry
//  of type return (reason: the return reason; order_id: the return's
//  order), inventory.stock.moved as for any movement, and a record in the
//  movements database (movement.h) under the return's ID and the movement
//  ID, so a receipt comes in once even when its event is applied again (a
//  replay, a dead letter retried). Receipt IDs are the return's own: two
//  returns' receipts "R-1" are two receipts.
#ifndef RM_INVENTORY_RESTOCK_H
#define RM_INVENTORY_RESTOCK_H

#include "inventory.h"
#include <stdbool.h>
#include <stdint.h>

//  Units of one return line received.
typedef struct {
    const char *sku;
    int64_t quantity;
    bool damaged;                  //  the condition: damaged, else resellable
    const char *reason;            //  the return reason
} restock_line_t;

//  One receipt of a return.
typedef struct {
    const char *return_id;
    const char *receipt_id;
    const char *order_id;          //  the return's order (text); NULL: none
    const char *location;
    int64_t received_at;           //  Unix ms; 0: now
    const restock_line_t *lines;
    size_t count;
} restock_t;

//  What restock_apply found.
typedef struct {
    size_t applied;                //  lines that came in now
    size_t duplicates;             //  lines that came in before: nothing changed for them
    char message[256];             //  why it was refused
} restock_outcome_t;

//  Brings in's lines into the stock at in->location, all or none; a line
//  whose movement came in before is skipped (out->duplicates). The location
//  is created when inventory does not know it (stock_location_ensure).
//  Returns 0; RM_EINVAL with out->message when a line has no units, the
//  receipt_id is too long for its lines' movement IDs, or on hand would
//  pass CATALOG_MAX_ON_HAND; RM_ECONFLICT with out->message when the
//  return's receipt came in before with other units; RM_ENOMEM; RM_ESTORE.
//  Nothing is written before a refusal, so a consumer that rejects the
//  event (consumer.h) commits only its position.
int restock_apply (service_t *svc, MDB_txn *txn, const char *cid, const restock_t *in, restock_outcome_t *out);

//  The consumer of returns' events (consumer_apply_fn, host the service):
//  returns.return.received, its receipt's lines (restock_apply). A receipt
//  restock_apply refuses, or with a line whose condition is neither
//  resellable nor damaged, changes nothing and fails as RM_EINTERNAL
//  (logged), so the consumer retries it and then dead-letters it rather
//  than skip units that were refunded.
int restock_on_returns_event (void *host, MDB_txn *txn, const envelope_t *event);

#endif
